"""The account and management-cell pages through Flask's test client: who sees what.

The world is tests/test_accounts.py's: practitioner A owns UO-KA (Versailles),
practitioner B owns UO-KB, plus an admin. Pages are HTML; the writes they make
go to the JSON API, which its own tests cover.
"""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from catalog import accounts, activation, anomalies, schemas
from catalog.nomenclature import nomenclature
from query_api.api.accounts import CONFIRM_LINK_PATH, RESET_LINK_PATH
from tests.world import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    PASSWORD_A,
    RPPS_A,
    RPPS_B,
    csrf,
    link_in,
    make_world,
    send,
    signed_in,
    token_of,
)

pytestmark = pytest.mark.both_stores   # runs on SQLite and on PostgreSQL (tests/conftest.py)


def html_of(response, status: int = 200) -> str:
    assert response.status_code == status, response.get_data(as_text=True)[:3000]
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


def page(client, url: str, status: int = 200) -> str:
    return html_of(client.get(url), status)


def redirected_to(response) -> tuple[str, dict]:
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
    parts = urlsplit(response.headers["Location"])
    return parts.path, parse_qs(parts.query)


def report(world, target_type: str, target_id: str, message: str, theme: str | None = None) -> dict:
    with world.store.transaction() as conn:
        reporter = accounts.find_account(conn, rpps=RPPS_B)
        return anomalies.report_anomaly(conn, reporter["id"], {"target_type": target_type, "target_id": target_id,
                                                               "message": message, "theme": theme}, world.clock())


# --- public pages -----------------------------------------------------------------------------

@pytest.mark.parametrize("url, heading", [
    ("/activation", "Activer mon compte"),
    ("/connexion", "Se connecter"),
    ("/mot-de-passe-oublie", "Mot de passe oublié"),
    ("/conditions", "Conditions d'utilisation du portail"),
])
def test_public_account_pages_render_in_french_with_labelled_fields(world, url, heading):
    html = page(world.client(), url)
    assert '<html lang="fr">' in html
    assert re.search(rf"<h1[^>]*>{re.escape(heading)}</h1>", html.replace("&#39;", "'"))
    for field_id in re.findall(r'<input id="([^"]+)"', html):
        assert f'<label for="{field_id}"' in html, field_id


def test_activation_page_shows_the_four_password_rules_and_the_code_hint(world):
    html = page(world.client(), "/activation")
    for rule in (schemas.PASSWORD_TOO_SHORT, schemas.PASSWORD_NO_UPPER, schemas.PASSWORD_NO_LOWER, schemas.PASSWORD_NO_DIGIT):
        assert rule.rstrip(".") in html
    assert 'aria-live="polite"' in html
    assert "Reçu par courrier de l&#39;URPS, à usage unique" in html
    # The password's description names the rules and its error slot.
    assert 'aria-describedby="activation-rules activation-password-hint activation-password-error"' in html
    assert 'data-error-for="password_confirmation"' in html


def test_header_offers_sign_in_to_visitors_and_account_links_to_the_signed_in(world):
    html = page(world.client(), "/uo/UO-A")
    assert 'href="/connexion?next=%2Fuo%2FUO-A"' in html
    assert "Se déconnecter" not in html

    practitioner = signed_in(world, RPPS_A, PASSWORD_A)
    html = page(practitioner, "/")
    assert 'href="/mon-compte"' in html and "Claire Martin" in html
    assert "Cellule ROR</a>" not in html
    assert re.search(r'<form class="nav-form" method="post" action="/deconnexion"><input type="hidden" name="csrf_token" value="[^"]{20,}">', html)

    admin = signed_in(world, ADMIN_EMAIL, ADMIN_PASSWORD)
    assert 'href="/cellule/anomalies"' in page(admin, "/")


