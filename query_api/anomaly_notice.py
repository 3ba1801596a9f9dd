"""The management cell's e-mail about a new anomaly report: the one notice, whichever face
filed the report (JSON API, web page, FHIR Task by a session or by an API key)."""
from __future__ import annotations

import logging

from catalog.mail import MailError, send_mail
from query_api import context

log = logging.getLogger(__name__)


def _reporter(report: dict, api_key_name: str | None) -> str:
    person = report["reporter"]
    if person is not None:
        return person["name"] or person["email"] or str(person["id"])
    return f"l'application « {api_key_name} » (clé d'API)"


def notify_cell(report: dict, admins: list[dict], *, api_key_name: str | None = None) -> None:
    """E-mail every active admin account that has an address (``accounts.admin_accounts``,
    read in the report's transaction); a failed sending is logged, never the reporter's error."""
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
        f"Signalée par : {_reporter(report, api_key_name)}\n\n"
        f"Message :\n{report['message']}\n\n"
        "Traitez-la depuis la file des anomalies (GET /api/v1/admin/anomalies).\n"
    )
    try:
        send_mail(context.settings(), recipients, f"Nouvelle anomalie n° {report['id']} – {target['type']} {target['id']}", body)
    except MailError:
        log.exception("anomaly %s: notification e-mail not sent", report["id"])
