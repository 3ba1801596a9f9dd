"""The demo data set: invented but realistic Île-de-France offer, reproducible from a seed.

``generate`` writes three files that ``load`` puts into a store:

- an RPPS extract in the exact 56-column format, loaded through the real importer,
  so the demo exercises the same path as the ANS file (including its error report:
  it holds three deliberately broken lines, a few other professions and two
  practices outside the region);
- ``offers.jsonl``: what each physiotherapist would have entered in their sheet;
- ``establishments.jsonl``: hospitals, SMR, rehabilitation and health centres, EHPAD.

Every random draw comes from one ``random.Random(seed)``, in a fixed order, so the
same seed gives the same bytes. Names of people and establishments are invented.
"""
from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path
from random import Random

from catalog import repository
from catalog.communes import DEPARTMENTS, Commune, communes
from catalog.identifiers import make_rpps
from catalog.nomenclature import nomenclature
from catalog.repository import HOME_VISIT_APTITUDE
from catalog.rpps_import import (
    EXTRACT_COLUMNS,
    extract_header,
    format_extract_line,
    french_number,
    import_extract,
    jittered_point,
    normalize_phone_fast,
)
from catalog.schedule import validate_week
from catalog.schemas import EstablishmentRecordSchema
from catalog.store import Store, enqueue_units, iso, utcnow

__all__ = ["DemoFiles", "format_counts", "generate", "load"]

EXTRACT_NAME = "PS_LibreAcces_Personne_activite_demo.txt"
OFFERS_NAME = "offers.jsonl"
ESTABLISHMENTS_NAME = "establishments.jsonl"
ACTOR = "demo"
BATCH = 20_000           # offers per transaction, as rpps_import.BATCH_LINES and for the same reason

# One establishment per ~270 physiotherapists: 60 at the default size.
PHYSIOS_PER_ESTABLISHMENT = 16_000 / 60
MIN_ESTABLISHMENTS = 10
HOSPITAL_COMMUNES = 120          # establishments go to the most populous communes

SOLO_SHARE = 0.40                # physiotherapists practising alone
GROUP_SIZES = {2: 0.35, 3: 0.25, 4: 0.18, 5: 0.12, 6: 0.10}
SECOND_SITE_SHARE = 0.01
GENERALIST_SHARE = 0.45
HOME_VISIT_SHARE = 0.35

