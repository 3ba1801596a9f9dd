"""Account views: session, activation, details, e-mail confirmation, sign-in, password reset.

Thin: validate with the catalog's schemas, call catalog.accounts in one
transaction, send the e-mail after the commit, answer in French. Messages about
signing in never tell whether an RPPS number or an e-mail address has an account.
"""
from __future__ import annotations

import logging

from flask import jsonify, request

from catalog import accounts, ratelimit
from catalog.fields import MSG_NOT_AN_OBJECT
from catalog.mail import MailError, send_mail
from catalog.ratelimit import Limit
from catalog.schemas import (
    AccountDetailsSchema,
    ActivationSchema,
    LoginSchema,
    first_password_problem,
    password_problems,
)
from query_api import context, security
from query_api.api.operations import PUBLIC_READ, SESSION_WRITE, SIGNED_IN_WRITE, Blueprint
from query_api.api.schemas import accounts as shapes
from query_api.api.schemas.common import Message
from query_api.errors import ApiError
from query_api.security import client_address, details_required, login_required

log = logging.getLogger(__name__)

blueprint = Blueprint("accounts", __name__, description="Comptes des praticiens. *Practitioners' accounts.*")
blueprint.after_request(security.no_store)

LOGIN_FAILURES_PER_ADDRESS = Limit(hits=20, seconds=15 * 60)
ACTIVATION_FAILURES_PER_ADDRESS = Limit(hits=20, seconds=15 * 60)
RESET_REQUESTS_PER_ADDRESS = Limit(hits=10, seconds=60 * 60)

# Where the e-mailed links lead: the web pages (query_api/account_pages.py), which call
# the same catalog functions as the JSON endpoints below.
CONFIRM_LINK_PATH = "/compte/confirmation"
RESET_LINK_PATH = "/mot-de-passe/nouveau"

MSG_SIGN_IN_FAILED = (
    "Identifiant ou mot de passe incorrect. Après 5 essais infructueux, "
    "la connexion au compte est bloquée pendant 15 minutes."
)
MSG_TOO_MANY_SIGN_INS = "Trop de tentatives de connexion depuis votre adresse. Réessayez dans 15 minutes."
MSG_TOO_MANY_ACTIVATIONS = "Trop de tentatives d'activation depuis votre adresse. Réessayez dans 15 minutes."
MSG_TOO_MANY_RESETS = "Trop de demandes de réinitialisation depuis votre adresse. Réessayez dans une heure."
MSG_ACTIVATION = {
    "unknown": "Numéro RPPS ou code d'activation incorrect : vérifiez le courrier reçu.",
    "used": "Ce code d'activation a déjà été utilisé. Si vous avez déjà activé votre compte, connectez-vous ; "
            "sinon, contactez le support pour recevoir un nouveau code.",
    "expired": "Ce code d'activation a expiré. Contactez le support pour recevoir un nouveau code.",
    "account_exists": "Un compte existe déjà pour ce numéro RPPS. Connectez-vous, ou utilisez « Mot de passe oublié ».",
}
# A well-formed request the store cannot honour: no such code (404), a code or an RPPS number already
# used (409), a code past its date (410). Only a malformed request is a 400.
ACTIVATION_STATUS = {"unknown": 404, "used": 409, "account_exists": 409, "expired": 410}
MSG_TOKEN = {
    "confirm_email": "Ce lien de confirmation n'est plus valide (déjà utilisé ou expiré). "
                     "Demandez un nouvel e-mail depuis « Mon compte ».",
    "reset_password": "Ce lien de réinitialisation n'est plus valide (déjà utilisé ou expiré). "
                      "Faites une nouvelle demande depuis la page de connexion.",
}
MSG_RESET_SENT = (
    "Si un compte correspond à cet identifiant, un e-mail contenant un lien de réinitialisation "
    "vient d'être envoyé (valable 1 heure). Pensez à vérifier vos courriers indésirables."
)


def _payload() -> dict:
    """The request's JSON object, or its form fields (a plain HTML form)."""
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return {k: v for k, v in request.form.items() if k != "csrf_token"}
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_body", MSG_NOT_AN_OBJECT)
    return data


def _link(path: str, token: str) -> str:
    return context.public_url(f"{path}?token={token}")


def _session_body(csrf: str) -> dict:
    account = security.current_account()
    return {
        "signed_in": account is not None,
        "account": accounts.public_account(account) if account else None,
        "csrf_token": csrf,
    }


