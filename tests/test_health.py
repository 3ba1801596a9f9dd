"""GET /api/v1/health reports the engine, and says clearly when it is gone."""
from __future__ import annotations

import dataclasses

from query_api import create_app


def test_health_reports_engine_status_and_version(client):
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    body = response.get_json()
    assert body["opensearch"]["status"] in ("green", "yellow")
    assert body["opensearch"]["version"].startswith("2.19.")


def test_health_is_503_with_a_message_when_engine_is_unreachable(settings):
    # A port where nothing listens: the same code path as a stopped node.
    app = create_app(dataclasses.replace(settings, opensearch_url="http://127.0.0.1:9"))
    response = app.test_client().get("/api/v1/health")
    assert response.status_code == 503
    body = response.get_json()
    assert body["opensearch"]["status"] == "unreachable"
    assert "indisponible" in body["message"]
