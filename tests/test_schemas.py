"""Input schemas: the rules of each form and query, with their French messages."""

import hypothesis
import pytest
from hypothesis import HealthCheck, given, strategies
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from catalog import schemas
from catalog.identifiers import make_rpps
from catalog.phone import MOBILE_PATTERN, PHONE_PATTERN
from catalog.repository import EDITABLE_UNIT_FIELDS
from catalog.schedule import DAY_TEXT_PATTERN
from catalog.schemas import (
    RPPS_FIELD_MESSAGE,
    AccountDetailsSchema,
    ActivationSchema,
    AnomalyReportSchema,
    AnomalyUpdateSchema,
    LoginSchema,
    UnitSheetSchema,
    password_problems,
)
from query_api.api import openapi
from query_api.api.schemas.query import (
    SearchParamsSchema,
    SuggestParamsSchema,
    parse_search_params,
    parse_suggest_params,
)
from query_api.errors import first_error

VERSAILLES = "78646"
SAINT_GERMAIN = "78551"
ANTONY = "92002"
VESTIBULAR = "KINE_REEDUC_VESTIBULAIRE"
BILAN_APA = "KINE_BILAN_APA"  # first aptitude of the nomenclature
NEURO = "KINE_REEDUC_NEURO"
VALID_RPPS = make_rpps(1)


def errors_of(schema, data, **kwargs):
    with pytest.raises(ValidationError) as caught:
        schema.load(data, **kwargs)
    return caught.value.messages


def search_errors(args):
    with pytest.raises(ValidationError) as caught:
        parse_search_params(args)
    return caught.value.messages


def sheet(**fields):
    return UnitSheetSchema().load({"revision": 1, **fields})


# --- UO sheet: general shape -------------------------------------------------------------


def test_full_sheet_loads_into_editable_fields_plus_revision_and_resource_persons():
    loaded = sheet(phone="01 23 45 67 89")
    assert set(loaded) == {"revision", *EDITABLE_UNIT_FIELDS, "resource_persons"}
    assert loaded == {
        "revision": 1,
        "phone": "+33123456789",
        "mobile": None,
        "aptitudes": [],
        "age_min": None,
        "age_max": None,
        "home_visit": False,
        "home_visit_communes": [],
        "week": {},
        "open_on_holidays": False,
        "comments": "",
        "resource_persons": [],
    }


def test_partial_load_returns_only_the_fields_sent():
    loaded = UnitSheetSchema().load({"revision": 4, "comments": " Parking devant le cabinet. "}, partial=True)
    assert loaded == {"revision": 4, "comments": "Parking devant le cabinet."}


def test_revision_is_required_even_for_a_partial_load():
    messages = errors_of(UnitSheetSchema(), {"comments": "x"}, partial=True)
    assert messages == {"revision": ["Le numéro de révision de la fiche manque : rechargez la page puis recommencez."]}


def test_revision_must_be_a_positive_integer():
    assert errors_of(UnitSheetSchema(), {"revision": "abc"}) == {
        "revision": ["Numéro de révision de la fiche non valide : rechargez la page."]
    }
    assert errors_of(UnitSheetSchema(), {"revision": 0}) == {
        "revision": ["Numéro de révision de la fiche non valide : rechargez la page."]
    }


def test_rpps_sourced_fields_cannot_be_changed():
    data = {"revision": 1, "name": "Dupont", "rpps": VALID_RPPS, "address": "1 rue X", "eg_id": "EG1", "uo_type": "SMR"}
    messages = errors_of(UnitSheetSchema(), data)
    assert messages == {
        "name": [RPPS_FIELD_MESSAGE],
        "rpps": [RPPS_FIELD_MESSAGE],
        "address": [RPPS_FIELD_MESSAGE],
        "eg_id": [RPPS_FIELD_MESSAGE],
        "uo_type": [RPPS_FIELD_MESSAGE],
    }
    assert RPPS_FIELD_MESSAGE == "Ce champ provient du RPPS et ne peut pas être modifié ici."


@pytest.mark.parametrize(
    "name", ["name", "rpps", "last_name", "first_name", "address", "establishment", "insee", "eg_id", "uo_type", "id"]
)
def test_each_rpps_sourced_field_gets_the_rpps_message(name):
    assert errors_of(UnitSheetSchema(), {"revision": 1, name: "x"}) == {name: [RPPS_FIELD_MESSAGE]}


def test_other_unknown_fields_are_refused_by_name():
    messages = errors_of(UnitSheetSchema(), {"revision": 1, "favourite_colour": "bleu"})
    assert messages == {"favourite_colour": ["Champ inconnu : il ne fait pas partie de ce formulaire."]}


def test_rpps_message_also_under_partial_load_and_alongside_other_errors():
    messages = errors_of(UnitSheetSchema(), {"revision": 1, "last_name": "X", "phone": "12"}, partial=True)
    assert messages == {
        "last_name": [RPPS_FIELD_MESSAGE],
        "phone": ["Ce numéro de téléphone n'est pas valide : 12"],
    }


def test_a_sheet_that_is_not_an_object_is_refused():
    messages = errors_of(UnitSheetSchema(), ["revision", 1])
    assert messages == {"_schema": ["Les données doivent être un objet JSON (des paires « champ : valeur »)."]}


# --- phones ------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["01 23 45 67 89", "01.23.45.67.89", "+33 1 23 45 67 89", "0123456789"])
def test_phone_is_normalised_from_what_people_type(typed):
    assert sheet(phone=typed)["phone"] == "+33123456789"


@pytest.mark.parametrize("typed", ["", "   ", None])
def test_empty_phone_means_no_phone(typed):
    assert sheet(phone=typed, mobile=typed)["phone"] is None
    assert sheet(phone=typed, mobile=typed)["mobile"] is None


def test_invalid_phone_names_the_number():
    assert errors_of(UnitSheetSchema(), {"revision": 1, "phone": "01 23 45"}) == {
        "phone": ["Ce numéro de téléphone n'est pas valide : 01 23 45"]
    }


