"""Name normalization: what differs between two entries of one name without being a different name.

Case, accents, punctuation and spacing are noise (as for the search keys in
`hmis_ld.model.derived`, which this agrees with); generational suffixes are kept apart
because Jr and Sr are exactly what tells a father from his son.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

SUFFIXES = {
    "jr": "jr", "junior": "jr", "sr": "sr", "senior": "sr", "ii": "ii", "2nd": "ii",
    "iii": "iii", "3rd": "iii", "iv": "iv", "4th": "iv", "v": "v", "5th": "v",
}
_TRAILING_SUFFIXES = frozenset(SUFFIXES) - {"v", "5th"}  # "Smith V" is more likely an initial
_EQUIVALENT_SUFFIXES = {"ii": "jr"}  # many people write II for Jr
PARTICLES = frozenset({"de", "del", "la", "las", "los", "da", "dos", "van", "von", "der", "st", "y", "e"})


@dataclass(frozen=True, slots=True)
class Name:
    """A normalized name: `key` is all its letters, `parts` the words that may be dropped or
    added alone (hyphenated and double surnames, two given names)."""

    key: str
    parts: frozenset[str]


def words(text: str) -> list[str]:
    """Lowercase ASCII words: accents stripped, apostrophes and periods joined, other punctuation splits."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = re.sub(r"['’`.]", "", plain)
    return re.findall(r"[a-z0-9]+", plain)


def split_suffix(text: str | None) -> tuple[list[str], str | None]:
    """Words of a name and a generational suffix typed at its end ("Smith Jr.")."""
    found = words(text) if text else []
    if len(found) > 1 and found[-1] in _TRAILING_SUFFIXES:
        return found[:-1], suffix_code(found[-1])
    return found, None


def make_name(found: list[str]) -> Name | None:
    if not found:
        return None
    key = "".join(found)
    parts = frozenset(w for w in found if len(w) > 1 and w not in PARTICLES and w != key)
    return Name(key, parts)


def suffix_code(text: str | None) -> str | None:
    """Canonical generational suffix of a NameSuffix value, or None when it is not one."""
    if not text:
        return None
    code = SUFFIXES.get("".join(words(text)))
    return _EQUIVALENT_SUFFIXES.get(code, code) if code else None
