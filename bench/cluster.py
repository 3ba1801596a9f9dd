"""One node vs a 3-node cluster on this machine, and a node lost under load: ``python -m bench.run --cluster``.

Same data set (bench/dataset.py), same search mix, same run: a single node, then a local
cluster of three (ops/opensearch.py), each node with the same heap, each reindexed by
``indexer.reindex.reindex`` and searched through one API process (bench/server.py) by
the same clients, so that the ratio is honest on this machine (it says what the cluster's
coordination costs or gains when the nodes share the cores; on separate machines each node
would bring its own). Then ``node_loss``: the same load on the cluster, the node holding
the UO index's primary killed with SIGKILL and started again; requests sent, failed (not
200: the API answers 503 rather than a partial page), p99 during the loss, time back to green.
"""
from __future__ import annotations

import dataclasses
import http.client
import json
import os
import signal
import threading
import time
from datetime import UTC, datetime

from bench import dataset, workload
from bench.run import (
    RESULTS_DIR,
    SEED,
    WORK_DIR,
    ApiServer,
    KeepAlive,
    bench_settings,
    log,
    percentile,
    summary_ms,
    throughput,
    throughput_mix,
    time_pipeline,
)
from indexer.engine import UNITS, alias_name, search_client
from ops import opensearch

SINGLE_PORT = 9275                     # apart from bench.run's node (9270) and the suite's (9200)
CLUSTER_PORTS = (9291, 9292, 9293)     # transport ports 9391-9393
API_PORT = 8275
HEAP = "1g"                            # each node, the single one too
CLIENTS = 8
THROUGHPUT_SECONDS = 30
LOSS_BEFORE_S, LOSS_DOWN_S, LOSS_AFTER_S = 5, 15, 5
GREEN_TIMEOUT_S = 180


def settings_for(store_path: str, ports: tuple[int, ...], shards: int, replicas: int):
    return dataclasses.replace(
        bench_settings(store_path),
        opensearch_url=",".join(f"http://127.0.0.1:{port}" for port in ports),
        state_dir=str(WORK_DIR / "cluster-state"), opensearch_heap=HEAP, opensearch_cluster_heap=HEAP,
        opensearch_start_timeout=300, index_prefix="bench-cluster", port=API_PORT,
        index_shards=shards, index_replicas=replicas if len(ports) > 1 else 0)


def measure(settings, store_path: str, paths: list[str], seconds: float, *, node_loss: bool) -> dict:
    """Start the node(s), reindex, serve the API, take the throughput figure (and node_loss); stop."""
    opensearch.start(settings)
    try:
        client = search_client(settings, timeout=300)
        out: dict = {"nodes": len(settings.opensearch_hosts), "heap_per_node": HEAP,
                     "shards": settings.index_shards, "replicas": settings.index_replicas,
                     "reindex": time_pipeline(store_path, settings)}
        with ApiServer(settings):
            log(f"{out['nodes']} node(s): warm-up, then {seconds:.0f} s of {CLIENTS} clients")
            throughput(settings.port, paths, clients=CLIENTS, seconds=min(10, seconds), max_requests=10**6)
            figure = throughput(settings.port, paths, clients=CLIENTS, seconds=seconds, max_requests=10**6)
            figure.pop("_latencies")
            out["throughput"] = figure
            log(f"  {figure['requests_per_s']} req/s, p95 {figure['latency_ms']['p95']} ms, {figure['errors']} errors")
            if node_loss:
                out["node_loss"] = lose_a_node(settings, client, paths)
        return out
    finally:
        opensearch.stop(settings)


