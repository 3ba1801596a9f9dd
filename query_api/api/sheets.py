"""Full sheets of a UO and of an EG, read from the store (the system of record).

Empty fields are left out, as the guide says ("les champs non remplis seront
masqués"). Direct contacts (mobile, resource persons) are for signed-in
professionals only; the rest of a sheet is public.
"""
from __future__ import annotations

from datetime import datetime

from flask import jsonify

from catalog import repository
from catalog.communes import DEPARTMENTS, communes
from catalog.labels import person_name, unit_label
from catalog.nomenclature import nomenclature
from catalog.opening import long_date
from catalog.phone import phone_or_none
from catalog.schedule import DAY_NAMES, format_day, is_open
from indexer.documents import patients
from query_api import context
from query_api.api.operations import PUBLIC_READ, Blueprint
from query_api.api.schemas.sheets import EstablishmentSheet, UnitSheet
from query_api.errors import ApiError

blueprint = Blueprint("sheets", __name__, description="Fiches des UO et des EG. *Sheets of units and establishments.*")


def _compact(value):
    """Drop empty values (None, "", [], {}) recursively; keep False and 0."""
    if isinstance(value, dict):
        kept = {k: _compact(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v not in (None, "", [], {})}
    if isinstance(value, list):
        return [_compact(v) for v in value]
    return value


def establishment_summary(eg: dict) -> dict:
    town = communes().get(eg["insee"])
    return {
        "id": eg["id"],
        "name": eg["name"],
        "category": {"code": eg["category"], "label": nomenclature().categories.get(eg["category"], {}).get("label")},
        "address": eg["address"],
        "postal_code": eg["postal_code"],
        "commune": town.name if town else None,
        "insee": eg["insee"],
        "department": {"code": town.department, "label": DEPARTMENTS[town.department]} if town else None,
        "lat": eg["lat"],
        "lon": eg["lon"],
        "phone": phone_or_none(eg.get("phone")),
        "legal_entity": {"id": eg["ej_id"], "name": eg.get("ej_name")},
        "source": eg["source"],
    }


def unit_gone(error: repository.UnitEnded) -> ApiError:
    """An ended UO read by id: 410 Gone, with the day it stopped (its sheet stays in the store)."""
    return ApiError(410, "gone", f"Cette unité n'existe plus depuis le {long_date(datetime.fromisoformat(error.ended_at))}.")


def unit_sheet(conn, unit_id: str, *, signed_in: bool, now) -> dict:
    """The whole public (and, when signed in, professional) sheet of a UO; UnitEnded when it stopped."""
    unit = repository.get_active_unit(conn, unit_id)
    eg = repository.get_establishment(conn, unit["eg_id"])
    nom = nomenclature()
    towns = communes()
    groups: dict[str, list] = {}
    for code in unit["aptitudes"]:
        if code in nom.aptitudes:
            aptitude = nom.aptitudes[code]
            groups.setdefault(aptitude.group_label, []).append({"code": code, "label": aptitude.label})
    practitioner = None
    if unit["owner_rpps"]:
        person = repository.get_practitioner(conn, unit["owner_rpps"])
        practitioner = {"rpps": person["rpps"], "name": person_name(person["first_name"], person["last_name"]),
                        "profession": nom.professions.get(person["profession"], {}).get("label")}
    week = [{"day": day, "label": DAY_NAMES[day], "hours": format_day(unit["week"][day])}
            for day in sorted(unit["week"]) if unit["week"][day]]
    sheet = {
        "id": unit["id"],
        "name": unit["name"],
        "type": {"code": unit["uo_type"], "label": nom.uo_types.get(unit["uo_type"], {}).get("label")},
        "profession": {"code": unit["profession"], "label": nom.professions.get(unit["profession"] or "", {}).get("label")}
        if unit["profession"] else None,
        "establishment": establishment_summary(eg),
        "practitioner": practitioner,
        "phone": phone_or_none(unit["phone"]),
        "aptitudes": [{"group": group, "items": items} for group, items in groups.items()],
        "generalist": not groups,
        "patients": {"age_min": unit["age_min"], "age_max": unit["age_max"],
                     "flags": patients(unit["age_min"], unit["age_max"])} if unit["age_min"] is not None else None,
        "home_visit": unit["home_visit"],
        "home_visit_communes": [{"insee": insee, "label": towns[insee].label if insee in towns else insee}
                                for insee in unit["home_visit_communes"]] if unit["home_visit"] else [],
        "week": week,
        "open_on_holidays": unit["open_on_holidays"] or None,
        "open_now": is_open(unit["week"], now, unit["open_on_holidays"]),
        "comments": unit["comments"],
        "revision": unit["revision"],
        "updated_at": unit["updated_at"],
    }
    if signed_in:
        sheet["mobile"] = phone_or_none(unit["mobile"])
        sheet["resource_persons"] = [
            {"name": p["name"], "role": p["role"], "source": p["source"], "phone": phone_or_none(p["phone"]), "email": p["email"]}
            for p in repository.resource_persons(conn, unit_id)
        ]
    return _compact(sheet)


def establishment_sheet(conn, eg_id: str, *, now) -> dict:
    eg = repository.get_establishment(conn, eg_id)
    units = repository.units_of_establishment(conn, eg_id)
    nom = nomenclature()
    sheet = establishment_summary(eg)
    sheet["units"] = [
        {"id": u["id"], "name": u["name"], "practitioner": u["owner_name"], "label": unit_label(u["name"], u["owner_name"]),
         "type": {"code": u["uo_type"], "label": nom.uo_types.get(u["uo_type"], {}).get("label")},
         "patients": patients(u["age_min"], u["age_max"]), "home_visit": u["home_visit"],
         "open_now": is_open(u["week"], now, u["open_on_holidays"]), "phone": phone_or_none(u["phone"])}
        for u in units
    ]
    return _compact(sheet)


def _signed_in() -> bool:
    from query_api.security import current_account

    return current_account() is not None


UNIT_ID = {"in": "path", "name": "unit_id", "example": "UO-KA", "description": "Identifiant de l'unité (UO).\n\n*Unit id.*"}
EG_ID = {"in": "path", "name": "eg_id", "example": "EG-VER1",
         "description": "Identifiant de l'établissement (EG).\n\n*Establishment id.*"}


@blueprint.get("/units/<unit_id>", parameters=[UNIT_ID])
@blueprint.declare(security=PUBLIC_READ, summary="Fiche complète d'une unité opérationnelle (UO)",
                   description="Le mobile et les personnes ressources ne sont donnés qu'aux professionnels "
                               "connectés ; les champs vides sont omis.\n\n*Mobile and resource persons for "
                               "signed-in professionals only; empty fields are left out.*",
                   errors={404: "Aucune UO ne porte cet identifiant. *No such unit.*",
                           410: "Cette UO n'existe plus (son praticien a quitté le lieu) ; le message dit depuis "
                                "quand. *This unit stopped; the message says since when.*"})
@blueprint.response(200, UnitSheet, description="La fiche. *The sheet.*")
def unit(unit_id: str):
    with context.store().snapshot() as conn:
        try:
            return jsonify(unit_sheet(conn, unit_id, signed_in=_signed_in(), now=context.now()))
        except repository.UnitEnded as ended:
            raise unit_gone(ended) from None
        except repository.NotFound:
            raise ApiError(404, "not_found", f"Aucune unité (UO) ne porte l'identifiant « {unit_id} ».") from None


@blueprint.get("/establishments/<eg_id>", parameters=[EG_ID])
@blueprint.declare(security=PUBLIC_READ, summary="Fiche d'un établissement (EG) et de ses UO",
                   errors={404: "Aucun EG ne porte cet identifiant. *No such establishment.*"})
@blueprint.response(200, EstablishmentSheet, description="La fiche. *The sheet.*")
def establishment(eg_id: str):
    with context.store().snapshot() as conn:
        try:
            return jsonify(establishment_sheet(conn, eg_id, now=context.now()))
        except repository.NotFound:
            raise ApiError(404, "not_found", f"Aucun établissement (EG) ne porte l'identifiant « {eg_id} ».") from None
