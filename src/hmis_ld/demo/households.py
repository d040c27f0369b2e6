"""Households and their episodes: who comes together, to which projects, when, and for how long;
each person's client record, then each episode's enrollments."""

from __future__ import annotations

from datetime import date

from hmis_ld.demo.enrollments import Enrollments
from hmis_ld.demo.entities import Episode, Person, Project
from hmis_ld.demo.output import Output
from hmis_ld.demo.people import People
from hmis_ld.demo.units import days_after
from hmis_ld.demo.weighted import Weighted
from hmis_ld.demo.weights import (
    END,
    EPISODES,
    EXIT_HOUSED,
    EXIT_OTHER,
    FAMILY_SIZE,
    HOUSING,
    OTHER_PROJECT_TYPE,
    PREVENTION,
    PROJECT_TYPES,
    START,
)


class Households:
    def __init__(self, out: Output) -> None:
        self.out = out
        self.rng = out.rng
        self.households = 0
        self.people = People(out.rng)
        self.enrollments = Enrollments(out)

    def write(self, n_clients: int, placement: tuple[Weighted[Project], Weighted[Project]]) -> None:
        individuals, families = placement
        written = 0
        while written < n_clients:
            rng = self.rng
            family = n_clients - written >= 2 and rng.random() < 0.25
            size = min(FAMILY_SIZE(rng), n_clients - written) if family else 1
            episodes = self.episodes(families if family else individuals)
            members = self.people.members(size, episodes[0].entry)
            last_activity = max(e.exit or e.entry for e in episodes)
            for person in members:
                person.id = self.client(person, episodes[0].entry, last_activity)
            for episode in episodes:
                self.enrollments.episode(episode, members, family)
            written += size

    def episodes(self, placement: Weighted[Project]) -> list[Episode]:
        """1-3 stays one after the other; only the last may still be open at END."""
        rng = self.rng
        count = EPISODES(rng)
        entry = days_after(START, rng.randrange((END - START).days))
        episodes = []
        for number in range(count):
            project = placement(rng)
            lo, hi = PROJECT_TYPES.get(project.type, OTHER_PROJECT_TYPE)[2]
            leaves = days_after(entry, lo + int((hi - lo) * rng.random() ** 2))
            still_there = leaves > END or (number == count - 1 and rng.random() < 0.3)
            exit_ = None if still_there else leaves
            episodes.append(self.new_episode(project, entry, exit_))
            if exit_ is None:
                break
            entry = days_after(exit_, rng.randint(1, 400))
            if entry > END:
                break
        return episodes

    def new_episode(self, project: Project, entry: date, exit_: date | None) -> Episode:
        rng = self.rng
        self.households += 1
        move_in = None
        if project.type in HOUSING and rng.random() < 0.8:
            move_in = days_after(entry, int(rng.random() ** 2 * 120))
            if move_in > (exit_ or END):
                move_in = None
        destination = None
        if exit_ is not None:
            housed = project.type in HOUSING | PREVENTION
            destination = EXIT_HOUSED(rng) if housed else EXIT_OTHER(rng)
        return Episode(project, rng.choice(project.cocs), entry, exit_, str(self.households), move_in,
                        destination)

    def client(self, person: Person, first_entry: date, last_activity: date) -> str:
        return self.out.write("Client", {
            "FirstName": person.first, "MiddleName": person.middle, "LastName": person.last,
            "NameSuffix": person.suffix, "NameDataQuality": person.name_quality, "SSN": person.ssn,
            "SSNDataQuality": person.ssn_quality, "DOB": person.dob, "DOBDataQuality": person.dob_quality,
            "Sex": person.sex, **person.races, "VeteranStatus": person.veteran, **person.military,
            **self.out.audit(first_entry, last_activity),
        })
