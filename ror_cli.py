"""The ``ror`` command: run the local engine, the service, the demo and the tests."""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from datetime import UTC

from catalog.api_key_scopes import SCOPES as API_KEY_SCOPES
from config import PROJECT_DIR, Settings
from ops import opensearch


def _opensearch(args, settings: Settings) -> int:
    if args.action == "start":
        opensearch.start(settings, nodes=args.nodes)
    elif args.action == "stop":
        opensearch.stop(settings)
    else:
        state = opensearch.status(settings)
        print(json.dumps(state, indent=2))
        if state["status"] not in ("green", "yellow"):
            return 3
        if state["missing_modules"]:
            print(f"Modules manquants : {', '.join(state['missing_modules'])} "
                  "(`./ror opensearch stop` puis `./ror opensearch start` les installe).", file=sys.stderr)
            return 4
    return 0


def _serve(args, settings: Settings) -> int:
    from query_api.serving import serve

    serve(settings, workers=getattr(args, "workers", 1))
    return 0


def _store(settings: Settings):
    from catalog.store import open_store

    return open_store(settings.store_location)


def _reindex(args, settings: Settings) -> int:
    from catalog import audit, reindex_runs
    from indexer import reindex_job
    from indexer.engine import search_client

    store = _store(settings)
    try:
        run_id = reindex_job.begin(store, settings, audit.ACTOR_CLI)
    except reindex_runs.ReindexBusy as busy:
        run = busy.run
        print(f"ror: une réindexation est déjà en cours (lancée par {run['actor_name']}, "
              f"{run['written']} / {run['total']} UO) : une seule à la fois.", file=sys.stderr)
        return 1
    # The bar below is this terminal's; the same progress is in the store for the console.
    try:
        report = reindex_job.run(store, search_client(settings, timeout=120), settings, run_id, audit.ACTOR_CLI,
                                 progress=True, grace_seconds=args.grace)
    except Exception as error:    # recorded in the run and the audit trail
        print(f"ror: réindexation en échec : {reindex_job.failure_reason(error)}", file=sys.stderr)
        return 1
    print(f"{report.documents} UO indexées dans {report.index} en {report.seconds:.1f} s "
          f"({report.rate:,.0f} UO/s).".replace(",", " "))
    return 0


def _synonyms(args, settings: Settings) -> int:
    from indexer.analysis import apply_synonyms
    from indexer.engine import SUGGEST, UNITS, alias_name, building_alias_name, search_client

    client = search_client(settings, timeout=60)
    aliases = [alias_name(settings, UNITS), alias_name(settings, SUGGEST), building_alias_name(settings, UNITS)]
    indices = sorted({index for alias in aliases if client.indices.exists_alias(name=alias)
                      for index in client.indices.get_alias(name=alias)})
    if not indices:
        print("Aucun index à mettre à jour : lancez d'abord `./ror reindex`.", file=sys.stderr)
        return 1
    changed = apply_synonyms(client, indices)
    for index in indices:
        print(f"{index} : {'synonymes mis à jour' if index in changed else 'déjà à jour'}")
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
    from datetime import datetime

    from indexer import reindex_job
    from indexer.alerts import warnings
    from indexer.engine import search_client
    from indexer.status import index_status

    store = _store(settings)
    state = index_status(store, search_client(settings), settings)
    state["warnings"] = warnings(state, settings, datetime.now(UTC))
    state["reindex"] = reindex_job.status(store, history=1)["reindex"]
    print(json.dumps(state, indent=2, ensure_ascii=False))
    for warning in state["warnings"]:
        print(f"ALERTE ({warning['code']}) : {warning['message']}", file=sys.stderr)
    return 0 if state["in_sync"] and not state["warnings"] else 3


