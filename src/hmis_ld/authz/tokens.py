"""Signed JWT access tokens: ours (client credentials) and an external identity
provider's (checked against its JWKS). joserfc does the cryptography."""

from __future__ import annotations

import hashlib
import json
import threading
import time
import urllib.request
import uuid
from dataclasses import dataclass, field

import pyoxigraph as ox
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet

from hmis_ld.model import iris
from hmis_ld.model.schema import EXT
from hmis_ld.store import Store

SIGNING_KEY = EXT + "signingKey"
ALGORITHM = "ES256"
LIFETIME = 3600


class TokenError(Exception):
    """Any reason a token is not accepted. Callers answer 401 without the reason."""


@dataclass(frozen=True)
class Claims:
    subject: str
    scopes: frozenset[str]
    expires: float  # the token's exp, in seconds since the epoch


class VerifiedTokens:
    """Claims of tokens already verified, kept until the token expires: checking an ES256
    signature costs about 0.5 ms, a fifth of a point lookup's response. Keyed by the token's
    hash, so no usable token stays in memory. Grants are still read from the store on each
    request, so revoking one takes effect at once."""

    def __init__(self, size: int = 4096):
        self.size = size
        self._claims: dict[bytes, Claims] = {}
        self._lock = threading.Lock()  # a threaded server's requests share it

    def get(self, token: str) -> Claims | None:
        digest = hashlib.sha256(token.encode()).digest()
        claims = self._claims.get(digest)
        if claims is not None and claims.expires <= time.time():
            with self._lock:
                self._claims.pop(digest, None)
            return None
        return claims

    def put(self, token: str, claims: Claims) -> None:
        with self._lock:
            if len(self._claims) >= self.size:
                self._claims.pop(next(iter(self._claims)))  # the oldest
            self._claims[hashlib.sha256(token.encode()).digest()] = claims


def signing_key(store: Store) -> ECKey:
    """This server's key, made on first use and kept in the accounts graph; made under the
    store's lock, so processes that start at once on a shared store make one key."""
    read = f"SELECT ?k WHERE {{ GRAPH <{iris.ACCOUNTS}> {{ <{iris.ACCOUNTS}> <{SIGNING_KEY}> ?k }} }}"
    rows = list(store.select(read, graphs=[iris.ACCOUNTS]))
    if not rows:
        with store.lock("signing-key"):
            rows = list(store.select(read, graphs=[iris.ACCOUNTS]))
            if not rows:
                key = ECKey.generate_key("P-256", parameters={"use": "sig", "alg": ALGORITHM}, auto_kid=True)
                graph = ox.NamedNode(iris.ACCOUNTS)
                store.extend([ox.Quad(graph, ox.NamedNode(SIGNING_KEY),
                                      ox.Literal(json.dumps(key.as_dict(private=True))), graph)])
                return key
    return ECKey.import_key(json.loads(rows[0]["k"].value))


@dataclass
class Issuer:
    store: Store
    issuer: str
    audience: str
    _key: ECKey | None = field(default=None, repr=False)

    @property
    def key(self) -> ECKey:
        if self._key is None:
            self._key = signing_key(self.store)
        return self._key

    def issue(self, subject: str, scopes: set[str] | frozenset[str], lifetime: int = LIFETIME) -> str:
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": self.audience, "sub": subject, "iat": now, "nbf": now,
                  "exp": now + lifetime, "jti": uuid.uuid4().hex, "scope": " ".join(sorted(scopes))}
        return jwt.encode({"alg": ALGORITHM, "kid": self.key.kid, "typ": "at+jwt"}, claims, self.key)

    def jwks(self) -> dict:
        return {"keys": [self.key.as_dict(private=False)]}

    def verify(self, token: str) -> Claims:
        return _verify(token, KeySet([self.key]), self.issuer, self.audience, [ALGORITHM])


@dataclass
class ExternalProvider:
    """An identity provider whose tokens we accept; its keys come from its JWKS URL."""

    jwks_url: str
    issuer: str
    audience: str
    algorithms: tuple[str, ...] = ("RS256", "ES256", "EdDSA")
    subject_claim: str = "sub"
    cache_seconds: int = 300
    _keys: KeySet | None = field(default=None, repr=False)
    _fetched: float = 0.0

    def keys(self, refresh: bool = False) -> KeySet:
        if refresh or self._keys is None or time.monotonic() - self._fetched > self.cache_seconds:
            with urllib.request.urlopen(self.jwks_url, timeout=5) as response:
                self._keys = KeySet.import_key_set(json.loads(response.read()))
            self._fetched = time.monotonic()
        return self._keys

    def verify(self, token: str) -> Claims:
        try:
            return _verify(token, self.keys(), self.issuer, self.audience, list(self.algorithms), self.subject_claim)
        except TokenError:
            # the provider may have rotated its keys since we fetched them
            return _verify(token, self.keys(refresh=True), self.issuer, self.audience, list(self.algorithms),
                           self.subject_claim)


def _verify(token: str, keys: KeySet, issuer: str, audience: str, algorithms: list[str],
            subject_claim: str = "sub") -> Claims:
    try:
        decoded = jwt.decode(token, keys, algorithms=algorithms)
        jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": issuer},
            aud={"essential": True, "value": audience},
            exp={"essential": True},
            **{subject_claim: {"essential": True}},
        ).validate(decoded.claims)
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise TokenError(type(exc).__name__) from None
    scope = decoded.claims.get("scope", "")
    return Claims(str(decoded.claims[subject_claim]), frozenset(str(scope).split()), float(decoded.claims["exp"]))
