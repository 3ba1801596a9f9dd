"""No page breaks the Content-Security-Policy, in a real headless Chromium, signed in or not.

Every page of the web UI (and /api/docs) is opened anonymously, as a practitioner
and as the management cell, with its scripts run and a few of them driven
(typeahead, results, the anomaly dialog, the week planner). Violations are caught
by a ``securitypolicyviolation`` listener and by Chromium's console errors
(tests/browser.py); a control shows that both the policy and the watch work.

The world is tests/test_accounts.py's (its own store and index prefix).
"""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from catalog import accounts, anomalies
from indexer.reindex import reindex
from tests.browser import LiveServer, watch_policy_violations
from tests.world import ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD_A, RPPS_A, RPPS_B, make_world

TIMEOUT_MS = 10_000

PUBLIC_PAGES = [
    "/", "/recherche?where=78646", "/recherche?where=78646&what=CONSULT_KINE&sort=relevance",
    "/recherche?where=00000", "/uo/UO-KA", "/eg/EG-KA", "/aide", "/activation", "/connexion",
    "/connexion?deconnecte=1", "/mot-de-passe-oublie", "/conditions", "/mot-de-passe/nouveau?token=perime",
    "/compte/confirmation?token=perime", "/api/docs", "/page-inexistante", "/uo/UO-INCONNUE",
]
PRACTITIONER_PAGES = [
    "/", "/recherche?where=78646", "/uo/UO-KA", "/eg/EG-KA", "/aide", "/mon-compte", "/mon-compte/uo/UO-KA",
    "/compte/informations", "/deconnexion", "/conditions", "/cellule/anomalies", "/api/docs",
]
CELL_PAGES = ["/cellule/anomalies", "/cellule/anomalies?status=new", "/cellule/journal", "/mon-compte", "/uo/UO-KA"]


@pytest.fixture(scope="module")
def live(settings, search, tmp_path_factory):
    world = make_world(settings, tmp_path_factory.mktemp("csp-browser"))
    with world.store.transaction() as conn:
        reporter = accounts.find_account(conn, rpps=RPPS_B)
        world.anomaly = anomalies.report_anomaly(conn, reporter["id"], {
            "target_type": "UO", "target_id": "UO-KA", "message": "Le numéro ne répond plus.", "theme": None},
            world.clock())
        account = accounts.find_account(conn, rpps=RPPS_A)
        world.reset_token, _ = accounts.issue_token(conn, account["id"], "reset_password", account["email"], world.clock())
    reindex(world.store, search, world.settings, progress=False, grace_seconds=0)
    with LiveServer(world.app) as server:
        server.world = world
        yield server


@pytest.fixture
def tab(browser, live):
    context = browser.new_context(locale="fr-FR", base_url=live.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    violations = watch_policy_violations(context)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.violations = violations
    yield page
    context.close()
    assert page.errors == [], f"JavaScript errors: {page.errors}"


def visit(tab, url: str) -> None:
    response = tab.goto(url)
    assert response is not None and response.status < 500, f"{url}: {response and response.status}"
    tab.wait_for_load_state("networkidle")


def sign_in(tab, login: str, password: str) -> None:
    visit(tab, "/connexion")
    tab.get_by_label("Numéro RPPS ou adresse e-mail").fill(login)
    tab.get_by_label("Mot de passe", exact=True).fill(password)
    tab.get_by_role("button", name="Se connecter").click()
    tab.wait_for_url(lambda url: "/connexion" not in url)


def test_the_watch_sees_what_the_policy_blocks(tab):
    """The control: an inline script and an inline style injected into a page are refused, and seen."""
    visit(tab, "/")
    tab.evaluate("""() => {
        const script = document.createElement("script");
        script.textContent = "window.__inlineRan = true";
        document.body.append(script);
        document.body.setAttribute("style", "background: red");
    }""")
    tab.wait_for_timeout(300)
    assert tab.evaluate("window.__inlineRan === undefined")
    assert tab.evaluate("getComputedStyle(document.body).backgroundColor") != "rgb(255, 0, 0)"
    directives = " ".join(tab.violations)
    assert "script-src" in directives and "style-src" in directives, tab.violations
    tab.violations.clear()


def test_every_public_page_runs_under_the_policy(tab, live):
    for url in PUBLIC_PAGES:
        visit(tab, url)
    visit(tab, f"/mot-de-passe/nouveau?token={live.world.reset_token}")
    expect(tab.locator("form input[type=password]").first).to_be_visible()
    # Scripts that build the page as it is used: the typeahead (its highlights are HTML),
    # the results' « + », the API docs' stylesheet.
    visit(tab, "/")
    where = tab.get_by_role("combobox", name="Où ?")
    where.press_sequentially("versa", delay=30)
    expect(tab.get_by_role("option").first).to_be_visible()
    tab.keyboard.press("Escape")
    visit(tab, "/recherche?where=78646")
    tab.locator("li.eg summary").first.click()
    tab.get_by_role("button", name="Tout déplier").click()
    visit(tab, "/api/docs")
    assert tab.evaluate("getComputedStyle(document.querySelector('.op')).borderLeftStyle") == "solid"
    assert tab.violations == []


def test_every_page_of_a_signed_in_practitioner_runs_under_the_policy(tab, live):
    sign_in(tab, RPPS_A, PASSWORD_A)
    for url in PRACTITIONER_PAGES:
        visit(tab, url)
    # The sheet form's scripts: the week planner, the communes typeahead.
    visit(tab, "/mon-compte/uo/UO-KA")
    tab.get_by_label("Mardi", exact=True).fill("9h-12h")
    tab.locator('.planner-row[data-day="3"] .planner-cell[data-col="4"]').click()
    # The anomaly dialog of a UO sheet.
    visit(tab, "/uo/UO-KA")
    tab.get_by_role("button", name="Signaler une anomalie").click()
    expect(tab.get_by_role("dialog", name="Signaler une anomalie")).to_be_visible()
    assert tab.violations == []


def test_every_page_of_the_management_cell_runs_under_the_policy(tab, live):
    sign_in(tab, ADMIN_EMAIL, ADMIN_PASSWORD)
    for url in [*CELL_PAGES, f"/cellule/anomalies/{live.world.anomaly['id']}"]:
        visit(tab, url)
    assert tab.violations == []