def _demo(args, settings: Settings) -> int:
    """Everything a newcomer needs: engine, Île-de-France demo data, index, accounts, service."""
    import dataclasses
    import time
    from pathlib import Path

    from catalog import demo, repository
    from catalog.accounts import ensure_demo_accounts
    from catalog.activation import issue_codes
    from indexer.engine import search_client
    from indexer.reindex import reindex
    from indexer.status import index_status

    if args.reset and settings.store_url:
        print("ror: --reset ne vide que le fichier SQLite ; videz la base PostgreSQL de ROR_STORE_URL vous-même.",
              file=sys.stderr)
        return 2
    if settings.env == "development":
        settings = dataclasses.replace(settings, env="demo")
    if not args.external_engine:
        opensearch.start(settings)
    if args.reset:
        for suffix in ("", "-wal", "-shm"):
            Path(settings.store_path + suffix).unlink(missing_ok=True)
    store = _store(settings)
    with store.snapshot() as conn:
        empty = repository.count_units(conn) == 0
    if empty:
        started = time.monotonic()
        files = demo.generate(Path(settings.state_dir) / "demo", physios=args.physios, seed=args.seed)
        _say(f"jeu de démonstration généré ({args.physios} kinésithérapeutes), chargement…")
        counts = demo.load(store, files, progress=_progress_printer("chargement"))
        _say(f"{counts['units']} UO chargées en {time.monotonic() - started:.0f} s")
    client = search_client(settings, timeout=120)
    if not index_status(store, client, settings)["in_sync"]:
        report = reindex(store, client, settings, grace_seconds=0)
        _say(f"{report.documents} UO indexées en {report.seconds:.0f} s")
    credentials = ensure_demo_accounts(store, settings)
    with store.snapshot() as conn:
        newcomers = repository.practitioners_without_account(conn, 3)
    codes = issue_codes(store, rpps_list=newcomers, valid_days=30)
    _print_demo_access(settings, credentials, codes)
    return _serve(args, settings)


def _import_rpps(args, settings: Settings) -> int:
    from catalog.rpps_import import RppsFormatError, format_summary, import_extract

    try:
        summary = import_extract(_store(settings), args.file, professions=tuple(args.profession),
                                 progress=_progress_printer("import RPPS"), complete=args.complete)
    except (RppsFormatError, OSError, UnicodeDecodeError) as error:
        print(f"ror: import impossible : {error}", file=sys.stderr)
        return 1
    print(format_summary(summary))
    return 0


def _activation_codes(args, settings: Settings) -> int:
    from pathlib import Path

    from catalog.activation import issue_codes, write_mailing_csv

    try:
        codes = issue_codes(_store(settings), rpps_list=args.rpps or None, valid_days=args.days)
    except ValueError as error:
        print(f"ror: {error}", file=sys.stderr)
        return 1
    path = write_mailing_csv(codes, Path(args.out))
    print(f"{len(codes)} code(s) d'activation émis, valables {args.days} jours ; publipostage : {path}")
    return 0


def _api_key(args, settings: Settings) -> int:
    from catalog import accounts

    store = _store(settings)
    if args.action == "create":
        if not args.name:
            print("ror: donnez un nom à la clé (--name « Application X »).", file=sys.stderr)
            return 2
        key = accounts.create_api_key(store, args.name, scopes=tuple(args.scope))
        rights = "lecture" + "".join(f", {API_KEY_SCOPES[scope]}" for scope in sorted(set(args.scope)))
        kind = "en lecture seule" if not args.scope else f"(droits : {rights})"
        print(f"Clé d'API {kind} pour « {args.name} » (affichée une seule fois) :\n{key}")
    elif args.action == "revoke":
        if args.id is None or not accounts.revoke_api_key(store, args.id):
            print("ror: aucune clé active avec cet identifiant.", file=sys.stderr)
            return 1
        print(f"Clé {args.id} révoquée.")
    else:
        with store.snapshot() as conn:
            for key in accounts.list_api_keys(conn):
                state = f"révoquée le {key['revoked_at'][:10]}" if key["revoked_at"] else "active"
                print(f"{key['id']:>4}  {key['prefix']}…  {key['name']}  ({state})")
    return 0


def _create_admin(args, settings: Settings) -> int:
    import getpass

    from catalog import accounts
    from catalog.schemas import password_problems
    from catalog.store import utcnow

    password = getpass.getpass("Mot de passe : ") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
    problems = password_problems(password)
    if problems:
        print("ror: mot de passe refusé : " + " ".join(problems), file=sys.stderr)
        return 1
    try:
        with _store(settings).transaction() as conn:
            accounts.create_admin_account(conn, args.email, password, args.name or args.email, utcnow())
    except accounts.AccountExists:
        print(f"ror: un compte existe déjà pour {args.email}.", file=sys.stderr)
        return 1
    print(f"Compte de la cellule de gestion créé : {args.email}")
    return 0


def _backup(args, settings: Settings) -> int:
    from catalog.backup import BackupError, backup, restore

    try:
        if args.action == "backup":
            info = backup(_store(settings), args.file)
            size = f"{info['bytes']:,}".replace(",", " ")
            print(f"Sauvegarde écrite : {info['path']} ({info['units']} UO, {size} octets)")
        else:
            restore(args.file, settings.store_location)
            print("Base restaurée. Lancez « ./ror reindex » pour reconstruire l'index de recherche.")
    except BackupError as error:
        print(f"ror: {error}", file=sys.stderr)
        return 1
    return 0


