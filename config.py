"""Every setting of ROR search, read from environment variables.

Nothing else in the project reads ``os.environ``: code receives a ``Settings``
(or the Flask config built from it). Each field documents its variable and default.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


@dataclass(frozen=True)
class Settings:
    # OPENSEARCH_URL: the engine the service and the tests talk to; a cluster's nodes
    # comma-separated (http://10.0.0.1:9200,http://10.0.0.2:9200): a request a node cannot
    # answer is sent again to another one.
    opensearch_url: str = "http://127.0.0.1:9200"
    # ROR_INDEX_PREFIX: prefix of every index and alias name (tests use their own).
    index_prefix: str = "ror"
    # ROR_INDEX_SHARDS: primary shards of the UO index (the suggestion index, a few
    # thousand entries, keeps one).
    index_shards: int = 1
    # ROR_INDEX_REPLICAS: copies of each shard on other nodes (0 on a single node; 1 or
    # more on a cluster, so that losing a node loses no search). Off during a full reindex,
    # restored (and allocated: the index green) before the alias moves.
    index_replicas: int = 0
    # ROR_INDEX_GREEN_TIMEOUT_S: seconds a reindex waits for the restored replicas to be
    # allocated before it fails (and leaves the alias where it was).
    index_green_timeout: int = 300
    # ROR_STORE_PATH: the SQLite file, the system of record.
    store_path: str = str(PROJECT_DIR / "var" / "ror.sqlite3")
    # ROR_STORE_URL: a PostgreSQL store instead (postgresql://user:password@host:port/db);
    # when set it wins over ROR_STORE_PATH.
    store_url: str = ""
    # ROR_TEST_POSTGRES_URL: the PostgreSQL server the tests make their databases on
    # (`./ror test` starts a throw-away one under ROR_STATE_DIR and sets it).
    test_postgres_url: str = ""
    # ROR_STATE_DIR: where the local OpenSearch node keeps its home, data and logs.
    state_dir: str = str(PROJECT_DIR / "var")
    # ROR_CACHE_DIR: downloaded artifacts (the OpenSearch zip), outside the work tree.
    cache_dir: str = str(Path.home() / ".cache" / "ror-search")
    # OPENSEARCH_HEAP: heap of the local node (tests: 1g; benchmarks: more).
    opensearch_heap: str = "1g"
    # OPENSEARCH_CLUSTER_HEAP: heap of each node of a local cluster (`ror opensearch start --nodes 3`).
    opensearch_cluster_heap: str = "512m"
    # OPENSEARCH_START_TIMEOUT: seconds to wait for the local node to turn yellow.
    opensearch_start_timeout: int = 120
    # ROR_HOST / ROR_PORT: where the web service listens.
    host: str = "127.0.0.1"
    port: int = 8000
    # ROR_SECRET_KEY: signs session cookies; generated at start when empty (dev only; `ror serve
    # --workers N` draws one for all its workers).
    secret_key: str = ""
    # ROR_ENV: "development", "demo" or "production" (Secure cookies outside development).
    env: str = "development"
    # ROR_MAIL_DIR: where e-mails are written when no SMTP server is configured.
    mail_dir: str = str(PROJECT_DIR / "var" / "mail")
    # ROR_SMTP_URL: smtp://host:port to send real e-mail; empty writes to ROR_MAIL_DIR.
    smtp_url: str = ""
    # ROR_PUBLIC_URL: the service's public address, for links in e-mails and as the base of
    # the FHIR face's own code and identifier system URLs (e.g. https://ror.example.fr/ gives
    # https://ror.example.fr/fhir/CodeSystem/aptitude-kine). Empty: the request's own host
    # (fine on loopback only).
    public_url: str = ""
    # ROR_SUPPORT_PHONE / ROR_SUPPORT_EMAIL: shown on the help page.
    support_phone: str = "0805 690 711"
    support_email: str = "support.portailpro@sante-idf.fr"
    # ROR_MAP_TILE_ORIGINS: the map's tile server(s), space-separated https origins
    # (e.g. https://data.geopf.fr), added to the Content-Security-Policy
    # (query_api/headers.py). Empty: the pages load nothing from another origin.
    map_tile_origins: str = ""
    # ROR_OUTBOX_ALERT_S: seconds a change may wait in the outbox before the console,
    # `ror status` and /api/v1/health warn that the index lags the store.
    outbox_alert_seconds: int = 60
    # PROMETHEUS_MULTIPROC_DIR: prometheus-client's own variable. Set it (an empty directory,
    # cleared at each start) when several worker processes serve the app: each writes its
    # request figures there and /metrics adds them up. Empty: one process (`ror serve`), or a
    # scratch directory that `ror serve --workers N` makes (query_api/serving.py).
    prometheus_multiproc_dir: str = ""

    @classmethod
    def from_env(cls) -> Settings:
        names = {
            "opensearch_url": "OPENSEARCH_URL",
            "index_prefix": "ROR_INDEX_PREFIX",
            "index_shards": "ROR_INDEX_SHARDS",
            "index_replicas": "ROR_INDEX_REPLICAS",
            "index_green_timeout": "ROR_INDEX_GREEN_TIMEOUT_S",
            "store_path": "ROR_STORE_PATH",
            "store_url": "ROR_STORE_URL",
            "test_postgres_url": "ROR_TEST_POSTGRES_URL",
            "state_dir": "ROR_STATE_DIR",
            "cache_dir": "ROR_CACHE_DIR",
            "opensearch_heap": "OPENSEARCH_HEAP",
            "opensearch_cluster_heap": "OPENSEARCH_CLUSTER_HEAP",
            "opensearch_start_timeout": "OPENSEARCH_START_TIMEOUT",
            "host": "ROR_HOST",
            "port": "ROR_PORT",
            "secret_key": "ROR_SECRET_KEY",
            "env": "ROR_ENV",
            "mail_dir": "ROR_MAIL_DIR",
            "smtp_url": "ROR_SMTP_URL",
            "public_url": "ROR_PUBLIC_URL",
            "support_phone": "ROR_SUPPORT_PHONE",
            "support_email": "ROR_SUPPORT_EMAIL",
            "map_tile_origins": "ROR_MAP_TILE_ORIGINS",
            "outbox_alert_seconds": "ROR_OUTBOX_ALERT_S",
            "prometheus_multiproc_dir": "PROMETHEUS_MULTIPROC_DIR",
        }
        values = {}
        for f in fields(cls):
            raw = _env(names[f.name], str(f.default))
            values[f.name] = int(raw) if f.type in ("int", int) else raw
        return cls(**values)

    @property
    def store_location(self) -> str:
        """Where the store is: the PostgreSQL URL when one is set, else the SQLite file."""
        return self.store_url or self.store_path

    @property
    def opensearch_hosts(self) -> list[str]:
        """The nodes of OPENSEARCH_URL, in the order given."""
        return opensearch_hosts(self.opensearch_url)

    @property
    def opensearch_ports(self) -> list[int]:
        """Ports of OPENSEARCH_URL's nodes, used when this project starts the node(s) itself."""
        from urllib.parse import urlsplit

        return [urlsplit(host if "//" in host else f"//{host}").port or 9200 for host in self.opensearch_hosts]

    @property
    def opensearch_port(self) -> int:
        """Port of OPENSEARCH_URL's first node."""
        return self.opensearch_ports[0]


def opensearch_hosts(url: str) -> list[str]:
    """``http://a:9200, http://b:9200`` → one address per node; blanks between commas are dropped."""
    hosts = [host.strip() for host in url.split(",") if host.strip()]
    if not hosts:
        raise ValueError("OPENSEARCH_URL names no node (expected http://host:port, comma-separated for a cluster)")
    return hosts
