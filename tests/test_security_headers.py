"""Security headers on every response (query_api/headers.py), and templates the policy can serve.

The browser side (no violation on any page, signed in or not) is tests/test_browser_csp.py.
"""
from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from query_api import create_app
from query_api.headers import DENIED_FEATURES

TEMPLATES = Path(__file__).resolve().parent.parent / "query_api" / "web" / "templates"


def policy(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.request.path}"
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        assert name not in directives, f"{name} twice"
        directives[name] = sources
    return directives


def app_with(settings, tmp_path, **changes):
    return create_app(dataclasses.replace(settings, store_path=str(tmp_path / "store.sqlite3"), **changes))


@pytest.fixture
def client(settings, search, tmp_path):
    app = app_with(settings, tmp_path)

    @app.get("/api/v1/test-crash")
    def crash():  # an unexpected error: the 500 must carry the headers too
        raise RuntimeError("boom")

    return app.test_client()


# Every kind of answer: pages, JSON, static files, redirects, errors (HTML and JSON), a crash.
RESPONSES = [
    ("GET", "/", 200), ("GET", "/aide", 200), ("GET", "/connexion", 200), ("GET", "/api/docs", 200),
    ("GET", "/api/v1/session", 200), ("GET", "/api/v1/openapi.json", 200), ("GET", "/static/app.css", 200),
    ("GET", "/static/typeahead.js", 200), ("GET", "/mon-compte", 302), ("GET", "/page-inexistante", 404),
    ("GET", "/api/v1/inexistant", 404), ("GET", "/api/v1/login", 405), ("POST", "/api/v1/login", 403),
    ("GET", "/api/v1/suggest?field=what&q=a", 400), ("GET", "/api/v1/me", 401), ("HEAD", "/", 200),
    ("GET", "/api/v1/test-crash", 500),
]


@pytest.mark.parametrize("method, url, status", RESPONSES)
def test_every_response_carries_the_security_headers(client, method, url, status):
    response = client.open(url, method=method)
    assert response.status_code == status
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in response.headers      # development: plain http on loopback
    csp = policy(response)
    assert csp["frame-ancestors"] == ["'none'"] and csp["object-src"] == ["'none'"] and csp["base-uri"] == ["'self'"]


def test_the_policy_allows_this_origin_only_and_nothing_inline(client):
    csp = policy(client.get("/"))
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["connect-src"] == ["'self'"] and csp["form-action"] == ["'self'"]
    assert csp["img-src"] == ["'self'", "data:"]                    # data: is the empty favicon
    every_source = [source for sources in csp.values() for source in sources]
    assert not [s for s in every_source if "unsafe" in s or s.startswith(("http", "*")) or s == "blob:"]


def test_permissions_policy_denies_the_features_we_do_not_use(client):
    header = client.get("/").headers["Permissions-Policy"]
    denied = dict(item.strip().split("=", 1) for item in header.split(","))
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert denied[feature] == "()", feature
    assert set(denied) == set(DENIED_FEATURES) and set(denied.values()) == {"()"}


def test_hsts_only_in_production(settings, search, tmp_path):
    production = app_with(settings, tmp_path, env="production").test_client()
    for url in ("/", "/api/v1/session", "/static/app.css"):
        hsts = production.get(url).headers["Strict-Transport-Security"]
        assert re.fullmatch(r"max-age=(\d+); includeSubDomains", hsts)
        assert int(hsts.split("=")[1].split(";")[0]) >= 365 * 24 * 3600
    demo = app_with(settings, tmp_path, env="demo").test_client()
    assert "Strict-Transport-Security" not in demo.get("/").headers


def test_map_tile_origins_are_added_to_images_and_fetches_only(settings, search, tmp_path):
    app = app_with(settings, tmp_path, map_tile_origins="https://data.geopf.fr https://tiles.example.org:8443")
    csp = policy(app.test_client().get("/"))
    assert csp["img-src"] == ["'self'", "data:", "https://data.geopf.fr", "https://tiles.example.org:8443"]
    assert csp["connect-src"] == ["'self'", "https://data.geopf.fr", "https://tiles.example.org:8443"]
    assert csp["script-src"] == ["'self'"] and csp["style-src"] == ["'self'"]


@pytest.mark.parametrize("origins", ["http://tiles.example.org", "https://x.org; script-src *", "'unsafe-inline'",
                                     "https://x.org/path"])
def test_a_map_origin_that_is_not_an_https_origin_stops_the_start(settings, search, tmp_path, origins):
    with pytest.raises(ValueError, match="ROR_MAP_TILE_ORIGINS"):
        app_with(settings, tmp_path, map_tile_origins=origins)


def test_api_docs_load_their_stylesheet_from_this_site(client):
    html = client.get("/api/docs").get_data(as_text=True)
    assert "<style" not in html and "<script" not in html
    assert 'href="/static/api-docs.css"' in html
    assert client.get("/static/api-docs.css").status_code == 200


# --- what the policy forbids is not in the templates -----------------------------------------

def _templates() -> list[Path]:
    return sorted(TEMPLATES.rglob("*.html"))


def test_the_templates_are_found():
    """The check below is parametrized by the files found: none found would check nothing."""
    assert len(_templates()) >= 10


@pytest.mark.parametrize("path", _templates(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_every_script_is_an_es_module(path):
    """The static JS are ES modules (imports of api.js…): loaded as a classic script, one fails whole."""
    for tag in re.findall(r"<script\b[^>]*\bsrc=[^>]*>", path.read_text(encoding="utf-8")):
        assert 'type="module"' in tag, tag


@pytest.mark.parametrize("path", _templates(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_templates_have_no_inline_script_handler_or_style(path):
    html = path.read_text(encoding="utf-8")
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, f"inline script: {tag}"
    assert not re.search(r"\son[a-z]+\s*=", html), "event-handler attribute"
    assert not re.search(r"<style\b|\sstyle\s*=", html), "inline style"
    assert "javascript:" not in html
