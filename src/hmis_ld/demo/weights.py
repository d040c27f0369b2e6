"""What the generated export is drawn from: reference dates, places, project types, and the
weight of each HUD code, tuned so the data looks like a small CoC's.

The conditional rules of HUD's CSV specification that the model does not carry (codes not allowed
at entry or exit, the TypeProvided list of each RecordType) are kept here too.
"""

from __future__ import annotations

from datetime import date, datetime

from hmis_ld.demo.weighted import Weighted, coded, uniform

START = date(2021, 1, 1)  # first possible EntryDate, also ExportStartDate
END = date(2026, 10, 31)  # last possible activity, also ExportEndDate
EXPORT_DATE = datetime(2026, 11, 1, 2, 0, 0)
OLDEST_DOB = date(1940, 1, 1)
YOUNGEST_DOB = date(2024, 12, 31)
WORK_DAY = (8 * 3600, 18 * 3600)  # records are created during office hours
DUPLICATE_RATE = 0.03  # share of single adults who are someone already known, entered again
DUPLICATE_POOL = 5000  # how many earlier adults such a duplicate is drawn from

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


UNKNOWN = {8: 1, 9: 1, 99: 2}  # doesn't know / prefers not to answer / not collected
NAME_UNKNOWN = coded("3.01.5", UNKNOWN)
SSN_UNKNOWN = coded("3.02.2", {8: 3, 9: 2, 99: 5})
DOB_UNKNOWN = coded("3.03.2", UNKNOWN)
SEX = coded("4.21", {0: 44, 1: 55, 8: 0.3, 9: 0.4, 99: 0.3})
RACE_NONE = coded("1.6", UNKNOWN)
RACE = Weighted({"White": 40, "BlackAfAmerican": 37, "HispanicLatinao": 12, "AmIndAKNative": 3,
                  "Asian": 2, "NativeHIPacific": 1, "MidEastNAfrican": 1, "multi": 3, "none": 1})
BRANCH = coded("V1.11", {1: 45, 2: 12, 3: 18, 4: 15, 6: 3, 7: 0.2, 8: 1, 99: 1})
DISCHARGE = coded("V1.12", {1: 70, 2: 12, 4: 2, 5: 1, 6: 7, 7: 2, 8: 2, 9: 1, 99: 3})
ADULT_AGE = Weighted({(18, 24): 12, (25, 34): 22, (35, 44): 22, (45, 54): 20, (55, 64): 17, (65, 80): 7})
PARENT_AGE = Weighted({(18, 24): 25, (25, 34): 45, (35, 44): 25, (45, 54): 5})
FAMILY_SIZE = Weighted({2: 45, 3: 35, 4: 20})
EPISODES = Weighted({1: 60, 2: 28, 3: 12})
ADULT_COVERAGE = Weighted({"Medicaid": 32, "Medicare": 8, "EmployerProvided": 8, "PrivatePay": 6,
                            "StateHealthIns": 6, "COBRA": 0.5, "OtherInsurance": 3})
CHILD_COVERAGE = Weighted({"Medicaid": 60, "SCHIP": 30, "EmployerProvided": 3, "PrivatePay": 2})
DISABLING = coded("1.8", {0: 58, 1: 37, 8: 2, 9: 1, 99: 2})
YES_NO = coded("1.8", {0: 1, 1: 1})
NO_YES = coded("1.7", {0: 1, 1: 1})
DV = coded("1.8", {0: 76, 1: 18, 8: 2, 9: 3, 99: 1})
WHEN_OCCURRED = uniform("4.11.A")
ANY_SOURCE = coded("1.8", {8: 1, 9: 1, 99: 3})  # the answers other than yes/no
ENTRY_HOMELESS = coded("3.12.1", {
    116: 28, 101: 24, 118: 2, 302: 5, 314: 6, 336: 9, 335: 9, 204: 1, 205: 2, 206: 2, 207: 2, 225: 0.5,
    215: 0.5, 329: 1, 332: 0.5, 410: 4, 435: 1, 411: 0.3, 421: 0.2, 8: 1, 9: 1, 99: 1})
