"""The one place that builds an OpenSearch client and names indexes and aliases."""
from __future__ import annotations

import json
from datetime import UTC, datetime

import orjson
from opensearchpy import OpenSearch
from opensearchpy.exceptions import SerializationError
from opensearchpy.serializer import JSONSerializer

from config import Settings
from indexer.analysis import MAPPINGS_DIR, analysis_settings

# Short timeouts: a directory that cannot reach its engine must say so quickly.
REQUEST_TIMEOUT_S = 10
# Kept-alive connections: urllib3 keeps only one by default, so the server's threads
# (and the bulk writer's) would open and drop a connection per concurrent request.
POOL_SIZE = 16


class OrjsonSerializer(JSONSerializer):
    """The client's JSON through orjson: a search answer (facets, 20 EGs with their units)
    or an export page of 2,000 UOs parses in half the time of ``json``."""

    def loads(self, s):
        try:
            return orjson.loads(s)
        except orjson.JSONDecodeError as error:
            raise SerializationError(s, error) from error

    def dumps(self, data):
        if isinstance(data, (str, bytes)):
            return data
        try:
            return orjson.dumps(data, default=self.default, option=orjson.OPT_NON_STR_KEYS).decode()
        except TypeError as error:
            raise SerializationError(data, error) from error


def client_options(settings: Settings, timeout: float = REQUEST_TIMEOUT_S) -> dict:
    """How the client reaches OPENSEARCH_URL's node(s).

    One node: one retry on a dropped connection, none on a timeout (a node that does not
    answer in time would not answer a second time either: say 503 at once). Several nodes:
    a refused or dropped connection, a timeout or a 502/503/504 is sent again to the next
    node, each node once, the failing one set aside for a while (the client's dead
    timeout). No sniffing: the addresses nodes publish (a container's, a private network's)
    are not always reachable from here, the list given is.
    """
    hosts = settings.opensearch_hosts
    several = len(hosts) > 1
    return {
        "hosts": hosts,
        "timeout": timeout,
        "max_retries": len(hosts) if several else 1,
        "retry_on_timeout": several,
        "sniff_on_start": False,
        "sniff_on_connection_fail": False,
        "pool_maxsize": POOL_SIZE,
    }


def search_client(settings: Settings, *, timeout: float = REQUEST_TIMEOUT_S) -> OpenSearch:
    """A client for OPENSEARCH_URL (one node or a cluster's, see :func:`client_options`)."""
    return OpenSearch(**client_options(settings, timeout), serializer=OrjsonSerializer())


def index_settings(spec: dict, settings: Settings, kind: str) -> dict:
    """A kind's index settings (mappings/<kind>.json) with the shards and replicas of the config.

    The suggestion index holds a few thousand entries: one shard, however big the UO index.
    """
    return {**spec["settings"], "number_of_shards": settings.index_shards if kind == UNITS else 1,
            "number_of_replicas": settings.index_replicas}


def alias_name(settings: Settings, kind: str) -> str:
    """The stable name searches use, e.g. ``ror-units``."""
    return f"{settings.index_prefix}-{kind}"


def new_index_name(settings: Settings, kind: str, mapping_version: int, now: datetime | None = None) -> str:
    """A fresh concrete index behind the alias, e.g. ``ror-units-v3-20261125t173000123456``."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dt%H%M%S%f")
    return f"{alias_name(settings, kind)}-v{mapping_version}-{stamp}"


UNITS = "units"
SUGGEST = "suggest"


def load_mapping(kind: str) -> dict:
    """``mappings/<kind>.json``: {"version", "settings", "mappings"}, the settings with the
    shared French analysis (mappings/analysis.json and the synonym rules)."""
    spec = json.loads((MAPPINGS_DIR / f"{kind}.json").read_text(encoding="utf-8"))
    spec["settings"]["analysis"] = analysis_settings()
    return spec


def building_alias_name(settings: Settings, kind: str) -> str:
    """Points at an index being built, so incremental sync writes there too."""
    return f"{alias_name(settings, kind)}-next"
