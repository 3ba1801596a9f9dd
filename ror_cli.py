"""The ``ror`` command: run the local engine, the service, the demo and the tests."""
from __future__ import annotations

import argparse
import json
import subprocess
import sys

from config import PROJECT_DIR, Settings
from ops import opensearch


def _opensearch(args, settings: Settings) -> int:
    if args.action == "start":
        opensearch.start(settings)
    elif args.action == "stop":
        opensearch.stop(settings)
    else:
        state = opensearch.status(settings)
        print(json.dumps(state, indent=2))
        return 0 if state["status"] in ("green", "yellow") else 3
    return 0


def _serve(args, settings: Settings) -> int:
    import waitress

    from indexer.sync import SyncWorker
    from query_api import create_app

    app = create_app(settings)
    resources = app.extensions["ror"]
    # Edits become searchable within seconds: the outbox is drained in the background.
    worker = SyncWorker(resources["store"], resources["search"], settings)
    worker.start()
    print(f"ROR search: http://{settings.host}:{settings.port}/", flush=True)
    try:
        waitress.serve(app, host=settings.host, port=settings.port, threads=8, ident="ror-search")
    finally:
        worker.stop()
    return 0


def _store(settings: Settings):
    from catalog.store import open_store

    return open_store(settings.store_path)


def _reindex(args, settings: Settings) -> int:
    from indexer.engine import search_client
    from indexer.reindex import reindex

    report = reindex(_store(settings), search_client(settings, timeout=120), settings, grace_seconds=args.grace)
    print(f"{report.documents} UO indexées dans {report.index} en {report.seconds:.1f} s "
          f"({report.rate:,.0f} UO/s).".replace(",", " "))
    return 0


def _sync(args, settings: Settings) -> int:
    import time

    from indexer.engine import search_client
    from indexer.sync import drain

    store, client = _store(settings), search_client(settings)
    while True:
        result = drain(store, client, settings)
        if result.applied or result.failed:
            print(f"synchronisation : {result.applied} appliquées, {result.failed} en attente de nouvel essai", flush=True)
        if not args.watch:
            return 0 if not result.failed else 1
        time.sleep(1)


def _status(args, settings: Settings) -> int:
    from indexer.engine import search_client
    from indexer.status import index_status

    state = index_status(_store(settings), search_client(settings), settings)
    print(json.dumps(state, indent=2, ensure_ascii=False))
    return 0 if state["in_sync"] else 3


def _demo(args, settings: Settings) -> int:
    if not args.external_engine:
        opensearch.start(settings)
    return _serve(args, settings)


def _test(args, settings: Settings) -> int:
    was_running = opensearch.status(settings)["status"] in ("green", "yellow")
    opensearch.start(settings)
    try:
        command = [sys.executable, "-m", "pytest", *args.pytest_args]
        return subprocess.run(command, cwd=PROJECT_DIR).returncode
    finally:
        if not was_running and not args.keep_engine:
            opensearch.stop(settings)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ror", description="ROR search: directory of the health-care offer.")
    commands = parser.add_subparsers(dest="command", required=True)

    engine = commands.add_parser("opensearch", help="the local OpenSearch node (no Docker needed)")
    engine.add_argument("action", choices=["start", "stop", "status"])
    engine.set_defaults(handler=_opensearch)

    serve = commands.add_parser("serve", help="serve the web UI and the API")
    serve.set_defaults(handler=_serve)

    reindex = commands.add_parser("reindex", help="rebuild the search index from the store (zero downtime)")
    reindex.add_argument("--grace", type=int, default=600, help="seconds the previous index is kept (default 600)")
    reindex.set_defaults(handler=_reindex)

    sync = commands.add_parser("sync", help="apply the store's pending changes to the index")
    sync.add_argument("--watch", action="store_true", help="keep running, draining every second")
    sync.set_defaults(handler=_sync)

    status = commands.add_parser("status", help="index vs store: alias, counts, outbox depth")
    status.set_defaults(handler=_status)

    demo = commands.add_parser("demo", help="start OpenSearch, load the Île-de-France demo data, serve")
    demo.add_argument("--external-engine", action="store_true", help="use OPENSEARCH_URL as is (Docker), start no node")
    demo.set_defaults(handler=_demo)

    test = commands.add_parser("test", help="start OpenSearch and run the whole test suite (extra arguments go to pytest)")
    test.add_argument("--keep-engine", action="store_true", help="leave the node running afterwards")
    test.set_defaults(handler=_test)
    return parser


def main(argv: list[str] | None = None) -> int:
    # Whatever `ror test` does not know is for pytest (-k, -x, a test path, ...).
    args, extra = build_parser().parse_known_args(argv)
    if args.command != "test" and extra:
        build_parser().error(f"unrecognized arguments: {' '.join(extra)}")
    args.pytest_args = extra
    settings = Settings.from_env()
    try:
        return args.handler(args, settings)
    except opensearch.NodeError as error:
        print(f"ror: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
