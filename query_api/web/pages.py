"""The French web UI: search page, results, UO and EG sheets, help.

Server-rendered; every page calls the same functions as the JSON API
(``search_request_from_args`` → ``run_search`` (the engine requests) → ``search_response``,
``unit_sheet``, ``establishment_sheet``), so the UI and the API can never
disagree. Errors are shown as a French page, never as JSON.
"""
from __future__ import annotations

import logging
import math
import re
from datetime import datetime
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, jsonify, redirect, render_template, request, url_for
from opensearchpy.exceptions import ConnectionError as EngineConnectionError
from opensearchpy.exceptions import ConnectionTimeout, TransportError
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from catalog import repository
from catalog.communes import PARIS_INSEE, communes
from catalog.labels import unit_label
from catalog.nomenclature import nomenclature
from catalog.opening import MONTHS, describe_change, next_change
from catalog.schedule import DAY_NAMES, PARIS, format_minutes, parse_day_text
from query_api import context
from query_api.api.search import answered_search_from_args, current_clock
from query_api.api.sheets import establishment_sheet, unit_gone, unit_sheet
from query_api.errors import ENGINE_DOWN_MESSAGE, HTTP_MESSAGES, ApiError, engine_cannot_serve, error_body
from query_api.search import places
from query_api.search.queries import ESTABLISHMENT_COUNT_PRECISION, MAX_RESULT_WINDOW
from query_api.search.results import search_response
from query_api.search.understanding import understand, without

log = logging.getLogger(__name__)

blueprint = Blueprint("web", __name__)

# Facet parameters: dropped when the search is widened or started anew.
FACET_PARAMS = ("aptitude", "age", "home_visit", "open_now", "department", "commune", "profession",
                "updated_within_days")
# « Fiche mise à jour » in the sidebar: days of the API's updated_within_days, "" for no filter.
FRESHNESS_CHOICES = (("", "Peu importe"), ("30", "Depuis moins d'un mois"), ("90", "Depuis moins de 3 mois"),
                     ("365", "Depuis moins d'un an"))
# Radii offered in the sidebar and used to widen an empty search.
RADII_KM = (2, 3, 5, 10, 20, 30, 50, 100)
PAGE_LINKS_AROUND = 2      # page numbers shown either side of the current page

# Fields a reporter may point at in "Signaler une anomalie" (optional).
ANOMALY_FIELDS = {
    "UO": [("name", "Intitulé"), ("phone", "Téléphone"), ("mobile", "Mobile"), ("aptitudes", "Aptitudes"),
           ("patients", "Patients pris en charge"), ("home_visit", "Intervention à domicile"),
           ("week", "Semaine type (horaires)"), ("comments", "Informations complémentaires"),
           ("resource_persons", "Personnes ressources")],
    "EG": [("name", "Nom"), ("address", "Adresse"), ("phone", "Téléphone"), ("category", "Catégorie"),
           ("units", "Unités de l'établissement")],
    "EJ": [("name", "Raison sociale"), ("identifiers", "FINESS / SIREN"), ("address", "Adresse"),
           ("establishments", "Établissements rattachés")],
}


# --- "Où ?" typed without choosing a suggestion ----------------------------------------

_API_WHERE_RE = re.compile(r"(eg:\S+|dep:[0-9]{2}|[+-]?[0-9]{1,3}(\.[0-9]+)?\s*[,;]\s*[+-]?[0-9]{1,3}(\.[0-9]+)?)",
                           re.IGNORECASE)
_TYPED_POSTAL_RE = re.compile(r"cp:([0-9]{5})", re.IGNORECASE)