def test_sign_out_is_a_post_with_the_csrf_token(world):
    client = signed_in(world, RPPS_A, PASSWORD_A)
    assert client.post("/deconnexion", data={}).status_code == 403          # no token: refused, still signed in
    assert client.get("/api/v1/me").status_code == 200
    response = client.post("/deconnexion", data={"csrf_token": csrf(client)})
    assert redirected_to(response) == ("/connexion", {"deconnecte": ["1"]})
    assert client.get("/api/v1/me").status_code == 401
    assert "Vous êtes déconnecté." in page(client, "/connexion?deconnecte=1")


# --- who may open what ---------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/mon-compte", "/mon-compte/uo/UO-KA", "/compte/informations",
                                 "/cellule/anomalies", "/cellule/anomalies/1"])
def test_anonymous_visitors_are_sent_to_sign_in_and_back(world, url):
    path, query = redirected_to(world.client().get(url))
    assert path == "/connexion" and query == {"next": [url]}


def test_an_account_without_its_details_is_asked_for_them_first(world):
    with world.store.transaction() as conn:
        conn.execute("UPDATE accounts SET email = NULL, terms_accepted_at = NULL WHERE rpps = ?", (RPPS_A,))
    client = signed_in(world, RPPS_A, PASSWORD_A)
    path, query = redirected_to(client.get("/mon-compte/uo/UO-KA"))
    assert path == "/compte/informations" and query == {"next": ["/mon-compte/uo/UO-KA"]}
    html = page(client, "/compte/informations?next=/mon-compte/uo/UO-KA")
    assert "Dernière étape" in html
    assert 'href="/conditions"' in html
    assert 'data-next="/mon-compte/uo/UO-KA"' in html


def test_signing_in_without_details_leads_to_the_details_page(world):
    with world.store.transaction() as conn:
        conn.execute("UPDATE accounts SET terms_accepted_at = NULL WHERE rpps = ?", (RPPS_A,))
    client = signed_in(world, RPPS_A, PASSWORD_A)
    path, query = redirected_to(client.get("/connexion?next=/uo/UO-A"))
    assert path == "/compte/informations" and query == {"next": ["/uo/UO-A"]}


def test_next_must_stay_on_this_site(world):
    client = signed_in(world, RPPS_A, PASSWORD_A)
    for evil in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        html = page(client, f"/compte/informations?next={evil}")
        assert 'data-next="/mon-compte"' in html, evil


def test_a_practitioner_cannot_open_another_practitioners_sheet(world):
    client = signed_in(world, RPPS_A, PASSWORD_A)
    html = page(client, "/mon-compte/uo/UO-KB", status=403)
    assert "Accès refusé" in html and "Cette fiche ne vous appartient pas" in html
    assert "Aucune unité (UO)" in page(client, "/mon-compte/uo/UO-NOPE", status=404)


def test_cell_pages_refuse_practitioners_with_a_french_page(world):
    client = signed_in(world, RPPS_A, PASSWORD_A)
    for url in ("/cellule/anomalies", "/cellule/anomalies/1", "/cellule"):
        html = page(client, url, status=403)
        assert "réservée à la cellule de gestion du ROR" in html


# --- « Mon compte » --------------------------------------------------------------------------------

def test_my_account_shows_the_rpps_identity_the_units_and_the_reports(world):
    report(world, "UO", "UO-KA", "Le téléphone indiqué sonne dans le vide.", theme="06")
    client = signed_in(world, RPPS_A, PASSWORD_A)
    html = page(client, "/mon-compte")
    assert "Ces données proviennent du RPPS et ne sont pas modifiables ici." in html
    assert "Claire Martin" in html and RPPS_A in html
    assert "3 rue des Chantiers" in html and "78000 Versailles" in html
    assert re.search(r'<a class="unit-card-link" href="/mon-compte/uo/UO-KA">Consultation kinésithérapie</a>', html)
    assert "UO-KB" not in html
    assert "Le téléphone indiqué sonne dans le vide." in html
    assert 'class="anomaly-status anomaly-status--new">Nouvelle<' in html


