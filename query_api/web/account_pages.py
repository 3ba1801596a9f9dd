"""The account pages of the web UI: activation, sign-in, details, e-mail links, « Mon compte », the sheet form.

Pages are server-rendered and read through the same functions as the JSON API
(``me.owner_sheet``, ``catalog.accounts``, ``catalog.anomalies``); every write is
made by the page's JavaScript against the JSON endpoints (activation, login,
details, password reset, PUT /api/v1/me/units/<id>), so there is one write path.
The only writes made here are the ones an e-mailed link or a plain form must do
without JavaScript: confirming an address (the link itself) and signing out.

Anonymous visitors of a personal page are sent to /connexion (and back after);
an account without its mandatory details goes to /compte/informations first.
Errors are French HTML pages, never JSON.
"""
from __future__ import annotations

import logging
from functools import wraps
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from catalog import accounts, anomalies, repository, schemas
from catalog.communes import communes
from catalog.nomenclature import nomenclature
from catalog.phone import display_phone
from catalog.schedule import DAY_NAMES, format_day
from query_api import context, security
from query_api.api.accounts import MSG_TOKEN
from query_api.api.me import _owned_unit, _practitioner, owner_sheet
from query_api.api.sheets import establishment_summary, unit_gone
from query_api.errors import HTTP_MESSAGES, STORE_DOWN_MESSAGE, ApiError, store_outage
from query_api.security import csrf_token, current_account

log = logging.getLogger(__name__)

blueprint = Blueprint("account_pages", __name__)
blueprint.after_request(security.no_store)

#: The four rules shown live under a new password (texts from the schema, so page and API agree).
PASSWORD_RULES = (
    ("length", schemas.PASSWORD_TOO_SHORT.rstrip(".")),
    ("upper", schemas.PASSWORD_NO_UPPER.rstrip(".")),
    ("lower", schemas.PASSWORD_NO_LOWER.rstrip(".")),
    ("digit", schemas.PASSWORD_NO_DIGIT.rstrip(".")),
)
#: Quick choices of the patients' age range: (label, age_min, age_max).
AGE_CHOICES = (("Enfants (0 à 17 ans)", 0, 17), ("Adultes (18 ans et plus)", 18, 120), ("Tous âges", 0, 120))
#: Hours shown by the week planner; others are typed in the text.
PLANNER_FIRST_HOUR, PLANNER_LAST_HOUR = 7, 21

MSG_CONFIRMED = "Votre adresse e-mail est confirmée. Merci !"
MSG_UNEXPECTED = "Une erreur inattendue s'est produite ; elle a été enregistrée. Réessayez dans un instant."


# --- who may see a page --------------------------------------------------------------------

#: Longer than any path of ours with its query: not a place to go back to.
NEXT_MAX_CHARS = 4096


def safe_next(value: str | None, default: str) -> str:
    """A same-site path to go back to after signing in; anything else gives ``default``.

    A path is one "/" then no second one ("//host" is another site), no backslash
    (browsers read "/\\host" as "//host"), and nothing but printable characters:
    browsers drop tabs and newlines from a URL, so "/<tab>/host" would become "//host";
    invisible format characters have no place in our paths either.
    """
    if not value or len(value) > NEXT_MAX_CHARS:
        return default
    if not value.startswith("/") or value.startswith("//") or "\\" in value or not value.isprintable():
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return default
    return value


def _here() -> str:
    """The current path and query, as ``next``."""
    query = request.query_string.decode("latin-1")
    return request.path + (f"?{query}" if query else "")


def _to(endpoint: str, next_path: str) -> str:
    return url_for(endpoint) + "?" + urlencode({"next": next_path})


def default_landing(account: dict) -> str:
    """Where a sign-in leads without ``next``: the practitioner's sheets, the cell's queue."""
    return url_for("admin_pages.queue") if account["role"] == "admin" else url_for("account_pages.my_account")


def page_account(*, details: bool = True, admin: bool = False):
    """Decorator of a personal page: sign-in (redirect), mandatory details (redirect), role (403 page)."""
    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            account = current_account()
            if account is None:
                return redirect(_to("account_pages.sign_in", _here()))
            if admin and account["role"] != "admin":
                raise ApiError(403, "admin_only", security.MSG_ADMIN_ONLY)
            if details and accounts.needs_details(account):
                return redirect(_to("account_pages.details", _here()))
            return view(*args, **kwargs)
        return wrapped
    return decorate


