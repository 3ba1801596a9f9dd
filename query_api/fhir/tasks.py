"""Anomaly reports as the guide's RORTask. Pure functions, no I/O.

A posted Task becomes the same report as ``POST /api/v1/anomalies`` (validated by the same
AnomalyReportSchema, so the rules are written once); a report of the management cell's
queue (catalog.anomalies) is shown as a Task.
"""
from __future__ import annotations

from marshmallow import ValidationError

from catalog.anomalies import STATUS_LABELS
from catalog.nomenclature import nomenclature
from catalog.schemas import AnomalyReportSchema
from query_api.errors import first_error
from query_api.fhir import profiles as p
from query_api.fhir.outcome import FhirError
from query_api.fhir.resources import coding, instant, reference

TRE_R350_THEME = "https://mos.esante.gouv.fr/NOS/TRE_R350-ThematiqueAnomalie/FHIR/TRE-R350-ThematiqueAnomalie"
TRE_R349_ACTION = "https://mos.esante.gouv.fr/NOS/TRE_R349-ActionAnomalie/FHIR/TRE-R349-ActionAnomalie"
INPUT_TASK = f"{p.CANONICAL}/CodeSystem/input-task-ror-codesystem"

# Our statuses as FHIR Task statuses (and back, for the ``status`` search).
TASK_STATUS = {"new": "requested", "in_progress": "in-progress", "resolved": "completed", "rejected": "rejected"}
STATUS_OF_TASK = {task: ours for ours, task in TASK_STATUS.items()}
# What a focus reference names: the resource type → the sheet type (an Organization is an EJ or an EG).
FOCUS_TYPES = {"HealthcareService": ("UO",), "Location": ("EG",), "Organization": ("EG", "EJ")}
SHEET_RESOURCE = {"UO": "HealthcareService", "EG": "Organization", "EJ": "Organization"}


def _bad(message: str, english: str, expression: str | None = None) -> FhirError:
    return FhirError(400, message, english, expression)


def focus_of(body: dict) -> tuple[str, str]:
    """(resource type, id) of the Task's focus ``{"reference": "HealthcareService/UO-1"}``."""
    focus = body.get("focus")
    ref = focus.get("reference") if isinstance(focus, dict) else None
    resource_type, _, resource_id = (ref or "").partition("/")
    if resource_type not in FOCUS_TYPES or not resource_id or "/" in resource_id:
        raise _bad("Task.focus doit désigner la fiche en anomalie : HealthcareService/<UO>, Organization/<EJ ou EG> "
                   "ou Location/<EG>.",
                   "Task.focus must reference the faulty sheet: HealthcareService/<UO>, Organization/<EJ or EG> "
                   "or Location/<EG>.", "Task.focus")
    return resource_type, resource_id


def report_from_task(body, target_type: str, target_id: str) -> dict:
    """A posted Task → the report of AnomalyReportSchema (400 with the schema's French message)."""
    theme = None
    codings = (body.get("code") or {}).get("coding") if isinstance(body.get("code"), dict) else None
    if not isinstance(codings, list) or not codings:
        raise _bad("Task.code doit donner le thème de l'anomalie (TRE_R350 : 01 Complétude … 06 Exactitude).",
                   "Task.code must give the anomaly theme (TRE_R350).", "Task.code")
    for item in codings:
        if isinstance(item, dict) and item.get("system") in (None, TRE_R350_THEME):
            theme = item.get("code")
            break
    field = None
    for item in body.get("input") or []:
        kinds = [c.get("code") for c in ((item or {}).get("type") or {}).get("coding") or [] if isinstance(c, dict)]
        if "pathElementError" in kinds:
            field = ((item.get("valueExpression") or {}).get("expression"))
    data = {"target_type": target_type, "target_id": target_id, "message": body.get("description"),
            "theme": theme, "field": field}
    try:
        return AnomalyReportSchema().load(data)
    except ValidationError as err:
        name, message = first_error(err)
        element = {"message": "Task.description", "theme": "Task.code", "field": "Task.input"}.get(name or "", "Task")
        raise _bad(message, f"Invalid {element}.", element) from None