SURNAMES = (
    "Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois", "Moreau", "Laurent",
    "Simon", "Michel", "Lefèvre", "Leroy", "Roux", "David", "Bertrand", "Morel", "Fournier", "Girard",
    "Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau", "Vincent", "Muller", "Lefebvre", "Faure", "André",
    "Mercier", "Blanc", "Guérin", "Boyer", "Garnier", "Chevalier", "François", "Legrand", "Gauthier", "Garcia",
    "Perrin", "Robin", "Clément", "Morin", "Nicolas", "Henry", "Roussel", "Mathieu", "Gautier", "Masson",
    "Marchand", "Duval", "Denis", "Dumont", "Marie", "Lemaire", "Noël", "Meyer", "Dufour", "Meunier",
    "Brun", "Blanchard", "Giraud", "Joly", "Rivière", "Lucas", "Brunet", "Gaillard", "Barbier", "Arnaud",
    "Martinez", "Gérard", "Roche", "Renard", "Schmitt", "Roy", "Leroux", "Colin", "Vidal", "Caron",
    "Picard", "Roger", "Fabre", "Aubert", "Lemoine", "Renaud", "Dumas", "Lacroix", "Olivier", "Philippe",
    "Bourgeois", "Pierre", "Benoît", "Rey", "Leclerc", "Payet", "Rolland", "Leclercq", "Guillaume", "Lecomte",
    "Lopez", "Jean", "Dupuy", "Guillot", "Hubert", "Berger", "Carpentier", "Sanchez", "Dupuis", "Moulin",
    "Louis", "Deschamps", "Huet", "Vasseur", "Perez", "Boucher", "Fleury", "Royer", "Klein", "Jacquet",
    "Adam", "Poirier", "Marty", "Aubry", "Guyot", "Carré", "Charles", "Renault", "Charpentier",
    "Ménard", "Maillard", "Baron", "Bertin", "Hervé", "Schneider", "Fernandez", "Le Gall", "Collet",
    "Léger", "Bouvier", "Julien", "Prévost", "Millet", "Perrot", "Daniel", "Le Roux", "Cousin", "Germain",
    "Benali", "Haddad", "Nguyen", "Tran", "Diallo", "Traoré", "Cohen", "Da Silva", "Ferreira", "Rodrigues",
)
FEMALE_NAMES = (
    "Marie", "Nathalie", "Isabelle", "Sylvie", "Catherine", "Sophie", "Christine", "Valérie", "Sandrine", "Céline",
    "Stéphanie", "Véronique", "Julie", "Aurélie", "Caroline", "Émilie", "Laure", "Claire", "Camille", "Pauline",
    "Anne", "Hélène", "Élodie", "Mélanie", "Virginie", "Laetitia", "Audrey", "Delphine", "Charlotte", "Marion",
    "Lucie", "Manon", "Chloé", "Léa", "Sarah", "Emma", "Inès", "Clara", "Juliette", "Mathilde",
    "Alice", "Margaux", "Océane", "Anaïs", "Justine", "Élise", "Agathe", "Louise", "Jeanne", "Zoé",
    "Florence", "Agnès", "Françoise", "Brigitte", "Martine", "Patricia", "Corinne", "Karine", "Émilie", "Fanny",
    "Morgane", "Amandine", "Coralie", "Estelle", "Gaëlle", "Noémie", "Solène", "Yasmine", "Salomé", "Nadia",
    "Leila", "Fatima", "Myriam", "Eva", "Romane",
)
MALE_NAMES = (
    "Jean", "Pierre", "Michel", "Philippe", "Nicolas", "Christophe", "Laurent", "Frédéric", "Stéphane", "David",
    "Julien", "Sébastien", "Olivier", "Thierry", "Éric", "François", "Alexandre", "Thomas", "Vincent", "Guillaume",
    "Antoine", "Jérôme", "Mathieu", "Benjamin", "Romain", "Maxime", "Hugo", "Lucas", "Louis", "Arthur",
    "Paul", "Jules", "Gabriel", "Adrien", "Clément", "Quentin", "Florian", "Damien", "Cédric", "Yann",
    "Bruno", "Patrick", "Alain", "Daniel", "Gilles", "Didier", "Pascal", "Hervé", "Franck", "Arnaud",
    "Emmanuel", "Fabien", "Jérémy", "Kevin", "Anthony", "Baptiste", "Simon", "Théo", "Victor", "Raphaël",
    "Loïc", "Mehdi", "Karim", "Samir", "Yanis", "Rémi", "Xavier", "Benoît", "Grégory", "Sylvain",
    "Marc", "Bastien", "Aurélien", "Tristan", "Martin",
)
STREETS = (
    ("R", "Rue", "de la République"), ("AV", "Avenue", "Jean Jaurès"), ("BD", "Boulevard", "Victor Hugo"),
    ("R", "Rue", "de Paris"), ("R", "Rue", "Pasteur"), ("AV", "Avenue", "du Général de Gaulle"),
    ("R", "Rue", "Gambetta"), ("PL", "Place", "de la Mairie"), ("R", "Rue", "de la Gare"),
    ("AV", "Avenue", "Foch"), ("R", "Rue", "Jean Moulin"), ("R", "Rue", "du Château"),
    ("BD", "Boulevard", "de la Libération"), ("R", "Rue", "Émile Zola"), ("R", "Rue", "Voltaire"),
    ("AV", "Avenue", "de Verdun"), ("R", "Rue", "Anatole France"), ("R", "Rue", "Carnot"),
    ("R", "Rue", "des Écoles"), ("R", "Rue", "de l'Église"), ("CHE", "Chemin", "des Vignes"),
    ("ALL", "Allée", "des Tilleuls"), ("R", "Rue", "Louis Pasteur"), ("AV", "Avenue", "Aristide Briand"),
    ("R", "Rue", "du Moulin"), ("R", "Rue", "Pierre Brossolette"), ("R", "Rue", "Paul Vaillant-Couturier"),
    ("BD", "Boulevard", "Gabriel Péri"), ("R", "Rue", "Jules Ferry"), ("R", "Rue", "de la Paix"),
    ("AV", "Avenue", "de la Division Leclerc"), ("R", "Rue", "Henri Barbusse"), ("R", "Rue", "Danton"),
    ("QU", "Quai", "de la Seine"), ("R", "Rue", "Saint-Honoré"), ("R", "Rue", "de Charonne"),
    ("R", "Rue", "Lecourbe"), ("R", "Rue", "de Vaugirard"), ("AV", "Avenue", "de la Marne"),
    ("R", "Rue", "du Marché"), ("IMP", "Impasse", "des Lilas"), ("RTE", "Route", "de Versailles"),
    ("R", "Rue", "Maurice Berteaux"), ("R", "Rue", "du Four"), ("AV", "Avenue", "des Acacias"),
)
# Streets named after someone: a practice may take their name (« Kiné Victor Hugo »);
# « Kiné de Versailles » on a route de Versailles would send readers to Versailles.
NAMED_STREETS = tuple(street for _, _, street in STREETS if not street.startswith(("de ", "du ", "des ")))
OFFER_COMMENTS = (
    "Cabinet accessible aux personnes à mobilité réduite.",
    "Prise de rendez-vous en ligne possible.",
    "Merci de venir avec votre ordonnance et vos derniers examens.",
    "Cabinet au deuxième étage sans ascenseur.",
    "Tiers payant pratiqué.",
    "Parking gratuit à proximité du cabinet.",
    "Séances de 30 minutes, en individuel.",
    "Pas de nouveaux patients pour le moment, sauf urgence post-opératoire.",
    "Délai moyen de rendez-vous : deux semaines.",
    "Salle de rééducation équipée, accès par la cour.",
    "Bilans sur rendez-vous uniquement le mercredi.",
    "Consultations à domicile réservées aux patients du secteur.",
    "Cabinet à cinq minutes de la gare.",
    "Pratique de la rééducation en anglais et en espagnol.",
)
# Aptitude weights of the physiotherapists who tick some: common ones first.
PHYSIO_APTITUDES = {
    "KINE_REEDUC_RACHIS": 20, "KINE_REEDUC_ORTHO_MEMBRE_INF": 14, "KINE_SPORT": 14,
    "KINE_REEDUC_ORTHO_MEMBRE_SUP": 10, "KINE_REEDUC_PERSONNE_AGEE": 8, "KINE_REEDUC_PNEUMO": 7,
    "KINE_REEDUC_PELVI_FEMME": 7, "KINE_REEDUC_VESTIBULAIRE": 6, "KINE_REEDUC_PNEUMO_PEDIATRIQUE": 6,
    "KINE_BILAN_RACHIS": 5, "KINE_REEDUC_ABDO_POST_PARTUM": 5, "KINE_REEDUC_NEURO": 5,
    "KINE_LYMPHOEDEMES": 4, "KINE_OSTEOPATHIE": 4, "KINE_REEDUC_MAIN": 3, "KINE_PRADO": 3,
    "KINE_EVAL_PERSONNE_AGEE": 2, "KINE_REEDUC_ORTHO_PEDIATRIQUE": 2, "KINE_REEDUC_CICATRICES": 2,
    "KINE_REEDUC_CANCEROLOGIE": 2, "KINE_ETP": 2, "KINE_BILAN_APA": 2, "KINE_REENTRAINEMENT_EXERCICE": 2,
    "KINE_REEDUC_PELVI_HOMME": 1.5, "KINE_REEDUC_NEURO_PEDIATRIQUE": 1.5, "KINE_REHAB_CARDIO_RESPI": 1.5,
    "KINE_REEDUC_PELVI_ENFANT": 1, "KINE_OSTEOPATHIE_NOUVEAU_NE": 1, "KINE_AEROSOLTHERAPIE": 1,
    "KINE_ORTHESE": 1, "KINE_REEDUC_MAXILLO_FACIALE": 1, "KINE_REEDUC_ABDO_PRE_POST_OP": 1,
    "KINE_PERMANENCE_SOINS": 1, "KINE_BALNEOTHERAPIE": 0.8, "KINE_ISOCINETISME": 0.8,
    "KINE_SOINS_PALLIATIFS": 0.8, "KINE_MUCOVISCIDOSE": 0.7, "KINE_REEDUC_AVC_PRECOCE": 0.7,
    "KINE_REEDUC_DEGLUTITION": 0.5, "KINE_REEDUC_ANO_RECTALE": 0.5, "KINE_RESEAU_SOINS_PALLIATIFS": 0.5,
    "KINE_HAD": 0.5, "KINE_ECOLE_ASTHME": 0.3, "KINE_REEDUC_AMPUTE": 0.3, "KINE_REEDUC_BRULES": 0.3,
    "KINE_VNI": 0.3, "KINE_PAERPA": 0.3, "KINE_MAIA": 0.3,
}
PEDIATRIC_APTITUDES = frozenset({
    "KINE_REEDUC_PNEUMO_PEDIATRIQUE", "KINE_REEDUC_ORTHO_PEDIATRIQUE", "KINE_REEDUC_NEURO_PEDIATRIQUE",
    "KINE_REEDUC_PELVI_ENFANT", "KINE_OSTEOPATHIE_NOUVEAU_NE", "KINE_ECOLE_ASTHME",
})
# Aptitudes an establishment unit of each type may show.
UNIT_TYPE_APTITUDES = {
    "CONSULT_MPR": ("KINE_BILAN_RACHIS", "KINE_BILAN_APA", "KINE_ORTHESE", "KINE_ISOCINETISME"),
    "SMR": ("KINE_REEDUC_ORTHO_MEMBRE_INF", "KINE_REEDUC_PERSONNE_AGEE", "KINE_REEDUC_NEURO", "KINE_REENTRAINEMENT_EXERCICE"),
    "SMR_LOCOMOTEUR": ("KINE_REEDUC_ORTHO_MEMBRE_INF", "KINE_REEDUC_ORTHO_MEMBRE_SUP", "KINE_PTS_ORTHO", "KINE_ISOCINETISME", "KINE_REEDUC_AMPUTE", "KINE_REEDUC_MAIN"),
    "SMR_NEURO": ("KINE_REEDUC_NEURO", "KINE_REEDUC_AVC_PRECOCE", "KINE_PTS_NEURO", "KINE_REEDUC_DEGLUTITION"),
    "SMR_CARDIO": ("KINE_PTS_CARDIO", "KINE_REHAB_CARDIO_RESPI", "KINE_REENTRAINEMENT_EXERCICE", "KINE_ETP"),
    "SMR_RESPIRATOIRE": ("KINE_PTS_RESPIRATOIRE", "KINE_REEDUC_PNEUMO", "KINE_VNI", "KINE_MUCOVISCIDOSE", "KINE_AEROSOLTHERAPIE"),
    "SMR_GERIATRIQUE": ("KINE_REEDUC_PERSONNE_AGEE", "KINE_EVAL_PERSONNE_AGEE", "KINE_REEDUC_DEGLUTITION"),
    "HDJ_SMR": ("KINE_REENTRAINEMENT_EXERCICE", "KINE_ETP", "KINE_REEDUC_RACHIS", "KINE_REHAB_CARDIO_RESPI"),
    "PLATEAU_REEDUC": ("KINE_ISOCINETISME", "KINE_PTS_ORTHO", "KINE_BALNEOTHERAPIE", "KINE_REEDUC_MAIN", "KINE_REEDUC_RACHIS"),
    "BALNEOTHERAPIE": ("KINE_BALNEOTHERAPIE", "KINE_REEDUC_ORTHO_MEMBRE_INF", "KINE_REEDUC_RACHIS"),
    "HAD": ("KINE_HAD", "KINE_SOINS_PALLIATIFS", "KINE_REEDUC_PERSONNE_AGEE"),
    "CENTRE_SANTE_KINE": ("KINE_REEDUC_RACHIS", "KINE_REEDUC_ORTHO_MEMBRE_INF", "KINE_REEDUC_PNEUMO_PEDIATRIQUE", "KINE_REEDUC_PELVI_FEMME", "KINE_REEDUC_VESTIBULAIRE"),
    "REEDUC_EHPAD": ("KINE_REEDUC_PERSONNE_AGEE", "KINE_EVAL_PERSONNE_AGEE", "KINE_REEDUC_DEGLUTITION"),
    "SSIAD": ("KINE_REEDUC_PERSONNE_AGEE",),
}
ROUND_THE_CLOCK_TYPES = frozenset({"SMR", "SMR_LOCOMOTEUR", "SMR_NEURO", "SMR_CARDIO", "SMR_RESPIRATOIRE", "SMR_GERIATRIQUE", "HAD"})
HOME_CARE_TYPES = frozenset({"HAD", "SSIAD"})   # they visit at home, and carry the aptitude that says so
# Establishment kinds: (weight, category, legal-entity name, site name) templates.
ESTABLISHMENT_KINDS = {
    "hospital": (20, "ETABLISSEMENT", "Centre hospitalier de {town}", "Hôpital de {town} – site {person}"),
    "smr": (20, "ETABLISSEMENT", "Clinique {tree}", "Clinique SMR {tree} de {town}"),
    "rehab": (15, "ETABLISSEMENT", "Association {person}", "Centre de rééducation fonctionnelle {person}"),
    "health_centre": (25, "CENTRE_SANTE", "Ville de {town}", "Centre de santé municipal de {town}"),
    "ehpad": (20, "MEDICO_SOCIAL", "Résidences {tree}", "EHPAD {tree}"),
}
TREES = (
    "Les Tilleuls", "Les Glycines", "Les Marronniers", "Les Acacias", "Les Charmilles", "Les Peupliers",
    "Les Cèdres", "Les Jardins de la Vallée", "Le Parc Fleuri", "Les Lavandes", "Les Érables", "Les Magnolias",
    "Les Bruyères", "Le Clos des Vignes", "Les Hortensias", "Les Sources",
)
SECOND_PERSON_ROLES = ("Stagiaire", "Confrère", "Collaborateur")
# What practices are named after. None of these names an Île-de-France commune
# (tests/test_demo_data.py checks every name): a name names only its own commune.
PRACTICE_LANDMARKS = (
    "du Parc", "de la Gare", "des Tilleuls", "du Marché", "de la Mairie", "des Écoles", "du Centre",
    "de l'Église", "des Acacias", "du Château", "des Sources", "du Lac", "du Moulin", "de la Fontaine",
    "des Vignes", "du Stade", "de la Poste", "des Roses", "du Canal", "de la Vallée", "des Coteaux",
    "du Plateau", "des Platanes", "du Square", "des Arcades", "du Bois", "des Peupliers", "du Val",
    "des Remparts", "du Vieux Pont", "de la Tour", "des Glycines", "du Mail", "des Jardins", "de la Colline",
    "du Cèdre", "de l'Horloge", "des Quatre Chemins", "du Beffroi", "de la Passerelle", "des Lavandières",
    "du Lavoir", "de l'Orangerie", "des Marronniers", "du Belvédère",
)
PRACTICE_SAINTS = (
    "Saint-Michel", "Sainte-Anne", "Saint-Louis", "Sainte-Claire", "Saint-Joseph", "Saint-Antoine",
    "Sainte-Marie", "Saint-Jacques", "Saint-Paul", "Saint-Éloi", "Sainte-Catherine", "Saint-Exupéry",
)