def test_mobile_is_normalised_and_must_be_a_mobile():
    assert sheet(mobile="06 12 34 56 78")["mobile"] == "+33612345678"
    assert errors_of(UnitSheetSchema(), {"revision": 1, "mobile": "01 23 45 67 89"}) == {
        "mobile": ["Ce numéro de téléphone n'est pas un numéro de mobile : 01 23 45 67 89"]
    }


# --- aptitudes ---------------------------------------------------------------------------


def test_aptitudes_are_deduplicated_and_kept_in_nomenclature_order():
    loaded = sheet(aptitudes=[VESTIBULAR, BILAN_APA, VESTIBULAR, NEURO])
    assert loaded["aptitudes"] == [BILAN_APA, NEURO, VESTIBULAR]


def test_no_aptitude_means_generalist():
    assert sheet(aptitudes=[])["aptitudes"] == []
    assert sheet(aptitudes=None)["aptitudes"] == []


def test_unknown_aptitude_code_is_named():
    messages = errors_of(UnitSheetSchema(), {"revision": 1, "aptitudes": [BILAN_APA, "KINE_YOGA", "ZUMBA"]})
    assert messages == {"aptitudes": ["Aptitude inconnue : « KINE_YOGA ».", "Aptitude inconnue : « ZUMBA »."]}


def test_aptitudes_must_be_a_list_of_codes():
    assert errors_of(UnitSheetSchema(), {"revision": 1, "aptitudes": {"a": 1}}) == {"aptitudes": ["Liste attendue."]}


# --- ages --------------------------------------------------------------------------------


def test_ages_are_loaded_as_integers():
    loaded = sheet(age_min="0", age_max=17)
    assert (loaded["age_min"], loaded["age_max"]) == (0, 17)


def test_age_out_of_range_is_refused():
    messages = errors_of(UnitSheetSchema(), {"revision": 1, "age_min": -1, "age_max": 121})
    assert messages == {
        "age_min": ["L'âge minimum doit être compris entre 0 et 120 ans."],
        "age_max": ["L'âge maximum doit être compris entre 0 et 120 ans."],
    }


def test_age_must_be_a_whole_number_of_years():
    assert errors_of(UnitSheetSchema(), {"revision": 1, "age_min": 2.5, "age_max": 18}) == {
        "age_min": ["L'âge minimum doit être un nombre entier d'années."]
    }


def test_age_min_must_not_exceed_age_max():
    assert errors_of(UnitSheetSchema(), {"revision": 1, "age_min": 60, "age_max": 18}) == {
        "age_max": ["L'âge maximum doit être supérieur ou égal à l'âge minimum."]
    }


def test_ages_go_both_or_neither():
    assert errors_of(UnitSheetSchema(), {"revision": 1, "age_min": 18}) == {
        "age_max": ["Indiquez aussi l'âge maximum des patients accueillis."]
    }
    assert errors_of(UnitSheetSchema(), {"revision": 1, "age_max": 17}) == {
        "age_min": ["Indiquez aussi l'âge minimum des patients accueillis."]
    }


def test_blank_ages_mean_no_age():
    loaded = sheet(age_min="", age_max=" ")
    assert (loaded["age_min"], loaded["age_max"]) == (None, None)


def test_an_age_refused_for_its_value_gets_one_message_only():
    assert errors_of(UnitSheetSchema(), {"revision": 1, "age_min": 5, "age_max": 300}) == {
        "age_max": ["L'âge maximum doit être compris entre 0 et 120 ans."]
    }


# --- home visits -------------------------------------------------------------------------


def test_home_visit_requires_a_commune():
    for communes in (None, []):
        data = {"revision": 1, "home_visit": True}
        if communes is not None:
            data["home_visit_communes"] = communes
        assert errors_of(UnitSheetSchema(), data) == {
            "home_visit_communes": ["Indiquez au moins une commune d'intervention."]
        }


def test_home_visit_with_only_blank_communes_still_requires_a_commune():
    assert errors_of(UnitSheetSchema(), {"revision": 1, "home_visit": True, "home_visit_communes": ["  "]}) == {
        "home_visit_communes": ["Indiquez au moins une commune d'intervention."]
    }


def test_home_visit_communes_are_checked_against_the_reference():
    messages = errors_of(
        UnitSheetSchema(), {"revision": 1, "home_visit": True, "home_visit_communes": [VERSAILLES, "99999"]}
    )
    assert messages == {
        "home_visit_communes": ["Commune inconnue : « 99999 » (code INSEE d'une commune d'Île-de-France attendu)."]
    }


def test_home_visit_communes_are_kept_deduplicated_when_home_visit_is_on():
    loaded = sheet(home_visit="oui", home_visit_communes=[VERSAILLES, SAINT_GERMAIN, VERSAILLES])
    assert loaded["home_visit"] is True
    assert loaded["home_visit_communes"] == [VERSAILLES, SAINT_GERMAIN]


def test_home_visit_communes_are_cleared_when_home_visit_is_off():
    assert sheet(home_visit=False, home_visit_communes=[VERSAILLES])["home_visit_communes"] == []
    partial = UnitSheetSchema().load({"revision": 1, "home_visit": False}, partial=True)
    assert partial == {"revision": 1, "home_visit": False, "home_visit_communes": []}


# --- typical week ------------------------------------------------------------------------


def test_week_accepts_text_as_in_the_guide_and_minute_pairs():
    loaded = sheet(week={"1": "9h-12h30 14h-18h", 2: [[540, 720]], "3": None, "4": "", "5": "fermé"})
    assert loaded["week"] == {1: [(540, 750), (840, 1080)], 2: [(540, 720)]}


def test_week_overlap_error_names_the_day():
    messages = errors_of(UnitSheetSchema(), {"revision": 1, "week": {"2": "9h-12h 11h-14h"}})
    assert messages == {"week": {"2": ["mardi : les créneaux 9h-12h et 11h-14h se chevauchent"]}}
    with pytest.raises(ValidationError) as caught:
        UnitSheetSchema().load({"revision": 1, "week": {"2": "9h-12h 11h-14h"}})
    assert first_error(caught.value) == ("week.2", "mardi : les créneaux 9h-12h et 11h-14h se chevauchent")


