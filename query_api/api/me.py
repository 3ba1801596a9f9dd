"""« Mon compte »: the signed-in practitioner, their UOs, the sheet they edit, reports about them.

Only the owner of a UO (units.owner_rpps = the account's RPPS number) may read
its sheet for editing or save it. A save writes the sheet, its audit rows and
the outbox entry in one transaction; the sync worker then updates the index.
"""
from __future__ import annotations

from flask import jsonify

from catalog import accounts, anomalies, repository
from catalog.nomenclature import nomenclature
from catalog.schemas import UnitSheetSchema
from query_api import context, security
from query_api.api.operations import SIGNED_IN, SIGNED_IN_WRITE, Blueprint
from query_api.api.schemas import me as shapes
from query_api.api.sheets import UNIT_ID, establishment_summary, unit_gone
from query_api.errors import ApiError, error_body
from query_api.security import current_account, details_required, login_required

blueprint = Blueprint("me", __name__, description="« Mon compte ». *My account.*")
NOT_MINE = {403: "Cette fiche appartient à un autre praticien, ou informations obligatoires manquantes. "
                 "*Someone else's sheet, or required details missing.*",
            404: "Aucune UO ne porte cet identifiant. *No such unit.*"}
ENDED = {410: "Cette UO est fermée (activité absente du RPPS) : sa fiche se lit, ne s'enregistre plus. "
              "*This unit ended: its sheet can be read, not saved.*"}
blueprint.after_request(security.no_store)

MSG_NOT_OWNER = "Cette fiche ne vous appartient pas : seul le praticien titulaire peut la modifier."
MSG_STALE = ("La fiche a été modifiée entre-temps (dans un autre onglet ou par une autre personne). "
             "Voici la version actuelle : reportez-y vos modifications puis enregistrez à nouveau.")
_PERSON_FIELDS = ("name", "role", "phone", "email")


def _practitioner(conn, rpps: str | None) -> dict | None:
    if not rpps:
        return None
    try:
        person = repository.get_practitioner(conn, rpps)
    except repository.NotFound:
        return None
    return {
        "rpps": person["rpps"],
        "civility": person["civility"],
        "first_name": person["first_name"],
        "last_name": person["last_name"],
        "name": f"{person['first_name']} {person['last_name']}".strip(),
        "profession": {"code": person["profession"],
                       "label": nomenclature().professions.get(person["profession"], {}).get("label")},
    }


def _unit_type(code: str) -> dict:
    return {"code": code, "label": nomenclature().uo_types.get(code, {}).get("label")}


def owner_sheet(conn, unit_id: str) -> dict:
    """The sheet as its owner edits it: ``sheet`` is exactly what PUT takes back."""
    unit = repository.get_unit(conn, unit_id)
    eg = repository.get_establishment(conn, unit["eg_id"])
    persons = repository.resource_persons(conn, unit_id)
    editable = {field: unit[field] for field in repository.EDITABLE_UNIT_FIELDS}
    editable["week"] = {str(day): [list(slot) for slot in slots] for day, slots in sorted(unit["week"].items())}
    return {
        "id": unit["id"],
        "name": unit["name"],
        "type": _unit_type(unit["uo_type"]),
        "revision": unit["revision"],
        "updated_at": unit["updated_at"],
        "ended_at": unit["ended_at"],
        # From the RPPS (or the catalog): shown, never edited here.
        "rpps": {
            "practitioner": _practitioner(conn, unit["owner_rpps"]),
            "establishment": establishment_summary(eg),
            "resource_persons": [{"rpps": p["rpps"], **{f: p[f] for f in _PERSON_FIELDS}}
                                 for p in persons if p["source"] == "rpps"],
        },
        "sheet": {
            "revision": unit["revision"],
            **editable,
            "resource_persons": [{f: p[f] for f in _PERSON_FIELDS} for p in persons if p["source"] == "added"],
        },
        "anomalies": [anomalies.for_practitioner(a) for a in anomalies.anomalies_of_unit(conn, unit_id)],
    }


def _owned_unit(conn, unit_id: str, account: dict) -> dict:
    """The unit if ``account`` owns it: 404 when there is no such UO, 403 when it is someone else's."""
    try:
        unit = repository.get_unit(conn, unit_id)
    except repository.NotFound:
        raise ApiError(404, "not_found", f"Aucune unité (UO) ne porte l'identifiant « {unit_id} ».") from None
    if not account["rpps"] or unit["owner_rpps"] != account["rpps"]:
        raise ApiError(403, "not_owner", MSG_NOT_OWNER)
    return unit


