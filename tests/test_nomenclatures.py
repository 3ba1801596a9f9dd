"""Checks of the nomenclature data files in catalog/nomenclatures/.

Stdlib only (json, pathlib, re): these tests need neither OpenSearch nor the
application code. The expected aptitude list below is a literal typed from the
annex "Aptitudes Kinésithérapie" of the ROR-IF physiotherapist user guide
(seed/ror-kine-user-guide.txt), on purpose independent of the JSON file: if the
data file drifts from the guide, this test says so.
"""

import json
import re
from pathlib import Path

import pytest

NOMENCLATURES = Path(__file__).resolve().parent.parent / "catalog" / "nomenclatures"


def load(name):
    return json.loads((NOMENCLATURES / name).read_text(encoding="utf-8"))


# --------------------------------------------------------------------------
# Expected content, copied from the guide's annex (apostrophes normalised to ').
# --------------------------------------------------------------------------

EXPECTED_GROUPS = [
    ("BILAN", "Bilan-évaluation"),
    ("REEDUCATION", "Activité de rééducation"),
    ("EQUIPEMENT", "Équipement"),
    ("LIEU", "Lieu d'intervention"),
    ("EDUCATION", "Éducation"),
    ("REHABILITATION", "Activité de réhabilitation"),
    ("EXERCICE", "Exercice spécifique"),
]

EXPECTED_APTITUDES = {
    "Bilan-évaluation": [
        "Bilan Activité Physique adaptée (APA)",
        "Bilan spécifique du rachis",
        "Evaluation de la personne âgée",
    ],
    "Activité de rééducation": [
        "Rééducation abdominale du post partum",
        "Rééducation abdominale préopératoire et post opératoire",
        "Rééducation de la personne âgée et ou en perte d'autonomie",
        "Rééducation des brûlés",
        "Rééducation des cicatrices",
        "Rééducation des troubles de la déglutition",
        "Rééducation des troubles trophiques, vasculaires et lymphatiques",
        "Rééducation du rachis",
        "Rééducation en cancérologie",
        "Rééducation neurologique",
        "Rééducation neurologique pédiatrique (IMC)",
        "Rééducation orthopédique membre inférieur",
        "Rééducation orthopédique membre supérieur",
        "Rééducation pédiatrique orthopédique",
        "Rééducation pelvipérinéologie enfant",
        "Rééducation pelvipérinéologie femme",
        "Rééducation pelvipérinéologie homme",
        "Rééducation pneumologique",
        "Rééducation pédiatrique pneumologique",
        "Rééducation précoce suite d'AVC",
        "Rééducation vestibulaire (trouble de l'équilibre)",
    ],
    "Équipement": [
        "Balnéothérapie",
        "Isocinétisme",
        "Plateau technique spécialisé cardiologie (PTS)",
        "Plateau technique spécialisé neurologie",
        "Plateau technique spécialisé orthopédie",
        "Plateau technique spécialisé respiratoire",
        "Confection d'orthèse",
        "Aérosolthérapie",
    ],
    "Lieu d'intervention": [
        "Intervention à domicile",
        "Intégration à un réseau de soins palliatifs",
        "Participation à une HAD",
        "Participation au dispositif MAIA",
        "Participation au programme PAERPA",
        "Participation au programme PRADO",
        "Permanence de soins",
    ],
    "Éducation": [
        "Ecole de l'asthme",
        "Education thérapeutique",
    ],
    "Activité de réhabilitation": [
        "Réhabilitation cardio respiratoire",
        "Réhabilitation ou réentrainement à l'exercice",
    ],
    "Exercice spécifique": [
        "Mucoviscidose",
        "Rééducation de l'amputé",
        "Ventilation non invasive (VNI)",
        "Rééducation maxillo-faciale",
        "Soins palliatifs",
        "Traitement des lymphœdèmes",
        "Rééducation de la main",
        "Rééducation ano-rectale",
        "Kinésithérapie du sport",
        "Ostéopathie",
        "Ostéopathie du nouveau-né",
    ],
}