# Fixed-line prefixes after "01" by department (the numbering plan's Île-de-France ranges).
PHONE_PREFIXES = {
    "75": ("40", "42", "43", "44", "45", "46", "47", "53", "55", "56"),
    "92": ("41", "46", "47", "55", "57"),
    "93": ("41", "43", "48", "49"),
    "94": ("41", "43", "45", "48", "49"),
    "77": ("60", "64"),
    "78": ("30", "34", "39"),
    "91": ("60", "64", "69"),
    "95": ("30", "34", "39"),
}
# Mobile ranges that the numbering plan allocates (06 39, 07 0x-07 2x are not).
MOBILE_PREFIXES = ("60", "61", "62", "64", "65", "66", "67", "68", "75", "76", "77", "78")

OTHER_PROFESSIONS = (("10", "Médecin"), ("60", "Infirmier"), ("91", "Orthophoniste"), ("50", "Sage-Femme"))
OUTSIDE_REGION = (("69123", "69003", "LYON"), ("13055", "13008", "MARSEILLE"))
UNKNOWN_COMMUNE = "91999"   # an Essonne-looking code that no commune has


@dataclass(frozen=True)
class DemoFiles:
    extract: Path
    offers: Path
    establishments: Path

    @classmethod
    def in_dir(cls, directory: str | Path) -> DemoFiles:
        directory = Path(directory)
        return cls(directory / EXTRACT_NAME, directory / OFFERS_NAME, directory / ESTABLISHMENTS_NAME)


