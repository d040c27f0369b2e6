"""Blocking keys: a few exact-match strings per record, so candidates come from index lookups.

Two records are compared only when they share a key. Each key survives a different kind of
error (a nickname, a new surname, a swapped day and month, a mistyped year, a missing SSN), so a
duplicate with one or two errors still shares at least one; all but the full SSN combine two
fields, so a key stays selective as the store grows. The keys hold SSN digits and dates: they
are PII and belong beside the values they derive from.
"""

from __future__ import annotations

from collections.abc import Mapping

from hmis_ld.dedup.features import Features, prepare
from hmis_ld.dedup.strings import nysiis

KEYS = {
    "ssn": "full valid SSN",
    "ssn4-year": "last four SSN digits + birth year",
    "initial-dob": "initial of the first name and, separately, of the last name + full DOB "
                   "(survives a new surname and first and last names entered the other way round)",
    "ssn4-initial": "last four SSN digits + initial of the formal first name (survives a missing DOB)",
    "name": "NYSIIS of the formal first name (Bob -> Robert) and of the last name (or of each part of "
            "a compound one), in either order: survives a nickname, a typo, or a missing or mistyped DOB; "
            "common names share it, so it is the least selective key",
}


def blocking_keys(record: Mapping[str, object] | Features) -> set[str]:
    """Keys of a record, `kind:value...` (kinds in KEYS); non-identifying values give none."""
    f = prepare(record)
    keys: set[str] = set()
    year = f.dob.value.year if f.dob else None
    dob = f.dob.digits if f.dob and not f.dob.approximate else None
    firsts = {nysiis(name) for name in f.first_formal} - {""}
    lasts = ({nysiis(name) for name in {f.last.key} | f.last.parts} - {""}) if f.last else set()
    if f.ssn and f.ssn_full:
        keys.add(f"ssn:{f.ssn}")
    last4 = f.ssn[5:] if f.ssn and "x" not in f.ssn[5:] else None
    if last4 and year:
        keys.add(f"ssn4-year:{last4}:{year}")
    if last4:
        keys.update(f"ssn4-initial:{last4}:{name[0]}" for name in f.first_formal)
    keys.update("name:" + ":".join(sorted((first, last))) for first in firsts for last in lasts)
    if dob:
        keys.update(f"initial-dob:{name.key[0]}:{dob}" for name in (f.first, f.last) if name)
    return keys
