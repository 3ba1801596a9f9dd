"""Access to the per-app resources registered by the factory."""
from __future__ import annotations

from datetime import datetime

from flask import current_app, request
from opensearchpy import OpenSearch

from config import Settings


def settings() -> Settings:
    return current_app.extensions["ror"]["settings"]


def search() -> OpenSearch:
    return current_app.extensions["ror"]["search"]


def store():
    return current_app.extensions["ror"]["store"]


def now() -> datetime:
    """The app's clock (aware, UTC); tests inject a fixed one."""
    return current_app.extensions["ror"]["clock"]()


def public_url(path: str) -> str:
    """An absolute link to a page of this site, for an e-mail.

    ROR_PUBLIC_URL (config.py), not the request's Host header, decides where it points:
    a forged Host must not send a reset link (or any other) elsewhere.
    """
    base = current_app.config.get("PUBLIC_URL") or request.url_root
    return f"{base.rstrip('/')}{path}"
