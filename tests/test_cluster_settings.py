"""What a cluster deployment is configured by: several engine addresses, shards and replicas,
a local cluster's nodes; and what holds on the suite's single node (a refused node skipped,
replicas that cannot be placed failing the reindex before the alias moves)."""
from __future__ import annotations

import ast
import dataclasses
import socket
from pathlib import Path

import pytest
from opensearchpy.exceptions import TransportError

from catalog import repository
from catalog.store import open_store
from config import Settings, opensearch_hosts
from indexer.engine import SUGGEST, UNITS, alias_name, client_options, index_settings, load_mapping, search_client
from indexer.reindex import ReplicasNotAllocated, build_settings, reindex
from indexer.reindex_job import failure_reason
from ops import opensearch
from query_api.search.execute import whole
from tests import offer_fixture
from tests.stores import fresh_settings

# The lines of the distribution's config/jvm.options (2.19) that name a path.
SHIPPED_JVM_OPTIONS = """\
-XX:+HeapDumpOnOutOfMemoryError
-XX:HeapDumpPath=data
-XX:ErrorFile=logs/hs_err_pid%p.log
8:-Xloggc:logs/gc.log
9-:-Xlog:gc*,gc+age=trace,safepoint:file=logs/gc.log:utctime,pid,tags:filecount=32,filesize=64m
"""


def test_opensearch_url_lists_a_clusters_nodes_comma_separated():
    assert opensearch_hosts("http://a:9200, http://b:9201 ,http://c:9202,") == [
        "http://a:9200", "http://b:9201", "http://c:9202"]
    assert opensearch_hosts("http://127.0.0.1:9200") == ["http://127.0.0.1:9200"]
    with pytest.raises(ValueError, match="OPENSEARCH_URL"):
        opensearch_hosts(" , ")
    settings = Settings(opensearch_url="http://127.0.0.1:9281,127.0.0.1:9282,http://127.0.0.1")
    assert settings.opensearch_ports == [9281, 9282, 9200]
    assert settings.opensearch_port == 9281


def test_shards_replicas_and_cluster_heap_are_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("ROR_INDEX_SHARDS", "3")
    monkeypatch.setenv("ROR_INDEX_REPLICAS", "1")
    monkeypatch.setenv("ROR_INDEX_GREEN_TIMEOUT_S", "45")
    monkeypatch.setenv("OPENSEARCH_CLUSTER_HEAP", "768m")
    settings = Settings.from_env()
    assert (settings.index_shards, settings.index_replicas, settings.index_green_timeout) == (3, 1, 45)
    assert settings.opensearch_cluster_heap == "768m"
    defaults = Settings()
    assert (defaults.index_shards, defaults.index_replicas) == (1, 0)   # one node: today's index


def test_index_settings_take_shards_and_replicas_from_the_config_and_the_load_has_no_replica():
    settings = Settings(index_shards=3, index_replicas=2)
    units = index_settings(load_mapping(UNITS), settings, UNITS)
    assert (units["number_of_shards"], units["number_of_replicas"]) == (3, 2)
    assert units["max_result_window"] == 10000                      # the mapping's own settings kept
    suggest = index_settings(load_mapping(SUGGEST), settings, SUGGEST)
    assert (suggest["number_of_shards"], suggest["number_of_replicas"]) == (1, 2)
    loading = build_settings(units)
    assert (loading["number_of_shards"], loading["number_of_replicas"], loading["refresh_interval"]) == (3, 0, "-1")


def test_a_client_of_several_nodes_tries_each_other_node_once_and_never_sniffs():
    one = client_options(Settings(opensearch_url="http://127.0.0.1:9200"))
    assert (one["hosts"], one["max_retries"], one["retry_on_timeout"]) == (["http://127.0.0.1:9200"], 1, False)
    three = client_options(Settings(opensearch_url="http://n1:9200,http://n2:9200,http://n3:9200"), timeout=30)
    assert three["hosts"] == ["http://n1:9200", "http://n2:9200", "http://n3:9200"]
    assert (three["max_retries"], three["retry_on_timeout"], three["timeout"]) == (3, True, 30)
    assert not three["sniff_on_start"] and not three["sniff_on_connection_fail"]