EXPECTED_APTITUDE_COUNT = 54

# --------------------------------------------------------------------------
# National code sets, hard-coded from shared/reference/ror-national-codes.md.
# --------------------------------------------------------------------------

REFERENCE_CODES = {
    # Activité opérationnelle (codes of TRE_R211)
    "JDV_J17": {
        "339",
        "417", "419", "420", "421", "422", "423", "424", "425", "426", "427", "428",
        "559", "560", "561", "562", "563", "564", "565", "566",
        "197", "336", "330",
    },
    # Actes spécifiques (codes of TRE_R210), physiotherapy-relevant
    "JDV_J16": {
        "0032", "0139", "0140", "0732", "0270", "0447", "0467", "0528", "0769",
        "0896", "0965", "0966", "0968", "0969", "0971", "0972", "0973", "0974",
        "0975", "0979", "0980", "0988", "0989", "1017", "1098", "1250", "1341",
        "1460", "1474", "1477", "1479", "1480", "1482", "1553", "1554", "1555",
        "1556", "1570", "1571", "1572", "1130",
    },
    # Modalité d'accueil
    "TRE_R338": {"03", "04", "05", "06", "14"},
    # Public pris en charge (codes of TRE_R239)
    "JDV_J29": {"01", "02", "03", "07", "09"},
}

# Codes used by the data files that are NOT in the reference note but were
# checked one by one in ansforge/IG-terminologie-de-sante,
# DM/input/fsh/Done/Ontoserver/JDV_J16_ActeSpecifique_ROR.fsh (2026-07-30 version)
# and .../JDV_J17_ActiviteOperationnelle_ROR.fsh (2026-07-30 version).
# Keep this set short and each entry justified; see catalog/nomenclatures/README.md.
VERIFIED_EXTRA_CODES = {
    "JDV_J16": {
        "0182",  # Programme d'ETP labellisée - Asthme (école de l'asthme)
        "1007",  # Suivi d'un patient sous ventilation non invasive (VNI)
    },
    "JDV_J17": {
        "090",  # Médecine physique et de réadaptation
        "233",  # Réadaptation des affections de l'appareil locomoteur
        "234",  # Réadaptation des affections du système nerveux
        "235",  # Réadaptation des affections cardio-vasculaires
        "236",  # Réadaptation des affections respiratoires
        "241",  # Réadaptation gériatrique
        "283",  # Rééducation - réadaptation
    },
}

ALLOWED_NATIONAL = {
    system: REFERENCE_CODES.get(system, set()) | VERIFIED_EXTRA_CODES.get(system, set())
    for system in set(REFERENCE_CODES) | set(VERIFIED_EXTRA_CODES)
}

APTITUDE_SYSTEMS = {"JDV_J16", "JDV_J17", "JDV_J29", "TRE_R338"}

TRE_G15 = {
    "10": "Médecin",
    "21": "Pharmacien",
    "40": "Chirurgien-dentiste",
    "50": "Sage-femme",
    "60": "Infirmier",
    "70": "Masseur-kinésithérapeute",
    "80": "Pédicure-podologue",
    "91": "Orthophoniste",
    "92": "Orthoptiste",
    "94": "Ergothérapeute",
    "95": "Diététicien",
    "96": "Psychomotricien",
}

TRE_R350 = {
    "01": "Complétude",
    "02": "Exhaustivité",
    "03": "Cohérence",
    "04": "Récence",
    "05": "Structuration",
    "06": "Exactitude",
}

APTITUDE_CODE = re.compile(r"^KINE_[A-Z0-9]+(?:_[A-Z0-9]+)*$")
SHORT_CODE = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$")

FILES = [
    "aptitudes.json",
    "uo_types.json",
    "categories.json",
    "professions.json",
    "synonyms.json",
    "anomaly_themes.json",
    "lay_words.json",
]


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------

def all_aptitudes():
    return [a for g in load("aptitudes.json")["groups"] for a in g["aptitudes"]]


