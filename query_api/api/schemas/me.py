"""Responses of « Mon compte »: the account, the sheet its owner edits, reports about it."""
from __future__ import annotations

from marshmallow import Schema, fields

from catalog.fields import describe
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
    ended_at = NStr(required=True)


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
    week = fields.Dict(keys=Str(), values=fields.List(fields.List(Int())), required=True)
    open_on_holidays = Bool(required=True)
    comments = Str(required=True)
    resource_persons = fields.List(fields.Nested(AddedPerson), required=True)


class OwnerSheet(Schema):
    id = Str(required=True)
    name = Str(required=True)
    type = fields.Nested(CodeLabel, required=True)
    revision = Int(required=True)
    updated_at = Str(required=True)
    ended_at = NStr(required=True)
    rpps = fields.Nested(RppsPart, required=True)
    sheet = fields.Nested(EditableSheet, required=True)
    anomalies = fields.List(fields.Nested(PractitionerAnomaly), required=True)


class StaleSheet(Schema):
    error = fields.Nested(ErrorDetail, required=True)
    current = fields.Nested(OwnerSheet, required=True)


class MyAnomalies(Schema):
    anomalies = fields.List(fields.Nested(PractitionerAnomaly), required=True)
    reported = fields.List(fields.Nested(PractitionerAnomaly), required=True)


# --- what each field means (French, then English), for /api/docs -------------------------

describe(Practitioner, {
    "rpps": ("Numéro RPPS (11 chiffres).", "RPPS number (11 digits).", "10000000017"),
    "civility": ("Civilité, telle que le RPPS la donne.", "Civility, as the RPPS gives it.", "Mme"),
    "first_name": ("Prénom (RPPS).", "First name (RPPS).", "Claire"),
    "last_name": ("Nom de famille (RPPS).", "Last name (RPPS).", "Martin"),
    "name": ("Prénom et nom, à afficher.", "First and last name, to show.", "Claire Martin"),
    "profession": ("Profession (code et libellé de la nomenclature).", "Profession (nomenclature code and label).",
                   {"code": "70", "label": "Masseur-kinésithérapeute"}),
})
describe(MyUnit, {
    "ended_at": ("Fermée depuis (ISO 8601, UTC) : l'activité a quitté le RPPS ; null tant qu'elle est ouverte.",
                 "Ended since (ISO 8601, UTC): the activity left the RPPS; null while active.", None),
    "id": ("Identifiant de l'UO.", "Unit id.", "UO-KA"),
    "name": ("Nom de l'UO.", "Unit name.", "Consultation kinésithérapie"),
    "type": ("Type d'UO (code et libellé).", "Unit type (code and label).", {"code": "LIBERAL", "label": "Libéral"}),
    "revision": ("Révision de la fiche : augmente à chaque enregistrement.", "Sheet revision: grows with every save.",
                 3),
    "establishment": ("Son établissement (EG).", "Its establishment (EG).", None),
})
describe(Me, {
    "account": ("Le compte connecté.", "The signed-in account.", None),
    "practitioner": ("Identité RPPS du praticien (null pour la cellule ou un RPPS inconnu).",
                     "The practitioner's RPPS identity (null for the cell or an unknown RPPS).", None),
    "units": ("Les UO dont le praticien est titulaire.", "The units the practitioner owns.", None),
})
PERSON = {
    "name": ("Nom de la personne.", "The person's name.", "Camille Martin"),
    "role": ("Rôle : stagiaire, confrère, remplaçant, assistant, autre.",
             "Role: a trainee, a colleague, a locum, an assistant, other.", "stagiaire"),
    "phone": ("Téléphone (E.164), null s'il n'est pas donné.", "Phone (E.164), null when not given.", "+33139501234"),
    "email": ("Adresse e-mail, null si elle n'est pas donnée.", "E-mail address, null when not given.",
              "camille.martin@exemple.fr"),
}
describe(RppsPerson, {"rpps": ("Numéro RPPS de la personne.", "The person's RPPS number.", "10000000025"),
                      **PERSON})
