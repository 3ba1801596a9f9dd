"""National-scale benchmark: ``python -m bench.run [--units 1000000] [--quick]``.

Generates (or reuses) the demo data set of that size, starts its own OpenSearch node
(port 9270, 4 GiB heap, under /tmp/ror-bench), reindexes, serves the API with
waitress in a subprocess and times a fixed request mix against it and, as the
baseline, the same query bodies sent straight to OpenSearch. Prints a table and
writes ``bench/results/<date>.json``. Everything talks to 127.0.0.1 only; every
request loop is bounded in count and in time.
"""
from __future__ import annotations

import argparse
import contextlib
import dataclasses
import http.client
import json
import os
import platform
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from opensearchpy import helpers

from bench import cpus, dataset, scaling, workload
from catalog import repository
from catalog.store import open_store
from config import PROJECT_DIR, Settings
from indexer import bulk
from indexer import reindex as reindex_module
from indexer.documents import unit_document
from indexer.engine import SUGGEST, UNITS, alias_name, index_settings, load_mapping, search_client
from ops import opensearch

FULL_UNITS = 1_000_000
QUICK_UNITS = 50_000
SEED = 2026
WORK_DIR = Path("/tmp/ror-bench")
RESULTS_DIR = Path(__file__).resolve().parent / "results"
OPENSEARCH_PORT = 9270
API_PORT = 8270
HEAP = "4g"

WARMUP_PER_KIND = 20
SEARCH_ITERATIONS = 200       # per kind, after the warm-up
SUGGEST_ITERATIONS = 200      # per box
LOOP_SECONDS = 240            # hard cap of any one timed loop
THROUGHPUT_CLIENTS = 8
THROUGHPUT_SLICE_SECONDS = 10   # each throughput figure: a warm-up slice, then one slice per round
THROUGHPUT_MAX_REQUESTS = 200_000
FRESHNESS_SECONDS = 45   # each: searches alone, then with 90 saves at 2 per second
EXPORT_TARGETS = (10_000, 100_000)
PHASES = ("search", "suggest", "fhir", "export", "throughput", "freshness")   # request phases, in this order (--only)

TARGETS = {
    "search_p95_ms": 100, "suggest_p95_ms": 20, "api_overhead_p50": 1.3, "reindex_docs_per_s": 5000,
    "pipeline_efficiency": 0.9, "export_100k_s": 8, "export_100k_rss_mib": 300, "fhir_p95_ratio": 1.3,
    "throughput_per_s": 100, "throughput_p95_ms": 150, "api_vs_direct": 0.9,
}


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


LOAD_AVERAGES: dict[str, list[float]] = {}


def note_load(phase: str) -> None:
    """The machine's 1/5/15-min load averages as a phase starts: other work on the box skews figures."""
    LOAD_AVERAGES[phase] = [round(x, 2) for x in os.getloadavg()]


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (no interpolation): a value that was measured."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


def summary_ms(seconds: list[float]) -> dict:
    ms = [s * 1000 for s in seconds]
    return {"n": len(ms), "p50": round(percentile(ms, 50), 2), "p95": round(percentile(ms, 95), 2),
            "p99": round(percentile(ms, 99), 2), "max": round(max(ms), 2) if ms else None}


# --- the processes: OpenSearch node and API server ----------------------------------

def bench_settings(store_path: str) -> Settings:
    return dataclasses.replace(
        Settings.from_env(),
        opensearch_url=f"http://127.0.0.1:{OPENSEARCH_PORT}",
        state_dir=str(WORK_DIR / "state"),
        opensearch_heap=HEAP,
        store_path=store_path,
        index_prefix="bench",
        port=API_PORT,
    )


