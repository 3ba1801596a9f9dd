"""The search screens in a real headless Chromium: typeahead, results, facets, export, sheets.

The app is served on a free loopback port with a fixed clock (a Monday at 10h in
Paris) and a private copy of the store; the indexes are the run's real ones.
Numbers read from the pages are compared with the JSON API's answer for the same
parameters. Screenshots go to tests/artifacts/.
"""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import openpyxl
import pytest
from playwright.sync_api import expect

from catalog import accounts
from query_api import create_app
from tests.browser import ARTIFACTS, LiveServer, private_store_settings, watch_policy_violations
from tests.world import fixed_clock

MONDAY_10H = "2026-11-30T10:00:00+01:00"
CELL_LOGIN, CELL_PASSWORD, CELL_NAME = "cellule.navigateur@example.org", "Cellule2026", "Cellule ROR (test)"
TIMEOUT_MS = 10_000


@pytest.fixture(scope="module")
def live(settings, indexed_offer, tmp_path_factory):
    private = private_store_settings(settings, settings.store_path, tmp_path_factory.mktemp("browser"))
    app = create_app(private, clock=fixed_clock(MONDAY_10H))
    with app.extensions["ror"]["store"].transaction() as conn:
        accounts.create_admin_account(conn, CELL_LOGIN, CELL_PASSWORD, CELL_NAME, fixed_clock(MONDAY_10H)())
    with LiveServer(app) as server:
        server.store = app.extensions["ror"]["store"]
        yield server


@pytest.fixture
def page(browser, live):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR", accept_downloads=True,
                                  base_url=live.url)
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    watch_policy_violations(context, errors)   # the Content-Security-Policy is checked on every page too
    yield tab
    context.close()
    assert errors == [], f"JavaScript errors: {errors}"


def counts(page) -> tuple[int, int]:
    heading = page.locator("#results-title")
    return int(heading.get_attribute("data-establishments")), int(heading.get_attribute("data-units"))


def api_answer(page, results_url: str) -> dict:
    """The JSON API's answer for the parameters of a /recherche URL."""
    query = urlsplit(results_url).query
    response = page.request.get(f"/api/v1/search?{query}")
    assert response.ok, response.text()
    return response.json()


def shown_establishments(page) -> list[str]:
    return [eg.get_attribute("id").removeprefix("eg-") for eg in page.locator("li.eg").all()]


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


# --- typeahead -----------------------------------------------------------------------------

def test_typeahead_waits_for_three_letters_then_is_driven_by_the_keyboard(page, live):
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url) if "/api/v1/suggest" in request.url else None)
    page.goto("/")
    where = page.get_by_role("combobox", name="Où ?")
    where.click()
    where.press_sequentially("ve", delay=40)
    page.wait_for_timeout(600)                     # four times the debounce
    assert asked == []
    expect(where).to_have_attribute("aria-expanded", "false")
    expect(page.locator("#where-listbox")).to_be_hidden()

    where.press_sequentially("rs", delay=40)
    first = page.locator("#where-listbox [role=option]").first
    expect(first).to_contain_text("Versailles (78000)")
    expect(first.locator(".option-label b")).to_have_text("Vers")      # the typed letters, as written
    expect(where).to_have_attribute("aria-expanded", "true")
    assert asked and all(len(query_of(url)["q"][0]) >= 3 for url in asked)
    assert query_of(asked[-1])["q"] == ["vers"] and query_of(asked[-1])["field"] == ["where"]
    page.screenshot(path=str(ARTIFACTS / "search.png"))

    where.press("ArrowDown")
    expect(first).to_have_attribute("aria-selected", "true")
    expect(where).to_have_attribute("aria-activedescendant", first.get_attribute("id"))
    where.press("Enter")                           # chooses, does not submit
    expect(where).to_have_value("Versailles (78000)")
    expect(page.locator("#where-listbox")).to_be_hidden()
    assert page.locator("input[type=hidden][name=where]").input_value() == "78646"
    assert urlsplit(page.url).path == "/"

    what = page.get_by_role("combobox", name="Quoi ?")
    what.press_sequentially("vestib", delay=40)
    expect(page.locator("#what-listbox [role=option]").first).to_contain_text("Rééducation vestibulaire")
    what.press("Escape")
    expect(page.locator("#what-listbox")).to_be_hidden()
    expect(what).to_have_attribute("aria-expanded", "false")
    what.press("ArrowDown")                        # reopens on the first suggestion
    expect(what).to_have_attribute("aria-expanded", "true")
    what.press("Enter")
    assert page.locator("input[type=hidden][name=what]").input_value() == "KINE_REEDUC_VESTIBULAIRE"

    page.get_by_role("button", name="Rechercher").click()
    page.wait_for_url("**/recherche?**")
    params = query_of(page.url)
    assert params["where"] == ["78646"] and params["what"] == ["KINE_REEDUC_VESTIBULAIRE"]
    api = api_answer(page, page.url)
    assert counts(page) == (api["total_establishments"], api["total_units"])
    assert shown_establishments(page) == [r["establishment"]["id"] for r in api["results"]]
    # The boxes show what was chosen, ready for the next search.
    expect(page.get_by_role("combobox", name="Où ?")).to_have_value("Versailles (78000)")
    expect(page.get_by_role("combobox", name="Quoi ?")).to_have_value("Rééducation vestibulaire (trouble de l'équilibre)")


