"""Physiotherapy UOs: the home-visit flag and the « Intervention à domicile » aptitude become one fact.

A data migration. Rows written before the rule (``repository.home_visit_fact``) may
say it one way only. Either way meant "visits at home", so such a unit gets both:
the flag when only the aptitude was ticked, the aptitude when only the flag was set.
Each changed unit gets a new revision, audit rows and an outbox entry, as any edit
does, so the index follows at the next sync. Other UOs (HAD, SSIAD…) are left as
they are. The disagreeing rows are found in Python (one pass over the physiotherapy
units) rather than with a dialect's JSON functions: it runs once, on both stores.
"""
from __future__ import annotations

import orjson
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

ACTOR = "migration:0003"


def upgrade() -> None:
    from catalog.sql import StoreConnection

    migrate(StoreConnection(op.get_bind()))


def migrate(conn) -> None:
    from catalog.repository import (
        HOME_VISIT_APTITUDE,
        HOME_VISIT_APTITUDE_PROFESSIONS,
        _audit,
        _encode_unit_value,
        home_visit_fact,
    )
    from catalog.store import enqueue_units, iso, utcnow

    now = utcnow()
    stamp = iso(now)
    professions = sorted(HOME_VISIT_APTITUDE_PROFESSIONS)
    marks = ", ".join("?" for _ in professions)
    disagreeing = [
        row for row in conn.execute(
            f"SELECT id, profession, revision, aptitudes, home_visit FROM units WHERE profession IN ({marks})",
            professions,
        ).fetchall()
        if bool(row["home_visit"]) != (HOME_VISIT_APTITUDE in orjson.loads(row["aptitudes"]))
    ]
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
