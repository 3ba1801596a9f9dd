"""Estimated travel time from the search origin to an offer.

A documented estimator, not a routing service: straight-line distance × a road
detour factor, at an average door-to-door speed that depends on the zone of the
practice (Paris is slow, the outer ring is fast). One function, so a routing
service can replace it later without touching callers.
"""
from __future__ import annotations

import math

ROAD_FACTOR = 1.3            # roads are ~30 % longer than the straight line in IdF
SPEED_KMH = {"paris": 15.0, "inner": 22.0, "outer": 35.0}
MIN_MINUTES = 1


def zone_of_department(department: str) -> str:
    if department == "75":
        return "paris"
    return "inner" if department in ("92", "93", "94") else "outer"


def travel_minutes(distance_km: float, zone: str) -> int:
    """Whole minutes, never below one; monotonic in distance within a zone."""
    minutes = distance_km * ROAD_FACTOR / SPEED_KMH.get(zone, SPEED_KMH["outer"]) * 60
    return max(MIN_MINUTES, math.ceil(minutes))
