"""The account pages in a real headless Chromium, as the guide walks through them.

A practitioner activates with the code from the letter, signs in, gives an e-mail
and accepts the terms, opens « Mon compte » then the sheet, ticks an aptitude,
draws Monday on the week planner and types Tuesday, saves — and the search finds
the change once the outbox is drained into the index. Then: a validation error
lands next to its day, a stale revision is caught, a planner cell is tapped on a
tablet, and a report sent from a UO sheet is resolved by the management cell.

The world is tests/test_accounts.py's (its own store and index prefix), served on a
free loopback port. Screenshots go to tests/artifacts/.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from catalog import accounts, activation, repository
from indexer.engine import UNITS, alias_name
from indexer.reindex import reindex
from indexer.sync import drain
from tests.browser import ARTIFACTS, LiveServer, sign_in, watch_policy_violations
from tests.world import ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD_A, PASSWORD_B, RPPS_A, RPPS_B, make_world

TIMEOUT_MS = 10_000
APTITUDE_CODE, APTITUDE_LABEL = "KINE_BILAN_APA", "Bilan Activité Physique adaptée (APA)"
VERSAILLES = "78646"          # UO-KA's commune (tests/test_accounts.py)
FIRST_HOUR = 7                # the planner's first visible hour


@pytest.fixture(scope="module")
def live(settings, search, tmp_path_factory):
    """A's letter is ready (no account yet); B has a complete account; there is an admin."""
    world = make_world(settings, tmp_path_factory.mktemp("account-browser"), accounts_ready=False)
    now = world.clock()
    with world.store.transaction() as conn:
        account = accounts.create_practitioner_account(conn, RPPS_B, PASSWORD_B, now)
        accounts.set_details(conn, account["id"], "paul@kine.test", now)
        accounts.create_admin_account(conn, ADMIN_EMAIL, ADMIN_PASSWORD, "Cellule de test", now)
    world.code = activation.issue_codes(world.store, rpps_list=[RPPS_A], now=now)[0].code
    reindex(world.store, search, world.settings, progress=False, grace_seconds=0)
    with LiveServer(world.app) as server:
        server.world = world
        yield server


def new_page(browser, live, **options):
    context = browser.new_context(locale="fr-FR", base_url=live.url, **{"viewport": {"width": 1280, "height": 900}, **options})
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    tab.errors = []
    tab.on("pageerror", lambda error: tab.errors.append(str(error)))
    watch_policy_violations(context, tab.errors)   # the Content-Security-Policy is checked on every page too
    return tab


@pytest.fixture
def page(browser, live):
    tab = new_page(browser, live)
    yield tab
    tab.context.close()
    assert tab.errors == [], f"JavaScript errors: {tab.errors}"



def cell(page, day: int, hour: float):
    col = int((hour - FIRST_HOUR) * 2)
    return page.locator(f'.planner-row[data-day="{day}"] .planner-cell[data-col="{col}"]')


def centre(locator) -> tuple[float, float]:
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def found_in_search(live, what: str, where: str) -> list[str]:
    world = live.world
    client = world.app.test_client()
    body = client.get(f"/api/v1/search?what={what}&where={where}").get_json()
    return [unit["id"] for result in body["results"] for unit in result["units"]]


# --- the guide, from the letter to the search results ----------------------------------------

