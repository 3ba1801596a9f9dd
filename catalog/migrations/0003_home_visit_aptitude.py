"""Physiotherapy UOs: the home-visit flag and the « Intervention à domicile » aptitude become one fact.

Rows written before the rule (``repository.home_visit_fact``) may say it one way
only. Either way meant "visits at home", so such a unit gets both: the flag when
only the aptitude was ticked, the aptitude when only the flag was set. Each changed
unit gets a new revision, audit rows and an outbox entry, as any edit does, so the
index follows at the next sync. Other UOs (HAD, SSIAD…) are left as they are.
"""
from __future__ import annotations

import orjson

from catalog.repository import (
    HOME_VISIT_APTITUDE,
    HOME_VISIT_APTITUDE_PROFESSIONS,
    _audit,
    _encode_unit_value,
    home_visit_fact,
)
from catalog.store import enqueue_units, iso, utcnow

ACTOR = "migration:0003"


def migrate(conn) -> None:
    now = utcnow()
    stamp = iso(now)
    professions = sorted(HOME_VISIT_APTITUDE_PROFESSIONS)
    marks = ", ".join("?" for _ in professions)
    disagreeing = conn.execute(
        f"""SELECT id, profession, revision, aptitudes, home_visit FROM units
            WHERE profession IN ({marks})
              AND home_visit != EXISTS (SELECT 1 FROM json_each(units.aptitudes) WHERE value = ?)""",
        (*professions, HOME_VISIT_APTITUDE),
    ).fetchall()
    queued = []
    for row in disagreeing:
        before = orjson.loads(row["aptitudes"])
        aptitudes, home_visit = home_visit_fact(row["profession"], before, True)
        conn.execute(
            "UPDATE units SET aptitudes = ?, home_visit = ?, revision = revision + 1, updated_at = ? WHERE id = ?",
            (_encode_unit_value("aptitudes", aptitudes), _encode_unit_value("home_visit", home_visit), stamp, row["id"]),
        )
        changes = {"aptitudes": (before, aptitudes), "home_visit": (bool(row["home_visit"]), home_visit)}
        _audit(conn, ACTOR, "UO", row["id"], {f: (old, new) for f, (old, new) in changes.items() if old != new}, stamp)
        queued.append((row["id"], row["revision"] + 1))
    enqueue_units(conn, queued, now)