class ApiServer:
    """``python -m bench.server`` in a subprocess on a loopback port."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> ApiServer:
        env = {**os.environ, "OPENSEARCH_URL": self.settings.opensearch_url, "ROR_INDEX_PREFIX": self.settings.index_prefix,
               "ROR_STORE_PATH": self.settings.store_path, "ROR_PORT": str(self.settings.port), "ROR_ENV": "production",
               "ROR_SECRET_KEY": "bench-only-secret"}
        self.log_path = WORK_DIR / f"api-server-{self.settings.port}.log"
        self._log = self.log_path.open("w")
        self.process = subprocess.Popen([sys.executable, "-m", "bench.server"], cwd=PROJECT_DIR, env=env,
                                        stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the API server exited; see {self.log_path}")
            try:
                status, _ = http_get(self.settings.port, "/api/v1/health", timeout=2)
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError("the API server did not answer within 60 s")

    def rss_bytes(self) -> int:
        return _proc_status_kib(self.process.pid, "VmRSS") * 1024

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self._log.close()


def _proc_status_kib(pid: int, key: str) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


class RssSampler:
    """Peak RSS of a process while a block runs: /proc sampled every 10 ms, and VmHWM reset before."""

    def __init__(self, pid: int):
        self.pid, self.peak, self._stop = pid, 0, threading.Event()

    def __enter__(self) -> RssSampler:
        try:  # "5" resets the peak RSS (VmHWM) of the process (Linux >= 4.0)
            Path(f"/proc/{self.pid}/clear_refs").write_text("5")
        except OSError:
            pass
        self.peak = _proc_status_kib(self.pid, "VmRSS")
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(0.01):
            self.peak = max(self.peak, _proc_status_kib(self.pid, "VmRSS"))

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _proc_status_kib(self.pid, "VmHWM"))

    @property
    def peak_mib(self) -> float:
        return self.peak / 1024


def http_get(port: int, path: str, *, conn: http.client.HTTPConnection | None = None, timeout: float = 30) -> tuple[int, bytes]:
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        if own:
            conn.close()


class KeepAlive:
    """One persistent connection to the API (as a browser or an application keeps one)."""

    def __init__(self, port: int, timeout: float = 30):
        self.port, self.timeout = port, timeout
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)

    def get(self, path: str) -> tuple[int, bytes]:
        try:
            return http_get(self.port, path, conn=self.conn)
        except (http.client.HTTPException, OSError):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            raise


# --- reindex: the pipeline vs. a bare bulk of the same documents ---------------------

def build_documents_file(store_path: str, path: Path) -> dict:
    """Every UO document of the store as bulk NDJSON (action line, source line); timed by stage."""
    serializer = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
    store = open_store(store_path)
    count, read_s, build_s, write_s = 0, 0.0, 0.0, 0.0
    with store.snapshot() as conn, path.open("w", encoding="utf-8") as out:
        records = repository.iter_index_records(conn)
        while True:
            t0 = time.perf_counter()
            record = next(records, None)
            t1 = time.perf_counter()
            if record is None:
                break
            doc = unit_document(record)
            t2 = time.perf_counter()
            out.write(serializer.encode({"_id": doc["id"], "version": doc["revision"]}) + "\n")
            out.write(serializer.encode(doc) + "\n")
            t3 = time.perf_counter()
            read_s, build_s, write_s, count = read_s + t1 - t0, build_s + t2 - t1, write_s + t3 - t2, count + 1
    return {"documents": count, "read_s": round(read_s, 1), "build_s": round(build_s, 1),
            "serialize_s": round(write_s, 1), "bytes": path.stat().st_size,
            "build_docs_per_s": round(count / build_s) if build_s else None,
            "read_build_docs_per_s": round(count / (read_s + build_s)) if read_s + build_s else None}


def _ndjson_actions(path: Path, index: str):
    """Pre-serialized sources: the bulk helper sends the strings as they are."""
    with path.open(encoding="utf-8") as lines:
        for meta in lines:
            source = next(lines)
            head = json.loads(meta)
            yield {"_index": index, "_id": head["_id"], "version": head["version"], "version_type": "external",
                   "_source": source.rstrip("\n")}


def time_baseline_bulk(client, settings: Settings, path: Path, documents: int, *, parallel: bool) -> dict:
    spec = load_mapping(UNITS)
    name = f"bench-baseline-{'parallel' if parallel else 'serial'}"
    client.indices.delete(index=name, ignore_unavailable=True)
    # The same load-time settings as the pipeline's new index (no refresh, async translog).
    client.indices.create(index=name, body={"settings": reindex_module.build_settings(index_settings(spec, settings, UNITS)),
                                            "mappings": spec["mappings"]})
    chunk = bulk.CHUNK_SIZE
    started = time.monotonic()
    if parallel:
        errors = 0
        for ok, _ in helpers.parallel_bulk(client, _ndjson_actions(path, name), thread_count=2, chunk_size=chunk,
                                           raise_on_error=False, request_timeout=120):
            errors += not ok
    else:
        _, failed = helpers.bulk(client, _ndjson_actions(path, name), chunk_size=chunk, raise_on_error=False,
                                 stats_only=True, request_timeout=120)
        errors = failed
    client.indices.refresh(index=name, request_timeout=300)
    seconds = time.monotonic() - started
    indexed = client.count(index=name)["count"]
    client.indices.delete(index=name)
    return {"method": "helpers.parallel_bulk (2 threads)" if parallel else "helpers.bulk",
            "chunk_size": chunk, "documents": indexed, "errors": errors, "seconds": round(seconds, 1),
            "docs_per_s": round(indexed / seconds)}


def time_pipeline(store_path: str, settings: Settings) -> dict:
    client = search_client(settings, timeout=120)
    report = reindex_module.reindex(open_store(store_path), client, settings, progress=False, grace_seconds=0)
    return {"documents": report.documents, "seconds": round(report.seconds, 1), "docs_per_s": round(report.rate),
            "load_seconds": round(report.load_seconds, 1),
            "load_docs_per_s": round(report.documents / report.load_seconds) if report.load_seconds else None,
            "index": report.index, "chunk_size": bulk.CHUNK_SIZE}


# --- request bodies for the direct baseline -----------------------------------------

@dataclasses.dataclass(frozen=True)
class EngineSearch:
    """One API or FHIR search as the engine requests it makes, read from its path beforehand
    (untimed): a grouped search's readings of its free text (query_api.api.search.readings), or
    FHIR's flat page."""

    first: object                 # SearchRequest
    others: tuple = ()            # the other readings, counted only when the first finds nothing
    flat: object = None           # FlatPage

    def send(self, client, index: str, plan: str | None = None) -> dict:
        """The engine requests the API makes for this search (query_api.search.execute), the clock
        read now as the API reads it."""
        from query_api.search.execute import DEFAULT_PLAN, run_first_finding, run_search

        if self.flat is not None:
            return run_search(client, index, self.first, paris_clock(), flat=self.flat)
        return run_first_finding(client, index, self.first, self.others, paris_clock(), plan=plan or DEFAULT_PLAN)[1]


class Bodies:
    """The engine bodies the API would build, from the same query string, by the same functions."""

    def __init__(self, settings: Settings):
        from query_api import create_app

        self.app = create_app(settings)

    def search_request(self, params: list[tuple[str, str]]):
        """The SearchRequest the API reads from this query string (its free text understood)."""
        from query_api.api.search import search_request_from_args

        with self.app.test_request_context("/api/v1/search?" + workload.query_string(params)):
            from flask import request

            return search_request_from_args(request.args)

    def engine_search(self, path: str) -> EngineSearch:
        """The engine requests of an API or FHIR search path, read as the service reads it."""
        from flask import request

        from query_api.api.schemas.query import parse_search_params
        from query_api.api.search import readings
        from query_api.fhir.params import parse_search
        from query_api.fhir.profiles import LocalNames
        from query_api.fhir.views import flat_page

        with self.app.test_request_context(path):
            if path.startswith("/fhir/HealthcareService?"):
                search = parse_search("HealthcareService", request.args, LocalNames(request.host_url + "fhir"))
                return EngineSearch(search.request, flat=flat_page(search))
            first, others = readings(parse_search_params(request.args))
            return EngineSearch(first, tuple(others))

    def suggest(self, params: list[tuple[str, str]]) -> dict:
        from query_api.api.schemas.query import SuggestParamsSchema
        from query_api.search.queries import suggest_body

        loaded = SuggestParamsSchema().load(dict(params))
        return suggest_body(loaded["field"], loaded["q"], loaded.get("category"), loaded["size"])

    def export_count(self, client, index: str, params: list[tuple[str, str]]) -> int:
        from query_api.api.search import current_clock, search_request_from_args
        from query_api.search.queries import export_body

        with self.app.test_request_context("/api/v1/search.xlsx?" + workload.query_string(params)):
            from flask import request

            body = export_body(search_request_from_args(request.args), current_clock(), 0)
        return client.search(index=index, body=body)["hits"]["total"]["value"]