@blueprint.get("/session")
@blueprint.declare(security=PUBLIC_READ, summary="Session en cours et jeton CSRF (le crée au besoin)")
@blueprint.response(200, shapes.SessionState, description="La session. *The session.*")
def session_state():
    return jsonify(_session_body(security.csrf_token()))


@blueprint.post("/activation")
@blueprint.declare(security=SESSION_WRITE, invalid=True,
                   summary="Activer son compte : numéro RPPS, code reçu par courrier, mot de passe",
                   errors={404: "Aucun code d'activation ne correspond à ce numéro RPPS. *No activation code for "
                                "this RPPS number and code.*",
                           409: "Code déjà utilisé, ou un compte existe déjà pour ce numéro RPPS. *Code already "
                                "used, or an account exists for this RPPS.*",
                           410: "Code expiré. *Expired code.*",
                           429: "Trop de tentatives. *Too many attempts.*"})
@blueprint.response(201, shapes.Activated, description="Compte activé. *Account activated.*")
@blueprint.arguments(ActivationSchema)
def activate(data: dict):
    security.limit_check(f"activation-ip:{client_address()}", ACTIVATION_FAILURES_PER_ADDRESS, MSG_TOO_MANY_ACTIVATIONS)
    try:
        with context.store().transaction() as conn:
            account = accounts.activate(conn, data["rpps"], data["code"], data["password"], context.now())
    except accounts.ActivationRefused as refused:
        security.limit_count_failure(f"activation-ip:{client_address()}", ACTIVATION_FAILURES_PER_ADDRESS)
        reason = refused.reason if refused.reason in ACTIVATION_STATUS else "unknown"
        raise ApiError(ACTIVATION_STATUS[reason], f"activation_{reason}", MSG_ACTIVATION[reason],
                       "rpps" if reason == "account_exists" else "code") from None
    return jsonify({
        "activated": True,
        "account": accounts.public_account(account),
        "message": "Votre compte est activé. Retournez à la page de connexion et connectez-vous "
                   "avec votre numéro RPPS et le mot de passe que vous venez de choisir.",
    }), 201


@blueprint.post("/login")
@blueprint.declare(security=SESSION_WRITE, invalid=True, summary="Se connecter (numéro RPPS ou adresse e-mail)",
                   errors={401: "Identifiant ou mot de passe incorrect, ou compte bloqué. *Wrong login or password, "
                                "or account locked.*", 429: "Trop de tentatives. *Too many attempts.*"})
@blueprint.response(200, shapes.SessionState, description="Connecté ; le jeton CSRF change. *Signed in; new CSRF token.*")
@blueprint.arguments(LoginSchema)
def login(data: dict):
    bucket, now = f"login-ip:{client_address()}", context.now()
    # The address's failures are checked and counted in the sign-in's own write transaction: under the
    # store's write lock, attempts sent in parallel (to any API process) cannot all pass a check made
    # before the others are counted.
    with context.store().transaction() as conn:
        room = ratelimit.count(conn, bucket, LOGIN_FAILURES_PER_ADDRESS, now)
        result = accounts.authenticate(conn, data["login"], data["login_kind"], data["password"], now) \
            if room.allowed else None
        if result is not None and result.account is None:
            ratelimit.hit(conn, bucket, LOGIN_FAILURES_PER_ADDRESS, now)
    if result is None:
        raise security.RateLimited(MSG_TOO_MANY_SIGN_INS, room.retry_after)
    if result.account is None:
        # Same status and message for an unknown login, a wrong password and a locked account.
        raise ApiError(401, "sign_in_failed", MSG_SIGN_IN_FAILED)
    csrf = security.sign_in(result.account)
    return jsonify(_session_body(csrf))


@blueprint.post("/logout")
@blueprint.declare(security=SESSION_WRITE, summary="Se déconnecter")
@blueprint.response(200, shapes.SessionState, description="Déconnecté ; nouveau jeton CSRF. *Signed out; new CSRF token.*")
def logout():
    return jsonify(_session_body(security.sign_out()))


def _send_confirmation(account: dict, token: str) -> bool:
    body = (
        f"Bonjour {account['display_name'] or ''},\n\n"
        "Pour confirmer votre adresse e-mail sur le ROR Île-de-France, ouvrez ce lien "
        "(valable 48 heures, utilisable une seule fois) :\n\n"
        f"{_link(CONFIRM_LINK_PATH, token)}\n\n"
        "Si vous n'êtes pas à l'origine de cette demande, ignorez ce message.\n\n"
        "La cellule de gestion du ROR Île-de-France\n"
    )
    try:
        send_mail(context.settings(), account["email"], "Confirmez votre adresse e-mail – ROR Île-de-France", body)
    except MailError:
        log.exception("confirmation e-mail to account %s not sent", account["id"])
        return False
    return True


