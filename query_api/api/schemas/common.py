"""What every API response shares: the error body, code/label pairs, a message; field shorthands.

``doc(fr, en, example)`` writes a field's description in French then English, with an
example, so that /api/docs is enough to write a client.
"""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from catalog.fields import any_case, describe, doc, spaced

__all__ = ["any_case", "doc", "spaced"]  # one definition each, shared with the catalog's forms


def Str(**kw):  # noqa: N802 - reads like a field type
    return fields.String(**kw)


def NStr(**kw):  # noqa: N802
    return fields.String(allow_none=True, **kw)


def NFloat(**kw):  # noqa: N802
    return fields.Float(allow_none=True, **kw)


def NInt(**kw):  # noqa: N802
    return fields.Integer(allow_none=True, **kw)


Int = fields.Integer
Bool = fields.Boolean
Float = fields.Float


def Enum(values, **kw):  # noqa: N802
    return fields.String(validate=validate.OneOf(values), **kw)


class ErrorDetail(Schema):
    code = Str(required=True, metadata=doc("Code stable, en anglais, pour les programmes.",
                                           "Stable code, in English, for programs.", "invalid_parameter"))
    message = Str(required=True, metadata=doc("Message en français, lisible par une personne.",
                                              "Message in French, for a person to read.",
                                              "Le rayon doit être compris entre 0,5 et 100 km."))
    field = NStr(required=True, metadata=doc("Paramètre ou champ en cause, s'il y en a un.",
                                             "Parameter or field at fault, if any.", "radius_km"))


class Problem(Schema):
    field = NStr(required=True, metadata=doc("Paramètre ou champ en cause (chemin pointé : week.2, "
                                             "resource_persons.0.name), null pour la requête entière.",
                                             "Parameter or field at fault (dotted path), null for the whole request.",
                                             "radius_km"))
    message = Str(required=True, metadata=doc("Ce qui ne va pas, en français.", "What is wrong, in French.",
                                              "Le rayon doit être compris entre 0,5 et 100 km."))


class Error(Schema):
    error = fields.Nested(ErrorDetail, required=True, metadata=doc(
        "Le premier problème.", "The first problem."))
    errors = fields.List(fields.Nested(Problem), metadata=doc(
        "Pour un 400 : tous les problèmes, le premier étant « error » (un formulaire les montre tous).",
        "On a 400: every problem, the first one being « error » (a form shows them all)."))


class CodeLabel(Schema):
    code = Str(required=True)
    label = NStr(required=True)


class Message(Schema):
    message = Str(required=True)


describe(CodeLabel, {"code": ("Code.", "Code.", "KINE_REEDUC_VESTIBULAIRE"),
                     "label": ("Libellé.", "Label.", "Rééducation vestibulaire")})
describe(Message, {"message": ("Ce qui s'est passé, en français, à montrer.", "What happened, in French.", None)})