# --- timed loops --------------------------------------------------------------------

def paired_latencies(api: KeepAlive, client, index: str, requests: list[tuple[str, object]], *, deadline: float) -> dict:
    """Each request through the API, then its body (or, for a search, the engine requests the API
    makes for it) straight to OpenSearch; both timed, each from an empty shard request cache:
    the direct request sent right after the API's would otherwise find the facet counts the
    API's request just cached, and the API would look slower than it is."""
    through_api, direct, errors = [], [], 0
    for path, body in requests:
        if time.monotonic() > deadline:
            break
        clear_request_cache(client, index)
        t0 = time.perf_counter()
        try:
            status, _ = api.get(path)
        except (http.client.HTTPException, OSError):
            status = 0
        api_seconds = time.perf_counter() - t0
        if status != 200:
            errors += 1
            continue
        clear_request_cache(client, index)
        t1 = time.perf_counter()
        if isinstance(body, EngineSearch):   # a search: the engine requests the API makes for it
            body.send(client, index)
        else:
            client.search(index=index, body=body)
        t2 = time.perf_counter()
        through_api.append(api_seconds)
        direct.append(t2 - t1)
    return {"api": through_api, "direct": direct, "errors": errors}


def search_requests(bodies: Bodies, kind: str, places: list[str], start: int, count: int) -> list[tuple[str, object]]:
    out = []
    for i in range(start, start + count):
        params = workload.search_params(kind, i, places)
        path = "/api/v1/search?" + workload.query_string(params)
        out.append((path, bodies.engine_search(path)))
    return out


def suggest_requests(bodies: Bodies, box: str, start: int, count: int) -> list[tuple[str, dict]]:
    out = []
    for i in range(start, start + count):
        params = workload.suggest_params(box, i)
        out.append(("/api/v1/suggest?" + workload.query_string(params), bodies.suggest(params)))
    return out


def throughput(port: int, paths: list[str], *, clients: int, seconds: float, max_requests: int) -> dict:
    """``clients`` threads, each on its own keep-alive connection, for ``seconds``; errors counted."""
    def sender():
        api = KeepAlive(port, timeout=30)

        def send(i: int) -> bool:
            try:
                status, _ = api.get(paths[i % len(paths)])
            except (http.client.HTTPException, OSError):
                status = 0
            return status == 200
        return send

    return load(sender, clients=clients, seconds=seconds, max_requests=max_requests)


def load(sender, *, clients: int, seconds: float, max_requests: int) -> dict:
    """``clients`` threads for ``seconds``, each sending request after request with its own
    ``sender()`` (a callable of the request number that says whether it succeeded)."""
    lock = threading.Lock()
    state = {"next": 0, "ok": 0, "errors": 0, "latencies": []}
    stop_at = time.monotonic() + seconds

    def worker() -> None:
        send = sender()
        mine = []
        while time.monotonic() < stop_at:
            with lock:
                if state["next"] >= max_requests:
                    break
                i = state["next"]
                state["next"] += 1
            t0 = time.perf_counter()
            try:
                ok = send(i)
            except Exception:   # an engine error in a direct request counts, as a non-200 does
                ok = False
            mine.append(time.perf_counter() - t0)
            with lock:
                state["ok" if ok else "errors"] += 1
        with lock:
            state["latencies"].extend(mine)

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 60)
    elapsed = time.monotonic() - started
    return {"clients": clients, "seconds": round(elapsed, 1), "requests": state["ok"] + state["errors"],
            "errors": state["errors"], "requests_per_s": round(state["ok"] / elapsed, 1),
            "latency_ms": summary_ms(state["latencies"]), "_latencies": state["latencies"]}


FHIR_KIND = "FHIR near + aptitude"
THROUGHPUT_KINDS = (*workload.SEARCH_KINDS, FHIR_KIND)


def throughput_mix(places: list[str]) -> list[str]:
    """The 1,000 searches of the throughput figures (paths): the search kinds and a FHIR
    HealthcareService search in turn."""
    paths = []
    for i in range(1000):
        kind = THROUGHPUT_KINDS[i % len(THROUGHPUT_KINDS)]
        if kind == FHIR_KIND:
            paths.append(workload.near_aptitude_paths(20_000 + i, places)[1])
        else:
            paths.append("/api/v1/search?" + workload.query_string(workload.search_params(kind, 20_000 + i, places)))
    return paths


def direct_throughput(client, settings: Settings, bodies: Bodies, paths: list[str], plan: str, seconds: float) -> dict:
    """The engine requests one API or FHIR search makes (under ``plan`` for a grouped search:
    query_api.search.execute), sent straight to OpenSearch by ``clients`` threads; one search
    counts as one request, and so do the searches of its other readings when the first finds
    nothing (query_api.search.execute.run_first_finding), as the API sends them. The searches are
    read from the paths beforehand (untimed); the clock is read at each request, as the API does."""
    index = alias_name(settings, UNITS)
    searches = [bodies.engine_search(path) for path in paths]

    def sender():
        def send(i: int) -> bool:
            searches[i % len(searches)].send(client, index, plan)
            return True
        return send

    return load(sender, clients=THROUGHPUT_CLIENTS, seconds=seconds, max_requests=THROUGHPUT_MAX_REQUESTS)


