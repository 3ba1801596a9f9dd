"""Responses of the public sheets of a UO and of an EG."""
from __future__ import annotations

from marshmallow import Schema, fields

from catalog.fields import describe
from query_api.api.schemas.common import CodeLabel, Float, NStr, Str


class SheetAptitudeGroup(Schema):
    group = Str(required=True)
    items = fields.List(fields.Nested(CodeLabel), required=True)


# A sheet leaves out what is empty (the guide: « les champs non remplis seront masqués »): nothing is required
# below the identity, and a code/label pair may come without its label.
class SheetCodeLabel(Schema):
    code = Str(required=True)
    label = Str()


class SheetLegalEntity(Schema):
    id = Str(required=True)
    name = Str()


class SheetUnitLine(Schema):
    id = Str(required=True)
    name = Str(required=True)
    label = Str(required=True)
    practitioner = Str()
    type = fields.Nested(SheetCodeLabel)
    patients = fields.List(Str())
    home_visit = fields.Boolean()
    open_now = fields.Boolean()
    phone = Str()


class SheetEstablishment(Schema):
    id = Str(required=True)
    name = Str(required=True)
    category = fields.Nested(SheetCodeLabel)
    address = Str()
    postal_code = Str()
    commune = Str()
    insee = Str()
    department = fields.Nested(SheetCodeLabel)
    lat = fields.Float()
    lon = fields.Float()
    phone = Str()
    legal_entity = fields.Nested(SheetLegalEntity)
    source = Str()


class EstablishmentSheet(SheetEstablishment):
    units = fields.List(fields.Nested(SheetUnitLine))


class SheetPractitioner(Schema):
    rpps = Str()
    name = Str()
    profession = Str()


class SheetPatients(Schema):
    age_min = fields.Integer()
    age_max = fields.Integer()
    flags = fields.List(Str())


class SheetCommune(Schema):
    insee = Str()
    label = Str()


class SheetDay(Schema):
    day = fields.Integer()
    label = Str()
    hours = Str()


class SheetPerson(Schema):
    name = Str()
    role = Str()
    source = Str()
    phone = Str()
    email = Str()


class UnitSheet(Schema):
    id = Str(required=True)
    name = Str(required=True)
    type = fields.Nested(SheetCodeLabel)
    profession = fields.Nested(SheetCodeLabel)
    establishment = fields.Nested(SheetEstablishment, required=True)
    practitioner = fields.Nested(SheetPractitioner)
    phone = Str()
    mobile = Str()
    aptitudes = fields.List(fields.Nested(SheetAptitudeGroup))
    generalist = fields.Boolean()
    patients = fields.Nested(SheetPatients)
    home_visit = fields.Boolean()
    home_visit_communes = fields.List(fields.Nested(SheetCommune))
    week = fields.List(fields.Nested(SheetDay))
    open_on_holidays = fields.Boolean()
    open_now = fields.Boolean()
    comments = Str()
    resource_persons = fields.List(fields.Nested(SheetPerson))
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
    source = Str(required=True)


# --- what each field means (French, then English), for /api/docs -------------------------

describe(SheetCodeLabel, {"code": ("Code.", "Code.", "LIBERAL"), "label": ("Libellé.", "Label.", "Libéral")})
describe(SheetLegalEntity, {"id": ("Identifiant de l'entité juridique (EJ).", "Legal entity id.", "EJ-1"),
                            "name": ("Nom de l'EJ.", "Legal entity name.", "SELARL Kiné Chantiers")})
describe(SheetAptitudeGroup, {"group": ("Groupe d'aptitudes.", "Aptitude group.", "Rééducation"),
                              "items": ("Aptitudes du groupe.", "The group's aptitudes.", None)})
describe(SheetUnitLine, {
    "id": ("Identifiant de l'UO.", "Unit id.", "UO-H1"), "name": ("Nom.", "Name.", "Rééducation"),
    "label": ("Libellé affiché : le nom, suivi du praticien titulaire s'il y en a un (les UO d'un cabinet de "
              "groupe portent souvent le même nom).", "Display label: the name, then the owning practitioner if "
              "any (a group practice's units often share a name).", "Consultation kinésithérapie — Anne Martin"),
    "practitioner": ("Praticien titulaire (prénom et nom), s'il y en a un.", "Owning practitioner (first and last "
                     "name), if any.", "Anne Martin"),
    "type": ("Type d'UO.", "UO type.", None), "patients": ("Patients : E, A.", "Patients: E, A.", ["A"]),
    "home_visit": ("Intervient à domicile.", "Makes home visits.", False),
    "open_now": ("Ouverte maintenant.", "Open now.", True), "phone": ("Téléphone.", "Phone.", "+33139639000"),
})
describe(SheetEstablishment, {
    "id": ("Identifiant de l'EG.", "Establishment id.", "EG-HOSP"),
    "name": ("Nom.", "Name.", "Centre hospitalier de Versailles"),
    "category": ("Catégorie.", "Category.", None), "address": ("Adresse.", "Address.", "177 rue de Versailles"),
    "postal_code": ("Code postal.", "Postal code.", "78150"), "commune": ("Commune.", "Commune.", "Versailles"),
    "insee": ("Code INSEE.", "INSEE code.", "78646"), "department": ("Département.", "Department.", None),
    "lat": ("Latitude (WGS 84).", "Latitude.", 48.818), "lon": ("Longitude (WGS 84).", "Longitude.", 2.112),
    "phone": ("Téléphone.", "Phone.", "+33139639000"), "legal_entity": ("Entité juridique.", "Legal entity.", None),
    "source": ("« rpps » (lecture seule) ou « catalog ».", "« rpps » (read only) or « catalog ».", "catalog"),
})
describe(EstablishmentSheet, {"units": ("Ses unités (UO).", "Its units.", None)})
describe(SheetPractitioner, {"rpps": ("Numéro RPPS.", "RPPS number.", "10000000017"),
                             "name": ("Nom.", "Name.", "Claire Martin"),
                             "profession": ("Profession.", "Profession.", "Masseur-kinésithérapeute")})
