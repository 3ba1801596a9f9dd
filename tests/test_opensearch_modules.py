"""The local node's modules: fetched from Maven Central, checked, laid out, required."""
from __future__ import annotations

import dataclasses
import hashlib
import shutil

import pytest

from ops import opensearch


def _sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.engine
def test_status_lists_the_modules_of_the_running_node(settings):
    state = opensearch.status(settings)
    assert {"analysis-common", "mapper-extras", "lang-painless", "transport-netty4"} <= set(state["modules"])
    assert state["missing_modules"] == []


def test_a_node_without_a_module_is_refused_with_a_plain_message():
    with pytest.raises(opensearch.NodeError) as error:
        opensearch.require_modules("http://127.0.0.1:1", missing=["analysis-common"])
    assert "analysis-common" in str(error.value) and "./ror opensearch start" in str(error.value)


def test_modules_are_laid_out_from_checksummed_jars(settings, tmp_path):
    jars = opensearch.fetch_modules(settings)
    opensearch.install_modules(jars, tmp_path)
    for module in opensearch.MODULES:
        folder = tmp_path / "modules" / module.name
        descriptor = dict(line.split("=", 1) for line in
                          (folder / "plugin-descriptor.properties").read_text().splitlines())
        assert descriptor["classname"] == module.classname
        assert descriptor["opensearch.version"] == opensearch.VERSION
        assert descriptor["extended.plugins"] == module.extended
        laid = {p.name: _sha256(p) for p in folder.glob("*.jar")}
        assert sorted(laid.values()) == sorted(sha for _, sha in module.artifacts)
        assert not any("opensearch-" + opensearch.VERSION + ".jar" == name for name in laid)  # no server jar: jar hell
    policy = (tmp_path / "modules" / "lang-painless" / "plugin-security.policy").read_text()
    assert '"createClassLoader"' in policy and '"getClassLoader"' in policy


@pytest.mark.slow
def test_a_corrupted_cached_jar_is_fetched_again_and_checked(settings, tmp_path):
    mine = dataclasses.replace(settings, cache_dir=str(tmp_path / "cache"))
    cache = tmp_path / "cache" / f"modules-{opensearch.VERSION}"
    cache.mkdir(parents=True)
    for jars in opensearch.fetch_modules(settings).values():
        for jar in jars:
            shutil.copy2(jar, cache / jar.name)
    victim = cache / f"analysis-common-{opensearch.VERSION}.jar"
    victim.write_bytes(b"not the jar")
    jars = opensearch.fetch_modules(mine)
    assert victim in jars["analysis-common"]
    assert _sha256(victim) == dict(opensearch.MODULES[1].artifacts)[f"org.opensearch.plugin:analysis-common:{opensearch.VERSION}"]