def test_my_account_offers_to_resend_an_unconfirmed_address(world):
    with world.store.transaction() as conn:
        conn.execute("UPDATE accounts SET email_confirmed_at = NULL WHERE rpps = ?", (RPPS_A,))
    html = page(signed_in(world, RPPS_A, PASSWORD_A), "/mon-compte")
    assert "Renvoyer l'e-mail de confirmation" in html and "non confirmée" in html


# --- the sheet form ------------------------------------------------------------------------------

def test_sheet_form_shows_rpps_data_read_only_and_the_current_values(world):
    client = signed_in(world, RPPS_A, PASSWORD_A)
    html = page(client, "/mon-compte/uo/UO-KA")
    revision = client.get("/api/v1/me/units/UO-KA").get_json()["revision"]
    assert f'data-revision="{revision}"' in html
    assert "Ces données proviennent du RPPS et ne sont pas modifiables ici." in html
    assert "<dt>Numéro RPPS</dt><dd class=\"mono\">" + RPPS_A in html
    # RPPS data is shown, never an input.
    assert 'name="name"' not in html and 'name="address"' not in html
    assert '<label for="f-phone">Téléphone prise de rendez-vous</label>' in html
    assert 'value="01 39 00 00 42"' in html                        # stored as +33139000042
    assert '<label for="f-mobile">Mobile</label>' in html
    assert 'id="week-1" type="text" value="9h-12h"' in html       # Monday 540-720
    assert 'id="week-2" type="text" value=""' in html
    for day in ("Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi", "Dimanche"):
        assert f">{day}</label>" in html
    assert 'data-error-for="week.2"' in html
    assert "Si vous ne cochez rien, vous êtes considéré comme généraliste." in html
    nom = nomenclature()
    assert html.count('name="aptitudes"') == len(nom.aptitudes)
    for label in nom.aptitude_groups.values():
        assert f"<legend>{label}</legend>".replace("'", "&#39;") in html
    assert "Ouvert les jours fériés" in html and "Informations complémentaires" in html
    for role in schemas.RESOURCE_PERSON_ROLES:
        assert f'<option value="{role}">' in html
    assert "Claire Martin</strong> — titulaire" in html               # RPPS resource person, read-only
    assert 'href="/uo/UO-KA"' in html


def test_sheet_form_lists_home_visit_communes_as_removable_chips(world):
    client = signed_in(world, RPPS_A, PASSWORD_A)
    revision = client.get("/api/v1/me/units/UO-KA").get_json()["revision"]
    saved = send(client, "PUT", "/api/v1/me/units/UO-KA", {"revision": revision, "home_visit": True,
                                                          "home_visit_communes": ["78646", "78158"]})
    assert saved.status_code == 200, saved.get_json()
    html = page(client, "/mon-compte/uo/UO-KA")
    assert 'id="f-home_visit-yes" name="home_visit" value="true" checked' in html
    assert '<li class="chip" data-insee="78646"><span>Versailles (78000)</span>' in html
    assert 'aria-label="Retirer Le Chesnay-Rocquencourt' in html


# --- e-mail links ----------------------------------------------------------------------------------

def test_confirmation_link_in_the_email_opens_the_page_that_confirms(world):
    client = signed_in(world, RPPS_A, PASSWORD_A)
    assert send(client, "POST", "/api/v1/account/details", {"email": "c.martin@kine.test", "accept_terms": True}).status_code == 200
    link = link_in(world.mails()[-1], CONFIRM_LINK_PATH)
    assert urlsplit(link).path == "/compte/confirmation"
    html = page(world.client(), f"/compte/confirmation?token={token_of(link)}")
    assert "Votre adresse e-mail est confirmée." in html and "c.martin@kine.test" in html
    again = page(world.client(), f"/compte/confirmation?token={token_of(link)}", status=400)
    assert "n&#39;est plus valide" in again


