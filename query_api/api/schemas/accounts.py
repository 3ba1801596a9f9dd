"""Bodies and responses of the account operations (session, activation, sign-in, password reset)."""
from __future__ import annotations

from marshmallow import INCLUDE, Schema, fields, validate

from catalog.fields import describe
from catalog.schemas import PASSWORD_MAX, PASSWORD_MIN, PASSWORD_PATTERN
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
    csrf_token = Str(required=True)


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

    login = Str(required=True)


class PasswordResetConfirmation(Schema):
    class Meta:
        unknown = INCLUDE  # the view reads its fields and ignores any other

    token = Str(required=True, validate=validate.Length(min=1))
    password = Str(required=True, metadata={"pattern": PASSWORD_PATTERN, "minLength": PASSWORD_MIN,
                                            "maxLength": PASSWORD_MAX})


class LinkToken(Schema):
    """The token of a link sent by e-mail; other parameters are ignored (a mail client may add some)."""

    class Meta:
        unknown = INCLUDE

    token = fields.String(load_default="", metadata=doc("Le jeton du lien reçu par e-mail.",
                                                        "The token of the link received by e-mail.",
                                                        "pXH3y1cN1o0aQ6m2F0b4lq0kN5dQy7wT1sV8rB2eZ3c"))


# --- what each field means (French, then English), for /api/docs -------------------------

MESSAGE = ("Ce qui s'est passé, en français, à montrer.", "What happened, in French, to show.", None)
describe(Account, {
    "id": ("Numéro du compte.", "Account number.", 7),
    "role": ("practitioner (praticien) ou admin (cellule de gestion).", "practitioner or admin (the cell).",
             "practitioner"),
    "rpps": ("Numéro RPPS du praticien (null pour la cellule).", "The practitioner's RPPS number.", "10000000017"),
    "email": ("Adresse e-mail (null tant qu'elle n'est pas donnée).", "E-mail address (null until given).",
              "claire@kine.test"),
    "display_name": ("Nom affiché.", "Display name.", "Claire Martin"),
    "email_confirmed": ("Adresse confirmée par le lien reçu.", "Address confirmed by the link.", True),
    "terms_accepted": ("Conditions d'utilisation acceptées.", "Terms of use accepted.", True),
    "needs_details": ("Vrai tant que l'adresse e-mail et l'acceptation des conditions manquent.",
                      "True while the e-mail address and the terms acceptance are missing.", False),
    "created_at": ("Création (ISO 8601, UTC).", "Created (ISO 8601, UTC).", "2026-11-30T09:00:00Z"),
})
describe(SessionState, {
    "signed_in": ("Un compte est connecté.", "An account is signed in.", False),
    "account": ("Le compte connecté (null sinon).", "The signed-in account (else null).", None),
    "csrf_token": ("À renvoyer dans l'en-tête X-CSRF-Token de chaque écriture.",
                   "To send back in the X-CSRF-Token header of every write.", "k3Jx…"),
})
describe(Activated, {"activated": ("Compte activé.", "Account activated.", True),
                     "account": ("Le compte créé.", "The new account.", None), "message": MESSAGE})
describe(DetailsSaved, {"account": ("Le compte.", "The account.", None),
                        "email_sent": ("Un e-mail de confirmation est parti.", "A confirmation e-mail was sent.", True),
                        "message": MESSAGE})
describe(EmailConfirmed, {"confirmed": ("Adresse confirmée.", "Address confirmed.", True),
                          "email": ("L'adresse confirmée.", "The confirmed address.", "claire@kine.test"),
                          "message": MESSAGE})
describe(ResetLinkState, {"valid": ("Le lien est valable.", "The link is valid.", True),
                          "expires_at": ("Fin de validité (ISO 8601, UTC).", "Valid until (ISO 8601, UTC).",
                                         "2026-11-30T10:00:00Z"),
                          "message": MESSAGE})
describe(PasswordChanged, {"reset": ("Mot de passe changé.", "Password changed.", True),
                           "csrf_token": ("Nouveau jeton CSRF (la session est fermée).",
                                          "New CSRF token (the session is closed).", "k3Jx…"),
                           "message": MESSAGE})
describe(PasswordResetRequest, {"login": ("Numéro RPPS ou adresse e-mail.", "RPPS number or e-mail address.",
                                          "claire@kine.test")})
describe(PasswordResetConfirmation, {
    "token": ("Le jeton du lien reçu par e-mail.", "The token of the link received by e-mail.", "pXH3y1cN1o0a"),
    "password": ("8 à 128 caractères, dont une majuscule, une minuscule et un chiffre.",
                 "8 to 128 characters, with an upper-case letter, a lower-case letter and a digit.", "Nouveau-Mot-7"),
})
