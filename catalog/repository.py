"""Offer records in the store: EJ, EG, practitioners, UO, resource persons.

Every function takes the caller's connection, so a caller composes several of them
in one transaction. Any change the index must see bumps the unit's revision and
queues it in the outbox in that same transaction.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import datetime

import orjson

from catalog.labels import person_name
from catalog.nomenclature import nomenclature
from catalog.store import enqueue_units, iso, utcnow

# Unit fields a practitioner edits; everything else comes from the RPPS or the catalog.
EDITABLE_UNIT_FIELDS = (
    "phone",
    "mobile",
    "aptitudes",
    "age_min",
    "age_max",
    "home_visit",
    "home_visit_communes",
    "week",
    "open_on_holidays",
    "comments",
)
_JSON_UNIT_FIELDS = {"aptitudes", "home_visit_communes", "week"}
_BOOL_UNIT_FIELDS = {"home_visit", "open_on_holidays"}
ESTABLISHMENT_FIELDS = ("ej_id", "name", "category", "sector", "address", "postal_code", "insee", "lat", "lon", "phone", "source")


#: The « Intervention à domicile » aptitude: for a physiotherapy UO, the same fact as ``home_visit``.
HOME_VISIT_APTITUDE = "KINE_INTERV_DOMICILE"
#: Professions whose UOs carry home visits both as the flag and as that aptitude.
HOME_VISIT_APTITUDE_PROFESSIONS = frozenset({"70"})   # masseur-kinésithérapeute


def home_visit_fact(profession: str | None, aptitudes: list[str], home_visit: bool | None) -> tuple[list[str], bool]:
    """(aptitudes, home_visit) of a unit once its two spellings of "visits at home" agree.

    For a physiotherapy UO the flag is the source: given, it sets or clears the
    aptitude; not given (None), the aptitude sets it. Other UOs (HAD, SSIAD…) keep
    their flag and aptitudes as given. An added aptitude takes its nomenclature place.
    """
    if profession not in HOME_VISIT_APTITUDE_PROFESSIONS:
        return aptitudes, bool(home_visit)
    if home_visit is None:
        home_visit = HOME_VISIT_APTITUDE in aptitudes
    if home_visit and HOME_VISIT_APTITUDE not in aptitudes:
        rank = {code: i for i, code in enumerate(nomenclature().aptitudes)}
        aptitudes = sorted([*aptitudes, HOME_VISIT_APTITUDE], key=lambda code: rank.get(code, len(rank)))
    elif not home_visit and HOME_VISIT_APTITUDE in aptitudes:
        aptitudes = [code for code in aptitudes if code != HOME_VISIT_APTITUDE]
    return aptitudes, bool(home_visit)


def _with_home_visit_fact(unit: dict) -> dict:
    """A new unit's record with :func:`home_visit_fact` applied (``home_visit`` absent or None: not given)."""
    aptitudes, home_visit = home_visit_fact(unit.get("profession"), list(unit.get("aptitudes") or ()), unit.get("home_visit"))
    return {**unit, "aptitudes": aptitudes, "home_visit": home_visit}


class StaleRevision(Exception):
    """The sheet changed since the client read it."""

    def __init__(self, current: dict):
        super().__init__("stale revision")
        self.current = current


class NotFound(LookupError):
    pass


class UnitEnded(NotFound):
    """The UO stopped (its practitioner left the site): kept in the store, gone from search and reads."""

    def __init__(self, unit_id: str, ended_at: str):
        super().__init__(unit_id)
        self.unit_id, self.ended_at = unit_id, ended_at


def _encode_unit_value(field: str, value):
    if field in _JSON_UNIT_FIELDS:
        if field == "week":
            value = {str(day): [list(slot) for slot in slots] for day, slots in sorted((value or {}).items(), key=lambda kv: int(kv[0]))}
        return json.dumps(value if value is not None else ([] if field != "week" else {}), ensure_ascii=False, separators=(",", ":"))
    if field in _BOOL_UNIT_FIELDS:
        return 1 if value else 0
    if field == "comments":
        return value or ""
    return value


def _decode_unit(row) -> dict:
    unit = dict(row)
    for field in _JSON_UNIT_FIELDS:
        unit[field] = orjson.loads(unit[field])
    unit["week"] = {int(day): [tuple(slot) for slot in slots] for day, slots in unit["week"].items()}
    for field in _BOOL_UNIT_FIELDS:
        unit[field] = bool(unit[field])
    return unit


