"""The « Répertoire » and the cell's index console in a real headless Chromium.

A visitor browses from a department to a UO, opens an EJ sheet and (signed in) reports
an anomaly on it; an administrator rebuilds the index and watches it to the end, a
second start is refused; a practitioner is refused the console.
"""
from __future__ import annotations

from datetime import UTC

import pytest
from playwright.sync_api import expect

from indexer.reindex import reindex
from query_api import create_app
from tests import directory_fixture as fx
from tests import offer_fixture
from tests.browser import ARTIFACTS, LiveServer, sign_in, watch_policy_violations

TIMEOUT_MS = 15_000


@pytest.fixture(scope="module")
def live(settings, search, tmp_path_factory):
    mine = fx.world_settings(settings, tmp_path_factory.mktemp("directory-browser"), "dirbrowser")
    store = fx.open_world(mine)
    reindex(store, search, mine, progress=False, grace_seconds=0)
    with LiveServer(create_app(mine)) as server:
        server.store, server.settings = store, mine
        yield server


@pytest.fixture
def page(browser, live):
    context = browser.new_context(locale="fr-FR", base_url=live.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    tab.errors = []
    tab.on("pageerror", lambda error: tab.errors.append(str(error)))
    watch_policy_violations(context, tab.errors)
    yield tab
    context.close()
    assert tab.errors == [], f"JavaScript errors: {tab.errors}"



def test_browse_from_a_department_to_a_unit(page):
    page.goto("/")
    page.locator(".site-nav").get_by_role("link", name="Répertoire").click()
    page.wait_for_url("**/repertoire")
    page.get_by_role("link", name="Yvelines (78)").click()
    page.wait_for_url("**/repertoire/departement/78")
    expect(page.locator('tr[data-insee="78646"] [data-units]')).to_have_text("5")
    page.get_by_role("link", name="Versailles").click()
    page.wait_for_url("**/repertoire/commune/78646")
    page.get_by_role("link", name="Centre hospitalier de Versailles").click()
    page.wait_for_url("**/eg/EG-HOSP")
    page.get_by_role("link", name="Plateau technique de rééducation").click()
    page.wait_for_url("**/uo/UO-H2")
    expect(page.get_by_role("heading", level=1)).to_have_text("Plateau technique de rééducation")
    page.screenshot(path=str(ARTIFACTS / "directory-unit.png"), full_page=True)


def test_an_ej_sheet_is_opened_and_an_anomaly_reported_on_it(page, live):
    sign_in(page, fx.PRACTITIONER_RPPS, fx.PRACTITIONER_PASSWORD, "/mon-compte")
    page.goto("/repertoire")
    page.get_by_role("link", name="Établissements et groupes").click()
    page.get_by_role("link", name=fx.GROUP_NAME).click()
    page.wait_for_url(f"**/ej/{fx.GROUP_EJ}")
    expect(page.locator("[data-finess]")).to_have_text(fx.GROUP_FINESS)
    expect(page.locator("article.directory-eg")).to_have_count(2)
    page.screenshot(path=str(ARTIFACTS / "directory-ej.png"), full_page=True)
    page.get_by_role("button", name="Signaler une anomalie").click()
    dialog = page.get_by_role("dialog", name="Signaler une anomalie")
    dialog.get_by_label("Champ concerné").select_option(label="FINESS / SIREN")
    dialog.get_by_label("Votre message").fill("Le numéro SIREN a changé après la fusion des sites.")
    dialog.get_by_role("button", name="Envoyer").click()
    expect(dialog.locator("[data-anomaly-status]")).to_contain_text("transmis à la cellule ROR")
    with live.store.snapshot() as conn:
        row = conn.execute("SELECT target_type, target_id, field FROM anomalies WHERE message LIKE 'Le numéro SIREN%'").fetchone()
    assert tuple(row) == ("EJ", fx.GROUP_EJ, "identifiers")


# --- the cell's index console ------------------------------------------------------------------

UNITS = len(offer_fixture.UNITS) + 1   # the hand-made offer's UO and the group's second site's


def test_an_admin_rebuilds_the_index_and_watches_it_to_the_end(page, live):
    sign_in(page, fx.ADMIN_EMAIL, fx.ADMIN_PASSWORD, "/cellule/anomalies")
    page.get_by_role("link", name="Index de recherche").click()
    page.wait_for_url("**/cellule/index")
    expect(page.locator("[data-units]")).to_have_text(str(UNITS))
    page.get_by_role("button", name="Reconstruire l'index").click()
    outcome = page.locator("[data-reindex-outcome]")
    expect(outcome).to_contain_text(f"Reconstruction terminée : {UNITS} UO dans", timeout=60_000)
    expect(page.locator("[data-reindex-figures]")).to_have_text(f"{UNITS} / {UNITS} UO écrites (100 %)")
    assert page.locator("progress").evaluate("bar => bar.value === bar.max")
    page.screenshot(path=str(ARTIFACTS / "console-done.png"), full_page=True)
    page.reload()
    expect(page.locator("[data-reindex-history] tbody tr").first).to_have_attribute("data-status", "succeeded")
    expect(page.locator("[data-reindex-history] tbody tr").first).to_contain_text("Cellule console")


def test_a_second_reindex_is_refused_and_the_running_one_survives_a_reload(page, live):
    from datetime import datetime

    from catalog import audit, reindex_runs
    from indexer import reindex_job

    # A reindex run by `ror reindex` in another process, 3 UO written out of 10.
    run_id = reindex_job.begin(live.store, live.settings, audit.ACTOR_CLI)
    try:
        with live.store.transaction() as conn:
            reindex_runs.heartbeat(conn, run_id, datetime.now(UTC), phase="loading", total=UNITS, written=3)
        sign_in(page, fx.ADMIN_EMAIL, fx.ADMIN_PASSWORD, "/cellule/anomalies")
        page.goto("/cellule/index")
        figures = page.locator("[data-reindex-figures]")
        expect(figures).to_contain_text(f"3 / {UNITS} UO écrites ({round(300 / UNITS, 1):g} %)")
        expect(page.get_by_role("button", name="Reconstruire l'index")).to_be_disabled()
        page.reload()                                          # the bar is the store's: still there
        expect(figures).to_contain_text(f"3 / {UNITS} UO écrites")
        page.screenshot(path=str(ARTIFACTS / "console-running.png"), full_page=True)
        # Pressed anyway (through the API the button calls): refused in words.
        refused = page.evaluate(
            "async () => (await import('/static/api.js')).send('POST', '/api/v1/admin/reindex', {})")
        assert refused["status"] == 409
        assert f"Une réindexation est déjà en cours (lancée par Commande ror (serveur), 3 / {UNITS} UO)" in refused["body"]["error"]["message"]
        with live.store.transaction() as conn:
            reindex_runs.heartbeat(conn, run_id, datetime.now(UTC), written=8)
        expect(figures).to_contain_text(f"8 / {UNITS} UO écrites")
        with live.store.transaction() as conn:
            reindex_runs.finish(conn, run_id, datetime.now(UTC), error="le moteur de recherche est injoignable (test)")
        expect(page.locator("[data-reindex-outcome]")).to_have_text(
            "Reconstruction en échec : le moteur de recherche est injoignable (test)")
        expect(page.get_by_role("button", name="Reconstruire l'index")).to_be_enabled()
    finally:
        with live.store.transaction() as conn:
            reindex_runs.finish(conn, run_id, datetime.now(UTC), error="fin du test")


def test_a_practitioner_is_refused_the_console(page):
    sign_in(page, fx.PRACTITIONER_RPPS, fx.PRACTITIONER_PASSWORD, "/mon-compte")
    response = page.goto("/cellule/index")
    assert response.status == 403
    expect(page.locator("main")).to_contain_text("réservée à la cellule de gestion du ROR")
    expect(page.get_by_role("button", name="Reconstruire l'index")).to_have_count(0)
