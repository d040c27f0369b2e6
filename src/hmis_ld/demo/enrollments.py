"""Enrollments and every record one owns, in the order staff would enter them: income, health,
disabilities, employment, education, services, contacts, coordinated entry, the exit."""

from __future__ import annotations

from datetime import date

from hmis_ld.demo.entities import Episode, Person, Stay
from hmis_ld.demo.income import IncomeBenefits
from hmis_ld.demo.output import Output
from hmis_ld.demo.units import age_on, days_after, dollars
from hmis_ld.demo.weights import (
    ASSESSMENT_LEVEL,
    ASSESSMENT_LOCATIONS,
    ASSESSMENT_QUESTIONS,
    ASSESSMENT_TYPE,
    CE,
    CURRENT_ED,
    CURRENT_SITUATION,
    DISABILITY_TYPES,
    DISABLING,
    DV,
    EMPLOYMENT_TYPE,
    END,
    ENTRY_AT_RISK,
    ENTRY_HOMELESS,
    EVENT,
    FINANCIAL,
    GRADE,
    LENGTH_OF_STAY,
    LITERALLY_HOMELESS,
    LOCATION_DETAILS,
    MONTHS_HOMELESS,
    MOST_RECENT_ED,
    NO_YES,
    NOT_EMPLOYED,
    OTHER_SITUATION,
    OUTREACH,
    PREVENTION,
    PRIORITIZATION,
    REFERRAL_EVENTS,
    REFERRAL_OUTCOME,
    REFERRAL_RESULT,
    SCHOOL,
    SCHOOL_ATTEND,
    SUBSIDY,
    SUBSTANCE_USE,
    SUBSTANCE_USE_YES,
    TIMES_HOMELESS,
    TYPE_PROVIDED,
    UNSHELTERED,
    WHEN_OCCURRED,
    WITH_SUBSIDY,
    YES_NO,
)