# --- small deterministic helpers ------------------------------------------------------

def _short_town(commune: Commune) -> str:
    return commune.name.replace(" Arrondissement", "")


def _pairs(digits: str) -> str:
    return " ".join(digits[i:i + 2] for i in range(0, len(digits), 2))


def _landline(rng: Random, department: str) -> str:
    return _pairs(f"01{rng.choice(PHONE_PREFIXES[department])}{rng.randrange(10**6):06d}")


def _mobile(rng: Random) -> str:
    return _pairs(f"0{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10**7):07d}")


def _person(rng: Random) -> tuple[str, str, str]:
    """(civility code, first name, surname)."""
    if rng.random() < 0.55:     # the profession is a little more female than male
        return "MME", rng.choice(FEMALE_NAMES), rng.choice(SURNAMES)
    return "M", rng.choice(MALE_NAMES), rng.choice(SURNAMES)


def _weighted_sample(rng: Random, items: tuple, cum_weights: list[float], k: int) -> list:
    chosen: list = []
    while len(chosen) < k:
        item = rng.choices(items, cum_weights=cum_weights)[0]
        if item not in chosen:
            chosen.append(item)
    return chosen


class _Neighbours:
    """The nearest communes of a commune, computed once per commune on demand."""

    def __init__(self, places: list[Commune], count: int = 16):
        self.places = places
        self.count = count
        self.cache: dict[str, list[str]] = {}

    def of(self, commune: Commune) -> list[str]:
        found = self.cache.get(commune.insee)
        if found is None:
            scale = math.cos(math.radians(commune.lat))
            ranked = sorted(
                self.places,
                key=lambda c: ((c.lat - commune.lat) ** 2 + ((c.lon - commune.lon) * scale) ** 2, c.insee),
            )
            found = self.cache[commune.insee] = [c.insee for c in ranked[1:self.count + 1]]
        return found


# --- the physiotherapists' sheets -----------------------------------------------------

def _physio_week(rng: Random) -> dict[str, list[list[int]]]:
    """A typical week: 8h30-12h30 14h-19h30 style, some Saturdays, evenings, Wednesdays off."""
    start = rng.choice((480, 510, 540))
    lunch = rng.choice((720, 750, 780))
    back = lunch + rng.choice((60, 90, 90, 120))
    end = rng.choice((1110, 1140, 1170, 1170, 1200))
    continuous = rng.random() < 0.10
    week = {day: [[start, end]] if continuous else [[start, lunch], [back, end]] for day in range(1, 6)}
    if rng.random() < 0.12:                                  # late evenings
        for day in rng.sample(range(1, 6), rng.randint(1, 2)):
            week[day][-1][1] = 1260
    wednesday = rng.random()
    if wednesday < 0.08:
        del week[3]
    elif wednesday < 0.15:
        week[3] = [[start, lunch]]
    if rng.random() < 0.10:                                  # part time
        for day in rng.sample(sorted(week), min(len(week) - 1, rng.randint(1, 2))):
            del week[day]
    if rng.random() < 0.35:                                  # Saturday morning
        week[6] = [[rng.choice((480, 510, 540)), rng.choice((720, 750, 780))]]
    return {str(day): week[day] for day in sorted(week)}


