"""Where the API says it lives: the scheme, host and path prefix of every absolute URL it
writes (the JSON-LD `@context`, `Location`, `Link: rel=next`, the index's links).

Flask builds those from the request's Host header, which the client chooses: `Host:
evil.example` would make the server name evil.example in its answers. So before Flask sees
a request, its scheme, host and script root are replaced by the public ones, and every URL
built from the request (request.host_url, base_url, root_url, url_for(_external=True)) is
the server's, in code written today or later:

1. `HMIS_LD_PUBLIC_URL` (`https://hmis.example.org`, or with a path prefix
   `https://example.org/hmis`) when set;
2. else, with `HMIS_LD_TRUSTED_PROXIES=N` (the number of proxies in front), what the proxies
   forwarded in `X-Forwarded-Proto`, `-Host`, `-Port` and `-Prefix` (werkzeug's ProxyFix
   takes the N-th value from the right, the one the nearest proxies wrote), and the Host
   header the nearest proxy sent when it forwards no host;
3. else the address the server is bound to (the WSGI `SERVER_NAME` and `SERVER_PORT`), with
   the scheme it serves: `http://127.0.0.1:8000` for `hmis-ld serve`.

With trusted proxies, `X-Forwarded-For` also gives the client's address (request.remote_addr).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from werkzeug.middleware.proxy_fix import ProxyFix

Wsgi = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class BadSetting(ValueError):
    """A setting that cannot be used: the server does not start."""


def public_url_setting(value: object) -> tuple[str, str, str] | None:
    """(scheme, host[:port], path prefix) of HMIS_LD_PUBLIC_URL, or None when not set."""
    if value in (None, ""):
        return None
    parts = urlsplit(str(value).strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment \
            or "@" in parts.netloc:
        raise BadSetting(f"HMIS_LD_PUBLIC_URL must be an http or https URL such as https://hmis.example.org, "
                         f"not {value!r}")
    return parts.scheme, parts.netloc, parts.path.rstrip("/")


def trusted_proxies_setting(value: object) -> int:
    """How many proxies in front of the server to believe (0: none)."""
    if value in (None, "", False):
        return 0
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
        raise BadSetting(f"HMIS_LD_TRUSTED_PROXIES must be the number of proxies in front (0, 1, 2 ...), not {value!r}")
    return int(value)


def host_of(name: str, port: str, scheme: str) -> str:
    host = f"[{name}]" if ":" in name and not name.startswith("[") else name
    return host if not port or (scheme, port) in (("http", "80"), ("https", "443")) else f"{host}:{port}"


class PublicOrigin:
    """WSGI middleware: the request's scheme, Host and script root become the public ones."""

    def __init__(self, app: Wsgi, public: tuple[str, str, str] | None, trusted: bool):
        self.app, self.public, self.trusted = app, public, trusted

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if self.public is not None:
            scheme, netloc, prefix = self.public
            environ["wsgi.url_scheme"] = scheme
            environ["HTTP_HOST"] = netloc
            environ["SCRIPT_NAME"] = prefix
        elif not self.trusted:
            scheme = environ.get("wsgi.url_scheme", "http")
            environ["HTTP_HOST"] = host_of(str(environ.get("SERVER_NAME") or "localhost"),
                                           str(environ.get("SERVER_PORT") or ""), scheme)
        return self.app(environ, start_response)


def install(app: Any) -> None:
    """Wrap a Flask app's WSGI callable as its PUBLIC_URL and TRUSTED_PROXIES settings say."""
    public = public_url_setting(app.config.get("PUBLIC_URL"))
    proxies = trusted_proxies_setting(app.config.get("TRUSTED_PROXIES"))
    app.wsgi_app = PublicOrigin(app.wsgi_app, public, proxies > 0)
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies,
                                x_prefix=proxies)