def check_national(national, systems):
    if national is None:
        return
    assert list(national) == ["system", "code"], national
    assert national["system"] in systems, national
    assert national["code"] in ALLOWED_NATIONAL[national["system"]], (
        f"{national} is neither in the reference note nor in the verified extra set"
    )


# --------------------------------------------------------------------------
# File format
# --------------------------------------------------------------------------

@pytest.mark.parametrize("name", FILES)
def test_file_is_canonical_utf8_json(name):
    raw = (NOMENCLATURES / name).read_text(encoding="utf-8")
    data = json.loads(raw)
    # UTF-8 with real accents (ensure_ascii=False), 2-space indent, trailing newline.
    assert json.dumps(data, ensure_ascii=False, indent=2) + "\n" == raw
    assert "\\u" not in raw


def test_readme_present():
    assert (NOMENCLATURES / "README.md").is_file()


# --------------------------------------------------------------------------
# Aptitudes
# --------------------------------------------------------------------------

def test_aptitudes_top_level():
    data = load("aptitudes.json")
    assert list(data) == ["profession", "groups"]
    assert data["profession"] == "70"


def test_seven_groups_in_guide_order():
    groups = load("aptitudes.json")["groups"]
    assert [(g["code"], g["label"]) for g in groups] == EXPECTED_GROUPS
    for g in groups:
        assert list(g) == ["code", "label", "aptitudes"]
        assert SHORT_CODE.match(g["code"]), g["code"]


def test_every_annex_aptitude_present_in_order():
    groups = load("aptitudes.json")["groups"]
    got = {g["label"]: [a["label"] for a in g["aptitudes"]] for g in groups}
    assert got == EXPECTED_APTITUDES


def test_aptitude_count():
    assert sum(len(v) for v in EXPECTED_APTITUDES.values()) == EXPECTED_APTITUDE_COUNT
    assert len(all_aptitudes()) == EXPECTED_APTITUDE_COUNT


def test_aptitude_fields_and_codes():
    for a in all_aptitudes():
        assert list(a) == ["code", "label", "national"], a
        assert APTITUDE_CODE.match(a["code"]), a["code"]
        assert a["label"] == a["label"].strip() and "  " not in a["label"]
        assert "\u2019" not in a["label"], "use the neutral apostrophe '"


def test_codes_unique():
    apt_codes = [a["code"] for a in all_aptitudes()]
    assert len(apt_codes) == len(set(apt_codes))
    group_codes = [g["code"] for g in load("aptitudes.json")["groups"]]
    assert len(group_codes) == len(set(group_codes))
    for name in ("uo_types.json", "categories.json", "professions.json", "anomaly_themes.json"):
        codes = [x["code"] for x in load(name)]
        assert len(codes) == len(set(codes)), name
    labels = [a["label"] for a in all_aptitudes()]
    assert len(labels) == len(set(labels))
    # The search "what" parameter takes an aptitude or a UO type code: one namespace.
    uo_codes = {t["code"] for t in load("uo_types.json")}
    assert not uo_codes & set(apt_codes)
    assert not any(c.startswith("KINE_") for c in uo_codes), "KINE_ prefix is for aptitudes"


def test_aptitude_national_codes_belong_to_known_sets():
    for a in all_aptitudes():
        check_national(a["national"], APTITUDE_SYSTEMS)


def test_known_national_mappings():
    by_code = {a["code"]: a["national"] for a in all_aptitudes()}
    assert by_code["KINE_REEDUC_RACHIS"] == {"system": "JDV_J16", "code": "1555"}
    assert by_code["KINE_REEDUC_VESTIBULAIRE"] == {"system": "JDV_J16", "code": "1554"}
    assert by_code["KINE_INTERV_DOMICILE"] == {"system": "JDV_J16", "code": "0989"}
    assert by_code["KINE_LYMPHOEDEMES"] == {"system": "JDV_J16", "code": "0975"}
    # Regional programmes and organisational memberships have no national code.
    for code in ("KINE_PRADO", "KINE_PAERPA", "KINE_MAIA", "KINE_HAD"):
        assert by_code[code] is None, code