def test_week_reports_every_wrong_day():
    messages = errors_of(UnitSheetSchema(), {"revision": 1, "week": {"1": "9h-12h", "4": "abc", "6": [[600, 540]]}})
    assert messages == {
        "week": {
            "4": ["jeudi : « abc » n'est pas un créneau valide"],
            "6": ["samedi : le créneau 10h-9h finit avant de commencer"],
        }
    }


def test_week_unknown_day_is_named():
    messages = errors_of(UnitSheetSchema(), {"revision": 1, "week": {"8": "9h-12h"}})
    assert messages == {"week": {"8": ["Jour inconnu : « 8 » (attendu : 1 = lundi … 7 = dimanche)"]}}


def test_week_must_be_a_mapping():
    messages = errors_of(UnitSheetSchema(), {"revision": 1, "week": ["9h-12h"]})
    assert messages == {
        "week": ["La semaine type doit associer chaque jour (1 = lundi … 7 = dimanche) à ses créneaux."]
    }


# --- holidays, comments ------------------------------------------------------------------


def test_open_on_holidays_is_a_yes_no():
    assert sheet(open_on_holidays="true")["open_on_holidays"] is True
    assert errors_of(UnitSheetSchema(), {"revision": 1, "open_on_holidays": "parfois"}) == {
        "open_on_holidays": ["Valeur attendue : oui ou non (true ou false)."]
    }


def test_comments_are_stripped_and_limited_to_2000_characters():
    assert sheet(comments="  Accès PMR.\n")["comments"] == "Accès PMR."
    assert sheet(comments=None)["comments"] == ""
    assert len(sheet(comments="x" * 2000)["comments"]) == 2000
    assert errors_of(UnitSheetSchema(), {"revision": 1, "comments": "x" * 2001}) == {
        "comments": ["Le champ « Informations complémentaires » ne doit pas dépasser 2 000 caractères (vous en avez saisi 2 001)."]
    }


# --- resource persons --------------------------------------------------------------------


def test_resource_person_is_loaded_with_normalised_contacts():
    loaded = sheet(
        resource_persons=[
            {"name": " Léa Martin ", "role": "stagiaire", "phone": "06.12.34.56.78", "email": " Lea@Exemple.FR "},
            {"name": "Paul Durand", "role": "confrere"},
        ]
    )
    assert loaded["resource_persons"] == [
        {"name": "Léa Martin", "role": "stagiaire", "phone": "+33612345678", "email": "lea@exemple.fr"},
        {"name": "Paul Durand", "role": "confrère", "phone": None, "email": None},
    ]


def test_resource_person_needs_a_name_and_a_known_role():
    messages = errors_of(UnitSheetSchema(), {"revision": 1, "resource_persons": [{"name": "  ", "role": "chef"}]})
    assert messages == {
        "resource_persons": {
            0: {
                "name": ["Indiquez le nom de la personne ressource."],
                "role": [
                    "Rôle inconnu : « chef ». Choisissez parmi : stagiaire, confrère, remplaçant, assistant, autre."
                ],
            }
        }
    }


def test_resource_person_name_is_limited_to_120_characters():
    messages = errors_of(UnitSheetSchema(), {"revision": 1, "resource_persons": [{"name": "x" * 121}]})
    assert messages == {
        "resource_persons": {0: {"name": ["Le nom ne doit pas dépasser 120 caractères (vous en avez saisi 121)."]}}
    }


def test_resource_person_email_and_phone_are_checked():
    messages = errors_of(
        UnitSheetSchema(),
        {"revision": 1, "resource_persons": [{"name": "A", "email": "pas-une-adresse", "phone": "123"}]},
    )
    assert messages == {
        "resource_persons": {
            0: {
                "phone": ["Ce numéro de téléphone n'est pas valide : 123"],
                "email": ["Adresse e-mail non valide : pas-une-adresse"],
            }
        }
    }


def test_at_most_twenty_resource_persons():
    people = [{"name": f"P{i}"} for i in range(21)]
    assert errors_of(UnitSheetSchema(), {"revision": 1, "resource_persons": people}) == {
        "resource_persons": ["20 personnes ressources au plus."]
    }
    assert len(sheet(resource_persons=people[:20])["resource_persons"]) == 20


def test_resource_person_unknown_field_is_refused():
    messages = errors_of(UnitSheetSchema(), {"revision": 1, "resource_persons": [{"name": "A", "age": 3}]})
    assert messages == {"resource_persons": {0: {"age": ["Champ inconnu : il ne fait pas partie de ce formulaire."]}}}


# --- anomalies ---------------------------------------------------------------------------


def test_anomaly_report_is_loaded():
    loaded = AnomalyReportSchema().load(
        {"target_type": "uo", "target_id": "UO-1", "message": "  Le téléphone ne répond plus.  ", "theme": "04"}
    )
    assert loaded == {
        "target_type": "UO",
        "target_id": "UO-1",
        "message": "Le téléphone ne répond plus.",
        "field": None,
        "theme": "04",
    }


def test_anomaly_message_needs_ten_characters():
    expected = {"message": ["Décrivez l'anomalie en quelques mots (10 caractères au moins)."]}
    assert errors_of(AnomalyReportSchema(), {"target_type": "EG", "target_id": "1", "message": "   faux   "}) == expected
    assert errors_of(AnomalyReportSchema(), {"target_type": "EG", "target_id": "1"}) == expected


def test_anomaly_message_is_limited_to_2000_characters():
    messages = errors_of(AnomalyReportSchema(), {"target_type": "EG", "target_id": "1", "message": "x" * 2001})
    assert messages == {
        "message": ["La description de l'anomalie ne doit pas dépasser 2 000 caractères (vous en avez saisi 2 001)."]
    }


