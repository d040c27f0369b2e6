"""The people of the export as their client records describe them: names, SSN and DOB of varying
quality, race, military service, and now and then a person already known entered again."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta

from hmis_ld.demo.entities import Person
from hmis_ld.demo.names import FEMALE, LAST, MALE, NICKNAMES, SUFFIXES
from hmis_ld.demo.units import age_on
from hmis_ld.demo.weights import (
    ADDITIONAL_RACE,
    ADULT_AGE,
    BRANCH,
    DISCHARGE,
    DOB_UNKNOWN,
    DUPLICATE_POOL,
    DUPLICATE_RATE,
    NAME_UNKNOWN,
    OLDEST_DOB,
    PARENT_AGE,
    RACE,
    RACE_FIELDS,
    RACE_NONE,
    SEX,
    SSN_UNKNOWN,
    THEATERS,
    YOUNGEST_DOB,
)


class People:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.ssns: set[int] = set()  # issued SSNs: two people never share one
        self.adults: list[Person] = []  # earlier adult records that may be entered again (duplicates)

    def members(self, size: int, entry: date) -> list[Person]:
        """The head of household first; in families a partner sometimes, then children."""
        rng = self.rng
        if size == 1:
            return [self.single_adult(entry)]
        lo, hi = PARENT_AGE(rng)
        parent_age = rng.randint(lo, hi)
        head = self.person(self.birth(entry, parent_age), entry)
        members = [head]
        if size >= 3 and rng.random() < 0.35:
            partner = self.person(self.birth(entry, max(18, parent_age + rng.randint(-6, 6))), entry)
            partner.relationship = 3
            members.append(partner)
        while len(members) < size:
            child = self.person(self.birth(entry, rng.randint(0, min(17, parent_age - 16))), entry)
            child.relationship = 2
            members.append(child)
        return members

    def single_adult(self, entry: date) -> Person:
        """A new adult, or now and then one already known entered again as a new client record."""
        rng = self.rng
        if self.adults and rng.random() < DUPLICATE_RATE:
            return self.duplicate(rng.choice(self.adults))
        lo, hi = ADULT_AGE(rng)
        person = self.person(self.birth(entry, rng.randint(lo, hi)), entry)
        if person.birth.year <= 2002:  # an adult at any entry date
            if len(self.adults) < DUPLICATE_POOL:
                self.adults.append(person)
            else:
                self.adults[rng.randrange(DUPLICATE_POOL)] = person
        return person

    def birth(self, day: date, age: int) -> date:
        born = day - timedelta(days=int(age * 365.25) + self.rng.randrange(365))
        if born > YOUNGEST_DOB:
            born = YOUNGEST_DOB - timedelta(days=self.rng.randrange(365))
        return max(born, OLDEST_DOB)

    def person(self, birth: date, entry: date) -> Person:
        rng = self.rng
        sex = SEX(rng)
        person = Person(birth, sex, *self.names(sex), *self.ssn(), *self.dob(birth), self.races())
        if age_on(birth, entry) >= 21 and rng.random() < 0.08:
            person.veteran, person.military = 1, self.military(birth, entry)
        return person

    def names(self, sex: int) -> tuple[str | None, str | None, str | None, str | None, int]:
        """First, middle, last name, suffix and NameDataQuality: mostly full, some partial or unknown."""
        rng = self.rng
        given = FEMALE if sex == 0 else MALE if sex == 1 else FEMALE + MALE
        first = rng.choice(given)
        middle = rng.choice(given) if rng.random() < 0.35 else None
        last = rng.choice(LAST)
        suffix = rng.choice(SUFFIXES) if sex == 1 and rng.random() < 0.03 else None
        draw = rng.random()
        if draw < 0.02:
            return first, None, None, None, 2
        if draw < 0.025:
            return None, None, None, None, NAME_UNKNOWN(rng)
        return first, middle, last, suffix, 1

    def dob(self, birth: date) -> tuple[date | None, int]:
        """DOB and DOBDataQuality: mostly exact, some approximate (January 1st) or unknown."""
        draw = self.rng.random()
        if draw < 0.03:
            return birth.replace(month=1, day=1), 2
        if draw < 0.05:
            return None, DOB_UNKNOWN(self.rng)
        return birth, 1

    def ssn(self) -> tuple[str | None, int]:
        """A valid-looking SSN (area not 000/666/9xx, group not 00, serial not 0000) unique per person,
        partial (quality 2) or blank."""
        rng = self.rng
        draw = rng.random()
        if draw >= 0.92:
            return None, SSN_UNKNOWN(rng)
        while True:
            number = rng.randrange(1_000_000, 900_000_000)  # areas 001-899
            valid = number // 1_000_000 != 666 and number // 10_000 % 100 != 0 and number % 10_000 != 0
            if valid and number not in self.ssns:
                break
        self.ssns.add(number)
        ssn = f"{number:09d}"
        if draw < 0.85:
            return ssn, 1
        return ("xxxxx" + ssn[5:] if draw < 0.9 else ssn[:5] + "xxxx"), 2

    def races(self) -> dict[str, object]:
        rng = self.rng
        pick = RACE(rng)
        races: dict[str, object] = dict.fromkeys(RACE_FIELDS, 0)
        if pick == "none":
            return {**races, "RaceNone": RACE_NONE(rng)}
        chosen = rng.sample(RACE_FIELDS, 2) if pick == "multi" else [pick]
        if pick in ("White", "BlackAfAmerican") and rng.random() < 0.12:
            chosen.append("HispanicLatinao")
        races.update(dict.fromkeys(chosen, 1))
        if rng.random() < 0.03:
            races["AdditionalRaceEthnicity"] = ADDITIONAL_RACE[chosen[0]]
        return races

    def military(self, birth: date, entry: date) -> dict[str, object]:
        rng = self.rng
        entered = min(birth.year + rng.randint(18, 24), entry.year - 1)
        separated = min(entered + rng.randint(2, 22), entry.year)
        theaters = {name: int(lo <= separated and entered <= hi and rng.random() < 0.5)
                    for name, (lo, hi) in THEATERS.items()}
        return {"YearEnteredService": entered, "YearSeparated": separated, **theaters, "OtherTheater": 0,
                "MilitaryBranch": BRANCH(rng), "DischargeStatus": DISCHARGE(rng)}

    def duplicate(self, original: Person) -> Person:
        """The same person entered again: nickname or typo, missing SSN, DOB typo, or new last name."""
        rng = self.rng
        kind = rng.randrange(5)
        if kind == 0 and original.first:
            first = original.first
            nickname = NICKNAMES.get(first)
            if nickname is None and len(first) > 3:
                cut = rng.randrange(1, len(first) - 2)
                nickname = first[:cut] + first[cut + 1] + first[cut] + first[cut + 2:]
            return replace(original, first=nickname or first)
        if kind == 1:
            return replace(original, ssn=None, ssn_quality=99)
        if kind == 2 and original.dob and original.dob.day <= 12 and original.dob.day != original.dob.month:
            return replace(original, dob=original.dob.replace(month=original.dob.day, day=original.dob.month))
        if kind == 3 and original.ssn and original.ssn_quality == 1:
            ssn = original.ssn
            return replace(original, ssn=ssn[:5] + ssn[6] + ssn[5] + ssn[7:])
        return replace(original, last=rng.choice(LAST), suffix=None)
