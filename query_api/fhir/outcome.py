"""Errors of /fhir as OperationOutcome resources: French for people, English beside it for machines.

The JSON API answers ``{"error": ...}``; a FHIR client expects an OperationOutcome with
the same status. ``FhirError`` carries both languages; ``outcome_for_api_error`` turns the
app's shared errors (API key refused, rate limit, CSRF…) into the FHIR form, so the
rules stay written once in ``query_api.security``.
"""
from __future__ import annotations

from flask import Response

from query_api.json_text import json_text

FHIR_JSON = "application/fhir+json"

# HTTP status → (OperationOutcome issue code, English diagnostics when no other is given).
ISSUE_CODES = {
    400: ("invalid", "Invalid request."),
    401: ("login", "Authentication required."),
    403: ("forbidden", "Forbidden."),
    404: ("not-found", "Resource not found."),
    405: ("not-supported", "Method not allowed."),
    406: ("not-supported", "Unsupported format."),
    410: ("deleted", "Resource deleted."),
    413: ("too-costly", "Request too large."),
    415: ("not-supported", "Unsupported content type."),
    422: ("processing", "Unprocessable resource."),
    429: ("throttled", "Too many requests."),
    500: ("exception", "Unexpected error."),
    503: ("transient", "Search engine unavailable."),
}


class FhirError(Exception):
    """A refusal of /fhir: status, French message, English diagnostics, the parameter at fault."""

    def __init__(self, status: int, message: str, english: str | None = None, expression: str | None = None):
        super().__init__(message)
        self.status, self.message, self.expression = status, message, expression
        self.english = english or ISSUE_CODES.get(status, ("exception", "Error."))[1]


def operation_outcome(status: int, message: str, english: str, expression: str | None = None) -> dict:
    code = ISSUE_CODES.get(status, ("exception", ""))[0]
    issue = {
        "severity": "error" if status < 500 else "fatal",
        "code": code,
        "details": {"text": message},
        "diagnostics": f"{message} | {english}",
    }
    if expression:
        issue["expression"] = [expression]
    return {"resourceType": "OperationOutcome", "issue": [issue]}


def fhir_response(resource: dict, status: int = 200, pretty: bool = False, headers: dict | None = None) -> Response:
    body = json_text(resource, pretty=pretty)
    response = Response(body, status=status, mimetype=FHIR_JSON)
    response.headers["Content-Type"] = f"{FHIR_JSON}; charset=utf-8"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def error_response(error: FhirError) -> Response:
    return fhir_response(operation_outcome(error.status, error.message, error.english, error.expression), error.status)
