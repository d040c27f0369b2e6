"""Synthetic HMIS CSV FY2026 exports for demos, tests and benchmarks.

`write_demo_csv` writes the 24 files of an export that the importer accepts: columns, code
lists and lengths come from `MODEL`, and the conditional rules of HUD's CSV specification that
the model does not carry (codes not allowed at entry or exit, the TypeProvided list of each
RecordType) are kept here. The data looks like a small CoC's: a few organizations and projects of
every type, households with children, repeated episodes, duplicate client records for dedup.

Generation is deterministic (one `random.Random(seed)`, fixed reference dates) and streams: every
file keeps an open csv writer and rows are written household by household.
"""

from __future__ import annotations

import csv
import random
from bisect import bisect
from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from itertools import accumulate
from pathlib import Path
from typing import Generic, TypeVar

from hmis_ld.model import MODEL, Field, Table

T = TypeVar("T")

START = date(2021, 1, 1)  # first possible EntryDate, also ExportStartDate
END = date(2026, 10, 31)  # last possible activity, also ExportEndDate
EXPORT_DATE = datetime(2026, 11, 1, 2, 0, 0)
OLDEST_DOB = date(1940, 1, 1)
YOUNGEST_DOB = date(2024, 12, 31)
WORK_DAY = (8 * 3600, 18 * 3600)  # records are created during office hours
DUPLICATE_RATE = 0.03  # share of single adults who are someone already known, entered again
DUPLICATE_POOL = 5000  # how many earlier adults such a duplicate is drawn from


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# --- names (common US given and family names; a few with apostrophes, spaces or hyphens) ---
FEMALE = _words("""
Mary Patricia Jennifer Linda Elizabeth Barbara Susan Jessica Sarah Karen Lisa Nancy Betty Sandra
Margaret Ashley Kimberly Emily Donna Michelle Carol Amanda Melissa Deborah Stephanie Dorothy Rebecca
Sharon Laura Cynthia Amy Kathleen Angela Shirley Brenda Emma Anna Pamela Nicole Samantha Katherine
Christine Helen Debra Rachel Carolyn Janet Maria Catherine Heather Diane Olivia Julie Joyce Victoria
Ruth Virginia Lauren Kelly Christina Joan Evelyn Judith Andrea Hannah Megan Cheryl Jacqueline Martha
Madison Teresa Gloria Sara Janice Ann Kathryn Abigail Sophia Frances Jean Alice Judy Isabella Julia
Grace Amber Denise Danielle Marilyn Beverly Charlotte Natalie Theresa Diana Brittany Doris Kayla
Alexis Lori Marie Tiffany Rosa Crystal Tamara Yolanda Latoya Keisha Tanisha Shanice Ebony Aaliyah
Imani Jasmine Destiny Guadalupe Carmen Lucia Ana Juana Veronica Alejandra Yesenia Mariana Leticia
Esperanza Mei Linh Aisha Fatima Amina Leilani Winona Brianna Kiara Tasha Monique Shawna Renee Wanda
Valerie Gina Tonya Stacy Dawn Paula Vanessa Erica Rhonda Felicia Sheila Kendra Bonnie Robin
""")
MALE = _words("""
James Robert John Michael David William Richard Joseph Thomas Christopher Charles Daniel Matthew
Anthony Mark Donald Steven Andrew Paul Joshua Kenneth Kevin Brian Timothy Ronald George Jason Edward
Jeffrey Ryan Jacob Nicholas Gary Eric Jonathan Stephen Larry Justin Scott Brandon Benjamin Samuel
Gregory Alexander Patrick Frank Raymond Jack Dennis Jerry Tyler Aaron Jose Adam Nathan Henry Zachary
Douglas Peter Kyle Noah Ethan Jeremy Christian Walter Keith Austin Roger Terry Sean Gerald Carl Dylan
Harold Jordan Jesse Bryan Lawrence Arthur Gabriel Bruce Logan Billy Joe Alan Juan Elijah Willie
Albert Wayne Randy Mason Vincent Liam Roy Bobby Caleb Bradley Russell Lucas Darnell Terrell Jamal
DeShawn Tyrone Marquis Darius Andre Malik Luis Carlos Miguel Jorge Pedro Manuel Ricardo Alejandro
Javier Fernando Rafael Hector Minh Tuan Hung Omar Ahmed Mohamed Hassan Ali Ibrahim Kai Cody Travis
Dustin Shane Derek Marcus Curtis Calvin Reginald Leroy Clarence Earl Floyd Lonnie Cedric Rodney Troy
Darryl Maurice Dwayne
""")
LAST = _words("""
Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez
Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark
Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams
Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Gomez Phillips Evans Turner Diaz Parker Cruz
Edwards Collins Reyes Stewart Morris Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper Peterson
Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson Watson Brooks Chavez Wood James Bennett Gray
Mendoza Ruiz Hughes Price Alvarez Castillo Sanders Patel Myers Long Ross Foster Jimenez Powell Jenkins
Perry Russell Sullivan Bell Coleman Butler Henderson Barnes Gonzales Fisher Vasquez Simmons Romero
Jordan Patterson Alexander Hamilton Graham Reynolds Griffin Wallace Moreno West Cole Hayes Bryant
Herrera Gibson Ellis Tran Medina Aguilar Stevens Murray Ford Castro Marshall Owens Harrison Fernandez
McDonald Woods Washington Kennedy Wells Vargas Henry Chen Freeman Webb Tucker Guzman Burns Crawford
Olson Simpson Porter Hunter Gordon Mendez Silva Shaw Snyder Mason Dixon Munoz Hunt Hicks Holmes Palmer
Wagner Black Robertson Boyd Rose Stone Salazar Fox Warren Mills Meyer Rice Schmidt Garza Daniels
Ferguson Nichols Stephens Soto Weaver Gardner Payne Grant Dunn Spencer Hawkins Arnold Pierce
Vazquez Hansen Peters Santos Hart Bradley Knight Elliott Cunningham Duncan Armstrong Hudson Carroll
Lane Riley Andrews Alvarado Ray Delgado Berry Perkins Hoffman Johnston Matthews Pena Richards
Contreras Willis Carpenter Lawrence Sandoval Guerrero Chapman Rios Estrada Ortega Watkins Greene
Nunez Wheeler Valdez Harper Burke Larson Santiago Maldonado Morrison Franklin Carlson Dominguez Carr
Lawson Jacobs O'Brien Lynch Singh Vega Bishop Montgomery Oliver Jensen Harvey Williamson Gilbert Dean
Sims Espinoza Howell Li Wong Reid Hanson Le McCoy Garrett Burton Fuller Wang Weber Welch Rojas Lucas
Marquez Fields Park Yang Little Banks Padilla Day Walsh Bowman Schultz Luna Fowler Mejia Davidson
Acosta Brewer Holland Juarez Newman Pearson Cortez Schneider Barrett Navarro Figueroa Keller Avila
Wade Molina Stanley Hopkins Campos Barnett Bates Chambers Caldwell Beck Lambert Miranda Byrd Craig
Ayala Lowe Frazier Powers Neal Leonard Carrillo Sutton Fleming Rhodes Shelton Schwartz Norris
Jennings Watts Duran Walters Cohen McDaniel Moran Parks Steele Vaughn Becker Holt Barker Hale Benson
Haynes Horton Miles Lyons Pham Graves Bush Thornton Wolfe Warner Cabrera McKinney Mann Zimmerman
Dawson Lara Fletcher Page McCarthy Robles Cervantes Solis Erickson Reeves Chang Klein Salinas
Fuentes Baldwin Velasquez Hardy Higgins Aguirre Lin Cummings Chandler Sharp Barber Bowen Ochoa Robbins
Liu Ramsey Griffith Blair O'Connor Cardenas Pacheco Cross Calderon Quinn Moss Swanson Chan Rivas Khan
Rodgers Serrano Fitzgerald Rosales Stevenson Christensen Manning Gill Curry Harmon Gross Doyle Garner
Newton Burgess Reese Walton Blake Trujillo Adkins Brady Goodman Roman Webster Goodwin Fischer Huang
Potter Montoya Todd Wu Hines Mullins Castaneda Malone Cannon Tate Sherman Hubbard Hodges Zhang
Guerra Valencia Saunders Franco Rowe Gallagher Farmer Hammond Hampton Townsend Ingram Wise Gallegos
Vang Xiong Begay Yazzie Tsosie Kaur Ahmed Hussein Abdi Mohamud Okafor Mensah Kowalski Nowak Ivanov
Garcia-Lopez Smith-Jones Perez-Rivera St.Clair
""") + ("De La Cruz", "Van Dyke")
NICKNAMES = {
    "William": "Bill", "Robert": "Bob", "Richard": "Rick", "James": "Jim", "Joseph": "Joe",
    "Michael": "Mike", "Christopher": "Chris", "Anthony": "Tony", "Thomas": "Tom", "Daniel": "Dan",
    "Alexander": "Alex", "Jonathan": "Jon", "Elizabeth": "Liz", "Katherine": "Kate", "Jennifer": "Jen",
    "Patricia": "Patty", "Margaret": "Peggy", "Jessica": "Jess", "Rebecca": "Becky", "Samantha": "Sam",
    "Kimberly": "Kim", "Deborah": "Debbie", "Victoria": "Vicky", "Stephanie": "Steph",
}
SUFFIXES = ("Jr.", "Sr.", "II", "III")
ADDITIONAL_RACE = {
    "AmIndAKNative": "Navajo", "Asian": "Hmong", "BlackAfAmerican": "Somali",
    "HispanicLatinao": "Puerto Rican", "MidEastNAfrican": "Lebanese", "NativeHIPacific": "Samoan",
    "White": "Irish",
}
RACE_FIELDS = tuple(ADDITIONAL_RACE)
THEATERS = {  # Client columns of HUD 1.8 -> years of the conflict
    "WorldWarII": (1941, 1945), "KoreanWar": (1950, 1953), "VietnamWar": (1961, 1975),
    "DesertStorm": (1990, 1991), "AfghanistanOEF": (2001, 2021), "IraqOIF": (2003, 2010),
    "IraqOND": (2010, 2011),
}