def resolve_where(text: str) -> str | None:
    """What a person typed in "Où ?" → a ``where`` the API accepts, or None if it names no place.

    An INSEE code (75056 is Paris as a whole), ``dep:<n>``, ``eg:<id>`` or ``lat,lon``
    is kept as it is; a commune name (« versailles », « Versailles (78000) », « St Denis »,
    « boulogne b », a typo), « Paris 13e », « 13e arrondissement », a postal code, a
    department (« Hauts-de-Seine », « 92 ») become the place's ``where``. The typeahead
    sends five digits typed (not chosen) as ``cp:<digits>``: a postal code first.
    """
    text = text.strip()
    if text in communes() or text == PARIS_INSEE or _API_WHERE_RE.fullmatch(text):
        return text
    typed_postal = _TYPED_POSTAL_RE.fullmatch(text)
    if typed_postal:
        text = typed_postal.group(1)
    resolved = places.resolve(text)
    if resolved is None:
        return None
    place = resolved.place
    if place.type == "postal_code" or place.type == "department":
        return place.where
    return place.id


# --- URLs of the results page ----------------------------------------------------------

def _with(args: MultiDict, drop: tuple[str, ...] = (), **changes) -> MultiDict:
    """A copy of ``args`` without ``drop`` and blanks, with ``changes`` (None removes a parameter).

    A changed parameter keeps its place, so a corrected URL reads like the original.
    """
    items: list[tuple[str, str]] = []
    for key, value in args.items(multi=True):
        if key in drop or value == "":
            continue
        if key in changes:
            if changes[key] is not None and key not in (k for k, _ in items):
                items.append((key, changes[key]))
            continue
        items.append((key, value))
    present = {k for k, _ in items}
    items += [(k, v) for k, v in changes.items() if v is not None and k not in present]
    return MultiDict(items)


def _query_string(args: MultiDict) -> str:
    return urlencode(list(args.items(multi=True)))


def results_url(args: MultiDict, drop: tuple[str, ...] = (), **changes) -> str:
    query = _query_string(_with(args, drop, **changes))
    return url_for("web.results") + (f"?{query}" if query else "")


def _page_numbers(current: int, last: int) -> list[int | None]:
    """1 … 4 5 [6] 7 8 … 20: first, last and a window around the current page (None = gap)."""
    shown = {1, last, *range(current - PAGE_LINKS_AROUND, current + PAGE_LINKS_AROUND + 1)}
    numbers: list[int | None] = []
    for number in sorted(n for n in shown if 1 <= n <= last):
        if numbers and number - numbers[-1] > 1:
            numbers.append(None)
        numbers.append(number)
    return numbers


def _wider_radius(radius: float) -> int | None:
    return next((r for r in RADII_KM if r > radius), None)


def _what_label(what: dict | None) -> str:
    if not what:
        return ""
    return what["text"] if what["kind"] == "text" else what["label"]


def _area_label(args: MultiDict, search_request) -> str:
    """A department searched without an origin (« dep:92 », or named in the text)."""
    place = places.by_where(args.get("where", ""))
    if place is None and search_request.understood and search_request.understood["place"]:
        place = places.by_where(f"dep:{search_request.understood['place']['id']}") \
            if search_request.understood["place"]["type"] == "department" else None
    return place.label if place and place.type == "department" else ""


def _postal_reading(args: MultiDict) -> dict | None:
    """A ``where`` INSEE code that is also another commune's postal code: that other reading, as a link."""
    where = args.get("where", "")
    if where not in communes():
        return None
    other = places.postal_place(where)
    if other is None or where in other.communes:
        return None
    return {"code": where, "label": other.label, "url": results_url(args, drop=("page",), where=other.where)}


def _where_label(search_request) -> str:
    origin = search_request.origin
    if origin is None:
        return ""
    if origin.establishment_id:
        return origin.label.split(" – ")[0]
    return origin.label


def _aptitude_groups(values: list[dict]) -> list[tuple[str, list[dict]]]:
    """Aptitude facet values by group, in the nomenclature's order (the API sorts them so)."""
    groups: dict[str, list[dict]] = {}
    for value in values:
        groups.setdefault(value.get("group") or "Autres", []).append(value)
    return list(groups.items())


def thousands(value: int) -> str:
    """12345 → "12 345" (French: a narrow no-break space between thousands); also the pages'
    ``thousands`` filter."""
    return f"{value:,}".replace(",", "\u202f")


