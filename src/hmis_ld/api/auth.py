"""Authentication on every request, the OAuth 2.0 token endpoint, and user management.

A request carries a bearer JWT (ours, from the client-credentials token endpoint, or an
external identity provider's, checked against its JWKS) or, when enabled for clients of
HUD's draft, HTTP Basic. The account named by the credential, its grants narrowed by the
token's scopes, becomes the request's Access. Failures answer 401 or 403 with no detail
that helps an attacker.
"""

from __future__ import annotations

import base64
import math
import re
import time
from dataclasses import dataclass, field

from flask import Flask, Response, current_app, g, request
from flask_limiter import Limiter, RequestLimit
from flask_limiter.util import get_remote_address
from flask_smorest import Blueprint
from limits import RateLimitItem, parse_many
from limits.strategies import RateLimiter

from hmis_ld.api import limits
from hmis_ld.api.context import EXTENSION
from hmis_ld.api.guard import forbidden as _forbidden
from hmis_ld.api.guard import require
from hmis_ld.api.problems import problem_response
from hmis_ld.api.render import json_response
from hmis_ld.authz import Access, resolve
from hmis_ld.authz.accounts import AccountError, Accounts
from hmis_ld.authz.tokens import LIFETIME, ExternalProvider, Issuer, TokenError, VerifiedTokens

PUBLIC = re.compile(r"^/api/v1(/?|/(openapi\.json|docs(/.*)?|context\.jsonld|ontology|shapes|oauth/(token|jwks\.json)))$|^/fhir/metadata$")
ACTING_USER = "X-Acting-User"

blp = Blueprint("auth", __name__, url_prefix="/api/v1", description="OAuth 2.0 tokens and user management")


@dataclass
class Authenticator:
    accounts: Accounts
    issuer: Issuer
    external: ExternalProvider | None
    basic: bool
    source: str
    verified: VerifiedTokens = field(default_factory=VerifiedTokens)

    def access_for(self, header: str) -> Access | None:
        """The Access a credential grants, or None when it grants nothing."""
        scheme, _, credential = header.partition(" ")
        if scheme.lower() == "bearer" and credential:
            return self._bearer(credential.strip())
        if scheme.lower() == "basic" and credential and self.basic:
            return self._basic(credential.strip())
        return None

    def _bearer(self, token: str) -> Access | None:
        claims = self.verified.get(token)
        for verifier in (self.issuer, self.external) if claims is None else ():
            if verifier is None:
                continue
            try:
                claims = verifier.verify(token)
                self.verified.put(token, claims)
                break
            except TokenError:
                continue
        if claims is None:
            return None
        account = self.accounts.get(claims.subject)
        if account is None:
            return None
        return self._access(account.name, account.grants & claims.scopes)

    def _basic(self, credential: str) -> Access | None:
        try:
            name, _, secret = base64.b64decode(credential, validate=True).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return None
        account = self.accounts.verify(name, secret)
        return None if account is None else self._access(account.name, account.grants)

    def _access(self, name: str, effective: frozenset[str]) -> Access:
        return resolve(self.accounts.store, name, name, effective, self.source)


def authenticator() -> Authenticator:
    return current_app.extensions["hmis_ld_auth"]


def _unauthorized() -> Response:
    response = problem_response(401, "Unauthorized", "valid credentials are required")
    challenge = 'Bearer realm="hmis-ld"' + (', Basic realm="hmis-ld"' if authenticator().basic else "")
    response.headers["WWW-Authenticate"] = challenge
    return response


# Failed token requests allowed per client id and per address (limits' notation: "5 per
# minute; 30 per hour"). Once either is spent, the endpoint answers 429 without checking the
# secret until the window moves on; successful requests are not counted.
THROTTLE_DEFAULTS = {"AUTH_THROTTLE_CLIENT": "5 per minute; 30 per hour",
                     "AUTH_THROTTLE_ADDRESS": "20 per minute; 200 per hour",
                     "RATELIMIT_STORAGE_URI": "memory://", "RATELIMIT_STRATEGY": "moving-window"}


def _client_id() -> str:
    """Whom a token request names, however it names them (form field or HTTP Basic)."""
    if request.authorization and request.authorization.type == "basic":
        name = request.authorization.username or ""
    else:
        name = request.form.get("client_id", "")
    return "client:" + name[:64]


def _failed(response: Response) -> bool:
    return response.status_code == 401


def _throttled(limit: RequestLimit) -> Response:
    return _too_many(limit.reset_at)


def _too_many(reset_at: float) -> Response:
    wait = max(1, math.ceil(reset_at - time.time()))
    response = problem_response(429, "Too Many Requests",
                                "too many failed attempts: try again later", error="slow_down")
    response.headers["Retry-After"] = str(wait)
    response.headers["Cache-Control"] = "no-store"
    return response


def _throttle_token_endpoint(app: Flask) -> Limiter:
    for name, value in THROTTLE_DEFAULTS.items():
        app.config.setdefault(name, value)
    limiter = Limiter(get_remote_address, app=app, on_breach=_throttled, headers_enabled=False)
    view = app.view_functions["auth.token"]
    view = limiter.limit(str(app.config["AUTH_THROTTLE_ADDRESS"]), key_func=lambda: "address:" + get_remote_address(),
                         deduct_when=_failed)(view)
    view = limiter.limit(str(app.config["AUTH_THROTTLE_CLIENT"]), key_func=_client_id, deduct_when=_failed)(view)
    app.view_functions["auth.token"] = view
    return limiter


