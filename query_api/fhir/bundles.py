"""Searchset Bundles and their paging links. Pure functions, no I/O.

Paging is by position in the sort, never by offset: a ``_page`` token carries the sort
values of the last hit of the page (``a``: the page after it) or of the first one
(``b``: the page before it), so a client can walk a result set of any size — past the
10,000 hits an offset reaches — and a page does not shift when a sheet is added
before it.
"""
from __future__ import annotations

import base64
import binascii
import json
from urllib.parse import urlencode

from query_api.fhir import profiles as p
from query_api.fhir.outcome import FhirError
from query_api.fhir.resources import distance_quantity

MAX_TOKEN_LENGTH = 2000
SUBSETTED = {"system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue", "code": "SUBSETTED"}
ALWAYS_KEPT = ("resourceType", "id", "meta")


#: The tokens' form. 2: the distance's sort values are metres (queries.DISTANCE_SORT_UNIT); a token
#: of an earlier form is refused (a page to start again) rather than read as the wrong page.
PAGE_TOKEN_VERSION = 2


def page_token(direction: str, values: list) -> str:
    raw = json.dumps({"v": PAGE_TOKEN_VERSION, direction: values}, separators=(",", ":"), ensure_ascii=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def read_page_token(token: str) -> tuple[str, list]:
    """(``a`` | ``b``, sort values) of a token this server made; 400 for anything else."""
    invalid = FhirError(400, "Le paramètre _page n'est pas valide : reprenez la recherche depuis sa première page.",
                        "Invalid _page token: start the search again from its first page.", "_page")
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise invalid
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise invalid from None
    if not isinstance(data, dict) or len(data) != 2 or data.pop("v", None) != PAGE_TOKEN_VERSION:
        raise invalid
    (direction, values), = data.items()
    if direction not in ("a", "b") or not isinstance(values, list) or not 1 <= len(values) <= 5 or not all(
            isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in values):
        raise invalid
    return direction, values


def link_url(base_url: str, args: list[tuple[str, str]], page: str | None = None) -> str:
    kept = [(k, v) for k, v in args if k != "_page"]
    if page is not None:
        kept.append(("_page", page))
    return f"{base_url}?{urlencode(kept)}" if kept else base_url


def subset(resource: dict, elements: list[str]) -> dict:
    """``_elements``: the asked top-level elements (and what identifies the resource), marked SUBSETTED."""
    kept = {k: v for k, v in resource.items() if k in ALWAYS_KEPT or k in elements}
    kept["meta"] = {**kept.get("meta", {}), "tag": [SUBSETTED]}
    return kept


def match_entry(base: str, resource: dict) -> dict:
    return {"fullUrl": f"{base}/{resource['resourceType']}/{resource['id']}", "resource": resource,
            "search": {"mode": "match"}}


def include_entry(base: str, resource: dict, distance_km: float | None = None) -> dict:
    search = {"mode": "include"}
    if distance_km is not None:
        # FHIR's own extension for the distance of a Location from the searched point.
        quantity = distance_quantity(distance_km)
        search["extension"] = [{"url": p.EXT_LOCATION_DISTANCE, "valueDistance": quantity}]
    return {"fullUrl": f"{base}/{resource['resourceType']}/{resource['id']}", "resource": resource, "search": search}


def searchset(entries: list[dict], links: dict[str, str], total: int | None) -> dict:
    bundle = {"resourceType": "Bundle", "type": "searchset"}
    if total is not None:
        bundle["total"] = total
    bundle["link"] = [{"relation": relation, "url": url} for relation, url in links.items()]
    bundle["entry"] = entries
    if not entries:
        del bundle["entry"]
    return bundle