def _confirmation_answer(account: dict, sent: bool):
    message = (f"Un e-mail de confirmation vient d'être envoyé à {account['email']}. "
               "Si vous ne l'avez pas reçu, pensez à vérifier votre courrier indésirable.") if sent else (
               "Vos informations sont enregistrées, mais l'e-mail de confirmation n'a pas pu être envoyé. "
               "Réessayez plus tard avec « Renvoyer l'e-mail de confirmation ».")
    return jsonify({"account": accounts.public_account(account), "email_sent": sent, "message": message})


@blueprint.post("/account/details")
@blueprint.declare(security=SIGNED_IN_WRITE, invalid=True,
                   summary="Informations obligatoires : adresse e-mail et conditions d'utilisation",
                   errors={409: "Adresse e-mail déjà utilisée par un autre compte. *E-mail address already used.*"})
@blueprint.response(200, shapes.DetailsSaved, description="Enregistré ; un e-mail de confirmation est envoyé si "
                                                          "l'adresse est nouvelle. *Saved; a confirmation e-mail "
                                                          "is sent for a new address.*")
@login_required
@blueprint.arguments(AccountDetailsSchema)
def details(data: dict):
    account = security.current_account()
    now = context.now()
    try:
        with context.store().transaction() as conn:
            account = accounts.set_details(conn, account["id"], data["email"], now)
            token = None
            if not account["email_confirmed_at"]:
                token, _ = accounts.issue_token(conn, account["id"], "confirm_email", account["email"], now)
    except accounts.EmailTaken:
        raise ApiError(409, "email_taken", "Cette adresse e-mail est déjà utilisée par un autre compte.", "email") from None
    if token is None:
        return jsonify({"account": accounts.public_account(account), "email_sent": False,
                        "message": "Vos informations sont enregistrées."})
    return _confirmation_answer(account, _send_confirmation(account, token))


@blueprint.post("/account/confirm-email/resend")
@blueprint.declare(security=SIGNED_IN_WRITE, summary="Renvoyer l'e-mail de confirmation",
                   errors={409: "Adresse déjà confirmée. *Address already confirmed.*"})
@blueprint.response(200, shapes.DetailsSaved, description="E-mail renvoyé (ou non : email_sent le dit). "
                                                          "*E-mail sent again (or not: email_sent says).*")
@details_required
def resend_confirmation():
    account = security.current_account()
    if account["email_confirmed_at"]:
        raise ApiError(409, "already_confirmed", "Votre adresse e-mail est déjà confirmée.")
    with context.store().transaction() as conn:
        token, _ = accounts.issue_token(conn, account["id"], "confirm_email", account["email"], context.now())
    return _confirmation_answer(account, _send_confirmation(account, token))


@blueprint.get("/account/confirm-email")
@blueprint.declare(security=PUBLIC_READ, summary="Confirmer son adresse e-mail (lien reçu)",
                   errors={404: "Lien inconnu, déjà utilisé ou expiré. *Unknown, used or expired link.*"})
@blueprint.response(200, shapes.EmailConfirmed, description="Adresse confirmée. *Address confirmed.*")
@blueprint.arguments(shapes.LinkToken, location="query")
def confirm_email(args: dict):
    try:
        with context.store().transaction() as conn:
            account = accounts.confirm_email(conn, args["token"], context.now())
    except accounts.TokenRefused:
        # A link the API does not know (any more) is a resource it does not have: 404, as for a sheet.
        raise ApiError(404, "invalid_link", MSG_TOKEN["confirm_email"]) from None
    return jsonify({"confirmed": True, "email": account["email"],
                    "message": "Votre adresse e-mail est confirmée. Merci !"})


@blueprint.post("/account/password-reset")
@blueprint.declare(security=SESSION_WRITE, invalid=True, summary="Mot de passe oublié : recevoir un lien par e-mail",
                   description="La réponse est la même que l'identifiant existe ou non.\n\n*The same answer "
                               "whether the login exists or not.*",
                   errors={429: "Trop de demandes. *Too many requests.*"})
