"""Access to the per-app resources registered by the factory."""
from __future__ import annotations

from datetime import datetime

from flask import current_app
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
