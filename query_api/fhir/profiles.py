"""The national guide's names: profile and extension URLs, NOS code systems, our local systems.

Every URL a resource of /fhir carries comes from here, so that a change of the guide's
canonical is one edit. Sources: the ANS guide « Répertoire de l'Offre et des Ressources »
(package ``ans.fhir.fr.ror``, repository ansforge/IG-fhir-repertoire-offre-ressources-sante:
input/fsh/profiles, extensions and examples) and shared/reference/ror-national-codes.md.
"""
from __future__ import annotations

from dataclasses import dataclass

CANONICAL = "https://interop.esante.gouv.fr/ig/fhir/ror"
IMPLEMENTATION_GUIDE = f"{CANONICAL}/ImplementationGuide/ans.fhir.fr.ror"
FHIR_VERSION = "4.0.1"


def _sd(name: str) -> str:
    return f"{CANONICAL}/StructureDefinition/{name}"


PROFILES = {
    "HealthcareService": _sd("ror-healthcareservice"),
    "Location": _sd("ror-location"),
    "Organization": _sd("ror-organization"),
    "Practitioner": _sd("ror-practitioner"),
    "PractitionerRole": _sd("ror-practitionerrole"),
    "Task": _sd("ror-task"),
}

# Extensions (the guide's ids).
EXT_META_CREATION_DATE = _sd("ror-meta-creation-date")
EXT_SENSITIVE_UNIT = _sd("ror-healthcareservice-sensitive-unit")
EXT_PATIENT_TYPE = _sd("ror-healthcareservice-patient-type")
EXT_CONTACT = _sd("ror-healthcareservice-contact")
EXT_CONTACT_TELECOM = _sd("ror-healthcareservice-contact-telecom")
EXT_CONFIDENTIALITY_LEVEL = _sd("ror-confidentiality-level")
EXT_TELECOM_CHANNEL = _sd("ror-telecom-communication-channel")
EXT_TELECOM_CONFIDENTIALITY = _sd("ror-telecom-confidentiality-level")
EXT_AVAILABLE_TIME_TYPE = _sd("ror-available-time-type-of-time")
EXT_AVAILABLE_TIME_DAY = _sd("ror-available-time-number-days-of-week")
EXT_TERRITORIAL_DIVISION = _sd("ror-territorial-division")
EXT_ACT_TYPE = _sd("ror-act-type")
EXT_COMMUNE_COG = _sd("ror-commune-cog")
EXT_CALCULATED_DISTANCE = _sd("ror-calculated-distance")
# FHIR core: the distance of a Location from the searched point, on a search Bundle entry.
EXT_LOCATION_DISTANCE = "http://hl7.org/fhir/StructureDefinition/location-distance"


def _nos(table: str) -> str:
    return f"https://mos.esante.gouv.fr/NOS/{table}/FHIR/{table.replace('_', '-')}"


# NOS code systems (TRE) behind the guide's value sets (JDV).
TRE_R211_OPERATIONAL_ACTIVITY = _nos("TRE_R211-ActiviteOperationnelle")    # JDV_J17
TRE_R210_SPECIFIC_ACT = _nos("TRE_R210-ActeSpecifique")                    # JDV_J16
TRE_R227_ACTIVITY_FIELD = _nos("TRE_R227-ChampActivite")
TRE_R213_CARE_MODE = _nos("TRE_R213-ModePriseEnCharge")
TRE_R252_TIME_TYPE = _nos("TRE_R252-TypeHoraire")
TRE_R287_CONTACT_PURPOSE = _nos("TRE_R287-NatureContact")
TRE_R283_CONFIDENTIALITY = _nos("TRE_R283-NiveauConfidentialite")
TRE_R13_COMMUNE = _nos("TRE_R13-CommuneOM")
TRE_R338_RECEPTION_MODALITY = _nos("TRE_R338-ModaliteAccueil")
TRE_G15_PROFESSION = _nos("TRE_G15-ProfessionSante")
TRE_R350_ANOMALY_THEME = _nos("TRE_R350-ThemeAnomalie")
NATIONAL_SYSTEMS = {"JDV_J17": TRE_R211_OPERATIONAL_ACTIVITY, "JDV_J16": TRE_R210_SPECIFIC_ACT}