def lose_a_node(settings, client, paths: list[str]) -> dict:
    """The search load on the cluster; the primary's node killed, started again; what the clients saw."""
    index = next(iter(client.indices.get_alias(name=alias_name(settings, UNITS))))
    primary = next(row["node"] for row in client.cat.shards(index=index, format="json") if row["prirep"] == "p")
    victim = next(node for node in opensearch.local_cluster(settings) if node.name == primary)
    stop = threading.Event()
    timeline: list[tuple[float, float, bool]] = []    # (start, seconds, ok)
    lock = threading.Lock()

    def client_loop(n: int) -> None:
        api, mine, i = KeepAlive(settings.port, timeout=60), [], n
        while not stop.is_set():
            t0 = time.monotonic()
            try:
                status, _ = api.get(paths[i % len(paths)])
            except (http.client.HTTPException, OSError):
                status = 0
            mine.append((t0, time.monotonic() - t0, status == 200))
            i += CLIENTS
        with lock:
            timeline.extend(mine)

    threads = [threading.Thread(target=client_loop, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(LOSS_BEFORE_S)
        log(f"node_loss: SIGKILL {victim.name} (holds the primary of {index})")
        killed = time.monotonic()
        opensearch.stop_node(victim, signal.SIGKILL)
        time.sleep(LOSS_DOWN_S)
        restarted = time.monotonic()
        opensearch.start(settings)
        health = client.cluster.health(wait_for_status="green", timeout=f"{GREEN_TIMEOUT_S}s",
                                       params={"request_timeout": GREEN_TIMEOUT_S + 30, "ignore": 408})
        green = time.monotonic()
        time.sleep(LOSS_AFTER_S)
    finally:
        stop.set()
        for thread in threads:
            thread.join(120)
    during = [t for t in timeline if killed <= t[0] <= green]
    out = {
        "clients": CLIENTS, "killed": victim.name,
        "requests": len(timeline), "failed": sum(1 for t in timeline if not t[2]),
        "requests_during_loss": len(during), "failed_during_loss": sum(1 for t in during if not t[2]),
        "p99_before_ms": round(percentile([t[1] * 1000 for t in timeline if t[0] < killed], 99), 1),
        "latency_during_loss_ms": summary_ms([t[1] for t in during]),
        "node_down_s": round(restarted - killed, 1),
        "back_to_green_after_restart_s": round(green - restarted, 1),
        "kill_to_green_s": round(green - killed, 1),
        "status_after": health["status"],
    }
    log(f"  {out['requests']} requests, {out['failed']} failed; p99 during the loss "
        f"{out['latency_during_loss_ms']['p99']} ms; green {out['back_to_green_after_restart_s']} s after the restart")
    return out


def run(units: int, *, seed: int = SEED, shards: int = 1, replicas: int = 1,
        seconds: float = THROUGHPUT_SECONDS) -> dict:
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    data = dataset.ensure(WORK_DIR / "data", units, seed, log=log)
    paths = throughput_mix(workload.bench_communes())
    results: dict = {"date": datetime.now(UTC).isoformat(timespec="seconds"), "units": data["units"], "seed": seed,
                     "machine": {"cores": os.cpu_count(), "load_average_start": [round(x, 2) for x in os.getloadavg()]}}
    single = settings_for(data["store_path"], (SINGLE_PORT,), shards, replicas)
    results["one_node"] = measure(single, data["store_path"], paths, seconds, node_loss=False)
    cluster = settings_for(data["store_path"], CLUSTER_PORTS, shards, replicas)
    results["three_nodes"] = measure(cluster, data["store_path"], paths, seconds, node_loss=True)
    results["machine"]["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    one, three = results["one_node"]["throughput"], results["three_nodes"]["throughput"]
    results["throughput_ratio_3_vs_1"] = round(three["requests_per_s"] / one["requests_per_s"], 2)
    return results


def table(results: dict) -> str:
    rows = [("Figure", "1 node", "3 nodes")]
    one, three = results["one_node"], results["three_nodes"]
    rows.append(("Shards / replicas", f"{one['shards']} / {one['replicas']}", f"{three['shards']} / {three['replicas']}"))
    rows.append(("Reindex (UO/s)", f"{one['reindex']['docs_per_s']:,}", f"{three['reindex']['docs_per_s']:,}"))
    for name, key in (("Search throughput (req/s)", "requests_per_s"), ("Errors", "errors")):
        rows.append((name, str(one["throughput"][key]), str(three["throughput"][key])))
    for p in ("p50", "p95", "p99"):
        rows.append((f"Search latency {p} (ms)", str(one["throughput"]["latency_ms"][p]),
                     str(three["throughput"]["latency_ms"][p])))
    loss = three["node_loss"]
    rows.append(("node_loss: requests sent / failed", "", f"{loss['requests']} / {loss['failed']}"))
    rows.append(("node_loss: p99 before / during the loss (ms)", "",
                 f"{loss['p99_before_ms']} / {loss['latency_during_loss_ms']['p99']}"))
    rows.append(("node_loss: node down, then back to green after its restart (s)", "",
                 f"{loss['node_down_s']}, then {loss['back_to_green_after_restart_s']}"))
    lines = ["| " + " | ".join(rows[0]) + " |", "|---|---|---|"]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows[1:]])


def main(units: int, seed: int) -> int:
    results = run(units, seed=seed)
    results["table_markdown"] = table(results)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / f"{datetime.now().strftime('%Y-%m-%d')}-cluster-{units}.json"
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{results['units']:,} UO, seed {seed}; heap {HEAP} per node; throughput 3 nodes ÷ 1 node: "
          f"{results['throughput_ratio_3_vs_1']}×")
    print(results["table_markdown"])
    print(f"\nwritten: {out}")
    return 0
