"""Payment rules on real data: the Harrogate council payments, loaded through their mapping."""

from __future__ import annotations

import pytest

from fiscalrisk.data import load
from fiscalrisk.scan import scan

from .conftest import ROOT, real_data


@pytest.fixture(scope="module")
def harrogate():
    ds = load(real_data("uk-harrogate-payments"), ROOT / "mappings" / "harrogate-payments.yaml")
    result = scan(ds, codes=["PAY05", "PAY06", "PAY07", "PAY08"], files=(ROOT / "mappings" / "harrogate-params.yaml",))
    return ds, result


def test_identical_heating_maintenance_charges_are_not_duplicates(harrogate):
    """2,132 lines of £98.16 to one contractor, one per property reference: distinct invoices."""
    ds, result = harrogate
    pay = ds["payments"]
    charges = pay[(pay["amount"] == 98.16) & (pay["economic_code"].str.strip() == "Heating  Maintenance".strip())]
    assert len(charges) >= 2_000
    assert charges["purpose"].nunique() > 0.9 * len(charges), "each line names its own property reference"
    pay07 = result.findings[result.findings["indicator"] == "PAY07"]
    assert not pay07["subject_id"].isin(set(charges["payment_id"])).any()


def test_a_repeated_reference_is_still_a_duplicate(harrogate):
    """The rule still bites: same payee, amount and reference within 7 days."""
    ds, result = harrogate
    pay07 = result.findings[result.findings["indicator"] == "PAY07"]
    pay = ds["payments"].set_index("payment_id")
    assert len(pay07) > 0, "the Harrogate payments hold duplicates with a repeated reference"
    for sid in pay07["subject_id"].head(50):
        row = pay.loc[sid]
        same = pay[(pay["payee_name"] == row["payee_name"]) & (pay["amount"] == row["amount"])
                   & (pay["unit_code"] == row["unit_code"])]
        refs = same["purpose"].fillna("").str.strip().str.casefold()
        assert (refs == (row["purpose"] if isinstance(row["purpose"], str) else "").strip().casefold()).sum() >= 2


def test_weekend_payments_follow_the_english_calendar(harrogate):
    """With Monday–Friday plus the bank holidays of the mapping, exactly the payments on those days are
    flagged (none of China's holidays, which a default scan would apply)."""
    ds, result = harrogate
    pay = ds["payments"]
    bank = {"2019-04-19", "2019-04-22", "2019-05-06", "2019-05-27", "2019-08-26", "2019-12-25", "2019-12-26", "2020-01-01"}
    off = (pay["pay_date"].dt.weekday >= 5) | pay["pay_date"].dt.strftime("%Y-%m-%d").isin(bank)
    flagged = set(result.findings.loc[result.findings["indicator"] == "PAY05", "subject_id"])
    assert flagged == set(pay.loc[off & (pay["amount"] > 0), "payment_id"])
    assert pay.loc[pay["pay_date"].dt.weekday >= 5, "pay_date"].dt.strftime("%Y-%m-%d").nunique() >= 1


def test_cabinet_office_weekend_and_bank_holiday_payments_follow_the_english_calendar():
    """The Cabinet Office pair (mapping + params): exactly the payments dated on a Saturday, a Sunday or an
    England and Wales bank holiday (gov.uk/bank-holidays, June 2019 – July 2022) are flagged by PAY05."""
    ds = load(real_data("uk-cabinet-office-25k"), ROOT / "mappings" / "cabinet-office-payments.yaml")
    result = scan(ds, codes=["PAY05"], files=(ROOT / "mappings" / "cabinet-office-params.yaml",))
    pay = ds["payments"]
    bank = {"2019-08-26", "2019-12-25", "2019-12-26", "2020-01-01", "2020-04-10", "2020-04-13", "2020-05-08",
            "2020-05-25", "2020-08-31", "2020-12-25", "2020-12-28", "2021-01-01", "2021-04-02", "2021-04-05",
            "2021-05-03", "2021-05-31", "2021-08-30", "2021-12-27", "2021-12-28", "2022-01-03", "2022-04-15",
            "2022-04-18", "2022-05-02", "2022-06-02", "2022-06-03"}
    weekend = pay["pay_date"].dt.day_of_week >= 5
    off = weekend | pay["pay_date"].dt.strftime("%Y-%m-%d").isin(bank)
    flagged = set(result.findings.loc[result.findings["indicator"] == "PAY05", "subject_id"])
    assert weekend.sum() == 29, "SOURCE.txt: 29 weekend dates"
    assert (off & ~weekend).sum() > 0, "some payments fall on weekday bank holidays (Easter Monday 2020, ...)"
    assert flagged == set(pay.loc[off & (pay["amount"] > 0), "payment_id"])
