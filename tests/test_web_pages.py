"""The French web UI, page by page, through Flask's test client (the engine is real)."""
from __future__ import annotations

import dataclasses
import re
from urllib.parse import parse_qsl, urlsplit

import pytest

from catalog import accounts
from catalog.communes import communes
from query_api import create_app
from query_api.search.places import haversine_km
from query_api.web.pages import patients_text, resolve_where
from tests import offer_fixture
from tests.browser import private_store_settings
from tests.world import fixed_clock

MONDAY_10H = "2026-11-30T10:00:00+01:00"   # UO-A (Monday 9h-12h) is open, UO-D (Tuesday) closed


@pytest.fixture
def web(settings, indexed_offer):
    return create_app(settings, clock=fixed_clock(MONDAY_10H)).test_client()


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


def data_attr(html: str, name: str) -> int:
    return int(re.search(rf'data-{name}="(\d+)"', html).group(1))




def expected_around(insee: str, radius_km: float) -> tuple[set[str], set[str]]:
    """Brute force over the fixture: (establishments, units) near the commune or visiting it."""
    town = communes()[insee]
    places = {eg[0]: (eg[4], eg[5]) for eg in offer_fixture.ESTABLISHMENTS}
    units = {u["id"] for u in offer_fixture.UNITS
             if haversine_km(town.lat, town.lon, *places[u["eg_id"]]) <= radius_km
             or insee in (u.get("home_visit_communes") or [])}
    egs = {u["eg_id"] for u in offer_fixture.UNITS if u["id"] in units}
    return egs, units


# --- search page ----------------------------------------------------------------------------

def test_search_page_offers_where_what_and_the_categories(web):
    html = page(web, "/")
    assert '<html lang="fr">' in html
    assert 'href="#contenu"' in html                        # skip link
    assert '<label for="where-input">Où ?</label>' in html
    assert '<label for="what-input">Quoi ?</label>' in html
    assert 'action="/recherche" method="get"' in html
    assert ">Tout le ROR</option>" in html
    for label in ("Professionnels libéraux", "Établissements de santé", "Centres de santé"):
        assert label in html
    assert "Rechercher</button>" in html
    assert "0805 690 711" in html                            # support phone in the footer


# --- results --------------------------------------------------------------------------------

def test_results_around_versailles_count_establishments_and_units(web):
    html = page(web, "/recherche?where=78646")
    egs, units = expected_around("78646", 10)
    assert data_attr(html, "establishments") == len(egs) == 4
    assert data_attr(html, "units") == len(units) == 7
    assert "4 établissements, 7 unités" in html
    assert "autour de <strong>Versailles (78000)</strong>, 10 km" in html
    # Establishments in distance order, each expandable to its units.
    order = [html.index(f'id="eg-{eg}"') for eg in ("EG-VER1", "EG-HOSP", "EG-CHES", "EG-RAMB")]
    assert order == sorted(order)
    assert html.count('<details class="eg-details"') == 4
    assert 'href="/uo/UO-A"' in html
    # Rambouillet is 28 km away but visits patients at home in Versailles.
    rambouillet = html[html.index('id="eg-EG-RAMB"'):]
    assert "Intervient à domicile dans votre commune" in rambouillet
    # Status in words as well as colour, and the E/A legend.
    assert '<span class="status status-open">Ouvert</span>' in html
    assert '<span class="status status-closed">Fermé</span>' in html
    assert "<strong>E</strong> = Enfants, <strong>A</strong> = Adultes" in html


def test_results_page_shows_the_same_numbers_as_the_json_api(web):
    query = "where=78646&age=E&sort=relevance"
    api = web.get(f"/api/v1/search?{query}").get_json()
    html = page(web, f"/recherche?{query}")
    assert data_attr(html, "establishments") == api["total_establishments"]
    assert data_attr(html, "units") == api["total_units"]
    shown = re.findall(r'<li class="eg" id="eg-([^"]+)"', html)
    assert shown == [r["establishment"]["id"] for r in api["results"]]


def test_facets_show_counts_and_keep_the_selection(web):
    html = page(web, "/recherche?where=78646&age=E&what=KINE_REEDUC_VESTIBULAIRE")
    assert re.search(r'id="f-age-e" name="age" value="E" checked', html)
    assert not re.search(r'id="f-age-a" name="age" value="A" checked', html)
    # The refine form keeps the search itself.
    refine = html[html.index('<form id="refine"'):]
    assert '<input type="hidden" name="where" value="78646">' in refine
    assert '<input type="hidden" name="what" value="KINE_REEDUC_VESTIBULAIRE">' in refine
    # Aptitudes are grouped, each value with its count.
    assert "Activité de rééducation" in refine
    assert 'name="aptitude" value="KINE_REEDUC_VESTIBULAIRE"' in refine
    assert "Filtrer</button>" in refine                      # inside <noscript>, for visitors without JS
    assert "Retirer tous les filtres" in refine