# --------------------------------------------------------------------------
# UO types, categories, professions
# --------------------------------------------------------------------------

def test_uo_types():
    uo_types = load("uo_types.json")
    assert 10 <= len(uo_types) <= 15
    categories = {c["code"] for c in load("categories.json")}
    professions = {p["code"] for p in load("professions.json")}
    for t in uo_types:
        assert list(t) == ["code", "label", "profession", "category", "national"], t
        assert SHORT_CODE.match(t["code"]), t["code"]
        assert t["category"] in categories, t
        assert t["profession"] is None or t["profession"] in professions, t
        check_national(t["national"], {"JDV_J16", "JDV_J17"})
    default = {t["code"]: t for t in uo_types}["CONSULT_KINE"]
    assert default == {
        "code": "CONSULT_KINE",
        "label": "Consultation kinésithérapie",
        "profession": "70",
        "category": "LIBERAL",
        "national": {"system": "JDV_J17", "code": "339"},
    }


def test_categories():
    categories = load("categories.json")
    assert 3 <= len(categories) <= 5
    for c in categories:
        assert list(c) == ["code", "label", "description"], c
        assert SHORT_CODE.match(c["code"]), c["code"]
        assert c["label"] and c["description"]
    codes = {c["code"] for c in categories}
    assert {"LIBERAL", "ETABLISSEMENT", "MEDICO_SOCIAL"} <= codes


def test_professions_are_tre_g15():
    professions = load("professions.json")
    for p in professions:
        assert list(p) == ["code", "label", "label_plural"], p
        assert p["label_plural"]
    assert {p["code"]: p["label"] for p in professions} == TRE_G15
    assert [p["code"] for p in professions] == list(TRE_G15)


# --------------------------------------------------------------------------
# Synonyms and anomaly themes
# --------------------------------------------------------------------------

def test_synonym_groups():
    groups = load("synonyms.json")
    assert 15 <= len(groups) <= 30
    seen = {}
    for group in groups:
        assert isinstance(group, list) and len(group) >= 2, group
        assert len(group) == len(set(group)), group
        for term in group:
            assert isinstance(term, str) and term, group
            assert term == term.lower() == term.strip(), term
            assert "  " not in term, term
            assert term not in seen, f"{term!r} is in two groups"
            seen[term] = group[0]
    canonical = {g[0]: g for g in groups}
    assert canonical["kiné"][:5] == [
        "kiné", "kinésithérapie", "kinésithérapeute", "masseur-kinésithérapeute", "physiothérapie",
    ]
    assert "accident vasculaire cérébral" in canonical["avc"]


def test_anomaly_themes_are_tre_r350():
    themes = load("anomaly_themes.json")
    for t in themes:
        assert list(t) == ["code", "label", "description"], t
        assert t["description"]
    assert {t["code"]: t["label"] for t in themes} == TRE_R350
    assert [t["code"] for t in themes] == list(TRE_R350)


# --------------------------------------------------------------------------
# Lay words
# --------------------------------------------------------------------------

def test_lay_words_name_known_codes_only():
    lay = load("lay_words.json")
    aptitudes = {a["code"] for g in load("aptitudes.json")["groups"] for a in g["aptitudes"]}
    professions = {p["code"] for p in load("professions.json")}
    assert set(lay) == {"aptitudes", "patients", "home_visit", "open_now", "professions", "filler", "for_children"}
    assert set(lay["aptitudes"]) <= aptitudes
    assert set(lay["for_children"]) | set(lay["for_children"].values()) <= aptitudes
    # Home visits are the home_visit filter, never the aptitude (one fact).
    assert "KINE_INTERV_DOMICILE" not in lay["aptitudes"]
    assert set(lay["professions"]) <= professions
    assert set(lay["patients"]) == {"E", "A"}
    for words in [*lay["aptitudes"].values(), *lay["patients"].values(), *lay["professions"].values(),
                  lay["home_visit"], lay["open_now"], lay["filler"]]:
        assert words and all(isinstance(w, str) and w.strip() == w and w for w in words)
