"""Labelled synthetic client records for measuring deduplication (bench/dedup/README.md).

Persons are drawn first (names with a realistic skew, unique valid SSNs, households), then each
person gets one to five client records, each an independent re-entry with the errors HMIS data
is known for. Hard negatives are built in: twins, siblings and spouses sharing a surname and
household, fathers and sons named alike (Jr/Sr), people using another's SSN, and unrelated
namesakes (Maria Garcia) born close together. Everything comes from one `random.Random(seed)`.

    python bench/dedup/generate.py --persons 20000 --seed 1 --out bench/.data/dedup-1.csv
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from itertools import accumulate
from pathlib import Path

try:
    import hmis_ld  # noqa: F401
except ImportError:  # a source checkout without `pip install -e .`
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))

from hmis_ld.demo.names import FEMALE, LAST, MALE, NICKNAMES
from hmis_ld.demo.weights import RACE_FIELDS

TODAY = date(2026, 1, 1)
SPANISH_FEMALE = ("María", "Guadalupe", "Rosario", "Dolores", "Concepción", "Sofía", "Inés", "Josefina",
                  "Mercedes", "Consuelo", "Graciela", "Araceli")
SPANISH_MALE = ("José", "Jesús", "Francisco", "Ramón", "Raúl", "Andrés", "Ángel", "Martín", "Ignacio",
                "Enrique", "Eduardo", "Guillermo", "Joaquín", "Efraín")
SPANISH_LAST = ("García", "Rodríguez", "Martínez", "Hernández", "López", "González", "Pérez", "Sánchez",
                "Ramírez", "Gómez", "Muñoz", "Núñez", "Peña", "Ibáñez", "Jiménez", "Álvarez")
# What people go by, as staff hear it; some are deliberately not in the engine's table.
GOES_BY = {
    **NICKNAMES, "José": "Pepe", "Francisco": "Paco", "Guadalupe": "Lupe", "Jesús": "Chuy",
    "Ignacio": "Nacho", "Eduardo": "Lalo", "Guillermo": "Memo", "Alejandro": "Alex", "Enrique": "Kike",
    "Dolores": "Lola",
    "Concepción": "Concha", "Rosario": "Charo", "Kenneth": "Ken", "Matthew": "Matt", "Nicholas": "Nick",
    "Timothy": "Tim", "Steven": "Steve", "Gregory": "Greg", "Benjamin": "Ben", "Andrew": "Andy",
    "Samuel": "Sam", "Edward": "Eddie", "Douglas": "Doug", "Ronald": "Ron", "Donald": "Don",
    "Lawrence": "Larry", "Raymond": "Ray", "Gerald": "Jerry", "Jeffrey": "Jeff", "Zachary": "Zack",
    "Susan": "Sue", "Pamela": "Pam", "Cynthia": "Cindy", "Judith": "Judy", "Kathleen": "Kathy",
    "Dorothy": "Dot", "Valerie": "Val", "Amanda": "Mandy", "Angela": "Angie", "Christina": "Tina",
    "Barbara": "Barb", "Virginia": "Ginny", "Teresa": "Terry", "Jacqueline": "Jackie", "Nathan": "Nate",
    "Alexis": "Lexi", "Dustin": "Dusty", "Destiny": "Dez", "Marquis": "Quis", "Frederick": "Freddy",
    "Bradley": "Brad", "Calvin": "Cal", "Leroy": "Roy", "Tyrone": "Ty", "Reginald": "Reggie",
}
NAMESAKES = (("Maria", "Garcia"), ("María", "García"), ("Jose", "Hernandez"), ("Juan", "Rodriguez"),
             ("Michael", "Smith"), ("James", "Johnson"), ("Mary", "Williams"), ("Robert", "Brown"),
             ("David", "Jones"), ("Jennifer", "Davis"), ("Luis", "Martinez"), ("Ana", "Lopez"))
STREET_NAMES = ("Shorty", "Red", "Tex", "Smiley", "Slim", "Pops")
SSN_FILLERS = (("x", 99), ("xxxxxxxxx", 99), ("000000000", 1), ("999999999", 1), ("123456789", 1),
               ("000-00-0000", 99))
RECORDS_PER_PERSON = {1: 0.80, 2: 0.13, 3: 0.05, 4: 0.015, 5: 0.005}
RACES = {"White": 40, "BlackAfAmerican": 36, "HispanicLatinao": 12, "AmIndAKNative": 4, "Asian": 3,
         "NativeHIPacific": 1, "MidEastNAfrican": 1, "multi": 3}


@dataclass(frozen=True)
class Person:
    id: str
    sex: int
    first: str
    middle: str | None
    last: str
    suffix: str | None
    dob: date
    ssn: str | None  # nine digits; None for someone who never gives it
    races: frozenset[str]
    veteran: int
    group: str  # household or other hard-negative group; "" for people on their own
    kind: str  # single, household, spouses, twins, junior-senior, namesakes, shared-ssn


@dataclass(frozen=True)
class Labelled:
    person: Person
    record: dict[str, object]  # HUD Client fields, typed
    errors: tuple[str, ...]


class _Weighted:
    """Choice from a list, earlier entries more often (the lists are roughly by frequency)."""

    def __init__(self, items: tuple[str, ...], offset: int) -> None:
        self.items = items
        self.cumulative = list(accumulate(1 / (rank + offset) for rank in range(len(items))))

    def __call__(self, rng: random.Random) -> str:
        return rng.choices(self.items, cum_weights=self.cumulative)[0]


GIVEN = {0: _Weighted(FEMALE[:60] + SPANISH_FEMALE + FEMALE[60:], 10),
         1: _Weighted(MALE[:60] + SPANISH_MALE + MALE[60:], 10)}
SURNAME = _Weighted(LAST[:30] + SPANISH_LAST + LAST[30:], 20)


class _People:
    """Builds persons household by household, so relatives share surname, race and group."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.ssns: set[str] = set()
        self.people: list[Person] = []
        self.groups = 0

    def build(self, n: int) -> list[Person]:
        shapes: list[tuple[float, Callable[[str], None]]] = [
            (0.625, self.single), (0.10, self.spouses), (0.16, self.household), (0.05, self.twins),
            (0.03, self.junior_senior), (0.015, self.namesakes), (0.02, self.shared_ssn),
        ]
        cumulative = list(accumulate(share for share, _ in shapes))
        while len(self.people) < n:
            self.groups += 1
            self.rng.choices([make for _, make in shapes], cum_weights=cumulative)[0](f"G{self.groups:06d}")
        return self.people[:n]

    def person(self, group: str, kind: str, *, sex: int | None = None, age: tuple[int, int] = (18, 75),
               last: str | None = None, races: frozenset[str] | None = None, **fixed: object) -> Person:
        rng = self.rng
        sex = rng.choice((0, 1, 1)) if sex is None else sex
        born = self.birth(*age)
        adult = TODAY.year - born.year >= 18
        person = Person(
            id=f"P{len(self.people) + 1:06d}", sex=sex, first=GIVEN[sex](rng),
            middle=GIVEN[sex](rng) if rng.random() < 0.35 else None, last=last or SURNAME(rng),
            suffix=None, dob=born, ssn=self.ssn() if rng.random() < (0.9 if adult else 0.75) else None,
            races=races or self.races(), veteran=int(adult and rng.random() < 0.08), group=group, kind=kind,
        )
        person = replace(person, **fixed)
        self.people.append(person)
        return person

    def birth(self, youngest: int, oldest: int) -> date:
        age = self.rng.triangular(youngest, oldest + 1, youngest + (oldest - youngest) / 3)
        return TODAY - timedelta(days=int(age * 365.25))

    def ssn(self) -> str:
        while True:
            area, group, serial = self.rng.randint(1, 899), self.rng.randint(1, 99), self.rng.randint(1, 9999)
            value = f"{area:03d}{group:02d}{serial:04d}"
            if area != 666 and value not in self.ssns:
                self.ssns.add(value)
                return value

    def races(self) -> frozenset[str]:
        pick = self.rng.choices(list(RACES), weights=list(RACES.values()))[0]
        return frozenset(self.rng.sample(RACE_FIELDS, 2) if pick == "multi" else [pick])

    def single(self, group: str) -> None:
        self.person("", "single")

    def spouses(self, group: str) -> None:
        first = self.person(group, "spouses", sex=1)
        shared = first.last if self.rng.random() < 0.6 else None
        self.person(group, "spouses", sex=0, last=shared)

    def household(self, group: str) -> None:
        """A parent or two and their children: siblings share surname, race and household."""
        parent = self.person(group, "household", age=(20, 55))
        if self.rng.random() < 0.4:
            self.person(group, "household", sex=1 - parent.sex, last=parent.last, races=parent.races)
        for _ in range(self.rng.randint(1, 4)):
            self.person(group, "household", age=(0, 17), last=parent.last, races=parent.races)

    def twins(self, group: str) -> None:
        """Same DOB and surname, different first names; some with the same initial."""
        first = self.person(group, "twins", age=(0, 40))
        sex = self.rng.choice((0, 1))
        names = [n for n in GIVEN[sex].items if n != first.first]
        alike = [n for n in names if n[0] == first.first[0]]
        second = self.rng.choice(alike if alike and self.rng.random() < 0.3 else names)
        self.person(group, "twins", sex=sex, last=first.last, races=first.races, dob=first.dob,
                    first=second, veteran=0)

    def junior_senior(self, group: str) -> None:
        father = self.person(group, "junior-senior", sex=1, age=(40, 80), suffix="Sr.")
        years = self.rng.randint(18, min(40, TODAY.year - father.dob.year - 18))
        son_birth = father.dob + timedelta(days=int(years * 365.25) + self.rng.randint(-180, 180))
        self.person(group, "junior-senior", sex=1, first=father.first, middle=father.middle, last=father.last,
                    suffix="Jr.", races=father.races, dob=son_birth, veteran=0)

    def namesakes(self, group: str) -> None:
        """Unrelated people with a very common name born close together."""
        first, last = self.rng.choice(NAMESAKES)
        sex = 0 if first in ("Maria", "María", "Mary", "Jennifer", "Ana") else 1
        one = self.person(group, "namesakes", sex=sex, first=first, last=last)
        draw = self.rng.random()
        if draw < 0.5:
            dob = one.dob + timedelta(days=self.rng.choice((-1, 1)) * self.rng.randint(1, 60))
        elif draw < 0.8:
            years = self.rng.choice((-1, 1)) * self.rng.randint(1, 5)
            dob = _same_day(one.dob, one.dob.year + years)
        else:
            dob = one.dob.replace(month=self.rng.randint(1, 12), day=self.rng.randint(1, 28))
        if dob != one.dob:
            self.person(group, "namesakes", sex=sex, first=first, last=last, dob=dob)

    def shared_ssn(self, group: str) -> None:
        """Someone, often a relative, whose records carry another person's SSN."""
        owner = self.person(group, "shared-ssn")
        if owner.ssn is None:
            owner = replace(owner, ssn=self.ssn())
            self.people[-1] = owner
        relative = self.rng.random() < 0.5
        self.person(group, "shared-ssn", last=owner.last if relative else None, ssn=owner.ssn)


