"""Accounts, as the guide walks through them: activation, details, confirmation, sign-in, reset.

The small world they run in (the offer fixture, practitioners A and B, the cell) is
tests/world.py's, shared with the other write-path tests.
"""
from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from catalog import accounts, schemas
from catalog.identifiers import make_rpps
from query_api.api.accounts import CONFIRM_LINK_PATH, RESET_LINK_PATH
from tests.world import (
    PASSWORD_A,
    RPPS_A,
    RPPS_B,
    World,
    api_link,
    csrf,
    link_in,
    make_world,
    send,
    sign_in,
    signed_in,
    token_of,
)

pytestmark = pytest.mark.both_stores   # runs on SQLite and on PostgreSQL (tests/conftest.py)

# --- activation ------------------------------------------------------------------------

def _issue_code(world: World, rpps: str) -> str:
    from catalog import activation

    issued = activation.issue_codes(world.store, rpps_list=[rpps], now=world.clock())
    return issued[0].code


def _activate(client, rpps: str, code: str, password: str):
    return send(client, "POST", "/api/v1/activation", {"rpps": rpps, "code": code, "password": password})


def test_activation_path_from_the_guide(settings, search, tmp_path):
    world = make_world(settings, tmp_path, accounts_ready=False)
    client = world.client()
    code = _issue_code(world, RPPS_A)

    # 1-3: RPPS number, the code from the letter, a password; 5: the account is active.
    response = _activate(client, RPPS_A, code, PASSWORD_A)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["account"]["rpps"] == RPPS_A and body["account"]["role"] == "practitioner"
    assert body["account"]["needs_details"] is True
    assert "activé" in body["message"]

    # 6-8: back to the sign-in page, RPPS number + the new password.
    response = sign_in(client, RPPS_A, PASSWORD_A)
    assert response.status_code == 200
    assert response.get_json()["account"]["display_name"] == "Claire Martin"

    # Before the mandatory details, the sheet stays closed.
    assert client.get("/api/v1/me/units/UO-KA").status_code == 403

    # 9-10: mandatory information + acceptance of the terms of use.
    refused = send(client, "POST", "/api/v1/account/details", {"email": "claire@kine.test", "accept_terms": False})
    assert refused.status_code == 400
    assert refused.get_json()["error"]["field"] == "accept_terms"
    response = send(client, "POST", "/api/v1/account/details", {"email": "Claire@Kine.test", "accept_terms": True})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["email_sent"] is True
    assert response.get_json()["account"]["email"] == "claire@kine.test"
    assert response.get_json()["account"]["email_confirmed"] is False

    # 11: a confirmation e-mail with a link.
    mails = world.mails()
    assert len(mails) == 1 and "To: claire@kine.test" in mails[0]
    link = api_link(link_in(mails[0], CONFIRM_LINK_PATH), "/api/v1/account/confirm-email")
    confirmed = client.get(_path(link))
    assert confirmed.status_code == 200, confirmed.get_json()
    assert client.get("/api/v1/me").get_json()["account"]["email_confirmed"] is True
    assert client.get("/api/v1/me/units/UO-KA").status_code == 200


def _path(link: str) -> str:
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


@pytest.mark.parametrize("password, rule", [
    ("Court1", schemas.PASSWORD_TOO_SHORT),
    ("sansmajuscule1", schemas.PASSWORD_NO_UPPER),
    ("SANSMINUSCULE1", schemas.PASSWORD_NO_LOWER),
    ("SansChiffreDuTout", schemas.PASSWORD_NO_DIGIT),
])
def test_activation_names_the_password_rule_that_failed(settings, search, tmp_path, password, rule):
    world = make_world(settings, tmp_path, accounts_ready=False)
    client = world.client()
    code = _issue_code(world, RPPS_A)
    response = _activate(client, RPPS_A, code, password)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["field"] == "password"
    assert rule in error["message"]
    # Only the broken rules are named.
    others = {schemas.PASSWORD_TOO_SHORT, schemas.PASSWORD_NO_UPPER, schemas.PASSWORD_NO_LOWER,
              schemas.PASSWORD_NO_DIGIT} - {rule}
    assert not any(other in error["message"] for other in others)
    # The code was not spent by the refused attempt.
    assert _activate(client, RPPS_A, code, PASSWORD_A).status_code == 201


