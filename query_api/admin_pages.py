"""The management cell's pages (/cellule): the anomaly queue and one anomaly.

The queue is read with the same filters and catalog function as
GET /api/v1/admin/anomalies; changes (status, note, « M'attribuer ») are PATCHed
by the page's JavaScript to /api/v1/admin/anomalies/<id>. Practitioners get a
French 403 page, anonymous visitors are sent to /connexion.
"""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from marshmallow import ValidationError

from catalog import anomalies
from catalog.nomenclature import nomenclature
from catalog.schemas import first_error
from query_api import context, security
from query_api.account_pages import page_account, register_error_pages
from query_api.anomalies import AnomalyFiltersSchema
from query_api.errors import ApiError
from query_api.security import current_account


blueprint = Blueprint("admin_pages", __name__)
blueprint.after_request(security.no_store)

PER_PAGE = 25
EXCERPT_CHARS = 140
ASSIGNEE_CHOICES = (("", "Tous"), ("me", "À moi"), ("none", "Non attribuées"))
TARGET_TYPE_CHOICES = (("", "Tous types"), ("UO", "UO – unité"), ("EG", "EG – établissement"), ("EJ", "EJ – entité juridique"))
FILTERS = ("status", "target_type", "theme", "assignee")


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS].rsplit(" ", 1)[0] + " …"


def target_url(target: dict) -> str | None:
    """The public sheet of the reported EG or UO (an EJ has no page of its own)."""
    if target["type"] == "UO":
        return url_for("web.unit", unit_id=target["id"])
    if target["type"] == "EG":
        return url_for("web.establishment", eg_id=target["id"])
    return None


def _queue_url(args: dict, **changes) -> str:
    params = {k: v for k, v in {**args, **changes}.items() if v not in (None, "", 1)}
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return url_for("admin_pages.queue") + (f"?{query}" if query else "")


@blueprint.get("/cellule")
@page_account(admin=True)
def home():
    return redirect(url_for("admin_pages.queue"))


@blueprint.get("/cellule/anomalies")
@page_account(admin=True)
def queue():
    chosen = {k: request.args.get(k, "").strip() for k in (*FILTERS, "page")}
    try:
        filters = AnomalyFiltersSchema().load({k: v for k, v in chosen.items() if v})
    except ValidationError as err:
        raise ApiError(400, "invalid_parameter", first_error(err)[1]) from None
    filters["per_page"] = PER_PAGE
    me = current_account()["id"]
    if filters.get("assignee") == "me":
        filters["assignee"] = me
    with context.store().snapshot() as conn:
        total, results = anomalies.list_anomalies(conn, **filters)
        # Per-status counts under the other filters, for the tabs.
        others = {k: v for k, v in filters.items() if k not in ("status", "page", "per_page")}
        counts = {status: anomalies.list_anomalies(conn, status=status, per_page=1, **others)[0]
                  for status in anomalies.STATUS_LABELS}
    last_page = max(1, -(-total // PER_PAGE))
    args = {k: v for k, v in chosen.items() if k != "page" and v}
    rows = [{**a, "excerpt": _excerpt(a["message"]), "target_url": target_url(a["target"])} for a in results]
    return render_template(
        "admin/queue.html",
        rows=rows, total=total, page=filters["page"], last_page=last_page, chosen=chosen, counts=counts,
        all_count=sum(counts.values()),
        statuses=anomalies.STATUS_LABELS, themes=nomenclature().anomaly_themes,
        assignee_choices=ASSIGNEE_CHOICES, target_type_choices=TARGET_TYPE_CHOICES,
        queue_url=lambda **changes: _queue_url(args, **changes),
    )


@blueprint.get("/cellule/anomalies/<int:anomaly_id>")
@page_account(admin=True)
def anomaly(anomaly_id: int):
    with context.store().snapshot() as conn:
        try:
            report = anomalies.get_anomaly(conn, anomaly_id)
        except anomalies.AnomalyNotFound:
            raise ApiError(404, "not_found", f"Aucune anomalie n° {anomaly_id}.") from None
    me = current_account()
    transitions = [(s, anomalies.STATUS_LABELS[s]) for s in anomalies.STATUS_LABELS
                   if s in anomalies.TRANSITIONS[report["status"]]]
    return render_template(
        "admin/anomaly.html", report=report, me=me, transitions=transitions,
        target_url=target_url(report["target"]), saved="enregistre" in request.args,
        field_label=_field_label(report["target"]["type"], report["field"]),
    )


def _field_label(target_type: str, field: str | None) -> str | None:
    if not field:
        return None
    from query_api.web import ANOMALY_FIELDS
    return dict(ANOMALY_FIELDS.get(target_type, [])).get(field, field)


register_error_pages(blueprint, "a management-cell page")
