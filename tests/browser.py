"""Helpers of the browser tests: the app served on a free loopback port, Chromium's options,
and a watch on Content-Security-Policy violations."""
from __future__ import annotations

import dataclasses
import sqlite3
import threading
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


class LiveServer:
    """A WSGI app served by werkzeug in a background thread (one thread per request)."""

    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="live-server", daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)
        self.server.server_close()


def private_store_settings(settings, source_store_path: str, directory: Path):
    """Settings that read the same indexes but a private copy of the store.

    Accounts and anomalies created by a browser test then stay out of the store
    that the other tests share.
    """
    copy = directory / "browser-store.sqlite3"
    source, target = sqlite3.connect(source_store_path), sqlite3.connect(copy)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()
    return dataclasses.replace(settings, store_path=str(copy), mail_dir=str(directory / "mail"))


# Reports every violation of the page's policy (the DOM event) to the test, on every page of the
# context; injected by the browser itself, so the policy does not apply to this script.
_CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__rorPolicyViolation({page: location.pathname + location.search, directive: event.effectiveDirective,
    blocked: event.blockedURI, source: event.sourceFile, line: event.lineNumber, sample: event.sample});
});
"""
_POLICY_WORDS = ("Content Security Policy", "Content-Security-Policy", "Permissions-Policy", "Permissions policy")


def watch_policy_violations(context, seen: list[str] | None = None) -> list[str]:
    """The Content-Security-Policy violations of every page of a browser context, as they happen,
    appended to ``seen`` (e.g. the list of a test's JavaScript errors), which is returned.

    Two witnesses: the ``securitypolicyviolation`` event, and Chromium's console errors
    about a policy (which also catch a Permissions-Policy the browser did not understand).
    """
    seen = [] if seen is None else seen

    def reported(source, v) -> None:
        seen.append(f"policy violation on {v['page']}: {v['directive']} blocked {v['blocked'] or '?'} "
                    f"({v['source']}:{v['line']}) {v['sample']!r}")

    def console(message) -> None:
        if any(word in message.text for word in _POLICY_WORDS):
            seen.append(f"console {message.type} on {message.page.url if message.page else '?'}: {message.text}")

    context.expose_binding("__rorPolicyViolation", reported)
    context.add_init_script(_CSP_LISTENER)
    context.on("console", console)
    return seen


def run_module_on_cases(browser, base_url: str, module: str, call: str, cases: list) -> tuple[list, list[str]]:
    """Each case given to a static ES module as the pages import it (same URL, same policy):
    ``call`` is the expression applied to ``m`` (the module) and ``c`` (a case), e.g.
    ``m.parseDay(c.text, c.day)``. Returns the results, and the page's errors and policy violations."""
    context = browser.new_context(base_url=base_url)
    problems = watch_policy_violations(context)
    page = context.new_page()
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto("/aide")
    results = page.evaluate(f"""async (cases) => {{
        const m = await import("/static/{module}");
        return cases.map((c) => {call});
    }}""", cases)
    context.close()
    return results, problems


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, headless, one per test module (never a downloaded browser).

    No skip when it is missing: `./ror test` installs it, and a browser test that
    quietly does not run would hide broken pages.
    """
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run the tests with `./ror test`, which installs it.")
    ARTIFACTS.mkdir(exist_ok=True)
    playwright = sync_playwright().start()
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()
    playwright.stop()


def sign_in(page, login: str, password: str, then: str | None = None) -> None:
    """Sign in through the page as a person does; wait for ``then`` (or for leaving the form)."""
    page.goto("/connexion")
    page.get_by_label("Numéro RPPS ou adresse e-mail").fill(login)
    page.get_by_label("Mot de passe", exact=True).fill(password)
    page.get_by_role("button", name="Se connecter").click()
    if then is None:
        page.wait_for_url(lambda url: "/connexion" not in url)
    else:
        page.wait_for_url(f"**{then}")
