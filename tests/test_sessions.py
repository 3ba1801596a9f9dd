"""Sessions: renewed at sign-in and at a role change, ended in the store at sign-out; `next`
stays on this site; e-mailed links work once and expire.

The world is tests/test_accounts.py's: practitioners A and B with complete accounts, an admin.
"""
from __future__ import annotations

from urllib.parse import quote, urlsplit

import pytest

from catalog import accounts
from query_api.api.accounts import CONFIRM_LINK_PATH, RESET_LINK_PATH
from query_api.web.account_pages import safe_next
from tests.world import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    PASSWORD_A,
    RPPS_A,
    api_link,
    csrf,
    link_in,
    send,
    sign_in,
    signed_in,
    token_of,
)

pytestmark = pytest.mark.both_stores   # runs on SQLite and on PostgreSQL (tests/conftest.py)

COOKIE = "session"
REPORT = {"target_type": "UO", "target_id": "UO-A", "message": "Le téléphone ne répond jamais."}


def cookie_of(client) -> str:
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None and cookie.value
    return cookie.value


def client_with(world, cookie: str):
    """Another browser holding a copy of a session cookie."""
    other = world.client()
    other.set_cookie(COOKIE, cookie)
    return other


def epoch(world, rpps: str) -> int:
    with world.store.snapshot() as conn:
        return accounts.find_account(conn, rpps=rpps)["session_version"]


# --- sign-in starts a new session ------------------------------------------------------------

def test_the_cookie_from_before_sign_in_grants_nothing_after(world):
    victim = world.client()
    planted_token = csrf(victim)                      # an anonymous session, e.g. fixed by an attacker
    planted = cookie_of(victim)
    assert sign_in(victim, RPPS_A, PASSWORD_A).status_code == 200
    assert cookie_of(victim) != planted
    assert victim.get("/api/v1/session").get_json()["csrf_token"] != planted_token

    attacker = client_with(world, planted)
    assert attacker.get("/api/v1/session").get_json()["signed_in"] is False
    assert attacker.get("/api/v1/me").status_code == 401
    # Nor does the planted CSRF token work in the signed-in session.
    assert victim.post("/api/v1/anomalies", json=REPORT, headers={"X-CSRF-Token": planted_token}).status_code == 403
    assert send(victim, "POST", "/api/v1/anomalies", REPORT).status_code == 201


def test_signing_in_over_another_account_starts_afresh(world):
    client = signed_in(world, ADMIN_EMAIL, ADMIN_PASSWORD)
    admin_cookie = cookie_of(client)
    assert sign_in(client, RPPS_A, PASSWORD_A).status_code == 200
    assert client.get("/api/v1/session").get_json()["account"]["rpps"] == RPPS_A
    assert client.get("/api/v1/admin/index-status").status_code == 403       # nothing of the admin's session is left
    assert cookie_of(client) != admin_cookie


# --- sign-out ends the session in the store ----------------------------------------------------

def test_a_copied_cookie_stops_working_after_sign_out(world):
    owner = signed_in(world, RPPS_A, PASSWORD_A)
    thief = client_with(world, cookie_of(owner))
    assert thief.get("/api/v1/me").status_code == 200                          # a copy works while signed in
    before = epoch(world, RPPS_A)
    assert send(owner, "POST", "/api/v1/logout").status_code == 200
    assert epoch(world, RPPS_A) == before + 1
    assert thief.get("/api/v1/me").status_code == 401
    assert thief.get("/api/v1/session").get_json()["signed_in"] is False
    assert owner.get("/api/v1/me").status_code == 401


def test_sign_out_from_the_page_also_ends_copies(world):
    owner = signed_in(world, RPPS_A, PASSWORD_A)
    thief = client_with(world, cookie_of(owner))
    response = owner.post("/deconnexion", data={"csrf_token": csrf(owner)})
    assert response.status_code == 303
    assert thief.get("/api/v1/me").status_code == 401
    assert thief.get("/mon-compte").status_code == 302                         # back to the sign-in page


def test_an_old_cookie_stays_void_after_signing_in_again(world):
    first = signed_in(world, RPPS_A, PASSWORD_A)
    old = cookie_of(first)
    send(first, "POST", "/api/v1/logout")
    again = signed_in(world, RPPS_A, PASSWORD_A)
    assert again.get("/api/v1/me").status_code == 200
    assert client_with(world, old).get("/api/v1/me").status_code == 401


