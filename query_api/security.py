"""Who is asking: a signed-in account (session cookie) or an API key; CSRF; rate limits.

- A session cookie (Flask's signed cookie) holds the account id, the account's
  session epoch (``session_version`` in the store), its role, the sign-in time and a
  CSRF token. Every cookie-authenticated write must echo that token in
  ``X-CSRF-Token`` (or a ``csrf_token`` form field).
- The cookie is a signed value, not a key to server state, so ending a session is
  done in the store: signing out, a new password and a role change move the
  account's epoch on, and every request compares the cookie's epoch with the
  store's. A copied cookie stops working at sign-out — and so do the account's
  sessions on other devices (one epoch per account: the simple, safe side).
- Sign-in starts a new session (new content, new CSRF token): whatever cookie a
  visitor had before, possibly planted by someone else, grants nothing after.
- ``Authorization: Bearer <key>`` authenticates another application with a
  read-only API key: GET only, never the admin or personal endpoints, rate-limited.
"""
from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta
from functools import wraps

from flask import Flask, g, jsonify, request, session

from catalog import accounts, api_key_scopes, ratelimit
from catalog.ratelimit import Limit
from catalog.store import iso
from query_api import context
from query_api.errors import ApiError, error_body

SESSION_MAX_AGE = timedelta(hours=12)
API_KEY_LIMIT = Limit(hits=600, seconds=60)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

MSG_SIGN_IN = "Vous devez être connecté pour accéder à cette fonction."
MSG_ADMIN_ONLY = "Cette fonction est réservée à la cellule de gestion du ROR."
MSG_API_KEY_READ_ONLY = "Une clé d'API ne donne accès qu'à la consultation (recherche et fiches)."
MSG_API_KEY_NEEDS_SCOPE = ("Cette clé d'API ne donne pas ce droit : demandez à la cellule de gestion une clé "
                           "avec le droit « {} ».")
MSG_API_KEY_UNKNOWN = "Clé d'API inconnue ou révoquée."
MSG_API_KEY_TOO_MANY = "Trop de requêtes pour cette clé d'API : réessayez dans une minute."
MSG_CSRF = "Jeton de sécurité manquant ou invalide. Rechargez la page."
MSG_DETAILS_REQUIRED = (
    "Complétez d'abord vos informations (adresse e-mail) et acceptez les conditions d'utilisation."
)


# Writes an API key may make when it holds a scope (endpoint -> scope), declared by the view
# (``allow_api_key_write``): the FHIR Task of an anomaly report needs "report". Every other
# write stays refused to keys.
SCOPED_WRITES: dict[str, str] = {}


def allow_api_key_write(endpoint: str, scope: str) -> None:
    SCOPED_WRITES[endpoint] = scope


def api_key_has_scope(api_key: dict | None, scope: str) -> bool:
    return api_key_scopes.has_scope(api_key, scope)


class RateLimited(ApiError):
    """A 429 that tells the client when to come back (Retry-After)."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(429, "too_many_requests", message)
        self.retry_after = max(1, retry_after)


# --- who is asking ---------------------------------------------------------------------

def current_api_key() -> dict | None:
    """The API key that authenticated this request (set by the before_request hook), or None."""
    return g.get("api_key")


def current_account() -> dict | None:
    """The signed-in, active account as a dict (no password hash), or None.

    None for requests made with an API key: a key never acts as a person.
    """
    if "account" not in g:
        g.account = None if current_api_key() else _account_from_session()
    return g.account


def _account_from_session() -> dict | None:
    account_id = session.get("account_id")
    if account_id is None:
        return None
    signed_in_at = session.get("signed_in_at")
    try:
        if context.now() - datetime.fromisoformat(signed_in_at) > SESSION_MAX_AGE:
            return None
    except (TypeError, ValueError):
        return None
    with context.store().snapshot() as conn:
        account = accounts.get_account(conn, account_id)
    if account is None or account["status"] != "active":
        return None
    # Sign-out and a password change (reset) end the sessions opened before them.
    if session.get("session_version") != account["session_version"]:
        return None
    # A change of role (privileges) needs a new sign-in, hence a new session.
    if session.get("role") != account["role"]:
        return None
    return account


def client_address() -> str:
    return request.remote_addr or "unknown"


# --- session -------------------------------------------------------------------------

def csrf_token() -> str:
    """The session's CSRF token, created when absent."""
    token = session.get("csrf_token")
    if not token:
        token = session["csrf_token"] = secrets.token_urlsafe(32)
    return token


