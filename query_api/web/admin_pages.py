"""The management cell's pages (/cellule): the anomaly queue, one anomaly, the journal.

The queue is read with the same filters and catalog function as
GET /api/v1/admin/anomalies; changes (status, note, « M'attribuer ») are PATCHed
by the page's JavaScript to /api/v1/admin/anomalies/<id>. Practitioners get a
French 403 page, anonymous visitors are sent to /connexion.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlencode

from flask import Blueprint, redirect, render_template, request, url_for
from marshmallow import ValidationError

from catalog import accounts, anomalies, audit
from catalog.nomenclature import nomenclature
from catalog.schedule import PARIS
from query_api import context, security
from query_api.api.admin import audit_filters
from query_api.api.schemas.anomalies import AnomalyFiltersSchema
from query_api.errors import ApiError, invalid_input
from query_api.security import current_account
from query_api.web.account_pages import page_account, register_error_pages

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
    """The public sheet of the reported EJ, EG or UO."""
    if target["type"] == "EJ":
        return url_for("directory.legal_entity", ej_id=target["id"])
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
        raise invalid_input(err) from None
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
        history = anomalies.history(conn, report)
    me = current_account()
    transitions = [(s, anomalies.STATUS_LABELS[s]) for s in anomalies.STATUS_LABELS
                   if s in anomalies.TRANSITIONS[report["status"]]]
    return render_template(
        "admin/anomaly.html", report=report, me=me, transitions=transitions, history=history,
        target_url=target_url(report["target"]), saved="enregistre" in request.args,
        field_label=_field_label(report["target"]["type"], report["field"]),
    )


JOURNAL_PER_PAGE = 50
JOURNAL_PAGE_LINKS = 10


@blueprint.get("/cellule/journal")
@page_account(admin=True)
def journal():
    """The cell's actions, newest first (GET /api/v1/admin/audit, as a page)."""
    chosen = {k: request.args.get(k, "").strip() for k in ("target_type", "page")}
    filters = audit_filters({k: v for k, v in chosen.items() if v})
    filters["per_page"] = JOURNAL_PER_PAGE
    with context.store().snapshot() as conn:
        total, entries = audit.admin_actions(conn, **filters)
        people = _people(conn, entries)
    rows = [{**e, "at_text": _moment(e["at"]), "what": describe(e, people),
             "target_url": url_for("admin_pages.anomaly", anomaly_id=int(e["target_id"]))
             if e["target_type"] == "anomaly" and e["target_id"].isdigit() else None} for e in entries]
    last_page = max(1, -(-total // JOURNAL_PER_PAGE))
    first = max(1, min(filters["page"] - JOURNAL_PAGE_LINKS // 2, last_page - JOURNAL_PAGE_LINKS + 1))
    base = {"target_type": chosen["target_type"]} if chosen["target_type"] else {}
    return render_template(
        "admin/journal.html", rows=rows, total=total, page=filters["page"], last_page=last_page,
        page_numbers=range(first, min(last_page, first + JOURNAL_PAGE_LINKS - 1) + 1),
        chosen=chosen, targets=audit.ADMIN_TARGETS,
        journal_url=lambda page: url_for("admin_pages.journal") + "?" + urlencode({**base, "page": page}),
    )


def _people(conn, entries: list[dict]) -> dict[str, str]:
    """Names of the accounts an anomaly was assigned to, on this page of the journal."""
    ids = {value for e in entries if e["target_type"] == "anomaly" and e["action"] == "assignee_id"
           for value in (e["old_value"], e["new_value"]) if value and value.isdigit()}
    found = {i: accounts.get_account(conn, int(i)) for i in ids}
    return {i: (a["display_name"] or a["email"] or f"compte n° {i}") if a else f"compte n° {i}" for i, a in found.items()}


def _moment(stamp: str) -> str:
    return datetime.fromisoformat(stamp).astimezone(PARIS).strftime("%d/%m/%Y %H:%M:%S")


def describe(entry: dict, people: dict[str, str]) -> str:
    """One line of the journal in French."""
    kind, action, old, new = entry["target_type"], entry["action"], entry["old_value"], entry["new_value"]
    if kind == "index" and action == "reindex":
        return f"Réindexation complète {new}"
    if kind == "api_key" and action == "created":
        return f"Clé créée : {new}"
    if kind == "api_key" and action == "scope":
        return f"Droit accordé à la clé : {new}"
    if kind == "api_key" and action == "revoked":
        return f"Clé révoquée : {old}"
    if kind == "activation_code" and action == "issued":
        last_day = datetime.fromisoformat(new).astimezone(PARIS) - timedelta(microseconds=1)
        return f"Code émis pour le RPPS {entry['target_id']}, valable jusqu'au {last_day:%d/%m/%Y}"
    if kind == "anomaly" and action == "status":
        label = anomalies.STATUS_LABELS
        return f"Statut : {label.get(old, old)} → {label.get(new, new)}"
    if kind == "anomaly" and action == "assignee_id":
        return f"Attribution : {people.get(old, 'personne') if old else 'personne'} → {people.get(new, 'personne') if new else 'personne'}"
    if kind == "anomaly" and action == "note":
        return f"Note : « {new} »" if new else "Note effacée"
    return f"{action} : {old or '—'} → {new or '—'}"


def _field_label(target_type: str, field: str | None) -> str | None:
    if not field:
        return None
    from query_api.web.pages import ANOMALY_FIELDS
    return dict(ANOMALY_FIELDS.get(target_type, [])).get(field, field)


register_error_pages(blueprint, "a management-cell page")
