"""Management-cell endpoints: reindex, index status, activation codes, API keys, the journal.

Each action is written to the audit trail (catalog/audit.py) with the member of
the cell who did it; GET /admin/audit lists that journal.
"""
from __future__ import annotations

import logging
import threading
from datetime import datetime, timezone

from flask import Blueprint, jsonify, request
from marshmallow import ValidationError, fields, validate

from catalog import accounts, audit, reindex_runs
from catalog.schemas import MSG_NOT_AN_OBJECT, first_error
from catalog.store import iso
from indexer import alerts, reindex_job
from indexer.status import index_status
from query_api import context, security
from query_api.errors import ApiError
from query_api.api.paging import PagedListSchema
from query_api.security import admin_required

log = logging.getLogger(__name__)

blueprint = Blueprint("admin", __name__)
blueprint.after_request(security.no_store)


def _run_in_background(store, client, settings, run_id: int, actor: str) -> None:
    """The build itself, in a thread of this process; its progress and outcome go to the store."""
    def target():
        try:
            reindex_job.run(store, client, settings, run_id, actor)
        except Exception:  # recorded in the run and the audit trail by reindex_job.run
            log.exception("admin reindex failed")

    threading.Thread(target=target, name=f"ror-admin-reindex-{run_id}", daemon=True).start()


def busy_message(run: dict) -> str:
    """The refusal of a second reindex, saying who runs the first and how far it is."""
    return (f"Une réindexation est déjà en cours (lancée par {run['actor_name']}, {run['written']} / {run['total']} UO) : "
            "suivez-la dans l'état de l'index ; une seule réindexation à la fois.")


def _actor() -> str:
    return audit.account_actor(security.current_account()["id"])


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
    store, actor = context.store(), _actor()
    try:
        run_id = reindex_job.begin(store, context.settings(), actor)
    except reindex_runs.ReindexBusy as busy:
        raise ApiError(409, "reindex_running", busy_message(busy.run)) from None
    _run_in_background(store, context.search(), context.settings(), run_id, actor)
    with store.snapshot() as conn:
        run = reindex_runs.get(conn, run_id, datetime.now(timezone.utc))
    return jsonify({"reindex": run,
                    "message": "Réindexation lancée. L'index actuel reste consultable jusqu'à la bascule."}), 202


@blueprint.get("/admin/index-status")
@admin_required
def status():
    return jsonify(console_status())


def console_status() -> dict:
    """Index vs store, the reindex (running or last) and its history, the alerts: console and API alike."""
    settings = context.settings()
    state = index_status(context.store(), context.search(), settings)
    runs = reindex_job.status(context.store())
    return {**state, **runs, "warnings": alerts.warnings(state, settings, datetime.now(timezone.utc))}


@blueprint.post("/admin/activation-codes")
@admin_required
def activation_codes():
    from catalog import activation

    data = _json_object()
    rpps_list = data.get("rpps_list")
    if rpps_list is not None and (not isinstance(rpps_list, list) or not all(isinstance(r, str) for r in rpps_list)):
        raise ApiError(400, "invalid_parameter", "rpps_list doit être une liste de numéros RPPS.", "rpps_list")
    try:
        issued = activation.issue_codes(context.store(), rpps_list=rpps_list, now=context.now(), actor=_actor())
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
    key = accounts.create_api_key(context.store(), name.strip(), actor=_actor())
    return jsonify({"name": name.strip(), "key": key, "prefix": key[:12],
                    "message": "Copiez cette clé maintenant : elle ne sera plus jamais affichée."}), 201


@blueprint.delete("/admin/api-keys/<int:key_id>")
@admin_required
def revoke_api_key(key_id: int):
    if not accounts.revoke_api_key(context.store(), key_id, actor=_actor()):
        raise ApiError(404, "not_found", f"Aucune clé d'API active n° {key_id}.")
    return jsonify({"revoked": True, "id": key_id})


class AuditFiltersSchema(PagedListSchema):
    """Query parameters of the cell's journal."""

    target_type = fields.String(validate=validate.OneOf(tuple(audit.ADMIN_TARGETS), error=(
        "Type d'action inconnu : « {input} » (valeurs possibles : " + ", ".join(audit.ADMIN_TARGETS) + ").")))


def audit_filters(args: dict) -> dict:
    """The journal's filters from query parameters, or a 400 in French."""
    try:
        return AuditFiltersSchema().load(args)
    except ValidationError as err:
        field, message = first_error(err)
        raise ApiError(400, "invalid_parameter", message, field) from None


@blueprint.get("/admin/audit")
@admin_required
def audit_journal():
    filters = audit_filters(request.args.to_dict())
    with context.store().snapshot() as conn:
        total, results = audit.admin_actions(conn, **filters)
    return jsonify({"total": total, "page": filters["page"], "per_page": filters["per_page"], "results": results})