def _physio_offer(rng: Random, unit_id: str, commune: Commune, neighbours: _Neighbours, aptitude_cum: list[float]) -> dict:
    codes = tuple(PHYSIO_APTITUDES)
    aptitudes = [] if rng.random() < GENERALIST_SHARE else _weighted_sample(rng, codes, aptitude_cum, rng.choice((1, 1, 2, 2, 3, 4)))
    home_visit = rng.random() < HOME_VISIT_SHARE
    visit_communes: list[str] = []
    if home_visit:
        around = neighbours.of(commune)[:10]
        visit_communes = [commune.insee, *rng.sample(around, min(len(around), rng.randint(1, 7)))]
    ages = rng.random()
    if aptitudes and PEDIATRIC_APTITUDES.issuperset(aptitudes) and ages < 0.5:
        age_min, age_max = 0, 17
    elif ages < 0.03:
        age_min, age_max = 0, 17
    elif ages < 0.18 and not PEDIATRIC_APTITUDES.intersection(aptitudes):
        age_min, age_max = 18, 120
    else:
        age_min, age_max = 0, 120
    offer = {
        "unit_id": unit_id,
        "phone": _landline(rng, commune.department) if rng.random() < 0.9 else None,
        "mobile": _mobile(rng) if rng.random() < 0.5 else None,
        # Home visits are one fact: the flag and the « Intervention à domicile » aptitude.
        "aptitudes": [*aptitudes, HOME_VISIT_APTITUDE] if home_visit else aptitudes,
        "age_min": age_min,
        "age_max": age_max,
        "home_visit": home_visit,
        "home_visit_communes": visit_communes,
        "week": _physio_week(rng),
        "open_on_holidays": rng.random() < 0.03,
        "comments": rng.choice(OFFER_COMMENTS) if rng.random() < 0.30 else "",
        "resource_persons": [],
    }
    if rng.random() < 0.06:
        _, first, last = _person(rng)
        person = {"name": f"{first} {last.upper()}", "role": rng.choice(SECOND_PERSON_ROLES)}
        if rng.random() < 0.5:
            person["phone"] = _mobile(rng)
        offer["resource_persons"].append(person)
    return offer


# --- the extract --------------------------------------------------------------------

def _practice_site(rng: Random, structure_id: str, commune: Commune, group: bool, company: str) -> dict[str, str]:
    """The coord. structure columns of one practice site."""
    code, label, street = rng.choice(STREETS)
    number = rng.choice((rng.randint(1, 30), rng.randint(1, 30), rng.randint(1, 180)))
    repetition = "B" if rng.random() < 0.05 else ("T" if rng.random() < 0.01 else "")
    siret = f"{rng.randrange(10**13, 10**14)}" if rng.random() < 0.7 else ""
    return {
        "Numéro SIRET site": siret,
        "Numéro SIREN site": siret[:9],
        "Identifiant technique de la structure": structure_id,
        "Raison sociale site": company,
        "Enseigne commerciale site": "",
        "Numéro Voie (coord. structure)": str(number),
        "Indice répétition voie (coord. structure)": repetition,
        "Code type de voie (coord. structure)": code,
        "Libellé type de voie (coord. structure)": label,
        "Libellé Voie (coord. structure)": street,
        "Code postal (coord. structure)": rng.choice(commune.postal_codes),
        "Code commune (coord. structure)": commune.insee,
        "Libellé commune (coord. structure)": _short_town(commune).upper(),
        "Téléphone (coord. structure)": _landline(rng, commune.department).replace(" ", "") if rng.random() < 0.7 else "",
        "Code Département (structure)": commune.department,
        "Libellé Département (structure)": DEPARTMENTS[commune.department],
        "Autorité d'enregistrement": "CNOMK/CNOMK/RPPS",
        "Code secteur d'activité": "SA08" if group else "SA07",
        "Libellé secteur d'activité": "Cabinet de groupe" if group else "Cabinet individuel",
    }


def _person_columns(rpps: str, civility: str, first: str, last: str, profession: str, profession_label: str) -> dict[str, str]:
    return {
        "Type d'identifiant PP": "8",
        "Identifiant PP": rpps,
        "Identification nationale PP": "8" + rpps,
        "Code civilité": civility,
        "Libellé civilité": "Madame" if civility == "MME" else "Monsieur",
        "Nom d'exercice": last.upper(),
        "Prénom d'exercice": first,
        "Code profession": profession,
        "Libellé profession": profession_label,
        "Code catégorie professionnelle": "C",
        "Libellé catégorie professionnelle": "Civil",
        "Code mode exercice": "L",
        "Libellé mode exercice": "Lib,indép,artis,com",
        "Code rôle": "FON-01",
        "Libellé rôle": "Titulaire de cabinet",
        "Code genre activité": "GENR01",
        "Libellé genre activité": "Activité standard de soin",
    }


def _practice_names(rng: Random, commune: Commune, street: str, people: list[tuple[str, str, str]]) -> tuple[str, str]:
    """(company name, trade name) of a practice site; both empty: the importer names it after its practitioner.

    Names are made of landmarks, saints, the practitioners' own names and the
    site's street when it is named after someone; the only commune a name may
    name is the practice's own, so a name never sends a reader to another town.
    """
    town = _short_town(commune)
    place = rng.choice(PRACTICE_LANDMARKS)
    saint = rng.choice(PRACTICE_SAINTS)
    surnames = [last for _, _, last in people]
    named = street if street in NAMED_STREETS else place
    if len(people) == 1:
        if rng.random() < 0.75:
            return "", ""
        _, first, last = people[0]
        return "", rng.choice((
            f"Cabinet de kinésithérapie {place}",
            f"Kiné {named}",
            f"Cabinet de kinésithérapie {first} {last}",
            f"Kiné Santé {saint}",
            f"Cabinet de rééducation {place}",
        ))
    company = ""
    if rng.random() < 0.7:
        company = rng.choice((
            f"SCM KINE {town.upper()}",
            f"SCM Kiné {place}",
            f"Cabinet de kinésithérapie {place}",
            f"Cabinet de kinésithérapie {named}",
            f"Centre Kiné {place}",
            f"Kiné Santé {saint}",
            f"Kiné Santé {town}",
            f"Cabinet {surnames[0]} et {surnames[1]}",
            f"Espace Kiné {place}",
            f"SELARL Kiné & Sport {town}",
            f"Pôle Rééducation {saint}",
        ))
    trade = ""
    if rng.random() < 0.2:
        trade = rng.choice((f"Kiné {named}", f"Centre Kiné {place}", f"Kinés {place}"))
    return company, trade


def _practice_sizes(rng: Random, physios: int) -> Iterator[int]:
    """Practice sizes: SOLO_SHARE of the physiotherapists alone, the others in groups of 2-6."""
    sizes = tuple(GROUP_SIZES)
    mean_group = sum(size * weight for size, weight in GROUP_SIZES.items())
    # Share of practices that are solo so that SOLO_SHARE of people are.
    solo_practices = SOLO_SHARE * mean_group / (1 - SOLO_SHARE + SOLO_SHARE * mean_group)
    left = physios
    while left > 0:
        size = 1 if rng.random() < solo_practices else rng.choices(sizes, weights=tuple(GROUP_SIZES.values()))[0]
        size = min(size, left)
        left -= size
        yield size