def test_a_local_cluster_takes_the_listed_ports_or_the_next_ones():
    assert opensearch.cluster_ports([9281], 3) == [9281, 9282, 9283]
    assert opensearch.cluster_ports([9281, 9290, 9300], 3) == [9281, 9290, 9300]
    assert opensearch.cluster_ports([9200], 1) == [9200]
    with pytest.raises(opensearch.NodeError, match="names 2 nodes but 3"):
        opensearch.cluster_ports([9281, 9282], 3)


def test_each_node_of_a_local_cluster_has_its_own_folders_and_finds_the_others():
    nodes = opensearch.cluster_nodes(Path("/srv/c"), [9281, 9282, 9283])
    assert [node.name for node in nodes] == ["ror-node-1", "ror-node-2", "ror-node-3"]
    assert len({node.data for node in nodes}) == len({node.logs for node in nodes}) == len({node.config for node in nodes}) == 3
    assert {node.home for node in nodes} == {Path(f"/srv/c/opensearch-{opensearch.VERSION}")}   # one distribution
    second = opensearch.node_settings(nodes[1], nodes)
    assert second["transport.port"] == "9382" and second["http.port"] == "9282"
    assert second["discovery.seed_hosts"] == "127.0.0.1:9381,127.0.0.1:9382,127.0.0.1:9383"
    assert second["cluster.initial_cluster_manager_nodes"] == "ror-node-1,ror-node-2,ror-node-3"
    assert second["path.data"] == "/srv/c/node-2/data" and "discovery.type" not in second
    alone = opensearch.Node(base=Path("/srv/one"), port=9200)
    single = opensearch.node_settings(alone, (alone,))
    assert single["discovery.type"] == "single-node" and "discovery.seed_hosts" not in single
    assert alone.config == Path(f"/srv/one/opensearch-{opensearch.VERSION}/config")   # the single node as before


def test_a_cluster_nodes_gc_log_error_file_and_heap_dumps_are_absolute_paths_of_its_own():
    node = opensearch.cluster_nodes(Path("/srv/c"), [9281, 9282])[1]
    options = opensearch.node_jvm_options(SHIPPED_JVM_OPTIONS, node)
    assert "file=/srv/c/node-2/logs/gc.log:utctime" in options
    assert "-Xloggc:/srv/c/node-2/logs/gc.log" in options
    assert "-XX:ErrorFile=/srv/c/node-2/logs/hs_err_pid%p.log" in options
    assert "-XX:HeapDumpPath=/srv/c/node-2/data\n" in options
    assert "=logs/" not in options and ":logs/" not in options


def test_an_answer_with_a_failed_shard_is_an_error_not_a_page_with_units_missing():
    complete = {"_shards": {"total": 3, "successful": 3, "failed": 0}, "hits": {"hits": []}}
    assert whole(complete) is complete
    partial = {"_shards": {"total": 3, "successful": 2, "failed": 1,
                           "failures": [{"shard": 1, "reason": {"type": "node_disconnected_exception"}}]},
               "hits": {"hits": []}}
    with pytest.raises(TransportError) as raised:
        whole(partial)
    assert raised.value.status_code == 503 and "node_disconnected_exception" in str(raised.value)


ENGINE_READS = {"search", "msearch", "count", "create_pit"}


