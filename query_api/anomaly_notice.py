"""The e-mails about an anomaly report, sent: to the management cell when a report is filed
(whichever face filed it: JSON API, web page, FHIR Task by a session or by an API key), and to
the reporter when the cell closes it. Texts in catalog.anomaly_mails; links to web pages."""
from __future__ import annotations

import logging

from flask import url_for

from catalog import anomaly_mails
from catalog.mail import MailError, send_mail
from query_api import context

log = logging.getLogger(__name__)

#: Where « Mon compte » lists the reports a person made (templates/account/my_account.html).
MY_REPORTS_ANCHOR = "mes-signalements"


def notify_cell(report: dict, admins: list[dict], *, api_key_name: str | None = None) -> None:
    """E-mail every active admin account that has an address (``accounts.admin_accounts``,
    read in the report's transaction); a failed sending is logged, never the reporter's error."""
    recipients = [a["email"] for a in admins if a["email"]]
    if not recipients:
        log.warning("anomaly %s: no admin account with an e-mail address to notify", report["id"])
        return
    link = context.public_url(url_for("admin_pages.anomaly", anomaly_id=report["id"]))
    subject, body = anomaly_mails.to_cell(report, link, api_key_name=api_key_name)
    try:
        send_mail(context.settings(), recipients, subject, body)
    except MailError:
        log.exception("anomaly %s: notification e-mail not sent", report["id"])


def notify_reporter_of_closing(report: dict) -> None:
    """The reporter learns the decision; a report an application filed (no account) has nobody to tell."""
    email = (report["reporter"] or {}).get("email")
    if not email:
        return
    link = context.public_url(url_for("account_pages.my_account", _anchor=MY_REPORTS_ANCHOR))
    subject, body = anomaly_mails.to_reporter_closed(report, link)
    try:
        send_mail(context.settings(), email, subject, body)
    except MailError:   # the decision is saved; the e-mail is a courtesy
        log.exception("anomaly %s: closing e-mail to the reporter not sent", report["id"])
