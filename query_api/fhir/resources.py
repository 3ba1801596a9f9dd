"""Catalog and index data → FHIR R4 resources of the national ROR profiles. Pure functions, no I/O.

A HealthcareService is built from the unit's index document (the same view the JSON
API shows, whether it comes from a search hit or, for a read, from the store through
``indexer.documents.unit_document``); Location and Organization from the store's EG and
EJ rows; Practitioner and PractitionerRole from the RPPS rows.
"""
from __future__ import annotations

from datetime import UTC, datetime

from catalog.communes import communes
from catalog.nomenclature import nomenclature
from catalog.schedule import MINUTES_PER_DAY
from query_api.fhir import profiles as p

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_AGE = 120   # an open upper age (as the guide's example: 0-120)


def instant(stamp: str | None) -> str | None:
    """A store or index time stamp as a FHIR instant (UTC when the stamp has no offset)."""
    if not stamp:
        return None
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.isoformat(timespec="seconds")


def reference(resource_type: str, resource_id: str, display: str | None = None) -> dict:
    ref = {"reference": f"{resource_type}/{resource_id}"}
    if display:
        ref["display"] = display
    return ref


def coding(system: str, code: str, display: str | None = None) -> dict:
    found = {"system": system, "code": code}
    if display:
        found["display"] = display
    return found


def _meta(resource_type: str, last_updated: str | None) -> dict:
    meta = {"profile": [p.PROFILES[resource_type]]}
    if last_updated:
        meta["lastUpdated"] = instant(last_updated)
    return meta


def creation_date(stamp: str) -> dict:
    """The guide's ror-meta-creation-date (1..1 on each of its profiles), on the resource itself
    as in the guide's examples, not under meta."""
    return {"url": p.EXT_META_CREATION_DATE, "valueDateTime": instant(stamp)}


def _identifier(value: str, names: p.LocalNames) -> list[dict]:
    return [{"system": names.ror_if_ids, "value": value}]


def distance_quantity(km: float) -> dict:
    return {"value": round(km, 3), "unit": "km", "system": "http://unitsofmeasure.org", "code": "km"}


# --- HealthcareService ---------------------------------------------------------------------

def _aptitude_concept(code: str, names: p.LocalNames) -> tuple[str, dict]:
    """Where an aptitude goes ("specialty" or "characteristic") and its concept: the national
    code (JDV_J17 activité opérationnelle → specialty; JDV_J16 acte spécifique → characteristic
    specificAct) beside the local code, or the local code alone."""
    nom = nomenclature()
    aptitude = nom.aptitudes.get(code)
    label = aptitude.label if aptitude else code
    local = coding(names.aptitude, code, label)
    national = aptitude.national if aptitude else None
    if national and national["system"] == "JDV_J17":
        return "specialty", {"coding": [coding(p.TRE_R211_OPERATIONAL_ACTIVITY, national["code"]), local], "text": label}
    if national and national["system"] == "JDV_J16":
        return "characteristic", {
            "extension": [{"url": p.EXT_ACT_TYPE, "valueCode": "specificAct"}],
            "coding": [coding(p.TRE_R210_SPECIFIC_ACT, national["code"]), local], "text": label}
    return "characteristic", {"coding": [local], "text": label}


def _available_times(intervals: list[dict]) -> list[dict]:
    """The typical week's minute-of-week intervals as one availableTime per day and slot, with
    the guide's day-number and type-of-time extensions (an interval over midnight is split)."""
    times = []
    for interval in intervals:
        start, end = interval["gte"], interval["lt"]
        while start < end:
            day = start // MINUTES_PER_DAY
            day_end = min(end, (day + 1) * MINUTES_PER_DAY)
            slot = {"extension": [
                {"url": p.EXT_AVAILABLE_TIME_TYPE,
                 "valueCodeableConcept": {"coding": [coding(p.TRE_R252_TIME_TYPE, *p.TIME_TYPE_OPENING)]}},
                {"url": p.EXT_AVAILABLE_TIME_DAY, "valueInteger": day + 1},
            ], "daysOfWeek": [DAY_NAMES[day]]}
            first, last = start - day * MINUTES_PER_DAY, day_end - day * MINUTES_PER_DAY
            if first == 0 and last == MINUTES_PER_DAY:
                slot["allDay"] = True
            else:
                slot["availableStartTime"] = _clock(first)
                # FHIR time stops at 23:59:59: a slot up to midnight ends there.
                slot["availableEndTime"] = _clock(last) if last < MINUTES_PER_DAY else "23:59:59"
            times.append(slot)
            start = day_end
    return times


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}:00"


