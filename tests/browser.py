"""Helpers of the browser tests: the app served on a free loopback port, Chromium's options."""
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

    def __enter__(self) -> "LiveServer":
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