def _bench(args, settings: Settings) -> int:
    extra = list(args.pytest_args)
    module = "bench.run"
    if extra[:1] == ["relevance"]:      # ./ror bench relevance: the judged queries (bench/relevance.py)
        module, extra = "bench.relevance", extra[1:]
    command = [sys.executable, "-m", module, *extra]
    return subprocess.run(command, cwd=PROJECT_DIR).returncode


def _say(message: str) -> None:
    print(f"[demo] {message}", file=sys.stderr, flush=True)


def _progress_printer(label: str):
    """Progress lines every 20,000 records (a terminal-friendly heartbeat)."""
    done = [0, 0]

    def tick(count: int) -> None:
        done[0] += count
        if done[0] - done[1] >= 20_000:
            done[1] = done[0]
            _say(f"{label} : {done[0]:,} enregistrements".replace(",", " "))

    return tick


def _print_demo_access(settings: Settings, credentials: dict, codes) -> None:
    lines = ["", "Comptes de démonstration (mode démo uniquement) :",
             f"  cellule de gestion : {credentials['admin']['login']} / {credentials['admin']['password']}"]
    if "practitioner" in credentials:
        kine = credentials["practitioner"]
        lines.append(f"  kinésithérapeute   : RPPS {kine['login']} (ou {kine['email']}) / {kine['password']}")
    if codes:
        lines.append("Codes d'activation inutilisés (parcours « Activation de votre compte » du guide) :")
        lines += [f"  RPPS {c.rpps} ({c.first_name} {c.last_name}) : code {c.code}" for c in codes]
    lines.append(f"Courriels envoyés en démo : {settings.mail_dir}")
    print("\n".join(lines), flush=True)


def _marker_expression(pytest_args: list[str]) -> str | None:
    """The ``-m`` expression given to pytest, if any."""
    for i, arg in enumerate(pytest_args):
        if arg == "-m" and i + 1 < len(pytest_args):
            return pytest_args[i + 1]
        if arg.startswith("-m") and len(arg) > 2:
            return arg[2:]
    return None


def _test(args, settings: Settings) -> int:
    import os

    from ops import postgres

    command = [sys.executable, "-m", "pytest", *args.pytest_args]
    # The unit part needs no engine: no node to fetch, start or wait for.
    unit_only = _marker_expression(args.pytest_args) == "unit"
    was_running = unit_only or opensearch.status(settings)["status"] in ("green", "yellow")
    if not unit_only:
        opensearch.start(settings)
    # The store tests also run on PostgreSQL: a throw-away local cluster, unless a server is given.
    postgres_was_running = bool(settings.test_postgres_url) or postgres.is_running(postgres.cluster_for(settings))
    env = dict(os.environ)
    try:
        if not settings.test_postgres_url:
            env["ROR_TEST_POSTGRES_URL"] = postgres.start(settings).url
        return subprocess.run(command, cwd=PROJECT_DIR, env=env).returncode
    finally:
        if not postgres_was_running and not args.keep_engine:
            postgres.stop(settings)
        if not was_running and not args.keep_engine:
            opensearch.stop(settings)