def _audit(conn, actor: str, target_type: str, target_id: str, changes: dict[str, tuple], now: str) -> None:
    conn.executemany(
        "INSERT INTO audit_log (at, actor, target_type, target_id, field, old_value, new_value) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (now, actor, target_type, target_id, field, _audit_text(old), _audit_text(new))
            for field, (old, new) in changes.items()
        ],
    )


def _audit_text(value) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=list)


# --- legal entities and establishments ----------------------------------------------

def upsert_legal_entity(conn, ej_id: str, name: str, kind: str, now: datetime | None = None) -> None:
    stamp = iso(now or utcnow())
    conn.execute(
        """INSERT INTO legal_entities (id, name, kind, updated_at) VALUES (?, ?, ?, ?)
           ON CONFLICT(id) DO UPDATE SET name = excluded.name, kind = excluded.kind,
             revision = legal_entities.revision + CASE WHEN legal_entities.name != excluded.name THEN 1 ELSE 0 END,
             updated_at = excluded.updated_at
           WHERE legal_entities.name != excluded.name OR legal_entities.kind != excluded.kind""",
        (ej_id, name, kind, stamp),
    )


LEGAL_ENTITY_IDENTITY = ("finess", "siren", "address", "postal_code", "insee")


def set_legal_entity_identity(conn, ej_id: str, *, finess: str | None, siren: str | None,
                              address: str = "", postal_code: str = "", insee: str | None = None) -> None:
    """The EJ's FINESS, SIREN and address as the source gives them (shown on its sheet, not indexed)."""
    conn.execute(
        """UPDATE legal_entities SET finess = ?, siren = ?, address = ?, postal_code = ?, insee = ?
           WHERE id = ? AND (COALESCE(finess, '') != COALESCE(?, '') OR COALESCE(siren, '') != COALESCE(?, '')
                             OR address != ? OR postal_code != ? OR COALESCE(insee, '') != COALESCE(?, ''))""",
        (finess, siren, address, postal_code, insee, ej_id, finess, siren, address, postal_code, insee),
    )


def upsert_establishment(conn, eg: dict, actor: str, now: datetime | None = None) -> bool:
    """Create or update an EG; True when something changed (its units are then re-queued)."""
    stamp = iso(now or utcnow())
    current = conn.execute("SELECT * FROM establishments WHERE id = ?", (eg["id"],)).fetchone()
    values = {field: eg.get(field) for field in ESTABLISHMENT_FIELDS}
    if current is None:
        conn.execute(
            f"INSERT INTO establishments (id, {', '.join(ESTABLISHMENT_FIELDS)}, updated_at) "
            f"VALUES (?, {', '.join('?' for _ in ESTABLISHMENT_FIELDS)}, ?)",
            (eg["id"], *values.values(), stamp),
        )
        return True
    changes = {f: (current[f], v) for f, v in values.items() if current[f] != v}
    if not changes:
        return False
    assignments = ", ".join(f"{f} = ?" for f in changes)
    conn.execute(
        f"UPDATE establishments SET {assignments}, revision = revision + 1, updated_at = ? WHERE id = ?",
        (*(new for _, new in changes.values()), stamp, eg["id"]),
    )
    _audit(conn, actor, "EG", eg["id"], changes, stamp)
    touch_units(conn, [r["id"] for r in conn.execute("SELECT id FROM units WHERE eg_id = ?", (eg["id"],))], now)
    return True


def get_establishment(conn, eg_id: str) -> dict:
    row = conn.execute(
        "SELECT e.*, j.name AS ej_name FROM establishments e JOIN legal_entities j ON j.id = e.ej_id WHERE e.id = ?",
        (eg_id,),
    ).fetchone()
    if row is None:
        raise NotFound(eg_id)
    return dict(row)


def get_legal_entity(conn, ej_id: str) -> dict:
    row = conn.execute("SELECT * FROM legal_entities WHERE id = ?", (ej_id,)).fetchone()
    if row is None:
        raise NotFound(ej_id)
    return dict(row)


