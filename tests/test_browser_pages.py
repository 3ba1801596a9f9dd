"""Every page fits every screen and passes axe-core, from a 320 px phone to a desktop, signed in or not.

Each page is opened at 320, 390 and 1366 px wide, anonymously, as a practitioner and as
the management cell, in a real headless Chromium:
- none may scroll sideways (``scrollWidth <= innerWidth``);
- at phone (390) and desktop (1366) width, axe-core (npm, package-lock.json; injected into
  every page by the browser itself, so the page's Content-Security-Policy does not apply to
  it) finds 0 violations of WCAG 2.1 A/AA and of WCAG 2.2's target size.
Screenshots of each page at phone and desktop width go to tests/artifacts/
(page-<who>-<width>-<page>.png) for a human eye.

The world is tests/test_accounts.py's (its own store and index prefix).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from catalog import accounts, anomalies
from indexer.reindex import reindex
from tests.browser import ARTIFACTS, LiveServer, watch_policy_violations
from tests.world import ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD_A, RPPS_A, RPPS_B, make_world

TIMEOUT_MS = 15_000
WIDTHS = (320, 390, 1366)
SCREENSHOT_WIDTHS = (390, 1366)
AXE_WIDTHS = (390, 1366)
AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.1 A and AA, and 2.2 AA, whose one automated rule is target-size (24 × 24 px).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

PUBLIC_PAGES = [
    "/", "/recherche?where=78646", "/recherche?where=78646&what=CONSULT_KINE&sort=relevance",
    "/recherche?where=00000", "/uo/UO-KA", "/eg/EG-KA", "/aide", "/activation", "/connexion",
    "/mot-de-passe-oublie", "/conditions", "/mot-de-passe/nouveau?token=perime", "/page-inexistante",
    "/accessibilite",
]
PRACTITIONER_PAGES = ["/recherche?where=78646", "/uo/UO-KA", "/mon-compte", "/mon-compte/uo/UO-KA",
                      "/compte/informations"]
CELL_PAGES = ["/cellule/anomalies", "/cellule/anomalies/{anomaly}", "/cellule/journal", "/mon-compte"]

# The deepest elements that stick out on the right: what a failure names.
_OVERFLOW = """() => {
  const width = window.innerWidth, out = [];
  for (const el of document.body.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    if (box.width && box.right > width + 0.5 && ![...el.children].some((c) => c.getBoundingClientRect().right > width + 0.5)) {
      out.push(el.tagName.toLowerCase() + (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\\s+/).join(".") : "")
               + " right=" + Math.round(box.right));
    }
  }
  return {scroll: document.documentElement.scrollWidth, inner: width, culprits: out.slice(0, 6)};
}"""


@pytest.fixture(scope="module")
def live(settings, search, tmp_path_factory):
    world = make_world(settings, tmp_path_factory.mktemp("layout-browser"))
    with world.store.transaction() as conn:
        reporter = accounts.find_account(conn, rpps=RPPS_B)
        anomaly = anomalies.report_anomaly(conn, reporter["id"], {
            "target_type": "UO", "target_id": "UO-KA", "message": "Le numéro ne répond plus.", "theme": None},
            world.clock())
    reindex(world.store, search, world.settings, progress=False, grace_seconds=0)
    with LiveServer(world.app) as server:
        server.anomaly_id = anomaly["id"]
        yield server


def open_tab(browser, live, login: str | None = None, password: str | None = None):
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run the tests with `./ror test`, which installs the front-end packages (npm ci).")
    context = browser.new_context(locale="fr-FR", base_url=live.url, viewport={"width": 1366, "height": 900})
    context.add_init_script(path=str(AXE))
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    tab.problems = watch_policy_violations(context)
    tab.on("pageerror", lambda error: tab.problems.append(str(error)))
    if login:
        tab.goto("/connexion")
        tab.get_by_label("Numéro RPPS ou adresse e-mail").fill(login)
        tab.get_by_label("Mot de passe", exact=True).fill(password)
        tab.get_by_role("button", name="Se connecter").click()
        tab.wait_for_url(lambda url: "/connexion" not in url)
    return tab


def slug(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "accueil"


def axe_violations(tab) -> tuple[list[dict], bool]:
    """axe-core's violations on the page as it is now, and whether the target-size rule ran."""
    result = tab.evaluate("""async (tags) => {
        const r = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
        const ran = [...r.violations, ...r.passes, ...r.incomplete, ...r.inapplicable].some((x) => x.id === "target-size");
        return {ran, violations: r.violations.map((v) => ({id: v.id, impact: v.impact,
            nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ") + " — " + n.failureSummary.split("\\n")[1])}))};
    }""", AXE_TAGS)
    return result["violations"], result["ran"]


