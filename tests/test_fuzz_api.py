"""Every operation of the OpenAPI document, fuzzed with schemathesis: no 5xx, every answer as documented.

Each operation of /api/v1/openapi.json gets generated requests, valid and invalid
(examples, boundary "coverage" cases, random fuzzing), sent to the real app (real
store, real OpenSearch node) with the credentials the operation declares:

- admin operations (/api/v1/admin/...): a signed-in admin session + its CSRF token;
- the practitioner's operations (me, account, anomalies): practitioner A's session + CSRF;
- writes that need no account (login, activation, password reset): an anonymous
  session + CSRF;
- public reads: in turn anonymous, with an API key (Bearer) and signed in.

Every check schemathesis has runs, with no exemption: no server error (the only
5xx allowed is a documented 503), the status code, content type, body and headers
are as documented (response schemas refuse undocumented fields), a schema-valid
request is accepted and a schema-invalid one refused (the leniency kept on purpose
is declared in the document: a blank query parameter is absent, codes are read
whatever their case and surrounding spaces), an operation that declares
authentication refuses requests without it, and an undocumented method gets 405
with an Allow header. Rate-limit windows roll over: the app's clock moves 0.2 s per
request.

CI runs a bounded number of examples per operation (ROR_FUZZ_EXAMPLES, default
12). A longer run, by command:

    ops/fuzz.sh 500                 # 500 examples per operation
    ROR_FUZZ_EXAMPLES=500 .venv/bin/python -m pytest tests/test_fuzz_api.py -p no:cacheprovider

(OpenSearch must answer on OPENSEARCH_URL, as for the whole suite: ./ror test starts it.)
"""
from __future__ import annotations

import dataclasses
import itertools
import os
import re
import tempfile

import pytest
import schemathesis
from hypothesis import strategies

from catalog import accounts, anomalies
from catalog.identifiers import make_rpps
from config import Settings
from indexer.reindex import reindex
from query_api import create_app
from query_api.api import openapi
from tests.world import ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD_A, RPPS_A, make_world, send, signed_in

# A test knob, not a setting of the service: how long the fuzzing goes on.
MAX_EXAMPLES = int(os.environ.get("ROR_FUZZ_EXAMPLES", "12"))


CONFIG = schemathesis.Config.from_dict({
    "seed": 2026,
    "cache": {"enabled": False},
    "suppress-health-check": ["too_slow"],   # a loaded CI machine is not a bug of the API
    "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "database": "none",
                   "with-security-parameters": False},
    "phases": {"stateful": {"enabled": False}},
    # The only 5xx the API may answer is the documented 503 (engine down).
    "checks": {"not_a_server_error": {"expected-statuses": ["1XX", "2XX", "3XX", "4XX", "503"]}},
})


class Identities:
    """Session cookies and CSRF tokens of the fuzzing identities, and a live API key."""

    def __init__(self, world):
        self.world = world
        self.practitioner = self._session(signed_in(world, RPPS_A, PASSWORD_A))
        self.admin = self._session(signed_in(world, ADMIN_EMAIL, ADMIN_PASSWORD))
        self.anonymous = self._session(world.client())
        # Key 1 is a decoy for the fuzzer's DELETE /admin/api-keys/1.
        accounts.create_api_key(world.store, "leurre")
        self.api_key = accounts.create_api_key(world.store, "fuzz")
        self._public_turn = itertools.cycle(("anonymous", "api_key", "practitioner"))

    @staticmethod
    def _session(client) -> tuple[str, str]:
        csrf = client.get("/api/v1/session").get_json()["csrf_token"]
        return client.get_cookie("session").value, csrf

    def _live_api_key(self) -> str:
        # The fuzzer may revoke any key: come back with a new one rather than test 401s only.
        with self.world.store.snapshot() as conn:
            alive = accounts.api_key_for(conn, self.api_key) is not None
        if not alive:
            self.api_key = accounts.create_api_key(self.world.store, "fuzz")
        return self.api_key

    def who(self, operation) -> str:
        """The identity the operation's documented security asks for."""
        path, security = operation.path, operation.definition.raw.get("security", [])
        if path.startswith("/api/v1/admin/"):
            return "admin"
        if {} in security:  # a public read: anyone, in turn
            return next(self._public_turn)
        if path in ANONYMOUS_WRITES:
            return "anonymous"
        return "practitioner"

    def apply(self, case) -> None:
        who = self.who(case.operation)
        if who == "api_key":
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {self._live_api_key()}"}
            return
        cookie, csrf = getattr(self, who)
        case.headers = {**(case.headers or {}), "X-CSRF-Token": csrf}
        case.cookies = {**(case.cookies or {}), "session": cookie}


# Writes anyone may make with a session cookie and its CSRF token, signed in or not.
ANONYMOUS_WRITES = frozenset({"/api/v1/activation", "/api/v1/login", "/api/v1/logout",
                              "/api/v1/account/password-reset", "/api/v1/account/password-reset/confirm"})