def paris_clock():
    from catalog.schedule import PARIS, is_public_holiday, minute_of_week
    from query_api.search.queries import Clock

    now = datetime.now(UTC)
    return Clock(minute_of_week=minute_of_week(now), holiday=is_public_holiday(now.astimezone(PARIS).date()))


def clear_request_cache(client, index: str) -> None:
    """Empties the shard request cache: a figure must not find warm what the one before it put there."""
    client.indices.clear_cache(index=index, params={"request": "true"})


THROUGHPUT_ROUNDS = 3   # slices of each figure, interleaved (--rounds: more where slices differ much)


def _merged(slices: list[dict]) -> dict:
    seconds = sum(x["seconds"] for x in slices)
    requests = sum(x["requests"] for x in slices)
    errors = sum(x["errors"] for x in slices)
    latencies = [ms for x in slices for ms in x.pop("_latencies")]
    return {"clients": slices[0]["clients"], "seconds": round(seconds, 1), "requests": requests, "errors": errors,
            "requests_per_s": round((requests - errors) / seconds, 1), "latency_ms": summary_ms(latencies),
            "slices_per_s": [x["requests_per_s"] for x in slices]}


THROUGHPUT_PROCESSES = 2   # the API's several-process figure


@contextlib.contextmanager
def several_processes(settings: Settings, workers: int):
    """``ror serve --workers N`` (gunicorn's pre-fork workers on one port, each with its outbox
    drainer, idle here, and its access log: as production runs it) for the length of the block;
    yields its port."""
    from bench.load import free_port, start_service, stop_service

    service = dataclasses.replace(settings, port=free_port(), mail_dir=str(WORK_DIR / "mail"))
    process = start_service(service, workers=workers, log_path=WORK_DIR / f"api-serve-{workers}.log")
    try:
        yield service.port
    finally:
        stop_service(process)


def bench_throughput(client, settings: Settings, bodies: Bodies, places: list[str], server: ApiServer,
                     rounds: int = THROUGHPUT_ROUNDS) -> dict:
    """Searches per second at 8 clients: the API (one process, and two), and as baselines in the
    same run the engine requests of each way of sending a search (query_api.search.execute.PLANS),
    sent straight to the engine, so that each step's gain is measured apart. The figures are taken
    in interleaved slices after one warm-up slice each (a busy machine drifts: back to back, the
    first figure would pay for a cold node), each slice from an empty request cache."""
    from query_api.search.execute import DEFAULT_PLAN, PLANS

    paths = throughput_mix(places)

    def through_api(port: int):
        return lambda seconds: throughput(port, paths, clients=THROUGHPUT_CLIENTS, seconds=seconds,
                                          max_requests=THROUGHPUT_MAX_REQUESTS)

    with several_processes(settings, THROUGHPUT_PROCESSES) as port:
        figures = {f"direct:{plan}": (lambda seconds, plan=plan: direct_throughput(client, settings, bodies, paths, plan,
                                                                                    seconds))
                   for plan in PLANS}
        figures["api"] = through_api(server.settings.port)
        figures["api_2_processes"] = through_api(port)
        slice_s = THROUGHPUT_SLICE_SECONDS
        note_load("throughput")
        log(f"throughput: warm-up, {slice_s:.0f} s of each of {', '.join(figures)}")
        for run_figure in figures.values():
            run_figure(slice_s)
        slices: dict[str, list[dict]] = {name: [] for name in figures}
        cache = {name: [0, 0] for name in figures}
        for round_ in range(rounds):
            for name, run_figure in figures.items():
                clear_request_cache(client, alias_name(settings, UNITS))
                before = request_cache_stats(client, settings)
                slices[name].append(run_figure(slice_s))
                after = request_cache_stats(client, settings)
                cache[name][0] += after[0] - before[0]
                cache[name][1] += after[1] - before[1]
                log(f"  round {round_ + 1}, {name}: {slices[name][-1]['requests_per_s']}/s")
    out: dict = {"direct": {}, "plan": DEFAULT_PLAN, "mix": list(THROUGHPUT_KINDS), "rounds": rounds}
    for name, parts in slices.items():
        merged = _merged(parts)
        hits, misses = cache[name]
        merged["request_cache_hit_ratio"] = round(hits / (hits + misses), 2) if hits + misses else None
        if name.startswith("direct:"):
            out["direct"][name.split(":", 1)[1]] = merged
        else:
            out[name] = merged
        log(f"{name}: {merged['requests_per_s']}/s, p95 {merged['latency_ms']['p95']} ms, {merged['errors']} errors")
    direct = out["direct"][DEFAULT_PLAN]["requests_per_s"]
    out["api_vs_direct"] = round(out["api"]["requests_per_s"] / direct, 2)
    out["api_2_processes_vs_direct"] = round(out["api_2_processes"]["requests_per_s"] / direct, 2)
    return out


def request_cache_stats(client, settings: Settings) -> tuple[int, int]:
    stats = client.indices.stats(index=alias_name(settings, UNITS), metric="request_cache")
    total = [i["total"]["request_cache"] for i in stats["indices"].values()]
    return sum(t["hit_count"] for t in total), sum(t["miss_count"] for t in total)


# --- the run ------------------------------------------------------------------------