class _Entry:
    """One client record of a person, with independent errors at the rates below."""

    def __init__(self, rng: random.Random, person: Person) -> None:
        self.rng = rng
        self.p = person
        self.errors: list[str] = []

    def chance(self, rate: float, error: str) -> bool:
        hit = self.rng.random() < rate
        if hit:
            self.errors.append(error)
        return hit

    def build(self) -> Labelled:
        races = self.races()
        record: dict[str, object] = {
            **self.names(), **self.dob(), **self.ssn(), "Sex": self.sex(),
            **{f: int(f in races) for f in RACE_FIELDS}, "RaceNone": None if races else 99,
            "VeteranStatus": self.veteran(),
        }
        return Labelled(self.p, record, tuple(self.errors))

    def names(self) -> dict[str, object]:
        rng, p = self.rng, self.p
        if self.chance(0.005, "name-unknown"):
            return {"NameDataQuality": rng.choice((8, 9, 99))}
        if self.chance(0.01, "name-partial"):
            return {"FirstName": rng.choice((p.first, rng.choice(STREET_NAMES))), "NameDataQuality": 2}
        first, last = p.first, p.last
        middle = p.middle if rng.random() < 0.7 else None
        if middle and rng.random() < 0.15:
            middle = middle[0]
        if first in GOES_BY and self.chance(0.08, "nickname"):
            first = GOES_BY[first]
        elif p.middle and self.chance(0.01, "goes-by-middle"):
            first, middle = p.middle, None
        elif self.chance(0.005, "first-initial"):
            first = first[0]
        if self.chance(0.04, "first-typo"):
            first = _typo(rng, first)
        if p.sex == 0 and TODAY.year - p.dob.year >= 20 and self.chance(0.1, "married-name"):
            new = SURNAME(rng)
            last = rng.choice((new, new, f"{last}-{new}", f"{new}-{last}"))
        if self.chance(0.04, "last-typo"):
            last = _typo(rng, last)
        if self.chance(0.015, "swapped-names"):
            first, last = last, first
        suffix = p.suffix if p.suffix and rng.random() < 0.6 else None
        if p.suffix and not suffix and rng.random() < 0.2:
            last = f"{last} {p.suffix}"
        return {"FirstName": _cosmetic(rng, first), "MiddleName": middle and _cosmetic(rng, middle),
                "LastName": _cosmetic(rng, last), "NameSuffix": suffix, "NameDataQuality": 1}

    def dob(self) -> dict[str, object]:
        rng, dob = self.rng, self.p.dob
        if self.chance(0.02, "dob-missing"):
            return {"DOB": None, "DOBDataQuality": rng.choice((8, 9, 99))}
        if self.chance(0.005, "dob-placeholder"):
            return {"DOB": date(1900, 1, 1), "DOBDataQuality": rng.choice((1, 99))}
        if self.chance(0.02, "dob-approximate"):
            return {"DOB": date(dob.year + rng.randint(-2, 2), 1, 1), "DOBDataQuality": 2}
        if dob.day <= 12 and dob.day != dob.month and self.chance(0.02, "dob-swap"):
            dob = dob.replace(month=dob.day, day=dob.month)
        elif self.chance(0.02, "dob-typo"):
            dob = _digit_typo(rng, dob)
        elif self.chance(0.01, "dob-year"):
            dob = _same_day(dob, dob.year + rng.choice((-1, 1)))
        return {"DOB": dob, "DOBDataQuality": 1}

    def ssn(self) -> dict[str, object]:
        rng, ssn = self.rng, self.p.ssn
        if ssn is None or self.chance(0.07, "ssn-missing"):
            if rng.random() < 0.15:
                return dict(zip(("SSN", "SSNDataQuality"), rng.choice(SSN_FILLERS)))
            return {"SSN": None, "SSNDataQuality": rng.choice((8, 9, 99))}
        if self.chance(0.02, "ssn-placeholder"):
            return dict(zip(("SSN", "SSNDataQuality"), rng.choice(SSN_FILLERS)))
        if self.chance(0.05, "ssn-last4"):
            return {"SSN": rng.choice(("xxxxx", "")) + ssn[5:], "SSNDataQuality": 2}
        if self.chance(0.01, "ssn-first5"):
            return {"SSN": ssn[:5] + "xxxx", "SSNDataQuality": 2}
        if self.chance(0.02, "ssn-typo"):
            i = rng.randrange(9)
            ssn = ssn[:i] + rng.choice([d for d in "0123456789" if d != ssn[i]]) + ssn[i + 1:]
        elif self.chance(0.015, "ssn-transposed"):
            i = rng.choice([i for i in range(8) if ssn[i] != ssn[i + 1]] or [0])
            ssn = ssn[:i] + ssn[i + 1] + ssn[i] + ssn[i + 2:]
        if rng.random() < 0.4:
            ssn = f"{ssn[:3]}-{ssn[3:5]}-{ssn[5:]}"
        return {"SSN": ssn, "SSNDataQuality": 1}

    def sex(self) -> int:
        if self.chance(0.01, "sex-unknown"):
            return 99
        if self.chance(0.01, "sex-changed"):
            return 1 - self.p.sex
        return self.p.sex

    def races(self) -> frozenset[str]:
        """Another answer next time: a race added or dropped (none left means not collected)."""
        if self.chance(0.15, "race-changed"):
            return self.p.races ^ {self.rng.choice(RACE_FIELDS)}
        return self.p.races

    def veteran(self) -> int:
        if self.chance(0.03, "veteran-changed"):
            return self.rng.choice((1 - self.p.veteran, 8, 99))
        return self.p.veteran