class Enrollments:
    def __init__(self, out: Output) -> None:
        self.out = out
        self.rng = out.rng
        self.income_benefits = IncomeBenefits(out)

    def episode(self, episode: Episode, members: list[Person], family: bool) -> None:
        rng = self.rng
        engagement = None
        if episode.project.type in OUTREACH and rng.random() < 0.6:
            engagement = min(days_after(episode.entry, rng.randint(0, 30)), episode.exit or END)
        for person in members:
            disabling = DISABLING(rng)
            enrollment_id = self.enrollment(episode, person, engagement, disabling)
            age = age_on(person.birth, episode.entry)
            self.records(Stay(enrollment_id, person, age, episode, family, disabling))

    def enrollment(self, episode: Episode, person: Person, engagement: date | None, disabling: int) -> str:
        rng = self.rng
        adult = person.relationship == 1 or age_on(person.birth, episode.entry) >= 18
        return self.out.write("Enrollment", {
            "PersonalID": person.id, "ProjectID": episode.project.id, "EntryDate": episode.entry,
            "HouseholdID": episode.household_id, "RelationshipToHoH": person.relationship,
            "EnrollmentCoC": episode.coc, **(self.prior_living(episode) if adult else {}),
            "DisablingCondition": disabling, "DateOfEngagement": engagement,
            "MoveInDate": episode.move_in, "TranslationNeeded": 0 if rng.random() < 0.9 else 1,
            **self.out.audit(episode.entry, episode.exit or episode.move_in),
        })

    def prior_living(self, episode: Episode) -> dict[str, object]:
        """3.917 prior living situation, asked differently for literally homeless people."""
        rng = self.rng
        situation = (ENTRY_AT_RISK if episode.project.type in PREVENTION else ENTRY_HOMELESS)(rng)
        row: dict[str, object] = {
            "LivingSituation": situation, "LengthOfStay": LENGTH_OF_STAY(rng),
            "RentalSubsidyType": SUBSIDY(rng) if situation == WITH_SUBSIDY else None,
        }
        homeless = situation in LITERALLY_HOMELESS
        if not homeless:
            under = NO_YES(rng)
            previous = int(under == 1 and rng.random() < 0.5)
            row.update(LOSUnderThreshold=under, PreviousStreetESSH=previous)
            homeless = previous == 1
        if homeless:
            row["DateToStreetESSH"] = days_after(episode.entry, -int(rng.random() ** 2 * 1500))
            row["TimesHomelessPastThreeYears"] = TIMES_HOMELESS(rng)
            row["MonthsHomelessPastThreeYears"] = MONTHS_HOMELESS(rng)
        return row

    def records(self, stay: Stay) -> None:
        """Everything one enrollment owns, in the order staff would enter it."""
        rng = self.rng
        adult = stay.age >= 18
        income = self.income_benefits.write(stay, 1, stay.episode.entry, None)
        self.annual_assessments(stay, income)
        if adult and rng.random() < 0.7:
            self.health(stay)
        if stay.disabling in (0, 1) and rng.random() < 0.65:
            self.disabilities(stay)
        if adult and rng.random() < 0.3:
            self.employment(stay, income)
        if 16 <= stay.age <= 24 and rng.random() < 0.1:
            self.youth_education(stay)
        self.services(stay)
        if stay.episode.project.type in OUTREACH | CE:
            self.living_situations(stay)
        if stay.episode.project.type in CE and stay.person.relationship == 1:
            self.coordinated_entry(stay)
        if stay.episode.exit is not None:
            self.income_benefits.write(stay, 3, stay.episode.exit, income if rng.random() < 0.85 else None)
            self.exit(stay)

    def annual_assessments(self, stay: Stay, income: dict[str, object]) -> None:
        year = 1
        while (day := days_after(stay.episode.entry, 365 * year)) < stay.last_day:
            self.income_benefits.write(stay, 5, day, income)
            year += 1

    def health(self, stay: Stay) -> None:
        rng = self.rng
        survivor = DV(rng)
        self.out.write("HealthAndDV", {
            **stay.ids, "InformationDate": stay.episode.entry, "DomesticViolenceSurvivor": survivor,
            "WhenOccurred": WHEN_OCCURRED(rng) if survivor == 1 else None,
            "CurrentlyFleeing": YES_NO(rng) if survivor == 1 else None,
            "DataCollectionStage": 1, **self.out.audit(stay.episode.entry),
        })

    def disabilities(self, stay: Stay) -> None:
        """The six disability types at entry: one or two indefinite ones when the condition is disabling."""
        rng = self.rng
        disabled = set(rng.sample(DISABILITY_TYPES, rng.randint(1, 2))) if stay.disabling == 1 else set()
        for kind in DISABILITY_TYPES:
            yes = kind in disabled
            response = int(yes)
            if yes and kind == SUBSTANCE_USE:
                response = rng.choice(SUBSTANCE_USE_YES)
            self.out.write("Disabilities", {
                **stay.ids, "InformationDate": stay.episode.entry, "DisabilityType": kind,
                "DisabilityResponse": response, "IndefiniteAndImpairs": 1 if yes else None,
                "DataCollectionStage": 1, **self.out.audit(stay.episode.entry),
            })

    def employment(self, stay: Stay, income: dict[str, object]) -> None:
        rng = self.rng
        employed = income.get("Earned", 0)
        self.out.write("EmploymentEducation", {
            **stay.ids, "InformationDate": stay.episode.entry, "LastGradeCompleted": GRADE(rng),
            "SchoolStatus": SCHOOL(rng), "Employed": employed,
            "EmploymentType": EMPLOYMENT_TYPE(rng) if employed else None,
            "NotEmployedReason": None if employed else NOT_EMPLOYED(rng),
            "DataCollectionStage": 1, **self.out.audit(stay.episode.entry),
        })

    def youth_education(self, stay: Stay) -> None:
        rng = self.rng
        attends = SCHOOL_ATTEND(rng)
        self.out.write("YouthEducationStatus", {
            **stay.ids, "InformationDate": stay.episode.entry, "CurrentSchoolAttend": attends,
            "MostRecentEdStatus": MOST_RECENT_ED(rng) if attends == 0 else None,
            "CurrentEdStatus": CURRENT_ED(rng) if attends in (1, 2) else None,
            "DataCollectionStage": 1, **self.out.audit(stay.episode.entry),
        })

    def services(self, stay: Stay) -> None:
        """Bed nights for everyone in a shelter; other services and assistance go to the head."""
        rng = self.rng
        record_types = stay.episode.project.record_types
        if not record_types or (record_types != (200,) and stay.person.relationship != 1):
            return
        span = (stay.last_day - stay.episode.entry).days
        if record_types == (200,):
            days = sorted(rng.sample(range(span + 1), min(span + 1, rng.randint(3, 15))))
        else:
            days = sorted(rng.randint(0, span) for _ in range(rng.randint(2, 6)))
        for offset in days:
            day = days_after(stay.episode.entry, offset)
            record_type = rng.choice(record_types)
            fa = FINANCIAL.get(record_type)
            self.out.write("Services", {
                **stay.ids, "DateProvided": day, "RecordType": record_type,
                "TypeProvided": rng.choice(TYPE_PROVIDED[record_type]),
                "FAAmount": dollars(rng.randint(fa[0] * 100, fa[1] * 100)) if fa else None,
                "ReferralOutcome": REFERRAL_OUTCOME(rng) if record_type == 161 else None,
                **self.out.audit(day),
            })

    def living_situations(self, stay: Stay) -> None:
        """Contacts of street outreach and coordinated entry, the first on the entry date."""
        rng = self.rng
        contacts = 1 + (rng.randint(0, 5) if stay.episode.project.type in OUTREACH else 0)
        for number in range(contacts):
            day = stay.episode.entry if number == 0 else stay.day_within(rng)
            situation = CURRENT_SITUATION(rng)
            described = situation == UNSHELTERED and rng.random() < 0.4
            self.out.write("CurrentLivingSituation", {
                **stay.ids, "InformationDate": day, "CurrentLivingSituation": situation,
                "CLSSubsidyType": SUBSIDY(rng) if situation == WITH_SUBSIDY else None,
                "LocationDetails": rng.choice(LOCATION_DETAILS) if described else None,
                **self.out.audit(day),
            })

    def coordinated_entry(self, stay: Stay) -> None:
        """An assessment with its questions and score, then one or two referral events."""
        rng = self.rng
        day = stay.day_within(rng)
        ids = stay.ids
        assessment_id = self.out.write("Assessment", {
            **ids, "AssessmentDate": day, "AssessmentLocation": rng.choice(ASSESSMENT_LOCATIONS),
            "AssessmentType": ASSESSMENT_TYPE(rng), "AssessmentLevel": ASSESSMENT_LEVEL(rng),
            "PrioritizationStatus": PRIORITIZATION(rng), **self.out.audit(day),
        })
        for order, (question, answers) in enumerate(rng.sample(ASSESSMENT_QUESTIONS, 3), start=1):
            self.out.write("AssessmentQuestions", {
                "AssessmentID": assessment_id, **ids, "AssessmentQuestionGroup": "Housing needs",
                "AssessmentQuestionOrder": order, "AssessmentQuestion": question,
                "AssessmentAnswer": rng.choice(answers), **self.out.audit(day),
            })
        self.out.write("AssessmentResults", {
            "AssessmentID": assessment_id, **ids, "AssessmentResultType": "Prioritization score",
            "AssessmentResult": str(rng.randint(1, 17)), **self.out.audit(day),
        })
        for _ in range(rng.randint(1, 2)):
            self.event(stay, days_after(day, rng.randint(0, (stay.last_day - day).days)))

    def event(self, stay: Stay, day: date) -> None:
        rng = self.rng
        event = EVENT(rng)
        result_day = None
        if event in REFERRAL_EVENTS and rng.random() < 0.8:
            result_day = min(days_after(day, rng.randint(1, 30)), END)
        self.out.write("Event", {
            **stay.ids, "EventDate": day, "Event": event,
            "ProbSolDivRRResult": NO_YES(rng) if event == 2 else None,
            "ReferralCaseManageAfter": NO_YES(rng) if event == 5 else None,
            "ReferralResult": REFERRAL_RESULT(rng) if result_day else None, "ResultDate": result_day,
            **self.out.audit(day, result_day),
        })

    def exit(self, stay: Stay) -> None:
        rng = self.rng
        destination = stay.episode.destination
        day = stay.episode.exit
        assert day is not None and destination is not None
        self.out.write("Exit", {
            **stay.ids, "ExitDate": day, "Destination": destination,
            "DestinationSubsidyType": SUBSIDY(rng) if destination == WITH_SUBSIDY else None,
            "OtherDestination": "Moved out of state" if destination == OTHER_SITUATION else None,
            **self.out.audit(day),
        })
