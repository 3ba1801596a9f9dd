"""The offer of tests/offer_fixture.py plus a hospital group with two sites, its FINESS and
SIREN, a practitioner's and a cell's accounts: the world of the « Répertoire » and console tests."""
from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

from catalog import accounts, repository
from catalog.identifiers import make_rpps
from catalog.store import Store, open_store
from tests import offer_fixture

GROUP_EJ = "EJ-HOSP"
GROUP_NAME = "Groupe hospitalier de Versailles"
GROUP_FINESS = "780000345"
GROUP_SIREN = "267800015"
SECOND_SITE = dict(id="EG-HOSP-RAMB", name="Hôpital de Rambouillet", insee="78517", lat=48.6440, lon=1.8300)
SECOND_SITE_UNIT = dict(id="UO-R1", eg_id="EG-HOSP-RAMB", uo_type="SMR", name="SMR gériatrique", profession=None,
                        aptitudes=[], age_min=60, age_max=120)
ADMIN_EMAIL, ADMIN_PASSWORD = "console@ror.test", "Console-Admin-7"
PRACTITIONER_RPPS, PRACTITIONER_EMAIL, PRACTITIONER_PASSWORD = make_rpps(737_373), "kine@ror.test", "Kine-Console-3"


def load(store: Store) -> None:
    offer_fixture.load(store)
    now = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    with store.transaction() as conn:
        repository.upsert_legal_entity(conn, GROUP_EJ, GROUP_NAME, "organisation")
        repository.set_legal_entity_identity(conn, GROUP_EJ, finess=GROUP_FINESS, siren=GROUP_SIREN,
                                             address="177 rue de Versailles", postal_code="78150", insee="78158")
        repository.upsert_establishment(conn, {
            **SECOND_SITE, "ej_id": GROUP_EJ, "category": "ETABLISSEMENT", "sector": None,
            "address": "5 rue Pierre et Marie Curie", "postal_code": "78120", "phone": None, "source": "catalog"}, "fixture")
        repository.insert_units(conn, [SECOND_SITE_UNIT])
        repository.upsert_practitioner(conn, {"rpps": PRACTITIONER_RPPS, "civility": "M.", "last_name": "KINE",
                                              "first_name": "Paul", "profession": "70"})
        practitioner = accounts.create_practitioner_account(conn, PRACTITIONER_RPPS, PRACTITIONER_PASSWORD, now)
        accounts.set_details(conn, practitioner["id"], PRACTITIONER_EMAIL, now)
        accounts.create_admin_account(conn, ADMIN_EMAIL, ADMIN_PASSWORD, "Cellule console", now)


def world_settings(settings, directory: Path, name: str):
    """Own store and index prefix for one test module."""
    return dataclasses.replace(settings, store_path=str(directory / "store.sqlite3"),
                               index_prefix=f"{settings.index_prefix}-{name}")


def open_world(settings) -> Store:
    store = open_store(settings.store_path)
    load(store)
    return store


def units_by_department() -> dict[str, int]:
    """Expected counts, computed from the fixture's own lists (not from the engine)."""
    sites = {eg[0]: eg[3] for eg in offer_fixture.ESTABLISHMENTS} | {SECOND_SITE["id"]: SECOND_SITE["insee"]}
    counted: dict[str, int] = {}
    for unit in [*offer_fixture.UNITS, SECOND_SITE_UNIT]:
        department = sites[unit["eg_id"]][:2]
        counted[department] = counted.get(department, 0) + 1
    return counted


def send(client, method: str, path: str, json=None):
    """A write as the web page makes it: the session's CSRF token first, then the request."""
    token = client.get("/api/v1/session").get_json()["csrf_token"]
    return client.open(path, method=method, json=json, headers={"X-CSRF-Token": token})


def signed_in(app, login: str, password: str):
    client = app.test_client()
    response = send(client, "POST", "/api/v1/login", {"login": login, "password": password})
    assert response.status_code == 200, response.get_json()
    return client
