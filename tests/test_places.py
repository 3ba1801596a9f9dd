"""query_api.search.places: what people type in « Où ? » (or inside a phrase) as a place. Pure, no engine."""
from __future__ import annotations

import pytest

from catalog.communes import communes
from query_api.search.fuzzy import Vocabulary, allowed_edits, distance
from query_api.search.places import find_in_words, paris, place_words, resolve


def where_of(text: str) -> str | None:
    found = resolve(text)
    return found.place.where if found else None


@pytest.mark.parametrize("typed, where", [
    ("Paris", "75056"),
    ("PARIS", "75056"),
    ("paris 13", "75113"),
    ("Paris 13e", "75113"),
    ("paris 13eme", "75113"),
    ("Paris 1er", "75101"),
    ("13e arrondissement", "75113"),
    ("13ème arrondissement", "75113"),
    ("Paris 13e Arrondissement (75013)", "75113"),
    ("75013", "75113"),
    ("75016", "75116"),
    ("Hauts-de-Seine", "dep:92"),
    ("hauts de seine", "dep:92"),
    ("92", "dep:92"),
    ("Val d'Oise", "dep:95"),
    ("val d oise", "dep:95"),
    ("Seine-Saint-Denis", "dep:93"),
    ("Saint-Denis", "93066"),
    ("st denis", "93066"),
    ("St-Denis", "93066"),
    ("boulogne b", "92012"),
    ("Boulogne-Billancourt", "92012"),
    ("boulogne billancourt", "92012"),
    ("BOULOGNE-BILLANCOUR", "92012"),
    ("Versailles", "78646"),
    ("Vesailles", "78646"),
    ("versa", "78646"),
    ("Versailles (78000)", "78646"),
    ("78000", "78646"),
    ("91200", "91027"),           # typed: Athis-Mons's postal code before Dourdan's INSEE code
    ("le chesnay-rocquencourt", "78158"),
    ("chesnay", "78158"),
    ("L'Haÿ-les-Roses", "94038"),
    ("l hay les roses", "94038"),
    ("saint germain en laye", "78551"),
])
def test_typed_places_resolve(typed, where):
    assert where_of(typed) == where


@pytest.mark.parametrize("typed", ["Atlantide", "13001", "", "kiné", "96"])
def test_what_names_no_place_resolves_to_nothing(typed):
    assert resolve(typed) is None


def test_paris_is_the_whole_city_with_its_arrondissements():
    city = resolve("Paris").place
    assert city == paris()
    assert (city.id, city.type, city.label) == ("75056", "commune", "Paris")
    assert city.communes == tuple(f"751{n:02d}" for n in range(1, 21))
    assert set(city.communes) <= set(communes())
    assert city.radius_km == pytest.approx(6.0)
    # Every arrondissement's centre is within the default radius of the city's centre.
    from query_api.search.places import haversine_km
    assert max(haversine_km(city.lat, city.lon, communes()[a].lat, communes()[a].lon) for a in city.communes) < 6.0


def test_a_postal_code_shared_by_several_communes_is_all_of_them():
    shared = resolve("78200").place
    expected = {c.insee for c in communes().values() if "78200" in c.postal_codes}
    assert len(expected) > 2
    assert shared.type == "postal_code" and shared.where == "cp:78200"
    assert set(shared.communes) == expected
    assert "Mantes-la-Jolie" in shared.label


def test_five_digits_are_a_postal_code_first_and_the_insee_reading_is_named():
    found = resolve("91200")
    assert found.place.label == "Athis-Mons (91200)"
    assert [p.id for p in found.alternatives] == ["91200"]     # Dourdan's INSEE code
    assert any("Dourdan" in note for note in found.notes)


def test_a_department_has_no_origin():
    department = resolve("Hauts-de-Seine").place
    assert (department.type, department.id, department.lat) == ("department", "92", None)


def test_a_typo_is_corrected_and_said():
    found = resolve("Boulogne-Billancour")
    assert found.corrected
    assert found.notes and "Boulogne-Billancourt" in found.notes[0]


def test_a_place_is_found_inside_a_phrase_with_its_span():
    words = place_words("kiné vestibulaire enfant à domicile Versailles")
    match = find_in_words(words)
    assert match.resolution.place.id == "78646"
    assert words[match.start:match.end] == ["versailles"]
    words = place_words("kiné paris 13e ouvert")
    match = find_in_words(words)
    assert (match.resolution.place.id, match.start, match.end) == ("75113", 1, 3)


def test_common_words_are_not_places_inside_a_phrase():
    assert find_in_words(place_words("rééducation vestibulaire enfant adulte domicile cabinet")) is None
    # An article alone starts no name: « la gare » is not the start of La Garenne-Colombes.
    assert find_in_words(place_words("cabinet de la gare")) is None


def test_words_that_start_a_single_name_are_that_place_inside_a_phrase():
    # « saint maur » starts one name only; Saint-Maurice merely starts with « maur ».
    match = find_in_words(place_words("kiné st maur"))
    assert match.resolution.place.id == "94068"
    assert (match.start, match.end) == (1, 3)
    # « saint ouen » starts four names: no guess inside a phrase.
    assert find_in_words(place_words("kiné saint ouen")) is None


@pytest.mark.parametrize("typed, meant", [
    ("vestibulere", "vestibulaire"),    # two edits, 11 letters
    ("versaille", "versailles"),       # one edit, 9 letters
    ("enfnat", "enfant"),              # a transposition is one edit
])
def test_typo_tolerance_finds_the_word_meant(typed, meant):
    assert Vocabulary(["vestibulaire", "versailles", "enfant", "adulte"]).closest(typed) == meant


def test_typo_tolerance_is_bounded_by_the_length_of_the_word():
    assert allowed_edits("dos") == 0 and allowed_edits("genou") == 1 and allowed_edits("vestibula") == 2
    vocabulary = Vocabulary(["main", "genou", "vestibulaire"])
    assert vocabulary.closest("mian") is None            # 4 letters: exact only
    assert vocabulary.closest("genuo") == "genou"
    assert vocabulary.closest("gxnxu") is None           # two edits on 5 letters
    assert distance("vestibulere", "vestibulaire") == 2