def test_anomaly_target_type_and_id_are_checked():
    messages = errors_of(AnomalyReportSchema(), {"target_type": "XX", "target_id": "x" * 65, "message": "x" * 20})
    assert messages == {
        "target_type": ["Type de fiche inconnu : « XX » (valeurs possibles : EJ, EG, UO)."],
        "target_id": ["L'identifiant de la fiche ne doit pas dépasser 64 caractères (vous en avez saisi 65)."],
    }
    assert errors_of(AnomalyReportSchema(), {"target_type": "EJ", "target_id": " ", "message": "x" * 20}) == {
        "target_id": ["Indiquez l'identifiant de la fiche concernée."]
    }


def test_anomaly_theme_must_be_known_and_field_is_limited():
    messages = errors_of(
        AnomalyReportSchema(),
        {"target_type": "EJ", "target_id": "1", "message": "x" * 20, "theme": "99", "field": "f" * 65},
    )
    assert messages["field"] == ["Le nom du champ ne doit pas dépasser 64 caractères (vous en avez saisi 65)."]
    assert messages["theme"][0].startswith("Thème d'anomalie inconnu : « 99 » (valeurs possibles : 01 (Complétude)")


def test_anomaly_decision_needs_a_note():
    for status in ("resolved", "rejected"):
        assert errors_of(AnomalyUpdateSchema(), {"status": status}) == {
            "note": ["Ajoutez une note expliquant la décision."]
        }
        assert errors_of(AnomalyUpdateSchema(), {"status": status, "note": "  "}) == {
            "note": ["Ajoutez une note expliquant la décision."]
        }
    assert AnomalyUpdateSchema().load({"status": "resolved", "note": " Corrigé. "}) == {
        "status": "resolved",
        "note": "Corrigé.",
    }


def test_anomaly_update_without_decision_needs_no_note():
    assert AnomalyUpdateSchema().load({"status": "in_progress", "assignee_id": "7"}) == {
        "status": "in_progress",
        "assignee_id": 7,
    }
    assert AnomalyUpdateSchema().load({"assignee_id": None}) == {"assignee_id": None}


def test_anomaly_update_status_must_be_known():
    assert errors_of(AnomalyUpdateSchema(), {"status": "done"}) == {
        "status": ["Statut inconnu : « done » (valeurs possibles : new, in_progress, resolved, rejected)."]
    }


def test_anomaly_update_must_change_something():
    assert errors_of(AnomalyUpdateSchema(), {}) == {
        "_schema": ["Indiquez au moins une modification (statut, note ou responsable)."]
    }


# --- activation, account, login ----------------------------------------------------------


def test_password_rules_each_report_their_own_message():
    assert password_problems("abc") == ["Au moins 8 caractères.", "Au moins une lettre majuscule.", "Au moins un chiffre."]
    assert password_problems("ABCDEFGH") == ["Au moins une lettre minuscule.", "Au moins un chiffre."]
    assert password_problems("") == [
        "Au moins 8 caractères.",
        "Au moins une lettre majuscule.",
        "Au moins une lettre minuscule.",
        "Au moins un chiffre.",
    ]
    assert password_problems("Kine2024") == []
    assert password_problems("Aa1" + "x" * 126) == ["Au plus 128 caractères."]


def test_activation_password_errors_are_listed_on_the_password_field():
    data = {"rpps": VALID_RPPS, "code": "ABCD-EFGH-1234", "password": "abcdefgh"}
    assert errors_of(ActivationSchema(), data) == {
        "password": ["Au moins une lettre majuscule.", "Au moins un chiffre."]
    }


def test_activation_is_loaded_with_normalised_rpps_and_code():
    loaded = ActivationSchema().load(
        {
            "rpps": " ".join([VALID_RPPS[:3], VALID_RPPS[3:]]),
            "code": " abcd-efgh 1234 ",
            "password": "Kine2024!",
        }
    )
    assert loaded == {"rpps": VALID_RPPS, "code": "ABCDEFGH1234", "password": "Kine2024!"}


def test_activation_takes_no_confirmation_the_page_compares_it():
    data = {"rpps": VALID_RPPS, "code": "ABCDEFGH1234", "password": "Kine2024", "password_confirmation": "Kine2024"}
    assert list(errors_of(ActivationSchema(), data)) == ["password_confirmation"]


def test_activation_rpps_is_checked():
    data = {"rpps": "10000000010", "code": "ABCDEFGH1234", "password": "Kine2024"}
    assert errors_of(ActivationSchema(), data) == {
        "rpps": ["Le numéro RPPS n'est pas valide (clé de contrôle incorrecte)."]
    }


@pytest.mark.parametrize("code", ["ABCDEFGH123", "ABCDEFGH12345", "ABCDEFGH123!", "ÀBCDEFGH1234",
                                  "ßBCDEFGH123"])
def test_activation_code_must_be_twelve_letters_or_digits(code):
    data = {"rpps": VALID_RPPS, "code": code, "password": "Kine2024"}
    assert errors_of(ActivationSchema(), data) == {
        "code": ["Le code d'activation ne semble pas valide : vérifiez le courrier reçu."]
    }


def test_account_details_lower_case_the_email_and_need_the_terms():
    assert AccountDetailsSchema().load({"email": " Lea.Martin@Exemple.FR ", "accept_terms": True}) == {
        "email": "lea.martin@exemple.fr",
        "accept_terms": True,
    }
    for refused in ({"accept_terms": False}, {}):
        assert errors_of(AccountDetailsSchema(), {"email": "a@b.fr", **refused}) == {
            "accept_terms": ["Vous devez accepter les conditions d'utilisation."]
        }


def test_account_details_email_must_be_valid():
    assert errors_of(AccountDetailsSchema(), {"email": "lea.martin", "accept_terms": "on"}) == {
        "email": ["Adresse e-mail non valide : lea.martin"]
    }


def test_login_accepts_an_rpps_number_or_an_email():
    assert LoginSchema().load({"login": "100 000 000 17", "password": "x"}) == {
        "login": "10000000017",
        "password": "x",
        "login_kind": "rpps",
    }
    assert LoginSchema().load({"login": " Lea@Exemple.fr", "password": " x "})["login"] == "lea@exemple.fr"