def _phone_contact(phone: str) -> dict:
    """The public appointment phone as the guide's contact extension (purpose: appointments)."""
    free_access = {"coding": [coding(p.TRE_R283_CONFIDENTIALITY, "1", "Accès libre")]}
    return {"url": p.EXT_CONTACT, "extension": [
        {"url": "purposeContact",
         "valueCodeableConcept": {"coding": [coding(p.TRE_R287_CONTACT_PURPOSE, "02", "Prise de rendez-vous")]}},
        {"url": p.EXT_CONFIDENTIALITY_LEVEL, "valueCodeableConcept": free_access},
        {"url": p.EXT_CONTACT_TELECOM, "extension": [
            {"url": p.EXT_TELECOM_CHANNEL,
             "valueCodeableConcept": {"coding": [coding(p.LOCAL_TELECOM_CHANNEL, "2", "Téléphone fixe")]}},
            {"url": "telecomAddress", "valueString": phone},
            {"url": p.EXT_TELECOM_CONFIDENTIALITY, "valueCodeableConcept": free_access},
        ]},
    ]}


def _intervention_zone(insee: str, names: p.LocalNames) -> dict:
    commune = communes().get(insee)
    return {"url": p.EXT_TERRITORIAL_DIVISION, "extension": [
        {"url": "typeTerritorialDivision",
         "valueCodeableConcept": {"coding": [coding(names.territorial_division_type, *p.TERRITORIAL_DIVISION_COMMUNE)]}},
        {"url": "codeTerritorialDivision",
         "valueCodeableConcept": {"coding": [coding(p.TRE_R13_COMMUNE, insee, commune.name if commune else None)]}},
    ]}


def healthcare_service(doc: dict, names: p.LocalNames, distance_km: float | None = None) -> dict:
    """One UO (its index document) as a RORHealthcareService."""
    nom = nomenclature()
    eg = doc["establishment"]
    uo_type = nom.uo_types.get(doc["uo_type"], {})
    category = nom.categories.get(doc["category"], {})
    type_coding = []
    if doc["category"] in p.ACTIVITY_FIELD_BY_CATEGORY:
        type_coding.append(coding(p.TRE_R227_ACTIVITY_FIELD, *p.ACTIVITY_FIELD_BY_CATEGORY[doc["category"]]))
    type_coding.append(coding(names.category, doc["category"], category.get("label")))

    activity = [coding(names.uo_type, doc["uo_type"], doc.get("uo_type_label") or uo_type.get("label"))]
    national = uo_type.get("national")
    if national and national["system"] in p.NATIONAL_SYSTEMS:
        activity.insert(0, coding(p.NATIONAL_SYSTEMS[national["system"]], national["code"]))
    specialty = [{"coding": activity, "text": doc.get("uo_type_label") or uo_type.get("label")}]
    characteristic = []
    if doc["uo_type"].startswith("CONSULT"):
        characteristic.append({"coding": [coding(p.TRE_R213_CARE_MODE, *p.CARE_MODE_CONSULTATION)]})
    if doc.get("home_visit"):
        characteristic.append({"coding": [coding(p.TRE_R338_RECEPTION_MODALITY, *p.RECEPTION_HOME_VISIT)]})
    for code in doc["aptitudes"]:
        place, concept = _aptitude_concept(code, names)
        (specialty if place == "specialty" else characteristic).append(concept)

    extension = [creation_date(doc["created_at"]), {"url": p.EXT_SENSITIVE_UNIT, "valueBoolean": False}]
    if doc.get("age_min") is not None or doc.get("age_max") is not None:
        low = doc.get("age_min") or 0
        high = doc["age_max"] if doc.get("age_max") is not None else MAX_AGE
        extension.append({"url": p.EXT_PATIENT_TYPE, "extension": [{"url": "ageRange", "valueRange": {
            "low": {"value": low, "unit": "a", "system": "http://unitsofmeasure.org", "code": "a"},
            "high": {"value": high, "unit": "a", "system": "http://unitsofmeasure.org", "code": "a"}}}]})
    if doc.get("phone"):
        extension.append(_phone_contact(doc["phone"]))
    extension += [_intervention_zone(insee, names) for insee in doc.get("home_visit_communes") or ()]
    if distance_km is not None:
        extension.append({"url": p.EXT_CALCULATED_DISTANCE, "valueQuantity": distance_quantity(distance_km)})

    resource = {
        "resourceType": "HealthcareService",
        "id": doc["id"],
        "meta": _meta("HealthcareService", doc.get("updated_at")),
        "extension": extension,
        "identifier": _identifier(doc["id"], names),
        "active": True,
        "providedBy": reference("Organization", eg["id"], eg["name"]),
        "type": [{"coding": type_coding}],
        "specialty": specialty,
        "location": [reference("Location", eg["id"], eg["name"])],
        "name": doc["name"],
    }
    if characteristic:
        resource["characteristic"] = characteristic
    if doc.get("comments"):
        resource["comment"] = doc["comments"]
    times = _available_times(doc.get("week") or [])
    if times:
        resource["availableTime"] = times
    return resource


# --- Location and Organization -----------------------------------------------------------------

def _address(eg: dict, distance_km: float | None = None) -> dict:
    commune = communes().get(eg["insee"])
    address = {"use": "work", "type": "physical", "country": "FR"}
    if eg.get("address"):
        address["line"] = [eg["address"]]
    postal_code = eg.get("postal_code") or (commune.postal_code if commune else "")
    if postal_code:
        address["postalCode"] = postal_code
    if commune:
        address["city"] = commune.name
    if distance_km is not None:
        address["extension"] = [{"url": p.EXT_CALCULATED_DISTANCE, "valueQuantity": distance_quantity(distance_km)}]
    return address


