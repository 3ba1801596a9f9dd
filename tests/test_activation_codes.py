"""Activation codes: issued once per practitioner, stored hashed, used once, mailed as a CSV."""
from __future__ import annotations

import csv
import re
from datetime import datetime, timedelta

import pytest

from catalog import repository
from catalog.activation import (
    CODE_ALPHABET,
    InvalidActivationCode,
    check_code,
    consume_code,
    issue_codes,
    write_mailing_csv,
)
from catalog.identifiers import make_rpps
from catalog.schedule import PARIS
from catalog.store import iso, open_store
from tests.stores import fresh_location

pytestmark = pytest.mark.both_stores   # runs on SQLite and on PostgreSQL (tests/conftest.py)

NOW = datetime(2026, 1, 10, 10, 0, tzinfo=PARIS)
RPPS = [make_rpps(n) for n in (1, 2, 3)]


@pytest.fixture
def store(settings, tmp_path):
    """Three practitioners; the first two have a practice with its address."""
    store = open_store(fresh_location(settings, tmp_path))
    with store.transaction() as conn:
        for n, rpps in enumerate(RPPS, start=1):
            repository.upsert_practitioner(conn, {"rpps": rpps, "civility": "Madame", "last_name": f"DURAND{n}", "first_name": "Claire", "profession": "70"})
        for n, rpps in enumerate(RPPS[:2], start=1):
            repository.upsert_legal_entity(conn, f"EJ-{n}", f"Cabinet {n}", "practitioner")
            repository.upsert_establishment(conn, {
                "id": f"EG-{n}", "ej_id": f"EJ-{n}", "name": f"Cabinet {n}", "category": "LIBERAL",
                "address": f"{n} rue de la Paix", "postal_code": "78000", "insee": "78646",
                "lat": 48.8, "lon": 2.13, "source": "rpps",
            }, actor="test")
            repository.insert_unit(conn, {"id": f"UO-{rpps}-{n}", "eg_id": f"EG-{n}", "uo_type": "CONSULT_KINE",
                                          "name": "Consultation kinésithérapie", "profession": "70", "owner_rpps": rpps})
    return store


def activate_account(store, rpps):
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO accounts (rpps, role, status, created_at) VALUES (?, 'practitioner', 'active', ?)",
            (rpps, iso(NOW)),
        )


def test_codes_are_twelve_unambiguous_characters_in_groups_of_four(store):
    codes = issue_codes(store, now=NOW)

    assert len(codes) == 3
    for issued in codes:
        assert re.fullmatch(rf"[{CODE_ALPHABET}]{{4}}-[{CODE_ALPHABET}]{{4}}-[{CODE_ALPHABET}]{{4}}", issued.code)
        assert not set("01OIL") & set(issued.code)
    assert len({issued.code for issued in codes}) == 3


