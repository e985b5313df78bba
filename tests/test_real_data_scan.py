"""Payment rules on real data: the Harrogate council payments, loaded through their mapping."""

from __future__ import annotations

import json

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
    pay07 = result.findings[(result.findings["indicator"] == "PAY07") & (result.findings["level"] != "info")]
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

# ---------------------------------------------------------------------------------------------------------
# The figures of issue 16 on the whole scan: materiality, runs of identical charges, GBP and an April year.
# Before (no materiality, no runs, yuan thresholds on pounds, calendar years): 2,036 findings on 21,447
# payments, 1,905 of them PAY07 alerts, most of them a few pounds.
# ---------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def harrogate_full():
    ds = load(real_data("uk-harrogate-payments"), ROOT / "mappings" / "harrogate-payments.yaml")
    return ds, scan(ds, files=(ROOT / "mappings" / "harrogate-params.yaml",))


def test_harrogate_findings_are_at_most_two_percent_of_payments(harrogate_full):
    ds, result = harrogate_full
    n_pay, f = len(ds["payments"]), result.findings
    assert n_pay == 21_447
    assert len(f) <= 0.02 * n_pay, f"{len(f)} findings (notes included) on {n_pay} payments"
    risks = f.loc[f["level"] >= "warning"]
    assert len(risks) < len(f) and len(risks) <= 0.015 * n_pay


def test_harrogate_no_duplicate_alert_below_the_materiality_floor(harrogate_full):
    _, result = harrogate_full
    floor = result.manifest["params"]["indicators"]["PAY07"]["materiality"]
    assert floor == 550.0  # 5,000 yuan × 0.11
    pay07 = result.findings.loc[(result.findings["indicator"] == "PAY07")
                                & result.findings["level"].isin(["warning", "alert"])]
    assert len(pay07) > 0 and (pay07["value"] >= floor).all()
    pay06 = result.findings.loc[result.findings["indicator"] == "PAY06"]
    assert all(min(json.loads(e)["amounts"]) >= floor for e in pay06["evidence"])


@pytest.mark.parametrize(("amount", "payee", "count"), [(98.16, "HELP-LINK UK LTD", 2132),
                                                         (257.88, "NORTHGATE VEHICLE HIRE LTD", 121),
                                                         (9.90, "VIRGIN MEDIA PAYMENTS LTD", 107)])
def test_harrogate_runs_of_identical_charges_are_one_note_each(harrogate_full, amount, payee, count):
    ds, result = harrogate_full
    pay = ds["payments"]
    run = pay.loc[(pay["amount"] == amount) & (pay["payee_name"] == payee)]
    f = result.findings.loc[result.findings["indicator"] == "PAY07"]
    notes = f.loc[f["subject_id"].str.endswith(f"|{payee}|{amount:.2f}")]
    assert notes["level"].astype(str).tolist() == ["info"]
    assert notes["value"].iloc[0] == count and notes["period"].iloc[0] == "2019"
    assert not f["subject_id"].isin(set(run["payment_id"])).any(), "no duplicate finding on a charge of the run"


def test_harrogate_is_scanned_in_pounds_and_financial_years(harrogate_full):
    _, result = harrogate_full
    m = result.manifest
    assert (m["currency"], m["data_currency"], m["threshold_scale"], m["fiscal_year_start_month"]) == (
        "GBP", "GBP", 0.11, 4)
    assert m["scaled_thresholds"]["indicators.PAY06.threshold"] == {"stated": 300000.0, "effective": 33000.0}
    # every payment is of the financial year 2019/20, labelled 2019; as of 30 March 2020 it is not complete,
    # so the year-end surge (March, not December) is not assessed yet
    assert set(result.findings.loc[result.findings["subject_type"] == "vendor", "period"]) == {"2019"}
    bud02 = result.assessed.loc[result.assessed["indicator"] == "BUD02"]
    assert set(bud02["status"]) == {"not_assessed"} and "completed" in bud02["reason"].iloc[0]


def test_harrogate_year_end_surge_looks_at_march(harrogate_full):
    ds, _ = harrogate_full
    result = scan(ds, as_of="2020-04-01", codes=["BUD02"], files=(ROOT / "mappings" / "harrogate-params.yaml",))
    pay = ds["payments"]
    march = pay.loc[pay["pay_date"].dt.month == 3].groupby("unit_code")["amount"].sum()
    year = pay.groupby("unit_code")["amount"].sum()
    share = (march.reindex(year.index).fillna(0) / year).rename("share")
    f = result.findings.set_index("subject_id")
    assert set(f.index) == set(share.loc[share >= 0.25].index)
    for unit in f.index:
        assert f.loc[unit, "value"] == pytest.approx(share[unit])
        assert "March 2020" in f.loc[unit, "message_en"]