def test_signing_out_ends_the_accounts_sessions_on_other_devices(world):
    # One epoch per account: signing out anywhere signs out everywhere (the documented trade-off).
    laptop, phone = signed_in(world, RPPS_A, PASSWORD_A), signed_in(world, RPPS_A, PASSWORD_A)
    send(laptop, "POST", "/api/v1/logout")
    assert phone.get("/api/v1/me").status_code == 401


def test_an_anonymous_sign_out_changes_nothing(world):
    other = signed_in(world, RPPS_A, PASSWORD_A)
    before = epoch(world, RPPS_A)
    anonymous = world.client()
    assert send(anonymous, "POST", "/api/v1/logout").get_json()["signed_in"] is False
    assert epoch(world, RPPS_A) == before
    assert other.get("/api/v1/me").status_code == 200


# --- a change of role needs a new session ------------------------------------------------------

def test_a_role_change_ends_the_session_and_the_next_sign_in_has_the_new_role(world):
    client = signed_in(world, RPPS_A, PASSWORD_A)
    assert client.get("/api/v1/admin/index-status").status_code == 403
    old_cookie, old_token = cookie_of(client), csrf(client)
    with world.store.transaction() as conn:   # an operator makes A a member of the cell
        conn.execute("UPDATE accounts SET role = 'admin' WHERE rpps = ?", (RPPS_A,))
    assert client.get("/api/v1/me").status_code == 401                         # no privilege gained in place
    assert client.get("/api/v1/admin/index-status").status_code == 401
    assert sign_in(client, RPPS_A, PASSWORD_A).status_code == 200
    assert client.get("/api/v1/session").get_json()["account"]["role"] == "admin"
    assert cookie_of(client) != old_cookie and csrf(client) != old_token
    assert client_with(world, old_cookie).get("/api/v1/session").get_json()["signed_in"] is False


# --- where a sign-in leads ---------------------------------------------------------------------

EVIL_NEXT = [
    "//evil.example/", "///evil.example", "https://evil.example/", "http:/evil.example", "HTTPS://evil.example",
    "javascript:alert(1)", "evil.example", "/\\evil.example", "\\\\evil.example", "/\\/evil.example",
    "/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example", "/\x00/evil.example", "/mon-compte\x7f",
    "/\u2028/evil.example", "/\u202e/evil.example", "/\u00a0/evil.example", "/" + "a" * 5000,
]


@pytest.mark.parametrize("value", EVIL_NEXT, ids=repr)
def test_next_refuses_anything_but_a_same_site_path(value):
    assert safe_next(value, "/mon-compte") == "/mon-compte"


@pytest.mark.parametrize("value", ["/mon-compte", "/mon-compte/uo/UO-KA", "/uo/UO-A?retour=1",
                                   "/recherche?where=78646&what=KINE_REEDUC_VESTIBULAIRE", "/recherche?q=kiné%20enfant"])
def test_next_keeps_a_path_of_this_site(value):
    assert safe_next(value, "/mon-compte") == value


@pytest.mark.parametrize("value", ["//evil.example/", "/\t/evil.example", "/\\evil.example", "https://evil.example/"],
                         ids=repr)
def test_pages_never_send_a_signed_in_visitor_elsewhere(world, value):
    client = signed_in(world, RPPS_A, PASSWORD_A)
    response = client.get(f"/connexion?next={quote(value, safe='')}")
    assert response.status_code == 302 and response.headers["Location"] == "/mon-compte"
    sign_in_page = world.client().get(f"/connexion?next={quote(value, safe='')}").get_data(as_text=True)
    assert 'data-next=""' in sign_in_page
    details = client.get(f"/compte/informations?next={quote(value, safe='')}").get_data(as_text=True)
    assert 'data-next="/mon-compte"' in details


def test_a_same_site_next_is_followed(world):
    client = signed_in(world, RPPS_A, PASSWORD_A)
    response = client.get("/connexion?next=" + quote("/uo/UO-A?retour=1", safe=""))
    assert response.status_code == 302 and response.headers["Location"] == "/uo/UO-A?retour=1"


# --- e-mailed links: once, and not for long -----------------------------------------------------

def _reset_link(world, client, login: str = RPPS_A) -> str:
    assert send(client, "POST", "/api/v1/account/password-reset", {"login": login}).status_code == 202
    return link_in(world.mails()[-1], RESET_LINK_PATH)


