"""How an operation of the JSON API is declared: once, beside its view.

Each view says, with flask-smorest's decorators, what it reads (``@blp.arguments``:
a marshmallow schema that also validates), what it answers (``@blp.response`` and
``@blp.alt_response``) and who may call it (``@blp.doc(security=...)``); the
OpenAPI document (query_api/api/openapi.py) is generated from those declarations.

Views answer with ``jsonify`` (flask-smorest returns a Response as it is): the
response schemas document and, in the tests, check what a view sends; dumping
every reply through marshmallow at run time would cost the search more than it
gives.
"""
from __future__ import annotations

from flask import Request
from flask_smorest import Api
from flask_smorest import Blueprint as _SmorestBlueprint
from marshmallow import ValidationError
from webargs.core import missing
from webargs.flaskparser import FlaskParser

from catalog.fields import MSG_NOT_AN_OBJECT
from query_api.api.schemas.common import Error
from query_api.errors import ApiError, invalid_input

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

# Who may call an operation (security requirements of the document).
PUBLIC_READ = [{}, {"apiKey": []}, {"session": []}]     # anyone; a key or a session are optional
SIGNED_IN = [{"session": []}]                            # a signed-in account (GET)
SIGNED_IN_WRITE = [{"session": [], "csrf": []}]          # a signed-in account, with its CSRF token
SESSION_WRITE = [{"session": [], "csrf": []}]            # anyone with a session cookie and its CSRF token

SECURITY_SCHEMES = {
    "session": {"type": "apiKey", "in": "cookie", "name": "session",
                "description": "Cookie de session signé, créé par GET /api/v1/session, complété à la connexion.\n\n"
                               "*Signed session cookie, made by GET /api/v1/session, completed by signing in.*"},
    "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRF-Token",
             "description": "Jeton de la session (champ csrf_token de GET /api/v1/session), obligatoire pour "
                            "toute écriture, connecté ou non.\n\n*The session's token (csrf_token of GET "
                            "/api/v1/session), required by every write, signed in or not.*"},
    "apiKey": {"type": "http", "scheme": "bearer",
               "description": "Clé d'API d'une autre application : consultation seulement (GET), limitée à "
                              "600 requêtes par minute.\n\n*Another application's API key: reads only (GET), "
                              "600 requests a minute.*"},
}

RETRY_AFTER = {"Retry-After": {"description": "Secondes avant de réessayer. *Seconds before trying again.*",
                               "required": True, "schema": {"type": "integer", "minimum": 1}}}

# What any operation may answer besides its own statuses (errors.py, security.py, headers.py).
COMMON_ERRORS = {
    "read": {401: "Clé d'API inconnue ou révoquée. *Unknown or revoked API key.*",
             429: "Trop de requêtes : réessayer après Retry-After secondes. *Too many requests.*"},
    "write": {403: "Jeton CSRF absent ou faux, clé d'API (lecture seule) ou droits insuffisants. "
                   "*Missing or wrong CSRF token, API key (read only) or not allowed.*",
              413: "Corps de requête trop volumineux (256 Kio au plus). *Body too large (256 KiB at most).*"},
}
INVALID = "Paramètre ou champ invalide : « error » dit lequel et pourquoi, « errors » les donne tous. " \
          "*Invalid parameter or field: « error » says which and why, « errors » lists them all.*"


class RequestParser(FlaskParser):
    """webargs, read our way: one translation of a validation error into the API's 400."""

    DEFAULT_VALIDATION_STATUS = 400

    def __init__(self):
        super().__init__(unknown=None)  # each schema says what it does with unknown fields (refused, in French)

    def load_querystring(self, req: Request, schema):
        # The whole MultiDict: query schemas collect repeated parameters and name unknown ones.
        return req.args

    def load_json(self, req: Request, schema):
        """A JSON object, or a plain HTML form's fields; no body at all reads as an empty object."""
        if req.mimetype in FORM_TYPES:
            return {k: v for k, v in req.form.items() if k != "csrf_token"}
        data = req.get_json(silent=True)
        if data is None and not req.get_data():
            return missing
        if not isinstance(data, dict):
            raise ApiError(400, "invalid_body", MSG_NOT_AN_OBJECT)
        return data

    def _on_validation_error(self, error: ValidationError, req, schema, location, **kwargs):
        # Fields are named as the client sent them ("page"), not under webargs' location ("query.page").
        raise invalid_input(error, schema)


class Blueprint(_SmorestBlueprint):
    """A blueprint of the JSON API, and the declaration of its operations' errors and security."""

    ARGUMENTS_PARSER = RequestParser()

    def declare(self, *, security: list, summary: str, description: str | None = None,
                errors: dict[int, str] | None = None, invalid: bool = False):
        """Summary, security and error statuses of an operation (each answered with the Error body)."""
        write = security in (SIGNED_IN_WRITE, SESSION_WRITE)
        statuses = {**COMMON_ERRORS["write" if write else "read"], **(errors or {})}
        if invalid:
            statuses.setdefault(400, INVALID)
        if security is SIGNED_IN or security is SIGNED_IN_WRITE:
            statuses.setdefault(401, "Non connecté. *Not signed in.*")
        responses = {}
        for status, text in sorted(statuses.items()):
            response = {"description": text, "content": {"application/json": {"schema": Error}}}
            if status == 429:
                response["headers"] = RETRY_AFTER
            responses[status] = response
        return self.doc(summary=summary, description=description, security=security, responses=responses)


class RorApi(Api):
    """flask-smorest's Api without its own error handlers: query_api/errors.py answers every error."""

    DEFAULT_ERROR_RESPONSE_NAME = None
    ERROR_SCHEMA = Error

    def _register_error_handlers(self):
        pass
