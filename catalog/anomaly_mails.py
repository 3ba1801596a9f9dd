"""The e-mails about an anomaly report, in French: (subject, body) from the report and a link. Pure.

Each links to a web page (the cell's page of the report, the reporter's « Mon compte »),
never to an API path: people read these, not programs. The caller builds the absolute
link (query_api.context.public_url) and sends through catalog.mail.
"""
from __future__ import annotations

from datetime import datetime

from catalog.schedule import PARIS

SIGNATURE = "La cellule de gestion du ROR Île-de-France\n"


def _sheet(anomaly: dict) -> str:
    target = anomaly["target"]
    return f"{target['type']} {target['label']} ({target['id']})"


def _subject_line(anomaly: dict) -> str:
    """What the report is about, in a few words: its theme, else the start of the message."""
    if anomaly["theme"]:
        return anomaly["theme"]["label"]
    words = " ".join(anomaly["message"].split())
    return words if len(words) <= 60 else words[:60].rsplit(" ", 1)[0] + " …"


def _reporter(anomaly: dict, api_key_name: str | None) -> str:
    person = anomaly["reporter"]
    if person:
        return person.get("name") or person.get("email") or str(person.get("id"))
    return f"l'application « {api_key_name} » (clé d'API)" if api_key_name else "une application"


def to_cell(anomaly: dict, link: str, *, api_key_name: str | None = None) -> tuple[str, str]:
    """A new report, to every member of the cell (``api_key_name``: the key that filed it, if one did)."""
    body = (
        f"Une nouvelle anomalie (n° {anomaly['id']}) a été signalée sur le ROR Île-de-France.\n\n"
        f"Fiche : {_sheet(anomaly)}\n"
        f"Thème : {anomaly['theme']['label'] if anomaly['theme'] else 'non précisé'}\n"
        f"Champ : {anomaly['field'] or 'non précisé'}\n"
        f"Signalée par : {_reporter(anomaly, api_key_name)}\n\n"
        f"Message :\n{anomaly['message']}\n\n"
        f"Traitez-la depuis la file des anomalies :\n{link}\n"
    )
    return f"Nouvelle anomalie n° {anomaly['id']} – {anomaly['target']['type']} {anomaly['target']['label']}", body


def to_reporter_closed(anomaly: dict, link: str) -> tuple[str, str]:
    """The report is closed (resolved or rejected): its subject, the new state and the cell's note."""
    state = anomaly["status_label"].lower()
    body = (
        f"Bonjour {(anomaly['reporter'] or {}).get('name') or ''},\n\n"
        f"L'anomalie que vous avez signalée le {_day(anomaly['created_at'])} (n° {anomaly['id']}) "
        f"est maintenant {state}.\n\n"
        f"Objet : {_subject_line(anomaly)}\n"
        f"Fiche : {_sheet(anomaly)}\n"
        f"Statut : {anomaly['status_label']}\n\n"
        f"Note de la cellule :\n{anomaly['note'] or '(aucune)'}\n\n"
        f"Votre message :\n{anomaly['message']}\n\n"
        f"Retrouvez vos signalements et leur suivi dans « Mon compte » :\n{link}\n\n"
        "Merci de contribuer à la qualité du ROR.\n\n"
        + SIGNATURE
    )
    return f"Anomalie n° {anomaly['id']} {state} – {_subject_line(anomaly)}", body


def _day(stamp: str) -> str:
    """An ISO timestamp → its Paris date, « 30/11/2026 »."""
    return datetime.fromisoformat(stamp).astimezone(PARIS).strftime("%d/%m/%Y")