ENTRY_AT_RISK = coded("3.12.1", {410: 45, 435: 15, 411: 2, 421: 1, 336: 14, 335: 14, 314: 4, 332: 1, 99: 4})
UNSHELTERED = 116  # 3.12.1 place not meant for habitation
LITERALLY_HOMELESS = {UNSHELTERED, 101, 118}
SUBSIDY = coded("3.12.A", {419: 5, 420: 15, 428: 1, 431: 30, 433: 15, 434: 10, 436: 3, 437: 2, 438: 1,
                            439: 12, 440: 6})
WITH_SUBSIDY = 435  # 3.12.1 "rental by client, with ongoing housing subsidy" needs a 3.12.A type
OTHER_SITUATION = 17  # 3.12.1 "Other" needs OtherDestination
LENGTH_OF_STAY = coded("3.917.2", {10: 5, 11: 12, 2: 20, 3: 22, 4: 22, 5: 15, 8: 2, 9: 1, 99: 1})
TIMES_HOMELESS = coded("3.917.4", {1: 45, 2: 22, 3: 12, 4: 15, 8: 3, 9: 1, 99: 2})
MONTHS_HOMELESS = coded("3.917.5", {**dict.fromkeys(range(101, 113), 6), 113: 12, 8: 3, 9: 1, 99: 2})
EXIT_HOUSED = coded("3.12.1", {
    410: 38, 435: 22, 411: 3, 421: 2, 422: 6, 423: 3, 312: 4, 313: 3, 101: 3, 116: 2, 302: 2, 314: 1,
    206: 1, 207: 1, 225: 0.5, 24: 0.5, 30: 3, 17: 0.5, 99: 3, 8: 0.5, 9: 0.5})
EXIT_OTHER = coded("3.12.1", {
    410: 12, 435: 8, 422: 6, 423: 3, 411: 0.5, 421: 0.5, 312: 10, 313: 7, 101: 10, 116: 10, 118: 1,
    302: 4, 314: 3, 329: 1, 332: 0.5, 204: 1, 205: 2, 206: 1.5, 207: 2, 215: 0.5, 225: 0.5, 24: 0.5,
    30: 10, 17: 1.5, 8: 2, 9: 1, 99: 4})
CURRENT_SITUATION = coded("3.12.1", {116: 55, 101: 15, 118: 3, 314: 6, 336: 8, 335: 8, 204: 1, 206: 1,
                                      207: 1, 410: 1, 99: 1})
GRADE = coded("R4.1", {1: 1, 2: 1, 3: 3, 4: 18, 5: 35, 7: 12, 10: 14, 11: 4, 12: 3, 13: 1, 14: 3, 8: 2,
                        9: 1, 99: 2})
SCHOOL = coded("R5.1", {1: 3, 2: 2, 3: 45, 4: 15, 5: 28, 6: 1, 7: 1, 8: 2, 99: 3})
EMPLOYMENT_TYPE = coded("R6.A", {1: 40, 2: 45, 3: 15})
NOT_EMPLOYED = coded("R6.B", {1: 55, 2: 30, 3: 15})
SCHOOL_ATTEND = coded("C3.2", {0: 50, 1: 15, 2: 30, 8: 2, 9: 1, 99: 2})
MOST_RECENT_ED = uniform("C3.A")
CURRENT_ED = uniform("C3.B")
ASSESSMENT_TYPE = uniform("4.19.3")
ASSESSMENT_LEVEL = uniform("4.19.4")
PRIORITIZATION = coded("4.19.7", {1: 70, 2: 30})
EVENT = coded("4.20.2", {1: 4, 2: 10, 3: 12, 4: 12, 5: 3, 6: 6, 7: 8, 8: 2, 9: 3, 10: 14, 11: 5, 12: 2,
                          13: 9, 14: 6, 15: 2, 16: 3, 17: 1, 18: 1})
REFERRAL_EVENTS = {1, 6, 7, 10, 11, 12, 13, 14, 15, 16, 17, 18}
REFERRAL_RESULT = coded("4.20.D", {1: 70, 2: 18, 3: 12})
REFERRAL_OUTCOME = uniform("P2.A")
HOUSING_TYPE = uniform("2.02.D")
GEOGRAPHY = coded("2.03.4", {1: 5, 2: 3, 3: 2})
PARTICIPATING, NOT_PARTICIPATING = 1, 0  # list 2.08.1
