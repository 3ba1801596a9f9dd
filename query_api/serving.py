"""The service as it runs in production: one process (waitress), or several on one port (gunicorn).

Each process serves the app and drains the outbox in a background thread. Nothing
that must hold for the whole service lives in a process's memory: rate limits,
lockouts, sessions' epochs and the reindex lease are rows of the store, so any
process may answer any request. With several processes:
- gunicorn's master migrates the store, binds the port and forks the workers; each
  builds its own app after the fork (no preloading), so no store connection or
  engine client is shared across a fork;
- request figures go to PROMETHEUS_MULTIPROC_DIR (prometheus-client's multiprocess
  mode), which must be in the environment before any worker imports the library:
  a scratch directory is made when the operator gave none, and emptied at start
  either way (figures of an earlier run would be added up with this one's);
- the access log names the worker (pid) that answered each request;
- without ROR_SECRET_KEY, the key that signs session cookies is drawn once, in the
  master, so that every worker accepts the others' cookies.
"""
from __future__ import annotations

import dataclasses
import os
import secrets
import tempfile
from pathlib import Path

from config import Settings

#: Threads per process, as the single-process server always had.
THREADS = 8
#: Flask answers bodies over MAX_CONTENT_LENGTH with a French 413; far larger ones are cut at the
#: socket rather than buffered to disk (waitress buffers up to 1 GiB by default).
MAX_BUFFERED_BODY = 16 * 1024 * 1024
ACCESS_LOG_FORMAT = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms pid=%(p)s'


def _app_with_sync(settings: Settings):
    """The app and its outbox drainer, started in the calling process."""
    from indexer.sync import SyncWorker
    from query_api import create_app

    app = create_app(settings)
    resources = app.extensions["ror"]
    # Edits become searchable within seconds: the outbox is drained in the background.
    worker = SyncWorker(resources["store"], resources["search"], settings)
    worker.start()
    return app, worker


def serve(settings: Settings, workers: int = 1) -> None:
    """Serve until stopped: waitress for one process, gunicorn for ``workers`` processes."""
    if workers <= 1:
        _serve_one(settings)
    else:
        _serve_several(prepare_metrics_dir(settings), workers)


def _serve_one(settings: Settings) -> None:
    import waitress

    app, worker = _app_with_sync(settings)
    print(f"ROR search: http://{settings.host}:{settings.port}/", flush=True)
    try:
        waitress.serve(app, host=settings.host, port=settings.port, threads=THREADS, ident="ror-search",
                       max_request_body_size=MAX_BUFFERED_BODY)
    finally:
        worker.stop()


def prepare_metrics_dir(settings: Settings) -> Settings:
    """PROMETHEUS_MULTIPROC_DIR made (or emptied) and exported for the workers to come."""
    directory = Path(settings.prometheus_multiproc_dir or tempfile.mkdtemp(prefix="ror-metrics-"))
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()
    # prometheus-client reads its own variable when imported, in each worker: set it before the fork.
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)
    return dataclasses.replace(settings, prometheus_multiproc_dir=str(directory))


def _serve_several(settings: Settings, workers: int) -> None:
    from gunicorn.app.base import BaseApplication

    from catalog.store import open_store

    if not settings.secret_key:
        # One key for every worker, drawn before the fork: a cookie signed by one must be good on the others.
        settings = dataclasses.replace(settings, secret_key=secrets.token_hex(32))
    # The master brings the schema up to date before forking: workers opening a new SQLite store
    # at once would race to create it (SQLite refuses a read lock's upgrade at once, busy timeout or not).
    open_store(settings.store_location).dispose()

    def worker_exit(_server, _worker) -> None:
        sync = _state.get("sync")
        if sync is not None:
            sync.stop()

    def child_exit(_server, worker) -> None:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)

    def when_ready(_server) -> None:
        print(f"ROR search: http://{settings.host}:{settings.port}/ ({workers} processus)", flush=True)

    _state: dict = {}

    class Service(BaseApplication):
        def load_config(self):
            options = {
                "bind": f"{settings.host}:{settings.port}", "workers": workers, "worker_class": "gthread",
                "threads": THREADS, "preload_app": False, "accesslog": "-", "access_log_format": ACCESS_LOG_FORMAT,
                "proc_name": "ror-search", "worker_exit": worker_exit, "child_exit": child_exit,
                "when_ready": when_ready,
                # gunicorn's control socket (one path per user by default) would be shared by two services.
                "control_socket_disable": True,
            }
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self):
            # Called in each worker after the fork (no preloading): its own app, store pool and drainer.
            app, _state["sync"] = _app_with_sync(settings)
            return app

    Service().run()
