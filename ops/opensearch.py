"""A local single-node OpenSearch without Docker: fetch, verify, start, stop, status.

The node is OpenSearch's integration-test distribution (server + transport-netty4,
no bundled JDK, no security plugin), fetched from Maven Central with Maven, checked
against a SHA-256 pinned here, cached outside the work tree and run on the machine's
Java on 127.0.0.1. Standard library only: this runs before anything else works.
"""
from __future__ import annotations

import hashlib
import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

from config import Settings

VERSION = "2.19.6"
ARTIFACT = f"org.opensearch.distribution.integ-test-zip:opensearch:{VERSION}:zip"
SHA256 = "71d6d8b1c637f3faecda0752b184b1cc526fc6eaad59ec1408c6327bb00b9293"
# OpenSearch refuses to run as root; this user runs it when we are root.
SERVICE_USER = "ror-opensearch"
# 2.19 relies on the Java security manager, which Java 24 removed.
JAVA_MIN, JAVA_MAX = 11, 23
CLUSTER_NAME = "ror-search"


class NodeError(RuntimeError):
    """A plain-words failure of the local node; the CLI prints it and exits 1."""


@dataclass(frozen=True)
class Node:
    """Where one local node lives: its home, data, logs and pid file."""

    base: Path
    port: int

    @property
    def home(self) -> Path:
        return self.base / f"opensearch-{VERSION}"

    @property
    def data(self) -> Path:
        return self.base / "data"

    @property
    def logs(self) -> Path:
        return self.base / "logs"

    @property
    def pid_file(self) -> Path:
        return self.base / "opensearch.pid"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_file(self) -> Path:
        return self.logs / f"{CLUSTER_NAME}.log"


def _log(message: str) -> None:
    print(f"[opensearch] {message}", file=sys.stderr, flush=True)


def _running_as_root() -> bool:
    return os.geteuid() == 0


def _user_can_read(user: str, path: Path) -> bool:
    return (
        subprocess.run(
            ["runuser", "-u", user, "--", "test", "-r", str(path)],
            capture_output=True,
        ).returncode
        == 0
    )


def node_for(settings: Settings) -> Node:
    """The node of these settings; when root, somewhere the service user can reach."""
    base = Path(settings.state_dir) / f"opensearch-{settings.opensearch_port}"
    if _running_as_root():
        # A project checked out under /root cannot be traversed by the service user:
        # keep the node's files in a world-traversable place named after the project.
        probe = Path(settings.state_dir)
        probe.mkdir(parents=True, exist_ok=True)
        _ensure_service_user()
        if not _user_can_read(SERVICE_USER, probe):
            digest = hashlib.sha1(str(probe.resolve()).encode()).hexdigest()[:10]
            base = Path("/var/tmp/ror-search") / digest / f"opensearch-{settings.opensearch_port}"
    return Node(base=base, port=settings.opensearch_port)