def run(units: int, *, seed: int, keep_node: bool, skip_reindex: bool, phases=PHASES,
        engine_cpus: set[int] | None = None, throughput_rounds: int = THROUGHPUT_ROUNDS) -> dict:
    """The whole run; with ``engine_cpus``, the node on those CPUs and this process (its load
    generator and API servers) on the others (bench/cpus.py)."""
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    results: dict = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cores": os.cpu_count(), "ram_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
                    "opensearch_heap": HEAP, "python": platform.python_version(), "platform": platform.platform()},
        "units_requested": units, "seed": seed, "targets": TARGETS,
    }
    data = dataset.ensure(WORK_DIR / "data", units, seed, log=log)
    results["dataset"] = data
    settings = bench_settings(data["store_path"])
    node_was_running = opensearch.health(opensearch.node_for(settings)) is not None
    opensearch.start(settings)
    results["machine"]["opensearch_version"] = opensearch.VERSION
    everywhere = os.sched_getaffinity(0)
    if engine_cpus:
        engine, rest = cpus.split(engine_cpus)
        node_pid = opensearch.status(settings)["pid"]
        if node_pid is None:
            raise SystemExit("--engine-cpus: the node on this port was not started by the benchmark; stop it first")
        threads = cpus.confine_process(node_pid, engine)
        cpus.confine_self(rest)
        results["machine"].update(engine_cpus=sorted(engine), bench_cpus=sorted(rest))
        log(f"the node's {threads} threads on CPU {sorted(engine)}; the load generator and the API on {sorted(rest)}")
    try:
        client = search_client(settings, timeout=300)
        alias = alias_name(settings, UNITS)
        # The alias is the same for every size: an index of another data set is not reused.
        if not skip_reindex:
            results["reindex"] = bench_reindex(client, settings, data)
        elif not (client.indices.exists_alias(name=alias) and client.count(index=alias)["count"] == data["units"]):
            # Built by the pipeline alone: the baselines' three more loads would take an hour at 4M.
            log("--skip-reindex and no index of this data set: building it with the pipeline alone "
                "(its time is kept as index_build, not as reindex figures)")
            note_load("index build")
            results["index_build"] = time_pipeline(data["store_path"], settings)
            log(f"  {results['index_build']['documents']:,} UO in {results['index_build']['seconds']} s")
        with ApiServer(settings) as server:
            results.update(bench_requests(client, settings, server, phases, throughput_rounds))
            results["memory"] = bench_memory(client, settings, server)
        note_load("end")
        results["load_average"] = LOAD_AVERAGES
    finally:
        if not keep_node and not node_was_running:
            opensearch.stop(settings)
        elif engine_cpus and node_pid:
            cpus.confine_process(node_pid, everywhere)
    return results


def bench_reindex(client, settings: Settings, data: dict) -> dict:
    note_load("reindex")
    ndjson = WORK_DIR / f"documents-{data['units_requested']}-{data['seed']}.ndjson"
    log("building every document once into NDJSON (untimed for the bulk baseline)")
    build = build_documents_file(data["store_path"], ndjson)
    log(f"  {build['documents']:,} documents, {build['bytes'] / 2**20:,.0f} MiB; "
        f"read {build['read_s']} s, build {build['build_s']} s, serialize {build['serialize_s']} s")
    log("baseline: helpers.bulk of the pre-built documents")
    serial = time_baseline_bulk(client, settings, ndjson, build["documents"], parallel=False)
    log(f"  {serial['docs_per_s']:,} docs/s")
    log("pipeline: indexer.reindex.reindex (store → documents → bulk → alias swap)")
    pipeline = time_pipeline(data["store_path"], settings)
    log(f"  {pipeline['docs_per_s']:,} docs/s")
    log("baseline: helpers.parallel_bulk of the pre-built documents")
    parallel = time_baseline_bulk(client, settings, ndjson, build["documents"], parallel=True)
    log(f"  {parallel['docs_per_s']:,} docs/s")
    ndjson.unlink(missing_ok=True)
    return {"pipeline": pipeline, "baseline_bulk": serial, "baseline_parallel_bulk": parallel, "documents_file": build,
            # Like for like: the pipeline's load (create, store → documents → bulk, refresh) against
            # the baselines' (create, bulk, refresh); its merge, suggestions and swap are apart.
            "efficiency_vs_bulk": round(pipeline["load_docs_per_s"] / serial["docs_per_s"], 2),
            "efficiency_vs_parallel_bulk": round(pipeline["load_docs_per_s"] / parallel["docs_per_s"], 2)}


def bench_requests(client, settings: Settings, server: ApiServer, phases=PHASES,
                   throughput_rounds: int = THROUGHPUT_ROUNDS) -> dict:
    bodies = Bodies(settings)
    places = workload.bench_communes()
    units_alias, suggest_alias = alias_name(settings, UNITS), alias_name(settings, SUGGEST)
    api = KeepAlive(settings.port)
    out: dict = {}

    if "search" in phases:
        note_load("search")
        log("warm-up")
        for kind in workload.SEARCH_KINDS:
            paired_latencies(api, client, units_alias, search_requests(bodies, kind, places, 10_000, WARMUP_PER_KIND),
                             deadline=time.monotonic() + LOOP_SECONDS)
        for box in ("what", "where"):
            paired_latencies(api, client, suggest_alias, suggest_requests(bodies, box, 10_000, WARMUP_PER_KIND),
                             deadline=time.monotonic() + LOOP_SECONDS)

        log(f"search latency: {SEARCH_ITERATIONS} per kind, API and direct interleaved")
        search: dict = {}
        all_api, all_direct, errors = [], [], 0
        for kind in workload.SEARCH_KINDS:
            timed = paired_latencies(api, client, units_alias, search_requests(bodies, kind, places, 0, SEARCH_ITERATIONS),
                                     deadline=time.monotonic() + LOOP_SECONDS)
            search[kind] = {"api_ms": summary_ms(timed["api"]), "direct_ms": summary_ms(timed["direct"]), "errors": timed["errors"]}
            all_api += timed["api"]
            all_direct += timed["direct"]
            errors += timed["errors"]
            log(f"  {kind}: API p50 {search[kind]['api_ms']['p50']} ms p95 {search[kind]['api_ms']['p95']} ms; "
                f"direct p50 {search[kind]['direct_ms']['p50']} ms")
        search["all"] = {"api_ms": summary_ms(all_api), "direct_ms": summary_ms(all_direct), "errors": errors}
        search["all"]["api_overhead_p50"] = round(search["all"]["api_ms"]["p50"] / search["all"]["direct_ms"]["p50"], 2)
        out["search"] = search

    if "suggest" in phases:
        log(f"suggest latency: {SUGGEST_ITERATIONS} per box")
        suggest: dict = {}
        for box in ("what", "where"):
            timed = paired_latencies(api, client, suggest_alias, suggest_requests(bodies, box, 0, SUGGEST_ITERATIONS),
                                     deadline=time.monotonic() + LOOP_SECONDS)
            suggest[box] = {"api_ms": summary_ms(timed["api"]), "direct_ms": summary_ms(timed["direct"]), "errors": timed["errors"]}
            log(f"  {box}: API p50 {suggest[box]['api_ms']['p50']} ms p95 {suggest[box]['api_ms']['p95']} ms")
        out["suggest"] = suggest

    if "fhir" in phases:
        out["fhir"] = bench_fhir(api, places)
    if "export" in phases:
        note_load("export")
        out["export"] = bench_exports(client, bodies, units_alias, server)
    if "throughput" in phases:
        out["throughput"] = bench_throughput(client, settings, bodies, places, server, throughput_rounds)
    if "freshness" in phases:
        # Apart from the throughput figures: its refreshes must not mix into theirs.
        from bench.freshness import bench_freshness
        from catalog.store import open_store

        note_load("freshness")
        paths = throughput_mix(places)
        out["freshness"] = bench_freshness(client, settings, open_store(settings.store_path), paths,
                                           clients=THROUGHPUT_CLIENTS, seconds=FRESHNESS_SECONDS,
                                           max_requests=THROUGHPUT_MAX_REQUESTS, log=log)
    return out