def generate(out_dir: str | Path, *, physios: int = 16_000, seed: int = 2026) -> DemoFiles:
    """Write the demo files into ``out_dir``; the same seed always gives the same bytes."""
    rng = Random(seed)
    files = DemoFiles.in_dir(out_dir)
    files.extract.parent.mkdir(parents=True, exist_ok=True)
    places = list(communes().values())
    population_cum = list(accumulate(c.population for c in places))
    neighbours = _Neighbours(places)
    aptitude_cum = list(accumulate(PHYSIO_APTITUDES.values()))
    serial_base = rng.randrange(10**9)
    structure_base = rng.randrange(10**13)
    counters = {"person": 0, "structure": 0}

    def next_rpps() -> str:
        counters["person"] += 1
        # 7654321 is prime to 10**9: distinct serials that do not look sequential.
        return make_rpps((serial_base + counters["person"] * 7_654_321) % 10**9)

    def next_structure() -> str:
        counters["structure"] += 1
        return f"R{(structure_base + counters['structure'] * 7_919) % 10**13:013d}"

    def row(values: dict[str, str]) -> str:
        return format_extract_line(values) + "\n"

    specials = _special_lines(rng, places, population_cum, next_rpps, next_structure)
    special_at: dict[int, list[str]] = {}
    for line in specials:
        special_at.setdefault(rng.randrange(max(physios, 1)), []).append(line)

    with open(files.extract, "w", encoding="utf-8", newline="") as extract, \
            open(files.offers, "w", encoding="utf-8", newline="") as offers:
        extract.write(extract_header() + "\n")
        written = 0
        for size in _practice_sizes(rng, physios):
            commune = rng.choices(places, cum_weights=population_cum)[0]
            structure = next_structure()
            site = _practice_site(rng, structure, commune, size > 1, "")
            people = [_person(rng) for _ in range(size)]
            site["Raison sociale site"], site["Enseigne commerciale site"] = _practice_names(
                rng, commune, site["Libellé Voie (coord. structure)"], people)
            for civility, first, last in people:
                for line in special_at.pop(written, ()):
                    extract.write(line + "\n")
                written += 1
                rpps = next_rpps()
                person = _person_columns(rpps, civility, first, last, "70", "Masseur-Kinésithérapeute")
                extract.write(row({**person, **site}))
                offers.write(_json(_physio_offer(rng, f"UO-{rpps}-{structure}", commune, neighbours, aptitude_cum)))
                if rng.random() < SECOND_SITE_SHARE:
                    other = communes()[neighbours.of(commune)[rng.randrange(8)]]
                    second = next_structure()
                    extract.write(row({**person, **_practice_site(rng, second, other, False, "")}))
                    offers.write(_json(_physio_offer(rng, f"UO-{rpps}-{second}", other, neighbours, aptitude_cum)))
        for position in sorted(special_at):
            for line in special_at[position]:
                extract.write(line + "\n")

    _write_establishments(rng, files.establishments, places, physios, neighbours)
    return files


def _json(record: dict) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"


def _special_lines(rng: Random, places, population_cum, next_rpps, next_structure) -> list[str]:
    """Other professions, practices outside the region and the three broken lines, formatted."""
    lines: list[dict[str, str]] = []

    def somebody(profession: str, label: str, commune: Commune) -> dict[str, str]:
        civility, first, last = _person(rng)
        person = _person_columns(next_rpps(), civility, first, last, profession, label)
        return {**person, **_practice_site(rng, next_structure(), commune, False, "")}

    for index in range(8):
        profession, label = OTHER_PROFESSIONS[index % len(OTHER_PROFESSIONS)]
        lines.append(somebody(profession, label, rng.choices(places, cum_weights=population_cum)[0]))
    for insee, postal_code, town in OUTSIDE_REGION:
        line = somebody("70", "Masseur-Kinésithérapeute", places[0])
        line.update({
            "Code commune (coord. structure)": insee,
            "Code postal (coord. structure)": postal_code,
            "Libellé commune (coord. structure)": town,
            "Code Département (structure)": insee[:2],
            "Libellé Département (structure)": "",
        })
        lines.append(line)
    bad_key = somebody("70", "Masseur-Kinésithérapeute", rng.choices(places, cum_weights=population_cum)[0])
    rpps = bad_key["Identifiant PP"]
    wrong = rpps[:-1] + str((int(rpps[-1]) + 1) % 10)
    bad_key.update({"Identifiant PP": wrong, "Identification nationale PP": "8" + wrong})
    lines.append(bad_key)
    unknown = somebody("70", "Masseur-Kinésithérapeute", places[0])
    assert UNKNOWN_COMMUNE not in communes()
    unknown["Code commune (coord. structure)"] = UNKNOWN_COMMUNE
    lines.append(unknown)
    formatted = [format_extract_line(line) for line in lines]
    # Wrong column count: a line cut after its address, as a truncated copy would be.
    short = format_extract_line(somebody("70", "Masseur-Kinésithérapeute", rng.choices(places, cum_weights=population_cum)[0]))
    cut = EXTRACT_COLUMNS.index("Code commune (coord. structure)") + 1
    formatted.append("|".join(short.split("|")[:cut]) + "|")
    return formatted


# --- establishments -------------------------------------------------------------------

ESTABLISHMENT_UNIT_TYPES = {
    "hospital": ("CONSULT_MPR", "SMR", "SMR_LOCOMOTEUR", "SMR_NEURO", "SMR_CARDIO", "SMR_GERIATRIQUE", "HDJ_SMR", "PLATEAU_REEDUC", "HAD"),
    "smr": ("SMR", "SMR_LOCOMOTEUR", "SMR_NEURO", "SMR_CARDIO", "SMR_RESPIRATOIRE", "SMR_GERIATRIQUE", "HDJ_SMR", "PLATEAU_REEDUC", "BALNEOTHERAPIE"),
    "rehab": ("CONSULT_MPR", "SMR_LOCOMOTEUR", "SMR_NEURO", "HDJ_SMR", "PLATEAU_REEDUC", "BALNEOTHERAPIE"),
}
ESTABLISHMENT_COMMENTS = (
    "Admission sur dossier médical, adressé par le médecin traitant ou le service d'origine.",
    "Sur prescription médicale uniquement.",
    "Accueil et secrétariat au rez-de-chaussée, bâtiment B.",
    "Délai d'admission communiqué après étude du dossier.",
    "Parking visiteurs payant devant l'entrée principale.",
)
WEEKDAYS = range(1, 6)