def test_practitioner_activates_fills_the_sheet_and_is_found_in_search(page, live, search):
    world = live.world
    assert "UO-KA" not in found_in_search(live, APTITUDE_CODE, VERSAILLES)

    # 1.1 Activation: RPPS number, the code from the letter, a password with live rules.
    page.goto("/activation")
    page.get_by_label("Numéro RPPS").fill(RPPS_A)
    page.get_by_label("Code d'activation").fill("AAAA-BBBB-CCCC")
    password = page.get_by_label("Mot de passe", exact=True)
    password.press_sequentially("kine", delay=10)
    rules = page.locator("#activation-rules")
    expect(rules.locator("[data-rule=lower]")).to_have_class(re.compile("is-ok"))
    expect(rules.locator("[data-rule=lower]")).to_contain_text("respectée")
    expect(rules.locator("[data-rule=upper]")).not_to_have_class(re.compile("is-ok"))
    expect(rules.locator("[data-rule=upper]")).to_contain_text("à respecter")
    password.fill(PASSWORD_A)
    expect(rules.locator(".pw-rule.is-ok")).to_have_count(4)
    # The page compares the two passwords itself (the API takes one) and says so next to the second.
    page.get_by_label("Confirmez le mot de passe").fill(PASSWORD_A + "x")
    page.get_by_role("button", name="Activer mon compte").click()
    expect(page.locator("#activation-password_confirmation-error")).to_contain_text("ne correspondent pas")
    expect(page.get_by_label("Confirmez le mot de passe")).to_be_focused()
    page.get_by_label("Confirmez le mot de passe").fill(PASSWORD_A)
    expect(page.locator("#activation-password_confirmation-match")).to_contain_text("identiques")
    page.screenshot(path=str(ARTIFACTS / "activation.png"), full_page=True)
    page.get_by_role("button", name="Activer mon compte").click()
    code_error = page.locator("#activation-code-error")
    expect(code_error).to_contain_text("code d'activation incorrect")
    expect(page.get_by_label("Code d'activation")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Code d'activation")).to_be_focused()

    page.get_by_label("Code d'activation").fill(world.code)
    page.get_by_role("button", name="Activer mon compte").click()
    expect(page.get_by_role("heading", name="Votre compte est activé")).to_be_visible()

    # Back to the sign-in page, the RPPS number already there.
    page.locator("[data-success-link]").click()
    expect(page.get_by_label("Numéro RPPS ou adresse e-mail")).to_have_value(RPPS_A)
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD_A)
    page.get_by_role("button", name="Se connecter").click()

    # Mandatory details: e-mail + the terms of use, then « Poursuivre ».
    page.wait_for_url("**/compte/informations?next=%2Fmon-compte")
    page.get_by_label("Adresse e-mail").fill("claire@kine.test")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("#details-accept_terms-error")).to_contain_text("conditions d'utilisation")
    page.get_by_label("J'accepte les conditions").check()
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("[data-success-message]")).to_contain_text("courrier indésirable")
    assert any("To: claire@kine.test" in mail for mail in world.mails())
    page.get_by_role("link", name="Poursuivre").click()

    # 1.2 « Mon compte »: RPPS identity read-only, then the sheet.
    page.wait_for_url("**/mon-compte")
    expect(page.get_by_text("Ces données proviennent du RPPS et ne sont pas modifiables ici.")).to_be_visible()
    expect(page.locator(".sheet-grid")).to_contain_text(RPPS_A)
    page.get_by_role("link", name="Consultation kinésithérapie").first.click()
    page.wait_for_url("**/mon-compte/uo/UO-KA")

    # 1.3 The sheet: an aptitude, Monday drawn on the grid, Tuesday typed.
    page.get_by_label(APTITUDE_LABEL).check()
    monday = page.get_by_label("Lundi", exact=True)
    expect(monday).to_have_value("9h-12h")
    expect(cell(page, 1, 9)).to_have_attribute("aria-selected", "true")
    start, end = centre(cell(page, 1, 14)), centre(cell(page, 1, 17.5))
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(*end, steps=6)
    page.mouse.up()
    expect(monday).to_have_value("9h-12h 14h-18h")
    cell(page, 1, 8.5).click()
    expect(monday).to_have_value("8h30-12h 14h-18h")

    tuesday = page.get_by_label("Mardi", exact=True)
    tuesday.fill("9h-12h30 14h-18h")
    for hour, selected in ((9, "true"), (12, "true"), (12.5, "false"), (13.5, "false"), (14, "true"), (17.5, "true"), (18, "false")):
        expect(cell(page, 2, hour)).to_have_attribute("aria-selected", selected)
    page.locator("[data-week-planner]").screenshot(path=str(ARTIFACTS / "week-planner.png"))

    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("[data-form-status]")).to_contain_text(
        "Fiche enregistrée. Elle apparaît dans la recherche d'ici quelques secondes.")
    expect(page.locator("[data-form-status] a")).to_have_attribute("href", "/uo/UO-KA")
    page.screenshot(path=str(ARTIFACTS / "my-sheet.png"), full_page=True)

    with world.store.snapshot() as conn:
        unit = repository.get_unit(conn, "UO-KA")
    assert unit["aptitudes"] == [APTITUDE_CODE]
    assert unit["week"] == {1: [(510, 720), (840, 1080)], 2: [(540, 750), (840, 1080)]}

    assert drain(world.store, search, world.settings).applied >= 1
    search.indices.refresh(index=alias_name(world.settings, UNITS))
    assert "UO-KA" in found_in_search(live, APTITUDE_CODE, VERSAILLES)