def test_a_lay_word_in_what_finds_the_aptitude(page):
    page.goto("/")
    what = page.get_by_role("combobox", name="Quoi ?")
    what.press_sequentially("vertiges", delay=20)
    what.press("Escape")
    what.press("Enter")
    page.wait_for_url("**/recherche?**")
    assert query_of(page.url)["what"] == ["vertiges"]
    expect(page.locator("#eg-EG-VER1")).to_be_visible()       # UO-A: vestibular rehab
    expect(page.locator("[data-understood] .chip-label")).to_have_text(["Rééducation vestibulaire (trouble de l'équilibre)"])


PHRASE = "kiné vestibulaire enfant à domicile Versailles"
PHRASE_AS_FACETS = "/recherche?where=78646&aptitude=KINE_REEDUC_VESTIBULAIRE&age=E&home_visit=true"


@pytest.mark.parametrize("box", ["Quoi ?", "Où ?"])
def test_a_phrase_in_one_box_shows_chips_and_finds_what_the_facets_find(page, box):
    page.goto("/")
    field = page.get_by_role("combobox", name=box)
    field.fill(PHRASE)
    field.press("Escape")
    field.press("Enter")
    page.wait_for_url("**/recherche?**")
    chips = page.locator("[data-understood] .chip-label")
    expect(page.locator("[data-understood]")).to_contain_text("Nous avons compris :")
    expect(chips).to_have_text(["Versailles (78000)", "Rééducation vestibulaire (trouble de l'équilibre)",
                                "Enfants", "À domicile"])
    facets = api_answer(page, PHRASE_AS_FACETS)
    assert counts(page) == (facets["total_establishments"], facets["total_units"])
    assert facets["total_units"] > 0
    assert shown_establishments(page) == [r["establishment"]["id"] for r in facets["results"]]
    # The facets show the recognised filters ticked (not submitted again by the refine form).
    expect(page.get_by_label("Enfants")).to_be_checked()
    expect(page.get_by_label("Enfants")).to_be_disabled()
    page.screenshot(path=str(ARTIFACTS / f"results-understood-{'what' if box == 'Quoi ?' else 'where'}.png"),
                    full_page=True)

    # Removing a chip widens the search: the same as the facets without that one.
    before = counts(page)
    page.locator("[data-understood] .chip", has_text="À domicile").click()
    page.wait_for_url("**/recherche?**")
    expect(chips).to_have_text(["Versailles (78000)", "Rééducation vestibulaire (trouble de l'équilibre)", "Enfants"])
    wider = api_answer(page, PHRASE_AS_FACETS.replace("&home_visit=true", ""))
    assert counts(page) == (wider["total_establishments"], wider["total_units"])
    assert counts(page)[1] > before[1]
    assert shown_establishments(page) == [r["establishment"]["id"] for r in wider["results"]]


# --- results -------------------------------------------------------------------------------