describe(SheetPatients, {"age_min": ("Âge minimum (ans).", "Minimum age (years).", 0),
                         "age_max": ("Âge maximum (ans).", "Maximum age (years).", 120),
                         "flags": ("E (enfants), A (adultes).", "E (children), A (adults).", ["E", "A"])})
describe(SheetCommune, {"insee": ("Code INSEE.", "INSEE code.", "78646"),
                        "label": ("Commune.", "Commune.", "Versailles (78000)")})
describe(SheetDay, {"day": ("Jour : 1 = lundi … 7 = dimanche.", "Day: 1 = Monday … 7 = Sunday.", 1),
                    "label": ("Nom du jour.", "Day name.", "lundi"), "hours": ("Créneaux.", "Slots.", "9h-12h 14h-18h")})
describe(SheetPerson, {"name": ("Nom.", "Name.", "Camille Martin"), "role": ("Rôle.", "Role.", "stagiaire"),
                       "source": ("rpps ou added.", "rpps or added.", "added"), "phone": ("Téléphone.", "Phone.", None),
                       "email": ("E-mail.", "E-mail.", None)})
describe(UnitSheet, {
    "id": ("Identifiant de l'UO.", "Unit id.", "UO-KA"), "name": ("Nom.", "Name.", "Consultation kinésithérapie"),
    "type": ("Type d'UO.", "UO type.", None), "profession": ("Profession.", "Profession.", None),
    "establishment": ("Son établissement (EG).", "Its establishment.", None),
    "practitioner": ("Praticien titulaire.", "Practitioner owning it.", None),
    "phone": ("Téléphone de prise de rendez-vous.", "Appointment phone.", "+33139501234"),
    "mobile": ("Mobile direct : professionnels connectés uniquement.", "Direct mobile: signed-in professionals only.",
               "+33612345678"),
    "aptitudes": ("Aptitudes, par groupe.", "Aptitudes, by group.", None),
    "generalist": ("Aucune aptitude déclarée : généraliste.", "No aptitude declared: generalist.", False),
    "patients": ("Patients accueillis.", "Patients seen.", None),
    "home_visit": ("Intervient à domicile.", "Makes home visits.", True),
    "home_visit_communes": ("Communes d'intervention à domicile.", "Home-visit communes.", None),
    "week": ("Semaine type, jours ouverts.", "Typical week, open days.", None),
    "open_on_holidays": ("Ouverte les jours fériés.", "Open on public holidays.", True),
    "open_now": ("Ouverte maintenant (heure de Paris).", "Open now (Paris time).", True),
    "comments": ("Informations complémentaires.", "Further information.", "Parking devant le cabinet."),
    "resource_persons": ("Personnes ressources : professionnels connectés uniquement.",
                         "Resource persons: signed-in professionals only.", None),
    "revision": ("Révision de la fiche.", "Sheet revision.", 3),
    "updated_at": ("Dernière modification (ISO 8601, UTC).", "Last change (ISO 8601, UTC).", "2026-11-30T09:00:00Z"),
})
describe(LegalEntityRef, {"id": ("Identifiant de l'entité juridique (EJ).", "Legal entity id.", "EJ-1"),
                          "name": ("Nom de l'EJ (null s'il est inconnu).", "Legal entity name (null if unknown).",
                                   "SELARL Kiné Chantiers")})
describe(EstablishmentSummary, {
    "id": ("Identifiant de l'établissement (EG).", "Establishment id.", "EG-VER1"),
    "name": ("Nom de l'établissement.", "Establishment name.", "Cabinet de kinésithérapie des Chantiers"),
    "category": ("Catégorie (code et libellé).", "Category (code and label).", None),
    "address": ("Adresse.", "Address.", "12 rue des Chantiers"),
    "postal_code": ("Code postal.", "Postal code.", "78000"),
    "commune": ("Commune (null si le code INSEE est inconnu).", "Commune (null if the INSEE code is unknown).",
                "Versailles"),
    "insee": ("Code INSEE de la commune.", "INSEE code of the commune.", "78646"),
    "department": ("Département (code et libellé), null s'il est inconnu.",
                   "Department (code and label), null if unknown.", None),
    "lat": ("Latitude (WGS 84).", "Latitude (WGS 84).", 48.798),
    "lon": ("Longitude (WGS 84).", "Longitude (WGS 84).", 2.128),
    "phone": ("Téléphone (E.164), null s'il n'y en a pas.", "Phone (E.164), null if none.", "+33139501234"),
    "legal_entity": ("Son entité juridique (EJ).", "Its legal entity (EJ).", None),
    "source": ("« rpps » (lecture seule) ou « catalog ».", "« rpps » (read only) or « catalog ».", "rpps"),
})