# --- errors and conflicts ---------------------------------------------------------------------

def test_an_impossible_tuesday_is_shown_next_to_tuesday(page):
    sign_in(page, RPPS_B, PASSWORD_B, "/mon-compte")
    page.goto("/mon-compte/uo/UO-KB")
    page.get_by_label("Mardi", exact=True).fill("14h-12h")
    page.get_by_role("button", name="Enregistrer").click()
    error = page.locator('.planner-row[data-day="2"] [data-error-for="week.2"]')
    expect(error).to_have_text("mardi : le créneau 14h-12h finit avant de commencer")
    expect(page.locator("[data-form-status]")).to_contain_text("Corrigez le champ signalé")
    expect(page.get_by_label("Mardi", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Mardi", exact=True)).to_be_focused()
    expect(page.locator('.planner-row[data-day="1"] [data-error-for="week.1"]')).to_be_hidden()

    page.get_by_label("Mardi", exact=True).fill("14h-18h")
    expect(error).to_be_hidden()
    page.get_by_label("Téléphone prise de rendez-vous").fill("01 23")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("#f-phone-error")).to_contain_text("n'est pas valide")


def test_a_sheet_with_three_wrong_fields_shows_the_three_errors_at_once(page, live):
    sign_in(page, RPPS_B, PASSWORD_B, "/mon-compte")
    page.goto("/mon-compte/uo/UO-KB")
    before = int(page.locator("form[data-sheet-form]").get_attribute("data-revision"))
    phone, tuesday = page.get_by_label("Téléphone prise de rendez-vous"), page.get_by_label("Mardi", exact=True)
    phone.fill("01 23")
    tuesday.fill("14h-12h")
    summary = page.locator("[data-age-summary]")
    page.get_by_label("Âge minimum").fill("60")
    page.get_by_label("Âge maximum").fill("1")
    expect(summary).to_contain_text("Âges non valides")
    page.get_by_label("Âge maximum").press_sequentially("0")        # 10: below 60
    # The live summary never reads an inverted range; it says what the server will say.
    expect(summary).to_have_text("Âges non valides : L'âge maximum doit être supérieur ou égal à l'âge minimum.")
    expect(summary).not_to_contain_text("de 60 à 10")
    page.get_by_role("button", name="Enregistrer").click()

    errors = page.locator("[data-error-summary]")
    expect(errors).to_be_visible()
    expect(errors).to_be_focused()
    expect(errors.locator("[data-error-summary-title]")).to_have_text("3 erreurs à corriger :")
    links = errors.get_by_role("link")
    expect(links).to_have_count(3)
    expect(links.nth(0)).to_have_text(re.compile(r"^Téléphone prise de rendez-vous : Ce numéro de téléphone n'est pas valide"))
    expect(links.nth(1)).to_have_text("mardi : le créneau 14h-12h finit avant de commencer")
    expect(links.nth(2)).to_have_text("Âge maximum : L'âge maximum doit être supérieur ou égal à l'âge minimum.")
    # Each message beside its field too, the field marked invalid and described by it.
    expect(page.locator("#f-phone-error")).to_contain_text("n'est pas valide")
    expect(page.locator('[data-error-for="week.2"]')).to_have_text("mardi : le créneau 14h-12h finit avant de commencer")
    expect(page.locator("#f-age_max-error")).to_have_text("L'âge maximum doit être supérieur ou égal à l'âge minimum.")
    for field in (phone, tuesday, page.get_by_label("Âge maximum")):
        expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Âge maximum")).to_have_accessible_description(re.compile("supérieur ou égal"))
    expect(page.locator("[data-form-status]")).to_have_text("Corrigez les 3 erreurs signalées (liste en haut du formulaire).")
    page.screenshot(path=str(ARTIFACTS / "sheet-errors.png"), full_page=False)

    # A link of the summary takes to its field; fixing a field clears its message and its line.
    links.nth(2).click()
    expect(page.get_by_label("Âge maximum")).to_be_focused()
    page.get_by_label("Âge maximum").fill("99")
    expect(page.locator("#f-age_max-error")).to_be_hidden()
    expect(page.get_by_label("Âge maximum")).not_to_have_attribute("aria-invalid", "true")
    expect(links).to_have_count(2)
    expect(errors.locator("[data-error-summary-title]")).to_have_text("2 erreurs à corriger :")
    expect(summary).to_have_text("Affiché : Adultes (de 60 à 99 ans) — A")
    with live.world.store.snapshot() as conn:
        assert repository.get_unit(conn, "UO-KB")["revision"] == before       # nothing was saved


def test_activation_and_sign_in_report_every_wrong_field_at_once(page):
    page.goto("/activation")
    page.get_by_label("Numéro RPPS").fill("123")
    page.get_by_label("Code d'activation").fill("?")
    page.get_by_label("Mot de passe", exact=True).fill("kine")
    # The page compares the two typings itself (the API takes one password), yet every error shows at once.
    page.get_by_label("Confirmez le mot de passe").fill("kiné")
    page.get_by_role("button", name="Activer mon compte").click()
    errors = page.locator("[data-error-summary]")
    expect(errors).to_be_focused()
    expect(errors.get_by_role("link")).to_have_count(4)
    expect(page.locator("#activation-rpps-error")).to_have_text("Le numéro RPPS doit comporter 11 chiffres.")
    expect(page.locator("#activation-code-error")).to_contain_text("code d'activation ne semble pas valide")
    # A password's broken rules are read together, on one line.
    expect(page.locator("#activation-password-error")).to_have_text(
        "Au moins 8 caractères. Au moins une lettre majuscule. Au moins un chiffre.")
    expect(page.locator("#activation-password_confirmation-error")).to_have_text("Les deux mots de passe ne correspondent pas.")

    page.goto("/connexion")
    page.get_by_role("button", name="Se connecter").click()
    errors = page.locator("[data-error-summary]")
    expect(errors.get_by_role("link")).to_have_count(2)
    expect(errors).to_contain_text("Saisissez votre numéro RPPS ou votre adresse e-mail.")
    expect(errors).to_contain_text("Saisissez votre mot de passe.")
    # A wrong password is one problem with no field: said once, on the status line.
    page.get_by_label("Numéro RPPS ou adresse e-mail").fill(RPPS_B)
    page.get_by_label("Mot de passe", exact=True).fill("Mauvais-Mot-1")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.locator("[data-form-status]")).to_have_class(re.compile("is-error"))
    expect(errors).to_be_hidden()


