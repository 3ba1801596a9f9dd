"""Page parameters of the management cell's lists (anomaly queue, journal)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from query_api.api.schemas.common import doc

# Bounded: past SQLite's integers an OFFSET overflows (a 500, found by fuzzing).
MAX_PAGE = 1_000_000


class PagedListSchema(Schema):
    """``page`` and ``per_page`` with French messages; unknown parameters refused."""

    page = fields.Integer(load_default=1, validate=validate.Range(
        min=1, max=MAX_PAGE, error="Le numéro de page doit être compris entre 1 et 1 000 000."),
        error_messages={"invalid": "Le numéro de page doit être un nombre entier."},
        metadata=doc("Page de la liste (1 à 1 000 000).", "Page of the list (1 to 1,000,000).", 1))
    per_page = fields.Integer(load_default=50, validate=validate.Range(
        min=1, max=200, error="Le nombre de résultats par page doit être compris entre 1 et 200."),
        error_messages={"invalid": "Le nombre de résultats par page doit être un nombre entier."},
        metadata=doc("Lignes par page (1 à 200).", "Rows per page (1 to 200).", 50))

    class Meta:
        error_messages = {"unknown": "Paramètre inconnu."}