def _every_day(slots: list[list[int]], days=range(1, 8)) -> dict[str, list[list[int]]]:
    return {str(day): [list(slot) for slot in slots] for day in days}


def _unit_week(rng: Random, unit_type: str) -> tuple[dict[str, list[list[int]]], bool]:
    """(week, open on public holidays): wards round the clock, consultations office hours."""
    if unit_type == "HAD" or (unit_type in ROUND_THE_CLOCK_TYPES and rng.random() < 0.6):
        return _every_day([[0, 1440]]), True
    if unit_type == "SSIAD":
        return _every_day([[480, 1200]]), True
    if unit_type in ("PLATEAU_REEDUC", "BALNEOTHERAPIE"):
        return {**_every_day([[450, 1200]], WEEKDAYS), "6": [[480, 780]]}, False
    if unit_type == "CONSULT_MPR":
        return _every_day([[510, 750], [810, 1050]], WEEKDAYS), False
    if unit_type == "CENTRE_SANTE_KINE":
        week = _every_day([[510, 1140]], WEEKDAYS)
        if rng.random() < 0.5:
            week["6"] = [[540, 720]]
        return week, False
    return _every_day([[rng.choice((480, 510, 540)), rng.choice((1020, 1050, 1110))]], WEEKDAYS), False


def _establishment_unit(rng: Random, unit_id: str, unit_type: dict, commune: Commune, neighbours: _Neighbours, *, children: bool = False) -> dict:
    code = unit_type["code"]
    pool = UNIT_TYPE_APTITUDES.get(code, ())
    aptitudes = rng.sample(pool, min(len(pool), rng.randint(1, 3))) if pool else []
    if children:
        ages = (0, 17)
    elif code in ("SMR_GERIATRIQUE", "REEDUC_EHPAD", "SSIAD"):
        ages = (60, 120)
    elif code == "HAD" or rng.random() < 0.2:
        ages = (0, 120)
    else:
        ages = (18, 120)
    week, holidays = _unit_week(rng, code)
    home_visit = code in HOME_CARE_TYPES
    visit_communes = [commune.insee, *neighbours.of(commune)[:rng.randint(5, 12)]] if home_visit else []
    if home_visit:
        aptitudes.append(HOME_VISIT_APTITUDE)
    return {
        "id": unit_id,
        "uo_type": code,
        "name": unit_type["label"] + (" – enfants" if children else ""),
        "profession": unit_type["profession"],
        "phone": _landline(rng, commune.department) if rng.random() < 0.85 else None,
        "mobile": None,
        "aptitudes": aptitudes,
        "age_min": ages[0],
        "age_max": ages[1],
        "home_visit": home_visit,
        "home_visit_communes": visit_communes,
        "week": week,
        "open_on_holidays": holidays,
        "comments": rng.choice(ESTABLISHMENT_COMMENTS) if rng.random() < 0.4 else "",
    }


def _write_establishments(rng: Random, path: Path, places: list[Commune], physios: int, neighbours: _Neighbours) -> None:
    unit_types = nomenclature().uo_types
    count = max(MIN_ESTABLISHMENTS, round(physios / PHYSIOS_PER_ESTABLISHMENT))
    big = sorted(places, key=lambda c: (-c.population, c.insee))[:HOSPITAL_COMMUNES]
    big_cum = list(accumulate(c.population for c in big))
    kinds = tuple(ESTABLISHMENT_KINDS)
    kind_cum = list(accumulate(spec[0] for spec in ESTABLISHMENT_KINDS.values()))
    used_names: set[str] = set()
    with open(path, "w", encoding="utf-8", newline="") as out:
        for number in range(1, count + 1):
            kind = rng.choices(kinds, cum_weights=kind_cum)[0]
            _, category, ej_template, eg_template = ESTABLISHMENT_KINDS[kind]
            commune = rng.choices(big, cum_weights=big_cum)[0]
            _, first, last = _person(rng)
            words = {"town": _short_town(commune), "person": f"{first} {last}", "tree": rng.choice(TREES)}
            street_code, street_type, street = rng.choice(STREETS)
            name = eg_template.format(**words)
            if name in used_names:
                # Told apart by the street when it names no town (a route de Versailles would).
                name = f"{name} – {street_type.lower()} {street}" if street in NAMED_STREETS else f"{name} – site {last}"
            used_names.add(name)
            key = f"DEMO-E{number:05d}"
            lat, lon = jittered_point(f"EG-{key}", commune.lat, commune.lon, radius_m=1500)
            if kind == "health_centre":
                chosen = [(unit_types["CENTRE_SANTE_KINE"], False), (unit_types["CENTRE_SANTE_KINE"], True)]
            elif kind == "ehpad":
                chosen = [(unit_types["REEDUC_EHPAD"], False), (unit_types["SSIAD"], False)]
            else:
                codes = ESTABLISHMENT_UNIT_TYPES[kind]
                chosen = [(unit_types[code], False) for code in rng.sample(codes, rng.randint(2, min(6, len(codes))))]
            units = [
                _establishment_unit(rng, f"UO-{key}-{index:02d}", unit_type, commune, neighbours, children=children)
                for index, (unit_type, children) in enumerate(chosen, start=1)
            ]
            assert all(unit["uo_type"] in unit_types and unit_types[unit["uo_type"]]["category"] == category for unit in units)
            record = {
                "ej": {"id": f"EJ-{key}", "name": ej_template.format(**words), "kind": "organisation"},
                "eg": {
                    "id": f"EG-{key}",
                    "name": name,
                    "category": category,
                    "sector": None,
                    "address": f"{rng.randint(1, 120)} {street_type.lower()} {street}",
                    "postal_code": commune.postal_code,
                    "insee": commune.insee,
                    "lat": lat,
                    "lon": lon,
                    "phone": _landline(rng, commune.department),
                },
                "units": units,
            }
            out.write(_json(record))


# --- loading --------------------------------------------------------------------------

def _phone(text: str | None, *, mobile: bool = False) -> str | None:
    return normalize_phone_fast(text, mobile=mobile) if text else None


