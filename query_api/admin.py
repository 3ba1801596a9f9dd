"""Management-cell endpoints: reindex, index status, activation codes, API keys."""
from __future__ import annotations

import logging
import threading
from datetime import datetime, timezone

from flask import Blueprint, current_app, jsonify, request

from catalog import accounts
from catalog.schemas import MSG_NOT_AN_OBJECT
from catalog.store import iso
from indexer.reindex import reindex
from indexer.status import index_status
from query_api import context, security
from query_api.errors import ApiError
from query_api.security import admin_required

log = logging.getLogger(__name__)

blueprint = Blueprint("admin", __name__)
blueprint.after_request(security.no_store)


class ReindexJob:
    """The one full reindex this process may run in the background at a time."""

    def __init__(self):
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None
        self.state: dict = {"running": False}

    def start(self, store, client, settings) -> bool:
        with self.lock:
            if self.thread is not None and self.thread.is_alive():
                return False
            self.state = {"running": True, "started_at": iso(datetime.now(timezone.utc))}
            self.thread = threading.Thread(target=self._run, args=(store, client, settings),
                                           name="ror-admin-reindex", daemon=True)
            self.thread.start()
            return True

    def _run(self, store, client, settings) -> None:
        outcome: dict = {}
        try:
            report = reindex(store, client, settings, progress=False)
            outcome = {"index": report.index, "documents": report.documents, "seconds": round(report.seconds, 1)}
        except Exception as error:  # reported through index-status, never lost in a thread
            log.exception("admin reindex failed")
            outcome = {"error": str(error)[:500]}
        with self.lock:
            self.state = {**self.state, **outcome, "running": False, "finished_at": iso(datetime.now(timezone.utc))}

    def snapshot(self) -> dict:
        with self.lock:
            return dict(self.state)


def reindex_job() -> ReindexJob:
    return current_app.extensions.setdefault("ror_reindex_job", ReindexJob())


def _json_object() -> dict:
    data = request.get_json(silent=True)
    if data is None and not request.get_data():
        return {}
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_body", MSG_NOT_AN_OBJECT)
    return data


@blueprint.post("/admin/reindex")
@admin_required
def start_reindex():
    started = reindex_job().start(context.store(), context.search(), context.settings())
    if not started:
        raise ApiError(409, "reindex_running", "Une réindexation est déjà en cours : suivez-la dans l'état de l'index.")
    return jsonify({"reindex": reindex_job().snapshot(),
                    "message": "Réindexation lancée. L'index actuel reste consultable jusqu'à la bascule."}), 202


@blueprint.get("/admin/index-status")
@admin_required
def status():
    state = index_status(context.store(), context.search(), context.settings())
    return jsonify({**state, "reindex": reindex_job().snapshot()})


@blueprint.post("/admin/activation-codes")
@admin_required
def activation_codes():
    from catalog import activation

    data = _json_object()
    rpps_list = data.get("rpps_list")
    if rpps_list is not None and (not isinstance(rpps_list, list) or not all(isinstance(r, str) for r in rpps_list)):
        raise ApiError(400, "invalid_parameter", "rpps_list doit être une liste de numéros RPPS.", "rpps_list")
    try:
        issued = activation.issue_codes(context.store(), rpps_list=rpps_list, now=context.now())
    except ValueError as error:
        raise ApiError(400, "invalid_parameter", str(error), "rpps_list") from None
    codes = [{"rpps": c.rpps, "code": c.code, "expires_at": iso(c.expires_at),
              "name": f"{c.first_name} {c.last_name}".strip(), "address": c.address,
              "postal_code": c.postal_code, "commune": c.commune} for c in issued]
    return jsonify({"codes": codes, "count": len(codes),
                    "message": "Codes émis : transmettez-les par courrier ; ils ne seront plus affichés."}), 201


@blueprint.get("/admin/api-keys")
@admin_required
def api_keys():
    with context.store().snapshot() as conn:
        return jsonify({"api_keys": accounts.list_api_keys(conn)})


@blueprint.post("/admin/api-keys")
@admin_required
def create_api_key():
    name = _json_object().get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 100:
        raise ApiError(400, "invalid_parameter", "Nommez la clé (l'application qui l'utilisera, 100 caractères au plus).", "name")
    key = accounts.create_api_key(context.store(), name.strip())
    return jsonify({"name": name.strip(), "key": key, "prefix": key[:12],
                    "message": "Copiez cette clé maintenant : elle ne sera plus jamais affichée."}), 201


@blueprint.delete("/admin/api-keys/<int:key_id>")
@admin_required
def revoke_api_key(key_id: int):
    if not accounts.revoke_api_key(context.store(), key_id):
        raise ApiError(404, "not_found", f"Aucune clé d'API active n° {key_id}.")
    return jsonify({"revoked": True, "id": key_id})
