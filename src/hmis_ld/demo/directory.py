"""The records that are not about clients: the export, users, organizations, projects and
what describes a project (funders, CoCs, inventory, HMIS and CE participation)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from hmis_ld.demo.entities import Project
from hmis_ld.demo.names import FEMALE, LAST, MALE
from hmis_ld.demo.output import Output
from hmis_ld.demo.units import days_after
from hmis_ld.demo.weighted import Weighted, coded
from hmis_ld.demo.weights import (
    CE,
    COCS,
    END,
    ES,
    EXPORT_DATE,
    GEOGRAPHY,
    HOPWA_FUNDER,
    HOUSING,
    HOUSING_TYPE,
    NOT_PARTICIPATING,
    ORG_PREFIXES,
    ORG_SUFFIXES,
    OTHER_FUNDERS,
    OTHER_PROJECT_TYPE,
    PARTICIPATING,
    PLACES,
    PROJECT_TYPES,
    RESIDENTIAL,
    START,
    STATE,
    STREETS,
)
from hmis_ld.model import MODEL


class Directory:
    def __init__(self, out: Output) -> None:
        self.out = out
        self.rng = out.rng

    def write(self, n_clients: int) -> tuple[Weighted[Project], Weighted[Project]]:
        """Write the non-client files; returns the project choice for individuals and for families."""
        self.export()
        self.out.users = [self.user(i) for i in range(10)]
        organizations = [self.organization(i) for i in range(max(3, round(n_clients / 2000)))]
        projects: list[Project] = []
        housing: list[str] = []
        for index, ptype in enumerate(self.project_types(max(14, round(n_clients / 150)))):
            project = self.project(ptype, organizations[index % len(organizations)], index, housing)
            projects.append(project)
            if ptype in RESIDENTIAL:
                housing.append(project.id)
        return self.placement(projects, family=False), self.placement(projects, family=True)

    def export(self) -> None:
        self.out.write("Export", {
            "ExportID": self.out.export_id, "SourceType": 1, "SourceID": "XX-500",
            "SourceName": "Demo Continuum of Care", "SourceContactFirst": "Data", "SourceContactLast": "Team",
            "SourceContactEmail": "hmis@example.org",
            "ExportDate": EXPORT_DATE, "ExportStartDate": START, "ExportEndDate": END,
            "SoftwareName": "hmis-ld demo generator", "SoftwareVersion": "1", "CSVVersion": "2026 v1.0",
            "ExportPeriodType": 3, "ExportDirective": 2, "HashStatus": 1, "ImplementationID": "hmis-ld-demo",
        })

    def user(self, index: int) -> str:
        rng = self.rng
        first, last = rng.choice(FEMALE + MALE), rng.choice(LAST)
        created = days_after(date(2019, 1, 2), rng.randrange(700))
        stamp = datetime.combine(created, time(9)) + timedelta(minutes=index)
        return self.out.write("User", {
            "UserFirstName": first, "UserLastName": last, "UserPhone": f"515555{rng.randrange(10000):04d}",
            "UserEmail": f"{first}.{last}@example.org".lower().replace(" ", "").replace("'", ""),
            "DateCreated": stamp, "DateUpdated": stamp + timedelta(days=rng.randrange(600)),
        })

    def organization(self, index: int) -> tuple[str, str]:
        prefix = ORG_PREFIXES[index % len(ORG_PREFIXES)]
        suffix = ORG_SUFFIXES[(index + index // len(ORG_PREFIXES)) % len(ORG_SUFFIXES)]
        round_ = index // (len(ORG_PREFIXES) * len(ORG_SUFFIXES))
        name = f"{prefix} {suffix}" + (f" {round_ + 1}" if round_ else "")
        created = date(2008 + index % 10, 1 + index % 12, 1)
        org_id = self.out.write("Organization", {
            "OrganizationName": name, "VictimServiceProvider": 0, "OrganizationCommonName": prefix,
            **self.out.audit(created, date(2020, 6, 1)),
        })
        return org_id, prefix

    @staticmethod
    def project_types(count: int) -> list[int]:
        """Every type of list 2.02.6 once, then more in proportion to their share (smooth round robin)."""
        types = [int(code) for code in MODEL.code_lists["2.02.6"].codes]
        shares = {t: PROJECT_TYPES.get(t, OTHER_PROJECT_TYPE)[0] for t in types}
        total = sum(shares.values())
        credit = dict.fromkeys(types, 0.0)
        chosen = list(types)
        for _ in range(count - len(types)):
            for t in types:
                credit[t] += shares[t]
            best = max(types, key=credit.__getitem__)
            credit[best] -= total
            chosen.append(best)
        return chosen

    def project(self, ptype: int, organization: tuple[str, str], index: int, housing: list[str]) -> Project:
        rng = self.rng
        _share, label, _stay, funders, record_types = PROJECT_TYPES.get(ptype, OTHER_PROJECT_TYPE)
        start = date(2008 + rng.randrange(13), rng.randint(1, 12), 1)
        subtype = (2 if rng.random() < 0.7 else 1) if ptype == 13 else None
        residential = ptype in RESIDENTIAL or subtype == 2
        affiliates = housing and (ptype == 6 or (subtype == 1 and rng.random() < 0.5))
        affiliated = rng.choice(housing) if affiliates else None
        name = f"{organization[1]} {label} {index + 1}"
        project_id = self.out.write("Project", {
            "OrganizationID": organization[0], "ProjectName": name,
            "ProjectCommonName": f"{label} {index + 1}", "OperatingStartDate": start,
            "ContinuumProject": 0 if ptype == 7 else 1, "ProjectType": ptype,
            "HousingType": HOUSING_TYPE(rng) if residential else None, "RRHSubType": subtype,
            "ResidentialAffiliation": (1 if affiliated else 0) if ptype == 6 or subtype == 1 else None,
            "TargetPopulation": 4,  # not applicable
            "HOPWAMedAssistedLivingFac": 0 if HOPWA_FUNDER in funders else 2,  # 2: not HOPWA-funded
            **self.out.audit(start, days_after(start, rng.randrange(2000))),
        })
        cocs = COCS if index % 6 == 5 else (COCS[index % 2],)
        self.funders(project_id, funders, start)
        for coc in cocs:
            self.project_coc(project_id, coc, start)
            if residential:
                self.inventory(project_id, ptype, coc, start)
        self.participation(project_id, ptype, start, index)
        if affiliated:
            self.out.write("Affiliation", {
                "ProjectID": project_id, "ResProjectID": affiliated, **self.out.audit(start),
            })
        return Project(project_id, name, ptype, cocs, record_types)

    def funders(self, project_id: str, funders: tuple[int, ...], start: date) -> None:
        rng = self.rng
        local = (46,) if 46 not in funders and rng.random() < 0.25 else ()
        for funder in coded("2.06.1", dict.fromkeys(funders + local, 1)).values:
            self.out.write("Funder", {
                "ProjectID": project_id, "Funder": funder,
                "OtherFunder": rng.choice(OTHER_FUNDERS) if funder == 46 else None,
                "GrantID": f"XX{rng.randrange(1, 10000):04d}L7D{rng.randrange(100000):05d}",
                "StartDate": start, **self.out.audit(start),
            })

    def project_coc(self, project_id: str, coc: str, start: date) -> None:
        rng = self.rng
        city, zip_code, geocode = rng.choice(PLACES[coc])
        self.out.write("ProjectCoC", {
            "ProjectID": project_id, "CoCCode": coc, "Geocode": geocode,
            "Address1": f"{rng.randint(10, 2999)} {rng.choice(STREETS)}", "City": city, "State": STATE,
            "ZIP": zip_code, "GeographyType": GEOGRAPHY(rng), **self.out.audit(start),
        })

    def inventory(self, project_id: str, ptype: int, coc: str, start: date) -> None:
        rng = self.rng
        for household_type in (1,) if ptype == 8 else (1, 3):
            units = rng.randint(5, 40) if household_type == 1 else rng.randint(3, 15)
            beds = units if household_type == 1 else units * rng.randint(3, 4)
            chronic = beds // 2 if ptype == 3 else 0
            self.out.write("Inventory", {
                "ProjectID": project_id, "CoCCode": coc, "HouseholdType": household_type,
                "Availability": (2 if ptype == 1 and rng.random() < 0.3 else 1) if ptype in ES else None,
                "UnitInventory": units, "BedInventory": beds, "CHVetBedInventory": 0,
                "YouthVetBedInventory": 0, "VetBedInventory": 0, "CHYouthBedInventory": 0,
                "YouthBedInventory": 0,
                "CHBedInventory": chronic, "OtherBedInventory": beds - chronic,
                "ESBedType": (1 if rng.random() < 0.8 else 2) if ptype in ES else None,
                "InventoryStartDate": start, **self.out.audit(start),
            })

    def participation(self, project_id: str, ptype: int, start: date, index: int) -> None:
        """HMIS participation (some projects joined HMIS late) and CE participation."""
        joined = start
        if index % 7 == 6 and start < date(2018, 1, 1):
            joined = date(2019, 1, 1)
            self.out.write("HMISParticipation", {
                "ProjectID": project_id, "HMISParticipationType": NOT_PARTICIPATING,
                "HMISParticipationStatusStartDate": start,
                "HMISParticipationStatusEndDate": days_after(joined, -1),
                **self.out.audit(start),
            })
        self.out.write("HMISParticipation", {
            "ProjectID": project_id, "HMISParticipationType": PARTICIPATING,
            "HMISParticipationStatusStartDate": joined, **self.out.audit(joined),
        })
        access_point = ptype in CE
        if access_point or (ptype in RESIDENTIAL | HOUSING and self.rng.random() < 0.5):
            ce_start = max(start, date(2019, 1, 1))
            self.out.write("CEParticipation", {
                "ProjectID": project_id, "AccessPoint": int(access_point),
                "PreventionAssessment": int(access_point), "CrisisAssessment": int(access_point),
                "HousingAssessment": int(access_point), "DirectServices": 0,
                "ReceivesReferrals": int(not access_point), "CEParticipationStatusStartDate": ce_start,
                **self.out.audit(ce_start),
            })

    @staticmethod
    def placement(projects: list[Project], *, family: bool) -> Weighted[Project]:
        """Where households go: each type's share split over its projects; no families in Safe Havens."""
        per_type: dict[int, int] = {}
        for project in projects:
            per_type[project.type] = per_type.get(project.type, 0) + 1
        weights = {}
        for project in projects:
            share = PROJECT_TYPES.get(project.type, OTHER_PROJECT_TYPE)[0]
            weights[project] = 0 if family and project.type == 8 else share / per_type[project.type]
        return Weighted(weights)