# --- activation, sign-in, sign-out ------------------------------------------------------------

@blueprint.get("/activation")
def activation():
    return render_template("account/activation.html", rules=PASSWORD_RULES)


@blueprint.get("/connexion")
def sign_in():
    account = current_account()
    next_path = safe_next(request.args.get("next"), "")
    if account is not None:
        if accounts.needs_details(account):
            return redirect(_to("account_pages.details", next_path or default_landing(account)))
        return redirect(next_path or default_landing(account))
    return render_template("account/sign_in.html", next_path=next_path, login=request.args.get("identifiant", ""),
                           signed_out="deconnecte" in request.args)


@blueprint.get("/deconnexion")
def sign_out_page():
    if current_account() is None:
        return redirect(url_for("account_pages.sign_in"))
    return render_template("account/sign_out.html")


@blueprint.post("/deconnexion")
def sign_out():
    # The CSRF hook has checked the form's csrf_token.
    security.sign_out()
    return redirect(url_for("account_pages.sign_in") + "?deconnecte=1", code=303)


# --- mandatory details, terms, e-mail links --------------------------------------------------

@blueprint.get("/compte/informations")
@page_account(details=False)
def details():
    account = current_account()
    next_path = safe_next(request.args.get("next"), default_landing(account))
    return render_template("account/details.html", account=account, next_path=next_path,
                           first_time=accounts.needs_details(account))


@blueprint.get("/conditions")
def terms():
    return render_template("account/terms.html")


@blueprint.get("/compte/confirmation")
def confirm_email():
    """The e-mailed confirmation link (accounts.CONFIRM_LINK_PATH) lands here and confirms."""
    token = request.args.get("token", "")
    try:
        with context.store().transaction() as conn:
            account = accounts.confirm_email(conn, token, context.now())
    except accounts.TokenRefused:
        return render_template("account/confirmation.html", confirmed=False, message=MSG_TOKEN["confirm_email"]), 400
    return render_template("account/confirmation.html", confirmed=True, message=MSG_CONFIRMED, email=account["email"])


@blueprint.get("/mot-de-passe-oublie")
def forgot_password():
    return render_template("account/forgot.html", login=request.args.get("identifiant", ""))


@blueprint.get("/mot-de-passe/nouveau")
def new_password():
    """The e-mailed reset link (accounts.RESET_LINK_PATH): the form, if the link is still valid."""
    token = request.args.get("token", "")
    try:
        with context.store().snapshot() as conn:
            accounts.check_token(conn, token, "reset_password", context.now())
    except accounts.TokenRefused:
        return render_template("account/new_password.html", valid=False, message=MSG_TOKEN["reset_password"],
                               rules=PASSWORD_RULES), 400
    return render_template("account/new_password.html", valid=True, token=token, rules=PASSWORD_RULES)


# --- « Mon compte » ----------------------------------------------------------------------------

@blueprint.get("/mon-compte")
@page_account()
def my_account():
    account = current_account()
    with context.store().snapshot() as conn:
        units = repository.units_of_owner(conn, account["rpps"]) if account["rpps"] else []
        rows = [{"id": u["id"], "name": u["name"], "updated_at": u["updated_at"], "ended_at": u["ended_at"],
                 "establishment": establishment_summary(repository.get_establishment(conn, u["eg_id"]))}
                for u in units]
        practitioner = _practitioner(conn, account["rpps"])
        concerning = [anomalies.for_practitioner(a) for a in anomalies.anomalies_of_owner(conn, account["rpps"])] \
            if account["rpps"] else []
        reported = [{**anomalies.for_practitioner(a),
                     "history": anomalies.history_for_reporter(anomalies.history(conn, a))}
                    for a in anomalies.anomalies_of_reporter(conn, account["id"])]
    practices = list({u["establishment"]["id"]: u["establishment"] for u in rows}.values())
    return render_template("account/my_account.html", account=account, practitioner=practitioner, units=rows,
                           practices=practices, concerning=concerning, reported=reported)


def _display(phone: str | None) -> str:
    if not phone:
        return ""
    try:
        return display_phone(phone)
    except ValueError:
        return phone


