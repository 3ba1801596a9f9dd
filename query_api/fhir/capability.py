"""The CapabilityStatement of /fhir: what this server really supports, built from the same
tables the parameter parser reads (query_api.fhir.params), so that it cannot promise more."""
from __future__ import annotations

from query_api.fhir import profiles as p
from query_api.fhir.params import INCLUDES, REVINCLUDES, SEARCH_PARAMS

SOFTWARE = "ROR Île-de-France (recherche)"


def capability_statement(base_url: str, date: str) -> dict:
    resources = []
    for resource_type in ("HealthcareService", "Location", "Organization", "Practitioner", "PractitionerRole"):
        entry = {
            "type": resource_type,
            "profile": p.PROFILES[resource_type],
            "interaction": [{"code": "read"}],
        }
        params = SEARCH_PARAMS.get(resource_type)
        if params:
            entry["interaction"].append({"code": "search-type"})
            entry["searchParam"] = [{"name": name, "type": spec.type, "documentation": spec.doc}
                                    for name, spec in params.items()]
        if INCLUDES.get(resource_type):
            entry["searchInclude"] = list(INCLUDES[resource_type])
        if REVINCLUDES.get(resource_type):
            entry["searchRevInclude"] = list(REVINCLUDES[resource_type])
        resources.append(entry)
    resources.append({
        "type": "Task",
        "profile": p.PROFILES["Task"],
        "documentation": "Signalement d'anomalie sur une fiche (EJ, EG, UO), déposé dans la file de la cellule de "
                         "gestion : compte connecté (session et jeton CSRF) ou clé d'API avec le droit « report ». "
                         "La recherche liste les signalements de l'appelant (tous pour la cellule).",
        "interaction": [{"code": "create"}, {"code": "read"}, {"code": "search-type"}],
        "searchParam": [{"name": "focus", "type": "reference", "documentation": "Fiche en anomalie"},
                        {"name": "status", "type": "token",
                         "documentation": "requested, in-progress, completed, rejected"}],
    })
    for resource_type, what in (("CodeSystem", "Systèmes de codes locaux (nomenclatures de ce répertoire)"),
                                ("NamingSystem", "Systèmes d'identifiants de ce répertoire")):
        resources.append({"type": resource_type, "documentation": f"{what} : lecture à l'adresse de leur URL.",
                          "interaction": [{"code": "read"}]})
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": date,
        "publisher": "ROR Île-de-France",
        "kind": "instance",
        "software": {"name": SOFTWARE},
        "implementation": {"description": "API FHIR R4 de l'offre de soins (lecture et recherche)", "url": base_url},
        "fhirVersion": p.FHIR_VERSION,
        "format": ["application/fhir+json", "application/json"],
        "implementationGuide": [p.IMPLEMENTATION_GUIDE],
        "rest": [{
            "mode": "server",
            "documentation": "Recherche paginée (_count ≤ 200, liens next/previous stables), paramètres inconnus "
                             "refusés (400). Clés d'API : Authorization: Bearer.",
            "security": {"cors": False, "description": "Lecture publique ou par clé d'API (Bearer), limitée en débit."},
            "resource": resources,
        }],
    }
