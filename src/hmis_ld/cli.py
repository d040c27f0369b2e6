"""The `hmis-ld` command line: serve, import-csv, export-csv, demo."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from hmis_ld.authz import grants
from hmis_ld.store import STORE_ENV, open_store, store_path

DEMO_CLIENTS = 500


def _store_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", metavar="PATH", help=f"store folder (default: ${STORE_ENV} or ./hmis-ld-store)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hmis-ld", description="HMIS linked-data API server and tools")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the API server on the embedded store")
    _store_arg(serve)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--demo", action="store_true", help=f"load {DEMO_CLIENTS} demo clients into an empty store")

    imp = sub.add_parser("import-csv", help="import an HMIS CSV FY2026 export (folder or .zip)")
    imp.add_argument("path")
    _store_arg(imp)
    imp.add_argument("--source", default=None, help="name of the source HMIS (scopes record IRIs)")

    exp = sub.add_parser("export-csv", help="write the store as HMIS CSV FY2026 files")
    exp.add_argument("outdir")
    _store_arg(exp)

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
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    commands = {"serve": _serve, "import-csv": _import, "export-csv": _export, "demo": _demo, "users": _users,
                "persons": _persons, "token": _token}
    return commands[args.command](args)


def _users(args: argparse.Namespace) -> int:
    from hmis_ld.authz.accounts import AccountError, Accounts

    store = open_store(store_path(args.store))
    try:
        accounts = Accounts(store)
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
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        store.close()
    return 0


def _persons(args: argparse.Namespace) -> int:
    import json
    from dataclasses import replace

    from hmis_ld.authz import SYSTEM
    from hmis_ld.service.identity import Identity
    from hmis_ld.service.problems import Problem

    store = open_store(store_path(args.store))
    access = replace(SYSTEM, user_id="cli", account="cli")
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
        print(f"error: {exc.detail}", file=sys.stderr)
        return 2
    finally:
        store.close()
    return 0


def _token(args: argparse.Namespace) -> int:
    from hmis_ld.authz.accounts import Accounts
    from hmis_ld.authz.tokens import Issuer

    store = open_store(store_path(args.store))
    try:
        account = Accounts(store).get(args.name)
        if account is None:
            print(f"error: no account {args.name}", file=sys.stderr)
            return 2
        issuer = Issuer(store, os.environ.get("HMIS_LD_AUTH_ISSUER", "hmis-ld"),
                        os.environ.get("HMIS_LD_AUTH_AUDIENCE", "hmis-ld-api"))
        print(issuer.issue(account.name, account.grants))
    finally:
        store.close()
    return 0


def _import(args: argparse.Namespace) -> int:
    from hmis_ld.csv.importer import import_csv
    from hmis_ld.model import iris

    store = open_store(store_path(args.store))
    started = time.perf_counter()
    try:
        report = import_csv(store, args.path, source=args.source or iris.DEFAULT_SOURCE)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        store.close()
    seconds = time.perf_counter() - started
    print(report.summary())
    for problem in report.problems:
        column = f" column {problem.column}" if problem.column else ""
        print(f"{problem.severity}: {problem.file} line {problem.line}{column}: {problem.reason}", file=sys.stderr)
    print(f"{report.rows} rows, {report.quads_written} quads written in {seconds:.1f} s")
    return 0


def _export(args: argparse.Namespace) -> int:
    from hmis_ld.csv.exporter import export_csv

    store = open_store(store_path(args.store))
    try:
        counts = export_csv(store, args.outdir)
    finally:
        store.close()
    print(f"wrote {sum(counts.values())} rows in {len(counts)} files to {args.outdir}")
    return 0


def load_demo(store_dir: Path, clients: int, seed: int) -> str:
    """Generate demo CSV and import it; returns the import summary."""
    from hmis_ld.csv.importer import import_csv
    from hmis_ld.demo import write_demo_csv

    with tempfile.TemporaryDirectory() as tmp:
        write_demo_csv(tmp, clients, seed=seed)
        store = open_store(store_dir)
        try:
            return import_csv(store, tmp).summary()
        finally:
            store.close()


def _demo(args: argparse.Namespace) -> int:
    print(load_demo(store_path(args.store), args.clients, args.seed))
    return 0


DEMO_GRANTS = ("all:read", "all:write", "pii:read", "sparql", "audit", "admin")


def _serve(args: argparse.Namespace) -> int:
    from hmis_ld.api import create_app

    path = store_path(args.store)
    if args.demo:
        _prepare_demo(path)
    app = create_app({"STORE_PATH": str(path)})
    print(f"serving {path} on http://{args.host}:{args.port}/api/v1/ (docs: /api/v1/docs)")
    app.run(host=args.host, port=args.port, threaded=False)
    return 0


def _prepare_demo(path: Path) -> None:
    """Demo data in an empty store, and a demo account with a fresh random secret (never a
    default password) when the store has no accounts yet."""
    from hmis_ld.authz.accounts import Accounts
    from hmis_ld.authz.tokens import Issuer

    probe = open_store(path)
    empty = probe.is_empty()
    probe.close()
    if empty:
        print(f"loading {DEMO_CLIENTS} demo clients into {path} ...")
        load_demo(path, DEMO_CLIENTS, 2026)
    store = open_store(path)
    try:
        accounts = Accounts(store)
        if not accounts.all():
            secret = accounts.add("demo")
            for grant in DEMO_GRANTS:
                accounts.grant("demo", grant)
            token = Issuer(store, os.environ.get("HMIS_LD_AUTH_ISSUER", "hmis-ld"),
                           os.environ.get("HMIS_LD_AUTH_AUDIENCE", "hmis-ld-api")).issue("demo", set(DEMO_GRANTS))
            print(f"demo account: client_id=demo client_secret={secret}")
            print(f"a token for the next hour (Authorization: Bearer ...):\n{token}")
    finally:
        store.close()


if __name__ == "__main__":
    sys.exit(main())