def check_pages(tab, who: str, pages: list[str]) -> tuple[list[str], list[str]]:
    """Every (width, page) that scrolls sideways, with what sticks out, and every axe violation;
    screenshots on the way."""
    overflows, violations = [], []
    for width in WIDTHS:
        tab.set_viewport_size({"width": width, "height": 800})
        for path in pages:
            response = tab.goto(path)
            assert response is not None and response.status < 500, path
            tab.wait_for_load_state("networkidle")
            seen = tab.evaluate(_OVERFLOW)
            if seen["scroll"] > seen["inner"]:
                overflows.append(f"{who} {width}px {path}: scrollWidth {seen['scroll']} > {seen['inner']} {seen['culprits']}")
            if width in AXE_WIDTHS:
                found, target_size_ran = axe_violations(tab)
                assert target_size_ran, "axe did not run the target-size rule"
                violations += [f"{who} {width}px {path}: {json.dumps(v, ensure_ascii=False)}" for v in found]
            if width in SCREENSHOT_WIDTHS:
                tab.screenshot(path=ARTIFACTS / f"page-{who}-{width}-{slug(path)}.png", full_page=True)
    return overflows, violations


def test_every_public_page_fits_every_screen_and_passes_axe(browser, live):
    tab = open_tab(browser, live)
    overflows, violations = check_pages(tab, "anonyme", PUBLIC_PAGES)
    assert overflows == []
    assert violations == []
    assert tab.problems == []
    tab.context.close()


def test_every_page_of_a_practitioner_fits_every_screen_and_passes_axe(browser, live):
    tab = open_tab(browser, live, RPPS_A, PASSWORD_A)
    overflows, violations = check_pages(tab, "praticien", PRACTITIONER_PAGES)
    assert overflows == []
    assert violations == []
    assert tab.problems == []
    tab.context.close()


def test_every_page_of_the_management_cell_fits_every_screen_and_passes_axe(browser, live):
    tab = open_tab(browser, live, ADMIN_EMAIL, ADMIN_PASSWORD)
    overflows, violations = check_pages(tab, "cellule", [p.format(anomaly=live.anomaly_id) for p in CELL_PAGES])
    assert overflows == []
    assert violations == []
    assert tab.problems == []
    tab.context.close()


def test_axe_finds_what_it_is_asked_to_find(browser, live):
    """The control: a page with a known fault (an image without a text, a 10 px button) is reported."""
    tab = open_tab(browser, live)
    tab.goto("/aide")
    tab.evaluate("""() => {
        const img = document.createElement("img"); img.src = "data:,"; document.querySelector("main").append(img);
        const button = document.createElement("button"); button.textContent = "x";
        button.style.cssText = "width:10px;height:10px;padding:0;font-size:6px;position:absolute;left:40px;top:40px";
        const other = button.cloneNode(true); other.style.left = "52px";
        document.querySelector("main").append(button, other);
    }""")
    found, _ = axe_violations(tab)
    assert {"image-alt", "target-size"} <= {v["id"] for v in found}
    tab.context.close()


@pytest.mark.parametrize("width", [390, 1366])
def test_the_open_filters_the_map_and_the_anomaly_dialog_pass_axe_too(browser, live, width):
    tab = open_tab(browser, live, RPPS_A, PASSWORD_A)
    tab.set_viewport_size({"width": width, "height": 800})
    tab.goto("/recherche?where=78646")
    if width < 900:
        tab.locator(".refine-panel > summary").click()
        tab.get_by_role("button", name="Fermer").wait_for()
    assert tab.locator("#refine").is_visible()
    found, _ = axe_violations(tab)
    assert found == []
    if width < 900:
        tab.get_by_role("button", name="Fermer").click()
    tab.get_by_role("button", name="Carte").click()
    tab.wait_for_selector("[data-map-ready]")
    assert tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    found, _ = axe_violations(tab)
    assert found == []
    zoom_out = tab.get_by_role("button", name="Dézoomer")
    for _ in range(3):   # zoomed out (down to the region): clustered markers too
        if zoom_out.get_attribute("aria-disabled") != "true":
            zoom_out.click()
            tab.wait_for_timeout(300)
    assert tab.locator("#carte [data-egs]").count() >= 1
    found, _ = axe_violations(tab)
    assert found == []
    tab.goto("/uo/UO-KA")
    tab.get_by_role("button", name="Signaler une anomalie").click()
    tab.get_by_role("dialog", name="Signaler une anomalie").wait_for()
    found, _ = axe_violations(tab)
    assert found == []
    tab.screenshot(path=ARTIFACTS / f"page-anomaly-dialog-{width}.png")
    assert tab.problems == []
    tab.context.close()


@pytest.mark.parametrize("width", [320, 1366])
def test_a_sheet_showing_its_errors_fits_the_screen_and_passes_axe(browser, live, width):
    tab = open_tab(browser, live, RPPS_A, PASSWORD_A)
    tab.set_viewport_size({"width": width, "height": 800})
    tab.goto("/mon-compte/uo/UO-KA")
    tab.get_by_label("Téléphone prise de rendez-vous").fill("01 23")
    tab.get_by_label("Âge minimum").fill("60")
    tab.get_by_label("Âge maximum").fill("10")
    tab.get_by_role("button", name="Enregistrer").click()
    tab.locator("[data-error-summary]").wait_for()
    assert tab.locator("[data-error-summary] li").count() == 2
    assert tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    found, _ = axe_violations(tab)
    assert found == []
    assert tab.problems == []
    tab.context.close()
