"""A throw-away local PostgreSQL cluster for the tests (Debian's ``postgresql`` package).

``./ror test`` starts it so the store, write-path and API tests run on PostgreSQL as
well as SQLite. It lives under ``ROR_STATE_DIR/postgres-test`` (when root, somewhere
the service user can reach), listens on 127.0.0.1 on a free port, trusts local
connections and runs without fsync: it holds nothing worth keeping. PostgreSQL
refuses to run as root, so when root the cluster runs as the unprivileged system
user ``ror-postgres``, as the OpenSearch node runs as ``ror-opensearch``.
"""
from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from config import Settings
from ops.opensearch import traversable_home

SERVICE_USER = "ror-postgres"
SUPERUSER = "ror"
START_TIMEOUT_S = 60


class ClusterError(RuntimeError):
    pass


@dataclass(frozen=True)
class Cluster:
    base: Path

    @property
    def data(self) -> Path:
        return self.base / "data"

    @property
    def socket_dir(self) -> Path:
        return self.base / "run"

    @property
    def log_file(self) -> Path:
        return self.base / "postgres.log"

    @property
    def port_file(self) -> Path:
        return self.base / "port"

    @property
    def port(self) -> int | None:
        return int(self.port_file.read_text()) if self.port_file.exists() else None

    @property
    def url(self) -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/postgres"


def _log(message: str) -> None:
    print(f"[postgres] {message}", file=sys.stderr, flush=True)


def _running_as_root() -> bool:
    return os.geteuid() == 0


def bin_dir() -> Path:
    """The newest Debian PostgreSQL's programs (initdb, pg_ctl, pg_dump, pg_restore)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name))
    if not found:
        raise ClusterError("PostgreSQL est introuvable (/usr/lib/postgresql/*/bin) : installez le paquet « postgresql ».")
    return found[-1].parent


def cluster_for(settings: Settings) -> Cluster:
    base = Path(settings.state_dir) / "postgres-test"
    if _running_as_root():
        _ensure_service_user()
        probe = Path(settings.state_dir)
        probe.mkdir(parents=True, exist_ok=True)
        readable = subprocess.run(["runuser", "-u", SERVICE_USER, "--", "test", "-x", str(probe)],
                                  capture_output=True).returncode == 0
        if not readable:
            # A work tree under /root cannot be traversed by the service user.
            base = traversable_home(probe) / "postgres-test"
    return Cluster(base=base)


def _ensure_service_user() -> None:
    try:
        pwd.getpwnam(SERVICE_USER)
    except KeyError:
        _log(f"creating the unprivileged user {SERVICE_USER!r} that runs the test cluster")
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SERVICE_USER],
                       check=True)


def _run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    if _running_as_root():
        command = ["runuser", "-u", SERVICE_USER, "--", *command]
    return subprocess.run(command, capture_output=True, text=True, **kwargs)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def is_running(cluster: Cluster) -> bool:
    if cluster.port is None or not (cluster.data / "postmaster.pid").exists():
        return False
    return subprocess.run([str(bin_dir() / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(cluster.port)],
                          capture_output=True).returncode == 0


def start(settings: Settings, *, port: int | None = None) -> Cluster:
    """Start the test cluster if it is not running (creating it the first time); return it.

    ``port``: listen there (a fault test restarts a cluster where its clients expect it); default a free one.
    """
    cluster = cluster_for(settings)
    if is_running(cluster):
        return cluster
    programs = bin_dir()
    cluster.base.mkdir(parents=True, exist_ok=True)
    if not (cluster.data / "PG_VERSION").exists():
        shutil.rmtree(cluster.data, ignore_errors=True)
        cluster.socket_dir.mkdir(parents=True, exist_ok=True)
        if _running_as_root():
            subprocess.run(["chown", "-R", f"{SERVICE_USER}:", str(cluster.base)], check=True)
        # C.UTF-8: text sorts by code point, as SQLite's default collation does.
        made = _run([str(programs / "initdb"), "-D", str(cluster.data), "-U", SUPERUSER, "--auth=trust",
                     "--encoding=UTF8", "--locale=C.UTF-8"])
        if made.returncode != 0:
            raise ClusterError(f"initdb a échoué : {made.stderr.strip()[-2000:]}")
    cluster.socket_dir.mkdir(parents=True, exist_ok=True)
    port = port or _free_port()
    cluster.port_file.write_text(str(port))
    if _running_as_root():
        subprocess.run(["chown", "-R", f"{SERVICE_USER}:", str(cluster.base)], check=True)
    options = (f"-p {port} -k {cluster.socket_dir} -c listen_addresses=127.0.0.1 "
               "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
    _log(f"starting the test cluster on 127.0.0.1:{port} ({cluster.base})")
    started = _run([str(programs / "pg_ctl"), "-D", str(cluster.data), "-l", str(cluster.log_file),
                    "-w", "-t", str(START_TIMEOUT_S), "-o", options, "start"])
    if started.returncode != 0:
        tail = cluster.log_file.read_text()[-2000:] if cluster.log_file.exists() else ""
        raise ClusterError(f"PostgreSQL n'a pas démarré : {started.stderr.strip()}\n{tail}")
    deadline = time.monotonic() + START_TIMEOUT_S
    while not is_running(cluster):
        if time.monotonic() > deadline:
            raise ClusterError(f"PostgreSQL ne répond pas sur le port {port}.")
        time.sleep(0.2)
    return cluster


def stop(settings: Settings, *, mode: str = "fast") -> bool:
    """Stop the cluster (``mode``: pg_ctl's fast, or immediate to play a crash)."""
    cluster = cluster_for(settings)
    if not (cluster.data / "postmaster.pid").exists():
        return False
    _run([str(bin_dir() / "pg_ctl"), "-D", str(cluster.data), "-m", mode, "-w", "stop"])
    return True