def _engine_reads_not_held_whole(path: Path) -> list[str]:
    """Calls of ``<client>.search/msearch/count/create_pit`` in a module that are neither an
    argument of ``whole(...)`` nor told to refuse a partial answer."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    wrapped = {id(arg) for node in ast.walk(tree) if isinstance(node, ast.Call)
               and isinstance(node.func, ast.Name) and node.func.id == "whole" for arg in node.args}
    loose = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ENGINE_READS):
            continue
        receiver = node.func.value   # the engine client: ``client`` or ``context.search()``
        if not (isinstance(receiver, ast.Name) and receiver.id == "client"
                or isinstance(receiver, ast.Call) and ast.unparse(receiver) == "context.search()"):
            continue
        told = "allow_partial" in ast.unparse(node)
        if id(node) not in wrapped and not told:
            loose.append(f"{path.name}:{node.lineno} {ast.unparse(node)[:80]}")
    return loose


def test_every_engine_read_of_the_service_is_whole_or_an_error():
    """A search, count, msearch or point in time of the API, the pages or FHIR either goes through
    ``whole`` or asks the engine to refuse a partial answer (msearch checks each answer)."""
    service = Path(__file__).resolve().parent.parent / "query_api"
    loose = [line for path in sorted(service.rglob("*.py")) for line in _engine_reads_not_held_whole(path)]
    # execute.msearch checks each of its answers with ``whole`` after the call.
    assert [line for line in loose if not line.startswith("execute.py") or "msearch(body=lines)" not in line] == []


def _refused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]   # closed again: nothing listens there


@pytest.mark.engine
def test_a_node_that_refuses_connections_is_skipped_for_the_next_one(settings):
    down = f"http://127.0.0.1:{_refused_port()}"
    client = search_client(dataclasses.replace(settings, opensearch_url=f"{down},{settings.opensearch_url}"))
    # Round robin from a shuffled start: four requests reach the refused node at least once.
    for _ in range(4):
        assert client.info()["version"]["number"] == opensearch.VERSION
    assert client.transport.connection_pool.dead.qsize() == 1   # set aside, not tried by every request


def test_replicas_the_cluster_cannot_place_fail_the_reindex_before_the_alias_moves(settings, search, tmp_path):
    mine = fresh_settings(settings, tmp_path, index_prefix=f"{settings.index_prefix}-replicas")
    store = open_store(mine.store_location)
    offer_fixture.load(store)
    first = reindex(store, search, mine, progress=False, grace_seconds=0)
    with store.transaction() as conn:
        repository.insert_unit(conn, dict(id="UO-REPLICA", eg_id="EG-PAR15", uo_type="CONSULT_KINE",
                                          name="Consultation kinésithérapie", profession="70"))
    # One node cannot hold a copy of a shard beside the shard itself.
    wanting = dataclasses.replace(mine, index_replicas=1, index_green_timeout=1)
    with pytest.raises(ReplicasNotAllocated) as failed:
        reindex(store, search, wanting, progress=False, grace_seconds=0)
    assert "1 replica(s) on 1 data node(s)" in str(failed.value)
    assert "réplicas" in failure_reason(failed.value)
    assert sorted(search.indices.get_alias(name=alias_name(mine, UNITS))) == [first.index]
    assert sorted(search.indices.get(index=f"{alias_name(mine, UNITS)}-v*")) == [first.index]   # the build deleted
    search.indices.delete(index=f"{mine.index_prefix}-*", ignore_unavailable=True, expand_wildcards="all")


def test_the_compose_cluster_profile_is_the_native_cluster_in_containers():
    import yaml

    from config import PROJECT_DIR

    services = yaml.safe_load((PROJECT_DIR / "docker-compose.yml").read_text())["services"]
    assert services["opensearch"].get("profiles") is None and services["api"].get("profiles") is None   # the default
    nodes = sorted(name for name, service in services.items() if name.startswith("opensearch-node"))
    assert len(nodes) == 3
    for name in nodes:
        env = services[name]["environment"]
        assert services[name]["profiles"] == ["cluster"] and env["node.name"] == name
        assert env["cluster.name"] == opensearch.CLUSTER_NAME
        assert env["discovery.seed_hosts"].split(",") == nodes
        assert env["cluster.initial_cluster_manager_nodes"].split(",") == nodes
        assert "-Xmx512m" in env["OPENSEARCH_JAVA_OPTS"] and "discovery.type" not in env
    api = services["api-cluster"]
    hosts = Settings(opensearch_url=api["environment"]["OPENSEARCH_URL"]).opensearch_hosts
    assert hosts == [f"http://{name}:9200" for name in nodes] and api["environment"]["ROR_INDEX_REPLICAS"] == "1"
    assert set(api["depends_on"]) == set(nodes)
    store = services["api-postgres"]["environment"]["ROR_STORE_URL"]
    assert store.startswith("postgresql://") and "@postgres:5432/" in store and "postgres" in services["api-postgres"]["depends_on"]