def test_search_then_expand_an_establishment_then_open_a_unit_sheet(page):
    page.goto("/")
    where = page.get_by_role("combobox", name="Où ?")
    where.press_sequentially("vers", delay=40)
    expect(page.locator("#where-listbox [role=option]").first).to_contain_text("Versailles (78000)")
    where.press("ArrowDown")
    where.press("Enter")
    page.get_by_role("button", name="Rechercher").click()
    page.wait_for_url("**/recherche?where=78646**")
    expect(page.locator("#results-title")).to_have_text("4 établissements, 7 unités")
    expect(page.locator(".results-context")).to_contain_text("autour de Versailles (78000), 10 km")

    establishment = page.locator("#eg-EG-VER1 details")
    table = establishment.locator("table.units")
    expect(table).to_be_hidden()
    establishment.locator("summary").click()
    expect(table).to_be_visible()
    expect(table.locator("tbody tr")).to_have_count(2)
    first_row = table.locator("tr[data-unit=UO-A]")
    expect(first_row.locator(".status")).to_have_text("Ouvert")
    expect(first_row).to_contain_text("0,6 km")
    expect(first_row).to_contain_text("2 min")
    page.locator("#eg-EG-RAMB summary").click()
    expect(page.locator("#eg-EG-RAMB")).to_contain_text("Intervient à domicile dans votre commune")
    expect(page.locator("#eg-EG-RAMB tr[data-unit=UO-D] .status")).to_have_text("Fermé")
    page.screenshot(path=str(ARTIFACTS / "results-expanded.png"), full_page=True)

    first_row.get_by_role("link", name="Consultation kinésithérapie").click()
    page.wait_for_url("**/uo/UO-A")
    expect(page.get_by_role("heading", level=1)).to_have_text("Consultation kinésithérapie")
    expect(page.get_by_text("Ouvert maintenant")).to_be_visible()
    expect(page.locator("table.week tr").first).to_contain_text("9h-12h")
    expect(page.get_by_role("link", name="‹ Retour aux résultats")).to_have_attribute(
        "href", f"{urlsplit(page.url).scheme}://{urlsplit(page.url).netloc}/recherche?where=78646")
    page.screenshot(path=str(ARTIFACTS / "unit-sheet.png"), full_page=True)


def test_a_facet_click_changes_counts_and_results_like_the_api(page):
    page.goto("/recherche?where=78646")
    before = counts(page)
    api = api_answer(page, page.url)
    assert before == (api["total_establishments"], api["total_units"])
    children = next(v for v in api["facets"]["age"] if v["value"] == "E")
    expect(page.locator("label[for=f-age-e] .count")).to_have_attribute("data-count", str(children["count"]))

    page.get_by_label("Enfants").check()                     # auto-submits
    page.wait_for_url("**age=E**")
    after = counts(page)
    api = api_answer(page, page.url)
    assert after == (api["total_establishments"], api["total_units"]) != before
    assert after[1] == children["count"]
    assert shown_establishments(page) == [r["establishment"]["id"] for r in api["results"]]
    expect(page.get_by_label("Enfants")).to_be_checked()
    expect(page.get_by_label("Enfants")).to_be_focused()       # focus comes back to the control

    page.get_by_label("Ouvert maintenant").check()           # a second facet keeps the first
    page.wait_for_url("**open_now=true**")
    params = query_of(page.url)
    assert params["age"] == ["E"] and params["where"] == ["78646"]
    api = api_answer(page, page.url)
    assert counts(page) == (api["total_establishments"], api["total_units"])
    assert shown_establishments(page) == [r["establishment"]["id"] for r in api["results"]]


def test_the_freshness_filter_reloads_the_results_like_the_api(page):
    page.goto("/recherche?where=78646")
    freshness = page.get_by_label("Fiche mise à jour")
    expect(freshness).to_have_value("")

    freshness.select_option(label="Depuis moins d'un mois")      # auto-submits
    page.wait_for_url("**updated_within_days=30**")

    api = api_answer(page, page.url)
    assert api["total_units"] > 0
    assert counts(page) == (api["total_establishments"], api["total_units"])
    assert query_of(page.url)["where"] == ["78646"]
    expect(page.get_by_label("Fiche mise à jour")).to_have_value("30")


def test_excel_export_has_one_row_per_matching_unit(page, tmp_path):
    page.goto("/recherche?where=78646&age=A")
    total_units = api_answer(page, page.url)["total_units"]
    with page.expect_download() as download:
        page.get_by_role("link", name="Exporter (Excel)").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    workbook = openpyxl.load_workbook(path, read_only=True)
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0][0] == "Établissement"
    assert len(rows) - 1 == total_units > 0