def _aptitude_groups(checked: list[str]) -> list[dict]:
    nom = nomenclature()
    groups = {code: {"code": code, "label": label, "items": []} for code, label in nom.aptitude_groups.items()}
    for aptitude in nom.aptitudes.values():
        groups[aptitude.group]["items"].append(
            {"code": aptitude.code, "label": aptitude.label, "checked": aptitude.code in checked})
    return list(groups.values())


@blueprint.get("/mon-compte/uo/<unit_id>")
@page_account()
def sheet_form(unit_id: str):
    """The sheet form of guide 1.3: RPPS part read-only, the rest saved by PUT /api/v1/me/units/<id>."""
    with context.store().snapshot() as conn:
        owned = _owned_unit(conn, unit_id, current_account())     # 404, or 403 when it is someone else's
        if owned["ended_at"]:      # listed as ended on « Mon compte », no longer edited
            raise unit_gone(repository.UnitEnded(unit_id, owned["ended_at"]))
        data = owner_sheet(conn, unit_id)
    sheet = data["sheet"]
    towns = communes()
    week = [{"day": day, "name": name, "text": format_day([tuple(s) for s in sheet["week"].get(str(day), [])])
             if sheet["week"].get(str(day)) else ""} for day, name in DAY_NAMES.items()]
    return render_template(
        "account/sheet_form.html",
        unit=data,
        sheet=sheet,
        rpps=data["rpps"],
        phone=_display(sheet["phone"]),
        mobile=_display(sheet["mobile"]),
        aptitude_groups=_aptitude_groups(sheet["aptitudes"]),
        chips=[{"insee": code, "label": towns[code].label if code in towns else code}
               for code in sheet["home_visit_communes"]],
        week=week,
        persons=[{**p, "phone": _display(p.get("phone"))} for p in sheet["resource_persons"]],
        roles=schemas.RESOURCE_PERSON_ROLES,
        age_choices=AGE_CHOICES,
        comments_max=schemas.COMMENTS_MAX,
        planner={"first": PLANNER_FIRST_HOUR, "last": PLANNER_LAST_HOUR},
        anomalies=data["anomalies"],
        # The aptitude that is the same fact as « Intervient à domicile » (ticked with « Oui »).
        home_visit_aptitude=repository.HOME_VISIT_APTITUDE
        if owned["profession"] in repository.HOME_VISIT_APTITUDE_PROFESSIONS else None,
    )


# --- layout and errors ---------------------------------------------------------------------------

@blueprint.app_context_processor
def _header():
    """What base.html's header needs beyond web.layout: the role, and the sign-out form's token."""
    def nav_account() -> dict | None:
        try:
            return current_account()
        except Exception:  # the header must render even if the account store is unavailable
            log.exception("could not read the signed-in account")
            return None

    def sign_in_href() -> str:
        if request.path in ("/", "/connexion", "/activation", "/deconnexion") or request.path.startswith("/mot-de-passe"):
            return url_for("account_pages.sign_in")
        return _to("account_pages.sign_in", _here())

    return {"nav_account": nav_account, "csrf_token": csrf_token, "sign_in_href": sign_in_href}


ERROR_TITLES = {403: "Accès refusé", 404: "Page introuvable", 429: "Trop de tentatives"}


def error_page(status: int, message: str, problems: list[dict] | None = None):
    title = ERROR_TITLES.get(status, "Une erreur s'est produite" if status >= 500 else "Action impossible")
    return render_template("account/error.html", status=status, title=title, message=message,
                           messages=[p["message"] for p in problems or ()]), status


def register_error_pages(pages: Blueprint, where: str) -> None:
    """French HTML error pages for a blueprint of pages (the JSON API keeps its JSON errors)."""

    def api_error(error: ApiError):
        return error_page(error.status, error.message, error.errors)

    def http_error(error: HTTPException):
        status = error.code or 500
        return error_page(status, HTTP_MESSAGES.get(status, "Erreur."))

    def unexpected(error: Exception):
        if store_outage(error):
            return error_page(503, STORE_DOWN_MESSAGE)
        log.exception("unexpected error on %s", where)
        return error_page(500, MSG_UNEXPECTED)

    pages.register_error_handler(ApiError, api_error)
    pages.register_error_handler(HTTPException, http_error)
    pages.register_error_handler(Exception, unexpected)


register_error_pages(blueprint, "an account page")