def task(anomaly: dict, names: p.LocalNames, reporter_label: str | None = None) -> dict:
    """A report of the queue as a RORTask."""
    themes = nomenclature().anomaly_themes
    target = anomaly["target"]
    resource = {
        "resourceType": "Task",
        "id": str(anomaly["id"]),
        "meta": {"profile": [p.PROFILES["Task"]], "lastUpdated": instant(anomaly["updated_at"])},
        "identifier": [{"system": names.anomaly_ids, "value": str(anomaly["id"])}],
        "status": TASK_STATUS[anomaly["status"]],
        "businessStatus": {"coding": [coding(names.anomaly_status, anomaly["status"], STATUS_LABELS[anomaly["status"]])]},
        "intent": "order",
        "code": {"coding": [coding(TRE_R350_THEME, anomaly["theme"]["code"], themes[anomaly["theme"]["code"]]["label"])]}
        if anomaly.get("theme") else {"text": "Thème non précisé"},
        "description": anomaly["message"],
        "focus": reference(SHEET_RESOURCE[target["type"]], target["id"], target.get("name")),
        "authoredOn": instant(anomaly["created_at"]),
        "lastModified": instant(anomaly["updated_at"]),
        "reasonCode": {"coding": [coding(TRE_R349_ACTION, "COR", "Correction")]},
        "input": [{"type": {"coding": [coding(INPUT_TASK, "systemRequester")]},
                   "valueString": reporter_label or "ROR Île-de-France"}],
    }
    if anomaly.get("field"):
        resource["input"].append({"type": {"coding": [coding(INPUT_TASK, "pathElementError")]},
                                  "valueExpression": {"language": "text/fhirpath", "expression": anomaly["field"]}})
    return resource


def matches(anomaly: dict, focus: tuple[str, str] | None, statuses: set[str] | None) -> bool:
    """The ``focus`` and ``status`` searches of GET /fhir/Task, on one report."""
    if statuses is not None and anomaly["status"] not in statuses:
        return False
    if focus is not None:
        resource_type, resource_id = focus
        target = anomaly["target"]
        if target["id"] != resource_id:
            return False
        if resource_type != "*" and target["type"] not in FOCUS_TYPES[resource_type]:
            return False
    return True


def parse_task_search(args) -> tuple[tuple[str, str] | None, set[str] | None, int, str | None]:
    """``focus`` (a reference or an id), ``status`` (FHIR Task codes, comma-separated), ``_count``,
    and the ``_page`` token of a next/previous link."""
    focus, statuses, count, page = None, None, 50, None
    for name, value in args.items(multi=True):
        if name == "focus":
            kind, _, ident = value.rpartition("/")
            focus = (kind or "*", ident)
            if not ident or (kind and kind not in FOCUS_TYPES):
                raise _bad("focus attend HealthcareService/<UO>, Organization/<id> ou Location/<EG>.",
                           "focus expects HealthcareService/<UO>, Organization/<id> or Location/<EG>.", "focus")
        elif name == "status":
            wanted = set(value.split(","))
            unknown = wanted - set(STATUS_OF_TASK)
            if unknown:
                raise _bad(f"Statut inconnu : « {', '.join(sorted(unknown))} » (requested, in-progress, completed, "
                           "rejected).", f"Unknown status '{', '.join(sorted(unknown))}'.", "status")
            statuses = {STATUS_OF_TASK[s] for s in wanted}
        elif name == "_count":
            if not value.isdigit() or not 1 <= int(value) <= 200:
                raise _bad("_count doit être un nombre entier de 1 à 200.", "_count must be 1 to 200.", "_count")
            count = int(value)
        elif name == "_page":
            page = value
        elif name not in ("_format", "_pretty"):
            raise _bad(f"Paramètre de recherche inconnu ou non pris en charge : « {name} » (focus, status, _count).",
                       f"Unknown or unsupported search parameter '{name}' (focus, status, _count).", name)
    return focus, statuses, count, page


def page_of(found: list[dict], count: int, direction: str | None, after: int | None) -> tuple[list[dict], bool, bool]:
    """One page of reports in id order (oldest first) and whether there is a page after it and
    one before. ``direction`` and ``after`` come from a ``_page`` token: ``a`` the reports after
    that id, ``b`` those before it. Positions by id, as the other searches: a report filed
    meanwhile does not shift the page."""
    ordered = sorted(found, key=lambda a: a["id"])
    if direction == "b":
        before = [a for a in ordered if a["id"] < after]
        return before[-count:], True, len(before) > count
    rest = [a for a in ordered if after is None or a["id"] > after]
    return rest[:count], len(rest) > count, after is not None
