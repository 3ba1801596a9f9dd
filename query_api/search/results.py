"""OpenSearch responses → the API's JSON. Pure functions, no I/O."""
from __future__ import annotations

from markupsafe import escape

from catalog.communes import DEPARTMENTS, communes
from catalog.labels import PATIENT_LABELS
from catalog.nomenclature import nomenclature
from catalog.phone import phone_or_none
from query_api.search.highlight import highlighted
from query_api.search.queries import Clock, SearchRequest, sort_distance_km
from query_api.search.travel import travel_minutes, zone_of_department


def is_open(doc: dict, clock: Clock) -> bool:
    """The same rule as the open-now filter, applied to one document."""
    if clock.holiday and not doc.get("open_on_holidays"):
        return False
    return any(slot["gte"] <= clock.minute_of_week < slot["lt"] for slot in doc.get("week") or [])


def distance_km(hit: dict, request: SearchRequest) -> float | None:
    """The hit's distance from the origin, read from its geo sort value (no scripts)."""
    if not request.origin:
        return None
    value = hit["sort"][0] if request.effective_sort == "distance" else hit["sort"][1]
    return round(sort_distance_km(value), 2)


def unit_summary(hit: dict, request: SearchRequest, clock: Clock) -> dict:
    doc = hit["_source"]
    nom = nomenclature()
    distance = distance_km(hit, request)
    match = None
    if request.origin:
        within = distance is not None and distance <= request.effective_radius_km
        match = "nearby" if within or request.origin.establishment_id else "home_visit"
    aptitudes = [{"code": code, "label": nom.aptitudes[code].label} for code in doc["aptitudes"]
                 if code in nom.aptitudes]
    bold = highlighted([doc["name"], *(a["label"] for a in aptitudes)], hit.get("highlight") or {})
    for aptitude in aptitudes:
        if aptitude["label"] in bold:
            aptitude["label_html"] = bold[aptitude["label"]]
    # Whether it matched as nearby or not: a unit that visits the searched commune says so.
    searched_commune = request.origin.insee if request.origin else None
    visits_searched_commune = bool(searched_commune) and searched_commune in (doc.get("home_visit_communes") or ())
    return {
        "id": doc["id"],
        "name": doc["name"],
        **({"name_html": bold[doc["name"]]} if doc["name"] in bold else {}),
        "type": {"code": doc["uo_type"], "label": doc["uo_type_label"]},
        "practitioner": doc.get("owner_name"),
        "aptitudes": aptitudes,
        "patients": doc["patients"],
        "home_visit": doc["home_visit"],
        "match": match,
        "visits_searched_commune": visits_searched_commune,
        "open_now": is_open(doc, clock),
        "distance_km": distance,
        "travel_minutes": travel_minutes(distance, zone_of_department(doc["establishment"]["department"]))
        if distance is not None else None,
        "phone": phone_or_none(doc.get("phone")),
    }


def _establishment(hit: dict, request: SearchRequest) -> dict:
    doc = hit["_source"]
    eg = doc["establishment"]
    return {
        "id": eg["id"],
        "name": eg["name"],
        "address": eg["address"],
        "postal_code": eg["postal_code"],
        "commune": eg["commune"],
        "insee": eg["insee"],
        "department": eg["department"],
        "lat": doc["location"]["lat"],
        "lon": doc["location"]["lon"],
        "distance_km": distance_km(hit, request),
    }


def _facet(name: str, buckets: list[dict], selected: list, labels) -> list[dict]:
    values = []
    seen = set()
    for bucket in buckets:
        raw = bucket.get("key_as_string", bucket["key"])
        seen.add(str(raw))
        values.append({"value": raw, "label": labels(raw), "count": bucket["doc_count"],
                       "selected": str(raw) in {str(s) for s in selected}})
    # A selected value with no result left must still be shown, so it can be unticked.
    for value in selected:
        if str(value) not in seen:
            values.append({"value": value, "label": labels(value), "count": 0, "selected": True})
    return values


