"""The « Répertoire » (/repertoire) and the EJ sheet (/ej/<id>): browsing instead of searching.

Department → commune → establishments (→ the EG sheet and its UO), and legal entity →
its establishments → their UO. The upper levels' counts are the engine's aggregations
(query_api/search/directory.py), the lists are pages of the store's indexes
(catalog/directory.py). Public pages; the EJ sheet has the « Signaler une anomalie »
button of the EG and UO sheets.
"""
from __future__ import annotations

import re

from flask import Blueprint, render_template, request, url_for
from opensearchpy.exceptions import ConnectionError as EngineConnectionError
from opensearchpy.exceptions import ConnectionTimeout, TransportError
from werkzeug.exceptions import HTTPException

from catalog import directory
from catalog.communes import DEPARTMENTS, communes
from catalog.nomenclature import nomenclature
from catalog.repository import NotFound
from indexer.engine import UNITS, alias_name
from query_api import context
from query_api.errors import ApiError
from query_api.search import directory as counts
from query_api.search.execute import search_whole
from query_api.web import pages

blueprint = Blueprint("directory", __name__)

COMMUNES_PER_PAGE = 60
ESTABLISHMENTS_PER_PAGE = 25
LEGAL_ENTITIES_PER_PAGE = 25
MAX_PAGE = 100_000
INITIALS = tuple("ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _page() -> int:
    raw = request.args.get("page", "1").strip() or "1"
    if not re.fullmatch(r"[0-9]{1,7}", raw) or not 1 <= int(raw) <= MAX_PAGE:
        raise ApiError(400, "invalid_parameter", "Le numéro de page doit être un nombre entier entre 1 et 100 000.", "page")
    return int(raw)


def _paging(page: int, total: int, per_page: int) -> dict:
    last = max(1, -(-total // per_page))
    if page > last and total:
        raise ApiError(404, "not_found", f"Cette liste n'a que {last} page{'s' if last > 1 else ''}.")
    return {"page": page, "last_page": last, "numbers": [n for n in pages._page_numbers(page, last)]}


def _units_search(raw: dict) -> dict:
    return search_whole(context.search(), alias_name(context.settings(), UNITS), raw)


@blueprint.get("/repertoire")
def home():
    departments = counts.departments_response(_units_search(counts.departments_body()))
    return render_template("directory/home.html", departments=departments, kinds=directory.EJ_KINDS,
                           totals={k: sum(d[k] for d in departments) for k in ("units", "establishments", "communes")})


@blueprint.get("/repertoire/departement/<code>")
def department(code: str):
    if code not in DEPARTMENTS:
        raise ApiError(404, "not_found", f"« {code} » n'est pas un département d'Île-de-France.")
    page = _page()
    rows = counts.communes_response(_units_search(counts.communes_body(code)))
    paging = _paging(page, len(rows), COMMUNES_PER_PAGE)
    shown = rows[(page - 1) * COMMUNES_PER_PAGE: page * COMMUNES_PER_PAGE]
    return render_template("directory/department.html", code=code, label=DEPARTMENTS[code], communes=shown,
                           total=len(rows), paging=paging,
                           units=sum(r["units"] for r in rows), establishments=sum(r["establishments"] for r in rows),
                           page_url=lambda n: url_for("directory.department", code=code, page=n))


@blueprint.get("/repertoire/commune/<insee>")
def commune(insee: str):
    town = communes().get(insee)
    if town is None:
        raise ApiError(404, "not_found", f"Aucune commune d'Île-de-France n'a le code INSEE « {insee} ».")
    page = _page()
    with context.store().snapshot() as conn:
        total, rows = directory.establishments_in_commune(conn, insee, page=page, per_page=ESTABLISHMENTS_PER_PAGE)
    paging = _paging(page, total, ESTABLISHMENTS_PER_PAGE)
    categories = nomenclature().categories
    for row in rows:
        row["category_label"] = categories.get(row["category"], {}).get("label", row["category"])
    return render_template("directory/commune.html", town=town, department=(town.department, DEPARTMENTS[town.department]),
                           establishments=rows, total=total, paging=paging,
                           page_url=lambda n: url_for("directory.commune", insee=insee, page=n))


@blueprint.get("/repertoire/entites")
def legal_entities():
    kind = request.args.get("type", "organisation").strip() or "organisation"
    if kind not in directory.EJ_KINDS:
        raise ApiError(400, "invalid_parameter", "Type d'entité inconnu : choisissez « organisation » ou « practitioner ».", "type")
    initial = request.args.get("lettre", "").strip().upper() or None
    if initial is not None and initial not in INITIALS:
        raise ApiError(400, "invalid_parameter", "La lettre doit être une lettre de A à Z.", "lettre")
    page = _page()
    with context.store().snapshot() as conn:
        total, rows = directory.legal_entities(conn, kind, initial=initial, page=page, per_page=LEGAL_ENTITIES_PER_PAGE)
    paging = _paging(page, total, LEGAL_ENTITIES_PER_PAGE)

    def list_url(**changes) -> str:
        params = {"type": kind, "lettre": initial, **changes}
        return url_for("directory.legal_entities", **{k: v for k, v in params.items() if v and not (k == "page" and v == 1)})

    return render_template("directory/legal_entities.html", kind=kind, kinds=directory.EJ_KINDS, initial=initial,
                           initials=INITIALS, entities=rows, total=total, paging=paging, list_url=list_url,
                           page_url=lambda n: list_url(page=n))


@blueprint.get("/ej/<ej_id>")
def legal_entity(ej_id: str):
    page = _page()
    with context.store().snapshot() as conn:
        try:
            sheet = directory.legal_entity(conn, ej_id)
        except NotFound:
            raise ApiError(404, "not_found", f"Aucune entité juridique (EJ) ne porte l'identifiant « {ej_id} ».") from None
        total, establishments = directory.establishments_of_legal_entity(conn, ej_id, page=page, per_page=ESTABLISHMENTS_PER_PAGE)
    paging = _paging(page, total, ESTABLISHMENTS_PER_PAGE)
    nom, towns = nomenclature(), communes()
    for eg in establishments:
        town = towns.get(eg["insee"])
        eg["commune"] = town.name if town else ""
        eg["category_label"] = nom.categories.get(eg["category"], {}).get("label", eg["category"])
        for unit in eg["units"]:
            unit["type_label"] = nom.uo_types.get(unit["uo_type"], {}).get("label", unit["uo_type"])
    town = towns.get(sheet["insee"] or "")
    return render_template(
        "directory/legal_entity.html", sheet=sheet, commune=town.name if town else "", establishments=establishments,
        total=total, paging=paging, kind_label=directory.EJ_KINDS.get(sheet["kind"], sheet["kind"]),
        page_url=lambda n: url_for("directory.legal_entity", ej_id=ej_id, page=n),
        anomaly={"targets": [("EJ", sheet["id"], f"cette entité juridique ({sheet['name']})")],
                 "fields": pages.ANOMALY_FIELDS["EJ"], "themes": pages._anomaly_themes()},
    )


blueprint.app_template_filter("thousands")(pages.thousands)


# Errors as the search pages show them: a French page, 503 when the engine cannot answer.
blueprint.register_error_handler(ApiError, pages._api_error)
blueprint.register_error_handler(HTTPException, pages._http_error)
blueprint.register_error_handler(EngineConnectionError, pages._engine_down)
blueprint.register_error_handler(ConnectionTimeout, pages._engine_down)
blueprint.register_error_handler(TransportError, pages._engine_error)