# Identifier systems.
IDNAT_PS_SYSTEM = "urn:oid:1.2.250.1.71.4.2.1"    # idNat_PS (RORPractitioner.identifier.system): "8" + RPPS
ROR_IF_ID = "identifiant-ror-if"          # our ids of EJ, EG and UO (a NamingSystem of /fhir)
ANOMALY_ID = "identifiant-anomalie"       # the numbers of anomaly reports (Task)

# Local code systems: our nomenclatures where the national lists have no code. The ids of the
# CodeSystem resources /fhir serves (query_api.fhir.terminology); LocalNames gives their URLs.
LOCAL_APTITUDE_ID = "aptitude-kine"
LOCAL_UO_TYPE_ID = "type-uo"
LOCAL_CATEGORY_ID = "categorie"
LOCAL_ORGANIZATION_KIND_ID = "type-organisation"
LOCAL_TERRITORIAL_DIVISION_TYPE_ID = "type-division-territoriale"
LOCAL_ANOMALY_STATUS_ID = "statut-anomalie"
ORGANIZATION_KINDS = {"EJ": "Entité juridique", "EG": "Entité géographique"}


@dataclass(frozen=True)
class LocalNames:
    """The URLs of our own code and identifier systems: addresses of this very service, under
    its FHIR base (ROR_PUBLIC_URL + /fhir; without it, the request's own host), where /fhir
    serves each as a CodeSystem or a NamingSystem resource, so that every URL resolves."""

    fhir_base: str

    def code_system(self, system_id: str) -> str:
        return f"{self.fhir_base}/CodeSystem/{system_id}"

    def identifier_system(self, system_id: str) -> str:
        return f"{self.fhir_base}/NamingSystem/{system_id}"

    @property
    def aptitude(self) -> str:
        return self.code_system(LOCAL_APTITUDE_ID)

    @property
    def uo_type(self) -> str:
        return self.code_system(LOCAL_UO_TYPE_ID)

    @property
    def category(self) -> str:
        return self.code_system(LOCAL_CATEGORY_ID)

    @property
    def organization_kind(self) -> str:
        return self.code_system(LOCAL_ORGANIZATION_KIND_ID)

    @property
    def territorial_division_type(self) -> str:
        return self.code_system(LOCAL_TERRITORIAL_DIVISION_TYPE_ID)

    @property
    def anomaly_status(self) -> str:
        return self.code_system(LOCAL_ANOMALY_STATUS_ID)

    @property
    def ror_if_ids(self) -> str:
        return self.identifier_system(ROR_IF_ID)

    @property
    def anomaly_ids(self) -> str:
        return self.identifier_system(ANOMALY_ID)


LOCAL_TELECOM_CHANNEL = _sd("ror-telecom-communication-channel")  # the example's channel system

# Champ d'activité (TRE_R227): « Ville » is the example's code for a town practice; other
# categories keep the local category only (no national code checked for them).
ACTIVITY_FIELD_BY_CATEGORY = {"LIBERAL": ("05", "Ville"), "CENTRE_SANTE": ("05", "Ville")}
# Mode de prise en charge (TRE_R213): the example's « Consultation (CS) » for consultations.
CARE_MODE_CONSULTATION = ("32", "Consultation (CS)")
# Modalité d'accueil (TRE_R338): « 05 Visite et soins à domicile » is the home-visit fact.
RECEPTION_HOME_VISIT = ("05", "Visite et soins à domicile")
# Type d'horaire (TRE_R252) of the typical week.
TIME_TYPE_OPENING = ("01", "Horaire d'ouverture")
# Type de division territoriale of a home-visit commune: local (the national code not checked).
TERRITORIAL_DIVISION_COMMUNE = ("COMMUNE", "Commune")