def _path(link: str) -> str:
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}"


def test_a_used_reset_link_shows_the_invalid_link_page(world):
    client = world.client()
    link = _reset_link(world, client)
    assert client.get(_path(link)).status_code == 200
    done = send(client, "POST", "/api/v1/account/password-reset/confirm",
                {"token": token_of(link), "password": "Nouveau-Mot-7"})
    assert done.status_code == 200
    page = client.get(_path(link))
    assert page.status_code == 400 and "plus valide" in page.get_data(as_text=True)
    again = send(client, "POST", "/api/v1/account/password-reset/confirm",
                 {"token": token_of(link), "password": "Encore-Autre-8"})
    assert again.status_code == 404 and again.get_json()["error"]["code"] == "invalid_link"
    assert sign_in(client, RPPS_A, "Nouveau-Mot-7").status_code == 200


def test_a_new_reset_request_voids_the_earlier_link(world):
    client = world.client()
    first = _reset_link(world, client)
    second = _reset_link(world, client)
    assert token_of(first) != token_of(second)
    refused = send(client, "POST", "/api/v1/account/password-reset/confirm",
                   {"token": token_of(first), "password": "Nouveau-Mot-7"})
    assert refused.status_code == 404
    assert send(client, "POST", "/api/v1/account/password-reset/confirm",
                {"token": token_of(second), "password": "Nouveau-Mot-7"}).status_code == 200


def test_a_reset_link_is_valid_for_exactly_one_hour(world):
    client = world.client()
    link = _reset_link(world, client)
    world.clock.advance(minutes=59, seconds=59)
    assert client.get(_path(link)).status_code == 200
    world.clock.advance(seconds=1)
    assert client.get(_path(link)).status_code == 400
    assert send(client, "POST", "/api/v1/account/password-reset/confirm",
                {"token": token_of(link), "password": "Nouveau-Mot-7"}).status_code == 404
    assert sign_in(client, RPPS_A, PASSWORD_A).status_code == 200            # the password did not change


def test_a_reset_token_does_not_confirm_an_address_nor_the_reverse(world):
    client = world.client()
    reset = token_of(_reset_link(world, client))
    assert client.get(f"/api/v1/account/confirm-email?token={reset}").status_code == 404
    assert client.get(f"/compte/confirmation?token={reset}").status_code == 400
    with world.store.transaction() as conn:
        account = accounts.find_account(conn, rpps=RPPS_A)
        confirm, _ = accounts.issue_token(conn, account["id"], "confirm_email", account["email"], world.clock())
    assert send(client, "POST", "/api/v1/account/password-reset/confirm",
                {"token": confirm, "password": "Nouveau-Mot-7"}).status_code == 404
    assert client.get(f"/mot-de-passe/nouveau?token={confirm}").status_code == 400


def test_the_confirmation_page_link_works_once_and_for_48_hours(world):
    with world.store.transaction() as conn:
        conn.execute("UPDATE accounts SET email_confirmed_at = NULL WHERE rpps = ?", (RPPS_A,))
    client = signed_in(world, RPPS_A, PASSWORD_A)
    resent = send(client, "POST", "/api/v1/account/confirm-email/resend")
    assert resent.status_code == 200 and resent.get_json()["email_sent"] is True
    link = link_in(world.mails()[-1], CONFIRM_LINK_PATH)
    world.clock.advance(hours=47, minutes=59)
    page = client.get(_path(link))
    assert page.status_code == 200 and "confirmée" in page.get_data(as_text=True)
    reused = client.get(_path(link))
    assert reused.status_code == 400 and "plus valide" in reused.get_data(as_text=True)

    # A second address (in a new session: the first one ended after 12 hours): its link expires at 48 hours.
    client = signed_in(world, RPPS_A, PASSWORD_A)
    changed = send(client, "POST", "/api/v1/account/details", {"email": "c.martin@kine.test", "accept_terms": True})
    assert changed.status_code == 200 and changed.get_json()["email_sent"] is True
    second = link_in(world.mails()[-1], CONFIRM_LINK_PATH)
    world.clock.advance(hours=48)
    assert client.get(_path(second)).status_code == 400
    assert client.get(_path(api_link(second, "/api/v1/account/confirm-email"))).status_code == 404  # the API: a link it no longer has
    with world.store.snapshot() as conn:
        assert accounts.find_account(conn, rpps=RPPS_A)["email_confirmed_at"] is None
