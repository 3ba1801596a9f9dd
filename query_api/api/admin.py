"""Management-cell endpoints: reindex, index status, activation codes, API keys, the journal.

Each action is written to the audit trail (catalog/audit.py) with the member of
the cell who did it; GET /admin/audit lists that journal.
"""
from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime

from flask import jsonify, request
from marshmallow import ValidationError

from catalog import accounts, audit, reindex_runs
from catalog.fields import MSG_NOT_AN_OBJECT
from catalog.store import iso
from indexer import alerts, reindex_job
from indexer.status import index_status
from query_api import context, security
from query_api.api.operations import SIGNED_IN, SIGNED_IN_WRITE, Blueprint
from query_api.api.schemas import admin as shapes
from query_api.api.schemas.admin import AuditFiltersSchema
from query_api.errors import ApiError, invalid_input
from query_api.security import admin_required

log = logging.getLogger(__name__)

blueprint = Blueprint("admin", __name__, description="Cellule de gestion. *Management cell.*")
CELL_ONLY = {403: "Réservé à la cellule de gestion. *For the management cell only.*"}
KEY_ID = {"in": "path", "name": "key_id", "example": 1, "description": "Numéro de la clé d'API.\n\n*API key number.*"}
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
@blueprint.declare(security=SIGNED_IN_WRITE, summary="Réindexation complète en arrière-plan (sans interruption)",
                   errors={409: "Une réindexation est déjà en cours. *A reindex is already running.*"})
@blueprint.response(202, shapes.ReindexStarted, description="Réindexation lancée ; suivre /admin/index-status. "
                                                            "*Reindex started; follow /admin/index-status.*")
@admin_required
def start_reindex():
    store, actor = context.store(), _actor()
    try:
        run_id = reindex_job.begin(store, context.settings(), actor)
    except reindex_runs.ReindexBusy as busy:
        raise ApiError(409, "reindex_running", busy_message(busy.run)) from None
    _run_in_background(store, context.search(), context.settings(), run_id, actor)
    with store.snapshot() as conn:
        run = reindex_runs.get(conn, run_id, datetime.now(UTC))
    return jsonify({"reindex": run,
                    "message": "Réindexation lancée. L'index actuel reste consultable jusqu'à la bascule."}), 202


@blueprint.get("/admin/index-status")
@blueprint.declare(security=SIGNED_IN, summary="Index et base : alias, nombres, file d'attente, réindexation",
                   errors=CELL_ONLY)
@blueprint.response(200, shapes.IndexStatus, description="L'état (le moteur injoignable y est signalé). "
                                                         "*The state (an unreachable engine is reported).*")
@admin_required
def status():
    return jsonify(console_status())


def console_status() -> dict:
    """Index vs store, the reindex (running or last) and its history, the alerts: console and API alike."""
    settings = context.settings()
    state = index_status(context.store(), context.search(), settings)
    runs = reindex_job.status(context.store())
    return {**state, **runs, "warnings": alerts.warnings(state, settings, datetime.now(UTC))}


@blueprint.post("/admin/activation-codes")
@blueprint.declare(security=SIGNED_IN_WRITE, invalid=True, summary="Émettre des codes d'activation (publipostage)",
                   errors={404: "Numéro(s) RPPS inconnu(s). *Unknown RPPS number(s).*"})
@blueprint.doc(requestBody={"required": False,
                            "content": {"application/json": {"schema": shapes.ActivationCodesRequest}}})
@blueprint.response(201, shapes.IssuedCodes, description="Codes émis, affichés une seule fois. "
                                                         "*Codes issued, shown once.*")