@dataclass(frozen=True)
class _BasicThrottle:
    """HTTP Basic sends a password with every request, so each API endpoint is a place to guess
    it: failed Basic checks are counted per account name and per address under the token
    endpoint's limits, and once either is spent the request answers 429 unchecked."""

    strategy: RateLimiter
    by_client: tuple[RateLimitItem, ...]
    by_address: tuple[RateLimitItem, ...]

    def _counters(self) -> list[tuple[RateLimitItem, str]]:
        name = (request.authorization.username or "") if request.authorization else ""
        return [*((item, "basic-client:" + name[:64]) for item in self.by_client),
                *((item, "basic-address:" + get_remote_address()) for item in self.by_address)]

    def spent_until(self) -> float | None:
        """When the first spent limit frees up, if one is spent."""
        spent = [self.strategy.get_window_stats(item, key).reset_time for item, key in self._counters()
                 if not self.strategy.test(item, key)]
        return max(spent) if spent else None

    def failed(self) -> None:
        for item, key in self._counters():
            self.strategy.hit(item, key)


def register(app: Flask, *, issuer: str, audience: str, external: ExternalProvider | None, basic: bool) -> None:
    store = app.extensions[EXTENSION].store
    app.extensions["hmis_ld_auth"] = Authenticator(
        Accounts(store), Issuer(store, issuer, audience), external, basic, str(app.config["SOURCE"]))
    limiter = _throttle_token_endpoint(app)
    throttle = _BasicThrottle(limiter.limiter, tuple(parse_many(str(app.config["AUTH_THROTTLE_CLIENT"]))),
                              tuple(parse_many(str(app.config["AUTH_THROTTLE_ADDRESS"]))))

    @app.before_request
    def _authenticate() -> Response | None:
        if PUBLIC.match(request.path) or not request.path.startswith(("/api/", "/fhir/")):
            return None
        header = request.headers.get("Authorization", "")
        with_password = basic and header[:6].lower() == "basic "
        if with_password and (reset_at := throttle.spent_until()) is not None:
            return _too_many(reset_at)
        access = authenticator().access_for(header)
        if access is None:
            if with_password:
                throttle.failed()
            return _unauthorized()
        acting = request.headers.get(ACTING_USER)
        if acting is not None:
            if "act-as" not in access.scopes or not re.fullmatch(r"[^\s]{1,32}", acting):
                return _forbidden(f"{ACTING_USER} needs the act-as grant and a UserID of at most 32 characters")
            access = Access(acting, access.account, access.read, access.write, access.pii, access.scopes)
        g.access = access
        return None

    # Size, header and media type checks before authentication, the JSON parse after it.
    limits.register(app)


@blp.route("/oauth/token", methods=["POST"])
@blp.doc(summary="OAuth 2.0 client credentials: a signed JWT access token",
         description="client_id and client_secret in the form or as HTTP Basic client authentication; "
                     "`scope` may narrow the token to some of the account's grants.",
         security=[], responses={200: {"description": "An access token"}, 400: {"description": "Bad request"},
                                 401: {"description": "Unknown client or wrong secret"}})
def token() -> Response:
    form = request.form
    if form.get("grant_type") != "client_credentials":
        return problem_response(400, "Bad request", "grant_type must be client_credentials",
                                error="unsupported_grant_type")
    name, secret = form.get("client_id", ""), form.get("client_secret", "")
    if request.authorization and request.authorization.type == "basic":
        name, secret = request.authorization.username or "", request.authorization.password or ""
    account = authenticator().accounts.verify(name, secret)
    if account is None:
        return problem_response(401, "Unauthorized", "invalid client credentials", error="invalid_client")
    wanted = set(form.get("scope", "").split()) or set(account.grants)
    if not wanted <= account.grants:
        return problem_response(400, "Bad request", "scope asks for more than the account holds",
                                error="invalid_scope")
    return json_response({"access_token": authenticator().issuer.issue(account.name, wanted),
                          "token_type": "Bearer", "expires_in": LIFETIME, "scope": " ".join(sorted(wanted))},
                         headers={"Cache-Control": "no-store"})


@blp.route("/oauth/jwks.json", methods=["GET"])
@blp.doc(summary="The public keys that verify this server's tokens", security=[])
def jwks() -> Response:
    return json_response(authenticator().issuer.jwks())


@blp.route("/admin/users", methods=["GET"])
@blp.doc(summary="List accounts and their grants (admin)")
@require("admin")
def list_users() -> Response:
    return json_response([{"name": a.name, "grants": sorted(a.grants)} for a in authenticator().accounts.all()])


@blp.route("/admin/users", methods=["POST"])
@blp.doc(summary="Create an account (admin); its secret is shown once",
         requestBody={"content": {"application/json": {"schema": {
             "type": "object", "required": ["name"], "properties": {"name": {"type": "string", "maxLength": 32}}}}}})
@require("admin")
def add_user() -> Response:
    body = request.get_json(silent=True)
    name = body.get("name") if isinstance(body, dict) else None
    if not isinstance(name, str):
        return problem_response(400, "Bad request", "give the account's name")
    try:
        secret = authenticator().accounts.add(name)
    except AccountError as exc:
        return problem_response(409 if "exists" in str(exc) else 400, "Bad request", str(exc))
    return json_response({"name": name, "secret": secret}, status=201)


@blp.route("/admin/users/<string:name>/grants/<path:grant>", methods=["PUT", "DELETE"])
@blp.doc(summary="Grant (PUT) or revoke (DELETE) one grant (admin)")
@require("admin")
def change_grant(name: str, grant: str) -> Response:
    accounts = authenticator().accounts
    try:
        (accounts.grant if request.method == "PUT" else accounts.revoke)(name, grant)
    except AccountError as exc:
        return problem_response(404 if "no account" in str(exc) else 400, "Bad request", str(exc))
    return Response(status=204)