def _sheet(record: dict) -> dict:
    """The editable fields of a unit from a demo record: phones normalised, aptitudes and week checked."""
    catalogue = nomenclature().aptitudes
    unknown = [code for code in record.get("aptitudes") or () if code not in catalogue]
    if unknown:
        raise ValueError(f"Aptitude inconnue dans les données de démonstration : {', '.join(unknown)}")
    return {
        "phone": _phone(record.get("phone")),
        "mobile": _phone(record.get("mobile"), mobile=True),
        "aptitudes": list(record.get("aptitudes") or ()),
        "age_min": record.get("age_min"),
        "age_max": record.get("age_max"),
        "home_visit": None if record.get("home_visit") is None else bool(record["home_visit"]),   # None: not given
        "home_visit_communes": list(record.get("home_visit_communes") or ()),
        "week": validate_week(record.get("week") or {}),
        "open_on_holidays": bool(record.get("open_on_holidays")),
        "comments": record.get("comments") or "",
    }


def _apply_sheets(conn, sheets: dict[str, dict], now) -> tuple[int, list[str]]:
    """Bulk update_unit: changed units get revision + 1 and an outbox row; returns (changed, missing ids).

    As update_unit, a physiotherapy unit's home-visit flag and aptitude are made to agree.
    """
    fields = repository.EDITABLE_UNIT_FIELDS
    # The repository's own encoding, so that later edits compare equal to what is stored here.
    encode = repository._encode_unit_value
    current: dict[str, tuple] = {}
    ids = list(sheets)
    for start in range(0, len(ids), 900):
        chunk = ids[start:start + 900]
        marks = ", ".join("?" for _ in chunk)
        for row in conn.execute(f"SELECT id, revision, profession, {', '.join(fields)} FROM units WHERE id IN ({marks})", chunk):
            current[row["id"]] = (row["revision"], row["profession"], tuple(row[f] for f in fields))
    stamp = iso(now)
    updates, queued, missing = [], [], []
    for unit_id, sheet in sheets.items():
        if unit_id not in current:
            missing.append(unit_id)
            continue
        revision, profession, stored = current[unit_id]
        aptitudes, home_visit = repository.home_visit_fact(profession, sheet["aptitudes"], sheet["home_visit"])
        sheet = {**sheet, "aptitudes": aptitudes, "home_visit": home_visit}
        encoded = tuple(encode(f, sheet[f]) for f in fields)
        if encoded != stored:
            updates.append((*encoded, stamp, unit_id))
            queued.append((unit_id, revision + 1))
    conn.executemany(
        f"UPDATE units SET {', '.join(f'{f} = ?' for f in fields)}, revision = revision + 1, updated_at = ? WHERE id = ?",
        updates,
    )
    enqueue_units(conn, queued, now)
    return len(updates), missing


def _added_persons(record: dict) -> list[dict]:
    return [{**person, "phone": _phone(person.get("phone"), mobile=True)} for person in record.get("resource_persons") or ()]


def _jsonl_batches(path: Path, size: int) -> Iterator[list[dict]]:
    batch: list[dict] = []
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                batch.append(json.loads(line))
                if len(batch) >= size:
                    yield batch
                    batch = []
    if batch:
        yield batch


def _load_offers(transaction, path: Path, now, progress) -> dict:
    counts = {"offers": 0, "offers_applied": 0, "offers_without_unit": 0}
    for batch in _jsonl_batches(path, BATCH):
        sheets = {record["unit_id"]: _sheet(record) for record in batch}
        with transaction() as conn:
            changed, missing = _apply_sheets(conn, sheets, now)
            absent = set(missing)
            for record in batch:
                if record.get("resource_persons") and record["unit_id"] not in absent:
                    repository.replace_added_resource_persons(conn, record["unit_id"], _added_persons(record), ACTOR, now)
        counts["offers"] += len(batch)
        counts["offers_applied"] += changed
        counts["offers_without_unit"] += len(missing)
        if progress is not None:
            progress(len(batch))
    return counts


def _load_establishments(transaction, path: Path, now, progress) -> dict:
    counts = {"establishments": 0, "establishment_units_created": 0, "establishment_units_updated": 0}
    for batch in _jsonl_batches(path, 500):
        with transaction() as conn:
            for raw in batch:
                # The same checks as any catalog input: a bad record stops the load, nothing half-written.
                record = EstablishmentRecordSchema().load(raw)
                ej, eg = record["ej"], record["eg"]
                repository.upsert_legal_entity(conn, ej["id"], ej["name"], ej["kind"], now)
                repository.upsert_establishment(conn, {**eg, "ej_id": ej["id"], "source": "catalog"}, ACTOR, now)
                sheets = {unit["id"]: {k: v for k, v in unit.items() if k not in ("id", "uo_type", "name", "profession")}
                          for unit in record["units"]}
                changed, missing = _apply_sheets(conn, sheets, now)
                absent = set(missing)
                new_units = [
                    {**sheets[unit["id"]], "id": unit["id"], "eg_id": eg["id"], "uo_type": unit["uo_type"], "name": unit["name"], "profession": unit["profession"]}
                    for unit in record["units"]
                    if unit["id"] in absent
                ]
                counts["establishment_units_created"] += repository.insert_units(conn, new_units, now)
                counts["establishment_units_updated"] += changed
        counts["establishments"] += len(batch)
        if progress is not None:
            progress(len(batch))
    return counts


def load(store: Store, files: DemoFiles, *, progress: Callable[[int], None] | None = None) -> dict:
    """Load generated files: the extract through the RPPS importer, then the sheets, then establishments.

    Idempotent: loading the same files again changes nothing. ``progress`` gets
    counts of lines or records handled since its previous call.
    """
    now = utcnow()
    summary = import_extract(store, files.extract, progress=progress, now=now)
    counts = {"import": summary}
    with store.bulk_session() as transaction:
        counts.update(_load_offers(transaction, files.offers, now, progress))
        counts.update(_load_establishments(transaction, files.establishments, now, progress))
    with store.snapshot() as conn:
        counts["units"] = repository.count_units(conn)
    return counts


def format_counts(counts: dict) -> str:
    """What ``load`` did, in French, for the CLI (after the RPPS import report)."""
    n = {key: french_number(value) for key, value in counts.items() if isinstance(value, int)}
    without_unit = f" ({n['offers_without_unit']} sans unité)" if counts["offers_without_unit"] else ""
    return "\n".join((
        f"Fiches des kinésithérapeutes appliquées : {n['offers_applied']} sur {n['offers']}{without_unit}",
        f"Établissements de santé : {n['establishments']}, {n['establishment_units_created']} unités créées, "
        f"{n['establishment_units_updated']} mises à jour",
        f"Unités (UO) dans le catalogue : {n['units']}",
    ))
