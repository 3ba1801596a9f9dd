"""Anomalies: anyone signed in reports one; the management cell works the queue.

A new report is e-mailed to every active admin account that has an address.
"""
from __future__ import annotations

import logging

from flask import Blueprint, jsonify, request
from marshmallow import ValidationError, fields, validate

from catalog import accounts, anomalies
from catalog.mail import MailError, send_mail
from catalog.nomenclature import nomenclature
from catalog.ratelimit import Limit
from catalog.schemas import AnomalyReportSchema, AnomalyUpdateSchema, first_error
from catalog.store import MAX_ROWID
from query_api import context, security
from query_api.errors import ApiError
from query_api.api.paging import PagedListSchema
from query_api.security import admin_required, current_account, details_required

log = logging.getLogger(__name__)

blueprint = Blueprint("anomalies", __name__)
blueprint.after_request(security.no_store)

REPORTS_PER_ACCOUNT = Limit(hits=10, seconds=60 * 60)
MSG_TOO_MANY_REPORTS = "Vous avez signalé beaucoup d'anomalies en peu de temps : réessayez dans une heure."


def _load(schema, data) -> dict:
    try:
        return schema.load(data)
    except ValidationError as err:
        field, message = first_error(err)
        raise ApiError(400, "invalid_parameter", message, field) from None


class _Assignee(fields.String):
    """An account id, "me" or "none" (unassigned)."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs).strip().lower()
        if text in ("none", "me"):
            return text
        if text.isascii() and text.isdigit() and len(text) <= 19 and int(text) <= MAX_ROWID:
            return int(text)
        raise ValidationError("Responsable : indiquez un identifiant de compte, « me » ou « none ».")


class AnomalyFiltersSchema(PagedListSchema):
    """Query parameters of the admin queue."""

    status = fields.String(validate=validate.OneOf(tuple(anomalies.STATUS_LABELS), error=(
        "Statut inconnu : « {input} » (valeurs possibles : " + ", ".join(anomalies.STATUS_LABELS) + ").")))
    target_type = fields.String(validate=validate.OneOf(("EJ", "EG", "UO"), error=(
        "Type de fiche inconnu : « {input} » (valeurs possibles : EJ, EG, UO).")))
    theme = fields.String(validate=lambda code: code in nomenclature().anomaly_themes or _unknown_theme(code))
    assignee = _Assignee()


def _unknown_theme(code: str) -> bool:
    raise ValidationError(f"Thème d'anomalie inconnu : « {code} ».")


def _notify_cell(report: dict, admins: list[dict]) -> None:
    recipients = [a["email"] for a in admins if a["email"]]
    if not recipients:
        log.warning("anomaly %s: no admin account with an e-mail address to notify", report["id"])
        return
    target = report["target"]
    body = (
        f"Une nouvelle anomalie (n° {report['id']}) a été signalée sur le ROR Île-de-France.\n\n"
        f"Fiche : {target['type']} {target['id']} – {target['name']}\n"
        f"Thème : {report['theme']['label'] if report['theme'] else 'non précisé'}\n"
        f"Champ : {report['field'] or 'non précisé'}\n"
        f"Signalée par : {report['reporter']['name'] or report['reporter']['email'] or report['reporter']['id']}\n\n"
        f"Message :\n{report['message']}\n\n"
        "Traitez-la depuis la file des anomalies (GET /api/v1/admin/anomalies).\n"
    )
    try:
        send_mail(context.settings(), recipients, f"Nouvelle anomalie n° {report['id']} – {target['type']} {target['id']}", body)
    except MailError:
        log.exception("anomaly %s: notification e-mail not sent", report["id"])


@blueprint.post("/anomalies")
@details_required
def report_anomaly():
    account = current_account()
    data = _load(AnomalyReportSchema(), request.get_json(silent=True))
    security.limit_hit(f"anomaly-account:{account['id']}", REPORTS_PER_ACCOUNT, MSG_TOO_MANY_REPORTS)
    with context.store().transaction() as conn:
        if anomalies.target_name(conn, data["target_type"], data["target_id"]) is None:
            raise ApiError(404, "target_not_found",
                           f"Aucune fiche {data['target_type']} ne porte l'identifiant « {data['target_id']} ».",
                           "target_id")
        report = anomalies.report_anomaly(conn, account["id"], data, context.now())
        admins = accounts.admin_accounts(conn)
    _notify_cell(report, admins)
    return jsonify(report), 201


@blueprint.get("/admin/anomalies")
@admin_required
def queue():
    filters = _load(AnomalyFiltersSchema(), request.args.to_dict())
    if filters.get("assignee") == "me":
        filters["assignee"] = current_account()["id"]
    with context.store().snapshot() as conn:
        total, results = anomalies.list_anomalies(conn, **filters)
    return jsonify({"total": total, "page": filters["page"], "per_page": filters["per_page"], "results": results})


@blueprint.get("/admin/anomalies/<int:anomaly_id>")
@admin_required
def anomaly(anomaly_id: int):
    with context.store().snapshot() as conn:
        try:
            return jsonify(anomalies.get_anomaly(conn, anomaly_id))
        except anomalies.AnomalyNotFound:
            raise ApiError(404, "not_found", f"Aucune anomalie n° {anomaly_id}.") from None


@blueprint.patch("/admin/anomalies/<int:anomaly_id>")
@admin_required
def update(anomaly_id: int):
    changes = _load(AnomalyUpdateSchema(), request.get_json(silent=True))
    try:
        with context.store().transaction() as conn:
            report = anomalies.update_anomaly(conn, anomaly_id, changes, actor_id=current_account()["id"],
                                              now=context.now())
    except anomalies.AnomalyNotFound:
        raise ApiError(404, "not_found", f"Aucune anomalie n° {anomaly_id}.") from None
    except anomalies.InvalidTransition as error:
        raise ApiError(409, "invalid_transition", error.message, "status") from None
    except anomalies.UnknownAssignee:
        raise ApiError(400, "invalid_parameter", "Ce responsable n'est pas un membre actif de la cellule de gestion.",
                       "assignee_id") from None
    return jsonify(report)