def facets(aggs: dict, request: SearchRequest) -> dict:
    nom = nomenclature()
    towns = communes()

    def aptitude_label(code):
        return nom.aptitudes[code].label if code in nom.aptitudes else code

    def buckets(name):
        return aggs[f"facet_{name}"]["values"]["buckets"]

    aptitude_values = _facet("aptitude", buckets("aptitude"), request.aptitudes, aptitude_label)
    for value in aptitude_values:
        aptitude = nom.aptitudes.get(value["value"])
        value["group"] = aptitude.group_label if aptitude else None
    order = {code: i for i, code in enumerate(nom.aptitudes)}
    aptitude_values.sort(key=lambda v: order.get(v["value"], len(order)))

    home_visit_buckets = [{"key": b["key_as_string"] == "true", "doc_count": b["doc_count"]}
                          for b in buckets("home_visit")]
    open_total = aggs["facet_open_now"]["doc_count"]
    open_count = aggs["facet_open_now"]["open"]["doc_count"]
    return {
        "aptitude": aptitude_values,
        "age": _facet("age", buckets("age"), request.ages, lambda v: PATIENT_LABELS.get(v, v)),
        "home_visit": _facet("home_visit", home_visit_buckets,
                             [] if request.home_visit is None else [request.home_visit],
                             lambda v: "Intervient à domicile" if v else "Sans intervention à domicile"),
        "open_now": [{"value": True, "label": "Ouvert maintenant", "count": open_count, "selected": request.open_now},
                     {"value": False, "label": "Fermé maintenant", "count": open_total - open_count,
                      "selected": False}],
        "department": _facet("department", buckets("department"), request.departments,
                             lambda v: f"{DEPARTMENTS.get(v, v)} ({v})"),
        "commune": _facet("commune", buckets("commune"), request.communes,
                          lambda v: towns[v].label if v in towns else v),
        "category": _facet("category", buckets("category"), [request.category] if request.category else [],
                           lambda v: nom.categories.get(v, {}).get("label", v)),
        "profession": _facet("profession", buckets("profession"), request.professions,
                             lambda v: nom.professions.get(v, {}).get("label", v)),
    }


def search_response(raw: dict, request: SearchRequest, clock: Clock) -> dict:
    """The contract of GET /api/v1/search."""
    results = []
    for hit in raw["hits"]["hits"]:
        inner = hit["inner_hits"]["units"]["hits"]
        results.append({
            "establishment": _establishment(hit, request),
            "units_total": inner["total"]["value"],
            "units": [unit_summary(unit, request, clock) for unit in inner["hits"]],
        })
    origin = request.origin
    return {
        "total_establishments": raw["aggregations"]["selected"]["establishments"]["value"],
        "total_units": raw["hits"]["total"]["value"],
        "page": request.page,
        "per_page": request.per_page,
        "sort": request.effective_sort,
        "understood": request.understood,
        "radius_km": request.effective_radius_km if origin and not origin.establishment_id else None,
        "origin": {"label": origin.label, "lat": origin.lat, "lon": origin.lon} if origin else None,
        "facets": facets(raw["aggregations"], request),
        "results": results,
    }


def suggestion(hit: dict) -> dict:
    doc = hit["_source"]
    label = doc["label"]
    item = {"type": doc["type"], "id": doc["code"], "label": label,
            "label_html": highlighted([label], hit.get("highlight", {})).get(label) or str(escape(label))}
    if doc["type"] == "aptitude":
        item["group"] = doc.get("group")
    if doc["type"] == "commune":
        item.update(department=doc.get("department"), lat=doc.get("lat"), lon=doc.get("lon"))
    if doc["type"] == "establishment":
        item["detail"] = doc.get("detail")
    return item


def place_suggestion(place, label_html: str | None = None) -> dict:
    """A place read by query_api.search.places, shaped as a « Où ? » suggestion (``id`` is its ``where``);
    ``label_html``: the engine's highlight of the same label, when it suggested it too."""
    item = {"type": place.type, "id": place.where, "label": place.label,
            "label_html": label_html or str(escape(place.label))}
    if place.type != "department":
        item.update(department=place.department, lat=place.lat, lon=place.lon)
    return item