def test_login_needs_both_fields_within_limits():
    assert errors_of(LoginSchema(), {"login": "", "password": ""}) == {
        "login": ["Saisissez votre numéro RPPS ou votre adresse e-mail."],
        "password": ["Saisissez votre mot de passe."],
    }
    assert errors_of(LoginSchema(), {"login": "a", "password": "x" * 129}) == {
        "password": ["Le mot de passe ne doit pas dépasser 128 caractères (vous en avez saisi 129)."]
    }


# --- search parameters -------------------------------------------------------------------


def test_search_defaults():
    assert parse_search_params(MultiDict()) == {
        "where": None,
        "what": None,
        "q": None,
        "category": None,
        "aptitude": [],
        "age": [],
        "home_visit": None,
        "open_now": None,
        "department": [],
        "commune": [],
        "profession": [],
        "radius_km": None,
        "updated_within_days": None,
        "sort": None,
        "page": 1,
        "per_page": 20,
    }


def test_where_commune_loads_its_label_and_location():
    where = parse_search_params(MultiDict({"where": VERSAILLES}))["where"]
    assert where == {"kind": "commune", "insee": VERSAILLES, "label": "Versailles (78000)", "lat": 48.80052, "lon": 2.13038}


def test_where_establishment_and_point():
    assert parse_search_params({"where": ["eg:EG-42"]})["where"] == {"kind": "establishment", "id": "EG-42"}
    assert parse_search_params({"where": ["48.8, 2.13"]})["where"] == {"kind": "point", "lat": 48.8, "lon": 2.13}


def test_latitude_out_of_range_is_refused():
    assert search_errors({"where": ["123,2.1"]}) == {
        "where": ["Latitude hors limites : 123 (elle doit être comprise entre -90 et 90)."]
    }
    assert search_errors({"where": ["48.8,-181"]}) == {
        "where": ["Longitude hors limites : -181 (elle doit être comprise entre -180 et 180)."]
    }


def test_malformed_where_is_not_recognised():
    assert search_errors({"where": ["Versailles"]}) == {
        "where": [
            "Lieu non reconnu : « Versailles ». Indiquez le code INSEE d'une commune d'Île-de-France, "
            "« dep:<numéro> » d'un département, « cp:<code> » d'un code postal, "
            "« eg:<identifiant> » d'un établissement ou des coordonnées « latitude,longitude »."
        ]
    }
    assert search_errors({"where": ["13055"]}) == {
        "where": ["Lieu non reconnu : « 13055 » n'est pas le code INSEE d'une commune d'Île-de-France."]
    }
    assert search_errors({"where": ["dep:13"]}) == {
        "where": ["Département inconnu : « 13 » (départements d'Île-de-France : 75, 77, 78, 91, 92, 93, 94, 95)."]
    }
    assert search_errors({"where": ["cp:13001"]}) == {
        "where": ["Aucune commune d'Île-de-France n'a le code postal « 13001 »."]
    }


@pytest.mark.parametrize("where, expected", [
    ("75056", {"kind": "commune", "insee": "75056"}),          # Paris as a whole
    ("dep:92", {"kind": "department", "code": "92"}),
    ("DEP:92", {"kind": "department", "code": "92"}),
    ("cp:78200", {"kind": "postal_code", "code": "78200"}),
])
def test_where_is_also_paris_a_department_or_a_postal_code(where, expected):
    loaded = parse_search_params({"where": [where]})["where"]
    assert {k: loaded[k] for k in expected} == expected


@pytest.mark.parametrize(
    "what, expected",
    [
        (VESTIBULAR, {"kind": "aptitude", "code": VESTIBULAR}),
        ("CONSULT_KINE", {"kind": "uo_type", "code": "CONSULT_KINE"}),
        ("70", {"kind": "profession", "code": "70"}),
        (" rééducation vestibulaire ", {"kind": "text", "text": "rééducation vestibulaire"}),
    ],
)
def test_what_is_a_code_or_free_text(what, expected):
    loaded = parse_search_params({"what": [what]})["what"]
    assert {k: loaded[k] for k in expected} == expected


def test_what_and_q_are_limited_to_200_characters():
    assert search_errors({"what": ["x" * 201], "q": ["y" * 201]}) == {
        "what": ["La recherche ne doit pas dépasser 200 caractères (vous en avez saisi 201)."],
        "q": ["Le texte recherché ne doit pas dépasser 200 caractères (vous en avez saisi 201)."],
    }


def test_category_is_a_known_code_or_all():
    assert parse_search_params({"category": ["LIBERAL"]})["category"] == "LIBERAL"
    assert parse_search_params({"category": ["all"]})["category"] is None
    assert parse_search_params({"category": [""]})["category"] is None
    assert search_errors({"category": ["KINE"]}) == {
        "category": [
            "Catégorie inconnue : « KINE » (valeurs possibles : all, LIBERAL, ETABLISSEMENT, MEDICO_SOCIAL, CENTRE_SANTE)."
        ]
    }


def test_repeated_aptitude_parameters_are_collected():
    args = MultiDict([("aptitude", VESTIBULAR), ("aptitude", BILAN_APA), ("aptitude", VESTIBULAR)])
    assert parse_search_params(args)["aptitude"] == [VESTIBULAR, BILAN_APA]


def test_unknown_aptitude_parameter_is_named():
    assert search_errors(MultiDict([("aptitude", VESTIBULAR), ("aptitude", "KINE_YOGA")])) == {
        "aptitude": ["Aptitude inconnue : « KINE_YOGA »."]
    }


def test_at_most_thirty_aptitudes():
    codes = list(__import__("catalog.nomenclature", fromlist=["x"]).nomenclature().aptitudes)[:31]
    assert search_errors(MultiDict([("aptitude", c) for c in codes])) == {"aptitude": ["30 aptitudes au plus."]}


def test_age_department_commune_profession_lists():
    args = MultiDict(
        [
            ("age", "e"),
            ("age", "A"),
            ("department", "78"),
            ("department", "92"),
            ("commune", VERSAILLES),
            ("commune", ANTONY),
            ("profession", "70"),
        ]
    )
    loaded = parse_search_params(args)
    assert loaded["age"] == ["E", "A"]
    assert loaded["department"] == ["78", "92"]
    assert loaded["commune"] == [VERSAILLES, ANTONY]
    assert loaded["profession"] == ["70"]


