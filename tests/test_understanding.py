"""query_api.search.understanding: a phrase → the filters the facets use, and the words left as text. Pure."""
from __future__ import annotations

import pytest

from catalog.nomenclature import nomenclature
from query_api.search.understanding import understand, without


def test_the_guide_s_phrase_is_read_as_place_aptitude_patients_and_home_visit():
    understood = understand("kiné vestibulaire enfant à domicile Versailles")
    assert understood.as_json() == {
        "place": {"type": "commune", "id": "78646", "label": "Versailles (78000)"},
        "aptitudes": ["KINE_REEDUC_VESTIBULAIRE"],
        "patients": ["E"],
        "home_visit": True,
        "open_now": False,
        "profession": None,          # « kiné » only names the profession of the aptitude
        "text": "",
        "notes": [],
    }


@pytest.mark.parametrize("typed, aptitudes", [
    ("vertiges", ["KINE_REEDUC_VESTIBULAIRE"]),
    ("troubles de l'équilibre", ["KINE_REEDUC_VESTIBULAIRE"]),
    ("Rééducation vestibulaire (trouble de l'équilibre)", ["KINE_REEDUC_VESTIBULAIRE"]),
    ("bronchiolite", ["KINE_REEDUC_PNEUMO_PEDIATRIQUE"]),
    ("drainage lymphatique", ["KINE_REEDUC_TROPHIQUE_VASC_LYMPH", "KINE_LYMPHOEDEMES"]),
    ("AVC", ["KINE_REEDUC_NEURO", "KINE_REEDUC_AVC_PRECOCE"]),
    ("sport", ["KINE_SPORT"]),
    ("kiné du sport", ["KINE_SPORT"]),
    ("balnéo", ["KINE_BALNEOTHERAPIE"]),
    ("LYMPHŒDÈME", ["KINE_LYMPHOEDEMES", "KINE_REEDUC_TROPHIQUE_VASC_LYMPH"]),   # a synonym of drainage lymphatique
    # A label « A et B » is also named by A (« rééducation abdominale » alone is post partum).
    ("rééducation abdominale préopératoire", ["KINE_REEDUC_ABDO_PRE_POST_OP"]),
    ("vertige positionnel paroxystique bénin", ["KINE_REEDUC_VESTIBULAIRE"]),
])
def test_lay_words_labels_and_synonyms_name_aptitudes(typed, aptitudes):
    understood = understand(typed)
    assert sorted(understood.aptitudes) == sorted(aptitudes)
    assert understood.text == ""


def test_perinee_names_the_three_pelvi_perineal_aptitudes():
    codes = set(understand("périnée").aptitudes)
    assert codes == {c for c in nomenclature().aptitudes if c.startswith("KINE_REEDUC_PELVI_")}


@pytest.mark.parametrize("typed, patients", [
    ("enfant", ["E"]), ("enfants", ["E"]), ("bébé", ["E"]), ("nourrisson", ["E"]), ("pédiatrique", ["E"]),
    ("adulte", ["A"]), ("adultes", ["A"]), ("enfants et adultes", ["E", "A"]),
])
def test_patients(typed, patients):
    assert understand(typed).patients == patients


@pytest.mark.parametrize("typed", ["domicile", "à domicile", "se déplace", "vient à la maison", "intervention à domicile"])
def test_home_visit_words_are_the_home_visit_filter_not_the_aptitude(typed):
    understood = understand(typed)
    assert understood.home_visit is True
    assert understood.aptitudes == []


def test_open_now():
    assert understand("ouvert maintenant").open_now is True
    assert understand("vestibulaire").open_now is False


def test_a_profession_alone_is_a_filter():
    assert understand("kiné Versailles").profession == "70"
    assert understand("orthophoniste").profession == "91"


@pytest.mark.parametrize("typed, place", [
    ("kiné Paris", "75056"), ("vestibulaire paris 13e", "75113"), ("bronchiolite 75013", "75113"),
    ("13e arrondissement sport", "75113"), ("rachis Hauts-de-Seine", "92"), ("rachis 92", "92"),
    ("sport st denis", "93066"), ("kiné boulogne b", "92012"), ("enfant Boulogne-Billancour", "92012"),
    ("périnée 91200", "91027"),
])
def test_places_in_a_phrase(typed, place):
    assert understand(typed).place.id == place


def test_five_digits_in_a_phrase_are_a_postal_code_and_the_other_reading_is_kept():
    understood = understand("kiné 91200")
    assert understood.place.id == "91027"
    assert any("Dourdan" in note for note in understood.notes)
    assert [alt.place.id for alt in understood.alternatives] == ["91200"]


