"""The `hmis-ld` command line: serve, import-csv, export-csv, demo."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from hmis_ld.authz import grants
from hmis_ld.authz.tokens import Issuer
from hmis_ld.cli_backup import COMMANDS as BACKUP_COMMANDS
from hmis_ld.cli_backup import add_commands as add_backup_commands
from hmis_ld.serving import Settings
from hmis_ld.store import STORE_ENV, STORE_URL_ENV, Store, open_store, store_path
from hmis_ld.store.backup import BackupError
from hmis_ld.store.held import StoreHeld

DEMO_CLIENTS = 500


def _store_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", metavar="PATH", help=f"store folder (default: ${STORE_ENV} or ./hmis-ld-store)")
    parser.add_argument("--store-url", metavar="URL",
                        help=f"a SPARQL 1.1 engine's URL instead of a folder (default: ${STORE_URL_ENV})")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hmis-ld", description="HMIS linked-data API server and tools")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the API server on the embedded store")
    _store_arg(serve)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--demo", action="store_true", help=f"load {DEMO_CLIENTS} demo clients into an empty store")
    serve.add_argument("--threads", type=int, default=Settings.threads, help="requests served at once")
    serve.add_argument("--workers", type=int, default=Settings.workers,
                       help="worker processes; more than one needs --store-url (an embedded store admits one)")
    serve.add_argument("--timeout", type=int, default=Settings.timeout,
                       help="seconds without a heartbeat before the worker is restarted")
    serve.add_argument("--graceful-timeout", type=int, default=Settings.graceful_timeout,
                       help="seconds in-flight requests get to finish after SIGTERM")
    serve.add_argument("--keep-alive", type=int, default=Settings.keep_alive,
                       help="seconds an idle connection stays open")
    serve.add_argument("--dev", action="store_true", help="Flask's development server instead of gunicorn")

    imp = sub.add_parser("import-csv", help="import an HMIS CSV FY2026 export (folder or .zip)")
    imp.add_argument("path")
    _store_arg(imp)
    imp.add_argument("--source", default=None, help="name of the source HMIS (scopes record IRIs)")
    imp.add_argument("--strict", action="store_true",
                     help="reject a whole row for any bad value (default: keep the row without that value)")

    exp = sub.add_parser("export-csv", help="write the store as HMIS CSV FY2026 files")
    exp.add_argument("outdir")
    _store_arg(exp)

    upgrade = sub.add_parser("upgrade", help="bring a store written by an earlier version up to date")
    _store_arg(upgrade)

    users = sub.add_parser("users", help="manage API accounts and their grants")
    users_sub = users.add_subparsers(dest="action", required=True)
    for action, text in (("add", "create an account; prints its secret once"), ("list", "list accounts"),
                         ("grant", "give an account a grant"), ("revoke", "take a grant away")):
        p = users_sub.add_parser(action, help=text)
        if action != "list":
            p.add_argument("name")
        if action in ("grant", "revoke"):
            p.add_argument("grant", help=f"one of: {grants.HELP}")
        _store_arg(p)

    persons = sub.add_parser("persons", help="show, merge and split persons (HMIS 5.08 PersonalID)")
    persons_sub = persons.add_subparsers(dest="action", required=True)
    show = persons_sub.add_parser("show", help="a person's surviving PersonalID, ClientIDs and history")
    show.add_argument("personal_id")
    merge = persons_sub.add_parser("merge", help="merge one person into another")
    merge.add_argument("survivor")
    merge.add_argument("merged")
    split = persons_sub.add_parser("split", help="move client records to a new person")
    split.add_argument("personal_id")
    split.add_argument("client_ids", nargs="+", metavar="CLIENT_ID")
    for p in (show, merge, split):
        _store_arg(p)

    token = sub.add_parser("token", help="print a fresh access token for an account (last line)")
    token.add_argument("name")
    _store_arg(token)

    demo = sub.add_parser("demo", help="load deterministic synthetic demo data")
    demo.add_argument("--clients", type=int, default=DEMO_CLIENTS)
    demo.add_argument("--seed", type=int, default=2026)
    _store_arg(demo)
    add_backup_commands(sub, _store_arg)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "store_url", None):
        os.environ[STORE_URL_ENV] = args.store_url  # open_store() reads it, in every command
    commands = {"serve": _serve, "import-csv": _import, "export-csv": _export, "demo": _demo, "users": _users,
                "persons": _persons, "token": _token, "upgrade": _upgrade, **BACKUP_COMMANDS}
    try:
        return commands[args.command](args)
    except (CommandError, StoreHeld, BackupError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


class CommandError(Exception):
    """What went wrong, for the user; the command exits with status 2."""


@contextmanager
def _opened(path: str | Path | None) -> Iterator[Store]:
    store = open_store(store_path(path))
    try:
        yield store
    finally:
        store.close()


def _issuer(store: Store) -> Issuer:
    return Issuer(store, os.environ.get("HMIS_LD_AUTH_ISSUER", "hmis-ld"),
                  os.environ.get("HMIS_LD_AUTH_AUDIENCE", "hmis-ld-api"))


def _users(args: argparse.Namespace) -> int:
    from hmis_ld.authz.accounts import AccountError, Accounts

    with _opened(args.store) as store:
        accounts = Accounts(store)
        try:
            if args.action == "add":
                secret = accounts.add(args.name)
                print(f"created {args.name}; its secret (client_secret, Basic password) is shown only now:")
                print(secret)
            elif args.action == "list":
                for account in accounts.all():
                    print(f"{account.name}\t{' '.join(sorted(account.grants))}")
            elif args.action == "grant":
                accounts.grant(args.name, args.grant)
            else:
                accounts.revoke(args.name, args.grant)
        except AccountError as exc:
            raise CommandError(str(exc)) from None
    return 0


def _persons(args: argparse.Namespace) -> int:
    import json
    from dataclasses import replace

    from hmis_ld.authz import SYSTEM
    from hmis_ld.service.identity import Identity
    from hmis_ld.service.problems import Problem

    access = replace(SYSTEM, user_id="cli", account="cli")
    with _opened(args.store) as store:
        identity = Identity(store)
        try:
            if args.action == "merge":
                print(identity.merge(args.survivor, args.merged, access))
            elif args.action == "split":
                print(identity.split(args.personal_id, args.client_ids, access))
            else:
                survivor = identity.resolve([args.personal_id])[args.personal_id]
                print(json.dumps({"PersonalID": survivor,
                                  "ClientIDs": sorted(r.client_id for r in identity.records(survivor)),
                                  "history": identity.history(survivor)}, indent=1))
        except Problem as exc:
            raise CommandError(exc.detail) from None
    return 0


def _token(args: argparse.Namespace) -> int:
    from hmis_ld.authz.accounts import Accounts

    with _opened(args.store) as store:
        account = Accounts(store).get(args.name)
        if account is None:
            raise CommandError(f"no account {args.name}")
        print(_issuer(store).issue(account.name, account.grants))
    return 0


def _import(args: argparse.Namespace) -> int:
    """Into a shared store (--store-url) as a job, which API processes sharing the store count
    as running, so that it and an upload exclude each other; an embedded store is this
    process's alone."""
    from hmis_ld.csv.importer import import_csv
    from hmis_ld.model import iris
    from hmis_ld.service.imports import ImportJobs
    from hmis_ld.service.problems import Conflict

    started = time.perf_counter()
    source = args.source or iris.DEFAULT_SOURCE
    with _opened(args.store) as store:
        try:
            if os.environ.get(STORE_URL_ENV):
                report = ImportJobs(store, source, max_unpacked=0).run_here(Path(args.path), strict=args.strict)
            else:
                report = import_csv(store, args.path, source=source, strict=args.strict)
        except FileNotFoundError as exc:
            raise CommandError(str(exc)) from None
        except Conflict as exc:
            raise CommandError(f"{exc.detail}; nothing was written") from None
    seconds = time.perf_counter() - started
    print(report.summary())
    for problem in report.problems:
        column = f" column {problem.column}" if problem.column else ""
        print(f"{problem.severity}: {problem.file} line {problem.line}{column}: {problem.reason}", file=sys.stderr)
    print(f"{report.rows} rows, {report.quads_written} quads written in {seconds:.1f} s")
    return 0


