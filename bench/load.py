"""Load test: C concurrent clients for N seconds against the service on 127.0.0.1.

    .venv/bin/python -m bench.load                      # 60 s, 16 clients, its own service and data
    .venv/bin/python -m bench.load --seconds 5 --clients 4 --units 2000
    .venv/bin/python -m bench.load --units 20000 --workers 2     # two API processes (gunicorn) vs one
    .venv/bin/python -m bench.load --url http://127.0.0.1:8000 \\
        --login kine@demo.ror-search.fr --password Kine-Demo-2026      # a running service (ror demo)

Without --url it builds its own world: the demo data set (catalog.demo, via
bench.dataset, ``--units`` UO, cached under /tmp/ror-load), copied to a scratch
store with the online backup, one signed-up practitioner per client, indexed under
its own prefix on OPENSEARCH_URL; then it serves it with ``ror serve`` (waitress,
8 threads, and the outbox sync worker, as in production; ``--workers N``: N gunicorn
processes of 8 threads, each with its sync worker) in a subprocess and removes its
indexes at the end.

Each client loops over a realistic mix (bench.workload's searches and
suggestions, sheets of units and establishments seen in results, edits of its
practitioner's own sheet) until the time is up or the request budget is spent.
It prints, per kind of request: count, errors, p50 / p95 / p99 / max latency.
An error is a transport failure, a 5xx, or any status the request should not get
(a 409 on an edit is a conflict, counted apart: another client edited the same
sheet). Only loopback addresses are accepted as targets.
"""
from __future__ import annotations

import argparse
import dataclasses
import http.client
import ipaddress
import json
import os
import random
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from config import PROJECT_DIR, Settings

KINDS = ("search", "suggest", "unit sheet", "establishment sheet", "edit")
WEIGHTS = (45, 28, 12, 5, 10)
DEFAULT_MAX_REQUESTS = 2_000_000
REQUEST_TIMEOUT_S = 30
EDITOR_PASSWORD = "Charge-Kine-2026"
DATA_ROOT = Path("/tmp/ror-load")


# --- HTTP, loopback only ------------------------------------------------------------------

def loopback_target(url: str) -> tuple[str, int]:
    """(host, port) of ``url``; refuses anything that is not this machine's loopback."""
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        raise ValueError(f"an http://127.0.0.1:PORT address is expected, not {url!r}")
    for info in socket.getaddrinfo(parts.hostname, parts.port or 80, proto=socket.IPPROTO_TCP):
        if not ipaddress.ip_address(info[4][0]).is_loopback:
            raise ValueError(f"{parts.hostname} is not a loopback address: the load test only targets this machine")
    return parts.hostname, parts.port or 80