def test_typos_on_recognised_words_are_corrected_and_said():
    understood = understand("rééducation vestibulère")
    assert understood.aptitudes == ["KINE_REEDUC_VESTIBULAIRE"]
    assert understood.notes and "vestibulère" in understood.notes[0]


def test_words_that_name_nothing_stay_text_and_filler_goes():
    understood = understand("je cherche un kiné pour le Cabinet Vaugirard")
    assert understood.text == "Cabinet Vaugirard"
    assert understood.profession == "70"
    assert understand("Centre hospitalier de Versailles").text == "Centre hospitalier"


@pytest.mark.parametrize("typed, place, text", [
    ("kiné à domicile pour ma mère Argenteuil", "95018", ""),     # « mère » is not Méré (78)
    ("pour ma grand-mère kiné Paris", "75056", ""),
    ("rééducation après AVC Argenteuil", "95018", ""),
    ("rééducation suite à un AVC Paris", "75056", ""),
    ("kiné de la gare Versailles", "78646", "gare"),              # « la gare » is not La Garenne-Colombes
])
def test_everyday_words_of_a_phrase_are_neither_a_place_nor_text(typed, place, text):
    understood = understand(typed)
    assert understood.place.id == place
    assert understood.text == text
    assert not understood.notes


def test_near_my_home_is_no_home_visit_but_at_my_home_is():
    near = understand("kiné près de chez moi Montreuil")
    assert (near.home_visit, near.text, near.place.id) == (None, "", "93048")
    assert understand("kiné chez moi").home_visit is True
    assert understand("kiné qui vient à domicile").home_visit is True
    assert understand("kiné qui vient à domicile").text == ""


@pytest.mark.parametrize("typed, aptitudes", [
    ("kiné respiratoire bébé", ["KINE_REEDUC_PNEUMO_PEDIATRIQUE"]),
    ("périnée enfant", ["KINE_REEDUC_PELVI_ENFANT"]),
    ("rééducation neurologique enfant", ["KINE_REEDUC_NEURO_PEDIATRIQUE"]),
    ("vertiges enfant", ["KINE_REEDUC_VESTIBULAIRE"]),                 # no paediatric twin
])
def test_children_only_read_an_aptitude_as_its_paediatric_twin(typed, aptitudes):
    understood = understand(typed)
    assert (understood.aptitudes, understood.patients) == (aptitudes, ["E"])
    assert understood.of("aptitude")[0].label == nomenclature().aptitudes[aptitudes[0]].label


def test_children_and_adults_keep_the_aptitude_named():
    assert understand("kiné respiratoire enfants et adultes").aptitudes == ["KINE_REEDUC_PNEUMO"]
    assert len(understand("périnée").aptitudes) == 3


def test_post_operative_alone_is_no_abdominal_rehabilitation():
    shoulder = understand("rééducation épaule post-opératoire")
    assert (shoulder.aptitudes, shoulder.text) == (["KINE_REEDUC_ORTHO_MEMBRE_SUP"], "")
    assert understand("rééducation abdominale post opératoire").aptitudes == ["KINE_REEDUC_ABDO_PRE_POST_OP"]
    assert understand("chirurgie abdominale").aptitudes == ["KINE_REEDUC_ABDO_PRE_POST_OP"]


def test_a_corrected_place_can_be_read_as_text_instead():
    understood = understand("kiné Champs")
    assert understood.place.id == "77083"          # Champs-sur-Marne
    assert understood.alternatives[-1].place is None
    assert understood.alternatives[-1].text == "Champs"


def test_removing_a_part_leaves_the_rest_of_the_text():
    text = "kiné vestibulaire enfant à domicile Versailles"
    understood = understand(text)
    place = understood.of("place")[0]
    assert without(text, place) == "kiné vestibulaire enfant à domicile"
    home = understood.of("home_visit")[0]
    assert without(text, home) == "kiné vestibulaire enfant Versailles"
    assert understand(without(text, home)).home_visit is None


def test_one_place_only_and_the_other_is_said():
    understood = understand("vestibulaire Versailles Paris")
    assert understood.place.id == "78646"
    assert understood.text == ""
    assert "« Paris » n'a pas été retenu" in understood.notes[0]


def test_ages_are_not_left_as_text():
    understood = understand("enfant de 8 ans")
    assert understood.patients == ["E"] and understood.text == ""
