"""Typed values: parse what CSV and JSON send, format what they expect back.

Python values in records: int, Decimal, str, datetime.date, datetime.datetime.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

import pyoxigraph as ox

from hmis_ld.model.schema import MODEL, XSD, Field

Value = int | Decimal | str | dt.date | dt.datetime

_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_US_DATE = re.compile(r"(\d{1,2})[/-](\d{1,2})[/-](\d{4})")
_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?")


class ValueProblem(ValueError):
    """A value that cannot be stored in a field. `reason` never repeats the value, so it
    is safe to report for personal data; str() adds the value for everything else."""

    def __init__(self, reason: str, value: object):
        super().__init__(f"{reason}: {value!r}")
        self.reason = reason
        self.value = value


def _parse_date_part(text: str) -> tuple[dt.date, str]:
    m = _ISO_DATE.match(text)
    if m:
        y, mo, d = (int(x) for x in m.groups())
    else:
        m = _US_DATE.match(text)
        if not m:
            raise ValueProblem("not a date (expected YYYY-MM-DD)", text)
        mo, d, y = (int(x) for x in m.groups())
    try:
        return dt.date(y, mo, d), text[m.end():]
    except ValueError as exc:
        raise ValueProblem("not a valid date", text) from exc


def parse_date(text: str) -> dt.date:
    """ISO dates; also M/D/YYYY and M-D-YYYY, which real exports contain. A time part is dropped."""
    day, rest = _parse_date_part(text.strip())
    if rest and not re.fullmatch(r"[T ]" + _TIME.pattern + r"\s*", rest):
        raise ValueProblem("not a date (expected YYYY-MM-DD)", text)
    return day


def parse_datetime(text: str) -> dt.datetime:
    day, rest = _parse_date_part(text.strip())
    rest = rest.strip().lstrip("T")
    if not rest:
        return dt.datetime.combine(day, dt.time())
    m = _TIME.fullmatch(rest)
    if not m:
        raise ValueProblem("not a date and time (expected YYYY-MM-DD HH:MM:SS)", text)
    h, mi, s = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
    try:
        return dt.datetime.combine(day, dt.time(h, mi, s))
    except ValueError as exc:
        raise ValueProblem("not a valid time", text) from exc


# Integers are HUD's codes, counts, years and scores: a 32-bit integer holds every one, as the
# SQL schemas of HMIS products do. Money (HUD's "M" type) has two decimals; we keep up to
# DECIMAL_PLACES, below 10^DECIMAL_DIGITS, so that JSON's numbers (doubles) hold it exactly enough.
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
DECIMAL_DIGITS = 12
DECIMAL_PLACES = 8
_INT_RANGE = f"out of range (an integer from {INT_MIN} to {INT_MAX})"
_INTEGER = re.compile(r"[+-]?[0-9]+")
_QUANTUM = Decimal(1).scaleb(-DECIMAL_PLACES)
# C0 controls but tab, line feed and carriage return; lone UTF-16 surrogates (JSON's "\ud800"),
# which no UTF-8 text, and so no store, can hold.
_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


def _shortened(text: str, limit: int = 40) -> str:
    """An offending value as reported back: a 5,000-digit number is not repeated whole."""
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


def _bounded_decimal(value: Decimal, raw: object) -> Decimal:
    """A finite decimal below 10^DECIMAL_DIGITS with at most DECIMAL_PLACES places: "1e400"
    would be served as JSON's Infinity (which is not JSON), "1e1000000" written out whole."""
    if not value.is_finite():
        raise ValueProblem("not a finite number", _shortened(str(raw)))
    if value and value.adjusted() >= DECIMAL_DIGITS:
        raise ValueProblem(f"out of range (less than 10^{DECIMAL_DIGITS} in magnitude)", _shortened(str(raw)))
    if value.as_tuple().exponent < -DECIMAL_PLACES:  # type: ignore[operator]
        try:
            exact = value.quantize(_QUANTUM) == value
        except InvalidOperation:
            exact = False
        if not exact:
            raise ValueProblem(f"more than {DECIMAL_PLACES} decimal places", _shortened(str(raw)))
    return value if value else Decimal(0)  # 0E+1000000 is 0