@admin_required
def activation_codes():
    from catalog import activation

    data = _json_object()
    rpps_list = data.get("rpps_list")
    if rpps_list is not None and (not isinstance(rpps_list, list) or not all(isinstance(r, str) for r in rpps_list)):
        raise ApiError(400, "invalid_parameter", "rpps_list doit être une liste de numéros RPPS.", "rpps_list")
    try:
        issued = activation.issue_codes(context.store(), rpps_list=rpps_list, now=context.now(), actor=_actor())
    except ValueError as error:  # numbers the register does not have: unknown resources, as a sheet's id
        raise ApiError(404, "not_found", str(error), "rpps_list") from None
    codes = [{"rpps": c.rpps, "code": c.code, "expires_at": iso(c.expires_at),
              "name": f"{c.first_name} {c.last_name}".strip(), "address": c.address,
              "postal_code": c.postal_code, "commune": c.commune} for c in issued]
    return jsonify({"codes": codes, "count": len(codes),
                    "message": "Codes émis : transmettez-les par courrier ; ils ne seront plus affichés."}), 201


@blueprint.get("/admin/api-keys")
@blueprint.declare(security=SIGNED_IN, summary="Clés d'API", errors=CELL_ONLY)
@blueprint.response(200, shapes.ApiKeys, description="Les clés (jamais leur secret). *The keys (never their secret).*")
@admin_required
def api_keys():
    with context.store().snapshot() as conn:
        return jsonify({"api_keys": accounts.list_api_keys(conn)})


@blueprint.post("/admin/api-keys")
@blueprint.declare(security=SIGNED_IN_WRITE, invalid=True, summary="Créer une clé d'API")
@blueprint.doc(requestBody={"required": True, "content": {"application/json": {"schema": shapes.ApiKeyRequest}}})
@blueprint.response(201, shapes.NewApiKey, description="La clé, affichée une seule fois. *The key, shown once.*")
@admin_required
def create_api_key():
    name = _json_object().get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 100:
        raise ApiError(400, "invalid_parameter", "Nommez la clé (l'application qui l'utilisera, 100 caractères au plus).", "name")
    key = accounts.create_api_key(context.store(), name.strip(), actor=_actor())
    return jsonify({"name": name.strip(), "key": key, "prefix": key[:12],
                    "message": "Copiez cette clé maintenant : elle ne sera plus jamais affichée."}), 201


@blueprint.delete("/admin/api-keys/<int:key_id>", parameters=[KEY_ID])
@blueprint.declare(security=SIGNED_IN_WRITE, summary="Révoquer une clé d'API",
                   errors={404: "Aucune clé active ne porte ce numéro. *No such active key.*"})
@blueprint.response(200, shapes.KeyRevoked, description="Clé révoquée. *Key revoked.*")
@admin_required
def revoke_api_key(key_id: int):
    if not accounts.revoke_api_key(context.store(), key_id, actor=_actor()):
        raise ApiError(404, "not_found", f"Aucune clé d'API active n° {key_id}.")
    return jsonify({"revoked": True, "id": key_id})


def audit_filters(args) -> dict:
    """The journal's filters from query parameters, or the API's 400 in French (the cell's page uses it too)."""
    try:
        return AuditFiltersSchema().load(args)
    except ValidationError as err:
        raise invalid_input(err) from None


@blueprint.get("/admin/audit")
@blueprint.declare(security=SIGNED_IN, invalid=True, errors=CELL_ONLY,
                   summary="Journal des actions de la cellule (les plus récentes d'abord)",
                   description="Réindexations, clés d'API, codes d'activation, traitement des anomalies : qui, "
                               "quand, quoi. Jamais une clé ni un code en clair.\n\n*Reindexes, API keys, "
                               "activation codes, anomaly handling: who, when, what. Never a key or a code.*")
@blueprint.response(200, shapes.AuditPage, description="Une page du journal. *A page of the journal.*")
@admin_required
@blueprint.arguments(AuditFiltersSchema, location="query")
def audit_journal(filters: dict):
    with context.store().snapshot() as conn:
        total, results = audit.admin_actions(conn, **filters)
    return jsonify({"total": total, "page": filters["page"], "per_page": filters["per_page"], "results": results})