def test_export_link_carries_the_search_parameters(web):
    html = page(web, "/recherche?where=78646&age=E&page=1")
    href = re.search(r'href="([^"]+)" data-export', html).group(1).replace("&amp;", "&")
    parts = urlsplit(href)
    assert parts.path == "/api/v1/search.xlsx"
    assert parse_qsl(parts.query) == [("where", "78646"), ("age", "E")]
    assert "Exporter (Excel)" in html


def test_sort_links_and_pagination(web):
    html = page(web, "/recherche?where=78646&per_page=1&page=2")
    assert 'aria-current="true">Distance</a>' in html
    assert "sort=relevance" in html
    assert 'aria-current="page">2</a>' in html
    assert "page=1" in html and "page=3" in html
    assert "‹ Précédente" in html and "Suivante ›" in html


def test_empty_results_suggest_a_wider_search_without_the_filters(web):
    html = page(web, "/recherche?where=78646&what=introuvablezz&age=E")
    assert "Aucun résultat" in html
    widen = re.search(r'href="([^"]+)" data-widen', html).group(1).replace("&amp;", "&")
    params = dict(parse_qsl(urlsplit(widen).query))
    assert params == {"where": "78646", "what": "introuvablezz", "radius_km": "20"}
    assert "Chercher sans « introuvablezz »" in html


def test_a_typed_commune_is_resolved_to_its_insee_code(web):
    for typed, insee in [("Versailles", "78646"), ("78000", "78646"), ("Versailles (78000)", "78646"),
                         ("paris 15e", "75115"), ("Paris", "75056"), ("13e arrondissement", "75113"),
                         ("Hauts-de-Seine", "dep:92"), ("cp:78000", "78646"), ("78200", "cp:78200")]:
        response = web.get("/recherche", query_string={"where": typed, "what": "vertiges"})
        assert response.status_code == 302, typed
        assert dict(parse_qsl(urlsplit(response.headers["Location"]).query)) == {"where": insee, "what": "vertiges"}


def test_resolve_where_keeps_api_values_and_reads_places():
    assert resolve_where("78646") == "78646"
    assert resolve_where("75056") == "75056"
    assert resolve_where("91200") == "91200"          # a bare five-digit where is an INSEE code (Dourdan)
    assert resolve_where("cp:91200") == "91027"       # typed in the box: the postal code of Athis-Mons
    assert resolve_where("dep:92") == "dep:92"
    assert resolve_where("eg:EG-HOSP") == "eg:EG-HOSP"
    assert resolve_where("48.8,2.1") == "48.8,2.1"
    assert resolve_where("  le chesnay-rocquencourt ") == "78158"
    assert resolve_where("Paris") == "75056"          # Paris is a place: no « précisez l'arrondissement »
    assert resolve_where("13001") is None             # Marseille's postal code, not Île-de-France
    assert resolve_where("Atlantide") is None


def test_a_phrase_typed_in_where_is_read_as_free_text(web):
    response = web.get("/recherche", query_string={"where": "kiné vestibulaire Versailles"})
    assert response.status_code == 302
    assert dict(parse_qsl(urlsplit(response.headers["Location"]).query)) == {"q": "kiné vestibulaire Versailles"}


@pytest.mark.parametrize("query, message", [
    ("where=123.0,2", "Latitude hors limites"),
    ("where=Atlantide", "Lieu non reconnu : « Atlantide »"),
    ("where=78646&age=X", "Âge des patients inconnu"),
    ("where=78646&colour=blue", "Paramètre inconnu : colour"),
])
def test_a_bad_parameter_gives_a_french_400_page(web, query, message):
    html = page(web, f"/recherche?{query}", status=400)
    assert "Cette recherche ne peut pas aboutir" in html
    assert message in html
    assert 'role="search"' in html                           # the form is there to correct it


def test_a_search_with_several_bad_parameters_lists_them_all_without_javascript(web):
    html = page(web, "/recherche?where=78646&age=X&radius_km=abc&sort=au-hasard", status=400)
    assert "3 erreurs à corriger" in html
    for words in ("Âge des patients inconnu", "rayon", "tri"):
        assert words.lower() in html.lower()
    assert html.count("<li>", html.index("error-list")) >= 3


def test_the_json_api_still_answers_errors_in_json(web):
    response = web.get("/api/v1/search?where=123.0,2")
    assert response.status_code == 400 and response.get_json()["error"]["field"] == "where"


# --- sheets --------------------------------------------------------------------------------

