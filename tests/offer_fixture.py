"""A small, hand-made offer with known answers, loaded through the real store and indexer."""
from __future__ import annotations

from catalog import repository
from catalog.store import Store

FULL_WEEK_DAYTIME = {day: [(8 * 60, 20 * 60)] for day in range(1, 6)}

ESTABLISHMENTS = [
    # id, name, category, insee, lat, lon
    ("EG-VER1", "Cabinet de kinésithérapie des Chantiers", "LIBERAL", "78646", 48.7960, 2.1350),
    ("EG-PAR15", "Cabinet Vaugirard", "LIBERAL", "75115", 48.8400, 2.3000),
    ("EG-RAMB", "Cabinet de la Forêt", "LIBERAL", "78517", 48.6450, 1.8200),
    ("EG-HOSP", "Centre hospitalier de Versailles", "ETABLISSEMENT", "78646", 48.8180, 2.1120),
    ("EG-CHES", "Cabinet du Parly", "LIBERAL", "78158", 48.8270, 2.1260),
    ("EG-EVRY", "Cabinet de l'Agora", "LIBERAL", "91228", 48.6240, 2.4300),
]

UNITS = [
    # Versailles: vestibular rehab, children and adults, Monday 9h-12h only.
    dict(id="UO-A", eg_id="EG-VER1", uo_type="CONSULT_KINE", name="Consultation kinésithérapie", profession="70",
         aptitudes=["KINE_REEDUC_VESTIBULAIRE"], age_min=0, age_max=120, week={1: [(540, 720)]},
         phone="+33139000001", comments="Vertiges et troubles de l'équilibre"),
    # Versailles, same practice: spine, adults, home visits in Versailles and Le Chesnay.
    dict(id="UO-B", eg_id="EG-VER1", uo_type="CONSULT_KINE", name="Consultation kinésithérapie", profession="70",
         aptitudes=["KINE_REEDUC_RACHIS", "KINE_INTERV_DOMICILE"], age_min=18, age_max=120,
         home_visit=True, home_visit_communes=["78646", "78158"], week=FULL_WEEK_DAYTIME),
    # Paris 15e: generalist, weekdays 8h-20h.
    dict(id="UO-C", eg_id="EG-PAR15", uo_type="CONSULT_KINE", name="Consultation kinésithérapie", profession="70",
         aptitudes=[], age_min=0, age_max=120, week=FULL_WEEK_DAYTIME),
    # Rambouillet (~25 km from Versailles) but visits patients at home in Versailles.
    dict(id="UO-D", eg_id="EG-RAMB", uo_type="CONSULT_KINE", name="Consultation kinésithérapie", profession="70",
         aptitudes=["KINE_REEDUC_VESTIBULAIRE", "KINE_INTERV_DOMICILE"], age_min=0, age_max=17, home_visit=True,
         home_visit_communes=["78517", "78646"], week={2: [(540, 1080)]}),
    # Hospital in Versailles: several UOs, one open on public holidays around the clock.
    dict(id="UO-H1", eg_id="EG-HOSP", uo_type="SMR", name="SMR polyvalent", profession=None,
         aptitudes=["KINE_BALNEOTHERAPIE"], age_min=18, age_max=120,
         week={d: [(0, 1440)] for d in range(1, 8)}, open_on_holidays=True),
    dict(id="UO-H2", eg_id="EG-HOSP", uo_type="PLATEAU_REEDUC", name="Plateau technique de rééducation",
         profession=None, aptitudes=["KINE_REEDUC_VESTIBULAIRE", "KINE_LYMPHOEDEMES"], age_min=0, age_max=120,
         week=FULL_WEEK_DAYTIME),
    dict(id="UO-H3", eg_id="EG-HOSP", uo_type="HDJ_SMR", name="Hôpital de jour SMR", profession=None,
         aptitudes=[], week=FULL_WEEK_DAYTIME),
    # Le Chesnay: lymphoedema, Saturday mornings.
    dict(id="UO-E", eg_id="EG-CHES", uo_type="CONSULT_KINE", name="Consultation kinésithérapie", profession="70",
         aptitudes=["KINE_LYMPHOEDEMES"], age_min=18, age_max=120, week={6: [(540, 720)]}),
    # Évry: far from everything above.
    dict(id="UO-F", eg_id="EG-EVRY", uo_type="CONSULT_KINE", name="Consultation kinésithérapie", profession="70",
         aptitudes=["KINE_REEDUC_RACHIS"], age_min=0, age_max=120, week=FULL_WEEK_DAYTIME),
]


def load(store: Store) -> None:
    with store.transaction() as conn:
        for eg_id, name, category, insee, lat, lon in ESTABLISHMENTS:
            ej_id = "EJ-" + eg_id[3:]
            repository.upsert_legal_entity(conn, ej_id, name, "organisation" if category != "LIBERAL" else "practitioner")
            repository.upsert_establishment(conn, {
                "id": eg_id, "ej_id": ej_id, "name": name, "category": category, "sector": None,
                "address": "1 rue de l'Exemple", "postal_code": "", "insee": insee, "lat": lat, "lon": lon,
                "phone": None, "source": "catalog"}, "fixture")
        repository.insert_units(conn, UNITS)
