"""Freshness under load (issue #19 item 2): from a saved sheet to the change being searchable.

The service runs as production runs it (``ror serve``: waitress and its outbox sync worker,
bench.load.start_service) on the bench's data set and index. While 8 clients send the search
mix of the throughput figure (first alone, as the baseline of the same service, then with the
saves), one practitioner saves their sheet (a new comment) at a steady
rate through the API, as the sheet form does; after each save the bench asks the engine, every
10 ms, for that unit at the saved revision with a *search* (a GET by id would be real-time and
prove nothing). Freshness is the time from the save's answer to the first search that finds it.

The edits are real: the data set's store and index get the practitioner's account and the new
comments (both stay in step, so the bench's next runs reuse them).
"""
from __future__ import annotations

import dataclasses
import secrets
import threading
import time

from bench import load as service
from config import Settings
from indexer.engine import UNITS, alias_name

POLL_S = 0.01
GIVE_UP_S = 10.0
EDITS_PER_S = 2.0
EDITOR_PASSWORD = "Fraicheur-Bench-2026"


def editor(store) -> tuple[str, str]:
    """The bench's practitioner: signed up once, found again on later runs."""
    from catalog import accounts

    with store.snapshot() as conn:
        row = conn.execute("SELECT rpps FROM accounts WHERE email LIKE 'fraicheur-%@ror.test' LIMIT 1").fetchone()
    if row is not None:
        return row["rpps"], EDITOR_PASSWORD
    (rpps, password), = service.add_editors(store, 1, EDITOR_PASSWORD)
    with store.transaction() as conn:
        account = accounts.find_account(conn, rpps=rpps)
        conn.execute("UPDATE accounts SET email = ? WHERE id = ?", (f"fraicheur-{rpps}@ror.test", account["id"]))
    return rpps, password


def searchable_after(client, alias: str, unit_id: str, revision: int, saved_at: float) -> float | None:
    """Seconds from ``saved_at`` until a search finds ``unit_id`` at ``revision`` (None: not within GIVE_UP_S)."""
    body = {"size": 0, "track_total_hits": True,
            "query": {"bool": {"filter": [{"term": {"id": unit_id}}, {"range": {"revision": {"gte": revision}}}]}}}
    while time.perf_counter() - saved_at < GIVE_UP_S:
        if client.search(index=alias, body=body, params={"request_cache": "false"})["hits"]["total"]["value"]:
            return time.perf_counter() - saved_at
        time.sleep(POLL_S)
    return None


def bench_freshness(client, settings: Settings, store, paths: list[str], *, clients: int, seconds: float,
                    max_requests: int, log, edits_per_s: float = EDITS_PER_S) -> dict:
    """Freshness p50/p95 of sheet saves while ``clients`` threads search, and their throughput beside it."""
    from bench.run import summary_ms, throughput

    login, password = editor(store)
    mine = dataclasses.replace(settings, port=service.free_port(), secret_key=secrets.token_hex(32),
                               mail_dir=str(settings.state_dir) + "/bench-mail")
    process = service.start_service(mine, log_path=None)
    try:
        session = service.Session("127.0.0.1", mine.port)
        session.sign_in(login, password)
        status, me = session.json("GET", "/api/v1/me")
        units = [{"id": u["id"], "revision": u["revision"]} for u in me.get("units", [])] if status == 200 else []
        if not units:
            raise RuntimeError(f"the bench's practitioner {login} has no unit to edit ({status})")
        log(f"freshness: {clients} clients searching for {seconds:.0f} s without saves (the baseline)")
        alone = throughput(mine.port, paths, clients=clients, seconds=seconds, max_requests=max_requests)
        alone.pop("_latencies", None)
        searches: dict = {}
        load = threading.Thread(target=lambda: searches.update(
            throughput(mine.port, paths, clients=clients, seconds=seconds, max_requests=max_requests)))
        log(f"freshness: {clients} clients searching for {seconds:.0f} s, one sheet saved every "
            f"{1 / edits_per_s:.1f} s")
        load.start()
        alias = alias_name(settings, UNITS)
        delays, missed, failed, edits = [], 0, 0, 0
        stop_at = time.monotonic() + seconds
        while time.monotonic() < stop_at:
            next_at = time.monotonic() + 1 / edits_per_s
            unit = units[edits % len(units)]
            edits += 1
            status, answer = session.json("PUT", f"/api/v1/me/units/{unit['id']}",
                                          {"revision": unit["revision"], "comments": f"Fraîcheur : enregistrement {edits}"})
            saved_at = time.perf_counter()
            if status != 200:
                failed += 1
                if status == 409:
                    unit["revision"] = answer["current"]["revision"]
                continue
            unit["revision"] = answer["revision"]
            delay = searchable_after(client, alias, unit["id"], unit["revision"], saved_at)
            if delay is None:
                missed += 1
            else:
                delays.append(delay)
            time.sleep(max(0.0, next_at - time.monotonic()))
        load.join(seconds + 120)
        session.close()
    finally:
        service.stop_service(process)
    searches.pop("_latencies", None)
    out = {"edits": edits, "edits_per_s": edits_per_s, "saves_failed": failed, "not_searchable_within_s": missed,
           "give_up_s": GIVE_UP_S, "searchable_after_ms": summary_ms(delays), "searches_meanwhile": searches,
           "searches_without_saves": alone}
    log(f"  searchable after p50 {out['searchable_after_ms']['p50']} ms, p95 {out['searchable_after_ms']['p95']} ms "
        f"({edits} saves, {missed} not found within {GIVE_UP_S:.0f} s); searches meanwhile "
        f"{searches.get('requests_per_s')}/s, p95 {searches.get('latency_ms', {}).get('p95')} ms "
        f"(without saves {alone['requests_per_s']}/s, p95 {alone['latency_ms']['p95']} ms)")
    return out