def test_filters_open_over_the_results_on_a_tablet_and_show_them_with_a_count(page):
    page.set_viewport_size({"width": 800, "height": 1000})
    page.goto("/recherche?where=78646")
    facets = page.locator("#refine")
    expect(facets).to_be_hidden()
    page.locator(".refine-panel > summary").click()
    expect(facets).to_be_visible()
    # The sheet covers the screen, results underneath; its button says how many results it shows.
    sheet = page.locator(".refine-sheet").bounding_box()
    assert sheet["x"] == 0 and sheet["y"] == 0 and sheet["width"] == 800 and sheet["height"] == 1000
    total_before = counts(page)[1]
    apply = page.locator("[data-refine-apply]")
    expect(apply).to_have_text(f"Voir {total_before} résultats")
    # A tap on a filter does not reload the page: it recounts.
    url = page.url
    page.locator("#refine input[name=age][value=E]").check()
    expected = api_answer(page, url + "&age=E")["total_units"]
    assert 0 < expected < total_before
    expect(apply).to_have_text(f"Voir {expected} résultats" if expected > 1 else "Voir 1 résultat")
    assert page.url == url
    page.screenshot(path=str(ARTIFACTS / "results-tablet-filters.png"))
    apply.click()
    page.wait_for_url("**age=E**")
    expect(facets).to_be_hidden()
    assert counts(page)[1] == expected
    # The results start on the first screen, not below the filters.
    assert page.locator(".eg-list").bounding_box()["y"] < 1000