class Session:
    """One keep-alive connection with a session cookie and its CSRF token, like a browser tab."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.connection: http.client.HTTPConnection | None = None
        self.cookie: str | None = None
        self.csrf: str | None = None

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
        headers = {"Accept": "application/json"}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if self.cookie:
            headers["Cookie"] = f"session={self.cookie}"
        if method != "GET" and self.csrf:
            headers["X-CSRF-Token"] = self.csrf
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=REQUEST_TIMEOUT_S)
            try:
                self.connection.request(method, path, body=payload, headers=headers)
                response = self.connection.getresponse()
                data = response.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # The server closed an idle keep-alive connection: once more on a new one.
                self.close()
                if attempt == 2:
                    raise
                continue
            for name, value in response.getheaders():
                if name.lower() == "set-cookie" and value.startswith("session="):
                    self.cookie = value.split(";", 1)[0].split("=", 1)[1]
            if response.getheader("Connection", "").lower() == "close":
                self.close()
            return response.status, data
        raise AssertionError("unreachable")

    def json(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        status, data = self.request(method, path, body)
        try:
            return status, json.loads(data)
        except ValueError:
            return status, {}

    def sign_in(self, login: str, password: str) -> None:
        status, body = self.json("GET", "/api/v1/session")
        self.csrf = body["csrf_token"]
        status, body = self.json("POST", "/api/v1/login", {"login": login, "password": password})
        if status != 200:
            raise RuntimeError(f"sign-in of {login} refused ({status}): {body}")
        self.csrf = body["csrf_token"]

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


# --- the service under test -----------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_service(settings: Settings, *, log_path: Path | None = None, timeout: float = 60,
                  workers: int = 1) -> subprocess.Popen:
    """``ror serve --workers N`` (waitress for one, gunicorn for more; each with its sync worker) for these
    settings, in a subprocess; returns once it answers."""
    env = {
        **os.environ,
        "OPENSEARCH_URL": settings.opensearch_url,
        "ROR_INDEX_PREFIX": settings.index_prefix,
        "ROR_STORE_PATH": settings.store_path,
        "ROR_STORE_URL": settings.store_url,
        "PROMETHEUS_MULTIPROC_DIR": settings.prometheus_multiproc_dir,
        "ROR_HOST": "127.0.0.1",
        "ROR_PORT": str(settings.port),
        "ROR_SECRET_KEY": settings.secret_key,   # empty: the service draws one (shared by its workers)
        "ROR_MAIL_DIR": settings.mail_dir,
        "ROR_ENV": "development",
    }
    if not settings.prometheus_multiproc_dir:
        # prometheus-client takes the variable's presence for its multiprocess mode: empty, it
        # would write its files into the working directory.
        del env["PROMETHEUS_MULTIPROC_DIR"]
    out = open(log_path, "ab") if log_path else subprocess.DEVNULL
    process = subprocess.Popen([sys.executable, "-m", "ror_cli", "serve", "--workers", str(workers)],
                               cwd=PROJECT_DIR, env=env,
                               stdout=out, stderr=subprocess.STDOUT)
    if log_path:
        out.close()
    deadline = time.monotonic() + timeout
    probe = Session("127.0.0.1", settings.port)
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the service exited with {process.returncode} (log: {log_path})")
        try:
            if probe.request("GET", "/api/v1/session")[0] == 200:
                probe.close()
                return process
        except OSError:
            probe.close()
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"the service did not answer on port {settings.port} within {timeout:.0f} s")


def stop_service(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def add_editors(store, count: int, password: str = EDITOR_PASSWORD) -> list[tuple[str, str]]:
    """Sign up ``count`` practitioners who own a unit (e-mail given, terms accepted); their logins."""
    from catalog import accounts, repository
    from catalog.store import utcnow

    now = utcnow()
    with store.snapshot() as conn:
        numbers = repository.practitioners_without_account(conn, count)
    credentials = []
    for rpps in numbers:  # one hash (argon2) per transaction: short write locks
        with store.transaction() as conn:
            account = accounts.create_practitioner_account(conn, rpps, password, now)
            accounts.set_details(conn, account["id"], f"charge-{rpps}@ror.test", now)
        credentials.append((rpps, password))
    return credentials


# --- the clients -------------------------------------------------------------------------------

@dataclasses.dataclass
class Tally:
    latencies: dict[str, list[float]] = dataclasses.field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = dataclasses.field(default_factory=lambda: defaultdict(int))
    conflicts: int = 0
    samples: list[str] = dataclasses.field(default_factory=list)   # a few failed requests, for the report
    lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)

    def record(self, kind: str, seconds: float, error: str | None = None) -> None:
        with self.lock:
            self.latencies[kind].append(seconds)
            if error:
                self.errors[kind] += 1
                if len(self.samples) < 10:
                    self.samples.append(f"{kind}: {error}")


class Mix:
    """What the clients ask for: bench.workload's requests, plus ids seen in results."""

    def __init__(self, seed: int):
        from bench import workload

        self.workload = workload
        self.places = workload.bench_communes()
        self.unit_ids: list[str] = []
        self.establishment_ids: list[str] = []
        self.lock = threading.Lock()
        self.seed = seed

    def search_path(self, rng: random.Random) -> str:
        kind = rng.choice(self.workload.SEARCH_KINDS)
        params = self.workload.search_params(kind, rng.randrange(10_000), self.places)
        return "/api/v1/search?" + urlencode(params)

    def suggest_path(self, rng: random.Random) -> str:
        params = self.workload.suggest_params(rng.choice(("what", "where")), rng.randrange(10_000))
        return "/api/v1/suggest?" + urlencode(params)

    def remember(self, body: dict) -> None:
        units = [u["id"] for r in body.get("results", []) for u in r["units"]]
        egs = [r["establishment"]["id"] for r in body.get("results", [])]
        with self.lock:
            for bucket, found in ((self.unit_ids, units), (self.establishment_ids, egs)):
                if len(bucket) < 5000:
                    bucket.extend(found)

    def pick(self, rng: random.Random, bucket: str) -> str | None:
        with self.lock:
            ids = getattr(self, bucket)
            return rng.choice(ids) if ids else None