def _typo(rng: random.Random, name: str) -> str:
    """One keying slip: a letter replaced, dropped, doubled, or two letters swapped; the first stays."""
    for _ in range(10):
        if len(name) < 3:
            break
        i = rng.randrange(1, len(name))
        j = min(i, len(name) - 2)
        slip = (
            name[:i] + rng.choice("aeiourstnlm") + name[i + 1:],
            name[:i] + name[i + 1:],
            name[:i] + name[i] + name[i:],
            name[:j] + name[j + 1] + name[j] + name[j + 2:],
        )[rng.randrange(4)]
        if slip.casefold() != name.casefold():
            return slip
    return name


def _digit_typo(rng: random.Random, dob: date) -> date:
    digits = dob.strftime("%Y%m%d")
    for _ in range(50):
        i = rng.randrange(2, 8)  # not the century
        candidate = digits[:i] + str(rng.randrange(10)) + digits[i + 1:]
        try:
            typo = date(int(candidate[:4]), int(candidate[4:6]), int(candidate[6:]))
        except ValueError:
            continue
        if typo != dob and typo < TODAY:
            return typo
    return dob


def _same_day(dob: date, year: int) -> date:
    return dob.replace(year=year, day=min(dob.day, 28))


def _cosmetic(rng: random.Random, name: str) -> str:
    """What differs between entries without being an error: case, accents, punctuation, spaces."""
    draw = rng.random()
    if draw < 0.2:
        name = name.upper()
    elif draw < 0.25:
        name = name.lower()
    if rng.random() < 0.5:
        name = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    if rng.random() < 0.3:
        name = name.replace("'", "").replace("-", " ")
    if rng.random() < 0.05:
        name = f" {name} "
    return name


def generate(persons: int = 20_000, seed: int = 1) -> list[Labelled]:
    """Client records of `persons` people, shuffled, each labelled with its person and errors."""
    rng = random.Random(seed)
    people = _People(rng).build(persons)
    counts, weights = zip(*RECORDS_PER_PERSON.items())
    records = [_Entry(rng, p).build() for p in people for _ in range(rng.choices(counts, weights)[0])]
    rng.shuffle(records)
    for number, labelled in enumerate(records, start=1):
        labelled.record["PersonalID"] = f"R{number:07d}"
    return records


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True, help="CSV file to write")
    args = parser.parse_args()
    records = generate(args.persons, args.seed)
    columns = ["PersonalID", "FirstName", "MiddleName", "LastName", "NameSuffix", "NameDataQuality", "SSN",
               "SSNDataQuality", "DOB", "DOBDataQuality", "Sex", *RACE_FIELDS, "VeteranStatus"]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["TruePersonID", "Group", "Kind", "Errors", *columns])
        for r in records:
            writer.writerow([r.person.id, r.person.group, r.person.kind, " ".join(r.errors),
                             *(r.record.get(c) for c in columns)])
    print(f"{len(records)} records of {args.persons} persons -> {args.out}")


if __name__ == "__main__":
    main()