def test_reset_link_opens_the_new_password_page_with_the_live_rules(world):
    client = world.client()
    send(client, "POST", "/api/v1/account/password-reset", {"login": RPPS_A})
    link = link_in(world.mails()[-1], RESET_LINK_PATH)
    assert urlsplit(link).path == "/mot-de-passe/nouveau"
    html = page(client, f"/mot-de-passe/nouveau?token={token_of(link)}")
    assert f'name="token" value="{token_of(link)}"' in html
    assert "Au moins une lettre majuscule" in html
    world.clock.advance(hours=1, seconds=1)
    expired = page(client, f"/mot-de-passe/nouveau?token={token_of(link)}", status=400)
    assert "Faire une nouvelle demande" in expired


def test_signed_in_visitor_of_the_sign_in_page_goes_on(world):
    client = signed_in(world, RPPS_A, PASSWORD_A)
    assert redirected_to(client.get("/connexion"))[0] == "/mon-compte"
    assert redirected_to(client.get("/connexion?next=/uo/UO-A"))[0] == "/uo/UO-A"
    admin = signed_in(world, ADMIN_EMAIL, ADMIN_PASSWORD)
    assert redirected_to(admin.get("/connexion"))[0] == "/cellule/anomalies"


def test_activation_page_then_sign_in_page_prefilled(world, settings, search, tmp_path):
    fresh = make_world(settings, tmp_path / "fresh", accounts_ready=False)
    code = activation.issue_codes(fresh.store, rpps_list=[RPPS_A], now=fresh.clock())[0].code
    client = fresh.client()
    done = send(client, "POST", "/api/v1/activation", {"rpps": RPPS_A, "code": code, "password": PASSWORD_A})
    assert done.status_code == 201
    assert f'value="{RPPS_A}"' in page(client, f"/connexion?identifiant={RPPS_A}")


# --- the management cell ---------------------------------------------------------------------------

def test_admin_queue_lists_reports_with_filters_and_counts(world):
    first = report(world, "UO", "UO-KA", "Le téléphone indiqué sonne dans le vide.", theme="06")
    second = report(world, "EG", "EG-VER1", "L'adresse du cabinet a changé l'an dernier.", theme="04")
    admin = signed_in(world, ADMIN_EMAIL, ADMIN_PASSWORD)
    html = page(admin, "/cellule/anomalies")
    assert 'data-total="2"' in html
    assert f'href="/cellule/anomalies/{first["id"]}"' in html and 'href="/uo/UO-KA"' in html
    assert 'href="/eg/EG-VER1"' in html
    assert "Exactitude" in html and "Récence" in html

    only_eg = page(admin, "/cellule/anomalies?target_type=EG")
    assert 'data-total="1"' in only_eg and f'href="/cellule/anomalies/{second["id"]}"' in only_eg
    assert 'data-total="1"' in page(admin, "/cellule/anomalies?theme=06")
    assert 'data-total="2"' in page(admin, "/cellule/anomalies?assignee=none")
    assert 'data-total="0"' in page(admin, "/cellule/anomalies?assignee=me")
    assert 'data-total="0"' in page(admin, "/cellule/anomalies?status=resolved")
    assert "Statut inconnu" in page(admin, "/cellule/anomalies?status=lost", status=400)


def test_admin_anomaly_page_offers_the_allowed_transitions_and_assignment(world):
    made = report(world, "UO", "UO-KA", "Le téléphone indiqué sonne dans le vide.", theme="06")
    admin = signed_in(world, ADMIN_EMAIL, ADMIN_PASSWORD)
    html = page(admin, f"/cellule/anomalies/{made['id']}")
    assert "Le téléphone indiqué sonne dans le vide." in html
    assert "M'attribuer" in html
    for status in ("in_progress", "resolved", "rejected"):
        assert f'value="{status}"' in html
    assert 'value="new"' not in html
    assert "obligatoire pour clore" in html
    assert "Aucune anomalie n° 999." in page(admin, "/cellule/anomalies/999", status=404)
