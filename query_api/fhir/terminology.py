"""Our own code systems and identifier systems as FHIR resources: what a local system URL of
/fhir resolves to. Pure functions, no I/O beyond the nomenclature files the codes come from.

Each ``CodeSystem`` is built from the very table the resources take their codes from
(catalog/nomenclatures/*.json through ``catalog.nomenclature``, or the constants of
query_api.fhir.profiles and catalog.anomalies), so a code that appears in a resource is
always in the system its URL names.
"""
from __future__ import annotations

from collections.abc import Callable

from catalog.anomalies import STATUS_LABELS
from catalog.nomenclature import nomenclature
from query_api.fhir import profiles as p

PUBLISHER = "ROR Île-de-France"


def _aptitudes() -> list[dict]:
    # Grouped as the user guide's annex: the groups are concepts that no resource carries.
    nom = nomenclature()
    concepts = []
    for group, label in nom.aptitude_groups.items():
        children = [{"code": a.code, "display": a.label} for a in nom.aptitudes.values() if a.group == group]
        concepts.append({"code": group, "display": label, "concept": children,
                         "property": [{"code": "notSelectable", "valueBoolean": True}]})
    return concepts


def _uo_types() -> list[dict]:
    return [{"code": code, "display": t["label"]} for code, t in nomenclature().uo_types.items()]


def _categories() -> list[dict]:
    return [{"code": code, "display": c["label"], "definition": c["description"]}
            for code, c in nomenclature().categories.items()]


def _pairs(pairs: dict[str, str]) -> Callable[[], list[dict]]:
    return lambda: [{"code": code, "display": label} for code, label in pairs.items()]


# id → (computable name, title, description, concepts)
CODE_SYSTEMS: dict[str, tuple[str, str, str, Callable[[], list[dict]]]] = {
    p.LOCAL_APTITUDE_ID: ("AptitudeKine", "Aptitudes kinésithérapie (ROR Île-de-France)",
                          "Aptitudes des kinésithérapeutes, par groupe, selon l'annexe du guide utilisateur ; le "
                          "code national (TRE_R210, TRE_R211) les accompagne quand il existe.", _aptitudes),
    p.LOCAL_UO_TYPE_ID: ("TypeUO", "Types d'unité opérationnelle (ROR Île-de-France)",
                         "Types d'UO recherchés pour la kinésithérapie.", _uo_types),
    p.LOCAL_CATEGORY_ID: ("CategorieEtablissement", "Catégories d'établissement (ROR Île-de-France)",
                          "Catégories de la recherche « dans une catégorie ».", _categories),
    p.LOCAL_ORGANIZATION_KIND_ID: ("TypeOrganisation", "Types d'organisation (ROR Île-de-France)",
                                   "Entité juridique (EJ) ou entité géographique (EG).",
                                   _pairs(p.ORGANIZATION_KINDS)),
    p.LOCAL_TERRITORIAL_DIVISION_TYPE_ID: ("TypeDivisionTerritoriale", "Types de division territoriale",
                                           "Découpage d'une zone d'intervention à domicile.",
                                           _pairs(dict([p.TERRITORIAL_DIVISION_COMMUNE]))),
    p.LOCAL_ANOMALY_STATUS_ID: ("StatutAnomalie", "Statuts d'une anomalie signalée (ROR Île-de-France)",
                                "Où en est un signalement dans la file de la cellule de gestion.",
                                _pairs(STATUS_LABELS)),
}

# id → (computable name, title, description)
NAMING_SYSTEMS = {
    p.ROR_IF_ID: ("IdentifiantRORIF", "Identifiants des fiches du ROR Île-de-France",
                  "Identifiant d'une entité juridique (EJ-…), d'une entité géographique (EG-…) ou d'une unité "
                  "opérationnelle (UO-…) de ce répertoire."),
    p.ANOMALY_ID: ("IdentifiantAnomalie", "Numéros des anomalies signalées (ROR Île-de-France)",
                   "Numéro d'un signalement d'anomalie dans la file de la cellule de gestion."),
}


def _count(concepts: list[dict]) -> int:
    return sum(1 + _count(c.get("concept", [])) for c in concepts)


def code_system(names: p.LocalNames, system_id: str) -> dict | None:
    """The CodeSystem ``system_id`` (None when there is none of that id)."""
    if system_id not in CODE_SYSTEMS:
        return None
    name, title, description, concepts_of = CODE_SYSTEMS[system_id]
    concepts = concepts_of()
    resource = {
        "resourceType": "CodeSystem",
        "id": system_id,
        "url": names.code_system(system_id),
        "name": name,
        "title": title,
        "status": "active",
        "experimental": False,
        "publisher": PUBLISHER,
        "description": description,
        "caseSensitive": True,
        "content": "complete",
        "count": _count(concepts),
        "concept": concepts,
    }
    if any("property" in c for c in concepts):
        resource["property"] = [{"code": "notSelectable", "uri": "http://hl7.org/fhir/concept-properties#notSelectable",
                                 "description": "Regroupement, jamais porté par une ressource", "type": "boolean"}]
    return resource


def naming_system(names: p.LocalNames, system_id: str, date: str) -> dict | None:
    """The NamingSystem ``system_id`` (None when there is none of that id)."""
    if system_id not in NAMING_SYSTEMS:
        return None
    name, title, description = NAMING_SYSTEMS[system_id]
    return {
        "resourceType": "NamingSystem",
        "id": system_id,
        "name": name,
        "status": "active",
        "kind": "identifier",
        "date": date,
        "publisher": PUBLISHER,
        "description": f"{title} : {description}",
        "uniqueId": [{"type": "uri", "value": names.identifier_system(system_id), "preferred": True}],
    }
