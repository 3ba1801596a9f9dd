"""Responses of the public sheets of a UO and of an EG."""
from __future__ import annotations

from marshmallow import Schema, fields

from query_api.api.schemas.common import CodeLabel, Float, NStr, Str


class SheetAptitudeGroup(Schema):
    group = Str(required=True)
    items = fields.List(fields.Nested(CodeLabel), required=True)


class SheetEstablishment(Schema):
    id = Str(required=True)
    name = Str(required=True)
    category = fields.Dict()
    address = Str()
    postal_code = Str()
    commune = Str()
    insee = Str()
    department = fields.Dict()
    lat = fields.Float()
    lon = fields.Float()
    phone = Str()
    legal_entity = fields.Dict()
    source = Str()
    units = fields.List(fields.Dict())


class EstablishmentSheet(SheetEstablishment):
    pass


class UnitSheet(Schema):
    id = Str(required=True)
    name = Str(required=True)
    type = fields.Dict()
    profession = fields.Dict()
    establishment = fields.Nested(SheetEstablishment, required=True)
    practitioner = fields.Dict()
    phone = Str()
    mobile = Str(metadata={"description": "Professionnels connectés uniquement."})
    aptitudes = fields.List(fields.Nested(SheetAptitudeGroup))
    generalist = fields.Boolean()
    patients = fields.Dict()
    home_visit = fields.Boolean()
    home_visit_communes = fields.List(fields.Dict())
    week = fields.List(fields.Dict())
    open_on_holidays = fields.Boolean()
    open_now = fields.Boolean()
    comments = Str()
    resource_persons = fields.List(fields.Dict(), metadata={"description": "Professionnels connectés uniquement."})
    revision = fields.Integer()
    updated_at = Str()


class LegalEntityRef(Schema):
    id = Str(required=True)
    name = NStr(required=True)


class EstablishmentSummary(Schema):
    id = Str(required=True)
    name = Str(required=True)
    category = fields.Nested(CodeLabel, required=True)
    address = Str(required=True)
    postal_code = Str(required=True)
    commune = NStr(required=True)
    insee = Str(required=True)
    department = fields.Nested(CodeLabel, allow_none=True, required=True)
    lat = Float(required=True)
    lon = Float(required=True)
    phone = NStr(required=True)
    legal_entity = fields.Nested(LegalEntityRef, required=True)
    source = Str(required=True, metadata={"description": "« rpps » (lecture seule) ou « catalog »."})
