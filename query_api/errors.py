"""One place that turns failures into JSON a person can read: 400, 404, 503, never a trace."""
from __future__ import annotations

import logging

from flask import Flask, jsonify
from opensearchpy.exceptions import ConnectionError as EngineConnectionError
from opensearchpy.exceptions import ConnectionTimeout
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

ENGINE_DOWN_MESSAGE = "Le moteur de recherche est momentanément indisponible. Réessayez dans quelques instants."


class ApiError(Exception):
    """An error the client caused or must know about, with a French message."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field


def error_body(code: str, message: str, field: str | None = None) -> dict:
    return {"error": {"code": code, "message": message, "field": field}}


HTTP_MESSAGES = {
    400: "Requête invalide.",
    401: "Vous devez être connecté.",
    403: "Vous n'avez pas le droit d'effectuer cette action.",
    404: "Ressource introuvable.",
    405: "Méthode non autorisée pour cette adresse.",
    413: "La requête est trop volumineuse.",
    429: "Trop de requêtes : réessayez dans un moment.",
}


def init_app(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(error: ApiError):
        return jsonify(error_body(error.code, error.message, error.field)), error.status

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        status = error.code or 500
        message = HTTP_MESSAGES.get(status, error.description or "Erreur.")
        return jsonify(error_body(error.name.lower().replace(" ", "_"), message)), status

    @app.errorhandler(EngineConnectionError)
    @app.errorhandler(ConnectionTimeout)
    def _engine_down(error):
        log.warning("search engine unreachable: %s", error)
        return jsonify(error_body("engine_unavailable", ENGINE_DOWN_MESSAGE)), 503

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        log.exception("unexpected error")
        return jsonify(error_body("internal_error", "Une erreur inattendue s'est produite ; elle a été enregistrée.")), 500