def test_a_sheet_changed_meanwhile_is_not_overwritten(page, live):
    sign_in(page, RPPS_B, PASSWORD_B, "/mon-compte")
    page.goto("/mon-compte/uo/UO-KB")
    before = int(page.locator("form[data-sheet-form]").get_attribute("data-revision"))
    with live.world.store.transaction() as conn:      # someone else saves in between
        repository.touch_units(conn, ["UO-KB"])
    page.get_by_label("Téléphone prise de rendez-vous").fill("01 39 00 00 77")
    page.get_by_role("button", name="Enregistrer").click()
    stale = page.locator("[data-stale]")
    expect(stale).to_contain_text("La fiche a été modifiée entre-temps")
    stale.get_by_role("button", name="Recharger la version actuelle").click()
    page.wait_for_load_state()
    expect(page.locator("form[data-sheet-form]")).to_have_attribute("data-revision", str(before + 1))
    expect(page.get_by_label("Téléphone prise de rendez-vous")).to_have_value("")


def test_home_visit_communes_persons_and_ages_are_saved(page, live):
    sign_in(page, RPPS_B, PASSWORD_B, "/mon-compte")
    page.goto("/mon-compte/uo/UO-KB")
    communes = page.get_by_role("combobox", name="Communes d'intervention")
    expect(communes).to_be_hidden()
    visit_aptitude = page.get_by_role("checkbox", name="Intervention à domicile", exact=True)
    expect(visit_aptitude).not_to_be_checked()
    page.get_by_label("Oui", exact=True).check()
    expect(visit_aptitude).to_be_checked()          # one fact: the aptitude follows the answer
    visit_aptitude.uncheck()
    expect(page.get_by_label("Non", exact=True)).to_be_checked()
    expect(communes).to_be_hidden()
    visit_aptitude.check()
    expect(page.get_by_label("Oui", exact=True)).to_be_checked()
    communes.press_sequentially("vers", delay=20)
    expect(page.locator("#communes-listbox [role=option]").first).to_contain_text("Versailles (78000)")
    expect(page.locator("#communes-listbox")).not_to_contain_text("Cabinet")      # communes only
    communes.press("ArrowDown")
    communes.press("Enter")                                                      # adds a chip, does not save
    expect(communes).to_have_value("")
    communes.press_sequentially("chesn", delay=20)
    page.locator("#communes-listbox [role=option]").filter(has_text="Le Chesnay").first.click()
    chips = page.locator("[data-chips] .chip")
    expect(chips).to_have_count(2)
    page.get_by_role("button", name="Retirer Versailles (78000)").click()
    expect(chips).to_have_count(1)

    page.get_by_role("button", name="Adultes (18 ans et plus)").click()
    expect(page.get_by_label("Âge minimum")).to_have_value("18")
    expect(page.locator("[data-age-summary]")).to_contain_text("Adultes")
    # Typing a maximum below the minimum never reads as « de 18 à 10 ans ».
    page.get_by_label("Âge maximum").fill("10")
    expect(page.locator("[data-age-summary]")).to_contain_text("supérieur ou égal à l'âge minimum")
    expect(page.locator("[data-age-summary]")).not_to_contain_text("de 18 à 10")
    page.get_by_role("button", name="Adultes (18 ans et plus)").click()
    expect(page.locator("[data-age-summary]")).to_contain_text("Adultes")
    page.get_by_role("button", name="+ Ajouter une personne").click()
    page.get_by_label("Nom et prénom").fill("Léa Stagiaire")
    page.get_by_label("Rôle").select_option("stagiaire")
    page.get_by_label("E-mail", exact=True).fill("pas-une-adresse")
    comments = page.get_by_role("textbox", name="Informations complémentaires")
    comments.fill("Cabinet au rez-de-chaussée.")
    expect(page.locator("#comments-counter")).to_have_text("27 / 2 000 caractères")

    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("#person-0-email-error")).to_contain_text("Adresse e-mail non valide")
    page.get_by_label("E-mail", exact=True).fill("lea@kine.test")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("[data-form-status]")).to_contain_text("Fiche enregistrée.")

    with live.world.store.snapshot() as conn:
        unit = repository.get_unit(conn, "UO-KB")
        persons = repository.resource_persons(conn, "UO-KB")
    assert unit["home_visit"] is True and unit["home_visit_communes"] == ["78158"]
    assert unit["aptitudes"] == ["KINE_INTERV_DOMICILE"]
    assert (unit["age_min"], unit["age_max"]) == (18, 120)
    assert unit["comments"] == "Cabinet au rez-de-chaussée."
    assert [(p["name"], p["role"], p["email"]) for p in persons if p["source"] == "added"] == [
        ("Léa Stagiaire", "stagiaire", "lea@kine.test")]


