"""Responses of the anomaly operations (a report, the cell's queue)."""
from __future__ import annotations

import re

from marshmallow import Schema, ValidationError, fields, validate

from catalog.anomalies import STATUS_LABELS
from catalog.fields import describe
from catalog.nomenclature import nomenclature
from query_api.api.schemas.common import Enum, Int, NStr, Str, any_case, doc
from query_api.api.schemas.paging import PagedListSchema


class AnomalyTarget(Schema):
    type = Enum(("EJ", "EG", "UO"), required=True)
    id = Str(required=True)
    name = NStr(required=True)
    label = Str(required=True)
    type_label = Str(required=True)


class AnomalyTheme(Schema):
    code = Str(required=True)
    label = Str(required=True)


class PractitionerAnomaly(Schema):
    """A report as the practitioner concerned sees it (without who reported it)."""

    id = Int(required=True)
    target = fields.Nested(AnomalyTarget, required=True)
    field = NStr(required=True)
    theme = fields.Nested(AnomalyTheme, allow_none=True, required=True)
    message = Str(required=True)
    status = Enum(tuple(STATUS_LABELS), required=True)
    status_label = Str(required=True)
    note = Str(required=True)
    created_at = Str(required=True)
    updated_at = Str(required=True)


class Reporter(Schema):
    id = Int(required=True)
    name = NStr(required=True)
    email = NStr(required=True)


class Assignee(Schema):
    id = Int(required=True)
    name = NStr(required=True)


class Anomaly(PractitionerAnomaly):
    reporter = fields.Nested(Reporter, allow_none=True, required=True)
    assignee = fields.Nested(Assignee, allow_none=True, required=True)


class StateChange(Schema):
    """One state of a report's history (catalog.anomalies.history)."""

    at = Str(required=True)
    actor = NStr(required=True)
    status = Enum(tuple(STATUS_LABELS), required=True)
    status_label = Str(required=True)
    previous = NStr(required=True)
    note = NStr(required=True)


class AnomalyWithHistory(Anomaly):
    history = fields.List(fields.Nested(StateChange), required=True)


class AnomalyPage(Schema):
    total = Int(required=True)
    page = Int(required=True)
    per_page = Int(required=True)
    results = fields.List(fields.Nested(Anomaly), required=True)