IDENTITIES: dict[str, Identities] = {}   # filled by the fuzz_world fixture


@pytest.fixture(scope="module")
def fuzz_world(settings, search, tmp_path_factory):
    world = make_world(settings, tmp_path_factory.mktemp("fuzz"))
    reindex(world.store, search, world.settings, progress=False, grace_seconds=0)
    with world.store.transaction() as conn:  # anomalies for the admin queue to work on (ids 1 and 2)
        reporter = accounts.find_account(conn, rpps=RPPS_A)["id"]
        for target_type, target_id in (("UO", "UO-KA"), ("EG", "EG-VER1")):
            anomalies.report_anomaly(conn, reporter, {"target_type": target_type, "target_id": target_id,
                                                      "message": "Le téléphone ne répond pas."}, world.clock())
    IDENTITIES["current"] = Identities(world)
    yield world
    IDENTITIES.clear()
    job = world.app.extensions.get("ror_reindex_job")
    if job is not None and job.thread is not None:
        job.thread.join(timeout=30)  # a reindex the fuzzer started must end before the indexes are deleted


def served_document() -> dict:
    """The document an app serves, generated from its operations' declarations (a throwaway store)."""
    with tempfile.TemporaryDirectory() as work:
        app = create_app(dataclasses.replace(Settings.from_env(), store_path=f"{work}/store.sqlite3",
                                             secret_key="fuzz"))
        return openapi.document(app)


# The document names the one rule no pattern can state, the RPPS number's Luhn check digit, as the
# format "rpps" (its description says what it is): the fuzzer learns it as any client would.
schemathesis.openapi.format("rpps", strategies.integers(0, 10**9 - 1).map(make_rpps))

# One test per operation.
schema = schemathesis.openapi.from_dict(served_document(), config=CONFIG)


@schema.auth(refresh_interval=None)
class FuzzIdentities:
    """schemathesis's way to authenticate a case: the checks then know the credentials are real."""

    def get(self, case, context):
        # None while the cases of the coverage phase are built, at collection: the test applies it then.
        return IDENTITIES.get("current")

    def set(self, case, identities, context):
        identities.apply(case)


@schema.parametrize()
def test_operation_answers_as_documented_whatever_it_is_sent(case, fuzz_world):
    # Time passes (0.2 s a request), so rate-limit windows roll over as they would in a long run.
    fuzz_world.clock.advance(seconds=0.2)
    case.operation.schema.app = fuzz_world.app  # the checks' own probes (ignored_auth...) go there too
    schema.auth.set(case, schemathesis.AuthContext(operation=case.operation, app=fuzz_world.app))
    case.call_and_validate(app=fuzz_world.app)  # every check schemathesis has


def test_document_covers_every_route_of_the_json_api(fuzz_world):
    """What is fuzzed is the whole API: every /api/v1 route and method is in the document."""
    documented = {(path, method.upper()) for path, operations in openapi.document(fuzz_world.app)["paths"].items()
                  for method in operations if method != "parameters"}
    routed = set()
    for rule in fuzz_world.app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            path = re.sub(r"<(?:[a-z]+(?:\([^)]*\))?:)?([a-z_]+)>", r"{\1}", rule.rule)
            routed |= {(path, method) for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routed - documented == set()
    assert documented - routed == set()


# --- what the fuzzer found, kept as plain regression tests -----------------------------

def _admin(world):
    return signed_in(world, ADMIN_EMAIL, ADMIN_PASSWORD)


def test_method_not_allowed_lists_the_allowed_methods(fuzz_world):
    response = send(fuzz_world.client(), "DELETE", "/api/v1/search")
    assert response.status_code == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "HEAD"}
    assert response.get_json()["error"]["message"] == "Méthode non autorisée pour cette adresse."


@pytest.mark.parametrize("method, path", [
    ("GET", "/api/v1/admin/anomalies/9223372036854775808"),
    ("PATCH", "/api/v1/admin/anomalies/70876119333005946530037760"),
    ("DELETE", "/api/v1/admin/api-keys/9223372036854775808"),
])
def test_an_id_beyond_sqlite_integers_is_unknown_not_a_crash(fuzz_world, method, path):
    client = _admin(fuzz_world)
    response = send(client, method, path, {"status": "in_progress"} if method == "PATCH" else None)
    assert response.status_code == 404, response.get_json()


@pytest.mark.parametrize("query, field", [
    ("page=1257986055224590336000", "page"),
    ("assignee=99999999999999999999999", "assignee"),
    ("assignee=" + "9" * 5000, "assignee"),
])
def test_admin_queue_refuses_out_of_range_numbers(fuzz_world, query, field):
    response = _admin(fuzz_world).get(f"/api/v1/admin/anomalies?{query}")
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["error"]["field"] == field