def _plural(count: int, singular: str, plural: str) -> str:
    return f"{thousands(count)} {singular if count <= 1 else plural}"


def establishments_number(count: int) -> str:
    """« 2 217 »; past the count the engine keeps exact (more than a result list can page
    through), an estimate within about 1 %, said as one: « environ 50 300 »."""
    if count > ESTABLISHMENT_COUNT_PRECISION:
        return "environ " + thousands(round(count, -2))
    return thousands(count)


def establishments_text(count: int) -> str:
    """« 4 établissements », « environ 50 300 établissements » (establishments_number)."""
    return f"{establishments_number(count)} {'établissement' if count <= 1 else 'établissements'}"


# --- views -------------------------------------------------------------------------------

def _categories() -> list[tuple[str, str]]:
    return [(code, c["label"]) for code, c in nomenclature().categories.items()]


@blueprint.get("/")
def home():
    return render_template("search.html", categories=_categories(), form={})


@blueprint.get("/recherche")
def results():
    args = request.args
    where = args.get("where", "").strip()
    typed_postal = _TYPED_POSTAL_RE.fullmatch(where)
    if typed_postal and (found := places.resolve(typed_postal.group(1))) and found.alternatives:
        # A postal code that is also another commune's INSEE code: read like free text, so
        # that « Nous avons compris » names the other reading (and takes it if it alone finds something).
        phrase = " ".join(x for x in (args.get("q", "").strip(), typed_postal.group(1)) if x)
        return redirect(results_url(args, where=None, q=phrase))
    if where:
        resolved = resolve_where(where)
        if resolved is None:
            if not understand(where).parts:
                raise ApiError(400, "invalid_parameter",
                               f"Lieu non reconnu : « {where} ». Choisissez une commune ou un établissement dans la "
                               "liste proposée, ou saisissez un code postal ou un département d'Île-de-France.", "where")
            # A whole phrase typed in « Où ? »: it is read like free text (its place included).
            phrase = " ".join(x for x in (args.get("q", "").strip(), where) if x)
            return redirect(results_url(args, where=None, q=phrase))
        if resolved != where:
            # A shareable, canonical address: the INSEE code rather than what was typed.
            return redirect(results_url(args, where=resolved))
    clock = current_clock()
    search_request, raw = answered_search_from_args(args, clock)
    data = search_response(raw, search_request, clock)

    _mark_selected_by_text(data["facets"], args)
    _add_next_changes(data["results"])
    per_page = search_request.per_page
    last_page = max(1, min(math.ceil(data["total_establishments"] / per_page), MAX_RESULT_WINDOW // per_page))
    selections = any(value.strip() for k in FACET_PARAMS for value in args.getlist(k))
    radius = data["radius_km"]
    wider = _wider_radius(radius) if radius is not None else None
    export_args = _with(args, drop=("page", "per_page"))
    return render_template(
        "results.html",
        data=data,
        request_=search_request,
        args=args,
        categories=_categories(),
        # A place read in the free text stays in the text: « Où ? » shows only a place chosen there.
        area_label=_area_label(args, search_request),
        postal_reading=_postal_reading(args),
        form={"where": args.get("where", ""),
              "where_label": (_where_label(search_request) or _area_label(args, search_request))
              if args.get("where") else "",
              "what": args.get("what", ""), "what_label": _what_label(search_request.what),
              "q": args.get("q", ""), "category": search_request.category or ""},
        category_label=nomenclature().categories[search_request.category]["label"] if search_request.category else None,
        aptitude_groups=_aptitude_groups(data["facets"]["aptitude"]),
        aptitude_count=len(data["facets"]["aptitude"]),
        counts={"establishments": establishments_text(data["total_establishments"]),
                "establishments_number": establishments_number(data["total_establishments"]),
                "units": _plural(data["total_units"], "unité", "unités")},
        pages=_page_numbers(search_request.page, last_page) if data["total_establishments"] else [],
        last_page=last_page,
        selections=selections,
        radii=sorted({*RADII_KM, radius}) if radius is not None else [],
        freshness=_freshness_choices(args.get("updated_within_days", "").strip()),
        widen_url=results_url(args, drop=FACET_PARAMS + ("page",), radius_km=str(wider)) if wider else None,
        wider_radius=wider,
        clear_url=results_url(args, drop=FACET_PARAMS + ("page",)) if selections else None,
        all_ror_url=results_url(args, drop=("page", "category")) if search_request.category else None,
        without_text_url=results_url(args, drop=("page", "what", "q")) if search_request.what or search_request.q else None,
        export_url=url_for("search.export") + (f"?{_query_string(export_args)}" if export_args else ""),
        results_url=lambda **changes: results_url(args, **changes),
        understood=_understood_chips(args, search_request),
    )


def _freshness_choices(chosen: str) -> list[tuple[str, str, bool]]:
    """(value, label, selected) of « Fiche mise à jour »; a number of days given in the URL is offered too."""
    choices = list(FRESHNESS_CHOICES)
    if chosen and chosen not in dict(choices):
        choices.append((chosen, f"Depuis moins de {chosen} jours"))
    return [(value, label, value == chosen) for value, label in choices]


def _mark_selected_by_text(facets: dict, args: MultiDict) -> None:
    """Facet values selected by the free text (or a department ``where``), not by a box ticked:
    shown ticked but not submitted, so that removing the chip is what widens the search."""
    for name, values in facets.items():
        ticked = {v.lower() for v in args.getlist(name)}
        for value in values:
            if value["selected"] and str(value["value"]).lower() not in ticked:
                value["by_text"] = True


def _understood_chips(args: MultiDict, search_request) -> list[dict]:
    """« Nous avons compris : … » — each recognised part, with the address of the search without it."""
    chips = []
    in_order = sorted(search_request.understood_parts, key=lambda item: item[1].kind != "place")
    for parameter, part in in_order:
        rest = without(args.get(parameter, ""), part)
        chips.append({"label": part.label, "typed": part.typed, "kind": part.kind,
                      "url": results_url(args, drop=("page",), **{parameter: rest or None})})
    return chips


def _signed_in() -> bool:
    return _account() is not None


def _account() -> dict | None:
    try:
        from query_api.security import current_account
    except ImportError:  # accounts not installed in this build
        return None
    return current_account()


def _back_url() -> str | None:
    """The results page the visitor came from, if any (same site only)."""
    referrer = request.referrer
    if not referrer:
        return None
    parts = urlsplit(referrer)
    if parts.netloc == request.host and parts.path == url_for("web.results"):
        return referrer
    return None


def _week_rows(week: list[dict]) -> list[dict]:
    hours = {day["day"]: day["hours"] for day in week}
    today = context.now().astimezone(PARIS).isoweekday()
    return [{"label": name.capitalize(), "hours": hours.get(day), "today": day == today}
            for day, name in DAY_NAMES.items()]


def _next_change_text(week: dict, open_on_holidays: bool, open_now: bool) -> str | None:
    """« Ouvre demain à 8h30 » / « Ferme à 19h30 » (catalog.opening), or None when there is nothing
    to say or the store's week no longer agrees with the index's « Ouvert » (a change not yet synced)."""
    now = context.now()
    change = next_change(week, now, open_on_holidays)
    return describe_change(change, now) if change.open == open_now else None


def _add_next_changes(results: list[dict]) -> None:
    """Each listed unit's next opening or closing, from its typical week in the store."""
    with context.store().snapshot() as conn:
        for result in results:
            for unit in result["units"]:
                try:
                    record = repository.get_unit(conn, unit["id"])
                except repository.NotFound:
                    continue
                unit["next_change"] = _next_change_text(record["week"], bool(record["open_on_holidays"]), unit["open_now"])


def _anomaly_themes() -> list[tuple[str, str, str]]:
    return [(code, t["label"], t.get("description", "")) for code, t in nomenclature().anomaly_themes.items()]


@blueprint.get("/uo/<unit_id>")
def unit(unit_id: str):
    signed_in = _signed_in()
    with context.store().snapshot() as conn:
        try:
            sheet = unit_sheet(conn, unit_id, signed_in=signed_in, now=context.now())
        except repository.UnitEnded as ended:
            raise unit_gone(ended) from None
        except repository.NotFound:
            raise ApiError(404, "not_found", f"Aucune unité (UO) ne porte l'identifiant « {unit_id} ».") from None
    eg = sheet["establishment"]
    # The sheet gives each open day's hours as text (catalog.schedule.format_day), which reads back exactly.
    week = {day["day"]: parse_day_text(day["hours"]) for day in sheet.get("week", [])}
    sheet["next_change"] = _next_change_text(week, bool(sheet.get("open_on_holidays")), sheet["open_now"])
    label = unit_label(sheet["name"], (sheet.get("practitioner") or {}).get("name"))
    targets = [("UO", sheet["id"], f"cette unité ({label})"), ("EG", eg["id"], f"l'établissement ({eg['name']})")]
    return render_template("unit.html", sheet=sheet, week=_week_rows(sheet.get("week", [])), signed_in=signed_in,
                           patients_text=patients_text, back_url=_back_url(),
                           anomaly={"targets": targets, "fields": ANOMALY_FIELDS["UO"], "themes": _anomaly_themes()})


@blueprint.get("/eg/<eg_id>")
def establishment(eg_id: str):
    with context.store().snapshot() as conn:
        try:
            sheet = establishment_sheet(conn, eg_id, now=context.now())
        except repository.NotFound:
            raise ApiError(404, "not_found", f"Aucun établissement (EG) ne porte l'identifiant « {eg_id} ».") from None
    targets = [("EG", sheet["id"], f"cet établissement ({sheet['name']})")]
    legal = sheet.get("legal_entity") or {}
    if legal.get("id"):
        targets.append(("EJ", legal["id"], f"l'entité juridique ({legal.get('name') or legal['id']})"))
    return render_template("establishment.html", sheet=sheet, back_url=_back_url(),
                           anomaly={"targets": targets, "fields": ANOMALY_FIELDS["EG"], "themes": _anomaly_themes()})


@blueprint.get("/aide")
def help_page():
    nom = nomenclature()
    groups: dict[str, list[str]] = {label: [] for label in nom.aptitude_groups.values()}
    for aptitude in nom.aptitudes.values():
        groups[aptitude.group_label].append(aptitude.label)
    return render_template("help.html", themes=_anomaly_themes(), aptitude_groups=list(groups.items()))


@blueprint.get("/accessibilite")
def accessibility():
    """The accessibility statement (RGAA), linked from every page's footer."""
    return render_template("accessibility.html")


# --- layout and errors ---------------------------------------------------------------------

@blueprint.app_context_processor
def layout():
    """What base.html needs on every page: support contacts and who is signed in."""
    def account_name() -> str | None:
        try:
            account = _account()
        except Exception:  # the header must render even if the account store is unavailable
            log.exception("could not read the signed-in account")
            return None
        if not account:
            return None
        return account.get("display_name") or account.get("email") or account.get("rpps") or "Mon compte"

    settings = context.settings()
    return {"support_phone": settings.support_phone, "support_email": settings.support_email,
            "account_name": account_name, "tel_href": tel_href}


# Every template names a UO the same way (a group practice's units differ by their owner only).
blueprint.add_app_template_global(unit_label, "unit_label")


@blueprint.app_template_filter("km")
def km(value: float) -> str:
    """2.36 → "2,4" (French decimal comma)."""
    return f"{value:.1f}".replace(".", ",")


@blueprint.app_template_filter("km_value")
def km_value(value: float) -> str:
    """A radius as typed in a URL: 10.0 → "10", 2.5 → "2.5"."""
    return f"{value:g}"


def _paris_moment(value: str) -> datetime | None:
    """An ISO timestamp in Paris time (a naive one as it is); None for anything else."""
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return moment.astimezone(PARIS) if moment.tzinfo is not None else moment


@blueprint.app_template_filter("frdate")
def frdate(value: str) -> str:
    """An ISO timestamp → "30/11/2026" (Paris date); anything else is shown as it is."""
    moment = _paris_moment(value)
    return value if moment is None else moment.strftime("%d/%m/%Y")


@blueprint.app_template_filter("frmoment")
def frmoment(value: str) -> str:
    """An ISO timestamp → « 2 mars 2026 à 10h05 » (Paris time); anything else is shown as it is."""
    moment = _paris_moment(value)
    if moment is None:
        return value
    day = "1er" if moment.day == 1 else str(moment.day)
    return f"{day} {MONTHS[moment.month - 1]} {moment.year} à {format_minutes(moment.hour * 60 + moment.minute)}"


OPEN_AGE = 120   # the age_max meaning "no upper limit"


def patients_text(patients: dict) -> str:
    """{"age_min": 18, "age_max": 120, "flags": ["A"]} → "Adultes (à partir de 18 ans)"."""
    who = {("E", "A"): "Enfants et adultes", ("E",): "Enfants", ("A",): "Adultes"}.get(tuple(patients.get("flags") or []))
    low, high = patients.get("age_min", 0), patients.get("age_max", OPEN_AGE)
    if low <= 0 and high >= OPEN_AGE:
        ages = "tous âges"
    elif high >= OPEN_AGE:
        ages = f"à partir de {low} ans"
    elif low <= 0:
        ages = f"jusqu'à {high} ans"
    else:
        ages = f"de {low} à {high} ans"
    return f"{who} ({ages})" if who else ages.capitalize()


def tel_href(phone: str) -> str:
    """"01 39 00 00 01" → "tel:0139000001"."""
    return "tel:" + re.sub(r"[^0-9+]", "", phone)


def error_page(status: int, message: str, problems: list[dict] | None = None):
    """The site's error page (query_api/errors.py shows a store outage with it too)."""
    form = None
    if request.endpoint == "web.results" and status == 400:
        # Let the visitor correct the search right there.
        args = request.args
        form = {"where": args.get("where", ""), "what": args.get("what", ""), "q": args.get("q", ""),
                "category": args.get("category", "")}
    # A search with several wrong parameters says them all (the API's ``errors``), not one per try.
    return render_template("error.html", status=status, message=message, form=form,
                           messages=[p["message"] for p in problems or ()],
                           categories=_categories()), status


#: Paths whose unknown addresses stay JSON 404s (query_api/errors.py), whoever asks.
_NOT_PAGES = ("/api/", "/fhir", "/static/", "/vendor/", "/carte/")


@blueprint.app_errorhandler(404)
def _unknown_address(error):
    """A browser asking for an unknown page gets a page of the site (title, language, a way back),
    not the API's JSON; the API and static files answer as before."""
    if request.path.startswith(_NOT_PAGES) or not request.accept_mimetypes.accept_html:
        return jsonify(error_body("not_found", HTTP_MESSAGES[404])), 404
    return error_page(404, "Cette page n'existe pas. Vérifiez l'adresse, ou repartez de la recherche.")


@blueprint.errorhandler(ApiError)
def _api_error(error: ApiError):
    return error_page(error.status, error.message, error.errors)


@blueprint.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    status = error.code or 500
    return error_page(status, HTTP_MESSAGES.get(status, "Erreur."))


@blueprint.errorhandler(EngineConnectionError)
@blueprint.errorhandler(ConnectionTimeout)
def _engine_down(error):
    log.warning("search engine unreachable: %s", error)
    return error_page(503, ENGINE_DOWN_MESSAGE)


@blueprint.errorhandler(TransportError)
def _engine_error(error: TransportError):
    # Same rule as the JSON API: an index not built yet or shards recovering is "unavailable".
    if engine_cannot_serve(error):
        log.warning("search engine cannot serve: %s", error)
        return error_page(503, ENGINE_DOWN_MESSAGE)
    log.exception("search engine refused a query")
    return error_page(500, "Une erreur inattendue s'est produite ; elle a été enregistrée.")
