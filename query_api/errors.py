"""One place that turns failures into JSON a person can read: 400, 404, 503, never a trace.

A marshmallow ``ValidationError`` (a query string, a body) and a query the builder
refuses become a 400 here and nowhere else: ``error`` is the first problem (the
contract other applications read), ``errors`` lists every problem, so a form can
show them all at once.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask, jsonify, request
from marshmallow import ValidationError
from opensearchpy.exceptions import ConnectionError as EngineConnectionError
from opensearchpy.exceptions import ConnectionTimeout, TransportError
from werkzeug.exceptions import HTTPException

from catalog.store import StoreError, store_unavailable

log = logging.getLogger(__name__)

ENGINE_DOWN_MESSAGE = "Le moteur de recherche est momentanément indisponible. Réessayez dans quelques instants."
STORE_DOWN_MESSAGE = ("La base de données du ROR est momentanément indisponible : rien n'a été enregistré. "
                      "Réessayez dans quelques instants.")
UNEXPECTED_MESSAGE = "Une erreur inattendue s'est produite ; elle a été enregistrée."


class ApiError(Exception):
    """An error the client caused or must know about, with a French message."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None,
                 errors: list[dict] | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field
        # Every problem of a 400, the first one being (field, message) itself.
        self.errors = errors if errors is not None else (
            [{"field": field, "message": message}] if status == 400 else None)


def error_body(code: str, message: str, field: str | None = None, errors: list[dict] | None = None) -> dict:
    body: dict = {"error": {"code": code, "message": message, "field": field}}
    if errors is not None:
        body["errors"] = errors
    return body


def all_errors(err: ValidationError) -> list[dict]:
    """Every ``{"field", "message"}`` of a marshmallow error, in the order the schema gave them.

    ``{"week": {"2": ["mardi : ..."]}}`` -> ``[{"field": "week.2", "message": "mardi : ..."}]``;
    schema-level errors have no field (None).
    """
    found: list[dict] = []
    _collect(err.messages, [], found)
    return found or [{"field": None, "message": "Requête non valide."}]


def first_error(err: ValidationError) -> tuple[str | None, str]:
    """The first ``(dotted field, message)`` of a marshmallow error."""
    first = all_errors(err)[0]
    return first["field"], first["message"]


def _collect(node: Any, path: list, found: list[dict]) -> None:
    if isinstance(node, str):
        parts = [str(p) for p in path if p != "_schema"]
        found.append({"field": ".".join(parts) or None, "message": node})
    elif isinstance(node, Mapping):
        for key, value in node.items():
            _collect(value, [*path, key], found)
    elif isinstance(node, (list, tuple)):
        for item in node:
            _collect(item, path, found)


def invalid_input(err: ValidationError, schema=None) -> ApiError:
    """The one translation of a validation error into the API's 400.

    A schema may word the first problem itself (``first_problem``: the activation puts
    every broken password rule in one message); ``errors`` keeps them all.
    """
    errors = all_errors(err)
    first = schema.first_problem(errors) if hasattr(schema, "first_problem") else errors[0]
    return ApiError(400, "invalid_parameter", first["message"], first["field"], errors)


HTTP_MESSAGES = {
    400: "Requête invalide.",
    401: "Vous devez être connecté.",
    403: "Vous n'avez pas le droit d'effectuer cette action.",
    404: "Ressource introuvable.",
    405: "Méthode non autorisée pour cette adresse.",
    413: "La requête est trop volumineuse.",
    429: "Trop de requêtes : réessayez dans un moment.",
}


def engine_cannot_serve(error: TransportError) -> bool:
    """The engine answered but cannot serve now: shards still recovering after a restart (503),
    overloaded (429), no index built yet (404 index_not_found). Anything else it refuses (a 400
    for a query we built) is our bug."""
    status = error.status_code if isinstance(error.status_code, int) else 503
    return status >= 500 or status == 429 or error.error == "index_not_found_exception"


def init_app(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(error: ApiError):
        return jsonify(error_body(error.code, error.message, error.field, error.errors)), error.status

    @app.errorhandler(ValidationError)
    def _invalid(error: ValidationError):
        return _api_error(invalid_input(error))

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        status = error.code or 500
        message = HTTP_MESSAGES.get(status, error.description or "Erreur.")
        response = jsonify(error_body(error.name.lower().replace(" ", "_"), message))
        # Keep what the exception says besides its body: a 405 must list the allowed methods (Allow).
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response, status

    @app.errorhandler(EngineConnectionError)
    @app.errorhandler(ConnectionTimeout)
    def _engine_down(error):
        log.warning("search engine unreachable: %s", error)
        return jsonify(error_body("engine_unavailable", ENGINE_DOWN_MESSAGE)), 503

    @app.errorhandler(TransportError)
    def _engine_error(error: TransportError):
        if engine_cannot_serve(error):
            log.warning("search engine cannot serve: %s", error)
            return jsonify(error_body("engine_unavailable", ENGINE_DOWN_MESSAGE)), 503
        return _unexpected(error)   # a query we built and the engine refused: our bug, logged

    # Faces without a catch-all of their own (the JSON API, the search and directory pages) come
    # here; those with one (/fhir, the account and cell pages) ask ``store_outage`` themselves, as
    # Flask tries a blueprint's handlers before the app's.
    @app.errorhandler(StoreError)
    def _store_error(error: StoreError):
        if not store_outage(error):
            return _unexpected(error)
        return _in_face(503, "store_unavailable", STORE_DOWN_MESSAGE)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        log.exception("unexpected error")
        return jsonify(error_body("internal_error", UNEXPECTED_MESSAGE)), 500


def store_outage(error: BaseException) -> bool:
    """The store cannot serve now (server down, lock held past the timeout): a 503, logged as a warning."""
    if isinstance(error, StoreError) and store_unavailable(error):
        log.warning("store unavailable: %s", error)
        return True
    return False


def _in_face(status: int, code: str, message: str):
    """JSON on /api (and for any client that does not take HTML), else the site's error page."""
    if request.path.startswith("/api/") or not request.accept_mimetypes.accept_html:
        return jsonify(error_body(code, message)), status
    from query_api.web.pages import error_page

    return error_page(status, message)
