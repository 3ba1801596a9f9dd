"""A local OpenSearch without Docker: fetch, verify, start, stop, status; one node or a cluster.

The node is OpenSearch's integration-test distribution (server + transport-netty4,
no bundled JDK, no security plugin), fetched from Maven Central with Maven, checked
against a SHA-256 pinned here, cached outside the work tree and run on the machine's
Java on 127.0.0.1. Standard library only: this runs before anything else works.

One node by default (single-node discovery, the distribution's own config folder). With
``--nodes N`` (or N addresses in OPENSEARCH_URL), N nodes of one cluster share one unpacked
distribution, each with its own config folder (its GC and error logs made absolute: the
JVM would otherwise write them relative to wherever it was started), data, logs and pid
file; they find each other on their transport ports (HTTP port + 100, as 9200 → 9300),
and all N are cluster-manager eligible, so that losing one keeps a majority.
"""
from __future__ import annotations

import hashlib
import json
import os
import pwd
import re
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
# A node's transport port is its HTTP port plus this (OpenSearch's own 9200 → 9300).
TRANSPORT_OFFSET = 100


@dataclass(frozen=True)
class Module:
    """A core module the integration-test zip lacks, laid out from pinned Maven Central jars.

    The zip holds the server and transport-netty4 only; these three bring French
    analysis (elision, asciifolding, light_french, synonym_graph, edge_ngram),
    search_as_you_type and painless, as in the full distribution and the Docker image.
    Facts, checksums and pitfalls: shared/reference/opensearch-modules.md.
    """

    name: str
    classname: str
    description: str
    artifacts: tuple[tuple[str, str], ...]   # (group:artifact:version, sha256 of the jar)
    extended: str = ""
    # lang-painless compiles scripts into classes: without these the node dies at start.
    policy: str = ""


MODULES = (
    Module(
        "lang-painless", "org.opensearch.painless.PainlessPlugin",
        "An easy, safe and fast scripting language for OpenSearch",
        (
            (f"org.opensearch.plugin:lang-painless:{VERSION}",
             "e71e6c7ef99a6f5958cd0b25367acf472cc52cd49d29e13084c5ff0b5931f717"),
            (f"org.opensearch.plugin:opensearch-scripting-painless-spi:{VERSION}",
             "84e545b968151739f1915cfd2db24bf873edfd317d2848b87b61d0d60ec70869"),
            ("org.antlr:antlr4-runtime:4.13.1", "54665d2838cc66458343468efc539e454fc95b46a8a04b13c6ac43fc9be63505"),
            ("org.ow2.asm:asm:9.7", "adf46d5e34940bdf148ecdd26a9ee8eea94496a72034ff7141066b3eea5c4e9d"),
            ("org.ow2.asm:asm-analysis:9.7", "7bc6bcbc21379948a0c8c467fb0f864206e5b818f6bc0b546872f5c9f941556f"),
            ("org.ow2.asm:asm-commons:9.7", "389bc247958e049fc9a0408d398c92c6d370c18035120395d4cba1d9d9304b7a"),
            ("org.ow2.asm:asm-tree:9.7", "62f4b3bc436045c1acb5c3ba2d8ec556ec3369093d7f5d06c747eb04b56d52b1"),
            ("org.ow2.asm:asm-util:9.7", "37a6414d36641973f1af104937c95d6d921b2ddb4d612c66c5a9f2b13fc14211"),
        ),
        policy='grant {\n  permission java.lang.RuntimePermission "createClassLoader";\n'
               '  permission java.lang.RuntimePermission "getClassLoader";\n};\n',
    ),
    Module(
        "analysis-common", "org.opensearch.analysis.common.CommonAnalysisPlugin",
        "Adds \"built in\" analyzers to OpenSearch.",
        ((f"org.opensearch.plugin:analysis-common:{VERSION}",
          "187378844d92a043b935038f9ae168f7812f686b1c1c7128f8b97731baff8a1a"),),
        extended="lang-painless",
    ),
    Module(
        # The module's classes are published as mapper-extras-client; mapper-extras does not resolve.
        "mapper-extras", "org.opensearch.index.mapper.MapperExtrasPlugin",
        "Adds advanced field mappers",
        ((f"org.opensearch.plugin:mapper-extras-client:{VERSION}",
          "4a486870432b71a190dca3aaba91f1fba58837e4a4146b2982e8a938164a9a34"),),
    ),
)
REQUIRED_MODULES = tuple(m.name for m in MODULES)


