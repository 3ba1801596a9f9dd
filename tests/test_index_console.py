"""The cell's index console: one reindex at a time (a lease in the store), its live progress and
history for every process and the command line, the alerts, and who may see the console."""
from __future__ import annotations

import dataclasses
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

import ror_cli
from catalog import accounts, audit, reindex_runs, repository
from catalog.store import iso, open_store
from indexer import alerts, reindex_job
from indexer.engine import search_client
from indexer.reindex import reindex
from query_api import create_app
from tests import directory_fixture as fx
from tests import offer_fixture


@pytest.fixture
def world(settings, search, tmp_path, request):
    mine = fx.world_settings(settings, tmp_path, f"console-{request.node.name[5:30].lower()}")
    store = fx.open_world(mine)
    reindex(store, search, mine, progress=False, grace_seconds=0)
    return mine, store, create_app(mine)


def _units() -> int:
    return len(offer_fixture.UNITS) + 1      # the group's second site has one UO


def _wait_for_end(store, run_id: int, seconds: float = 60) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with store.snapshot() as conn:
            run = reindex_runs.get(conn, run_id, datetime.now(UTC))
        if not run["running"]:
            return run
        time.sleep(0.2)
    raise AssertionError("the reindex did not end")


def test_one_reindex_at_a_time_for_the_api_the_page_and_the_command(world, monkeypatch, capsys):
    mine, store, app = world
    held = reindex_job.begin(store, mine, audit.ACTOR_CLI)          # as if `ror reindex` ran in another process
    admin = fx.signed_in(app, fx.ADMIN_EMAIL, fx.ADMIN_PASSWORD)
    refused = fx.send(admin, "POST", "/api/v1/admin/reindex", {})
    assert refused.status_code == 409
    assert refused.get_json()["error"]["message"].startswith("Une réindexation est déjà en cours (lancée par Commande ror (serveur)")
    token = admin.get("/api/v1/session").get_json()["csrf_token"]
    page = admin.post("/cellule/index/reconstruire", data={"csrf_token": token})
    assert page.status_code == 409 and "Une réindexation est déjà en cours" in page.get_data(as_text=True)
    monkeypatch.setenv("ROR_STORE_PATH", mine.store_path)
    monkeypatch.setenv("ROR_INDEX_PREFIX", mine.index_prefix)
    assert ror_cli.main(["reindex"]) == 1
    assert "une réindexation est déjà en cours" in capsys.readouterr().err
    with store.transaction() as conn:
        reindex_runs.finish(conn, held, datetime.now(UTC), error="arrêtée par le test")
    started = fx.send(admin, "POST", "/api/v1/admin/reindex", {})
    assert started.status_code == 202, started.get_json()
    _wait_for_end(store, started.get_json()["reindex"]["id"])


def test_a_run_whose_process_died_is_taken_over_once_its_lease_has_passed(world):
    mine, store, _ = world
    long_ago = datetime.now(UTC) - reindex_runs.LEASE - timedelta(seconds=5)
    dead = reindex_job.begin(store, mine, audit.ACTOR_CLI, now=long_ago)
    fresh = reindex_job.begin(store, mine, audit.ACTOR_CLI)
    with store.snapshot() as conn:
        assert reindex_runs.get(conn, dead, datetime.now(UTC))["error"] == reindex_runs.MSG_ABANDONED
        assert reindex_runs.current(conn, datetime.now(UTC))["id"] == fresh