# --- places and organizations ---
PLACES = {  # CoC -> (City, ZIP, Geocode); all in one state
    "XX-500": (("Des Moines", "50309", "191530"), ("West Des Moines", "50265", "191536"),
               ("Ankeny", "50023", "190156"), ("Urbandale", "50322", "191530")),
    "XX-501": (("Cedar Rapids", "52401", "190906"), ("Iowa City", "52240", "192466"),
               ("Burlington", "52601", "199057"), ("Ottumwa", "52501", "199179"),
               ("Mason City", "50401", "199033")),
}
STATE = "IA"
STREETS = ("Main St", "Grand Ave", "Park Ave", "2nd St", "Locust St", "University Ave", "Oak St",
           "Ingersoll Ave", "River Rd", "Maple Dr")
ORG_PREFIXES = ("Harbor Light", "Riverside", "New Horizons", "Hope Street", "Open Door", "Northside",
                "Lakeview", "Good Shepherd", "Second Chance", "Bridgeway", "Cedar Valley", "Pathways",
                "Prairie", "Heartland", "Unity", "Safe Harbor", "Lighthouse", "Crossroads", "Gateway",
                "Mercy", "Beacon", "Cornerstone", "Compass", "Willow")
ORG_SUFFIXES = ("Community Services", "Housing Alliance", "Outreach Center", "Family Services",
                "Mission", "Coalition", "Shelter Network", "Partners")
OTHER_FUNDERS = ("County General Fund", "United Way", "City Housing Trust Fund", "Community Foundation")
LOCATION_DETAILS = ("Under the 2nd St bridge", "Riverside Park", "Bus station", "Camp behind the Walmart",
                    "Car in library parking lot", "Downtown skywalk", "Abandoned house on Oak St")

# --- project types (list 2.02.6) ---
PROJECT_TYPES = {
    # type: (share of enrollments, name, stay in days (lo, hi), funders (list 2.06.1), service RecordTypes)
    0: (20, "Emergency Shelter", (1, 180), (8,), (200,)),
    1: (8, "Night Shelter", (1, 120), (8,), (200,)),
    2: (7, "Transitional Housing", (30, 720), (5, 24), (142,)),
    3: (8, "Supportive Housing", (90, 1800), (2,), (300,)),
    4: (12, "Street Outreach", (7, 400), (11, 21), (141, 161)),
    6: (5, "Support Services", (14, 300), (33,), (144, 152)),
    7: (2, "Community Program", (14, 240), (46,), ()),
    8: (2, "Safe Haven", (30, 540), (6,), ()),
    9: (3, "Housing Vouchers", (90, 1500), (20,), (210,)),
    10: (3, "Housing Plus", (90, 1500), (15,), (143, 151)),
    11: (3, "Day Center", (1, 90), (46,), ()),
    12: (6, "Prevention", (30, 180), (9, 33), (144, 152)),
    13: (12, "Rapid Rehousing", (45, 540), (3, 33), (144, 152)),
    14: (9, "Coordinated Entry", (1, 180), (4,), ()),
}
OTHER_PROJECT_TYPE = (1, "Program", (14, 365), (46,), ())
HOPWA_FUNDER = 15
COCS = ("XX-500", "XX-501")
RESIDENTIAL = {0, 1, 2, 3, 8, 9, 10}  # plus RRH that provides housing (RRHSubType 2)
HOUSING = {3, 9, 10, 13}  # MoveInDate applies
PREVENTION = {12}
ES = {0, 1}
OUTREACH = {4}
CE = {14}