def test_activation_takes_the_password_once(settings, search, tmp_path):
    # Typing it twice is the page's check (static/account.js): the API has no field for the second one.
    world = make_world(settings, tmp_path, accounts_ready=False)
    response = send(world.client(), "POST", "/api/v1/activation", {
        "rpps": RPPS_A, "code": _issue_code(world, RPPS_A), "password": PASSWORD_A, "password_confirmation": PASSWORD_A})
    assert response.status_code == 400
    assert response.get_json()["error"]["field"] == "password_confirmation"


def test_activation_code_cannot_be_used_twice(settings, search, tmp_path):
    world = make_world(settings, tmp_path, accounts_ready=False)
    client = world.client()
    code = _issue_code(world, RPPS_A)
    assert _activate(client, RPPS_A, code, PASSWORD_A).status_code == 201
    again = _activate(client, RPPS_A, code, "Autre-Mot-2")
    assert again.status_code == 409
    assert "déjà été utilisé" in again.get_json()["error"]["message"]


def test_expired_activation_code_is_refused(settings, search, tmp_path):
    from catalog import activation

    world = make_world(settings, tmp_path, accounts_ready=False)
    issued = activation.issue_codes(world.store, rpps_list=[RPPS_A], now=world.clock())[0]
    world.clock.moment = issued.expires_at + timedelta(minutes=1)
    response = _activate(world.client(), RPPS_A, issued.code, PASSWORD_A)
    assert response.status_code == 410
    assert "expiré" in response.get_json()["error"]["message"]


def test_wrong_code_and_unknown_rpps_get_the_same_answer(settings, search, tmp_path):
    world = make_world(settings, tmp_path, accounts_ready=False)
    client = world.client()
    code = _issue_code(world, RPPS_A)
    wrong_code = _activate(client, RPPS_A, "ZZZZ-ZZZZ-ZZZZ", PASSWORD_A)
    unknown_rpps = _activate(client, make_rpps(999_001), code, PASSWORD_A)
    assert wrong_code.status_code == unknown_rpps.status_code == 404
    assert wrong_code.get_json() == unknown_rpps.get_json()


def test_an_rpps_number_with_an_account_cannot_be_activated_again(settings, search, tmp_path):
    world = make_world(settings, tmp_path, accounts_ready=False)
    code = _issue_code(world, RPPS_A)
    with world.store.transaction() as conn:  # e.g. a second letter, and the first code was used
        accounts.create_practitioner_account(conn, RPPS_A, PASSWORD_A, world.clock())
    response = _activate(world.client(), RPPS_A, code, "Encore-Un-3")
    assert response.status_code == 409
    assert "existe déjà" in response.get_json()["error"]["message"]


# --- signing in ------------------------------------------------------------------------

def test_sign_in_with_rpps_or_confirmed_email_and_sign_out(settings, search, tmp_path):
    world = make_world(settings, tmp_path)
    client = world.client()
    assert sign_in(client, " ".join([RPPS_A[:1], RPPS_A[1:]]), PASSWORD_A).status_code == 200
    session = client.get("/api/v1/session").get_json()
    assert session["signed_in"] is True and session["account"]["rpps"] == RPPS_A
    assert send(client, "POST", "/api/v1/logout").status_code == 200
    assert client.get("/api/v1/session").get_json()["signed_in"] is False
    assert client.get("/api/v1/me").status_code == 401

    response = sign_in(client, "CLAIRE@kine.test", PASSWORD_A)
    assert response.status_code == 200
    assert response.get_json()["account"]["rpps"] == RPPS_A


def test_session_cookie_is_http_only_and_same_site_lax(settings, search, tmp_path):
    world = make_world(settings, tmp_path)
    client = world.client()
    response = sign_in(client, RPPS_A, PASSWORD_A)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_unknown_account_and_wrong_password_get_the_same_answer(settings, search, tmp_path):
    world = make_world(settings, tmp_path)
    client = world.client()
    wrong_password = sign_in(client, RPPS_A, "Pas-Le-Bon-1")
    unknown_rpps = sign_in(client, make_rpps(999_002), "Pas-Le-Bon-1")
    unknown_email = sign_in(client, "personne@nulle.part", "Pas-Le-Bon-1")
    assert wrong_password.status_code == unknown_rpps.status_code == unknown_email.status_code == 401
    assert wrong_password.get_json() == unknown_rpps.get_json() == unknown_email.get_json()


