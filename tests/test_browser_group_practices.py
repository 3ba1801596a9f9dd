"""A group practice read in a real headless Chromium: its establishment page names each
practitioner, and the cell's page of a report tells its history after two changes of state.

The world is tests/world.py's with EG-KA turned into a group practice (add_group_practice) and a
second practice in the same building (another establishment at EG-KA's very coordinates), indexed
and served on a free loopback port.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from catalog import accounts, anomalies, repository
from indexer.reindex import reindex
from tests.browser import ARTIFACTS, LiveServer, sign_in, watch_policy_violations
from tests.world import ADMIN_EMAIL, ADMIN_PASSWORD, GROUP_PRACTICE_UNITS, RPPS_B, add_group_practice, make_world

TIMEOUT_MS = 10_000
UO_NAME = "Consultation kinésithérapie"


@pytest.fixture(scope="module")
def live(settings, search, tmp_path_factory):
    world = make_world(settings, tmp_path_factory.mktemp("group-practice-browser"))
    add_group_practice(world.store)
    with world.store.transaction() as conn:
        repository.upsert_establishment(conn, {
            "id": "EG-KA2", "ej_id": "EJ-KA", "name": "Cabinet des Chantiers, 2e étage", "category": "LIBERAL",
            "sector": "SA07", "address": "3 rue des Chantiers", "postal_code": "78000", "insee": "78646",
            "lat": 48.7990, "lon": 2.1370, "phone": None, "source": "rpps"}, "test")
        repository.insert_unit(conn, dict(id="UO-KA2", eg_id="EG-KA2", uo_type="CONSULT_KINE", name=UO_NAME,
                                          profession="70"))
        reporter = accounts.find_account(conn, rpps=RPPS_B)
        world.anomaly = anomalies.report_anomaly(conn, reporter["id"], {
            "target_type": "UO", "target_id": "UO-GC", "message": "Anne Lefèvre ne reçoit plus le mercredi.",
            "theme": "04"}, world.clock())
    reindex(world.store, search, world.settings, progress=False, grace_seconds=0)
    with LiveServer(world.app) as server:
        server.world = world
        yield server


@pytest.fixture
def page(browser, live):
    context = browser.new_context(locale="fr-FR", base_url=live.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    watch_policy_violations(context, errors)
    yield tab
    context.close()
    assert errors == [], f"JavaScript errors: {errors}"


def test_the_establishment_page_of_a_group_practice_names_each_practitioner(page):
    page.goto("/eg/EG-KA")
    links = page.locator("table.units tbody th a.unit-link")
    expect(links).to_have_text([f"{UO_NAME} — {owner}" if owner else UO_NAME for _, owner in GROUP_PRACTICE_UNITS])
    for (unit_id, _), link in zip(GROUP_PRACTICE_UNITS, links.all()):
        expect(link).to_have_attribute("href", f"/uo/{unit_id}")
    page.screenshot(path=str(ARTIFACTS / "group-practice-establishment.png"), full_page=True)


def test_the_cells_page_of_a_report_shows_its_history_after_two_changes(page, live):
    anomaly_id = live.world.anomaly["id"]
    sign_in(page, ADMIN_EMAIL, ADMIN_PASSWORD)
    page.goto(f"/cellule/anomalies/{anomaly_id}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{UO_NAME} — Anne Lefèvre")

    live.world.clock.advance(minutes=30)          # 10h30, Paris time
    page.get_by_label("En cours", exact=True).check()
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Modifications enregistrées.")).to_be_visible()

    live.world.clock.advance(hours=2)             # 12h30
    page.get_by_label("Résolue", exact=True).check()
    page.get_by_label("Note").fill("Mercredi retiré de la semaine type avec la praticienne.")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".sheet-status .anomaly-status")).to_have_text("Résolue")

    history = page.get_by_role("list", name="Historique").get_by_role("listitem")
    expect(history).to_have_count(3)                # filed, taken in hand, resolved: newest last
    expect(history.nth(0)).to_contain_text("Signalée")
    expect(history.nth(0)).to_contain_text("le 2 mars 2026 à 10h, par Paul Durand")
    expect(history.nth(1)).to_contain_text("En cours")
    expect(history.nth(1)).to_contain_text("le 2 mars 2026 à 10h30, par Cellule de test")
    expect(history.nth(2)).to_contain_text("Résolue")
    expect(history.nth(2)).to_contain_text("le 2 mars 2026 à 12h30, par Cellule de test")
    expect(history.nth(2)).to_contain_text("Mercredi retiré de la semaine type avec la praticienne.")
    page.screenshot(path=str(ARTIFACTS / "group-practice-anomaly-history.png"), full_page=True)


def test_establishments_at_the_same_address_are_listed_from_their_marker_when_no_zoom_separates_them(page):
    page.goto("/recherche?where=78646")
    page.get_by_role("button", name="Carte").click()
    expect(page.locator("#carte")).to_have_attribute("data-map-ready", re.compile(r"\d+"))
    twins = page.locator('#carte [data-egs~="EG-KA"]')
    expect(twins).to_have_count(1)
    # Enter on the cluster zooms in as far as the map goes; the two practices stay one marker.
    for _ in range(6):
        twins.focus()
        page.keyboard.press("Enter")
        if page.locator(".map-list").count():
            break
        page.wait_for_timeout(400)
    expect(twins).to_have_attribute("data-egs", re.compile(r"^(EG-KA EG-KA2|EG-KA2 EG-KA)$"))
    listed = page.locator(".map-list a")
    expect(listed).to_have_count(2)
    assert sorted(link.get_attribute("href") for link in listed.all()) == ["/eg/EG-KA", "/eg/EG-KA2"]
    expect(listed.first).to_be_focused()
    page.locator("#carte").screenshot(path=str(ARTIFACTS / "results-map-same-address.png"))
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/eg/EG-KA2?$"))