class NodeError(RuntimeError):
    """A plain-words failure of the local node; the CLI prints it and exits 1."""


@dataclass(frozen=True)
class Node:
    """Where one local node lives: the distribution it runs, its config, data, logs and pid file.

    A single node keeps the distribution under its own folder and runs its config folder; a
    cluster's nodes share the distribution unpacked once in ``shared`` and have a config each.
    """

    base: Path
    port: int
    name: str = "ror-local"
    shared: Path | None = None

    @property
    def home(self) -> Path:
        return (self.shared or self.base) / f"opensearch-{VERSION}"

    @property
    def config(self) -> Path:
        return self.home / "config" if self.shared is None else self.base / "config"

    @property
    def transport_port(self) -> int:
        return self.port + TRANSPORT_OFFSET

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


def _server_dir(settings: Settings, name: str) -> Path:
    """``name`` under ROR_STATE_DIR; when root, somewhere the service user can reach."""
    base = Path(settings.state_dir) / name
    if _running_as_root():
        # A project checked out under /root cannot be traversed by the service user:
        # keep the node's files in a world-traversable place named after the project.
        probe = Path(settings.state_dir)
        probe.mkdir(parents=True, exist_ok=True)
        _ensure_service_user()
        if not _user_can_read(SERVICE_USER, probe):
            base = traversable_home(probe) / name
    return base


def node_for(settings: Settings) -> Node:
    """The single node of these settings (OPENSEARCH_URL's first port)."""
    return Node(base=_server_dir(settings, f"opensearch-{settings.opensearch_port}"), port=settings.opensearch_port)


def cluster_ports(ports: list[int], count: int) -> list[int]:
    """HTTP ports of a local cluster of ``count`` nodes: OPENSEARCH_URL's, or consecutive from its one port."""
    if count < 1:
        raise NodeError("a cluster has at least one node")
    if len(ports) == count:
        return list(ports)
    if len(ports) == 1:
        return [ports[0] + i for i in range(count)]
    raise NodeError(f"OPENSEARCH_URL names {len(ports)} nodes but {count} were asked for: "
                    "name them all, or only the first one (the others take the next ports)")


def cluster_nodes(base: Path, ports: list[int]) -> tuple[Node, ...]:
    """The nodes of a local cluster under ``base``: ``node-1`` … sharing one distribution."""
    return tuple(Node(base=base / f"node-{i}", port=port, name=f"ror-node-{i}", shared=base)
                 for i, port in enumerate(ports, start=1))


def node_settings(node: Node, peers: tuple[Node, ...]) -> dict[str, str]:
    """The ``-E`` settings of ``node`` in a cluster of ``peers`` (itself among them; alone: single-node)."""
    out = {"cluster.name": CLUSTER_NAME, "node.name": node.name}
    if len(peers) == 1:
        out["discovery.type"] = "single-node"
    else:
        # Bound to the ports this cluster owns: a transport port left to OpenSearch's 9300-9400
        # range could be taken by another local node (the shared one, a test's), or join it.
        out["transport.port"] = str(node.transport_port)
        out["discovery.seed_hosts"] = ",".join(f"127.0.0.1:{peer.transport_port}" for peer in peers)
        out["cluster.initial_cluster_manager_nodes"] = ",".join(peer.name for peer in peers)
    out.update({
        "network.host": "127.0.0.1",
        "http.port": str(node.port),
        "path.data": str(node.data),
        "path.logs": str(node.logs),
        # A developer's nearly full disk must not turn the index read-only mid-test.
        "cluster.routing.allocation.disk.threshold_enabled": "false",
    })
    return out


def node_jvm_options(text: str, node: Node) -> str:
    """The distribution's jvm.options with the GC log, error file and heap dumps in the node's own folders.

    As shipped they are relative (``logs/gc.log``, ``data``): resolved against the JVM's
    working directory, so nodes started from one place would write the same files.
    """
    text = re.sub(r"(?<=[=:])logs/", f"{node.logs}/", text)
    return re.sub(r"^-XX:HeapDumpPath=data$", f"-XX:HeapDumpPath={node.data}", text, flags=re.MULTILINE)


def traversable_home(project_state: Path) -> Path:
    """Where a service user keeps a project's server files when the work tree (under /root) is closed to it.

    One folder per project, named after its path: two checkouts never share a server's data.
    """
    # A folder name derived from the path, not a security digest.
    digest = hashlib.sha1(str(project_state.resolve()).encode(), usedforsecurity=False).hexdigest()[:10]
    return Path("/var/tmp/ror-search") / digest


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