def bench_fhir(api: KeepAlive, places: list[str], iterations: int = SEARCH_ITERATIONS) -> dict:
    """The same criteria through /api/v1/search and /fhir/HealthcareService, interleaved (the
    FHIR face must stay within 1.3x of the JSON API's p95)."""
    log(f"FHIR vs JSON API: {iterations} searches each, same criteria, interleaved")
    timed: dict[str, list[float]] = {"json": [], "fhir": []}
    errors = 0
    deadline = time.monotonic() + LOOP_SECONDS
    for i in range(-WARMUP_PER_KIND, iterations):
        if time.monotonic() > deadline:
            break
        for face, path in zip(("json", "fhir"), workload.near_aptitude_paths(i % 10_000, places)):
            t0 = time.perf_counter()
            try:
                status, _ = api.get(path)
            except (http.client.HTTPException, OSError):
                status = 0
            if status != 200:
                errors += 1
            elif i >= 0:
                timed[face].append(time.perf_counter() - t0)
    out = {"json_ms": summary_ms(timed["json"]), "fhir_ms": summary_ms(timed["fhir"]), "errors": errors}
    out["p95_ratio"] = round(out["fhir_ms"]["p95"] / out["json_ms"]["p95"], 2) if out["json_ms"]["p95"] else None
    log(f"  JSON p50 {out['json_ms']['p50']} p95 {out['json_ms']['p95']} ms; FHIR p50 {out['fhir_ms']['p50']} "
        f"p95 {out['fhir_ms']['p95']} ms; ratio {out['p95_ratio']}")
    return out


def bench_exports(client, bodies: Bodies, index: str, server: ApiServer) -> list[dict]:
    from query_api.search.export import MAX_EXPORT_ROWS

    counted = [(bodies.export_count(client, index, params), params) for params in workload.export_candidates()]
    counted = [(n, p) for n, p in counted if 0 < n <= MAX_EXPORT_ROWS]
    exports = []
    for target in EXPORT_TARGETS:
        rows, params = min(counted, key=lambda c: (abs(c[0] - target), len(c[1])))
        if any(e["rows"] == rows for e in exports):
            continue
        path = "/api/v1/search.xlsx?" + workload.query_string(params)
        log(f"export: {rows:,} rows ({path})")
        with RssSampler(server.process.pid) as rss:
            started = time.perf_counter()
            status, body = http_get(server.settings.port, path, timeout=300)
            seconds = time.perf_counter() - started
        exports.append({"target_rows": target, "rows": rows, "params": params, "status": status,
                        "seconds": round(seconds, 2), "bytes": len(body), "is_xlsx": body[:2] == b"PK",
                        "api_peak_rss_mib": round(rss.peak_mib, 1)})
        log(f"  {seconds:.1f} s, peak RSS {rss.peak_mib:.0f} MiB, {len(body) / 2**20:.1f} MiB")
    return exports


def bench_memory(client, settings: Settings, server: ApiServer) -> dict:
    jvm = next(iter(client.nodes.stats(metric="jvm")["nodes"].values()))["jvm"]["mem"]
    # The indexes searches use (behind the aliases): a build left over by an interrupted
    # run, kept until its grace period ends, is not part of the service's footprint.
    live = ",".join(alias_name(settings, kind) for kind in (UNITS, SUGGEST))
    indices = client.cat.indices(index=live, format="json", bytes="b")
    return {
        "opensearch_heap_used_mib": round(jvm["heap_used_in_bytes"] / 2**20),
        "opensearch_heap_max_mib": round(jvm["heap_max_in_bytes"] / 2**20),
        "api_rss_mib": round(server.rss_bytes() / 2**20, 1),
        "indices": {row["index"]: {"docs": int(row["docs.count"]), "store_mib": round(int(row["store.size"]) / 2**20, 1)}
                    for row in indices},
        "index_store_mib": round(sum(int(row["store.size"]) for row in indices) / 2**20, 1),
    }


# --- output -------------------------------------------------------------------------

def verdict(ok: bool | None) -> str:
    return "—" if ok is None else ("met" if ok else "MISSED")