def _check(args, settings: Settings) -> int:
    """Static checks CI runs before the tests: ruff's rule set is clean, bandit finds no high-severity issue."""
    ruff = [sys.executable, "-m", "ruff", "check", "."]
    code = ["catalog", "indexer", "query_api", "ops", "bench", "config.py", "ror_cli.py"]
    bandit = [sys.executable, "-m", "bandit", "--quiet", "--recursive", "--severity-level", "high", *code]
    return max(subprocess.run(command, cwd=PROJECT_DIR).returncode for command in (ruff, bandit))


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("au moins 1")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ror", description="ROR search: directory of the health-care offer.")
    commands = parser.add_subparsers(dest="command", required=True)

    engine = commands.add_parser("opensearch", help="the local OpenSearch node (no Docker needed)")
    engine.add_argument("action", choices=["start", "stop", "status"])
    engine.add_argument("--nodes", type=int, default=None,
                        help="start a local cluster of N nodes (default: one per address of OPENSEARCH_URL, "
                             "so one; N nodes take OPENSEARCH_URL's port and the next ones, transport port = "
                             "HTTP port + 100, heap OPENSEARCH_CLUSTER_HEAP each)")
    engine.set_defaults(handler=_opensearch)

    serve = commands.add_parser("serve", help="serve the web UI and the API")
    serve.add_argument("--workers", type=_positive, default=1,
                       help="API processes on the one port (default 1: waitress; more: gunicorn's pre-fork workers, "
                            "each with its own outbox drainer)")
    serve.set_defaults(handler=_serve)

    reindex = commands.add_parser("reindex", help="rebuild the search index from the store (zero downtime)")
    reindex.add_argument("--grace", type=int, default=600, help="seconds the previous index is kept (default 600)")
    reindex.set_defaults(handler=_reindex)

    sync = commands.add_parser("sync", help="apply the store's pending changes to the index")
    sync.add_argument("--watch", action="store_true", help="keep running, draining every second")
    sync.set_defaults(handler=_sync)

    synonyms = commands.add_parser(
        "synonyms", help="put catalog/nomenclatures/synonyms.json on the live indexes (no reindex; a second of 503)")
    synonyms.set_defaults(handler=_synonyms)

    status = commands.add_parser("status", help="index vs store: alias, counts, outbox depth")
    status.set_defaults(handler=_status)

    rpps = commands.add_parser("import-rpps", help="import a public RPPS extract (PS_LibreAcces_Personne_activite)")
    rpps.add_argument("file")
    rpps.add_argument("--profession", action="append", default=None, help="RPPS profession code (default 70)")
    rpps.add_argument("--complete", action="store_true",
                      help="the extract lists every activity of the region: end the UOs it no longer lists "
                           "(only in the departments it has lines for), carry a mover's sheet to the new site")
    rpps.set_defaults(handler=_import_rpps)

    codes = commands.add_parser("activation-codes", help="issue one-time activation codes and write the mailing CSV")
    codes.add_argument("--out", default="activation-codes.csv", help="mailing CSV path")
    codes.add_argument("--days", type=int, default=90, help="validity in days (default 90)")
    codes.add_argument("--rpps", action="append", help="only these RPPS numbers (repeatable); default: all eligible")
    codes.set_defaults(handler=_activation_codes)

    for action, text in (("backup", "online backup of the store to FILE (SQLite backup API, or pg_dump)"),
                         ("restore", "replace the store by the backup FILE (stop the service first), then reindex")):
        command = commands.add_parser(action, help=text)
        command.add_argument("file")
        command.set_defaults(handler=_backup, action=action)

    bench = commands.add_parser("bench", help="benchmarks at national scale (extra arguments go to bench.run: --quick, --units N); "
                                   "`bench relevance`: the judged queries (bench.relevance)")
    bench.set_defaults(handler=_bench)

    api_key = commands.add_parser("api-key", help="read-only API keys for other applications")
    api_key.add_argument("action", choices=["create", "list", "revoke"])
    api_key.add_argument("--name", help="who the key is for (create)")
    api_key.add_argument("--id", type=int, help="key id (revoke)")
    api_key.add_argument("--scope", action="append", default=[], choices=sorted(API_KEY_SCOPES),
                         help="an extra right for the key (create; repeatable): report = file anomaly reports "
                              "(POST /fhir/Task), metrics = read /metrics")
    api_key.set_defaults(handler=_api_key)

    admin = commands.add_parser("create-admin", help="create a management cell account (password read from the terminal)")
    admin.add_argument("email")
    admin.add_argument("--name", help="display name")
    admin.set_defaults(handler=_create_admin)

    demo = commands.add_parser("demo", help="start OpenSearch, load the Île-de-France demo data, serve")
    demo.add_argument("--external-engine", action="store_true", help="use OPENSEARCH_URL as is (Docker), start no node")
    demo.add_argument("--physios", type=int, default=16_000, help="size of the generated data set (default 16000)")
    demo.add_argument("--seed", type=int, default=2026, help="seed of the generated data set")
    demo.add_argument("--reset", action="store_true", help="delete the store and load the demo data again")
    demo.set_defaults(handler=_demo)

    test = commands.add_parser("test", help="start OpenSearch and run the whole test suite (extra arguments go to pytest)")
    test.add_argument("--keep-engine", action="store_true", help="leave the node running afterwards")
    test.set_defaults(handler=_test)

    check = commands.add_parser("check", help="static checks run by CI before the tests (ruff, bandit)")
    check.set_defaults(handler=_check)
    return parser


def main(argv: list[str] | None = None) -> int:
    # Whatever `ror test` / `ror bench` do not know is for pytest / bench.run.
    args, extra = build_parser().parse_known_args(argv)
    if args.command not in ("test", "bench") and extra:
        build_parser().error(f"unrecognized arguments: {' '.join(extra)}")
    args.pytest_args = extra
    if getattr(args, "profession", "unset") is None:
        args.profession = ["70"]
    settings = Settings.from_env()
    try:
        return args.handler(args, settings)
    except opensearch.NodeError as error:
        print(f"ror: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