def _maven_fetch(coordinates: str, target: Path, sha256: str) -> Path:
    """``target``, checked against ``sha256``; fetched with Maven where missing or altered.

    Each artifact is fetched by itself: copy-dependencies would bring the server jar
    along with a module, and the node then refuses to start (jar hell).
    """
    if target.exists() and _sha256(target) == sha256:
        return target
    if shutil.which("mvn") is None:
        raise NodeError("Maven (mvn) is needed to fetch OpenSearch and its modules from Maven Central; "
                        "install it (apt-get install maven).")
    _log(f"fetching {coordinates} with Maven")
    download_dir = target.parent / "download"
    shutil.rmtree(download_dir, ignore_errors=True)
    result = subprocess.run(
        ["mvn", "-q", "-B", "dependency:copy", f"-Dartifact={coordinates}", f"-DoutputDirectory={download_dir}"],
        capture_output=True,
        text=True,
    )
    fetched = next(download_dir.glob("*"), None) if download_dir.is_dir() else None
    if result.returncode != 0 or fetched is None:
        raise NodeError(f"Maven could not fetch {coordinates}:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    actual = _sha256(fetched)
    if actual != sha256:
        fetched.unlink()
        raise NodeError(f"{coordinates} has SHA-256 {actual}, expected {sha256}; refusing to run it")
    fetched.replace(target)
    shutil.rmtree(download_dir, ignore_errors=True)
    return target


def fetch(settings: Settings) -> Path:
    """The verified distribution zip in the cache, fetched with Maven if missing."""
    cache = Path(settings.cache_dir)
    cache.mkdir(parents=True, exist_ok=True)
    return _maven_fetch(ARTIFACT, cache / f"opensearch-integ-test-{VERSION}.zip", SHA256)


def fetch_modules(settings: Settings) -> dict[str, list[Path]]:
    """The verified jars of every module, in the cache, fetched with Maven where missing."""
    cache = Path(settings.cache_dir) / f"modules-{VERSION}"
    cache.mkdir(parents=True, exist_ok=True)
    def jar(coordinates: str) -> Path:
        _, artifact, version = coordinates.split(":")
        return cache / f"{artifact}-{version}.jar"

    return {module.name: [_maven_fetch(coordinates, jar(coordinates), sha256) for coordinates, sha256 in module.artifacts]
            for module in MODULES}


def _plugin_descriptor(module: Module) -> str:
    return "".join(f"{key}={value}\n" for key, value in (
        ("description", module.description),
        ("version", VERSION),
        ("name", module.name),
        ("classname", module.classname),
        ("java.version", "11"),
        ("opensearch.version", VERSION),
        ("custom.foldername", ""),
        ("extended.plugins", module.extended),
        ("has.native.controller", "false"),
    ))


def install_modules(jars: dict[str, list[Path]], home: Path) -> None:
    """Lay out each module folder under ``home/modules``, as the full distribution has it.

    Rewritten whole each time (a few MB): a folder left half-copied by an interrupted
    start must not make the node refuse to boot.
    """
    for module in MODULES:
        folder = home / "modules" / module.name
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        for jar in jars[module.name]:
            shutil.copy2(jar, folder / jar.name)
        (folder / "plugin-descriptor.properties").write_text(_plugin_descriptor(module))
        if module.policy:
            (folder / "plugin-security.policy").write_text(module.policy)


def _unpack(archive: Path, node: Node) -> None:
    if (node.home / "bin" / "opensearch").exists():
        return
    where = node.home.parent
    _log(f"unpacking OpenSearch {VERSION} into {where}")
    where.mkdir(parents=True, exist_ok=True)
    staging = where / "unpacking"
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


def node_modules(url: str) -> list[str] | None:
    """The modules the node at ``url`` runs (every node of a cluster), or None when nothing answers."""
    info = _get_json(f"{url}/_nodes/plugins?filter_path=nodes.*.modules.name")
    if info is None:
        return None
    per_node = [{m["name"] for m in n.get("modules", [])} for n in info.get("nodes", {}).values()]
    return sorted(set.intersection(*per_node)) if per_node else []


def missing_modules(url: str) -> list[str]:
    """The required modules that the node at ``url`` does not run."""
    present = set(node_modules(url) or ())
    return [name for name in REQUIRED_MODULES if name not in present]


def require_modules(url: str, missing: list[str] | None = None) -> None:
    """Refuse a node without French analysis: every index of ours needs these modules."""
    missing = missing_modules(url) if missing is None else missing
    if missing:
        raise NodeError(
            f"the OpenSearch node at {url} lacks the module(s) {', '.join(missing)}, which the indexes' "
            "French analysis needs. Stop it and start the project's node with `./ror opensearch start` "
            "(it lays the modules out), or use a full OpenSearch distribution (the Docker image has them)."
        )


def _pid(node: Node) -> int | None:
    try:
        pid = int(node.pid_file.read_text().strip())
    except (OSError, ValueError):
        return None
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return None
    # A recycled pid is not our node: only a java process running our config folder counts.
    if "org.opensearch.bootstrap.OpenSearch" in cmdline and f"-Dopensearch.path.conf={node.config}\0" in cmdline:
        return pid
    return None


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return f"(no log at {path})"


def start(settings: Settings, nodes: int | None = None) -> Node:
    """Start the node, or the ``nodes`` of a local cluster (default: one per OPENSEARCH_URL address),
    where not running; return the first once the cluster is yellow or green with all of them."""
    count = len(settings.opensearch_hosts) if nodes is None else nodes
    if count > 1:
        return start_cluster(settings, count)[0]
    node = node_for(settings)
    if _pid(node) is not None and health(node):
        if not missing_modules(node.url):
            _log(f"already running on {node.url}")
            return node
        # Our own node from before the modules were laid out: restart it with them.
        _log(f"restarting the node on {node.url} to add the modules {', '.join(missing_modules(node.url))}")
        stop(settings)
    answering = health(node)
    if answering:
        _log(f"an OpenSearch node not started by this project answers on {node.url}; using it")
        require_modules(node.url)
        return node
    java_home = _prepare(settings, node)
    _launch(node, (node,), settings.opensearch_heap, java_home)
    _wait_ready(settings, (node,))
    return node


def cluster_dir(settings: Settings) -> Path:
    """Where a local cluster lives: its distribution, ``cluster.json`` and a folder per node."""
    return _server_dir(settings, f"opensearch-cluster-{settings.opensearch_port}")


def local_cluster(settings: Settings) -> tuple[Node, ...]:
    """The nodes of the local cluster started for these settings (its cluster.json), or none."""
    base = cluster_dir(settings)
    try:
        ports = json.loads((base / "cluster.json").read_text())["ports"]
    except (OSError, ValueError, KeyError):
        return ()
    return cluster_nodes(base, ports)


def start_cluster(settings: Settings, count: int) -> tuple[Node, ...]:
    """Start the nodes of a local cluster that are not running (all at first; a killed one after)."""
    base = cluster_dir(settings)
    nodes = cluster_nodes(base, cluster_ports(settings.opensearch_ports, count))
    missing = [node for node in nodes if _pid(node) is None]
    for node in missing:
        if health(node):
            raise NodeError(f"port {node.port} is taken by an OpenSearch node this project did not start "
                            f"(as part of the cluster of {base}); choose other ports in OPENSEARCH_URL")
    if not missing:
        _log(f"already running: {count} nodes on {', '.join(node.url for node in nodes)}")
        return nodes
    java_home = _prepare(settings, nodes[0])
    base.mkdir(parents=True, exist_ok=True)
    (base / "cluster.json").write_text(json.dumps({"ports": [node.port for node in nodes]}))
    for node in missing:
        _node_config(node)
    for node in missing:
        _launch(node, nodes, settings.opensearch_cluster_heap, java_home, chown=base)
    _wait_ready(settings, nodes)
    if len(settings.opensearch_hosts) < count:
        _log("clients reach every node only if OPENSEARCH_URL names them all: "
             f"OPENSEARCH_URL={','.join(node.url for node in nodes)}")
    return nodes


def _prepare(settings: Settings, node: Node) -> Path:
    """The distribution unpacked with its modules for ``node``; the Java home that runs it."""
    archive = fetch(settings)
    jars = fetch_modules(settings)
    _unpack(archive, node)
    install_modules(jars, node.home)
    return _java_home()


def _node_config(node: Node) -> None:
    """A cluster node's own config folder: the distribution's, with its jvm.options made absolute."""
    if not (node.config / "jvm.options").exists():
        shutil.copytree(node.home / "config", node.config, dirs_exist_ok=True)
    shipped = (node.home / "config" / "jvm.options").read_text()
    (node.config / "jvm.options").write_text(node_jvm_options(shipped, node))


def _launch(node: Node, peers: tuple[Node, ...], heap: str, java_home: Path, chown: Path | None = None) -> None:
    """Start ``node`` daemonised (the launcher returns at once; :func:`_wait_ready` waits)."""
    node.data.mkdir(parents=True, exist_ok=True)
    node.logs.mkdir(parents=True, exist_ok=True)
    node.pid_file.unlink(missing_ok=True)
    command = [str(node.home / "bin" / "opensearch"), "-d", "-p", str(node.pid_file)]
    for key, value in node_settings(node, peers).items():
        command += ["-E", f"{key}={value}"]
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "JAVA_HOME": str(java_home),
        "OPENSEARCH_JAVA_HOME": str(java_home),
        "OPENSEARCH_JAVA_OPTS": f"-Xms{heap} -Xmx{heap}",
        "OPENSEARCH_PATH_CONF": str(node.config),
        "HOME": str(node.base),
    }
    if _running_as_root():
        subprocess.run(["chown", "-R", f"{SERVICE_USER}:", str(chown or node.base)], check=True)
        command = ["runuser", "-u", SERVICE_USER, "--", "env", *[f"{k}={v}" for k, v in env.items()], *command]
        env = {"PATH": env["PATH"]}
    _log(f"starting OpenSearch {VERSION} on {node.url} (heap {heap}{'' if len(peers) == 1 else ', ' + node.name})")
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