def test_account_locks_after_five_failures_for_fifteen_minutes(settings, search, tmp_path):
    world = make_world(settings, tmp_path)
    client = world.client()
    for _ in range(accounts.LOCKOUT_THRESHOLD):
        assert sign_in(client, RPPS_A, "Pas-Le-Bon-1").status_code == 401
    # The 6th attempt, with the right password, is refused while locked, in the same words.
    locked = sign_in(client, RPPS_A, PASSWORD_A)
    assert locked.status_code == 401
    assert locked.get_json() == sign_in(client, make_rpps(999_003), PASSWORD_A).get_json()
    world.clock.advance(minutes=14)
    assert sign_in(client, RPPS_A, PASSWORD_A).status_code == 401
    world.clock.advance(minutes=1, seconds=1)
    assert sign_in(client, RPPS_A, PASSWORD_A).status_code == 200


def test_failures_are_rate_limited_per_client_address(settings, search, tmp_path):
    world = make_world(settings, tmp_path)
    client = world.client()
    for i in range(20):
        assert sign_in(client, make_rpps(990_000 + i), "Pas-Le-Bon-1").status_code == 401
    response = sign_in(client, RPPS_A, PASSWORD_A)
    assert response.status_code == 429
    assert "Réessayez" in response.get_json()["error"]["message"]
    assert int(response.headers["Retry-After"]) > 0
    world.clock.advance(minutes=15)
    assert sign_in(client, RPPS_A, PASSWORD_A).status_code == 200


def test_session_ends_after_twelve_hours(settings, search, tmp_path):
    world = make_world(settings, tmp_path)
    client = signed_in(world, RPPS_A, PASSWORD_A)
    world.clock.advance(hours=12, minutes=1)
    assert client.get("/api/v1/me").status_code == 401


# --- e-mail links ----------------------------------------------------------------------

def test_confirmation_link_works_once_and_expires_after_48_hours(settings, search, tmp_path):
    world = make_world(settings, tmp_path, accounts_ready=False)
    with world.store.transaction() as conn:
        accounts.create_practitioner_account(conn, RPPS_A, PASSWORD_A, world.clock())
    client = signed_in(world, RPPS_A, PASSWORD_A)
    assert send(client, "POST", "/api/v1/account/details", {"email": "claire@kine.test", "accept_terms": "oui"}).status_code == 200
    first = _path(api_link(link_in(world.mails()[-1], CONFIRM_LINK_PATH), "/api/v1/account/confirm-email"))
    assert client.get(first).status_code == 200
    reused = client.get(first)
    # A used link is one the API no longer has: 404 (the OpenAPI document says so).
    assert reused.status_code == 404 and "plus valide" in reused.get_json()["error"]["message"]

    # A new address needs a new confirmation; its link expires after 48 hours.
    assert send(client, "POST", "/api/v1/account/details", {"email": "c.martin@kine.test", "accept_terms": True}).status_code == 200
    assert client.get("/api/v1/me").get_json()["account"]["email_confirmed"] is False
    second = _path(api_link(link_in(world.mails()[-1], CONFIRM_LINK_PATH), "/api/v1/account/confirm-email"))
    world.clock.advance(hours=48, seconds=1)
    assert client.get(second).status_code == 404