def _export(args: argparse.Namespace) -> int:
    from hmis_ld.csv.exporter import export_csv

    with _opened(args.store) as store:
        counts = export_csv(store, args.outdir)
    print(f"wrote {sum(counts.values())} rows in {len(counts)} files to {args.outdir}")
    return 0


def _upgrade(args: argparse.Namespace) -> int:
    from hmis_ld.model.upgrade import (
        add_activity,
        add_derived_classes,
        add_documents,
        add_restated,
        add_updated_days,
        drop_dead_links,
        flatten_merges,
        key_client_ids,
    )

    with _opened(args.store) as store:
        count = add_documents(store, lambda table, n: print(f"\r{table}: {n} records", end="", flush=True))
        restated = add_restated(store)
        days = add_updated_days(store)
        active = add_activity(store)
        flattened = flatten_merges(store)
        dropped = drop_dead_links(store)
        rekeyed = key_client_ids(store)
        derived = add_derived_classes(store)
    print(f"\n{count} records given their ext:fields documents" if count else "no record lacked its documents")
    for predicate, n in restated.items():
        print(f"{n} {predicate} facts restated on parents")
    if not restated:
        print("no restated fact was missing")
    print(f"records in {days} graphs given the day of their DateUpdated" if days else "no record lacked its day")
    print("enrollments given when they may be active" if active else "no enrollment lacked when it may be active")
    print("merged persons now point straight at their survivors" if flattened else "no merge chain to flatten")
    print("deleted records no longer linked from their parents" if dropped else "no link to a deleted record")
    print(f"{rekeyed} client records given keyed ClientIDs (their old ones still resolve)" if rekeyed
          else "every ClientID was keyed already")
    print(f"records typed with derived classes: {', '.join(derived)}" if derived else "no derived class was missing")
    return 0