def _client(number: int, host: str, port: int, mix: Mix, tally: Tally, credentials, deadline: float,
            budget: Budget) -> None:
    rng = random.Random(mix.seed * 1000 + number)
    session = Session(host, port)
    editable: list[dict] = []
    if credentials:
        session.sign_in(*credentials)
        status, me = session.json("GET", "/api/v1/me")
        editable = [{"id": u["id"], "revision": u["revision"]} for u in me.get("units", [])] if status == 200 else []
    edits = 0
    while time.monotonic() < deadline and budget.take():
        kind = rng.choices(KINDS, WEIGHTS)[0]
        if kind == "edit" and not editable:
            kind = "search"
        started = time.perf_counter()
        error = None
        try:
            if kind == "search":
                path = mix.search_path(rng)
                status, body = session.json("GET", path)
                if status == 200:
                    mix.remember(body)
            elif kind == "suggest":
                path = mix.suggest_path(rng)
                status, _ = session.request("GET", path)
            elif kind in ("unit sheet", "establishment sheet"):
                bucket, prefix = (("unit_ids", "/api/v1/units/") if kind == "unit sheet"
                                  else ("establishment_ids", "/api/v1/establishments/"))
                found = mix.pick(rng, bucket)
                if found is None:
                    kind, path = "search", mix.search_path(rng)
                    status, body = session.json("GET", path)
                    if status == 200:
                        mix.remember(body)
                else:
                    path = prefix + found
                    status, _ = session.request("GET", path)
            else:
                unit = editable[edits % len(editable)]
                edits += 1
                path = f"/api/v1/me/units/{unit['id']}"
                body = {"revision": unit["revision"], "comments": f"Charge : édition {number}-{edits}",
                        "phone": "01 39 00 00 42"}
                status, answer = session.json("PUT", path, body)
                if status == 200:
                    unit["revision"] = answer["revision"]
                elif status == 409:
                    unit["revision"] = answer["current"]["revision"]   # another client's edit: start again from it
                    with tally.lock:
                        tally.conflicts += 1
                    status = 200
            if status != 200:
                error = f"{status} on {path}"
        except (OSError, http.client.HTTPException) as failure:
            error = f"{type(failure).__name__}: {failure} on {kind}"
            session.close()
        tally.record(kind, time.perf_counter() - started, error)
    session.close()


class Budget:
    """The total number of requests the run may send (a bound besides time)."""

    def __init__(self, count: int):
        self.left = count
        self.lock = threading.Lock()

    def take(self) -> bool:
        with self.lock:
            if self.left <= 0:
                return False
            self.left -= 1
            return True