# Conditional lists of HUD's FY2026 specification (TypeProvided depends on RecordType); the model
# has no list for TypeProvided. Codes that need a free-text or a SubTypeProvided are left out.
TYPE_PROVIDED = {
    141: (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14),  # P1.2
    142: (2, 5, 6, 7, 8, 10, 12, 13, 14, 17, 18, 26, 27, 28, 29),  # R14.2
    143: (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13),  # W1.2
    144: (1, 2, 7, 8, 9, 10),  # V2.2
    151: (1, 2, 3, 4, 7),  # W2.2
    152: (1, 2, 3, 4, 5, 8, 9, 10, 12, 14, 15, 16, 17, 18),  # V3.4
    161: (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11),  # P2.2
    200: (200,),  # 4.14
    210: (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12),  # V8.2
    300: (1, 2, 3, 4),  # C2.2
}
FINANCIAL = {151: (100, 1500), 152: (150, 2500)}  # RecordType -> FAAmount range in dollars
SUBSTANCE_USE = 10  # DisabilityType whose response uses list 4.10.2 instead of 1.8
SUBSTANCE_USE_YES = (1, 2, 3)  # 4.10.2: alcohol, drug, both
DISABILITY_TYPES = (5, 6, 7, 8, 9, 10)

INCOME = (  # (flag, amount column, monthly dollars lo..hi, probability, who receives it)
    ("Earned", "EarnedAmount", 300, 2600, 0.22, "adult"),
    ("Unemployment", "UnemploymentAmount", 300, 1400, 0.03, "adult"),
    ("SSI", "SSIAmount", 900, 967, 0.09, "adult"),
    ("SSDI", "SSDIAmount", 850, 1900, 0.08, "adult"),
    ("VADisabilityService", "VADisabilityServiceAmount", 170, 3700, 0.30, "veteran"),
    ("VADisabilityNonService", "VADisabilityNonServiceAmount", 900, 1400, 0.05, "veteran"),
    ("PrivateDisability", "PrivateDisabilityAmount", 400, 1500, 0.005, "adult"),
    ("WorkersComp", "WorkersCompAmount", 400, 1500, 0.005, "adult"),
    ("TANF", "TANFAmount", 200, 650, 0.12, "family"),
    ("GA", "GAAmount", 100, 300, 0.03, "adult"),
    ("SocSecRetirement", "SocSecRetirementAmount", 800, 2200, 0.55, "senior"),
    ("Pension", "PensionAmount", 300, 1500, 0.01, "adult"),
    ("ChildSupport", "ChildSupportAmount", 100, 600, 0.08, "family"),
    ("Alimony", "AlimonyAmount", 200, 800, 0.002, "adult"),
    ("OtherIncomeSource", "OtherIncomeAmount", 50, 600, 0.01, "adult"),
)
BENEFITS = ("SNAP", "WIC", "TANFChildCare", "TANFTransportation", "OtherTANF", "OtherBenefitsSource")
INSURANCE = ("Medicaid", "Medicare", "SCHIP", "VHAServices", "EmployerProvided", "COBRA", "PrivatePay",
             "StateHealthIns", "IndianHealthServices", "OtherInsurance")
ASSESSMENT_QUESTIONS = (
    ("Where did you sleep last night?", ("Outside", "Shelter", "Car", "With friends")),
    ("How long since you had permanent housing?", ("Less than 1 year", "1-2 years", "More than 2 years")),
    ("Do you have a disability that affects housing?", ("Yes", "No")),
    ("Have you been to the ER in the last 6 months?", ("Yes", "No")),
)
ASSESSMENT_LOCATIONS = ("Main office", "Drop-in center", "Phone line", "Outreach van", "Shelter intake desk")


class _Weighted(Generic[T]):
    """A weighted choice drawn with one `rng.random()` call (faster than `rng.choices`)."""

    __slots__ = ("_cum", "_total", "values")

    def __init__(self, weights: Mapping[T, float]) -> None:
        self.values = tuple(weights)
        self._cum = list(accumulate(weights.values()))
        self._total = self._cum[-1]

    def __call__(self, rng: random.Random) -> T:
        return self.values[bisect(self._cum, rng.random() * self._total)]


def _coded(list_id: str, weights: Mapping[int, float]) -> _Weighted[int]:
    """Weighted codes of one HUD list; fails at import if the model does not have one of them."""
    codes = MODEL.code_lists[list_id].codes
    missing = [code for code in weights if str(code) not in codes]
    if missing:
        raise ValueError(f"codes {missing} are not in HUD list {list_id}")
    return _Weighted(weights)


def _uniform(list_id: str) -> _Weighted[int]:
    return _coded(list_id, dict.fromkeys((int(code) for code in MODEL.code_lists[list_id].codes), 1))


UNKNOWN = {8: 1, 9: 1, 99: 2}  # doesn't know / prefers not to answer / not collected
NAME_UNKNOWN = _coded("3.01.5", UNKNOWN)
SSN_UNKNOWN = _coded("3.02.2", {8: 3, 9: 2, 99: 5})
DOB_UNKNOWN = _coded("3.03.2", UNKNOWN)
SEX = _coded("4.21", {0: 44, 1: 55, 8: 0.3, 9: 0.4, 99: 0.3})
RACE_NONE = _coded("1.6", UNKNOWN)
RACE = _Weighted({"White": 40, "BlackAfAmerican": 37, "HispanicLatinao": 12, "AmIndAKNative": 3,
                  "Asian": 2, "NativeHIPacific": 1, "MidEastNAfrican": 1, "multi": 3, "none": 1})
BRANCH = _coded("V1.11", {1: 45, 2: 12, 3: 18, 4: 15, 6: 3, 7: 0.2, 8: 1, 99: 1})
DISCHARGE = _coded("V1.12", {1: 70, 2: 12, 4: 2, 5: 1, 6: 7, 7: 2, 8: 2, 9: 1, 99: 3})
ADULT_AGE = _Weighted({(18, 24): 12, (25, 34): 22, (35, 44): 22, (45, 54): 20, (55, 64): 17, (65, 80): 7})
PARENT_AGE = _Weighted({(18, 24): 25, (25, 34): 45, (35, 44): 25, (45, 54): 5})
FAMILY_SIZE = _Weighted({2: 45, 3: 35, 4: 20})
EPISODES = _Weighted({1: 60, 2: 28, 3: 12})
ADULT_COVERAGE = _Weighted({"Medicaid": 32, "Medicare": 8, "EmployerProvided": 8, "PrivatePay": 6,
                            "StateHealthIns": 6, "COBRA": 0.5, "OtherInsurance": 3})
