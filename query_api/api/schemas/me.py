"""Responses of « Mon compte »: the account, the sheet its owner edits, reports about it."""
from __future__ import annotations

from marshmallow import Schema, fields

from query_api.api.schemas.accounts import Account
from query_api.api.schemas.anomalies import PractitionerAnomaly
from query_api.api.schemas.common import Bool, CodeLabel, ErrorDetail, Int, NInt, NStr, Str
from query_api.api.schemas.sheets import EstablishmentSummary


class Practitioner(Schema):
    rpps = Str(required=True)
    civility = Str(required=True)
    first_name = Str(required=True)
    last_name = Str(required=True)
    name = Str(required=True)
    profession = fields.Nested(CodeLabel, required=True)


class MyUnit(Schema):
    id = Str(required=True)
    name = Str(required=True)
    type = fields.Nested(CodeLabel, required=True)
    revision = Int(required=True)
    establishment = fields.Nested(EstablishmentSummary, required=True)
    ended_at = NStr(required=True, metadata={"description": "Fermée depuis (ISO 8601, UTC) : l'activité a quitté "
                                                            "le RPPS ; null tant qu'elle est ouverte. *Ended since; "
                                                            "null while active.*"})


class Me(Schema):
    account = fields.Nested(Account, required=True)
    practitioner = fields.Nested(Practitioner, allow_none=True, required=True)
    units = fields.List(fields.Nested(MyUnit), required=True)


class RppsPerson(Schema):
    rpps = NStr(required=True)
    name = Str(required=True)
    role = Str(required=True)
    phone = NStr(required=True)
    email = NStr(required=True)


class AddedPerson(Schema):
    name = Str(required=True)
    role = Str(required=True)
    phone = NStr(required=True)
    email = NStr(required=True)


class RppsPart(Schema):
    practitioner = fields.Nested(Practitioner, allow_none=True, required=True)
    establishment = fields.Nested(EstablishmentSummary, required=True)
    resource_persons = fields.List(fields.Nested(RppsPerson), required=True)


class EditableSheet(Schema):
    """Exactly what PUT /api/v1/me/units/{unit_id} takes back."""

    revision = Int(required=True)
    phone = NStr(required=True)
    mobile = NStr(required=True)
    aptitudes = fields.List(Str(), required=True)
    age_min = NInt(required=True)
    age_max = NInt(required=True)
    home_visit = Bool(required=True)
    home_visit_communes = fields.List(Str(), required=True)
    week = fields.Dict(keys=Str(), values=fields.List(fields.List(Int())), required=True, metadata={
        "description": "Jour (1 = lundi … 7 = dimanche) → créneaux [début, fin] en minutes depuis minuit."})
    open_on_holidays = Bool(required=True)
    comments = Str(required=True)
    resource_persons = fields.List(fields.Nested(AddedPerson), required=True)


class OwnerSheet(Schema):
    id = Str(required=True)
    name = Str(required=True)
    type = fields.Nested(CodeLabel, required=True)
    revision = Int(required=True)
    updated_at = Str(required=True)
    ended_at = NStr(required=True, metadata={"description": "Fermée depuis (ISO 8601, UTC) ; une fiche fermée ne "
                                                            "s'enregistre plus (410). *Ended since; an ended sheet "
                                                            "cannot be saved (410).*"})
    rpps = fields.Nested(RppsPart, required=True, metadata={"description": "Issu du RPPS : affiché, jamais modifié ici."})
    sheet = fields.Nested(EditableSheet, required=True)
    anomalies = fields.List(fields.Nested(PractitionerAnomaly), required=True)


class StaleSheet(Schema):
    error = fields.Nested(ErrorDetail, required=True)
    current = fields.Nested(OwnerSheet, required=True, metadata={"description": "La fiche telle qu'elle est maintenant."})


class MyAnomalies(Schema):
    anomalies = fields.List(fields.Nested(PractitionerAnomaly), required=True,
                            metadata={"description": "Signalements sur mes UO, leurs EG et EJ."})
    reported = fields.List(fields.Nested(PractitionerAnomaly), required=True,
                           metadata={"description": "Signalements que j'ai faits."})