def percentile(values: list[float], p: float) -> float:
    """Nearest rank: a latency that was measured."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


@dataclasses.dataclass
class Report:
    seconds: float
    clients: int
    kinds: dict[str, dict]
    errors: int
    conflicts: int
    samples: list[str]

    @property
    def requests(self) -> int:
        return sum(k["requests"] for k in self.kinds.values())

    def table(self) -> str:
        lines = [f"{self.requests} requests in {self.seconds:.1f} s by {self.clients} clients "
                 f"({self.requests / self.seconds:.0f} req/s); errors: {self.errors}; "
                 f"edit conflicts (409, retried): {self.conflicts}",
                 f"{'kind':<20} {'requests':>9} {'errors':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}"]
        for kind, row in self.kinds.items():
            lines.append(f"{kind:<20} {row['requests']:>9} {row['errors']:>7} {row['p50_ms']:>8.1f} "
                         f"{row['p95_ms']:>8.1f} {row['p99_ms']:>8.1f} {row['max_ms']:>8.1f}")
        lines += [f"  failed: {sample}" for sample in self.samples]
        return "\n".join(lines)


def run_load(url: str, *, seconds: float = 60, clients: int = 16, credentials: list[tuple[str, str]] = (),
             max_requests: int = DEFAULT_MAX_REQUESTS, seed: int = 2026) -> Report:
    """Run the mix against the service at ``url`` (loopback only); client i edits as credentials[i % n]."""
    host, port = loopback_target(url)
    mix, tally, budget = Mix(seed), Tally(), Budget(max_requests)
    started = time.monotonic()
    deadline = started + seconds
    threads = [threading.Thread(target=_client, name=f"load-{i}", daemon=True,
                                args=(i, host, port, mix, tally,
                                      credentials[i % len(credentials)] if credentials else None, deadline, budget))
               for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + REQUEST_TIMEOUT_S + 30)
    elapsed = time.monotonic() - started
    kinds = {}
    for kind in KINDS:
        values = tally.latencies.get(kind)
        if values:
            kinds[kind] = {"requests": len(values), "errors": tally.errors.get(kind, 0),
                           "p50_ms": percentile(values, 50) * 1000, "p95_ms": percentile(values, 95) * 1000,
                           "p99_ms": percentile(values, 99) * 1000, "max_ms": max(values) * 1000}
    return Report(elapsed, clients, kinds, sum(tally.errors.values()), tally.conflicts, tally.samples)


# --- a world of its own ----------------------------------------------------------------------

def own_world(units: int, clients: int, seed: int, work: Path, log) -> tuple[Settings, list[tuple[str, str]]]:
    """Demo data of ``units`` UO in a scratch store, ``clients`` editors, indexed under a fresh prefix."""
    from bench import dataset
    from catalog.backup import backup
    from catalog.store import open_store
    from indexer.engine import search_client
    from indexer.reindex import reindex

    info = dataset.ensure(DATA_ROOT, units, seed, log=log)
    base = Settings.from_env()
    settings = dataclasses.replace(
        base, index_prefix=f"load-{secrets.token_hex(4)}", store_path=str(work / "store.sqlite3"),
        mail_dir=str(work / "mail"), port=free_port(), secret_key=secrets.token_hex(32))
    backup(open_store(info["store_path"]), settings.store_path)   # the cached data set stays pristine
    store = open_store(settings.store_path)
    credentials = add_editors(store, clients)
    log(f"indexing {info['units']:,} UO under the prefix {settings.index_prefix}")
    reindex(store, search_client(settings, timeout=120), settings, progress=False, grace_seconds=0)
    return settings, credentials


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--max-requests", type=int, default=DEFAULT_MAX_REQUESTS)
    parser.add_argument("--url", help="a running service on 127.0.0.1 (default: start one with its own data)")
    parser.add_argument("--login", help="with --url: a practitioner whose sheets the clients edit")
    parser.add_argument("--password")
    parser.add_argument("--units", type=int, default=20_000, help="without --url: size of the data set")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--workers", type=int, default=1,
                        help="without --url: API processes of the service (ror serve --workers N; 1 = waitress)")
    parser.add_argument("--json", help="also write the report to this file")
    args = parser.parse_args(argv)

    def log(message: str) -> None:
        print(f"[load] {message}", file=sys.stderr, flush=True)

    service = settings = None
    work = Path(tempfile.mkdtemp(prefix="ror-load-"))
    try:
        if args.url:
            url = args.url
            loopback_target(url)
            credentials = [(args.login, args.password)] if args.login else []
        else:
            settings, credentials = own_world(args.units, args.clients, args.seed, work, log)
            service = start_service(settings, log_path=work / "service.log", workers=args.workers)
            url = f"http://127.0.0.1:{settings.port}"
        log(f"{args.clients} clients for {args.seconds:.0f} s against {url}"
            + ("" if args.url else f" ({args.workers} API process{'es' if args.workers > 1 else ''})"))
        report = run_load(url, seconds=args.seconds, clients=args.clients, credentials=credentials,
                          max_requests=args.max_requests, seed=args.seed)
        print(report.table())
        if args.json:
            Path(args.json).write_text(json.dumps(dataclasses.asdict(report), indent=2, ensure_ascii=False))
        return 0 if report.errors == 0 else 1
    finally:
        if service is not None:
            stop_service(service)
        if settings is not None:
            from indexer.engine import search_client

            search_client(settings).indices.delete(index=f"{settings.index_prefix}-*", ignore_unavailable=True,
                                                   expand_wildcards="all")
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