def test_unknown_list_values_are_named():
    messages = search_errors({"age": ["X"], "department": ["13"], "commune": ["13055"], "profession": ["99"]})
    assert messages == {
        "age": ["Âge des patients inconnu : « X » (E = enfants, A = adultes)."],
        "department": [
            "Département inconnu : « 13 » (départements d'Île-de-France : 75, 77, 78, 91, 92, 93, 94, 95)."
        ],
        "commune": ["Commune inconnue : « 13055 » (code INSEE d'une commune d'Île-de-France attendu)."],
        "profession": ["Profession inconnue : « 99 »."],
    }


@pytest.mark.parametrize(
    "typed, expected",
    [("true", True), ("1", True), ("oui", True), ("Oui", True), ("false", False), ("0", False), ("non", False)],
)
def test_boolean_filters_accept_french_and_english(typed, expected):
    loaded = parse_search_params({"home_visit": [typed], "open_now": [typed]})
    assert loaded["home_visit"] is expected
    assert loaded["open_now"] is expected


def test_boolean_filter_refuses_other_words():
    assert search_errors({"open_now": ["maintenant"]}) == {
        "open_now": ["Valeur attendue : oui ou non (true ou false)."]
    }


def test_radius_sort_and_paging():
    loaded = parse_search_params({"radius_km": ["2.5"], "sort": ["distance"], "page": ["3"], "per_page": ["50"]})
    assert (loaded["radius_km"], loaded["sort"], loaded["page"], loaded["per_page"]) == (2.5, "distance", 3, 50)
    messages = search_errors({"radius_km": ["0.1"], "sort": ["prix"], "page": ["0"], "per_page": ["101"]})
    assert messages == {
        "radius_km": ["Le rayon doit être compris entre 0,5 et 100 km."],
        "sort": ["Tri inconnu : « prix » (valeurs possibles : distance, relevance)."],
        "page": [PAGE_RANGE],
        "per_page": ["Le nombre de résultats par page doit être compris entre 1 et 100."],
    }


def test_radius_and_page_must_be_numbers():
    assert search_errors({"radius_km": ["nan"], "page": ["deux"]}) == {
        "radius_km": ["Le rayon doit être un nombre de kilomètres (par exemple 10 ou 2.5)."],
        "page": ["Le numéro de page doit être un nombre entier."],
    }


PAGE_RANGE = ("Le numéro de page doit être compris entre 1 et 100 : seuls les 10 000 premiers résultats peuvent "
              "être parcourus. Affinez la recherche ou exportez la liste complète au format Excel.")


def test_pages_beyond_the_result_window_are_refused():
    # 100 pages of at most 100: the window is a bound of ``page`` alone, that the OpenAPI document can state.
    assert search_errors({"page": ["101"], "per_page": ["20"]}) == {"page": [PAGE_RANGE]}
    assert parse_search_params({"page": ["100"], "per_page": ["100"]})["page"] == 100


def test_unknown_search_parameter_is_named():
    assert search_errors(MultiDict([("where", VERSAILLES), ("foo", "1")])) == {"foo": ["Paramètre inconnu : foo"]}


def test_cache_buster_parameter_is_ignored():
    assert parse_search_params(MultiDict([("_", "1712345678"), ("where", VERSAILLES)]))["where"]["insee"] == VERSAILLES


def test_single_valued_search_parameter_cannot_be_repeated():
    assert search_errors(MultiDict([("where", VERSAILLES), ("where", ANTONY)])) == {
        "where": ["Ce paramètre ne peut être donné qu'une fois."]
    }


def test_search_schema_loads_a_plain_dict_too():
    loaded = SearchParamsSchema().load({"aptitude": VESTIBULAR, "age": "E,A", "page": "", "where": VERSAILLES})
    assert loaded["aptitude"] == [VESTIBULAR]
    assert loaded["age"] == ["E", "A"]
    assert loaded["page"] == 1
    assert loaded["where"]["kind"] == "commune"


# --- suggest parameters ------------------------------------------------------------------


def test_suggest_needs_three_characters():
    for q in ("re", "  ré  ", ""):
        with pytest.raises(ValidationError) as caught:
            parse_suggest_params(MultiDict({"field": "what", "q": q}))
        assert caught.value.messages == {"q": ["Saisissez au moins 3 caractères."]}
        assert first_error(caught.value) == ("q", "Saisissez au moins 3 caractères.")
    assert errors_of(SuggestParamsSchema(), {"field": "what"}) == {"q": ["Saisissez au moins 3 caractères."]}


def test_suggest_is_loaded_with_defaults():
    assert parse_suggest_params(MultiDict({"field": "where", "q": " vers "})) == {
        "field": "where",
        "q": "vers",
        "category": None,
        "size": 8,
    }
    assert parse_suggest_params(MultiDict({"field": "what", "q": "rééd", "category": "LIBERAL", "size": "20"})) == {
        "field": "what",
        "q": "rééd",
        "category": "LIBERAL",
        "size": 20,
    }


def test_suggest_field_size_and_length_are_checked():
    args = MultiDict({"field": "who", "q": "x" * 101, "size": "21"})
    with pytest.raises(ValidationError) as caught:
        parse_suggest_params(args)
    assert caught.value.messages == {
        "field": ["Champ inconnu : « who » (valeurs possibles : what, where)."],
        "q": ["Le texte saisi ne doit pas dépasser 100 caractères (vous en avez saisi 101)."],
        "size": ["Le nombre de suggestions doit être compris entre 1 et 20."],
    }
    assert errors_of(SuggestParamsSchema(), {"q": "vers"}) == {
        "field": ["Indiquez le champ à compléter : what ou where."]
    }


def test_suggest_unknown_parameter_is_named():
    with pytest.raises(ValidationError) as caught:
        parse_suggest_params(MultiDict({"field": "what", "q": "kine", "lang": "fr"}))
    assert caught.value.messages == {"lang": ["Paramètre inconnu : lang"]}


# --- first_error -------------------------------------------------------------------------