def test_password_reset_by_email_link(settings, search, tmp_path):
    world = make_world(settings, tmp_path)
    client = world.client()
    csrf(client)
    asked = send(client, "POST", "/api/v1/account/password-reset", {"login": RPPS_A})
    unknown = send(client, "POST", "/api/v1/account/password-reset", {"login": "personne@nulle.part"})
    assert asked.status_code == unknown.status_code == 202
    assert asked.get_json() == unknown.get_json()
    mails = world.mails()
    assert len(mails) == 1 and "To: claire@kine.test" in mails[0]
    link = api_link(link_in(mails[0], RESET_LINK_PATH), "/api/v1/account/password-reset")
    assert client.get(_path(link)).get_json()["valid"] is True

    weak = send(client, "POST", "/api/v1/account/password-reset/confirm", {"token": token_of(link), "password": "faible"})
    assert weak.status_code == 400 and schemas.PASSWORD_TOO_SHORT in weak.get_json()["error"]["message"]
    # Every broken rule at once (the page compares the two typings; the API takes one password).
    both = send(client, "POST", "/api/v1/account/password-reset/confirm",
                {"token": token_of(link), "password": "faible"}).get_json()
    assert both["errors"] == [
        {"field": "password", "message": schemas.PASSWORD_TOO_SHORT},
        {"field": "password", "message": schemas.PASSWORD_NO_UPPER},
        {"field": "password", "message": schemas.PASSWORD_NO_DIGIT},
    ]
    assert both["error"]["field"] == "password" and schemas.PASSWORD_NO_DIGIT in both["error"]["message"]
    done = send(client, "POST", "/api/v1/account/password-reset/confirm",
                {"token": token_of(link), "password": "Nouveau-Mot-7"})
    assert done.status_code == 200, done.get_json()
    again = send(client, "POST", "/api/v1/account/password-reset/confirm",
                 {"token": token_of(link), "password": "Encore-Autre-8"})
    assert again.status_code == 404 and again.get_json()["error"]["code"] == "invalid_link"
    assert sign_in(client, RPPS_A, PASSWORD_A).status_code == 401
    assert sign_in(client, RPPS_A, "Nouveau-Mot-7").status_code == 200


def test_password_reset_link_expires_after_one_hour(settings, search, tmp_path):
    world = make_world(settings, tmp_path)
    client = world.client()
    send(client, "POST", "/api/v1/account/password-reset", {"login": "claire@kine.test"})
    link = api_link(link_in(world.mails()[-1], RESET_LINK_PATH), "/api/v1/account/password-reset")
    world.clock.advance(hours=1, seconds=1)
    assert client.get(_path(link)).get_json()["error"]["code"] == "invalid_link"
    assert client.get(_path(link)).status_code == 404
    expired = send(client, "POST", "/api/v1/account/password-reset/confirm",
                   {"token": token_of(link), "password": "Nouveau-Mot-7"})
    assert expired.status_code == 404


def test_password_reset_ends_other_sessions(settings, search, tmp_path):
    world = make_world(settings, tmp_path)
    elsewhere = signed_in(world, RPPS_A, PASSWORD_A)
    client = world.client()
    send(client, "POST", "/api/v1/account/password-reset", {"login": RPPS_A})
    link = api_link(link_in(world.mails()[-1], RESET_LINK_PATH), "/api/v1/account/password-reset")
    send(client, "POST", "/api/v1/account/password-reset/confirm", {"token": token_of(link), "password": "Nouveau-Mot-7"})
    assert elsewhere.get("/api/v1/me").status_code == 401


# --- demo accounts ---------------------------------------------------------------------

def test_demo_accounts_only_in_demo_and_idempotent(settings, search, tmp_path):
    world = make_world(settings, tmp_path, accounts_ready=False)
    with pytest.raises(RuntimeError):
        accounts.ensure_demo_accounts(world.store, dataclasses.replace(world.settings, env="production"))
    demo = dataclasses.replace(world.settings, env="demo")
    first = accounts.ensure_demo_accounts(world.store, demo)
    second = accounts.ensure_demo_accounts(world.store, demo)
    assert first == second
    assert first["practitioner"]["login"] == min(RPPS_A, RPPS_B)
    client = world.client()
    admin = sign_in(client, first["admin"]["login"], first["admin"]["password"])
    assert admin.status_code == 200 and admin.get_json()["account"]["role"] == "admin"
    kine = sign_in(client, first["practitioner"]["login"], first["practitioner"]["password"])
    assert kine.status_code == 200
    assert kine.get_json()["account"]["needs_details"] is False
    assert kine.get_json()["account"]["email_confirmed"] is True


def test_reset_links_point_at_the_public_url_not_at_the_host_header(settings, search, tmp_path):
    from query_api import create_app

    world = make_world(settings, tmp_path)
    app = create_app(dataclasses.replace(world.settings, public_url="https://ror.example.fr/"), clock=world.clock)
    client = app.test_client()
    token = client.get("/api/v1/session", headers={"Host": "evil.example"}).get_json()["csrf_token"]
    response = client.post("/api/v1/account/password-reset", json={"login": RPPS_A},
                           headers={"X-CSRF-Token": token, "Host": "evil.example"})
    assert response.status_code == 202
    mail = world.mails()[-1]
    assert f"https://ror.example.fr{RESET_LINK_PATH}?token=" in mail
    assert "evil.example" not in mail