def _wait_ready(settings: Settings, nodes: tuple[Node, ...]) -> None:
    """Until one of ``nodes`` says the cluster is yellow or green with all of them in it."""
    deadline = time.monotonic() + settings.opensearch_start_timeout
    while time.monotonic() < deadline:
        for node in nodes:
            state = health(node)
            if state and state.get("status") in ("yellow", "green") and state.get("number_of_nodes") == len(nodes):
                _log(f"ready: cluster {state['status']} with {len(nodes)} node(s) on {node.url}")
                require_modules(node.url)
                return
        if any(node.pid_file.exists() and _pid(node) is None for node in nodes):
            break  # one wrote a pid then died
        time.sleep(1)
    raise NodeError(
        f"OpenSearch did not become ready with {len(nodes)} node(s) within {settings.opensearch_start_timeout} s.\n"
        + "".join(f"Last lines of {node.log_file}:\n{_tail(node.log_file)}\n" for node in nodes)
    )


def stop(settings: Settings) -> bool:
    """Stop what this project started for these settings (by pid file): the node, or every
    node of the local cluster; True if one was stopped."""
    stopped = [stop_node(node) for node in (*local_cluster(settings), node_for(settings))]
    if not any(stopped):
        _log(f"no node started by this project is running on port {settings.opensearch_port}")
    return any(stopped)