def test_first_error_flattens_nested_messages_into_a_dotted_field():
    assert first_error(ValidationError({"resource_persons": {0: {"name": ["Indiquez le nom."]}}})) == (
        "resource_persons.0.name",
        "Indiquez le nom.",
    )
    assert first_error(ValidationError({"_schema": ["Requête vide."]})) == (None, "Requête vide.")
    assert first_error(ValidationError("Seul message.")) == (None, "Seul message.")
    assert first_error(ValidationError({"page": ["a", "b"], "q": ["c"]})) == ("page", "a")


# --- catalog records -----------------------------------------------------------------------

def _record(**changes):
    record = {
        "ej": {"id": "EJ-T", "name": "Hôpital test", "kind": "organisation"},
        "eg": {"id": "EG-T", "name": "Hôpital test – site de Versailles", "category": "ETABLISSEMENT",
               "sector": None, "address": "1 rue de Paris", "postal_code": "78000", "insee": "78646",
               "lat": 48.80, "lon": 2.13, "phone": "01 39 00 00 00"},
        "units": [{"id": "UO-T", "uo_type": "SMR", "name": "SMR polyvalent", "profession": None,
                   "phone": None, "mobile": None, "aptitudes": ["KINE_BALNEOTHERAPIE"], "age_min": 18,
                   "age_max": 120, "home_visit": False, "home_visit_communes": [],
                   "week": {"1": [[540, 1080]]}, "open_on_holidays": False, "comments": ""}],
    }
    for path, value in changes.items():
        target = record
        *parents, last = path.split(".")
        for key in parents:
            target = target[int(key)] if key.isdigit() else target[key]
        target[last] = value
    return record


def test_establishment_record_loads_into_store_ready_values():
    loaded = schemas.EstablishmentRecordSchema().load(_record())
    assert loaded["eg"]["phone"] == "+33139000000"
    assert loaded["units"][0]["week"] == {1: [(540, 1080)]}
    assert loaded["units"][0]["uo_type"] == "SMR"


@pytest.mark.parametrize("path, value, field, message", [
    ("eg.insee", "99999", "eg", "Commune inconnue"),
    ("eg.lat", 43.3, "eg", "Latitude hors d'Île-de-France."),
    ("eg.category", "CASINO", "eg", "Catégorie inconnue"),
    ("units.0.uo_type", "SPA", "units", "Type d'unité inconnu"),
    ("units.0.week", {"2": "14h-12h"}, "units", "mardi"),
    ("units.0.aptitudes", ["KINE_NOPE"], "units", "KINE_NOPE"),
])
def test_bad_catalog_records_are_refused_naming_the_field(path, value, field, message):
    with pytest.raises(ValidationError) as caught:
        schemas.EstablishmentRecordSchema().load(_record(**{path: value}))
    assert field in caught.value.messages
    assert message in str(caught.value.messages)


def test_importing_the_schemas_reads_no_data_file():
    """Nomenclatures and communes are read on first use, not when a module that declares a schema is imported."""
    import subprocess
    import sys

    code = ("import catalog.schemas, query_api.api.schemas.query, query_api.api.schemas.anomalies, "
            "query_api.api.schemas.admin, query_api.api.search, query_api.api.openapi\n"
            "from catalog.nomenclature import nomenclature\nfrom catalog.communes import communes\n"
            "print(nomenclature.cache_info().currsize, communes.cache_info().currsize)")
    read = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert read.stdout.split() == ["0", "0"]


# --- the API's document says what these schemas accept (checked by the validator schemathesis uses) ----


def _accepts(schema, data) -> bool:
    try:
        schema.load(data)
    except ValidationError:
        return False
    return True


def _declared(schema: dict):
    import jsonschema_rs  # the validator of the fuzzing (ECMA 262 patterns: \p{Lu} as the page reads it)

    return jsonschema_rs.validator_for(schema).is_valid


@pytest.mark.parametrize("password", ["Kine2024", "Éléonore1", "élève-ÀÉ-9", "abcdefg1", "ABCDEFG1", "Abcdefgh",
                                      "Aa1", "Ⅻabcdef1", "ǅabcdef1", "Aa1" + "x" * 125, "Aa1" + "x" * 126])
def test_the_documented_password_pattern_is_the_password_rules(password):
    pattern = {"type": "string", "pattern": schemas.PASSWORD_PATTERN}
    assert _declared(pattern)(password) == (password_problems(password) == [])


@pytest.mark.parametrize("code", ["ABCD-EFGH-1234", " abcd efgh 1234 ", "ABCD—EFGH_12.34", "ABCDEFGH123", "ßBCDEFGH123",
                                  "ABCDEFGH12345", "ABCD-EFGH-123!", "ÀBCDEFGH1234"])
def test_the_documented_activation_code_pattern_is_the_check(code):
    accepted = _accepts(ActivationSchema(), {"rpps": VALID_RPPS, "code": code, "password": "Kine2024"})
    assert _declared({"type": "string", "pattern": schemas.ACTIVATION_CODE_PATTERN})(code) == accepted


@pytest.mark.parametrize("sheet", [
    {"age_min": 3, "age_max": 18}, {"age_min": 18, "age_max": 18}, {"age_min": 18, "age_max": 3},
    {"age_min": 0, "age_max": 120}, {"age_min": 120, "age_max": 0}, {"age_min": 3}, {"age_max": 3},
    {"age_min": None, "age_max": None}, {"age_min": 9, "age_max": 10}, {"age_min": 10, "age_max": 9},
    {"home_visit": True}, {"home_visit": True, "home_visit_communes": ["78646"]},
    {"home_visit": "oui", "home_visit_communes": [" "]}, {"home_visit": 1, "home_visit_communes": ["", "78646"]},
    {"home_visit": "non"}, {"home_visit": False, "home_visit_communes": []},
])
def test_the_documented_sheet_rules_are_the_checks(sheet):
    """What no single field says (ages both or neither and in order, a home visit names a commune)."""
    body = {"revision": 1, **sheet}
    accepted = _accepts(UnitSheetSchema(), body)
    assert _declared({"type": "object", **UnitSheetSchema.OPENAPI})(body) == accepted


