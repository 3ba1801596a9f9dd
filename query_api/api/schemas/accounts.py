"""Bodies and responses of the account operations (session, activation, sign-in, password reset)."""
from __future__ import annotations

from marshmallow import INCLUDE, Schema, fields

from query_api.api.schemas.common import Bool, Enum, Int, NStr, Str, doc


class Account(Schema):
    id = Int(required=True)
    role = Enum(("practitioner", "admin"), required=True)
    rpps = NStr(required=True)
    email = NStr(required=True)
    display_name = Str(required=True)
    email_confirmed = Bool(required=True)
    terms_accepted = Bool(required=True)
    needs_details = Bool(required=True, metadata={
        "description": "Vrai tant que l'adresse e-mail et l'acceptation des conditions manquent."})
    created_at = Str(required=True)


class SessionState(Schema):
    signed_in = Bool(required=True)
    account = fields.Nested(Account, allow_none=True, required=True)
    csrf_token = Str(required=True, metadata={"description": "À renvoyer dans l'en-tête X-CSRF-Token de chaque écriture."})


class Activated(Schema):
    activated = Bool(required=True)
    account = fields.Nested(Account, required=True)
    message = Str(required=True)


class DetailsSaved(Schema):
    account = fields.Nested(Account, required=True)
    email_sent = Bool(required=True)
    message = Str(required=True)


class EmailConfirmed(Schema):
    confirmed = Bool(required=True)
    email = Str(required=True)
    message = Str(required=True)


class ResetLinkState(Schema):
    valid = Bool(required=True)
    expires_at = Str(required=True)
    message = Str(required=True)


class PasswordChanged(Schema):
    reset = Bool(required=True)
    csrf_token = Str(required=True)
    message = Str(required=True)


class PasswordResetRequest(Schema):
    class Meta:
        unknown = INCLUDE  # the view reads its fields and ignores any other

    login = Str(required=True, metadata={"description": "Numéro RPPS ou adresse e-mail."})


class PasswordResetConfirmation(Schema):
    class Meta:
        unknown = INCLUDE  # the view reads its fields and ignores any other

    token = Str(required=True, metadata={"description": "Le jeton du lien reçu par e-mail."})
    password = Str(required=True, metadata={"description": "8 à 128 caractères, dont une majuscule, une minuscule et un chiffre."})
    password_confirmation = Str(metadata={"description": "Par défaut : le mot de passe lui-même."})


class LinkToken(Schema):
    """The token of a link sent by e-mail; other parameters are ignored (a mail client may add some)."""

    class Meta:
        unknown = INCLUDE

    token = fields.String(load_default="", metadata=doc("Le jeton du lien reçu par e-mail.",
                                                        "The token of the link received by e-mail.",
                                                        "pXH3y1cN1o0aQ6m2F0b4lq0kN5dQy7wT1sV8rB2eZ3c"))