def stop_node(node: Node, sig: signal.Signals = signal.SIGTERM) -> bool:
    """Stop one node (SIGKILL: as a crash or the OOM killer would); True if it was running."""
    pid = _pid(node)
    if pid is None:
        node.pid_file.unlink(missing_ok=True)
        return False
    os.kill(pid, sig)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
        time.sleep(0.1)
    if Path(f"/proc/{pid}").exists():
        os.kill(pid, signal.SIGKILL)
    node.pid_file.unlink(missing_ok=True)
    _log(f"stopped the node on port {node.port} (pid {pid}{', killed' if sig == signal.SIGKILL else ''})")
    return True


def status(settings: Settings) -> dict:
    """What is known of the local node (or cluster): running, pid(s), health and version."""
    cluster = local_cluster(settings)
    if any(_pid(node) is not None for node in cluster):
        answering = next((node for node in cluster if health(node)), cluster[0])
        state = health(answering) or {}
        info = _get_json(answering.url) or {}
        return {
            "url": ",".join(node.url for node in cluster),
            "started_by_project": True,
            "nodes": [{"name": node.name, "url": node.url, "pid": _pid(node)} for node in cluster],
            "pid": _pid(cluster[0]),
            "status": state.get("status", "unreachable"),
            "number_of_nodes": state.get("number_of_nodes", 0),
            "version": info.get("version", {}).get("number"),
            "modules": node_modules(answering.url),
            "missing_modules": missing_modules(answering.url) if state else list(REQUIRED_MODULES),
            "home": str(cluster_dir(settings)),
        }
    node = node_for(settings)
    info = _get_json(node.url) or {}
    state = health(node) or {}
    return {
        "url": node.url,
        "started_by_project": _pid(node) is not None,
        "pid": _pid(node),
        "status": state.get("status", "unreachable"),
        "version": info.get("version", {}).get("number"),
        "modules": node_modules(node.url),
        "missing_modules": missing_modules(node.url) if state else list(REQUIRED_MODULES),
        "home": str(node.base),
    }