@pytest.mark.parametrize("width", [390, 1280])
def test_the_first_tab_skips_to_the_results_and_the_first_result_is_a_few_tabs_away(page, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/recherche?where=78646")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "Aller aux résultats"
    page.keyboard.press("Enter")
    presses = 0
    while presses < 8 and not page.evaluate("!!document.activeElement.closest('.eg-list')"):
        page.keyboard.press("Tab")
        presses += 1
    assert page.evaluate("!!document.activeElement.closest('.eg-list')"), "the results were not reached in 8 Tab presses"
    assert page.evaluate("document.activeElement.closest('li.eg').id") == page.locator("li.eg").first.get_attribute("id")


def test_the_first_result_is_on_the_first_screen_of_a_phone(page):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/recherche?where=78646")
    first = page.locator("li.eg").first.bounding_box()
    assert first["y"] + first["height"] <= 844


def test_results_are_cards_with_every_column_on_a_phone(page):
    page.set_viewport_size({"width": 320, "height": 700})
    page.goto("/recherche?where=78646")
    first = page.locator(".eg-details").first
    first.locator("summary").click()
    row = first.locator("tr[data-unit]").first
    # Every column's information is shown, each under its label, inside the 320 px.
    for label in ("Distance", "Trajet", "Patients", "Statut", "Téléphone"):
        value = row.locator(f'td[data-label="{label}"]')
        expect(value).to_be_visible()
        box = value.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 320
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    page.screenshot(path=str(ARTIFACTS / "results-phone.png"), full_page=True)


def test_search_works_without_javascript(browser, live):
    context = browser.new_context(java_script_enabled=False, base_url=live.url)
    try:
        tab = context.new_page()
        tab.goto("/")
        tab.get_by_label("Où ?").fill("Versailles")
        tab.get_by_label("Quoi ?").fill("vertiges")
        tab.get_by_role("button", name="Rechercher").click()
        tab.wait_for_url("**/recherche?where=78646&what=vertiges")
        tab.get_by_label("Enfants").check()
        tab.get_by_role("button", name="Filtrer").click()
        tab.wait_for_url("**age=E**")
        assert query_of(tab.url)["what"] == ["vertiges"]
    finally:
        context.close()


# --- anomaly report ------------------------------------------------------------------------

def open_anomaly_dialog(page):
    page.get_by_role("button", name="Signaler une anomalie").click()
    dialog = page.get_by_role("dialog", name="Signaler une anomalie")
    expect(dialog).to_be_visible()
    return dialog


def test_reporting_an_anomaly_says_sign_in_is_needed_keeps_the_draft_and_is_sent(page, live):
    page.goto("/uo/UO-A")
    dialog = open_anomaly_dialog(page)
    # Up front, before anything is written; the focus is on the first field.
    notice = dialog.locator("[data-anomaly-sign-in]")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("il faut être connecté")
    expect(dialog.get_by_label("Concerne")).to_be_focused()
    dialog.get_by_label("Thème").select_option(label="Exactitude")
    dialog.get_by_label("Champ concerné").select_option(label="Téléphone")
    dialog.get_by_label("Votre message").fill("Le numéro de téléphone ne répond plus.")
    dialog.get_by_role("button", name="Envoyer").click()
    expect(dialog.locator("[data-anomaly-status]")).to_contain_text("Connectez-vous pour signaler une anomalie.")
    expect(dialog.get_by_role("link", name="Se connecter")).to_have_attribute("href", "/connexion?next=%2Fuo%2FUO-A")

    # Signing in from the dialog brings the page back with the dialog open and the draft in it.
    notice.get_by_role("link").click()
    page.wait_for_url("**/connexion?next=**")
    page.get_by_label("Numéro RPPS ou adresse e-mail").fill(CELL_LOGIN)
    page.get_by_label("Mot de passe", exact=True).fill(CELL_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/uo/UO-A")
    expect(page.locator(".site-nav")).to_contain_text(CELL_NAME)
    dialog = page.get_by_role("dialog", name="Signaler une anomalie")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Votre message")).to_have_value("Le numéro de téléphone ne répond plus.")
    expect(dialog.locator("[data-anomaly-sign-in]")).to_be_hidden()
    send = dialog.get_by_role("button", name="Envoyer")
    send.click()
    expect(dialog.locator("[data-anomaly-status]")).to_have_text("Merci, votre signalement a été transmis à la cellule ROR.")
    expect(send).to_be_disabled()

    with live.store.snapshot() as conn:
        row = conn.execute("SELECT target_type, target_id, theme, field, message FROM anomalies "
                           "WHERE target_id = 'UO-A' ORDER BY id DESC LIMIT 1").fetchone()
    assert tuple(row) == ("UO", "UO-A", "06", "phone", "Le numéro de téléphone ne répond plus.")


def map_ids(page) -> list[str]:
    """Every establishment on the map: single markers (data-eg) and clusters (data-egs)."""
    return sorted(page.locator("#carte").evaluate("""map => [
        ...[...map.querySelectorAll("[data-eg]")].map(m => m.dataset.eg),
        ...[...map.querySelectorAll("[data-egs]")].flatMap(m => m.dataset.egs.split(" "))]"""))


def test_the_map_shows_every_establishment_of_the_results_linked_to_the_list(page):
    page.goto("/recherche?where=78646&per_page=2")
    total = counts(page)[0]
    listed = shown_establishments(page)
    assert 2 == len(listed) < total <= 100
    region = page.get_by_role("region", name="Carte des résultats")
    expect(region).to_be_hidden()
    page.get_by_role("button", name="Carte").click()
    expect(region).to_be_visible()
    expect(region).to_have_attribute("data-map-ready", str(total))
    # Every establishment of the whole result set, not only the page's, each once.
    everyone = sorted(r["establishment"]["id"] for r in api_answer(page, page.url.replace("per_page=2", "per_page=100"))["results"])
    assert map_ids(page) == everyone
    expect(page.locator("path.map-radius")).to_have_count(1)
    # The base map is drawn (communes' outlines on a canvas), with no tile server.
    expect(page.locator(".leaflet-overlay-pane canvas")).to_have_count(1)
    # Dense: zoomed out, neighbours share a numbered marker, and still every establishment is there once.
    zoom_out = page.get_by_role("button", name="Dézoomer")
    for _ in range(3):
        if zoom_out.get_attribute("aria-disabled") != "true":
            zoom_out.click()
            page.wait_for_timeout(400)
    clusters = page.locator("#carte [data-egs]")
    assert clusters.count() >= 1
    assert map_ids(page) == everyone
    assert sum(int(c.inner_text()) for c in clusters.all()) == len(page.locator("#carte [data-egs]").evaluate_all(
        "cs => cs.flatMap(c => c.dataset.egs.split(' '))"))
    # A click on a cluster zooms in until its establishments have markers of their own.
    for _ in range(6):
        if not page.locator("#carte [data-egs]").count():
            break
        page.locator("#carte [data-egs]").first.click()
        page.wait_for_timeout(500)
    first = listed[0]
    marker = page.locator(f'#carte [data-eg="{first}"]')
    expect(marker).to_have_count(1)
    expect(marker).to_have_class(re.compile(r"\bis-listed\b"))
    # List ↔ map: hovering an establishment lights its marker; a click on a marker opens its sheet.
    page.locator(f"li#eg-{first} summary").hover()
    expect(marker).to_have_class(re.compile(r"\bis-active\b"))
    page.screenshot(path=str(ARTIFACTS / "results-map.png"), full_page=False)
    marker.focus()                  # brings it into the map's view (the zooms above may have left it out)
    marker.click()
    page.wait_for_url(f"**/eg/{first}")


def test_a_map_of_more_establishments_than_it_shows_says_the_count_as_the_title_does(browser, demo_index):
    """Past the map's 100 establishments, its status line gives the whole count as the page's
    title phrases it (thin-space thousands, « environ » past what the engine counts exactly)."""
    with LiveServer(create_app(demo_index, clock=fixed_clock(MONDAY_10H))) as server:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR", base_url=server.url)
        tab = context.new_page()
        tab.goto("/recherche?where=75056")
        total = counts(tab)[0]
        said = tab.locator("#results-title").get_attribute("data-establishments-said")
        assert total > 100 and said == f"{total:,}".replace(",", "\u202f")
        assert tab.locator("#results-title").inner_text().startswith(f"{said} établissements")
        tab.get_by_role("button", name="Carte").click()
        expect(tab.locator("#carte")).to_have_attribute("data-map-ready", "100")
        expect(tab.locator("[data-map-status]")).to_have_text(
            f"La carte montre les 100 premiers établissements sur {said} ; les suivants sont dans la liste.")
        context.close()


def test_tab_reaches_a_marker_in_rank_order_and_enter_opens_its_establishment(page):
    page.goto("/recherche?where=78646&per_page=2")
    listed = shown_establishments(page)
    toggle = page.get_by_role("button", name="Carte")
    toggle.click()
    expect(page.locator("#carte")).to_have_attribute("data-map-ready", re.compile(r"\d+"))
    # From « Carte », Tab goes through the map's controls to its first marker: the first result's.
    toggle.focus()
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("!!document.activeElement.closest('#carte [data-eg], #carte [data-egs]')"):
            break
    focused = page.evaluate("(el => ({eg: el.dataset.eg || null, egs: el.dataset.egs || null}))(document.activeElement)")
    assert focused["eg"] == listed[0] or listed[0] in (focused["egs"] or "").split(), focused
    # A cluster: Space zooms in on it, and the focus stays on the first result's marker.
    for _ in range(6):
        if page.evaluate("document.activeElement.dataset.eg") == listed[0]:
            break
        page.evaluate("window.__cluster = document.activeElement")
        page.keyboard.press(" ")
        # Redrawn after the zoom, with the focus on the marker now holding the first result.
        page.wait_for_function("""() => document.activeElement !== window.__cluster
            && document.activeElement.matches('#carte [data-eg], #carte [data-egs]')""")
    marker = page.locator(f'#carte [data-eg="{listed[0]}"]')
    expect(marker).to_be_focused()
    expect(marker).to_have_attribute("role", "link")
    # Focus on a marker lights its row in the list, as hovering does; a visible focus ring.
    expect(page.locator(f"li#eg-{listed[0]}")).to_have_class(re.compile(r"\bis-on-map\b"))
    assert marker.evaluate("m => getComputedStyle(m).outlineStyle") == "solid"
    page.locator("#carte").screenshot(path=str(ARTIFACTS / "results-map-focus.png"))
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/eg/{listed[0]}")


def test_ticking_a_filter_in_the_phone_panel_updates_every_count_without_a_page_load(page):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/recherche?where=78646")
    url = page.url
    page.evaluate("window.__samePage = true")                  # lost if the page were loaded again
    page.locator(".refine-panel > summary").click()
    apply = page.locator("[data-refine-apply]")
    total = counts(page)[1]
    expect(apply).to_have_text(f"Voir {total} résultats")
    open_before = page.locator("label[for=f-open_now-true] .count").get_attribute("data-count")
    page.locator("#refine input[name=age][value=E]").check()
    narrowed = api_answer(page, url + "&age=E")
    assert 0 < narrowed["total_units"] < total
    expect(apply).to_have_text(f"Voir {narrowed['total_units']} résultats" if narrowed["total_units"] > 1 else "Voir 1 résultat")
    # Every filter's count is the API's for the ticked filters (« Ouvert maintenant » among them).
    open_now = next(v for v in narrowed["facets"]["open_now"] if v["value"] is True)
    assert str(open_now["count"]) != open_before            # a count that must change, so the check means something
    expect(page.locator("label[for=f-open_now-true] .count")).to_have_attribute("data-count", str(open_now["count"]))
    for item in narrowed["facets"]["home_visit"]:
        badge = page.locator(f"label[for=f-home_visit-{str(item['value']).lower()}] .count")
        if badge.count():
            expect(badge).to_have_attribute("data-count", str(item["count"]))
    assert page.url == url and page.evaluate("window.__samePage") is True
    apply.click()
    page.wait_for_url("**age=E**")
    assert counts(page)[1] == narrowed["total_units"]