# Only a UO records when it entered the store (units.created_at); an EJ, EG or practitioner
# row keeps only its last change. The earliest moment each is known to have been in the
# store is the earlier of that change and its first UO's creation (its UOs cannot predate it).
_EARLIEST_KNOWN_SQL = {
    "EG": """SELECT e.id, e.updated_at, MIN(u.created_at) FROM establishments e
             LEFT JOIN units u ON u.eg_id = e.id WHERE e.id IN ({marks}) GROUP BY e.id, e.updated_at""",
    "EJ": """SELECT j.id, j.updated_at, MIN(u.created_at) FROM legal_entities j
             LEFT JOIN establishments e ON e.ej_id = j.id LEFT JOIN units u ON u.eg_id = e.id
             WHERE j.id IN ({marks}) GROUP BY j.id, j.updated_at""",
    "practitioner": """SELECT p.rpps, p.updated_at, MIN(u.created_at) FROM practitioners p
             LEFT JOIN units u ON u.owner_rpps = p.rpps WHERE p.rpps IN ({marks}) GROUP BY p.rpps, p.updated_at""",
}


def earliest_known(conn, kind: str, ids: list[str]) -> dict[str, str]:
    """By id, the earliest time stamp at which each EJ, EG or practitioner ("EJ", "EG",
    "practitioner") is known to have been in the store: the best creation date it has."""
    found: dict[str, str] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        sql = _EARLIEST_KNOWN_SQL[kind].format(marks=", ".join("?" for _ in chunk))
        for key, updated_at, first_unit in conn.execute(sql, chunk).fetchall():
            # ISO 8601 UTC stamps sort as text (catalog.store.iso).
            found[key] = min(stamp for stamp in (updated_at, first_unit) if stamp)
    return found


# --- practitioners ------------------------------------------------------------------

def upsert_practitioner(conn, practitioner: dict, now: datetime | None = None) -> None:
    stamp = iso(now or utcnow())
    conn.execute(
        """INSERT INTO practitioners (rpps, civility, last_name, first_name, profession, updated_at)
           VALUES (:rpps, :civility, :last_name, :first_name, :profession, :updated_at)
           ON CONFLICT(rpps) DO UPDATE SET civility = excluded.civility, last_name = excluded.last_name,
             first_name = excluded.first_name, profession = excluded.profession, updated_at = excluded.updated_at
           WHERE practitioners.civility != excluded.civility OR practitioners.last_name != excluded.last_name
             OR practitioners.first_name != excluded.first_name OR practitioners.profession != excluded.profession""",
        {**practitioner, "updated_at": stamp},
    )


def get_practitioner(conn, rpps: str) -> dict:
    row = conn.execute("SELECT * FROM practitioners WHERE rpps = ?", (rpps,)).fetchone()
    if row is None:
        raise NotFound(rpps)
    return dict(row)


# --- units --------------------------------------------------------------------------

def insert_unit(conn, unit: dict, now: datetime | None = None) -> None:
    """A new UO (revision 1), queued for the index."""
    insert_units(conn, [unit], now)


def insert_units(conn, units: Iterable[dict], now: datetime | None = None) -> int:
    """Many new UOs at once (imports, demo data): one executemany, one outbox batch."""
    stamp = iso(now or utcnow())
    fields = ["id", "eg_id", "uo_type", "name", "profession", "owner_rpps", *EDITABLE_UNIT_FIELDS]
    rows = [(*(_encode_unit_value(f, u.get(f)) for f in fields), stamp, stamp)
            for u in map(_with_home_visit_fact, units)]
    conn.executemany(
        f"INSERT INTO units ({', '.join(fields)}, revision, created_at, updated_at) "
        f"VALUES ({', '.join('?' for _ in fields)}, 1, ?, ?)",
        rows,
    )
    enqueue_units(conn, [(row[0], 1) for row in rows], now)
    return len(rows)


def get_unit(conn, unit_id: str) -> dict:
    row = conn.execute("SELECT * FROM units WHERE id = ?", (unit_id,)).fetchone()
    if row is None:
        raise NotFound(unit_id)
    return _decode_unit(row)


def get_active_unit(conn, unit_id: str) -> dict:
    """The unit as the public reads it: NotFound when unknown, UnitEnded when it stopped."""
    unit = get_unit(conn, unit_id)
    if unit["ended_at"] is not None:
        raise UnitEnded(unit_id, unit["ended_at"])
    return unit


