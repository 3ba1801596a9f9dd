"""The small world the write-path tests share, and their helpers.

The offer fixture plus two practitioners who own a UO each (A: UO-KA, B: UO-KB) and
an admin of the management cell, in a store of its own (SQLite or PostgreSQL, as the
test's ``settings`` say); a clock the tests move; requests made as the web pages make
them (CSRF token first). Test modules import from here, never from one another.
"""
from __future__ import annotations

import dataclasses
import re
import uuid
from datetime import datetime, timedelta
from pathlib import Path

from catalog import accounts, repository
from catalog.identifiers import make_rpps
from catalog.store import open_store
from tests import offer_fixture
from tests.stores import fresh_settings

RPPS_A = make_rpps(424_242)
RPPS_B = make_rpps(515_151)
UNITS_OF_A = ["UO-KA", "UO-KA2", "UO-KA3", "UO-KA4"]   # A's unit and the three served_world adds
PASSWORD_A = "Kine-Versailles-1"
PASSWORD_B = "Kine-Chesnay-2"
ADMIN_EMAIL = "cellule@ror.test"
ADMIN_PASSWORD = "Cellule-Admin-9"


class MovableClock:
    """An app clock that tests move forward."""

    def __init__(self, iso_time: str = "2026-03-02T10:00:00+01:00"):
        self.moment = datetime.fromisoformat(iso_time)

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, **delta) -> None:
        self.moment += timedelta(**delta)


@dataclasses.dataclass
class World:
    settings: object
    store: object
    app: object
    clock: MovableClock

    def client(self):
        return self.app.test_client()

    @property
    def mail_dir(self) -> Path:
        return Path(self.settings.mail_dir)

    def mails(self) -> list[str]:
        return [p.read_text(encoding="utf-8") for p in sorted(self.mail_dir.glob("*.eml"))] if self.mail_dir.exists() else []


def make_world(settings, tmp_path, *, accounts_ready: bool = True, store_url: str = "") -> World:
    """The offer fixture + practitioners A (owns UO-KA) and B (owns UO-KB), in their own store.

    With ``accounts_ready``, A and B have signed-up accounts (e-mail confirmed, terms
    accepted) and there is an admin account. ``store_url``: in this empty PostgreSQL
    database (a server of the test's own) rather than a fresh store of the run's backend.
    """
    from query_api import create_app

    changes = dict(index_prefix=f"{settings.index_prefix}-{uuid.uuid4().hex[:6]}", mail_dir=str(tmp_path / "mail"))
    if store_url:
        mine = dataclasses.replace(settings, store_url=store_url, **changes)
    else:
        mine = fresh_settings(settings, tmp_path, **changes)
    store = open_store(mine.store_location)
    offer_fixture.load(store)
    with store.transaction() as conn:
        for rpps, last, first in ((RPPS_A, "Martin", "Claire"), (RPPS_B, "Durand", "Paul")):
            repository.upsert_practitioner(conn, {"rpps": rpps, "civility": "", "last_name": last,
                                                  "first_name": first, "profession": "70"})
        repository.upsert_legal_entity(conn, "EJ-KA", "Claire Martin", "practitioner")
        repository.upsert_establishment(conn, {
            "id": "EG-KA", "ej_id": "EJ-KA", "name": "Cabinet Claire Martin", "category": "LIBERAL",
            "sector": "SA07", "address": "3 rue des Chantiers", "postal_code": "78000", "insee": "78646",
            "lat": 48.7990, "lon": 2.1370, "phone": None, "source": "rpps"}, "test")
        repository.insert_unit(conn, dict(id="UO-KA", eg_id="EG-KA", uo_type="CONSULT_KINE",
                                          name="Consultation kinésithérapie", profession="70", owner_rpps=RPPS_A,
                                          phone="+33139000042", week={1: [(540, 720)]}))
        repository.add_resource_person(conn, "UO-KA", {"source": "rpps", "rpps": RPPS_A, "name": "Claire Martin",
                                                       "role": "titulaire"})
        repository.insert_unit(conn, dict(id="UO-KB", eg_id="EG-CHES", uo_type="CONSULT_KINE",
                                          name="Consultation kinésithérapie", profession="70", owner_rpps=RPPS_B))
        if accounts_ready:
            now = datetime.fromisoformat("2026-01-05T09:00:00+01:00")
            for rpps, password, email in ((RPPS_A, PASSWORD_A, "claire@kine.test"), (RPPS_B, PASSWORD_B, "paul@kine.test")):
                account = accounts.create_practitioner_account(conn, rpps, password, now)
                accounts.set_details(conn, account["id"], email, now)
                conn.execute("UPDATE accounts SET email_confirmed_at = ? WHERE id = ?", (now.isoformat(), account["id"]))
            accounts.create_admin_account(conn, ADMIN_EMAIL, ADMIN_PASSWORD, "Cellule de test", now)
    clock = MovableClock()
    return World(mine, store, create_app(mine, clock=clock), clock)


RPPS_C = make_rpps(626_262)
#: EG-KA once add_group_practice ran: (unit, owner's name or None), in the order the EG page lists them.
GROUP_PRACTICE_UNITS = [("UO-GB", "Paul Durand"), ("UO-GC", "Anne Lefèvre"), ("UO-KA", "Claire Martin"),
                        ("UO-GN", None)]


def add_group_practice(store) -> None:
    """EG-KA, A's practice, becomes a group practice: B and a third practitioner (C, no account)
    each own a « Consultation kinésithérapie » there too, and one more has no owner."""
    with store.transaction() as conn:
        repository.upsert_practitioner(conn, {"rpps": RPPS_C, "civility": "", "last_name": "Lefèvre",
                                              "first_name": "Anne", "profession": "70"})
        for unit_id, owner in (("UO-GB", RPPS_B), ("UO-GC", RPPS_C), ("UO-GN", None)):
            repository.insert_unit(conn, dict(id=unit_id, eg_id="EG-KA", uo_type="CONSULT_KINE",
                                              name="Consultation kinésithérapie", profession="70", owner_rpps=owner))


def csrf(client) -> str:
    return client.get("/api/v1/session").get_json()["csrf_token"]


def send(client, method: str, path: str, json=None):
    """A write as the web page makes it: CSRF token first, then the request."""
    return client.open(path, method=method, json=json, headers={"X-CSRF-Token": csrf(client)})


def sign_in(client, login: str, password: str):
    return send(client, "POST", "/api/v1/login", {"login": login, "password": password})


def signed_in(world: World, login: str, password: str):
    client = world.client()
    response = sign_in(client, login, password)
    assert response.status_code == 200, response.get_json()
    return client


def link_in(mail: str, path: str) -> str:
    match = re.search(rf"https?://\S+{re.escape(path)}\?token=[A-Za-z0-9_\-]+", mail)
    assert match, mail
    return match.group(0)


def token_of(link: str) -> str:
    return link.split("token=", 1)[1]


def api_link(link: str, api_path: str) -> str:
    """The JSON endpoint behind an e-mailed page link, with its token (page and endpoint share the catalog call)."""
    return f"http://localhost{api_path}?token={token_of(link)}"


def fixed_clock(iso_time: str):
    """A clock for create_app: always this instant (ISO 8601 with offset)."""
    moment = datetime.fromisoformat(iso_time)
    return lambda: moment