def table(results: dict) -> str:
    """The results as a Markdown table (also the README's "Performance" section)."""
    rows = []

    def add(figure, measured, baseline="", target="", ok=None):
        rows.append((figure, measured, baseline, target, verdict(ok)))

    r = results.get("reindex")
    if r:
        p = r["pipeline"]
        add("Full reindex (store → documents → bulk → merge → swap)",
            f"{p['docs_per_s']:,} UO/s ({p['documents']:,} in {p['seconds']} s"
            + (f", of which the load {p['load_seconds']} s)" if p.get("load_seconds") else ")"),
            f"helpers.bulk {r['baseline_bulk']['docs_per_s']:,}/s; parallel_bulk {r['baseline_parallel_bulk']['docs_per_s']:,}/s",
            "≥ 5,000 UO/s", p["docs_per_s"] >= TARGETS["reindex_docs_per_s"])
        # The ratio is against helpers.bulk; the pipeline keeps two requests in
        # flight, so parallel_bulk (two threads) is the like-for-like one: both are judged.
        # Runs before 2026-11-30's second one timed the whole rebuild only: their ratio says so.
        part = "pipeline's load" if p.get("load_seconds") else "whole rebuild"
        add(f"Pipeline efficiency ({part} ÷ helpers.bulk)", f"{r['efficiency_vs_bulk']:.2f}",
            "same documents, same mapping and chunk size", "≥ 0.9",
            r["efficiency_vs_bulk"] >= TARGETS["pipeline_efficiency"])
        add(f"Pipeline efficiency ({part} ÷ parallel_bulk, 2 threads)", f"{r['efficiency_vs_parallel_bulk']:.2f}",
            "like for like: the pipeline also keeps 2 requests in flight", "≥ 0.9",
            r["efficiency_vs_parallel_bulk"] >= TARGETS["pipeline_efficiency"])
    b = results.get("index_build")
    if b:
        add("Index built by the pipeline alone (--skip-reindex, no baselines)",
            f"{b['docs_per_s']:,} UO/s ({b['documents']:,} in {b['seconds']} s, of which the load {b['load_seconds']} s)")
    s = results.get("search")
    for kind in workload.SEARCH_KINDS if s else ():
        k = s[kind]
        add(f"Search: {kind} (p50 / p95 / p99 ms)", f"{k['api_ms']['p50']} / {k['api_ms']['p95']} / {k['api_ms']['p99']}",
            f"direct {k['direct_ms']['p50']} / {k['direct_ms']['p95']} / {k['direct_ms']['p99']}", "p95 ≤ 100",
            k["api_ms"]["p95"] <= TARGETS["search_p95_ms"])
    a = s["all"] if s else None
    if a:
        add("Search: whole mix (p50 / p95 / p99 ms)", f"{a['api_ms']['p50']} / {a['api_ms']['p95']} / {a['api_ms']['p99']}",
            f"direct {a['direct_ms']['p50']} / {a['direct_ms']['p95']} / {a['direct_ms']['p99']}", "p95 ≤ 100",
            a["api_ms"]["p95"] <= TARGETS["search_p95_ms"])
        add("API overhead at p50 (API ÷ direct)", f"{a['api_overhead_p50']:.2f}×", "", "≤ 1.3×",
            a["api_overhead_p50"] <= TARGETS["api_overhead_p50"])
    f = results.get("fhir")
    if f:
        add("FHIR search vs JSON API, same criteria (p50 / p95 ms)",
            f"FHIR {f['fhir_ms']['p50']} / {f['fhir_ms']['p95']}; JSON {f['json_ms']['p50']} / {f['json_ms']['p95']}",
            f"p95 ratio {f['p95_ratio']}×, {f['errors']} errors", "≤ 1.3×, FHIR p95 ≤ 100",
            f["p95_ratio"] is not None and f["p95_ratio"] <= TARGETS["fhir_p95_ratio"] and f["errors"] == 0
            and f["fhir_ms"]["p95"] <= TARGETS["search_p95_ms"])
    for box, k in (results.get("suggest") or {}).items():
        add(f"Suggest: {box} box (p50 / p95 ms)", f"{k['api_ms']['p50']} / {k['api_ms']['p95']}",
            f"direct {k['direct_ms']['p50']} / {k['direct_ms']['p95']}", "p95 ≤ 20", k["api_ms"]["p95"] <= TARGETS["suggest_p95_ms"])
    for e in results.get("export") or ():
        big = e["target_rows"] == 100_000 and e["rows"] >= 90_000
        add(f"Excel export, {e['rows']:,} rows", f"{e['seconds']} s, API peak RSS {e['api_peak_rss_mib']:.0f} MiB",
            f"{e['bytes'] / 2**20:.1f} MiB .xlsx", "≤ 8 s, < 300 MiB" if big else "",
            (e["seconds"] <= TARGETS["export_100k_s"] and e["api_peak_rss_mib"] < TARGETS["export_100k_rss_mib"]
             and e["status"] == 200) if big else None)
    t = results.get("throughput")
    if t:
        def load_line(x):
            return (f"{x['requests']:,} searches, {x['errors']} errors; "
                    f"p50 {x['latency_ms']['p50']} ms, p95 {x['latency_ms']['p95']} ms")
        direct = t["direct"][t["plan"]]
        for name, label in (("api", "1 API process"), ("api_2_processes", "2 API processes (ror serve --workers 2)")):
            x = t[name]
            add(f"Throughput, {x['clients']} clients × {x['seconds']:.0f} s (search and FHIR mix), {label}",
                f"{x['requests_per_s']} req/s ({load_line(x)})",
                f"direct to the engine, same requests: {direct['requests_per_s']} searches/s "
                f"(API {x['requests_per_s'] / direct['requests_per_s']:.2f}×)",
                f"≥ {TARGETS['throughput_per_s']}/s, ≥ {TARGETS['api_vs_direct']}× direct, "
                f"p95 ≤ {TARGETS['throughput_p95_ms']} ms, 0 errors",
                x["requests_per_s"] >= max(TARGETS["throughput_per_s"], TARGETS["api_vs_direct"] * direct["requests_per_s"])
                and x["latency_ms"]["p95"] <= TARGETS["throughput_p95_ms"] and x["errors"] == 0)
        for plan, x in t["direct"].items():
            add(f"Throughput direct to the engine, plan {plan}", f"{x['requests_per_s']} searches/s", load_line(x))
    fr = results.get("freshness")
    if fr:
        d, x = fr["searchable_after_ms"], fr["searches_meanwhile"]
        add(f"Freshness: saved sheet → searchable, {fr['edits_per_s']:g} saves/s while {x['clients']} clients search "
            "(p50 / p95 / max ms)", f"{d['p50']} / {d['p95']} / {d['max']}",
            f"{fr['edits']} saves, {fr['not_searchable_within_s']} not searchable within {fr['give_up_s']:g} s; "
            f"searches meanwhile {x['requests_per_s']} req/s, p95 {x['latency_ms']['p95']} ms, {x['errors']} errors "
            f"(same service without saves: {fr['searches_without_saves']['requests_per_s']} req/s)",
            "p95 ≤ 1,000 ms", d["p95"] <= 1000 and fr["not_searchable_within_s"] == 0 and fr["saves_failed"] == 0)
    m = results["memory"]
    add("OpenSearch heap used / max", f"{m['opensearch_heap_used_mib']:,} / {m['opensearch_heap_max_mib']:,} MiB")
    add("API process RSS (after the run)", f"{m['api_rss_mib']:.0f} MiB")
    add("Index size on disk (UO + suggest)", f"{m['index_store_mib']:,.0f} MiB")
    header = "| Figure | Measured | Baseline / detail | Target | |\n|---|---|---|---|---|\n"
    return header + "\n".join("| " + " | ".join(str(c) for c in row) + " |" for row in rows)