def sign_in(account: dict) -> str:
    """Start a new session for ``account``; returns its CSRF token (a new one: nothing of the
    session before sign-in carries over)."""
    session.clear()
    session["account_id"] = account["id"]
    session["session_version"] = account["session_version"]
    session["role"] = account["role"]
    session["signed_in_at"] = iso(context.now())
    g.account = account
    return csrf_token()


def sign_out() -> str:
    """End the session here and in the store (the account's epoch moves on); returns the
    CSRF token of the new, anonymous session."""
    account = current_account()
    if account is not None:
        with context.store().transaction() as conn:
            accounts.end_sessions(conn, account["id"])
    session.clear()
    g.account = None
    return csrf_token()


# --- decorators ------------------------------------------------------------------------

def require_account(*, details: bool = False) -> dict:
    """The signed-in account, or 401 (anonymous) / 403 (API key, details missing)."""
    if current_api_key() is not None:
        raise ApiError(403, "api_key_forbidden", MSG_API_KEY_READ_ONLY)
    account = current_account()
    if account is None:
        raise ApiError(401, "sign_in_required", MSG_SIGN_IN)
    if details and accounts.needs_details(account):
        raise ApiError(403, "details_required", MSG_DETAILS_REQUIRED)
    return account


def login_required(view):
    """Any signed-in account (API keys refused)."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        require_account()
        return view(*args, **kwargs)
    return wrapped


def details_required(view):
    """A signed-in account that has given its e-mail and accepted the terms."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        require_account(details=True)
        return view(*args, **kwargs)
    return wrapped


def admin_required(view):
    """A member of the management cell."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        if require_account()["role"] != "admin":
            raise ApiError(403, "admin_only", MSG_ADMIN_ONLY)
        return view(*args, **kwargs)
    return wrapped


# --- rate limits -----------------------------------------------------------------------

def limit_hit(bucket: str, limit: Limit, message: str) -> None:
    """Count one hit in ``bucket``; 429 past the limit."""
    with context.store().transaction() as conn:
        decision = ratelimit.hit(conn, bucket, limit, context.now())
    if not decision.allowed:
        raise RateLimited(message, decision.retry_after)


def limit_check(bucket: str, limit: Limit, message: str) -> None:
    """429 if the bucket is already full (counts nothing: failures are counted apart)."""
    with context.store().snapshot() as conn:
        decision = ratelimit.count(conn, bucket, limit, context.now())
    if not decision.allowed:
        raise RateLimited(message, decision.retry_after)


def limit_count_failure(bucket: str, limit: Limit) -> None:
    with context.store().transaction() as conn:
        ratelimit.hit(conn, bucket, limit, context.now())


def no_store(response):
    """after_request of the personal blueprints: answers about an account are never cached."""
    response.headers.setdefault("Cache-Control", "no-store")
    return response


# --- hooks -----------------------------------------------------------------------------

def _authenticate_api_key():
    header = request.headers.get("Authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        return None
    with context.store().snapshot() as conn:
        api_key = accounts.api_key_for(conn, key.strip())
    if api_key is None:
        raise ApiError(401, "invalid_api_key", MSG_API_KEY_UNKNOWN)
    g.api_key = api_key
    scope = SCOPED_WRITES.get(request.endpoint or "")
    if request.method not in SAFE_METHODS and not (scope and api_key_has_scope(api_key, scope)):
        raise ApiError(403, "api_key_forbidden", MSG_API_KEY_NEEDS_SCOPE.format(scope) if scope else MSG_API_KEY_READ_ONLY)
    now = context.now()
    with context.store().transaction() as conn:
        decision = ratelimit.hit(conn, f"api-key:{api_key['id']}", API_KEY_LIMIT, now)
        accounts.touch_api_key(conn, api_key["id"], now)
    if not decision.allowed:
        raise RateLimited(MSG_API_KEY_TOO_MANY, decision.retry_after)
    return None


def _check_csrf():
    if request.method in SAFE_METHODS or current_api_key() is not None:
        return None
    expected = session.get("csrf_token")
    sent = request.headers.get("X-CSRF-Token")
    if sent is None and request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        sent = request.form.get("csrf_token")
    if not expected or not sent or not hmac.compare_digest(str(expected).encode(), str(sent).encode()):
        raise ApiError(403, "csrf_failed", MSG_CSRF)
    return None


def init_app(app: Flask) -> None:
    """API-key authentication first (a key request skips CSRF), then the CSRF check."""
    app.before_request(_authenticate_api_key)
    app.before_request(_check_csrf)

    @app.errorhandler(RateLimited)
    def _rate_limited(error: RateLimited):
        response = jsonify(error_body(error.code, error.message, error.field))
        response.headers["Retry-After"] = str(error.retry_after)
        return response, 429