def load_demo(store_dir: Path, clients: int, seed: int) -> str:
    """Generate demo CSV and import it; returns the import summary."""
    from hmis_ld.csv.importer import import_csv
    from hmis_ld.demo import write_demo_csv

    with tempfile.TemporaryDirectory() as tmp:
        write_demo_csv(tmp, clients, seed=seed)
        with _opened(store_dir) as store:
            return import_csv(store, tmp).summary()


def _demo(args: argparse.Namespace) -> int:
    print(load_demo(store_path(args.store), args.clients, args.seed))
    return 0


DEMO_GRANTS = ("all:read", "all:write", "pii:read", "sparql", "audit", "admin")


def _serve(args: argparse.Namespace) -> int:
    from hmis_ld.api import create_app

    path = store_path(args.store)
    if args.workers < 1 or (args.workers > 1 and not os.environ.get(STORE_URL_ENV)):
        raise CommandError("--workers above 1 needs --store-url: an embedded store is opened by one process")
    config = {"STORE_PATH": str(path)}
    if args.dev:
        import logging

        from hmis_ld.api.limits import ProblemRequestHandler

        app = _checked_app(args, path, config)
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # its lines hold paths and query strings
        app.run(host=args.host, port=args.port, threaded=False, request_handler=ProblemRequestHandler)
        return 0
    from hmis_ld.api.context import EXTENSION
    from hmis_ld.serving import serve

    failed = _in_child(lambda: _checked_app(args, path, config).extensions[EXTENSION].store.close())
    if failed:
        return failed
    return serve(lambda: create_app(config), Settings(args.host, args.port, args.threads, args.timeout,
                                                      args.graceful_timeout, args.keep_alive, args.workers))


def _checked_app(args: argparse.Namespace, path: Path, config: dict[str, str]):
    """The app, after any demo data; settings and the store are checked here, so that a
    problem is one line."""
    from hmis_ld.api import OutdatedStore, create_app
    from hmis_ld.api.origin import BadSetting, host_of

    if args.demo:
        _prepare_demo(path)
    try:
        app = create_app(config)
    except (OutdatedStore, BadSetting) as exc:
        raise CommandError(str(exc)) from None
    print(f"serving {path} on http://{args.host}:{args.port}/api/v1/ (docs: /api/v1/docs)", flush=True)
    if args.host in ("0.0.0.0", "::", "") and not (app.config.get("PUBLIC_URL") or app.config.get("TRUSTED_PROXIES")):
        print(f"note: the URLs the API writes (Location, Link, the JSON-LD @context) will name http://"
              f"{host_of(args.host, str(args.port), 'http')}: set HMIS_LD_PUBLIC_URL to the address clients use "
              "(docs/deployment.md)", flush=True)
    return app


def _in_child(work: Callable[[], object]) -> int:
    """Run `work` in a forked child and wait for it; its exit status (2 after a CommandError).
    RocksDB starts its background threads (memtable flushes, compactions) in the first process
    that opens a store folder, and a process forked after that has none: a gunicorn worker
    forked from a master that had opened the store never flushed, so a backup or a flush in it
    waited for ever. So the master never opens one itself."""
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            work()
        except (CommandError, StoreHeld) as exc:
            print(f"error: {exc}", file=sys.stderr)
            code = 2
        except BaseException:  # noqa: BLE001  # the child must end here, whatever happened
            import traceback

            traceback.print_exc()
            code = 1
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


def _prepare_demo(path: Path) -> None:
    """Demo data in an empty store, and a demo account with a fresh random secret (never a
    default password) when the store has no accounts yet."""
    from hmis_ld.authz.accounts import Accounts

    with _opened(path) as probe:
        empty = probe.is_empty()
    if empty:
        print(f"loading {DEMO_CLIENTS} demo clients into {path} ...")
        load_demo(path, DEMO_CLIENTS, 2026)
    with _opened(path) as store:
        accounts = Accounts(store)
        if not accounts.all():
            secret = accounts.add("demo")
            for grant in DEMO_GRANTS:
                accounts.grant("demo", grant)
            print(f"demo account: client_id=demo client_secret={secret}")
            token = _issuer(store).issue("demo", set(DEMO_GRANTS))
            print(f"a token for the next hour (Authorization: Bearer ...):\n{token}")


if __name__ == "__main__":
    sys.exit(main())