def test_unit_sheet_shows_week_aptitudes_patients_and_phone(web):
    html = page(web, "/uo/UO-A")
    assert "<h1>Consultation kinésithérapie</h1>" in html
    assert "Ouvert maintenant" in html
    assert 'href="tel:0139000001">01 39 00 00 01</a>' in html
    assert "Rééducation vestibulaire (trouble de l&#39;équilibre)" in html
    assert "Enfants et adultes (tous âges)" in html
    assert "Vertiges et troubles de l&#39;équilibre" in html
    week = html[html.index('<table class="week">'):html.index("</table>", html.index('<table class="week">'))]
    rows = re.findall(r"<th scope=\"row\">(\w+).*?</th>\s*<td>(.*?)</td>", week, re.S)
    assert [day for day, _ in rows] == ["Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi", "Dimanche"]
    assert rows[0][1] == "9h-12h"
    assert all("Fermé" in hours for _, hours in rows[1:])
    assert "Signaler une anomalie" in html
    assert 'href="/eg/EG-VER1"' in html


def test_unit_sheet_lists_home_visit_communes_and_hides_empty_fields(web):
    html = page(web, "/uo/UO-B")
    assert "Versailles (78000)" in html and "Le Chesnay-Rocquencourt (78150)" in html
    assert "Adultes (à partir de 18 ans)" in html
    assert "Téléphone (prise de rendez-vous)" not in html      # UO-B has no phone
    assert 'id="comments-title"' not in html
    generalist = page(web, "/uo/UO-C")
    assert "offre généraliste" in generalist


def test_direct_contacts_are_for_signed_in_professionals(settings, indexed_offer, tmp_path):
    private = private_store_settings(settings, settings.store_path, tmp_path)
    app = create_app(private, clock=fixed_clock(MONDAY_10H))
    with app.extensions["ror"]["store"].transaction() as conn:
        accounts.create_admin_account(conn, "cellule@example.org", "Cellule2026", "Cellule ROR",
                                      fixed_clock(MONDAY_10H)())
    client = app.test_client()
    assert "réservés aux professionnels connectés" in page(client, "/uo/UO-A")
    token = client.get("/api/v1/session").get_json()["csrf_token"]
    signed = client.post("/api/v1/login", json={"login": "cellule@example.org", "password": "Cellule2026"},
                         headers={"X-CSRF-Token": token})
    assert signed.status_code == 200
    html = page(client, "/uo/UO-A")
    assert "réservés aux professionnels connectés" not in html
    assert "Cellule ROR" in html                               # the account's name in the header


def test_unknown_unit_or_establishment_gives_a_404_page(web):
    html = page(web, "/uo/UO-NOPE", status=404)
    assert "Page introuvable" in html
    assert "Aucune unité (UO) ne porte l&#39;identifiant « UO-NOPE »" in html
    assert "Aucun établissement (EG)" in page(web, "/eg/EG-NOPE", status=404)


def test_establishment_sheet_lists_its_units_with_links(web):
    html = page(web, "/eg/EG-HOSP")
    assert "<h1>Centre hospitalier de Versailles</h1>" in html
    assert "Établissements de santé" in html
    for unit in ("UO-H1", "UO-H2", "UO-H3"):
        assert f'href="/uo/{unit}"' in html
    assert "Yvelines (78)" in html
    assert "Signaler une anomalie" in html


def test_anomaly_dialog_offers_the_themes(web):
    html = page(web, "/uo/UO-A")
    dialog = html[html.index('<dialog id="anomaly-dialog"'):html.index("</dialog>")]
    for theme in ("Complétude", "Exhaustivité", "Cohérence", "Récence", "Structuration", "Exactitude"):
        assert theme in dialog
    assert 'value="UO|UO-A"' in dialog and 'value="EG|EG-VER1"' in dialog
    assert '<label for="anomaly-message">Votre message</label>' in dialog


# --- help -----------------------------------------------------------------------------------

def test_help_page_explains_activation_search_and_reports_with_support_contacts(settings, indexed_offer):
    custom = dataclasses.replace(settings, support_phone="01 23 45 67 89", support_email="aide@example.org")
    html = page(create_app(custom).test_client(), "/aide")
    assert "numéro RPPS" in html and "code d'activation" in html
    assert "au moins 8 caractères" in html and "une majuscule, une minuscule et un chiffre" in html
    assert "Remplir votre fiche" in html and "Rechercher une offre" in html
    assert 'id="signaler"' in html and "Signaler une anomalie" in html
    assert "01 23 45 67 89" in html and "mailto:aide@example.org" in html
    assert "Documents" in html
    assert "Rééducation vestibulaire (trouble de l&#39;équilibre)" in html   # the annex