def _ensure_service_user() -> None:
    try:
        pwd.getpwnam(SERVICE_USER)
    except KeyError:
        _log(f"creating the unprivileged user {SERVICE_USER!r} that runs the node")
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SERVICE_USER],
            check=True,
        )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def fetch(settings: Settings) -> Path:
    """The verified distribution zip in the cache, fetched with Maven if missing."""
    cache = Path(settings.cache_dir)
    cache.mkdir(parents=True, exist_ok=True)
    archive = cache / f"opensearch-integ-test-{VERSION}.zip"
    if archive.exists() and _sha256(archive) == SHA256:
        return archive
    if shutil.which("mvn") is None:
        raise NodeError("Maven (mvn) is needed to fetch OpenSearch from Maven Central; install it (apt-get install maven).")
    _log(f"fetching {ARTIFACT} with Maven")
    download_dir = cache / "download"
    shutil.rmtree(download_dir, ignore_errors=True)
    result = subprocess.run(
        ["mvn", "-q", "-B", "dependency:copy", f"-Dartifact={ARTIFACT}", f"-DoutputDirectory={download_dir}"],
        capture_output=True,
        text=True,
    )
    fetched = download_dir / f"opensearch-{VERSION}.zip"
    if result.returncode != 0 or not fetched.exists():
        raise NodeError(f"Maven could not fetch {ARTIFACT}:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    actual = _sha256(fetched)
    if actual != SHA256:
        fetched.unlink()
        raise NodeError(f"the fetched OpenSearch zip has SHA-256 {actual}, expected {SHA256}; refusing to run it")
    fetched.replace(archive)
    shutil.rmtree(download_dir, ignore_errors=True)
    return archive


def _unpack(archive: Path, node: Node) -> None:
    if (node.home / "bin" / "opensearch").exists():
        return
    _log(f"unpacking OpenSearch {VERSION} into {node.base}")
    node.base.mkdir(parents=True, exist_ok=True)
    staging = node.base / "unpacking"
    shutil.rmtree(staging, ignore_errors=True)
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            target = zf.extract(info, staging)
            mode = (info.external_attr >> 16) & 0o777
            if mode:  # zipfile drops Unix permissions; the launch scripts need +x
                os.chmod(target, mode)
    (staging / f"opensearch-{VERSION}").rename(node.home)
    staging.rmdir()


def _java_home() -> Path:
    explicit = os.environ.get("OPENSEARCH_JAVA_HOME") or os.environ.get("JAVA_HOME")
    if explicit:
        home = Path(explicit)
    else:
        java = shutil.which("java")
        if java is None:
            raise NodeError("no Java found: install a JDK 17 or 21 (apt-get install openjdk-17-jdk-headless)")
        home = Path(java).resolve().parent.parent
    result = subprocess.run([str(home / "bin" / "java"), "-version"], capture_output=True, text=True)
    first = (result.stderr or result.stdout).splitlines()[0] if (result.stderr or result.stdout) else ""
    try:
        raw = first.split('"')[1]
        major = int(raw.split(".")[1] if raw.startswith("1.") else raw.split(".")[0].split("-")[0])
    except (IndexError, ValueError):
        raise NodeError(f"cannot tell the Java version of {home}: {first!r}") from None
    if not JAVA_MIN <= major <= JAVA_MAX:
        raise NodeError(
            f"OpenSearch {VERSION} needs Java {JAVA_MIN} to {JAVA_MAX}; {home} is Java {major}. "
            "Set OPENSEARCH_JAVA_HOME to a JDK 17 or 21."
        )
    return home


def _get_json(url: str, timeout: float = 2.0) -> dict | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return json.load(response)
    except (urllib.error.URLError, OSError, ValueError):
        return None


def health(node: Node) -> dict | None:
    """The cluster health document, or None when nothing answers."""
    return _get_json(f"{node.url}/_cluster/health")


def _pid(node: Node) -> int | None:
    try:
        pid = int(node.pid_file.read_text().strip())
    except (OSError, ValueError):
        return None
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return None
    # A recycled pid is not our node: only a java process running from our home counts.
    if "org.opensearch.bootstrap.OpenSearch" in cmdline and str(node.home) in cmdline:
        return pid
    return None


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return f"(no log at {path})"


def start(settings: Settings) -> Node:
    """Start the node if it is not running; return once it is yellow or green."""
    node = node_for(settings)
    if _pid(node) is not None and health(node):
        _log(f"already running on {node.url}")
        return node
    answering = health(node)
    if answering:
        _log(f"an OpenSearch node not started by this project answers on {node.url}; using it")
        return node
    archive = fetch(settings)
    _unpack(archive, node)
    java_home = _java_home()
    node.data.mkdir(parents=True, exist_ok=True)
    node.logs.mkdir(parents=True, exist_ok=True)
    node.pid_file.unlink(missing_ok=True)
    command = [
        str(node.home / "bin" / "opensearch"),
        "-d",
        "-p", str(node.pid_file),
        "-E", f"cluster.name={CLUSTER_NAME}",
        "-E", "node.name=ror-local",
        "-E", "discovery.type=single-node",
        "-E", "network.host=127.0.0.1",
        "-E", f"http.port={node.port}",
        "-E", f"path.data={node.data}",
        "-E", f"path.logs={node.logs}",
        # A developer's nearly full disk must not turn the index read-only mid-test.
        "-E", "cluster.routing.allocation.disk.threshold_enabled=false",
    ]
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "JAVA_HOME": str(java_home),
        "OPENSEARCH_JAVA_HOME": str(java_home),
        "OPENSEARCH_JAVA_OPTS": f"-Xms{settings.opensearch_heap} -Xmx{settings.opensearch_heap}",
        "OPENSEARCH_PATH_CONF": str(node.home / "config"),
        "HOME": str(node.base),
    }
    if _running_as_root():
        subprocess.run(["chown", "-R", f"{SERVICE_USER}:", str(node.base)], check=True)
        command = ["runuser", "-u", SERVICE_USER, "--", "env", *[f"{k}={v}" for k, v in env.items()], *command]
        env = {"PATH": env["PATH"]}
    _log(f"starting OpenSearch {VERSION} on {node.url} (heap {settings.opensearch_heap})")
    # The daemonised node inherits our descriptors: give it a file, not a pipe we
    # would wait on forever.
    startup_log = node.logs / "startup.out"
    with startup_log.open("w") as out:
        result = subprocess.run(command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=node.base)
    if result.returncode != 0:
        raise NodeError(
            f"OpenSearch did not start (exit {result.returncode}).\n{_tail(startup_log)}\n"
            f"Last lines of {node.log_file}:\n{_tail(node.log_file)}"
        )
    deadline = time.monotonic() + settings.opensearch_start_timeout
    while time.monotonic() < deadline:
        state = health(node)
        if state and state.get("status") in ("yellow", "green"):
            _log(f"ready: cluster {state['status']} on {node.url}")
            return node
        if node.pid_file.exists() and _pid(node) is None:
            break  # it wrote a pid then died
        time.sleep(1)
    raise NodeError(
        f"OpenSearch did not become ready on {node.url} within {settings.opensearch_start_timeout} s.\n"
        f"Last lines of {node.log_file}:\n{_tail(node.log_file)}"
    )


def stop(settings: Settings) -> bool:
    """Stop the node this project started (by its pid file); True if one was stopped."""
    node = node_for(settings)
    pid = _pid(node)
    if pid is None:
        _log(f"no node started by this project is running on port {node.port}")
        node.pid_file.unlink(missing_ok=True)
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
        time.sleep(0.2)
    if Path(f"/proc/{pid}").exists():
        os.kill(pid, signal.SIGKILL)
    node.pid_file.unlink(missing_ok=True)
    _log(f"stopped the node on port {node.port} (pid {pid})")
    return True


def status(settings: Settings) -> dict:
    """What is known of the local node: running, pid, health and version."""
    node = node_for(settings)
    info = _get_json(node.url) or {}
    state = health(node) or {}
    return {
        "url": node.url,
        "started_by_project": _pid(node) is not None,
        "pid": _pid(node),
        "status": state.get("status", "unreachable"),
        "version": info.get("version", {}).get("number"),
        "home": str(node.base),
    }