def location(eg: dict, created_at: str, names: p.LocalNames, distance_km: float | None = None) -> dict:
    """The place of an EG (a store row of ``establishments``) as a RORLocation; ``created_at``:
    the EG's best creation date (``repository.earliest_known``)."""
    commune = communes().get(eg["insee"])
    return {
        "resourceType": "Location",
        "id": eg["id"],
        "meta": _meta("Location", eg.get("updated_at")),
        "extension": [creation_date(created_at), {"url": p.EXT_COMMUNE_COG, "valueCodeableConcept": {
            "coding": [coding(p.TRE_R13_COMMUNE, eg["insee"], commune.name if commune else None)]}}],
        "identifier": _identifier(eg["id"], names),
        "status": "active",
        "name": eg["name"],
        "address": _address(eg, distance_km),
        "position": {"longitude": eg["lon"], "latitude": eg["lat"]},
        "managingOrganization": reference("Organization", eg["id"], eg["name"]),
    }


def organization_eg(eg: dict, created_at: str, names: p.LocalNames) -> dict:
    """An EG as a ROROrganization, part of its EJ."""
    category = nomenclature().categories.get(eg["category"], {})
    resource = {
        "resourceType": "Organization",
        "id": eg["id"],
        "meta": _meta("Organization", eg.get("updated_at")),
        "extension": [creation_date(created_at)],
        "identifier": _identifier(eg["id"], names),
        "active": True,
        "type": [{"coding": [coding(names.organization_kind, "EG", p.ORGANIZATION_KINDS["EG"])]},
                 {"coding": [coding(names.category, eg["category"], category.get("label"))]}],
        "name": eg["name"],
        "address": [_address(eg)],
        "partOf": reference("Organization", eg["ej_id"], eg.get("ej_name")),
    }
    if eg.get("phone"):
        resource["telecom"] = [{"system": "phone", "value": eg["phone"], "use": "work"}]
    return resource


def organization_ej(ej: dict, created_at: str, names: p.LocalNames) -> dict:
    """An EJ (a store row of ``legal_entities``) as a ROROrganization."""
    return {
        "resourceType": "Organization",
        "id": ej["id"],
        "meta": _meta("Organization", ej.get("updated_at")),
        "extension": [creation_date(created_at)],
        "identifier": _identifier(ej["id"], names),
        "active": True,
        "type": [{"coding": [coding(names.organization_kind, "EJ", p.ORGANIZATION_KINDS["EJ"])]}],
        "name": ej["name"],
    }


# --- Practitioner and PractitionerRole -------------------------------------------------------------

def practitioner_role_id(rpps: str, unit_id: str) -> str:
    """The RPPS number (11 digits) then the UO: ``practitioner_role_parts`` reads it back."""
    return f"{rpps}-{unit_id}"


def practitioner_role_parts(role_id: str) -> tuple[str, str] | None:
    rpps, dash, unit_id = role_id[:11], role_id[11:12], role_id[12:]
    if not (rpps.isascii() and rpps.isdigit() and dash == "-" and unit_id):
        return None
    return rpps, unit_id


def practitioner(person: dict, created_at: str) -> dict:
    """A practitioner of the RPPS (a store row of ``practitioners``) as a RORPractitioner."""
    name = {"use": "official", "family": person["last_name"]}
    if person.get("first_name"):
        name["given"] = [person["first_name"]]
    if person.get("civility"):
        name["prefix"] = [person["civility"]]
    return {
        "resourceType": "Practitioner",
        "id": person["rpps"],
        "meta": _meta("Practitioner", person.get("updated_at")),
        "extension": [creation_date(created_at)],
        # idNat_PS: "8" then the RPPS number, in the national PS identifier system (CI-SIS).
        "identifier": [{"system": p.IDNAT_PS_SYSTEM, "value": "8" + person["rpps"]}],
        "active": True,
        "name": [name],
    }


def practitioner_role(person: dict, unit: dict) -> dict:
    """The practitioner's role at a UO (they hold its sheet): profession, UO, its EG. The role
    came with the UO: its creation date is the UO's."""
    profession = nomenclature().professions.get(person["profession"], {})
    return {
        "resourceType": "PractitionerRole",
        "id": practitioner_role_id(person["rpps"], unit["id"]),
        "meta": _meta("PractitionerRole", unit.get("updated_at")),
        "extension": [creation_date(unit["created_at"])],
        "active": True,
        "practitioner": reference("Practitioner", person["rpps"],
                                  " ".join(x for x in (person.get("first_name"), person["last_name"]) if x)),
        "organization": reference("Organization", unit["eg_id"]),
        "code": [{"coding": [coding(p.TRE_G15_PROFESSION, person["profession"], profession.get("label"))]}],
        "location": [reference("Location", unit["eg_id"])],
        "healthcareService": [reference("HealthcareService", unit["id"], unit.get("name"))],
    }
