"""Query parameters: HUD's drafts mix `EntryDate` and `entryDate`, so names match
case-insensitively; values are checked and a bad one is a 400 naming it."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re

from flask import request

from hmis_ld.model.values import ValueProblem, parse_date, parse_datetime
from hmis_ld.service.paging import Page
from hmis_ld.service.problems import FieldProblem, Invalid

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
MAX_OFFSET = 2**31 - 1  # far past any listing's end; Oxigraph's OFFSET is a 64-bit integer
_INTEGER = re.compile(r"-?[0-9]{1,9}")  # ASCII digits only; longer is no code, limit or year


def _bad(name: str, value: object, message: str) -> Invalid:
    return Invalid([FieldProblem(name, value, message)], status=400)


def arg(name: str) -> str | None:
    """A query parameter by name, in any letter case; blank counts as absent."""
    wanted = name.lower()
    for key, value in request.args.items():
        if key.lower() == wanted and value.strip():
            return value.strip()
    return None


def date_arg(name: str) -> dt.date | None:
    value = arg(name)
    if value is None:
        return None
    try:
        return parse_date(value)
    except ValueProblem:
        raise _bad(name, value, "expected a date, YYYY-MM-DD") from None


def datetime_arg(name: str) -> dt.datetime | None:
    value = arg(name)
    if value is None:
        return None
    try:
        return parse_datetime(value.removesuffix("Z"))
    except ValueProblem:
        raise _bad(name, value, "expected a date-time, YYYY-MM-DDTHH:MM:SS") from None


def int_arg(name: str, codes: dict[str, str] | None = None) -> int | None:
    value = arg(name)
    if value is None:
        return None
    if not _INTEGER.fullmatch(value):
        shown = value if len(value) <= 40 else f"{value[:40]}... ({len(value)} characters)"
        raise _bad(name, shown, "expected an integer of at most 9 digits")
    if codes is not None and value not in codes:
        raise _bad(name, value, "not a code of its HUD list")
    return int(value)


def bool_arg(name: str) -> bool:
    value = arg(name)
    if value is None:
        return False
    if value.lower() not in ("true", "false", "1", "0"):
        raise _bad(name, value, "expected true or false")
    return value.lower() in ("true", "1")


def _fingerprint() -> str:
    """Ties a cursor to the filters it was made for."""
    items = sorted((k.lower(), v) for k, v in request.args.items(multi=True) if k.lower() not in ("cursor", "limit"))
    return hashlib.sha256(json.dumps([request.path, items]).encode()).hexdigest()[:16]


def page() -> Page:
    limit = int_arg("limit") or DEFAULT_LIMIT
    if not 1 <= limit <= MAX_LIMIT:
        raise _bad("limit", limit, f"between 1 and {MAX_LIMIT}")
    token = arg("cursor")
    if token is None:
        return Page(limit)
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode() + b"=" * (-len(token) % 4)))
        offset = data["o"]
        if data["f"] != _fingerprint() or type(offset) is not int or not 0 <= offset <= MAX_OFFSET:
            raise ValueError
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
        raise _bad("cursor", None, "not a cursor of this listing: start again without it") from None
    return Page(limit, offset)


def cursor(offset: int) -> str:
    raw = json.dumps({"o": offset, "f": _fingerprint()}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")