def test_the_planner_works_with_a_finger_on_a_tablet(browser, live):
    tab = new_page(browser, live, viewport={"width": 820, "height": 1180}, has_touch=True, is_mobile=True)
    try:
        sign_in(tab, RPPS_B, PASSWORD_B, "/mon-compte")
        tab.goto("/mon-compte/uo/UO-KB")
        saturday = tab.get_by_label("Samedi", exact=True)
        expect(saturday).to_have_value("")
        box = cell(tab, 6, 10).bounding_box()
        assert box["width"] >= 18 and box["height"] >= 36      # big enough for a finger
        cell(tab, 6, 10).tap()
        cell(tab, 6, 10.5).tap()
        expect(saturday).to_have_value("10h-11h")
        # The keyboard reaches the same cells: Space toggles, arrows move.
        cell(tab, 6, 10.5).focus()
        tab.keyboard.press("ArrowRight")
        tab.keyboard.press("Space")
        expect(saturday).to_have_value("10h-11h30")
        tab.keyboard.press("Shift+ArrowRight")
        expect(saturday).to_have_value("10h-12h")
        # Monday typed once, copied to the other weekdays.
        tab.get_by_label("Lundi", exact=True).fill("8h-12h")
        tab.get_by_role("button", name="Recopier le lundi du mardi au vendredi").click()
        expect(tab.get_by_label("Vendredi", exact=True)).to_have_value("8h-12h")
        expect(cell(tab, 5, 8)).to_have_attribute("aria-selected", "true")
        expect(saturday).to_have_value("10h-12h")
        assert tab.errors == []
    finally:
        tab.context.close()