def units_of_owner(conn, rpps: str) -> list[dict]:
    """Every unit of a practitioner, ended ones included (their own list shows them as ended)."""
    return [_decode_unit(r) for r in conn.execute("SELECT * FROM units WHERE owner_rpps = ? ORDER BY id", (rpps,))]


def units_of_establishment(conn, eg_id: str) -> list[dict]:
    """The EG's active units (an ended one is no longer part of its sheet) by name then owner (a group practice's « Consultation kinésithérapie » by
    practitioner), each with its owner's name (``owner_name``, None without an owner)."""
    rows = conn.execute(
        """SELECT u.*, p.first_name AS owner_first_name, p.last_name AS owner_last_name
           FROM units u LEFT JOIN practitioners p ON p.rpps = u.owner_rpps
           WHERE u.eg_id = ? AND u.ended_at IS NULL
           ORDER BY u.name, p.last_name IS NULL, p.last_name, p.first_name, u.id""",
        (eg_id,),
    )
    units = []
    for row in rows:
        unit = _decode_unit(row)
        unit["owner_name"] = person_name(unit.pop("owner_first_name"), unit.pop("owner_last_name"))
        units.append(unit)
    return units


def update_unit(
    conn,
    unit_id: str,
    changes: dict,
    *,
    actor: str,
    expected_revision: int | None = None,
    now: datetime | None = None,
) -> dict:
    """Apply validated changes to editable fields: revision + 1, audit rows, outbox entry.

    ``expected_revision`` gives optimistic concurrency: a stale one raises
    ``StaleRevision`` carrying the current sheet, and nothing is written.
    Home visits stay one fact (:func:`home_visit_fact`): changes that send the
    flag set or clear the aptitude; changes that send only the aptitude set the flag.
    """
    unknown = set(changes) - set(EDITABLE_UNIT_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    current = get_active_unit(conn, unit_id)
    if expected_revision is not None and expected_revision != current["revision"]:
        raise StaleRevision(current)
    if current["profession"] in HOME_VISIT_APTITUDE_PROFESSIONS and ({"home_visit", "aptitudes"} & set(changes)):
        flag = changes.get("home_visit")
        if flag is None:
            flag = current["home_visit"] or HOME_VISIT_APTITUDE in (changes.get("aptitudes") or ())
        aptitudes, flag = home_visit_fact(current["profession"], list(changes.get("aptitudes", current["aptitudes"])), flag)
        changes = {**changes, "aptitudes": aptitudes, "home_visit": flag}
    diff = {f: (current[f], v) for f, v in changes.items() if _encode_unit_value(f, current[f]) != _encode_unit_value(f, v)}
    if not diff:
        return current
    stamp_dt = now or utcnow()
    stamp = iso(stamp_dt)
    assignments = ", ".join(f"{f} = ?" for f in diff)
    conn.execute(
        f"UPDATE units SET {assignments}, revision = revision + 1, updated_at = ? WHERE id = ?",
        (*(_encode_unit_value(f, new) for f, (_, new) in diff.items()), stamp, unit_id),
    )
    _audit(conn, actor, "UO", unit_id, diff, stamp)
    enqueue_units(conn, [(unit_id, current["revision"] + 1)], stamp_dt)
    return get_unit(conn, unit_id)


def touch_units(conn, unit_ids: list[str], now: datetime | None = None) -> None:
    """Bump revisions and re-queue units whose indexed view changed through their EG."""
    stamp_dt = now or utcnow()
    conn.executemany(
        "UPDATE units SET revision = revision + 1, updated_at = ? WHERE id = ?",
        [(iso(stamp_dt), unit_id) for unit_id in unit_ids],
    )
    revisions = [
        (r["id"], r["revision"])
        for unit_id in unit_ids
        for r in conn.execute("SELECT id, revision FROM units WHERE id = ?", (unit_id,))
    ]
    enqueue_units(conn, revisions, stamp_dt)


def count_units(conn) -> int:
    """The active units: what the index holds once in sync."""
    return conn.execute("SELECT COUNT(*) FROM units WHERE ended_at IS NULL").fetchone()[0]


# --- a UO's life: ended when its activity leaves the RPPS, back when it returns ----------

def end_units(conn, unit_ids: list[str], *, actor: str, now: datetime) -> None:
    """Stop these active units: ``ended_at`` set, revision + 1 (the index deletes at that version), audited.

    ``updated_at`` is left alone: it dates the sheet's content, which did not change.
    """
    _set_ended(conn, unit_ids, iso(now), actor=actor, now=now)


def reactivate_units(conn, unit_ids: list[str], *, actor: str, now: datetime) -> None:
    """The activity is back: ``ended_at`` cleared, revision + 1 (indexed again with its sheet), audited."""
    _set_ended(conn, unit_ids, None, actor=actor, now=now)


def _set_ended(conn, unit_ids: list[str], ended_at: str | None, *, actor: str, now: datetime) -> None:
    stamp = iso(now)
    rows = []
    for start in range(0, len(unit_ids), 500):
        chunk = unit_ids[start:start + 500]
        marks = ", ".join("?" for _ in chunk)
        rows += conn.execute(f"SELECT id, revision, ended_at FROM units WHERE id IN ({marks})", chunk).fetchall()
    rows = [r for r in rows if (r["ended_at"] is None) != (ended_at is None)]
    conn.executemany("UPDATE units SET ended_at = ?, revision = revision + 1 WHERE id = ?",
                     [(ended_at, r["id"]) for r in rows])
    conn.executemany(
        "INSERT INTO audit_log (at, actor, target_type, target_id, field, old_value, new_value) VALUES (?, ?, 'UO', ?, 'ended_at', ?, ?)",
        [(stamp, actor, r["id"], r["ended_at"], ended_at) for r in rows],
    )
    enqueue_units(conn, [(r["id"], r["revision"] + 1) for r in rows], now)


def carry_over_sheet(conn, from_id: str, to_id: str, *, actor: str, now: datetime) -> None:
    """A move: the practitioner's sheet (editable fields, added resource persons) copied to their new unit.

    Through :func:`update_unit` and :func:`replace_added_resource_persons`, so the new unit's
    revision, audit rows and outbox entry are the ones any edit writes.
    """
    old = get_unit(conn, from_id)
    update_unit(conn, to_id, {f: old[f] for f in EDITABLE_UNIT_FIELDS}, actor=actor, now=now)
    added = [p for p in resource_persons(conn, from_id) if p["source"] == "added"]
    if added:
        replace_added_resource_persons(conn, to_id, added, actor, now)
        touch_units(conn, [to_id], now)


# --- what the indexer reads -----------------------------------------------------------

INDEX_READ_MMAP_BYTES = 4 * 2**30   # address space only: pages are read as touched

_INDEX_RECORD_SQL = """
SELECT u.id, u.name, u.uo_type, u.profession, u.phone, u.aptitudes, u.age_min, u.age_max, u.home_visit,
       u.home_visit_communes, u.week, u.open_on_holidays, u.comments, u.revision, u.updated_at, u.created_at,
       e.id, e.name, e.category, e.address, e.postal_code, e.insee, e.lat, e.lon, e.ej_id, j.name,
       p.first_name, p.last_name
FROM units u
JOIN establishments e ON e.id = u.eg_id
JOIN legal_entities j ON j.id = e.ej_id
LEFT JOIN practitioners p ON p.rpps = u.owner_rpps
WHERE u.ended_at IS NULL
"""


def _index_record(row: tuple) -> dict:
    """The indexer's view of a unit: what its document needs, its EG and EJ, its owner's name.

    Built straight from a plain row (a full reindex makes a million of these), and the
    typical week stays JSON text under ``week_json``: the document builder caches its
    display by that text, so most units never decode it.
    """
    (unit_id, name, uo_type, profession, phone, aptitudes, age_min, age_max, home_visit, home_visit_communes,
     week_json, open_on_holidays, comments, revision, updated_at, created_at,
     eg_id, eg_name, category, address, postal_code, insee, lat, lon, ej_id, ej_name, first, last) = row
    return {
        "id": unit_id, "name": name, "uo_type": uo_type, "profession": profession, "phone": phone,
        "aptitudes": orjson.loads(aptitudes), "age_min": age_min, "age_max": age_max,
        "home_visit": bool(home_visit), "home_visit_communes": orjson.loads(home_visit_communes),
        "week_json": week_json, "open_on_holidays": bool(open_on_holidays), "comments": comments or "",
        "revision": revision, "updated_at": updated_at, "created_at": created_at,
        "establishment": {"id": eg_id, "name": eg_name, "category": category, "address": address,
                          "postal_code": postal_code, "insee": insee, "lat": lat, "lon": lon,
                          "ej_id": ej_id, "ej_name": ej_name},
        "owner_name": person_name(first, last),
    }


def _index_rows(conn, sql: str, params=()):
    """Plain tuples straight from the driver: a full reindex reads a million rows.

    On SQLite the sqlite3 connection is read directly (no per-row object, no layer):
    timed on the bench's 50k-unit store (4 rounds of 3 reads each way, back to back,
    on a shared machine at load 9-13, so noisy), the best read with record building
    took 43 µs per unit on the driver and 53 µs through SQLAlchemy's rows (+20 %),
    on a path bounded by Python time. On
    PostgreSQL the statement goes through the layer (its marks are the dialect's),
    with a server-side cursor.
    """
    if conn.dialect == "sqlite":
        cursor = conn.driver_connection().cursor()
        cursor.row_factory = None
        return cursor.execute(sql, params)
    return conn.stream(sql, params)


def iter_index_records(conn, batch_size: int = 2000) -> Iterator[dict]:
    """Every active unit joined with its EG and EJ, in storage order (a full reindex reads this).

    Storage (rowid) order reads the table sequentially: ordering by id would visit
    it through the id index, one random page read per row (3x slower at 1M units).
    The store is memory-mapped for the read: the joins' lookups become memory reads
    instead of a system call per page.
    """
    if conn.dialect == "sqlite":
        conn.execute(f"PRAGMA mmap_size = {INDEX_READ_MMAP_BYTES}")
    cursor = _index_rows(conn, _INDEX_RECORD_SQL)
    while True:
        rows = cursor.fetchmany(batch_size)
        if not rows:
            return
        for row in rows:
            yield _index_record(row)


def index_records(conn, unit_ids: list[str]) -> dict[str, dict]:
    """The index records of these units, by id (missing and ended ids are absent: the index drops them)."""
    found = {}
    for start in range(0, len(unit_ids), 500):
        chunk = unit_ids[start:start + 500]
        marks = ", ".join("?" for _ in chunk)
        for row in _index_rows(conn, _INDEX_RECORD_SQL + f" AND u.id IN ({marks})", chunk):
            record = _index_record(row)
            found[record["id"]] = record
    return found


# --- resource persons ---------------------------------------------------------------

def resource_persons(conn, unit_id: str) -> list[dict]:
    return [dict(r) for r in conn.execute("SELECT * FROM resource_persons WHERE unit_id = ? ORDER BY source DESC, id", (unit_id,))]


def add_resource_person(conn, unit_id: str, person: dict) -> None:
    conn.execute(
        "INSERT INTO resource_persons (unit_id, source, rpps, name, role, phone, email) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (unit_id, person.get("source", "added"), person.get("rpps"), person["name"], person.get("role", ""), person.get("phone"), person.get("email")),
    )


def replace_added_resource_persons(conn, unit_id: str, persons: list[dict], actor: str, now: datetime | None = None) -> None:
    """The practitioner's own list (trainees, colleagues); RPPS-sourced persons stay."""
    before = [p for p in resource_persons(conn, unit_id) if p["source"] == "added"]
    conn.execute("DELETE FROM resource_persons WHERE unit_id = ? AND source = 'added'", (unit_id,))
    for person in persons:
        add_resource_person(conn, unit_id, {**person, "source": "added"})
    strip = lambda ps: [{k: p.get(k) for k in ("name", "role", "phone", "email")} for p in ps]  # noqa: E731
    if strip(before) != strip(persons):
        _audit(conn, actor, "UO", unit_id, {"resource_persons": (strip(before), strip(persons))}, iso(now or utcnow()))


def practitioners_without_account(conn, limit: int) -> list[str]:
    """RPPS numbers of practitioners who own a unit and have not activated an account."""
    rows = conn.execute(
        """SELECT p.rpps FROM practitioners p
           WHERE EXISTS (SELECT 1 FROM units u WHERE u.owner_rpps = p.rpps)
             AND NOT EXISTS (SELECT 1 FROM accounts a WHERE a.rpps = p.rpps)
           ORDER BY p.rpps DESC LIMIT ?""",
        (limit,),
    )
    return [row["rpps"] for row in rows]
