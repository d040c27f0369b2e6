"""String similarity and a phonetic key for names, hand-written to stay dependency-free.

Jaro-Winkler rewards shared prefixes, which suits keyed-in names (typos land late in the
word); NYSIIS was designed for surnames and is more selective than Soundex, which matters
because its code is part of the blocking keys.
"""

from __future__ import annotations

from functools import lru_cache

VOWELS = frozenset("AEIOU")


def jaro_winkler(a: str, b: str) -> float:
    """Similarity in 0..1; symmetric, so the cache is keyed on the ordered pair."""
    return _jaro_winkler(a, b) if a <= b else _jaro_winkler(b, a)


@lru_cache(maxsize=1 << 16)
def _jaro_winkler(a: str, b: str) -> float:
    if a == b:
        return 1.0 if a else 0.0
    if not a or not b:
        return 0.0
    window = max(0, max(len(a), len(b)) // 2 - 1)
    taken = [False] * len(b)
    a_matched = []
    for i, ch in enumerate(a):
        for j in range(max(0, i - window), min(len(b), i + window + 1)):
            if not taken[j] and b[j] == ch:
                taken[j] = True
                a_matched.append(ch)
                break
    matches = len(a_matched)
    if not matches:
        return 0.0
    b_matched = [ch for ch, hit in zip(b, taken) if hit]
    transpositions = sum(x != y for x, y in zip(a_matched, b_matched)) / 2
    jaro = (matches / len(a) + matches / len(b) + (matches - transpositions) / matches) / 3
    prefix = 0
    for x, y in zip(a[:4], b[:4]):
        if x != y:
            break
        prefix += 1
    return jaro + prefix * 0.1 * (1 - jaro)


_PREFIXES = (("MAC", "MCC"), ("KN", "NN"), ("K", "C"), ("PH", "FF"), ("PF", "FF"), ("SCH", "SSS"))
_ENDINGS = (("EE", "Y"), ("IE", "Y"), ("DT", "D"), ("RT", "D"), ("RD", "D"), ("NT", "D"), ("ND", "D"))


@lru_cache(maxsize=1 << 16)
def nysiis(name: str) -> str:
    """NYSIIS code (untruncated) of a normalized name; letters other than a-z are ignored."""
    s = "".join(c for c in name.upper() if "A" <= c <= "Z")
    if not s:
        return ""
    for old, new in _PREFIXES:
        if s.startswith(old):
            s = new + s[len(old):]
            break
    for old, new in _ENDINGS:
        if s.endswith(old):
            s = s[:-2] + new
            break
    chars = list(s)
    key = [chars[0]]
    for i in range(1, len(chars)):
        c = chars[i]
        after = chars[i + 1] if i + 1 < len(chars) else ""
        if c == "E" and after == "V":
            chars[i:i + 2] = ["A", "F"]
        elif c in VOWELS:
            chars[i] = "A"
        elif c == "Q":
            chars[i] = "G"
        elif c == "Z":
            chars[i] = "S"
        elif c == "M":
            chars[i] = "N"
        elif c == "K":
            chars[i] = "N" if after == "N" else "C"
        elif c == "S" and chars[i + 1:i + 3] == ["C", "H"]:
            chars[i:i + 3] = ["S", "S", "S"]
        elif c == "P" and after == "H":
            chars[i:i + 2] = ["F", "F"]
        elif (c == "H" and (chars[i - 1] not in VOWELS or after not in VOWELS)
              or c == "W" and chars[i - 1] in VOWELS):
            chars[i] = chars[i - 1]  # a silent H or W takes the sound before it
        if chars[i] != key[-1]:
            key.append(chars[i])
    code = "".join(key)
    if len(code) > 1 and code.endswith("S"):
        code = code[:-1]
    if code.endswith("AY"):
        code = code[:-2] + "Y"
    if len(code) > 1 and code.endswith("A"):
        code = code[:-1]
    return code


def keying_error(a: str, b: str) -> str | None:
    """`typo` when equal-length strings differ in one character, `transposed` when they differ by
    two adjacent characters swapped: the two slips of keying a number."""
    if len(a) != len(b):
        return None
    diffs = [i for i in range(len(a)) if a[i] != b[i]]
    if len(diffs) == 1:
        return "typo"
    if len(diffs) == 2 and diffs[1] == diffs[0] + 1:
        i, j = diffs
        return "transposed" if a[i] == b[j] and a[j] == b[i] else None
    return None


def one_edit_apart(a: str, b: str) -> bool:
    """One keying error away: a character replaced, dropped or added, or two adjacent swapped.
    Catches typos in short names, where Jaro-Winkler punishes one wrong letter hard."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    if len(a) == len(b):
        return keying_error(a, b) is not None
    short, long_ = sorted((a, b), key=len)
    i = next((i for i, (x, y) in enumerate(zip(short, long_)) if x != y), len(short))
    return short[i:] == long_[i + 1:]
