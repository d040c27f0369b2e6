"""API accounts: names, hashed secrets and grants, kept in the store's accounts graph
(a system graph no caller's dataset ever includes). A fresh store has none."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import pyoxigraph as ox
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from hmis_ld.authz import grants as grant_rules
from hmis_ld.model import iris
from hmis_ld.model.schema import EXT, RDF_TYPE
from hmis_ld.store import Store

ACCOUNT = EXT + "Account"
NAME = EXT + "accountName"
SECRET = EXT + "secretHash"
GRANT = EXT + "grant"
_hasher = PasswordHasher()
# Verifying against this keeps an unknown name as slow as a wrong secret.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class Account:
    name: str
    grants: frozenset[str]


class AccountError(ValueError):
    """A CLI or admin request that cannot be carried out; the message says why."""


def _iri(name: str) -> ox.NamedNode:
    return ox.NamedNode(iris.BASE + "account:" + iris.quote_part(name))


class Accounts:
    def __init__(self, store: Store):
        self.store = store
        self.graph = ox.NamedNode(iris.ACCOUNTS)

    def get(self, name: str) -> Account | None:
        rows = list(self.store.select(
            f"SELECT ?grant ?name WHERE {{ GRAPH <{iris.ACCOUNTS}> {{ ?a <{NAME}> ?name . "
            f"OPTIONAL {{ ?a <{GRANT}> ?grant }} }} }}",
            substitutions={"name": ox.Literal(name)}, graphs=[iris.ACCOUNTS]))
        if not rows:
            return None
        return Account(name, frozenset(r["grant"].value for r in rows if "grant" in r))

    def all(self) -> list[Account]:
        rows = self.store.select(
            f"SELECT ?name ?grant WHERE {{ GRAPH <{iris.ACCOUNTS}> {{ ?a <{NAME}> ?name . "
            f"OPTIONAL {{ ?a <{GRANT}> ?grant }} }} }}", graphs=[iris.ACCOUNTS])
        found: dict[str, set[str]] = {}
        for r in rows:
            found.setdefault(r["name"].value, set()).update([r["grant"].value] if "grant" in r else [])
        return [Account(n, frozenset(g)) for n, g in sorted(found.items())]

    def add(self, name: str) -> str:
        """Create an account; returns its secret (shown once: only a hash is kept)."""
        if not name or len(name) > 32 or not name.isprintable() or ":" in name:
            raise AccountError("a name has 1 to 32 printable characters and no colon")
        if self.get(name) is not None:
            raise AccountError(f"account {name} exists")
        secret = secrets.token_urlsafe(24)
        node = _iri(name)
        self.store.extend([
            ox.Quad(node, ox.NamedNode(RDF_TYPE), ox.NamedNode(ACCOUNT), self.graph),
            ox.Quad(node, ox.NamedNode(NAME), ox.Literal(name), self.graph),
            ox.Quad(node, ox.NamedNode(SECRET), ox.Literal(_hasher.hash(secret)), self.graph),
        ])
        return secret

    def grant(self, name: str, grant: str) -> None:
        self._require(name)
        if not grant_rules.is_grant(grant):
            raise AccountError(f"not a grant: {grant!r} (see `hmis-ld users grant --help`)")
        self.store.extend([ox.Quad(_iri(name), ox.NamedNode(GRANT), ox.Literal(grant), self.graph)])

    def revoke(self, name: str, grant: str) -> None:
        account = self._require(name)
        if grant not in account.grants:
            raise AccountError(f"{name} does not have {grant}")
        self.store.update(
            f"DELETE DATA {{ GRAPH <{iris.ACCOUNTS}> {{ {_iri(name)} <{GRANT}> {ox.Literal(grant)} }} }}")

    def verify(self, name: str, secret: str) -> Account | None:
        """The account if the secret is right; the same work is done either way."""
        rows = list(self.store.select(
            f"SELECT ?hash ?name WHERE {{ GRAPH <{iris.ACCOUNTS}> {{ ?a <{NAME}> ?name ; <{SECRET}> ?hash }} }}",
            substitutions={"name": ox.Literal(name)}, graphs=[iris.ACCOUNTS]))
        stored = rows[0]["hash"].value if rows else _DUMMY_HASH
        try:
            _hasher.verify(stored, secret)
        except (VerificationError, InvalidHashError):
            return None
        return self.get(name) if rows else None

    def _require(self, name: str) -> Account:
        account = self.get(name)
        if account is None:
            raise AccountError(f"no account {name}")
        return account