# People write an SSN grouped (123-45-6789, xxx-xx-1234); HUD keeps its nine characters.
_GROUPED_SSN = re.compile(r"([0-9xX]{3})[\s-]([0-9xX]{2})[\s-]([0-9xX]{4})")


def parse_value(f: Field, raw: object) -> Value | None:
    """Check and convert one incoming value (CSV text or JSON scalar). Blank means absent."""
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        return None
    kind = f.kind
    if kind == "integer":
        if isinstance(raw, bool):
            raise ValueProblem("not an integer", raw)
        if isinstance(raw, int):
            value: Value = raw
        else:
            text = str(raw).strip()
            if not _INTEGER.fullmatch(text):
                raise ValueProblem("not an integer", _shortened(text))
            if len(text.lstrip("+-").lstrip("0")) > 10:
                raise ValueProblem(_INT_RANGE, _shortened(text))
            value = int(text)
        if not INT_MIN <= value <= INT_MAX:
            raise ValueProblem(_INT_RANGE, _shortened(str(value)))
    elif kind == "decimal":
        if isinstance(raw, bool):
            raise ValueProblem("not a number", raw)
        try:
            value = Decimal(str(raw).strip())
        except (InvalidOperation, ValueError) as exc:
            raise ValueProblem("not a number", _shortened(str(raw))) from exc
        value = _bounded_decimal(value, raw)
    elif kind == "date":
        value = raw if isinstance(raw, dt.date) and not isinstance(raw, dt.datetime) else parse_date(str(raw))
    elif kind == "dateTime":
        value = raw if isinstance(raw, dt.datetime) else parse_datetime(str(raw))
    else:
        if not isinstance(raw, str):
            raise ValueProblem("not a string", raw)
        if _UNWRITABLE.search(raw):
            raise ValueProblem("holds a control character, or an unpaired surrogate, which text may not", "")
        value = raw.strip()
        grouped = _GROUPED_SSN.fullmatch(value) if f.name == "SSN" else None
        if grouped:
            value = "".join(grouped.groups())
        if f.max_length is not None and len(value) > f.max_length:
            raise ValueProblem(f"longer than {f.max_length} characters", f"{len(value)} characters")
    if f.code_list is not None:
        codes = MODEL.code_lists[f.code_list].codes
        if str(value) not in codes:
            raise ValueProblem(f"not a code of list {f.code_list}", value)
    return value


def format_csv(value: Value) -> str:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def format_json(value: Value) -> int | str | float:
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


_DT = {name: ox.NamedNode(XSD + name) for name in ("integer", "decimal", "date", "dateTime", "string")}


def lexical(value: Value) -> str:
    """A field value's text in the store: a dateTime without time zone, as HMIS CSV has them
    (the server's own are UTC: `clock`; years zero-padded), a decimal in the canonical form
    Oxigraph keeps."""
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None).isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def datetime_literal(value: dt.datetime) -> ox.Literal:
    return ox.Literal(lexical(value), datatype=_DT["dateTime"])


def date_literal(value: dt.date) -> ox.Literal:
    return ox.Literal(lexical(value), datatype=_DT["date"])


def literal(f: Field, text: str) -> ox.Literal:
    """Field `f`'s literal of lexical form `text`."""
    return ox.Literal(text) if f.kind == "string" else ox.Literal(text, datatype=_DT[f.kind])


def to_literal(f: Field, value: Value) -> ox.Literal:
    return literal(f, lexical(value))


# A lexical form's value by field kind (a string is its own value).
FROM_LEXICAL: dict[str, Callable[[str], Value]] = {
    "integer": int, "decimal": Decimal, "date": dt.date.fromisoformat, "dateTime": dt.datetime.fromisoformat,
    "string": str,
}
