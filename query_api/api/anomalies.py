"""Anomalies: anyone signed in reports one; the management cell works the queue.

A new report is e-mailed to every active admin account that has an address, with a link
to its page under /cellule; when the cell closes a report (resolved, rejected), its
reporter is e-mailed the decision and the cell's note, with a link to « Mon compte ».
"""
from __future__ import annotations

from flask import jsonify

from catalog import accounts, anomalies
from catalog.ratelimit import Limit
from catalog.schemas import AnomalyReportSchema, AnomalyUpdateSchema
from query_api import context, security
from query_api.anomaly_notice import notify_cell, notify_reporter_of_closing
from query_api.api.operations import SIGNED_IN, SIGNED_IN_WRITE, Blueprint
from query_api.api.schemas import anomalies as shapes
from query_api.api.schemas.anomalies import AnomalyFiltersSchema
from query_api.errors import ApiError
from query_api.security import admin_required, current_account, details_required

blueprint = Blueprint("anomalies", __name__, description="Signalements d'anomalies. *Anomaly reports.*")
ANOMALY_ID = {"in": "path", "name": "anomaly_id", "example": 1, "description": "Numéro de l'anomalie.\n\n*Anomaly number.*"}
NO_SUCH_ANOMALY = {404: "Aucune anomalie ne porte ce numéro. *No such anomaly.*"}
CELL_ONLY = {403: "Réservé à la cellule de gestion. *For the management cell only.*"}
blueprint.after_request(security.no_store)

REPORTS_PER_ACCOUNT = Limit(hits=10, seconds=60 * 60)
MSG_TOO_MANY_REPORTS = "Vous avez signalé beaucoup d'anomalies en peu de temps : réessayez dans une heure."


@blueprint.post("/anomalies")
@blueprint.declare(security=SIGNED_IN_WRITE, invalid=True, summary="Signaler une anomalie sur une fiche EJ, EG ou UO",
                   errors={404: "Aucune fiche de ce type ne porte cet identifiant. *No such record.*",
                           429: "Trop de signalements. *Too many reports.*"})
@blueprint.response(201, shapes.Anomaly, description="Signalement enregistré ; la cellule de gestion est prévenue. "
                                                     "*Report saved; the management cell is told.*")
@details_required
@blueprint.arguments(AnomalyReportSchema)
def report_anomaly(data: dict):
    account = current_account()
    security.limit_hit(f"anomaly-account:{account['id']}", REPORTS_PER_ACCOUNT, MSG_TOO_MANY_REPORTS)
    with context.store().transaction() as conn:
        if anomalies.target_name(conn, data["target_type"], data["target_id"]) is None:
            raise ApiError(404, "target_not_found",
                           f"Aucune fiche {data['target_type']} ne porte l'identifiant « {data['target_id']} ».",
                           "target_id")
        report = anomalies.report_anomaly(conn, account["id"], data, context.now())
        admins = accounts.admin_accounts(conn)
    notify_cell(report, admins)
    return jsonify(report), 201


@blueprint.get("/admin/anomalies")
@blueprint.declare(security=SIGNED_IN, invalid=True, summary="File des anomalies (les plus anciennes d'abord)",
                   errors=CELL_ONLY)
@blueprint.response(200, shapes.AnomalyPage, description="Une page de la file. *A page of the queue.*")
@admin_required
@blueprint.arguments(AnomalyFiltersSchema, location="query")
def queue(filters: dict):
    if filters.get("assignee") == "me":
        filters["assignee"] = current_account()["id"]
    with context.store().snapshot() as conn:
        total, results = anomalies.list_anomalies(conn, **filters)
    return jsonify({"total": total, "page": filters["page"], "per_page": filters["per_page"], "results": results})


@blueprint.get("/admin/anomalies/<int:anomaly_id>", parameters=[ANOMALY_ID])
@blueprint.declare(security=SIGNED_IN, summary="Une anomalie", errors={**CELL_ONLY, **NO_SUCH_ANOMALY})
@blueprint.response(200, shapes.AnomalyWithHistory, description="L'anomalie et son historique. "
                                                                 "*The anomaly and its history.*")
@admin_required
def anomaly(anomaly_id: int):
    with context.store().snapshot() as conn:
        try:
            report = anomalies.get_anomaly(conn, anomaly_id)
        except anomalies.AnomalyNotFound:
            raise ApiError(404, "not_found", f"Aucune anomalie n° {anomaly_id}.") from None
        return jsonify({**report, "history": anomalies.history(conn, report)})


@blueprint.patch("/admin/anomalies/<int:anomaly_id>", parameters=[ANOMALY_ID])
@blueprint.declare(security=SIGNED_IN_WRITE, invalid=True, summary="Traiter une anomalie : statut, note, responsable",
                   errors={404: "Aucune anomalie ne porte ce numéro, ou ce responsable n'est pas membre de la "
                                "cellule. *No such anomaly, or the assignee is not in the cell.*", 409: "Changement de statut impossible depuis l'état actuel. "
                                                   "*Status change not allowed from the current state.*"})
@blueprint.response(200, shapes.Anomaly, description="L'anomalie modifiée. *The updated anomaly.*")
@admin_required
@blueprint.arguments(AnomalyUpdateSchema)
def update(changes: dict, anomaly_id: int):
    try:
        with context.store().transaction() as conn:
            before = anomalies.get_anomaly(conn, anomaly_id)
            report = anomalies.update_anomaly(conn, anomaly_id, changes, actor_id=current_account()["id"],
                                              now=context.now())
    except anomalies.AnomalyNotFound:
        raise ApiError(404, "not_found", f"Aucune anomalie n° {anomaly_id}.") from None
    except anomalies.InvalidTransition as error:
        raise ApiError(409, "invalid_transition", error.message, "status") from None
    except anomalies.UnknownAssignee:  # no such member of the cell: an unknown resource, as an unknown anomaly
        raise ApiError(404, "not_found", "Ce responsable n'est pas un membre actif de la cellule de gestion.",
                       "assignee_id") from None
    if report["status"] != before["status"] and report["status"] in anomalies.CLOSED:
        notify_reporter_of_closing(report)
    return jsonify(report)