def test_progress_lives_in_the_store_and_index_status_serves_it_to_the_end(world, search):
    mine, store, app = world
    with store.snapshot() as conn:
        actor = audit.account_actor(accounts.find_account(conn, email=fx.ADMIN_EMAIL)["id"])
    run_id = reindex_job.begin(store, mine, actor)
    seen: list[dict] = []
    thread = threading.Thread(target=reindex_job.run, args=(store, search, mine, run_id, actor))
    admin = fx.signed_in(app, fx.ADMIN_EMAIL, fx.ADMIN_PASSWORD)
    thread.start()
    while thread.is_alive():
        seen.append(admin.get("/api/v1/admin/index-status").get_json()["reindex"])
        time.sleep(0.1)
    thread.join()
    assert any(s["running"] for s in seen)                    # another process saw it run
    state = admin.get("/api/v1/admin/index-status").get_json()
    run = state["reindex"]
    assert (run["id"], run["status"], run["written"], run["total"], run["percent"]) == (run_id, "succeeded", _units(), _units(), 100.0)
    assert run["rate"] > 0 and run["index"] in state["index"]["indexes"]
    last = state["history"][0]
    assert (last["status"], last["actor_name"], last["documents"], last["index"]) == (
        "succeeded", "Cellule console", _units(), run["index"])
    with store.snapshot() as conn:
        journal = [e["new_value"] for e in audit.admin_actions(conn, target_type="index")[1]]
    assert journal[0].startswith(f"terminée : {_units()} UO") and journal[1] == "demandée"


def test_a_failed_reindex_shows_its_reason_in_words(world):
    mine, store, app = world
    dead_engine = search_client(dataclasses.replace(mine, opensearch_url="http://127.0.0.1:9"), timeout=1)
    run_id = reindex_job.begin(store, mine, audit.ACTOR_CLI)
    with pytest.raises(Exception):  # noqa: B017 - whatever the failure, its reason in words is checked below
        reindex_job.run(store, dead_engine, mine, run_id, audit.ACTOR_CLI)
    admin = fx.signed_in(app, fx.ADMIN_EMAIL, fx.ADMIN_PASSWORD)
    run = admin.get("/api/v1/admin/index-status").get_json()["reindex"]
    assert run["status"] == "failed" and run["error"].startswith("le moteur de recherche est injoignable")
    html = admin.get("/cellule/index").get_data(as_text=True)
    assert "Dernière reconstruction en échec : le moteur de recherche est injoignable" in html


def test_the_console_is_for_the_cell_only(world):
    _, _, app = world
    assert app.test_client().get("/cellule/index").status_code == 302          # to the sign-in page
    practitioner = fx.signed_in(app, fx.PRACTITIONER_RPPS, fx.PRACTITIONER_PASSWORD)
    refused = practitioner.get("/cellule/index")
    assert refused.status_code == 403 and "réservée à la cellule" in refused.get_data(as_text=True)
    assert practitioner.post("/cellule/index/reconstruire").status_code == 403
    admin = fx.signed_in(app, fx.ADMIN_EMAIL, fx.ADMIN_PASSWORD)
    assert admin.post("/cellule/index/reconstruire").status_code == 403          # no CSRF token
    html = admin.get("/cellule/index").get_data(as_text=True)
    assert f"<dd data-units>{_units()}</dd>" in html and f"<dd data-documents>{_units()}</dd>" in html


# --- alerts ---------------------------------------------------------------------------------

def _state(**changes) -> dict:
    state = {"outbox": {"depth": 0, "oldest": None},
             "index": {"reachable": True, "health": "green", "indexes": ["ror-units-v3-x"], "mapping_current": True,
                       "mapping_version": 3}}
    for key, value in changes.items():
        state[key] = {**state[key], **value}
    return state


def test_alerts_flag_a_late_outbox_a_mapping_behind_and_an_engine_not_green(settings):
    now = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    mine = dataclasses.replace(settings, outbox_alert_seconds=60)
    assert alerts.warnings(_state(), mine, now) == []
    fresh = _state(outbox={"depth": 2, "oldest": iso(now - timedelta(seconds=59))})
    assert alerts.warnings(fresh, mine, now) == []
    late = alerts.warnings(_state(outbox={"depth": 2, "oldest": iso(now - timedelta(seconds=61))}), mine, now)
    assert [w["code"] for w in late] == ["outbox_late"] and "61 s" in late[0]["message"]
    assert [w["code"] for w in alerts.warnings(_state(index={"mapping_current": False}), mine, now)] == ["mapping_behind"]
    assert [w["code"] for w in alerts.warnings(_state(index={"health": "yellow"}), mine, now)] == ["engine_yellow"]
    assert [w["code"] for w in alerts.warnings(_state(index={"health": "red"}), mine, now)] == ["engine_red"]


