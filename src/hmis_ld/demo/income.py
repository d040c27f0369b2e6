"""IncomeBenefits rows: income and benefits asked of adults, health insurance of everyone."""

from __future__ import annotations

from datetime import date

from hmis_ld.demo.entities import Stay
from hmis_ld.demo.output import Output
from hmis_ld.demo.units import dollars, money
from hmis_ld.demo.weights import ADULT_COVERAGE, ANY_SOURCE, BENEFITS, CHILD_COVERAGE, INCOME, INSURANCE


class IncomeBenefits:
    def __init__(self, out: Output) -> None:
        self.out = out
        self.rng = out.rng

    def write(
        self, stay: Stay, stage: int, day: date, same_as: dict[str, object] | None
    ) -> dict[str, object]:
        """One IncomeBenefits row; income and benefits are asked of adults only, insurance of everyone."""
        answers = same_as if same_as is not None else {
            **(self.income_sources(stay) if stay.age >= 18 else {}),
            **(self.benefits(stay) if stay.age >= 18 else {}),
            **self.insurance(stay),
        }
        self.out.write("IncomeBenefits", {
            **stay.ids, "InformationDate": day, **answers, "DataCollectionStage": stage, **self.out.audit(day),
        })
        return answers

    def income_sources(self, stay: Stay) -> dict[str, object]:
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
                cents = money(rng, lo, hi)
                row[amount] = dollars(cents)
                total += cents
        if row["OtherIncomeSource"]:
            row["OtherIncomeSourceIdentify"] = "Day labor"
        row["IncomeFromAnySource"] = int(total > 0)
        row["TotalMonthlyIncome"] = dollars(total) if total else None
        return row

    def benefits(self, stay: Stay) -> dict[str, object]:
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

    def insurance(self, stay: Stay) -> dict[str, object]:
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