describe(AddedPerson, PERSON)
describe(RppsPart, {
    "practitioner": ("Le praticien titulaire (null si son RPPS est inconnu).",
                     "The owning practitioner (null if their RPPS is unknown).", None),
    "establishment": ("L'établissement (EG) de l'UO.", "The unit's establishment (EG).", None),
    "resource_persons": ("Personnes ressources venues du RPPS.", "Resource persons from the RPPS.", None),
})
describe(EditableSheet, {
    "revision": ("Révision lue : à renvoyer telle quelle avec PUT.", "Revision read: send it back as is with PUT.", 3),
    "phone": ("Téléphone de prise de rendez-vous (E.164), null s'il n'y en a pas.",
              "Appointment phone (E.164), null if none.", "+33139501234"),
    "mobile": ("Mobile direct (E.164), null s'il n'y en a pas.", "Direct mobile (E.164), null if none.",
               "+33612345678"),
    "aptitudes": ("Aptitudes (codes de la nomenclature) ; aucune = généraliste.",
                  "Aptitudes (nomenclature codes); none = generalist.", ["KINE_REEDUC_VESTIBULAIRE"]),
    "age_min": ("Âge minimum des patients, en années (null : non précisé).",
                "Minimum age of patients, in years (null: not said).", 0),
    "age_max": ("Âge maximum des patients, en années (null : non précisé).",
                "Maximum age of patients, in years (null: not said).", 120),
    "home_visit": ("Intervient à domicile.", "Makes home visits.", True),
    "home_visit_communes": ("Communes d'intervention à domicile (codes INSEE).", "Home-visit communes (INSEE codes).",
                            ["78646"]),
    "week": ("Jour (1 = lundi … 7 = dimanche) → créneaux [début, fin] en minutes depuis minuit ; jours ouverts "
             "seulement.", "Day (1 = Monday … 7 = Sunday) → slots [start, end] in minutes since midnight; open days "
             "only.", {"1": [[540, 720], [840, 1080]]}),
    "open_on_holidays": ("Ouverte les jours fériés.", "Open on public holidays.", False),
    "comments": ("Informations complémentaires (texte libre, « » si aucune).",
                 "Further information (free text, \"\" if none).", "Parking devant le cabinet."),
    "resource_persons": ("Personnes ressources ajoutées par le praticien.", "Resource persons the practitioner added.",
                         None),
})
describe(OwnerSheet, {
    "ended_at": ("Fermée depuis (ISO 8601, UTC) ; une fiche fermée ne s'enregistre plus (410).",
                 "Ended since (ISO 8601, UTC); an ended sheet cannot be saved (410).", None),
    "id": ("Identifiant de l'UO.", "Unit id.", "UO-KA"),
    "name": ("Nom de l'UO (RPPS).", "Unit name (RPPS).", "Consultation kinésithérapie"),
    "type": ("Type d'UO (code et libellé).", "Unit type (code and label).", {"code": "LIBERAL", "label": "Libéral"}),
    "revision": ("Révision de la fiche.", "Sheet revision.", 3),
    "updated_at": ("Dernière modification (ISO 8601, UTC).", "Last change (ISO 8601, UTC).", "2026-11-30T09:00:00Z"),
    "rpps": ("Issu du RPPS : affiché, jamais modifié ici.", "From the RPPS: shown, never edited here.", None),
    "sheet": ("Ce que le praticien modifie : exactement ce que PUT reprend.",
              "What the practitioner edits: exactly what PUT takes back.", None),
    "anomalies": ("Signalements en cours sur cette UO.", "Reports about this unit.", None),
})
describe(StaleSheet, {
    "error": ("Le problème : stale_revision, message en français.", "The problem: stale_revision, message in French.",
              None),
    "current": ("La fiche telle qu'elle est maintenant.", "The sheet as it is now.", None),
})
describe(MyAnomalies, {
    "anomalies": ("Signalements sur mes UO, leurs EG et EJ.", "Reports about my units, their EG and EJ.", None),
    "reported": ("Signalements que j'ai faits.", "Reports I made.", None),
})