def test_health_lists_the_warnings_and_stays_200(world):
    mine, store, _ = world
    app = create_app(dataclasses.replace(mine, outbox_alert_seconds=0))
    with store.transaction() as conn:
        repository.update_unit(conn, "UO-A", {"comments": "Nouveau créneau le samedi"}, actor="test",
                               now=datetime.now(UTC) - timedelta(seconds=5))
    response = app.test_client().get("/api/v1/health")
    assert response.status_code == 200
    assert "outbox_late" in [w["code"] for w in response.get_json()["warnings"]]
    html = fx.signed_in(app, fx.ADMIN_EMAIL, fx.ADMIN_PASSWORD).get("/cellule/index").get_data(as_text=True)
    assert 'data-alert="outbox_late"' in html


def test_ror_status_flags_a_late_outbox(world, monkeypatch, capsys):
    mine, store, _ = world
    with store.transaction() as conn:
        repository.update_unit(conn, "UO-A", {"comments": "Fermé en août"}, actor="test",
                               now=datetime.now(UTC) - timedelta(seconds=120))
    monkeypatch.setenv("ROR_STORE_PATH", mine.store_path)
    monkeypatch.setenv("ROR_INDEX_PREFIX", mine.index_prefix)
    assert ror_cli.main(["status"]) == 3
    assert "ALERTE (outbox_late)" in capsys.readouterr().err


def test_the_history_is_read_from_the_audit_trail_abandoned_runs_included(world):
    """Who, when, how long, result: from the audit trail, where every reindex writes its request and outcome."""
    mine, store, _ = world
    t0 = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    first = reindex_job.begin(store, mine, audit.ACTOR_CLI, now=t0)
    with store.transaction() as conn:                    # its process died: no outcome, no more heartbeat
        reindex_runs.heartbeat(conn, first, t0 + timedelta(seconds=5), phase="loading", total=10, written=3)
    later = t0 + timedelta(minutes=5)
    reindex_job.begin(store, mine, audit.ACTOR_CLI, now=later)   # takes over; the first is written as failed
    with store.transaction() as conn:
        audit.record(conn, audit.ACTOR_CLI, "index", "alias", "reindex", later + timedelta(seconds=42),
                     new=audit.reindex_outcome(12, "ror-units-x", 41.7))
        # Trail rows of another kind in between do not break the pairs.
        audit.record(conn, audit.ACTOR_CLI, "api_key", "7", "created", later, new="clé")
    with store.snapshot() as conn:
        history = audit.reindex_history(conn)
    assert [(h["status"], h["started_at"], h["seconds"]) for h in history] == [
        ("succeeded", iso(later), 42.0), ("failed", iso(t0), 300.0)]
    assert (history[0]["documents"], history[0]["index"], history[0]["actor_name"]) == (12, "ror-units-x",
                                                                                         "Commande ror (serveur)")
    assert history[1]["error"] == reindex_runs.MSG_ABANDONED
    assert reindex_job.status(store, now=later)["history"] == history


def test_rate_and_time_left_come_from_the_units_written_since_loading_began(tmp_path):
    store = open_store(tmp_path / "runs.sqlite3")
    t0 = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    with store.transaction() as conn:
        run_id = reindex_runs.start(conn, audit.ACTOR_CLI, t0)
        reindex_runs.heartbeat(conn, run_id, t0 + timedelta(seconds=2), phase="loading", total=1000, written=0)
        reindex_runs.heartbeat(conn, run_id, t0 + timedelta(seconds=12), phase="loading", written=500)
    with store.snapshot() as conn:
        run = reindex_runs.get(conn, run_id, t0 + timedelta(seconds=12))
        # 500 UO in the 10 s since loading began: 50 UO/s, 500 left → 10 s.
        assert (run["running"], run["rate"], run["seconds_left"], run["percent"]) == (True, 50.0, 10.0, 50.0)
        # Past its lease with no heartbeat: its process died.
        late = reindex_runs.get(conn, run_id, t0 + timedelta(seconds=12) + reindex_runs.LEASE + timedelta(seconds=1))
        assert (late["running"], late["status"], late["error"]) == (False, "failed", reindex_runs.MSG_ABANDONED)