CHILD_COVERAGE = _Weighted({"Medicaid": 60, "SCHIP": 30, "EmployerProvided": 3, "PrivatePay": 2})
DISABLING = _coded("1.8", {0: 58, 1: 37, 8: 2, 9: 1, 99: 2})
YES_NO = _coded("1.8", {0: 1, 1: 1})
NO_YES = _coded("1.7", {0: 1, 1: 1})
DV = _coded("1.8", {0: 76, 1: 18, 8: 2, 9: 3, 99: 1})
WHEN_OCCURRED = _uniform("4.11.A")
ANY_SOURCE = _coded("1.8", {8: 1, 9: 1, 99: 3})  # the answers other than yes/no
ENTRY_HOMELESS = _coded("3.12.1", {
    116: 28, 101: 24, 118: 2, 302: 5, 314: 6, 336: 9, 335: 9, 204: 1, 205: 2, 206: 2, 207: 2, 225: 0.5,
    215: 0.5, 329: 1, 332: 0.5, 410: 4, 435: 1, 411: 0.3, 421: 0.2, 8: 1, 9: 1, 99: 1})
ENTRY_AT_RISK = _coded("3.12.1", {410: 45, 435: 15, 411: 2, 421: 1, 336: 14, 335: 14, 314: 4, 332: 1, 99: 4})
UNSHELTERED = 116  # 3.12.1 place not meant for habitation
LITERALLY_HOMELESS = {UNSHELTERED, 101, 118}
SUBSIDY = _coded("3.12.A", {419: 5, 420: 15, 428: 1, 431: 30, 433: 15, 434: 10, 436: 3, 437: 2, 438: 1,
                            439: 12, 440: 6})
WITH_SUBSIDY = 435  # 3.12.1 "rental by client, with ongoing housing subsidy" needs a 3.12.A type
OTHER_SITUATION = 17  # 3.12.1 "Other" needs OtherDestination
LENGTH_OF_STAY = _coded("3.917.2", {10: 5, 11: 12, 2: 20, 3: 22, 4: 22, 5: 15, 8: 2, 9: 1, 99: 1})
TIMES_HOMELESS = _coded("3.917.4", {1: 45, 2: 22, 3: 12, 4: 15, 8: 3, 9: 1, 99: 2})
MONTHS_HOMELESS = _coded("3.917.5", {**dict.fromkeys(range(101, 113), 6), 113: 12, 8: 3, 9: 1, 99: 2})
EXIT_HOUSED = _coded("3.12.1", {
    410: 38, 435: 22, 411: 3, 421: 2, 422: 6, 423: 3, 312: 4, 313: 3, 101: 3, 116: 2, 302: 2, 314: 1,
    206: 1, 207: 1, 225: 0.5, 24: 0.5, 30: 3, 17: 0.5, 99: 3, 8: 0.5, 9: 0.5})
EXIT_OTHER = _coded("3.12.1", {
    410: 12, 435: 8, 422: 6, 423: 3, 411: 0.5, 421: 0.5, 312: 10, 313: 7, 101: 10, 116: 10, 118: 1,
    302: 4, 314: 3, 329: 1, 332: 0.5, 204: 1, 205: 2, 206: 1.5, 207: 2, 215: 0.5, 225: 0.5, 24: 0.5,
    30: 10, 17: 1.5, 8: 2, 9: 1, 99: 4})
CURRENT_SITUATION = _coded("3.12.1", {116: 55, 101: 15, 118: 3, 314: 6, 336: 8, 335: 8, 204: 1, 206: 1,
                                      207: 1, 410: 1, 99: 1})
GRADE = _coded("R4.1", {1: 1, 2: 1, 3: 3, 4: 18, 5: 35, 7: 12, 10: 14, 11: 4, 12: 3, 13: 1, 14: 3, 8: 2,
                        9: 1, 99: 2})
SCHOOL = _coded("R5.1", {1: 3, 2: 2, 3: 45, 4: 15, 5: 28, 6: 1, 7: 1, 8: 2, 99: 3})
EMPLOYMENT_TYPE = _coded("R6.A", {1: 40, 2: 45, 3: 15})
NOT_EMPLOYED = _coded("R6.B", {1: 55, 2: 30, 3: 15})
SCHOOL_ATTEND = _coded("C3.2", {0: 50, 1: 15, 2: 30, 8: 2, 9: 1, 99: 2})
MOST_RECENT_ED = _uniform("C3.A")
CURRENT_ED = _uniform("C3.B")
ASSESSMENT_TYPE = _uniform("4.19.3")
ASSESSMENT_LEVEL = _uniform("4.19.4")
PRIORITIZATION = _coded("4.19.7", {1: 70, 2: 30})
EVENT = _coded("4.20.2", {1: 4, 2: 10, 3: 12, 4: 12, 5: 3, 6: 6, 7: 8, 8: 2, 9: 3, 10: 14, 11: 5, 12: 2,
                          13: 9, 14: 6, 15: 2, 16: 3, 17: 1, 18: 1})
REFERRAL_EVENTS = {1, 6, 7, 10, 11, 12, 13, 14, 15, 16, 17, 18}
REFERRAL_RESULT = _coded("4.20.D", {1: 70, 2: 18, 3: 12})
REFERRAL_OUTCOME = _uniform("P2.A")
HOUSING_TYPE = _uniform("2.02.D")
GEOGRAPHY = _coded("2.03.4", {1: 5, 2: 3, 3: 2})
PARTICIPATING, NOT_PARTICIPATING = 1, 0  # list 2.08.1


def _days(day: date, n: int) -> date:
    return day + timedelta(days=n)


