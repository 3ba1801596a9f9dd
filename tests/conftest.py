"""Fixtures: a real OpenSearch node (started by ``./ror test``), per-run names, and the store's backend.

Modules marked ``both_stores`` run on SQLite and on PostgreSQL: for them the session
``settings`` is parametrized by ``store_backend``, and PostgreSQL's settings carry a
``store_url`` on the test server (tests/stores.py makes fresh stores of either kind).
Every other module runs on the default, SQLite.

Every test also carries one or more of these markers, so the suite runs in parts
(``./ror test -m unit`` needs no OpenSearch node and takes seconds):

- ``engine``: talks to OpenSearch (uses the ``search`` fixture, directly or not);
- ``browser``: drives Chromium (uses the ``browser`` fixture);
- ``fault``: kills or blocks a process or the engine on purpose (its module's name says so);
- ``slow``: put by hand on a test that takes tens of seconds alone (large inputs, downloads);
- ``unit``: none of the above — pure code, files and the store.

The markers are put from what a test uses, not by hand, so they cannot drift; a test
that reaches the engine some other way says so with ``pytest.mark.engine``.
"""
from __future__ import annotations

import dataclasses
import uuid

import pytest

from config import Settings
from indexer.engine import search_client
from tests.browser import browser  # noqa: F401 - the Chromium fixture, shared by every browser test

ENGINE_FIXTURES = {"search", "browser"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        uses = set(getattr(item, "fixturenames", ()))
        own = {mark.name for mark in item.iter_markers()}
        if "browser" in uses:
            item.add_marker(pytest.mark.browser)
        if uses & ENGINE_FIXTURES or "engine" in own or "browser" in own:
            item.add_marker(pytest.mark.engine)
        if "fault" in item.module.__name__.rsplit(".", 1)[-1]:
            item.add_marker(pytest.mark.fault)
        if not {mark.name for mark in item.iter_markers()} & {"engine", "browser", "fault", "slow"}:
            item.add_marker(pytest.mark.unit)


BACKENDS = ("sqlite", "postgresql")


def pytest_configure(config):
    config.addinivalue_line("markers", "both_stores: run on SQLite and on PostgreSQL (the store's two backends)")


def pytest_generate_tests(metafunc):
    if "store_backend" in metafunc.fixturenames:
        both = metafunc.definition.get_closest_marker("both_stores") is not None
        metafunc.parametrize("store_backend", BACKENDS if both else BACKENDS[:1], indirect=True, scope="session")


@pytest.fixture(scope="session")
def store_backend(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """URL of the test PostgreSQL server: ROR_TEST_POSTGRES_URL, or the throw-away cluster (started if needed)."""
    from ops import postgres
    from tests import stores

    base = Settings.from_env()
    url = base.test_postgres_url or postgres.start(base).url
    yield url
    stores.drop_created()


@pytest.fixture(scope="session")
def settings(tmp_path_factory, store_backend, request) -> Settings:
    """Settings of this test run: its own index prefix and store, the real engine."""
    base = Settings.from_env()
    run = uuid.uuid4().hex[:8]
    work = tmp_path_factory.mktemp("ror")
    store_url = ""
    if store_backend == "postgresql":
        from tests import stores

        store_url = stores.create_database(request.getfixturevalue("postgres_server"))
    return dataclasses.replace(
        base,
        index_prefix=f"test-{run}" + ("-pg" if store_url else ""),
        store_path=str(work / "store.sqlite3"),
        store_url=store_url,
        mail_dir=str(work / "mail"),
        secret_key="test-secret",
    )


@pytest.fixture(scope="session")
def search(settings):
    """A client of the real node; the run's indexes are deleted at the end."""
    client = search_client(settings)
    if not client.ping():
        pytest.fail(
            f"OpenSearch does not answer at {settings.opensearch_url}. "
            "Run the tests with `./ror test`, which starts a node."
        )
    yield client
    client.indices.delete(index=f"{settings.index_prefix}-*", ignore_unavailable=True, expand_wildcards="all")


@pytest.fixture
def app(settings, search):
    from query_api import create_app

    return create_app(settings)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def indexed_offer(settings, search):
    """The hand-made offer of tests/offer_fixture.py, stored and indexed once per run."""
    from catalog.store import open_store
    from indexer.reindex import reindex
    from tests import offer_fixture

    store = open_store(settings.store_location)
    offer_fixture.load(store)
    reindex(store, search, settings, progress=False, grace_seconds=0)
    return store




DEMO_INDEX_PHYSIOS = 1500


@pytest.fixture(scope="session")
def demo_index(settings, search, tmp_path_factory):
    """A small demo data set (catalog/demo.py, seed 7) generated, loaded and indexed once per run.

    Yields the settings of its own store and index prefix, for ``create_app``.
    """
    from catalog.demo import generate, load
    from catalog.store import open_store
    from indexer.reindex import reindex
    from tests.stores import fresh_settings

    work = tmp_path_factory.mktemp("demo-index")
    mine = fresh_settings(settings, work, index_prefix=f"{settings.index_prefix}-demo")
    store = open_store(mine.store_location)
    load(store, generate(work / "files", physios=DEMO_INDEX_PHYSIOS, seed=7))
    reindex(store, search, mine, progress=False, grace_seconds=0)
    return mine


@pytest.fixture
def served_world(settings, search, tmp_path):
    """make_world + three more units of practitioner A, indexed; settings for a service of its own."""
    from bench.load import free_port
    from catalog import repository
    from indexer.reindex import reindex
    from tests.world import RPPS_A, UNITS_OF_A, make_world

    world = make_world(settings, tmp_path)
    with world.store.transaction() as conn:
        for unit_id in UNITS_OF_A[1:]:
            repository.insert_unit(conn, dict(id=unit_id, eg_id="EG-KA", uo_type="CONSULT_KINE",
                                              name="Consultation kinésithérapie", profession="70",
                                              owner_rpps=RPPS_A))
    reindex(world.store, search, world.settings, progress=False, grace_seconds=0)
    return world, dataclasses.replace(world.settings, port=free_port())


@pytest.fixture
def world(settings, search, tmp_path):
    """The shared small world (tests/world.py) in a store of this test's own."""
    from tests.world import make_world

    return make_world(settings, tmp_path)