def _everything_stored(store) -> bytes:
    """SQLite: the bytes of the store's files (WAL included); PostgreSQL: every row of every table."""
    if store.dialect == "sqlite":
        return b"".join(path.read_bytes() for path in store.path.parent.glob(store.path.name + "*"))
    with store.snapshot() as conn:
        tables = [r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        assert "activation_codes" in tables
        return "\n".join(repr(tuple(row)) for table in tables for row in conn.execute(f"SELECT * FROM {table}")).encode()


def test_codes_are_stored_hashed_and_never_in_clear(store):
    codes = issue_codes(store, now=NOW)

    stored = _everything_stored(store)
    for issued in codes:
        assert issued.code.encode() not in stored
        assert issued.code.replace("-", "").encode() not in stored
    with store.snapshot() as conn:
        hashes = [r["code_hash"] for r in conn.execute("SELECT code_hash FROM activation_codes")]
    assert len(hashes) == 3 and all(h.startswith("scrypt$") and len(h.split("$")) == 6 for h in hashes)
    assert len({h.split("$")[4] for h in hashes}) == 3      # one salt per code


def test_an_issued_code_works_once(store):
    issued = {code.rpps: code for code in issue_codes(store, now=NOW)}
    rpps, code = RPPS[0], issued[RPPS[0]].code

    with store.transaction() as conn:
        assert check_code(conn, rpps, code, NOW) == "ok"
        consume_code(conn, rpps, code, NOW)

    with store.transaction() as conn:
        assert check_code(conn, rpps, code, NOW) == "used"
        with pytest.raises(InvalidActivationCode) as refused:
            consume_code(conn, rpps, code, NOW)
    assert refused.value.status == "used" and "déjà été utilisé" in str(refused.value)


def test_a_code_may_be_typed_without_dashes_and_in_lower_case(store):
    issued = {code.rpps: code for code in issue_codes(store, now=NOW)}
    typed = issued[RPPS[1]].code.replace("-", " ").lower()

    with store.snapshot() as conn:
        assert check_code(conn, RPPS[1], typed, NOW) == "ok"


def test_a_code_is_refused_for_another_practitioner_or_when_mistyped(store):
    issued = {code.rpps: code for code in issue_codes(store, now=NOW)}
    code = issued[RPPS[0]].code
    mistyped = code[:-1] + ("A" if code[-1] != "A" else "B")

    with store.snapshot() as conn:
        assert check_code(conn, RPPS[1], code, NOW) == "unknown"
        assert check_code(conn, RPPS[0], mistyped, NOW) == "unknown"
        assert check_code(conn, RPPS[0], "", NOW) == "unknown"
        assert check_code(conn, make_rpps(99), code, NOW) == "unknown"


def test_an_expired_code_is_refused_after_the_date_on_the_letter(store):
    issued = {code.rpps: code for code in issue_codes(store, valid_days=90, now=NOW)}
    code = issued[RPPS[0]].code
    last_day = datetime(2026, 4, 10, 23, 59, tzinfo=PARIS)       # 10 January + 90 days

    with store.transaction() as conn:
        assert check_code(conn, RPPS[0], code, last_day) == "ok"
        assert check_code(conn, RPPS[0], code, last_day + timedelta(minutes=1)) == "expired"
        with pytest.raises(InvalidActivationCode) as refused:
            consume_code(conn, RPPS[0], code, last_day + timedelta(days=3))
    assert refused.value.status == "expired"


def test_codes_go_only_to_practitioners_without_account_or_valid_code(store):
    activate_account(store, RPPS[0])

    first = issue_codes(store, now=NOW)
    again = issue_codes(store, now=NOW + timedelta(days=1))
    after_expiry = issue_codes(store, valid_days=90, now=NOW + timedelta(days=120))

    assert sorted(code.rpps for code in first) == RPPS[1:]
    assert again == []
    assert sorted(code.rpps for code in after_expiry) == RPPS[1:]


def test_a_new_letter_for_a_lost_one_cancels_the_previous_code(store):
    old = {code.rpps: code for code in issue_codes(store, now=NOW)}[RPPS[1]].code

    [new] = issue_codes(store, rpps_list=[RPPS[1]], now=NOW + timedelta(days=2))

    with store.snapshot() as conn:
        assert check_code(conn, RPPS[1], old, NOW + timedelta(days=2)) == "expired"
        assert check_code(conn, RPPS[1], new.code, NOW + timedelta(days=2)) == "ok"


def test_an_unknown_rpps_number_is_refused_when_issuing(store):
    with pytest.raises(ValueError, match="inconnu"):
        issue_codes(store, rpps_list=[make_rpps(42)], now=NOW)


def test_the_mailing_csv_has_the_french_columns_and_one_row_per_code(store, tmp_path):
    codes = issue_codes(store, now=NOW)

    path = write_mailing_csv(codes, tmp_path / "courrier.csv")

    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f, delimiter=";"))
    assert rows[0] == ["rpps", "civilite", "nom", "prenom", "adresse du cabinet", "code postal", "commune",
                       "code d'activation", "valable jusqu'au"]
    assert len(rows) == 1 + len(codes) == 4
    by_rpps = {row[0]: row for row in rows[1:]}
    code_of = {code.rpps: code.code for code in codes}
    assert by_rpps[RPPS[0]] == [RPPS[0], "Madame", "DURAND1", "Claire", "1 rue de la Paix", "78000", "Versailles",
                                code_of[RPPS[0]], "10/04/2026"]
    assert by_rpps[RPPS[2]][4:7] == ["", "", ""]      # no practice known: no address
    assert {row[0]: row[7] for row in rows[1:]} == code_of