def touch_drag(tab, start: tuple[float, float], end: tuple[float, float], steps: int = 6) -> None:
    """A finger put down at ``start``, moved to ``end`` and lifted (Chromium's touch input, as a phone sends it)."""
    cdp = tab.context.new_cdp_session(tab)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": start[0], "y": start[1]}]})
    for i in range(1, steps + 1):
        x = start[0] + (end[0] - start[0]) * i / steps
        y = start[1] + (end[1] - start[1]) * i / steps
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def test_the_planner_shows_a_day_at_a_time_and_a_finger_paints_it_on_a_phone(browser, live):
    tab = new_page(browser, live, viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    try:
        sign_in(tab, RPPS_B, PASSWORD_B, "/mon-compte")
        tab.goto("/mon-compte/uo/UO-KB")
        saturday = tab.get_by_label("Samedi", exact=True)
        expect(saturday).to_have_value("")
        # Every day's text is in view; only the chosen day shows its half-hours, big enough for a finger.
        expect(cell(tab, 6, 10)).to_be_hidden()
        tab.get_by_role("button", name="Modifier le samedi sur la grille").tap()
        expect(cell(tab, 6, 10)).to_be_visible()
        expect(cell(tab, 1, 10)).to_be_hidden()
        box = cell(tab, 6, 10).bounding_box()
        assert box["width"] >= 44 and box["height"] >= 40
        # A vertical swipe paints (it used to scroll the page): 10h down to 12h, the cell below.
        top, below = centre(cell(tab, 6, 10)), centre(cell(tab, 6, 12))
        assert abs(top[0] - below[0]) < 2 and below[1] > top[1] + box["height"]
        touch_drag(tab, top, below)
        expect(saturday).to_have_value("10h-12h30")
        assert tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        tab.locator(".planner").screenshot(path=str(ARTIFACTS / "planner-phone.png"))
        assert tab.errors == []
    finally:
        tab.context.close()


# --- anomaly: from a UO sheet to the management cell -----------------------------------------------

def test_a_report_from_a_unit_sheet_is_resolved_by_the_cell(browser, live):
    reporter = new_page(browser, live)
    try:
        sign_in(reporter, RPPS_B, PASSWORD_B, "/mon-compte")
        reporter.goto("/uo/UO-A")
        reporter.get_by_role("button", name="Signaler une anomalie").click()
        dialog = reporter.get_by_role("dialog", name="Signaler une anomalie")
        dialog.get_by_label("Concerne").select_option(value="UO|UO-A")
        dialog.get_by_label("Thème").select_option(label="Récence")
        # Too short: the server's words, beside the message.
        dialog.get_by_label("Votre message").fill("Déménagé")
        dialog.get_by_role("button", name="Envoyer").click()
        expect(dialog.locator("#anomaly-message-error")).to_have_text(
            "Décrivez l'anomalie en quelques mots (10 caractères au moins).")
        expect(dialog.get_by_label("Votre message")).to_have_attribute("aria-invalid", "true")
        expect(dialog.get_by_label("Votre message")).to_be_focused()
        dialog.get_by_label("Votre message").fill("Ce cabinet a déménagé rue de la Paroisse en janvier.")
        expect(dialog.locator("#anomaly-message-error")).to_be_hidden()
        dialog.get_by_role("button", name="Envoyer").click()
        expect(dialog.locator("[data-anomaly-status]")).to_contain_text("transmis à la cellule ROR")
        assert reporter.errors == []
    finally:
        reporter.context.close()

    admin = new_page(browser, live)
    try:
        # A practitioner may not see the queue; the cell may.
        sign_in(admin, ADMIN_EMAIL, ADMIN_PASSWORD, "/cellule/anomalies")
        row = admin.locator("table.queue tbody tr").filter(has_text="Ce cabinet a déménagé")
        expect(row).to_contain_text("Récence")
        expect(row).to_contain_text("Nouvelle")
        expect(row.get_by_role("link", name="Consultation kinésithérapie")).to_have_attribute("href", "/uo/UO-A")
        admin.get_by_label("Statut", exact=True).select_option(label="Nouvelle")
        admin.get_by_label("Fiche concernée").select_option(value="UO")
        admin.get_by_role("button", name="Filtrer").click()
        admin.wait_for_url("**status=new**")
        expect(admin.locator("table.queue tbody tr").filter(has_text="Ce cabinet a déménagé")).to_have_count(1)
        admin.screenshot(path=str(ARTIFACTS / "admin-queue.png"), full_page=True)

        admin.locator("table.queue tbody tr").filter(has_text="Ce cabinet a déménagé").get_by_role("link").first.click()
        admin.wait_for_url(re.compile(r".*/cellule/anomalies/\d+$"))
        admin.get_by_role("button", name="M'attribuer").click()
        expect(admin.get_by_text("Modifications enregistrées.")).to_be_visible()
        expect(admin.locator("[data-assignee]")).to_have_text("Cellule de test")

        admin.get_by_label("Résolue", exact=True).check()
        admin.get_by_label("Note").fill("")
        admin.get_by_role("button", name="Enregistrer").click()
        expect(admin.locator("#a-note-error")).to_have_text("Ajoutez une note expliquant la décision.")
        admin.get_by_label("Note").fill("Adresse corrigée d'après le RPPS.")
        admin.get_by_role("button", name="Enregistrer").click()
        expect(admin.get_by_text("Modifications enregistrées.")).to_be_visible()
        expect(admin.locator(".sheet-status .anomaly-status")).to_have_text("Résolue")
        assert admin.errors == []
    finally:
        admin.context.close()

    with live.world.store.snapshot() as conn:
        row = conn.execute("SELECT status, note, target_id FROM anomalies WHERE message LIKE 'Ce cabinet a déménagé%'").fetchone()
    assert tuple(row) == ("resolved", "Adresse corrigée d'après le RPPS.", "UO-A")