def _save(conn, unit_id: str, changes: dict, persons: list[dict], *, revision: int, actor: str) -> None:
    before = [{f: p[f] for f in _PERSON_FIELDS}
              for p in repository.resource_persons(conn, unit_id) if p["source"] == "added"]
    current = repository.get_unit(conn, unit_id)
    updated = repository.update_unit(conn, unit_id, changes, actor=actor, expected_revision=revision)
    repository.replace_added_resource_persons(conn, unit_id, persons, actor)
    after = [{f: p.get(f) for f in _PERSON_FIELDS} for p in persons]
    if updated["revision"] == current["revision"] and before != after:
        # Only the persons changed: a new revision still tells other editors the sheet moved.
        repository.touch_units(conn, [unit_id])


@blueprint.get("/me")
@blueprint.declare(security=SIGNED_IN, summary="Mon compte, mon identité RPPS et mes UO")
@blueprint.response(200, shapes.Me, description="Le compte connecté. *The signed-in account.*")
@login_required
def me():
    account = current_account()
    with context.store().snapshot() as conn:
        units = repository.units_of_owner(conn, account["rpps"]) if account["rpps"] else []
        body = {
            "account": accounts.public_account(account),
            "practitioner": _practitioner(conn, account["rpps"]),
            "units": [{
                "id": unit["id"],
                "name": unit["name"],
                "type": _unit_type(unit["uo_type"]),
                "revision": unit["revision"],
                "establishment": establishment_summary(repository.get_establishment(conn, unit["eg_id"])),
                "ended_at": unit["ended_at"],
            } for unit in units],
        }
    return jsonify(body)


@blueprint.get("/me/units/<unit_id>", parameters=[UNIT_ID])
@blueprint.declare(security=SIGNED_IN, summary="Ma fiche d'UO, telle que je la modifie", errors=NOT_MINE)
@blueprint.response(200, shapes.OwnerSheet, description="La fiche ; « sheet » est ce que PUT reprend. "
                                                        "*The sheet; « sheet » is what PUT takes back.*")
@details_required
def unit_for_edit(unit_id: str):
    with context.store().snapshot() as conn:
        _owned_unit(conn, unit_id, current_account())
        return jsonify(owner_sheet(conn, unit_id))


@blueprint.put("/me/units/<unit_id>", parameters=[UNIT_ID])
@blueprint.declare(security=SIGNED_IN_WRITE, summary="Enregistrer ma fiche d'UO", invalid=True,
                   description="« revision » est celle de la fiche lue : si elle a changé depuis, la réponse est "
                               "409 avec la version actuelle, et rien n'est écrit.\n\n*« revision » is the one "
                               "read: if the sheet changed since, the answer is 409 with the current version, "
                               "and nothing is written.*", errors={**NOT_MINE, **ENDED})
@blueprint.response(200, shapes.OwnerSheet, description="Enregistrée ; la recherche la voit sous quelques "
                                                        "secondes. *Saved; searchable within seconds.*")
@blueprint.alt_response(409, schema=shapes.StaleSheet, description="La fiche a changé depuis sa lecture. "
                                                                   "*The sheet changed since it was read.*")
@details_required
@blueprint.arguments(UnitSheetSchema)
def save_unit(data: dict, unit_id: str):
    account = current_account()
    with context.store().snapshot() as conn:
        _owned_unit(conn, unit_id, account)
    revision, persons = data.pop("revision"), data.pop("resource_persons")
    try:
        with context.store().transaction() as conn:
            _owned_unit(conn, unit_id, account)  # again, inside the write lock
            _save(conn, unit_id, data, persons, revision=revision, actor=f"account:{account['id']}")
            # Read back in the same transaction: once it commits the store is not asked again, so a
            # store that goes away now answers 503 for an edit that was not saved, never for one that was.
            saved = owner_sheet(conn, unit_id)
    except repository.UnitEnded as ended:
        raise unit_gone(ended) from None
    except repository.StaleRevision:
        with context.store().snapshot() as conn:
            current = owner_sheet(conn, unit_id)
        return jsonify({**error_body("stale_revision", MSG_STALE, "revision"), "current": current}), 409
    return jsonify(saved)


@blueprint.get("/me/anomalies")
@blueprint.declare(security=SIGNED_IN, summary="Signalements sur mes fiches et signalements que j'ai faits")
@blueprint.response(200, shapes.MyAnomalies, description="Les signalements. *The reports.*")
@login_required
def my_anomalies():
    account = current_account()
    with context.store().snapshot() as conn:
        concerning = anomalies.anomalies_of_owner(conn, account["rpps"]) if account["rpps"] else []
        reported = anomalies.anomalies_of_reporter(conn, account["id"])
    return jsonify({
        "anomalies": [anomalies.for_practitioner(a) for a in concerning],
        "reported": [anomalies.for_practitioner(a) for a in reported],
    })
