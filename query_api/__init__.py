"""The Flask application, laid out by face.

``query_api.api`` holds the JSON operations (under /api/v1), ``query_api.web`` the
French pages (with their templates and static files), ``query_api.search`` what every
face shares: query understanding, query building, results, export and travel time.
"""
from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime

from flask import Flask

from config import Settings


def _utcnow() -> datetime:
    return datetime.now(UTC)


def create_app(settings: Settings | None = None, *, clock: Callable[[], datetime] | None = None) -> Flask:
    """Application factory: one app per settings (tests pass their own, and a clock)."""
    settings = settings or Settings.from_env()
    app = Flask(__name__, template_folder="web/templates", static_folder="web/static")
    from query_api.json_text import OrjsonProvider

    app.json = OrjsonProvider(app)
    app.config.update(
        SECRET_KEY=settings.secret_key or secrets.token_hex(32),
        JSON_SORT_KEYS=False,
        MAX_CONTENT_LENGTH=256 * 1024,
        # Links in e-mails are built from this, never from a Host header an attacker chose.
        PUBLIC_URL=settings.public_url or None,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Secure cookies outside a developer's or the demo's plain-http loopback.
        SESSION_COOKIE_SECURE=settings.env not in ("development", "demo"),
    )

    from catalog.store import open_store
    from indexer.engine import search_client

    app.extensions["ror"] = {
        "settings": settings,
        "search": search_client(settings),
        "store": open_store(settings.store_location),
        "clock": clock or _utcnow,
    }

    from query_api import errors, headers
    from query_api.api import health, openapi, search, sheets

    headers.init_app(app, settings)
    errors.init_app(app)
    from query_api import metrics

    metrics.init_app(app)   # first of the request hooks: every request is counted, refused ones too
    # The JSON API's blueprints go through flask-smorest: their declarations make the OpenAPI document.
    api = openapi.init_app(app)
    for module in (health, search, sheets, openapi):
        api.register_blueprint(module.blueprint, url_prefix="/api/v1")

    from query_api.web import pages as web

    app.register_blueprint(web.blueprint)
    from query_api.web import map_pages
    app.register_blueprint(map_pages.blueprint)

    from query_api import security
    from query_api.api import accounts, admin, anomalies, me

    security.init_app(app)
    for module in (accounts, me, anomalies, admin):
        api.register_blueprint(module.blueprint, url_prefix="/api/v1")

    from query_api.web import account_pages, admin_pages

    app.register_blueprint(account_pages.blueprint)
    app.register_blueprint(admin_pages.blueprint)

    from query_api.fhir import views as fhir

    app.register_blueprint(fhir.blueprint, url_prefix="/fhir")

    from query_api.web import console_pages, directory_pages

    app.register_blueprint(directory_pages.blueprint)
    app.register_blueprint(console_pages.blueprint)
    return app