def test_patients_text_reads_the_age_range():
    assert patients_text({"age_min": 0, "age_max": 120, "flags": ["E", "A"]}) == "Enfants et adultes (tous âges)"
    assert patients_text({"age_min": 0, "age_max": 17, "flags": ["E"]}) == "Enfants (jusqu'à 17 ans)"
    assert patients_text({"age_min": 18, "age_max": 120, "flags": ["A"]}) == "Adultes (à partir de 18 ans)"
    assert patients_text({"age_min": 6, "age_max": 60, "flags": ["E", "A"]}) == "Enfants et adultes (de 6 à 60 ans)"


def test_an_establishment_chosen_in_where_shows_its_units_open(web):
    html = page(web, "/recherche?where=eg:EG-HOSP")
    assert data_attr(html, "establishments") == 1 and data_attr(html, "units") == 3
    assert "à <strong>Centre hospitalier de Versailles</strong>" in html
    assert '<details class="eg-details" open>' in html          # a single establishment is shown expanded
    assert 'value="Centre hospitalier de Versailles" data-value="eg:EG-HOSP"' in html


def test_results_page_before_any_index_says_unavailable_in_french(settings, search, tmp_path):
    import dataclasses

    from query_api import create_app

    empty = dataclasses.replace(settings, index_prefix=f"{settings.index_prefix}-noindex",
                                store_path=str(tmp_path / "empty.sqlite3"))
    response = create_app(empty).test_client().get("/recherche?where=78646")
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert "indisponible" in page and "<html" in page.lower()


# --- places and phrases ---------------------------------------------------------------------

def test_a_department_is_searched_as_a_department(web):
    html = page(web, "/recherche?where=dep:78")
    assert "dans le département <strong>Yvelines (78)</strong>" in html
    yvelines = {u["id"] for u in offer_fixture.UNITS
                if communes()[next(e[3] for e in offer_fixture.ESTABLISHMENTS if e[0] == u["eg_id"])].department == "78"}
    assert data_attr(html, "units") == len(yvelines)
    assert 'value="Yvelines (78)"' in html                 # « Où ? » shows it, ready for the next search


def test_chips_remove_their_part_of_the_phrase(web):
    html = page(web, "/recherche?what=vestibulaire+enfant+Versailles")
    chips = dict(re.findall(r'<a class="chip[^"]*" href="([^"]+)"[^>]*><span class="chip-label">([^<]+)</span>', html))
    by_label = {label.replace("&#39;", "'"): href.replace("&amp;", "&") for href, label in chips.items()}
    assert set(by_label) == {"Versailles (78000)", "Rééducation vestibulaire (trouble de l'équilibre)", "Enfants"}
    assert dict(parse_qsl(urlsplit(by_label["Enfants"]).query)) == {"what": "vestibulaire Versailles"}
    assert dict(parse_qsl(urlsplit(by_label["Versailles (78000)"]).query)) == {"what": "vestibulaire enfant"}
    # The facet ticked by the text is shown ticked but is not submitted again.
    assert re.search(r'<input type="checkbox" id="f-age-e" name="age" value="E" checked disabled', html)


def test_five_digits_typed_in_where_are_a_postal_code_and_the_other_reading_is_named(web):
    # The typeahead sends five digits typed (not chosen) as cp:<digits>.
    response = web.get("/recherche", query_string={"where": "cp:91200"})
    assert response.status_code == 302
    assert dict(parse_qsl(urlsplit(response.headers["Location"]).query)) == {"q": "91200"}
    html = page(web, "/recherche?q=91200")
    assert "Athis-Mons (91200)" in html and "code INSEE de Dourdan" in html
    # A bare five-digit where is an INSEE code (Dourdan); the page names the postal-code reading.
    html = page(web, "/recherche?where=91200")
    assert "c'est aussi le code postal de" in html.replace("&#39;", "'")
    assert 'href="/recherche?where=91027">Athis-Mons (91200)</a>' in html


def test_an_establishment_count_past_what_the_engine_counts_exactly_is_said_to_be_an_estimate():
    from query_api.search.queries import ESTABLISHMENT_COUNT_PRECISION
    from query_api.web.pages import establishments_number, establishments_text

    assert establishments_text(1) == "1 établissement"
    assert establishments_text(ESTABLISHMENT_COUNT_PRECISION) == "10\u202f000 établissements"
    assert establishments_text(50_322) == "environ 50\u202f300 établissements"
    assert establishments_text(ESTABLISHMENT_COUNT_PRECISION + 1) == "environ 10\u202f000 établissements"
    # The number alone, as the map's status line reads it from the results' title.
    assert establishments_number(2_217) == "2\u202f217"
    assert establishments_number(50_322) == "environ 50\u202f300"
