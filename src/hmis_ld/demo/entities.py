"""What the generators hand each other: projects, people, one household's episodes, one person's stays."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

from hmis_ld.demo.units import days_after
from hmis_ld.demo.weights import END


@dataclass(frozen=True)
class Project:
    id: str
    name: str
    type: int
    cocs: tuple[str, ...]
    record_types: tuple[int, ...]


@dataclass
class Person:
    """A client record: what is true (birth) and what the record says (DOB, names, SSN)."""

    birth: date
    sex: int
    first: str | None
    middle: str | None
    last: str | None
    suffix: str | None
    name_quality: int
    ssn: str | None
    ssn_quality: int
    dob: date | None
    dob_quality: int
    races: dict[str, object]
    veteran: int = 0
    military: dict[str, object] = field(default_factory=dict)
    id: str = ""
    relationship: int = 1  # RelationshipToHoH, list 3.15.1


@dataclass(frozen=True)
class Episode:
    """One household's stay in one project."""

    project: Project
    coc: str
    entry: date
    exit: date | None
    household_id: str
    move_in: date | None
    destination: int | None


@dataclass(frozen=True)
class Stay:
    """One person's enrollment in an episode; the context of every row it owns."""

    enrollment_id: str
    person: Person
    age: int
    episode: Episode
    family: bool
    disabling: int  # DisablingCondition, list 1.8

    @property
    def ids(self) -> dict[str, object]:
        return {"EnrollmentID": self.enrollment_id, "PersonalID": self.person.id}

    @property
    def last_day(self) -> date:
        return self.episode.exit or END

    def day_within(self, rng: random.Random) -> date:
        return days_after(self.episode.entry, rng.randint(0, (self.last_day - self.episode.entry).days))