def _age(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _money(rng: random.Random, lo: int, hi: int) -> int:
    """Monthly amount in cents; whole dollars, as people report their income."""
    return rng.randint(lo, hi) * 100


def _dollars(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _default(f: Field, export_id: str) -> str | None:
    """What a column holds when a row does not set it: the ExportID, 'data not collected' or blank."""
    if f.name == "ExportID":
        return export_id
    if not f.required:
        return None
    if f.code_list:
        codes = MODEL.code_lists[f.code_list].codes
        return "99" if "99" in codes else next(iter(codes))
    return "0" if f.kind == "integer" else None


class _CsvFile:
    """One open file of the export: the model's header, then rows given as column -> value."""

    def __init__(self, table: Table, directory: Path, export_id: str, stack: ExitStack) -> None:
        path = directory / f"{table.name}.csv"
        handle = stack.enter_context(path.open("w", encoding="utf-8", newline=""))
        self._writer = csv.writer(handle, lineterminator="\n")
        self._writer.writerow([f.name for f in table.fields])
        self._columns = tuple((f.name, _default(f, export_id)) for f in table.fields)
        self._names = frozenset(f.name for f in table.fields)
        self._table = table.name
        self._key = table.key
        self.rows = 0

    def write(self, row: dict[str, object]) -> str:
        """Write one row, numbering its primary key unless given; returns the key."""
        unknown = row.keys() - self._names
        if unknown:
            raise KeyError(f"not columns of {self._table}: {sorted(unknown)}")
        self.rows += 1
        key = str(row.setdefault(self._key, str(self.rows)))
        self._writer.writerow([row.get(name, default) for name, default in self._columns])
        return key


@dataclass(frozen=True)
class _Project:
    id: str
    name: str
    type: int
    cocs: tuple[str, ...]
    record_types: tuple[int, ...]


@dataclass
class _Person:
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
class _Episode:
    """One household's stay in one project."""

    project: _Project
    coc: str
    entry: date
    exit: date | None
    household_id: str
    move_in: date | None
    destination: int | None


@dataclass(frozen=True)
class _Stay:
    """One person's enrollment in an episode; the context of every row it owns."""

    enrollment_id: str
    person: _Person
    age: int
    episode: _Episode
    family: bool
    disabling: int  # DisablingCondition, list 1.8

    @property
    def ids(self) -> dict[str, object]:
        return {"EnrollmentID": self.enrollment_id, "PersonalID": self.person.id}

    @property
    def last_day(self) -> date:
        return self.episode.exit or END

    def day_within(self, rng: random.Random) -> date:
        return _days(self.episode.entry, rng.randint(0, (self.last_day - self.episode.entry).days))


class _Generator:
    """Writes one export; all randomness comes from `self.rng`."""

    def __init__(self, files: dict[str, _CsvFile], rng: random.Random, export_id: str) -> None:
        self.files = files
        self.export_id = export_id
        self.rng = rng
        self.users: list[str] = []
        self.households = 0
        self.ssns: set[int] = set()  # issued SSNs: two people never share one
        self.adults: list[_Person] = []  # earlier adult records that may be entered again (duplicates)

    # --- shared ---

    def audit(self, created: date, updated: date | None = None) -> dict[str, object]:
        """DateCreated during office hours of `created`; DateUpdated on `updated` (never earlier)."""
        rng = self.rng
        stamp = datetime.combine(created, time()) + timedelta(seconds=rng.randrange(*WORK_DAY))
        later = stamp
        if updated is not None and updated > created:
            later = datetime.combine(updated, time()) + timedelta(seconds=rng.randrange(*WORK_DAY))
        return {"DateCreated": stamp, "DateUpdated": later, "UserID": rng.choice(self.users)}

    def write(self, table: str, row: dict[str, object]) -> str:
        return self.files[table].write(row)

    # --- directory: export, users, organizations, projects ---

    def directory(self, n_clients: int) -> tuple[_Weighted[_Project], _Weighted[_Project]]:
        """Write the non-client files; returns the project choice for individuals and for families."""
        self.export()
        self.users = [self.user(i) for i in range(10)]
        organizations = [self.organization(i) for i in range(max(3, round(n_clients / 2000)))]
        projects: list[_Project] = []
        housing: list[str] = []
        for index, ptype in enumerate(self.project_types(max(14, round(n_clients / 150)))):
            project = self.project(ptype, organizations[index % len(organizations)], index, housing)
            projects.append(project)
            if ptype in RESIDENTIAL:
                housing.append(project.id)
        return self.placement(projects, family=False), self.placement(projects, family=True)

    def export(self) -> None:
        self.write("Export", {
            "ExportID": self.export_id, "SourceType": 1, "SourceID": "XX-500",
            "SourceName": "Demo Continuum of Care", "SourceContactFirst": "Data", "SourceContactLast": "Team",
            "SourceContactEmail": "hmis@example.org",
            "ExportDate": EXPORT_DATE, "ExportStartDate": START, "ExportEndDate": END,
            "SoftwareName": "hmis-ld demo generator", "SoftwareVersion": "1", "CSVVersion": "2026 v1.0",
            "ExportPeriodType": 3, "ExportDirective": 2, "HashStatus": 1, "ImplementationID": "hmis-ld-demo",
        })

    def user(self, index: int) -> str:
        rng = self.rng
        first, last = rng.choice(FEMALE + MALE), rng.choice(LAST)
        created = _days(date(2019, 1, 2), rng.randrange(700))
        stamp = datetime.combine(created, time(9)) + timedelta(minutes=index)
        return self.files["User"].write({
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
        org_id = self.write("Organization", {
            "OrganizationName": name, "VictimServiceProvider": 0, "OrganizationCommonName": prefix,
            **self.audit(created, date(2020, 6, 1)),
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

    def project(self, ptype: int, organization: tuple[str, str], index: int, housing: list[str]) -> _Project:
        rng = self.rng
        _share, label, _stay, funders, record_types = PROJECT_TYPES.get(ptype, OTHER_PROJECT_TYPE)
        start = date(2008 + rng.randrange(13), rng.randint(1, 12), 1)
        subtype = (2 if rng.random() < 0.7 else 1) if ptype == 13 else None
        residential = ptype in RESIDENTIAL or subtype == 2
        affiliates = housing and (ptype == 6 or (subtype == 1 and rng.random() < 0.5))
        affiliated = rng.choice(housing) if affiliates else None
        name = f"{organization[1]} {label} {index + 1}"
        project_id = self.write("Project", {
            "OrganizationID": organization[0], "ProjectName": name,
            "ProjectCommonName": f"{label} {index + 1}", "OperatingStartDate": start,
            "ContinuumProject": 0 if ptype == 7 else 1, "ProjectType": ptype,
            "HousingType": HOUSING_TYPE(rng) if residential else None, "RRHSubType": subtype,
            "ResidentialAffiliation": (1 if affiliated else 0) if ptype == 6 or subtype == 1 else None,
            "TargetPopulation": 4,  # not applicable
            "HOPWAMedAssistedLivingFac": 0 if HOPWA_FUNDER in funders else 2,  # 2: not HOPWA-funded
            **self.audit(start, _days(start, rng.randrange(2000))),
        })
        cocs = COCS if index % 6 == 5 else (COCS[index % 2],)
        self.funders(project_id, funders, start)
        for coc in cocs:
            self.project_coc(project_id, coc, start)
            if residential:
                self.inventory(project_id, ptype, coc, start)
        self.participation(project_id, ptype, start, index)
        if affiliated:
            self.write("Affiliation", {
                "ProjectID": project_id, "ResProjectID": affiliated, **self.audit(start),
            })
        return _Project(project_id, name, ptype, cocs, record_types)

    def funders(self, project_id: str, funders: tuple[int, ...], start: date) -> None:
        rng = self.rng
        local = (46,) if 46 not in funders and rng.random() < 0.25 else ()
        for funder in _coded("2.06.1", dict.fromkeys(funders + local, 1)).values:
            self.write("Funder", {
                "ProjectID": project_id, "Funder": funder,
                "OtherFunder": rng.choice(OTHER_FUNDERS) if funder == 46 else None,
                "GrantID": f"XX{rng.randrange(1, 10000):04d}L7D{rng.randrange(100000):05d}",
                "StartDate": start, **self.audit(start),
            })

    def project_coc(self, project_id: str, coc: str, start: date) -> None:
        rng = self.rng
        city, zip_code, geocode = rng.choice(PLACES[coc])
        self.write("ProjectCoC", {
            "ProjectID": project_id, "CoCCode": coc, "Geocode": geocode,
            "Address1": f"{rng.randint(10, 2999)} {rng.choice(STREETS)}", "City": city, "State": STATE,
            "ZIP": zip_code, "GeographyType": GEOGRAPHY(rng), **self.audit(start),
        })

    def inventory(self, project_id: str, ptype: int, coc: str, start: date) -> None:
        rng = self.rng
        for household_type in (1,) if ptype == 8 else (1, 3):
            units = rng.randint(5, 40) if household_type == 1 else rng.randint(3, 15)
            beds = units if household_type == 1 else units * rng.randint(3, 4)
            chronic = beds // 2 if ptype == 3 else 0
            self.write("Inventory", {
                "ProjectID": project_id, "CoCCode": coc, "HouseholdType": household_type,
                "Availability": (2 if ptype == 1 and rng.random() < 0.3 else 1) if ptype in ES else None,
                "UnitInventory": units, "BedInventory": beds, "CHVetBedInventory": 0,
                "YouthVetBedInventory": 0, "VetBedInventory": 0, "CHYouthBedInventory": 0,
                "YouthBedInventory": 0,
                "CHBedInventory": chronic, "OtherBedInventory": beds - chronic,
                "ESBedType": (1 if rng.random() < 0.8 else 2) if ptype in ES else None,
                "InventoryStartDate": start, **self.audit(start),
            })

    def participation(self, project_id: str, ptype: int, start: date, index: int) -> None:
        """HMIS participation (some projects joined HMIS late) and CE participation."""
        joined = start
        if index % 7 == 6 and start < date(2018, 1, 1):
            joined = date(2019, 1, 1)
            self.write("HMISParticipation", {
                "ProjectID": project_id, "HMISParticipationType": NOT_PARTICIPATING,
                "HMISParticipationStatusStartDate": start,
                "HMISParticipationStatusEndDate": _days(joined, -1),
                **self.audit(start),
            })
        self.write("HMISParticipation", {
            "ProjectID": project_id, "HMISParticipationType": PARTICIPATING,
            "HMISParticipationStatusStartDate": joined, **self.audit(joined),
        })
        access_point = ptype in CE
        if access_point or (ptype in RESIDENTIAL | HOUSING and self.rng.random() < 0.5):
            ce_start = max(start, date(2019, 1, 1))
            self.write("CEParticipation", {
                "ProjectID": project_id, "AccessPoint": int(access_point),
                "PreventionAssessment": int(access_point), "CrisisAssessment": int(access_point),
                "HousingAssessment": int(access_point), "DirectServices": 0,
                "ReceivesReferrals": int(not access_point), "CEParticipationStatusStartDate": ce_start,
                **self.audit(ce_start),
            })

    @staticmethod
    def placement(projects: list[_Project], *, family: bool) -> _Weighted[_Project]:
        """Where households go: each type's share split over its projects; no families in Safe Havens."""
        per_type: dict[int, int] = {}
        for project in projects:
            per_type[project.type] = per_type.get(project.type, 0) + 1
        weights = {}
        for project in projects:
            share = PROJECT_TYPES.get(project.type, OTHER_PROJECT_TYPE)[0]
            weights[project] = 0 if family and project.type == 8 else share / per_type[project.type]
        return _Weighted(weights)

    # --- clients and households ---

    def clients(self, n_clients: int, placement: tuple[_Weighted[_Project], _Weighted[_Project]]) -> None:
        individuals, families = placement
        written = 0
        while written < n_clients:
            rng = self.rng
            family = n_clients - written >= 2 and rng.random() < 0.25
            size = min(FAMILY_SIZE(rng), n_clients - written) if family else 1
            episodes = self.episodes(families if family else individuals)
            members = self.members(size, episodes[0].entry)
            last_activity = max(e.exit or e.entry for e in episodes)
            for person in members:
                person.id = self.client(person, episodes[0].entry, last_activity)
            for episode in episodes:
                self.episode(episode, members, family)
            written += size

    def episodes(self, placement: _Weighted[_Project]) -> list[_Episode]:
        """1-3 stays one after the other; only the last may still be open at END."""
        rng = self.rng
        count = EPISODES(rng)
        entry = _days(START, rng.randrange((END - START).days))
        episodes = []
        for number in range(count):
            project = placement(rng)
            lo, hi = PROJECT_TYPES.get(project.type, OTHER_PROJECT_TYPE)[2]
            leaves = _days(entry, lo + int((hi - lo) * rng.random() ** 2))
            still_there = leaves > END or (number == count - 1 and rng.random() < 0.3)
            exit_ = None if still_there else leaves
            episodes.append(self.new_episode(project, entry, exit_))
            if exit_ is None:
                break
            entry = _days(exit_, rng.randint(1, 400))
            if entry > END:
                break
        return episodes

    def new_episode(self, project: _Project, entry: date, exit_: date | None) -> _Episode:
        rng = self.rng
        self.households += 1
        move_in = None
        if project.type in HOUSING and rng.random() < 0.8:
            move_in = _days(entry, int(rng.random() ** 2 * 120))
            if move_in > (exit_ or END):
                move_in = None
        destination = None
        if exit_ is not None:
            housed = project.type in HOUSING | PREVENTION
            destination = EXIT_HOUSED(rng) if housed else EXIT_OTHER(rng)
        return _Episode(project, rng.choice(project.cocs), entry, exit_, str(self.households), move_in,
                        destination)

    def members(self, size: int, entry: date) -> list[_Person]:
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

    def single_adult(self, entry: date) -> _Person:
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

    def person(self, birth: date, entry: date) -> _Person:
        rng = self.rng
        sex = SEX(rng)
        person = _Person(birth, sex, *self.names(sex), *self.ssn(), *self.dob(birth), self.races())
        if _age(birth, entry) >= 21 and rng.random() < 0.08:
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

    def duplicate(self, original: _Person) -> _Person:
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

    def client(self, person: _Person, first_entry: date, last_activity: date) -> str:
        return self.write("Client", {
            "FirstName": person.first, "MiddleName": person.middle, "LastName": person.last,
            "NameSuffix": person.suffix, "NameDataQuality": person.name_quality, "SSN": person.ssn,
            "SSNDataQuality": person.ssn_quality, "DOB": person.dob, "DOBDataQuality": person.dob_quality,
            "Sex": person.sex, **person.races, "VeteranStatus": person.veteran, **person.military,
            **self.audit(first_entry, last_activity),
        })

    # --- enrollments and what hangs off them ---

    def episode(self, episode: _Episode, members: list[_Person], family: bool) -> None:
        rng = self.rng
        engagement = None
        if episode.project.type in OUTREACH and rng.random() < 0.6:
            engagement = min(_days(episode.entry, rng.randint(0, 30)), episode.exit or END)
        for person in members:
            disabling = DISABLING(rng)
            enrollment_id = self.enrollment(episode, person, engagement, disabling)
            age = _age(person.birth, episode.entry)
            self.records(_Stay(enrollment_id, person, age, episode, family, disabling))

    def enrollment(self, episode: _Episode, person: _Person, engagement: date | None, disabling: int) -> str:
        rng = self.rng
        adult = person.relationship == 1 or _age(person.birth, episode.entry) >= 18
        return self.write("Enrollment", {
            "PersonalID": person.id, "ProjectID": episode.project.id, "EntryDate": episode.entry,
            "HouseholdID": episode.household_id, "RelationshipToHoH": person.relationship,
            "EnrollmentCoC": episode.coc, **(self.prior_living(episode) if adult else {}),
            "DisablingCondition": disabling, "DateOfEngagement": engagement,
            "MoveInDate": episode.move_in, "TranslationNeeded": 0 if rng.random() < 0.9 else 1,
            **self.audit(episode.entry, episode.exit or episode.move_in),
        })

    def prior_living(self, episode: _Episode) -> dict[str, object]:
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
            row["DateToStreetESSH"] = _days(episode.entry, -int(rng.random() ** 2 * 1500))
            row["TimesHomelessPastThreeYears"] = TIMES_HOMELESS(rng)
            row["MonthsHomelessPastThreeYears"] = MONTHS_HOMELESS(rng)
        return row

    def records(self, stay: _Stay) -> None:
        """Everything one enrollment owns, in the order staff would enter it."""
        rng = self.rng
        adult = stay.age >= 18
        income = self.income(stay, 1, stay.episode.entry, None)
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
            self.income(stay, 3, stay.episode.exit, income if rng.random() < 0.85 else None)
            self.exit(stay)

    def annual_assessments(self, stay: _Stay, income: dict[str, object]) -> None:
        year = 1
        while (day := _days(stay.episode.entry, 365 * year)) < stay.last_day:
            self.income(stay, 5, day, income)
            year += 1

    def income(
        self, stay: _Stay, stage: int, day: date, same_as: dict[str, object] | None
    ) -> dict[str, object]:
        """One IncomeBenefits row; income and benefits are asked of adults only, insurance of everyone."""
        answers = same_as if same_as is not None else {
            **(self.income_sources(stay) if stay.age >= 18 else {}),
            **(self.benefits(stay) if stay.age >= 18 else {}),
            **self.insurance(stay),
        }
        self.write("IncomeBenefits", {
            **stay.ids, "InformationDate": day, **answers, "DataCollectionStage": stage, **self.audit(day),
        })
        return answers

    def income_sources(self, stay: _Stay) -> dict[str, object]:
        rng = self.rng
        if rng.random() < 0.04:
            return {"IncomeFromAnySource": ANY_SOURCE(rng)}
        eligible = {"adult": True, "veteran": stay.person.veteran == 1, "family": stay.family,
                    "senior": stay.age >= 62}
        row: dict[str, object] = {}
        total = 0
        for flag, amount, lo, hi, chance, who in INCOME:
            receives = eligible[who] and rng.random() < chance
            row[flag] = int(receives)
            if receives:
                cents = _money(rng, lo, hi)
                row[amount] = _dollars(cents)
                total += cents
        if row["OtherIncomeSource"]:
            row["OtherIncomeSourceIdentify"] = "Day labor"
        row["IncomeFromAnySource"] = int(total > 0)
        row["TotalMonthlyIncome"] = _dollars(total) if total else None
        return row

    def benefits(self, stay: _Stay) -> dict[str, object]:
        rng = self.rng
        draw = rng.random()
        if draw < 0.03:
            return {"BenefitsFromAnySource": ANY_SOURCE(rng)}
        if draw < 0.5:
            return {"BenefitsFromAnySource": 0, **dict.fromkeys(BENEFITS, 0)}
        row: dict[str, object] = {"BenefitsFromAnySource": 1, **dict.fromkeys(BENEFITS, 0)}
        row["SNAP"] = int(rng.random() < 0.9)
        row["WIC"] = int(stay.family and rng.random() < 0.4)
        row["OtherBenefitsSource"] = int(not (row["SNAP"] or row["WIC"]))
        if row["OtherBenefitsSource"]:
            row["OtherBenefitsSourceIdentify"] = "Food pantry vouchers"
        return row

    def insurance(self, stay: _Stay) -> dict[str, object]:
        rng = self.rng
        draw = rng.random()
        if draw < 0.03:
            return {"InsuranceFromAnySource": ANY_SOURCE(rng)}
        if draw < 0.23:
            return {"InsuranceFromAnySource": 0, **dict.fromkeys(INSURANCE, 0)}
        row: dict[str, object] = {"InsuranceFromAnySource": 1, **dict.fromkeys(INSURANCE, 0)}
        row[(CHILD_COVERAGE if stay.age < 18 else ADULT_COVERAGE)(rng)] = 1
        if stay.age >= 65:
            row["Medicare"] = 1
        if stay.person.veteran and rng.random() < 0.6:
            row["VHAServices"] = 1
        if stay.person.races.get("AmIndAKNative") == 1 and rng.random() < 0.4:
            row["IndianHealthServices"] = 1
        if row["OtherInsurance"]:
            row["OtherInsuranceIdentify"] = "Marketplace plan"
        return row

    def health(self, stay: _Stay) -> None:
        rng = self.rng
        survivor = DV(rng)
        self.write("HealthAndDV", {
            **stay.ids, "InformationDate": stay.episode.entry, "DomesticViolenceSurvivor": survivor,
            "WhenOccurred": WHEN_OCCURRED(rng) if survivor == 1 else None,
            "CurrentlyFleeing": YES_NO(rng) if survivor == 1 else None,
            "DataCollectionStage": 1, **self.audit(stay.episode.entry),
        })

    def disabilities(self, stay: _Stay) -> None:
        """The six disability types at entry: one or two indefinite ones when the condition is disabling."""
        rng = self.rng
        disabled = set(rng.sample(DISABILITY_TYPES, rng.randint(1, 2))) if stay.disabling == 1 else set()
        for kind in DISABILITY_TYPES:
            yes = kind in disabled
            response = int(yes)
            if yes and kind == SUBSTANCE_USE:
                response = rng.choice(SUBSTANCE_USE_YES)
            self.write("Disabilities", {
                **stay.ids, "InformationDate": stay.episode.entry, "DisabilityType": kind,
                "DisabilityResponse": response, "IndefiniteAndImpairs": 1 if yes else None,
                "DataCollectionStage": 1, **self.audit(stay.episode.entry),
            })

    def employment(self, stay: _Stay, income: dict[str, object]) -> None:
        rng = self.rng
        employed = income.get("Earned", 0)
        self.write("EmploymentEducation", {
            **stay.ids, "InformationDate": stay.episode.entry, "LastGradeCompleted": GRADE(rng),
            "SchoolStatus": SCHOOL(rng), "Employed": employed,
            "EmploymentType": EMPLOYMENT_TYPE(rng) if employed else None,
            "NotEmployedReason": None if employed else NOT_EMPLOYED(rng),
            "DataCollectionStage": 1, **self.audit(stay.episode.entry),
        })

    def youth_education(self, stay: _Stay) -> None:
        rng = self.rng
        attends = SCHOOL_ATTEND(rng)
        self.write("YouthEducationStatus", {
            **stay.ids, "InformationDate": stay.episode.entry, "CurrentSchoolAttend": attends,
            "MostRecentEdStatus": MOST_RECENT_ED(rng) if attends == 0 else None,
            "CurrentEdStatus": CURRENT_ED(rng) if attends in (1, 2) else None,
            "DataCollectionStage": 1, **self.audit(stay.episode.entry),
        })

    def services(self, stay: _Stay) -> None:
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
            day = _days(stay.episode.entry, offset)
            record_type = rng.choice(record_types)
            fa = FINANCIAL.get(record_type)
            self.write("Services", {
                **stay.ids, "DateProvided": day, "RecordType": record_type,
                "TypeProvided": rng.choice(TYPE_PROVIDED[record_type]),
                "FAAmount": _dollars(rng.randint(fa[0] * 100, fa[1] * 100)) if fa else None,
                "ReferralOutcome": REFERRAL_OUTCOME(rng) if record_type == 161 else None,
                **self.audit(day),
            })

    def living_situations(self, stay: _Stay) -> None:
        """Contacts of street outreach and coordinated entry, the first on the entry date."""
        rng = self.rng
        contacts = 1 + (rng.randint(0, 5) if stay.episode.project.type in OUTREACH else 0)
        for number in range(contacts):
            day = stay.episode.entry if number == 0 else stay.day_within(rng)
            situation = CURRENT_SITUATION(rng)
            described = situation == UNSHELTERED and rng.random() < 0.4
            self.write("CurrentLivingSituation", {
                **stay.ids, "InformationDate": day, "CurrentLivingSituation": situation,
                "CLSSubsidyType": SUBSIDY(rng) if situation == WITH_SUBSIDY else None,
                "LocationDetails": rng.choice(LOCATION_DETAILS) if described else None,
                **self.audit(day),
            })

    def coordinated_entry(self, stay: _Stay) -> None:
        """An assessment with its questions and score, then one or two referral events."""
        rng = self.rng
        day = stay.day_within(rng)
        ids = stay.ids
        assessment_id = self.write("Assessment", {
            **ids, "AssessmentDate": day, "AssessmentLocation": rng.choice(ASSESSMENT_LOCATIONS),
            "AssessmentType": ASSESSMENT_TYPE(rng), "AssessmentLevel": ASSESSMENT_LEVEL(rng),
            "PrioritizationStatus": PRIORITIZATION(rng), **self.audit(day),
        })
        for order, (question, answers) in enumerate(rng.sample(ASSESSMENT_QUESTIONS, 3), start=1):
            self.write("AssessmentQuestions", {
                "AssessmentID": assessment_id, **ids, "AssessmentQuestionGroup": "Housing needs",
                "AssessmentQuestionOrder": order, "AssessmentQuestion": question,
                "AssessmentAnswer": rng.choice(answers), **self.audit(day),
            })
        self.write("AssessmentResults", {
            "AssessmentID": assessment_id, **ids, "AssessmentResultType": "Prioritization score",
            "AssessmentResult": str(rng.randint(1, 17)), **self.audit(day),
        })
        for _ in range(rng.randint(1, 2)):
            self.event(stay, _days(day, rng.randint(0, (stay.last_day - day).days)))

    def event(self, stay: _Stay, day: date) -> None:
        rng = self.rng
        event = EVENT(rng)
        result_day = None
        if event in REFERRAL_EVENTS and rng.random() < 0.8:
            result_day = min(_days(day, rng.randint(1, 30)), END)
        self.write("Event", {
            **stay.ids, "EventDate": day, "Event": event,
            "ProbSolDivRRResult": NO_YES(rng) if event == 2 else None,
            "ReferralCaseManageAfter": NO_YES(rng) if event == 5 else None,
            "ReferralResult": REFERRAL_RESULT(rng) if result_day else None, "ResultDate": result_day,
            **self.audit(day, result_day),
        })

    def exit(self, stay: _Stay) -> None:
        rng = self.rng
        destination = stay.episode.destination
        day = stay.episode.exit
        assert day is not None and destination is not None
        self.write("Exit", {
            **stay.ids, "ExitDate": day, "Destination": destination,
            "DestinationSubsidyType": SUBSIDY(rng) if destination == WITH_SUBSIDY else None,
            "OtherDestination": "Moved out of state" if destination == OTHER_SITUATION else None,
            **self.audit(day),
        })



def write_demo_csv(outdir: str | Path, n_clients: int, *, seed: int = 2026) -> dict[str, int]:
    """Write the 24 HMIS CSV FY2026 files into outdir; returns rows written per file name (e.g. "Client").

    Same `n_clients` and `seed` give byte-identical files, so demos, tests and benchmarks can rely on
    the data; rows are streamed, so memory stays flat for 100k clients.
    """
    directory = Path(outdir)
    directory.mkdir(parents=True, exist_ok=True)
    export_id = f"DEMO-{seed}"[:32]
    rng = random.Random(seed)
    with ExitStack() as stack:
        files = {name: _CsvFile(table, directory, export_id, stack) for name, table in MODEL.tables.items()}
        generator = _Generator(files, rng, export_id)
        placement = generator.directory(n_clients)
        generator.clients(n_clients, placement)
    return {name: file.rows for name, file in files.items()}