def machine_line(results: dict) -> str:
    m, d = results["machine"], results["dataset"]
    return (f"{d['units']:,} UO (demo generator, seed {d['seed']}); {m['cores']} cores, {m['ram_gib']} GiB RAM, "
            f"OpenSearch {m.get('opensearch_version', '')} heap {m['opensearch_heap']}, Python {m['python']}; "
            + (f"the node on CPU {m['engine_cpus']}, the API and the load generator on {m['bench_cpus']}; "
               if m.get("engine_cpus") else "")
            + f"{results['date']}; "
            "load average at each phase: " + ", ".join(f"{k} {v[0]}" for k, v in results.get("load_average", {}).items())
            + "".join(f"; {phase} from the run of {date}" for phase, date in (results.get("carried_over") or {}).items()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=None, help=f"UO in the data set (default {FULL_UNITS:,})")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_UNITS:,} UO: a fast sanity run")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--keep-node", action="store_true", help="leave the benchmark's OpenSearch node running")
    parser.add_argument("--skip-reindex", action="store_true",
                        help="no reindex figures: reuse the index of this data set, or build it with the pipeline alone")
    parser.add_argument("--cluster", action="store_true",
                        help="1 node vs a local 3-node cluster, and a node lost under load (bench/cluster.py)")
    parser.add_argument("--engine-cpus", type=_cpu_list, default=None, metavar="LIST",
                        help="the OpenSearch node on these CPUs (e.g. 0), the API and the load generator on the "
                             "others: the API measured with cores of its own (bench/cpus.py)")
    parser.add_argument("--rounds", type=_rounds, default=THROUGHPUT_ROUNDS, metavar="N",
                        help=f"throughput slices of {THROUGHPUT_SLICE_SECONDS} s per figure, interleaved "
                             f"(default {THROUGHPUT_ROUNDS}; 1-30)")
    parser.add_argument("--only", default=",".join(PHASES),
                        help=f"request phases to run, comma-separated (default: all of {','.join(PHASES)})")
    args = parser.parse_args(argv)
    phases = tuple(p for p in args.only.split(",") if p)
    if set(phases) - set(PHASES):
        parser.error(f"--only takes {', '.join(PHASES)}")
    units = args.units or (QUICK_UNITS if args.quick else FULL_UNITS)
    if args.cluster:
        from bench import cluster

        return cluster.main(units, args.seed)
    if args.engine_cpus:
        try:
            cpus.split(args.engine_cpus)
        except ValueError as error:
            parser.error(str(error))
    results = run(units, seed=args.seed, keep_node=args.keep_node, skip_reindex=args.skip_reindex, phases=phases,
                  engine_cpus=args.engine_cpus, throughput_rounds=args.rounds)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y-%m-%d")
    suffix = "" if units == FULL_UNITS else f"-{units}"
    if args.engine_cpus:   # not the same machine: a file of its own, and no point of the scaling curve
        suffix += "-engine-cpus-" + "-".join(str(c) for c in sorted(args.engine_cpus))
    out = RESULTS_DIR / f"{stamp}{suffix}.json"
    results = with_earlier_phases(results, out)
    results["scaling"] = scaling.curve(RESULTS_DIR, results, out.name)
    text = table(results)
    results["table_markdown"] = text
    results["machine_line"] = machine_line(results)
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(results["machine_line"])
    print(text)
    print("\nScaling:\n" + scaling.table(results["scaling"]))
    print(f"\nwritten: {out}")
    return 0


def _rounds(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 30:
        raise argparse.ArgumentTypeError(f"a number of rounds from 1 to 30, not {text!r}")
    return int(text)


def _cpu_list(text: str) -> set[int]:
    try:
        return cpus.parse(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


MEASURED_PHASES = ("reindex", *PHASES)


def with_earlier_phases(results: dict, path: Path) -> dict:
    """``results`` completed by the phases an earlier run of the same day and data set wrote to
    ``path`` and this one did not run (``--skip-reindex``, ``--only``): each carried-over phase
    is listed in ``carried_over`` with its run's date, so no figure passes for this run's."""
    try:
        earlier = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return results
    if earlier.get("dataset", {}).get("units") != results["dataset"]["units"]:
        return results
    carried = dict(earlier.get("carried_over") or {})
    merged = {**results, "carried_over": {}}
    for phase in MEASURED_PHASES:
        if phase not in results and phase in earlier:
            merged[phase] = earlier[phase]
            merged["carried_over"][phase] = carried.get(phase, earlier["date"])
            merged.setdefault("load_average", {}).update(
                {k: v for k, v in (earlier.get("load_average") or {}).items() if k == phase})
    return merged


if __name__ == "__main__":
    sys.exit(main())