# A bounded number of draws: enough to walk every alternative of the patterns, quick on a loaded machine.
_DRAWS = hypothesis.settings(max_examples=400, database=None, deadline=None, suppress_health_check=list(HealthCheck))


@_DRAWS
@given(strategies.from_regex(PHONE_PATTERN))
def test_every_phone_the_document_promises_is_accepted(phone):
    assert _accepts(UnitSheetSchema(), {"revision": 1, "phone": phone})


@_DRAWS
@given(strategies.from_regex(MOBILE_PATTERN))
def test_every_mobile_the_document_promises_is_accepted_as_a_mobile(mobile):
    assert _accepts(UnitSheetSchema(), {"revision": 1, "mobile": mobile})


@pytest.mark.parametrize("phone, mobile, declared", [
    ("01 39 50 12 34", False, True), ("+33 1 39 50 12 34", False, True), ("01.39.50.12.34", False, True),
    ("0612345678", True, True), ("07 51 23 45 67", True, True), ("09 51 23 45 67", False, True),
    ("", True, True),
    ("01 39 50 12 34", True, False),     # a fixed line is not a mobile
    ("07 12 34 56 78", False, False),    # not allocated
    ("08 92 12 34 56", False, False),    # premium rate: the API takes it, the document does not promise it
    ("01 39 50 12 3a", False, False), ("01 39 50 12", False, False),
])
def test_the_documented_phone_patterns(phone, mobile, declared):
    field = "mobile" if mobile else "phone"
    assert _declared({"type": "string", "pattern": MOBILE_PATTERN if mobile else PHONE_PATTERN})(phone) == declared
    if declared:
        assert _accepts(UnitSheetSchema(), {"revision": 1, field: phone})


@pytest.fixture
def sheet_document(app) -> dict:
    """The served document's sheet schema, its components alongside (the week's days are a $ref)."""
    document = openapi.document(app)
    return {"components": document["components"], **document["components"]["schemas"]["UnitSheetInput"]}


@_DRAWS
@given(strategies.from_regex(DAY_TEXT_PATTERN))
def test_every_day_text_the_document_promises_is_accepted(text):
    assert _accepts(UnitSheetSchema(), {"revision": 1, "week": {"2": text}})


@pytest.mark.parametrize("text, declared", [
    ("8h30-12h30, 14h-19h", True), ("9h-12h 14h-18h", True), ("09:00 - 12:30", True), ("0h-24h", True),
    ("fermé", True), ("", True), ("7h à 12h et 13h à 20h", True),
    ("14h-19h, 8h30-12h30", False),      # accepted (put back in order), not promised
    ("9h-9h30", False),                  # accepted, not promised: the end's hour is the start's
    ("12h-11h", False), ("8h-12h, 11h-14h", False), ("10h-24h30", False), ("9h-12h-14h", False),
])
def test_the_documented_day_text_pattern(sheet_document, text, declared):
    schema = sheet_document
    body = {"revision": 1, "week": {"2": text}}
    assert _declared(schema)(body) == declared
    if declared:
        assert _accepts(UnitSheetSchema(), body)


@pytest.mark.parametrize("week, declared", [
    ({"1": "9h-12h", "7": "", "3": []}, True), ({"8": "9h-12h"}, False), ({"1": [[540, 720]]}, False),
])
def test_the_documented_week_names_its_seven_days(sheet_document, week, declared):
    assert _declared(sheet_document)({"revision": 1, "week": week}) == declared


@pytest.mark.parametrize("space", [" ", "\t", "\x1c", "\x85", "\xa0", "\u3000", "\ufeff", "\u200b"])
def test_documented_spaces_are_what_fields_strip(space):
    """ECMA 262's \\s is not Python's: the document spells out what str.strip() strips."""
    stripped = not space.strip()
    text = f"{space}in_progress{space}"
    accepted = _accepts(AnomalyUpdateSchema(), {"status": text})
    assert accepted == stripped == (space not in "\ufeff\u200b")
    status = AnomalyUpdateSchema._declared_fields["status"].metadata["accepts"]()
    assert _declared({"type": "string", "pattern": status})(text) == accepted
    assert _declared({"type": "string", "pattern": schemas.NOT_BLANK})(space) == (not stripped)


def test_documented_free_texts_refuse_the_nul_character_as_the_fields_do():
    """A Str refuses NUL (PostgreSQL's text cannot hold it): the patterns of free texts say so too."""
    message = AnomalyReportSchema._declared_fields["message"].metadata["pattern"]
    for pattern, text in ((message, "Le téléphone\x00 ne répond pas."), (schemas.NOT_BLANK, "Camille\x00"),
                          (schemas.PASSWORD_PATTERN, "Kine2024\x00")):
        assert _declared({"type": "string", "pattern": pattern})(text) is False
        assert _declared({"type": "string", "pattern": pattern})(text.replace("\x00", "")) is True
    assert not _accepts(AnomalyReportSchema(), {"target_type": "UO", "target_id": "UO-KA",
                                                "message": "Le téléphone\x00 ne répond pas."})


@pytest.mark.parametrize("person, declared", [
    ({"name": "Camille Martin", "email": " camille.martin@exemple.fr "}, True),
    ({"name": "Camille Martin", "email": ""}, True),
    ({"name": "Camille Martin", "email": "Lºù\x1aó"}, False),
    ({"name": "Camille Martin", "phone": "+33 7.93 1652 65"}, True),
])
def test_the_documented_resource_person_is_the_check(sheet_document, person, declared):
    body = {"revision": 1, "resource_persons": [person]}
    assert _declared(sheet_document)(body) == declared == _accepts(UnitSheetSchema(), body)


def test_documented_comments_refuse_the_nul_character(sheet_document):
    body = {"revision": 1, "comments": "Parking\x00 devant le cabinet."}
    assert _declared(sheet_document)(body) is False
    assert not _accepts(UnitSheetSchema(), body)
    assert _declared(sheet_document)({**body, "comments": "Parking devant le cabinet."}) is True
