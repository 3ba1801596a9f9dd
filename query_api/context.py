"""Access to the per-app resources registered by the factory."""
from __future__ import annotations

from flask import current_app
from opensearchpy import OpenSearch

from config import Settings


def settings() -> Settings:
    return current_app.extensions["ror"]["settings"]


def search() -> OpenSearch:
    return current_app.extensions["ror"]["search"]
