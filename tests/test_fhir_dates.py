"""The guide's ror-meta-creation-date on every resource of /fhir: a UO's own creation date
(units.created_at, carried by its index document), and for an EG, an EJ or a practitioner
the earliest moment the store knows them (their last change or their first UO's creation)."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fhir.resources.R4B import get_fhir_model_class

from catalog import repository
from indexer.reindex import reindex
from tests.world import RPPS_A, make_world

pytestmark = pytest.mark.both_stores   # runs on SQLite and on PostgreSQL (tests/conftest.py)

CREATION = "https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition/ror-meta-creation-date"
OPENED = datetime(2019, 4, 1, 8, 30, tzinfo=UTC)
CHANGED = datetime(2025, 6, 2, 14, 0, tzinfo=UTC)


def creation_date(resource: dict) -> datetime:
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    dates = [x["valueDateTime"] for x in resource.get("extension", []) if x["url"] == CREATION]
    assert len(dates) == 1, resource     # 1..1 in each of the guide's profiles
    return datetime.fromisoformat(dates[0])


def test_every_resource_carries_its_creation_date(settings, search, tmp_path):
    world = make_world(settings, tmp_path)
    with world.store.transaction() as conn:
        # A UO of A's practice opened in 2019 and changed since: created ≠ last updated.
        repository.insert_unit(conn, dict(id="UO-OLD", eg_id="EG-KA", uo_type="CONSULT_KINE", name="Bilan kiné",
                                          profession="70", owner_rpps=RPPS_A), now=OPENED)
        repository.touch_units(conn, ["UO-OLD"], now=CHANGED)
        eg_changed = datetime.fromisoformat(repository.get_establishment(conn, "EG-CHES")["updated_at"])
        ches_created = min(datetime.fromisoformat(u["created_at"]) for u in repository.units_of_establishment(conn, "EG-CHES"))
    reindex(world.store, search, world.settings, progress=False, grace_seconds=0)
    client = world.client()

    found = client.get("/fhir/HealthcareService?_id=UO-OLD").get_json()      # from the index
    unit = found["entry"][0]["resource"]
    assert creation_date(unit) == OPENED
    assert datetime.fromisoformat(unit["meta"]["lastUpdated"]) == CHANGED
    assert creation_date(client.get("/fhir/HealthcareService/UO-OLD").get_json()) == OPENED   # from the store

    # EG-KA, its EJ and A were written today, but A's 2019 UO proves they existed then.
    for path in ("Location/EG-KA", "Organization/EG-KA", "Organization/EJ-KA", f"Practitioner/{RPPS_A}",
                 f"PractitionerRole/{RPPS_A}-UO-OLD"):
        response = client.get(f"/fhir/{path}")
        assert response.status_code == 200, path
        assert creation_date(response.get_json()) == OPENED, path
    # An EG whose UOs are all newer than its own last change keeps that change.
    assert creation_date(client.get("/fhir/Location/EG-CHES").get_json()) == min(eg_changed, ches_created).replace(microsecond=0)