class _Assignee(fields.String):
    """An account id, "me" or "none" (unassigned)."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs).strip().lower()
        if text in ("none", "me"):
            return text
        if text.isascii() and text.isdigit() and len(text) <= 18:  # 18 digits: always an SQLite integer
            return int(text)
        raise ValidationError("Responsable : indiquez un identifiant de compte, « me » ou « none ».")


class AnomalyFiltersSchema(PagedListSchema):
    """Query parameters of the admin queue."""

    status = fields.String(validate=validate.OneOf(tuple(STATUS_LABELS), error=(
        "Statut inconnu : « {input} » (valeurs possibles : " + ", ".join(STATUS_LABELS) + ").")), metadata=doc(
        "Statut : new (nouvelle), in_progress (en cours), resolved (traitée), rejected (rejetée).",
        "Status: new, in_progress, resolved, rejected.", "new"))
    target_type = fields.String(validate=validate.OneOf(("EJ", "EG", "UO"), error=(
        "Type de fiche inconnu : « {input} » (valeurs possibles : EJ, EG, UO).")), metadata=doc(
        "Type de fiche concernée : EJ, EG ou UO.", "Type of record concerned: EJ, EG or UO.", "UO"))
    theme = fields.String(validate=lambda code: code in nomenclature().anomaly_themes or _unknown_theme(code),
                          metadata=doc("Thème de l'anomalie (code de la nomenclature des thèmes).",
                                       "Theme of the anomaly (a code of the themes' nomenclature).", "01",
                                       accepts=lambda: "^(" + "|".join(map(re.escape, nomenclature().anomaly_themes)) + ")$"))
    assignee = _Assignee(metadata=doc(
        "Responsable : identifiant d'un compte de la cellule, « me » (moi) ou « none » (personne).",
        "Assignee: a cell account id, « me » or « none » (unassigned).", "me",
        accepts=lambda: r"^\s*([0-9]{1,18}|" + any_case("me") + "|" + any_case("none") + r")\s*$"))


def _unknown_theme(code: str) -> bool:
    raise ValidationError(f"Thème d'anomalie inconnu : « {code} ».")


# --- what each field means (French, then English), for /api/docs -------------------------

describe(AnomalyTarget, {
    "type": ("Type de fiche : EJ, EG ou UO.", "Record type: EJ, EG or UO.", "UO"),
    "id": ("Identifiant de la fiche.", "Record id.", "UO-KA"),
    "name": ("Nom de la fiche (null si elle n'existe plus).", "Record name (null if gone).", "Consultation"),
    "label": ("Libellé affiché : le nom, et pour une UO le praticien titulaire (« Consultation kinésithérapie — "
              "Anne Martin ») ; l'identifiant si la fiche n'existe plus.", "Display label: the name, and for a UO "
              "its owning practitioner; the id if the record is gone.", "Consultation kinésithérapie — Anne Martin"),
    "type_label": ("Type en toutes lettres.", "Type in words.", "Unité opérationnelle"),
})
describe(AnomalyTheme, {"code": ("Code du thème.", "Theme code.", "01"), "label": ("Libellé.", "Label.", "Complétude")})
describe(PractitionerAnomaly, {
    "id": ("Numéro de l'anomalie.", "Anomaly number.", 1),
    "target": ("La fiche concernée.", "The record concerned.", None),
    "field": ("Champ concerné, s'il y en a un.", "Field concerned, if any.", "phone"),
    "theme": ("Thème, s'il y en a un.", "Theme, if any.", None),
    "message": ("Description de l'anomalie.", "What is wrong.", "Le téléphone ne répond pas."),
    "status": ("new, in_progress, resolved ou rejected.", "new, in_progress, resolved or rejected.", "new"),
    "status_label": ("Statut en toutes lettres.", "Status in words.", "Nouvelle"),
    "note": ("Note de la cellule.", "The cell's note.", ""),
    "created_at": ("Signalée le (ISO 8601, UTC).", "Reported on (ISO 8601, UTC).", "2026-11-30T09:00:00Z"),
    "updated_at": ("Modifiée le (ISO 8601, UTC).", "Updated on (ISO 8601, UTC).", "2026-11-30T09:00:00Z"),
})
describe(Reporter, {"id": ("Compte qui a signalé.", "Reporting account.", 7), "name": ("Nom.", "Name.", "Claire Martin"),
                    "email": ("E-mail.", "E-mail.", "claire@kine.test")})
describe(Assignee, {"id": ("Compte responsable.", "Account in charge.", 1), "name": ("Nom.", "Name.", "Cellule")})
describe(Anomaly, {"reporter": ("Qui l'a signalée.", "Who reported it.", None),
                   "assignee": ("Responsable dans la cellule (null : personne).", "Assignee in the cell.", None)})
describe(StateChange, {
    "at": ("Quand (ISO 8601, UTC).", "When (ISO 8601, UTC).", "2026-11-30T09:00:00.000000+00:00"),
    "actor": ("Qui : l'auteur du signalement pour le premier état, puis le membre de la cellule (null : "
              "inconnu, ou signalé par une application).", "Who: the reporter for the first state, then the "
              "member of the cell (null: unknown, or filed by an application).", "Cellule ROR"),
    "status": ("Le nouvel état : new, in_progress, resolved ou rejected.", "The new state.", "resolved"),
    "status_label": ("L'état en toutes lettres.", "The state in words.", "Résolue"),
    "previous": ("L'état d'avant en toutes lettres (null pour le signalement).", "The previous state in words "
                 "(null when filed).", "En cours"),
    "note": ("La note de la cellule écrite avec ce changement ; pour une clôture, la note en vigueur.",
             "The cell's note written with this change; for a closing, the note in force.", "Adresse corrigée."),
})
describe(AnomalyWithHistory, {"history": ("Les états successifs, du plus ancien au plus récent, lus dans le "
                                          "journal d'audit.", "The successive states, oldest first, read from "
                                          "the audit trail.", None)})
describe(AnomalyPage, {"total": ("Anomalies qui correspondent.", "Matching anomalies.", 12),
                       "page": ("Page rendue.", "Page returned.", 1), "per_page": ("Lignes par page.", "Rows per page.", 50),
                       "results": ("Les anomalies de la page.", "The page's anomalies.", None)})