@blueprint.doc(requestBody={"required": True, "content": {"application/json": {"schema": shapes.PasswordResetRequest}}})
@blueprint.response(202, Message, description="Demande prise en compte. *Request taken.*")
def request_password_reset():
    security.limit_hit(f"reset-ip:{client_address()}", RESET_REQUESTS_PER_ADDRESS, MSG_TOO_MANY_RESETS)
    login = _payload().get("login")
    if not isinstance(login, str) or not login.strip():
        raise ApiError(400, "invalid_parameter", "Saisissez votre numéro RPPS ou votre adresse e-mail.", "login")
    compact = "".join(login.split())
    kind = "rpps" if compact.isascii() and compact.isdigit() else "email"
    with context.store().transaction() as conn:
        issued = accounts.issue_reset_token(conn, compact if kind == "rpps" else login.strip(), kind, context.now())
    if issued is not None:
        account, token = issued
        body = (
            f"Bonjour {account['display_name'] or ''},\n\n"
            "Une demande de réinitialisation du mot de passe de votre compte ROR Île-de-France a été faite. "
            "Pour choisir un nouveau mot de passe, ouvrez ce lien (valable 1 heure, utilisable une seule fois) :\n\n"
            f"{_link(RESET_LINK_PATH, token)}\n\n"
            "Si vous n'êtes pas à l'origine de cette demande, ignorez ce message : "
            "votre mot de passe actuel reste valable.\n\n"
            "La cellule de gestion du ROR Île-de-France\n"
        )
        try:
            send_mail(context.settings(), account["email"], "Réinitialisation de votre mot de passe – ROR Île-de-France", body)
        except MailError:
            log.exception("password-reset e-mail to account %s not sent", account["id"])
    # The same answer whether or not the login exists.
    return jsonify({"message": MSG_RESET_SENT}), 202


@blueprint.get("/account/password-reset")
@blueprint.declare(security=PUBLIC_READ, summary="Ce lien de réinitialisation est-il encore valable ?",
                   errors={404: "Lien inconnu, déjà utilisé ou expiré. *Unknown, used or expired link.*"})
@blueprint.response(200, shapes.ResetLinkState, description="Lien valable. *Valid link.*")
@blueprint.arguments(shapes.LinkToken, location="query")
def check_password_reset(args: dict):
    # Is this reset link still valid? (The page asks before showing the form.)
    try:
        with context.store().snapshot() as conn:
            row = accounts.check_token(conn, args["token"], "reset_password", context.now())
    except accounts.TokenRefused:
        raise ApiError(404, "invalid_link", MSG_TOKEN["reset_password"]) from None
    return jsonify({"valid": True, "expires_at": row["expires_at"],
                    "message": "Choisissez un nouveau mot de passe : au moins 8 caractères, dont une majuscule, "
                               "une minuscule et un chiffre."})


@blueprint.post("/account/password-reset/confirm")
@blueprint.declare(security=SESSION_WRITE, invalid=True, summary="Choisir un nouveau mot de passe (lien reçu)",
                   errors={404: "Lien inconnu, déjà utilisé ou expiré. *Unknown, used or expired link.*"})
@blueprint.doc(requestBody={"required": True,
                            "content": {"application/json": {"schema": shapes.PasswordResetConfirmation}}})
@blueprint.response(200, shapes.PasswordChanged, description="Mot de passe changé ; la session est fermée. "
                                                             "*Password changed; the session is closed.*")
def confirm_password_reset():
    data = _payload()
    token, password = data.get("token"), data.get("password")
    if not isinstance(token, str) or not token:
        raise ApiError(400, "invalid_link", MSG_TOKEN["reset_password"], "token")
    # Every broken rule at once (the page checks that the password was typed twice alike).
    problems = [{"field": "password", "message": rule} for rule in password_problems(password)]
    if problems:
        first = first_password_problem(problems)
        raise ApiError(400, "invalid_parameter", first["message"], first["field"], problems)
    try:
        with context.store().transaction() as conn:
            accounts.reset_password(conn, token, password, context.now())
    except accounts.TokenRefused:
        # As GET /account/password-reset: a link the API does not know (any more) is not found.
        raise ApiError(404, "invalid_link", MSG_TOKEN["reset_password"], "token") from None
    security.sign_out()
    return jsonify({"reset": True, "csrf_token": security.csrf_token(),
                    "message": "Votre mot de passe est modifié. Connectez-vous avec le nouveau mot de passe."})
