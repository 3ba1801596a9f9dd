"""GET /metrics: Prometheus text that prometheus-client's own parser reads, right across worker
processes, open to loopback, the cell and API keys with the ``metrics`` scope only."""
from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from prometheus_client.parser import text_string_to_metric_families

import ror_cli
from catalog import accounts, api_key_scopes, audit
from config import PROJECT_DIR
from indexer.reindex import reindex
from query_api import create_app
from tests import directory_fixture as fx
from tests import offer_fixture

ELSEWHERE = {"REMOTE_ADDR": "203.0.113.9"}


@pytest.fixture(scope="module")
def world(settings, search, tmp_path_factory):
    mine = fx.world_settings(settings, tmp_path_factory.mktemp("metrics"), "metrics")
    store = fx.open_world(mine)
    reindex(store, search, mine, progress=False, grace_seconds=0)
    return mine, store, create_app(mine)


def scrape(client, **options) -> dict[str, list]:
    response = client.get("/metrics", **options)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/plain"
    return {family.name: family.samples for family in text_string_to_metric_families(response.get_data(as_text=True))}


def value(families: dict, name: str, **labels) -> float:
    """A sample's value by its own name (a counter's ``_total``, a histogram's ``_count``), 0 when absent."""
    found = [s.value for samples in families.values() for s in samples
             if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())]
    return found[0] if found else 0.0


def test_metrics_read_the_store_and_count_requests(world):
    mine, store, app = world
    client = app.test_client()
    before = scrape(client)
    for _ in range(3):
        assert client.get("/api/v1/health").status_code == 200
    assert client.get("/uo/NOPE").status_code == 404
    after = scrape(client)
    assert value(after, "ror_http_requests_total", route="/api/v1/health", status="200") - \
        value(before, "ror_http_requests_total", route="/api/v1/health", status="200") == 3
    assert value(after, "ror_http_requests_total", route="/uo/<unit_id>", status="404") - \
        value(before, "ror_http_requests_total", route="/uo/<unit_id>", status="404") == 1
    assert value(after, "ror_http_request_duration_seconds_count", route="/api/v1/health") >= 3
    units = len(offer_fixture.UNITS) + 1
    assert value(after, "ror_store_units") == units and value(after, "ror_index_documents") == units
    assert value(after, "ror_index_lag_units") == 0 and value(after, "ror_index_mapping_current") == 1
    assert value(after, "ror_outbox_depth") == 0 and value(after, "ror_engine_up") == 1
    assert value(after, "ror_reindex_running") == 0


def test_metrics_are_for_loopback_the_cell_and_keys_with_the_metrics_scope(world):
    mine, store, app = world
    assert app.test_client().get("/metrics", environ_base=ELSEWHERE).status_code == 401
    # Forwarded by a proxy on the same machine: not local.
    assert app.test_client().get("/metrics", headers={"X-Forwarded-For": "198.51.100.4"}).status_code == 401
    practitioner = fx.signed_in(app, fx.PRACTITIONER_RPPS, fx.PRACTITIONER_PASSWORD)
    refused = practitioner.get("/metrics", environ_base=ELSEWHERE)
    assert refused.status_code == 403 and "metrics" in refused.get_json()["error"]["message"]
    admin = fx.signed_in(app, fx.ADMIN_EMAIL, fx.ADMIN_PASSWORD)
    scrape(admin, environ_base=ELSEWHERE)
    plain = accounts.create_api_key(store, "Annuaire")
    assert app.test_client().get("/metrics", environ_base=ELSEWHERE,
                                 headers={"Authorization": f"Bearer {plain}"}).status_code == 403
    monitoring = accounts.create_api_key(store, "Supervision")
    with store.transaction() as conn:
        api_key_scopes.grant(conn, accounts.api_key_for(conn, monitoring)["id"], "metrics", audit.ACTOR_CLI,
                             datetime.now(UTC))
    scrape(app.test_client(), environ_base=ELSEWHERE, headers={"Authorization": f"Bearer {monitoring}"})


def test_ror_api_key_create_grants_the_metrics_scope(world, monkeypatch, capsys):
    mine, store, app = world
    monkeypatch.setenv("ROR_STORE_PATH", mine.store_path)
    assert ror_cli.main(["api-key", "create", "--name", "Prometheus", "--scope", "metrics"]) == 0
    key = capsys.readouterr().out.strip().splitlines()[-1]
    scrape(app.test_client(), environ_base=ELSEWHERE, headers={"Authorization": f"Bearer {key}"})


WORKER = """
import dataclasses, sys
from config import Settings
from query_api import create_app
settings = dataclasses.replace(Settings.from_env(), store_path=sys.argv[1], index_prefix=sys.argv[2])
client = create_app(settings).test_client()
for _ in range(int(sys.argv[3])):
    assert client.get("/api/v1/health").status_code == 200
"""


def test_request_counts_add_up_across_worker_processes(world, tmp_path):
    mine, _, _ = world
    directory = tmp_path / "prometheus"
    directory.mkdir()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory)}
    workers = [subprocess.Popen([sys.executable, "-c", WORKER, mine.store_path, mine.index_prefix, str(count)],
                                cwd=PROJECT_DIR, env=env) for count in (4, 7)]
    assert [w.wait(timeout=120) for w in workers] == [0, 0]
    scraper = create_app(dataclasses.replace(mine, prometheus_multiproc_dir=str(directory))).test_client()
    families = scrape(scraper)
    assert value(families, "ror_http_requests_total", route="/api/v1/health", status="200") == 11
    assert value(families, "ror_store_units") == len(offer_fixture.UNITS) + 1
