"""The analyst's API: fiscalrisk.load / scan / catalogue, tables as attributes, codes as a string, named
findings, the rows behind each finding, region scans with the whole scan's values, per-region grading."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import fiscalrisk
from fiscalrisk.findings import LEVEL_DTYPE
from fiscalrisk.indicators import registry

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data_samples" / "huzhou"


def _csv(name: str) -> list[dict[str, str]]:
    with open(SAMPLE / f"{name}.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _subtree(region: str) -> set[str]:
    """The region and its descendants, walked in regions.csv by parent_code (not with the product's tree)."""
    parent = {r["region_code"]: r["parent_code"] for r in _csv("regions")}
    out, grew = {region}, True
    while grew:
        more = {c for c, up in parent.items() if up in out} - out
        out |= more
        grew = bool(more)
    return out


@pytest.fixture(scope="module")
def ds():
    return fiscalrisk.load(SAMPLE)


@pytest.fixture(scope="module")
def whole(ds):
    return fiscalrisk.scan(ds)


# ------------------------------------------------------------------------------------- top level
def test_the_package_exposes_load_scan_and_catalogue() -> None:
    code = ("import fiscalrisk, sys; assert 'pandas' not in sys.modules; "
            "print(sorted(n for n in ('load', 'scan', 'catalogue') if callable(getattr(fiscalrisk, n))))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "['catalogue', 'load', 'scan']"
    assert {"load", "scan", "catalogue"} <= set(dir(fiscalrisk))


def test_fiscalrisk_scan_stays_the_module_for_imports() -> None:
    import fiscalrisk.scan as scan_module
    from fiscalrisk.scan import write_scan

    assert scan_module.write_scan is write_scan
    assert fiscalrisk.scan is scan_module and callable(fiscalrisk.scan)


def test_catalogue_lists_every_registered_indicator_with_both_names() -> None:
    cat = fiscalrisk.catalogue()
    assert sorted(cat["code"]) == sorted(s.code for s in registry.specs())
    assert (cat["name_zh"] != "").all() and (cat["name_en"] != "").all()


def test_scan_accepts_a_path() -> None:
    res = fiscalrisk.scan(str(SAMPLE), codes="PRC01")
    assert set(res.findings["indicator"]) == {"PRC01"}
    # procurements with one or two bidders in procurement.csv: the only ones PRC01 may flag
    few = [r for r in _csv("procurement") if r["bidders"] in ("1", "2")]
    assert 0 < len(res.findings) <= len(few)
    assert set(res.findings["subject_id"]) <= {r["procurement_id"] for r in few}


# ------------------------------------------------------------------------------------- tables
def test_tables_are_attributes(ds) -> None:
    assert ds.payments is ds["payments"]
    assert len(ds.payments) == len(_csv("payments"))
    assert "payments" in dir(ds)


def test_a_wrong_table_name_suggests_the_right_one(ds) -> None:
    with pytest.raises(AttributeError, match=r"no table 'payment'; did you mean 'payments'\?"):
        ds.payment  # noqa: B018
    with pytest.raises(KeyError, match="did you mean 'budget'"):
        ds["budgt"]
    assert not hasattr(ds, "payment") and ds.get("payment") is None and "payment" not in ds


def test_a_contract_table_the_data_set_lacks_is_named_as_missing(ds) -> None:
    with pytest.raises(AttributeError, match="no table 'calendar' .*no calendar file was given"):
        ds.calendar  # noqa: B018


def test_a_data_set_pickles_with_attribute_access() -> None:
    import pickle

    from fiscalrisk.data import DataSet

    d = DataSet.from_frames({"units": pd.DataFrame({"unit_code": ["U1"]})})
    assert list(pickle.loads(pickle.dumps(d)).units["unit_code"]) == ["U1"]


# ------------------------------------------------------------------------------------- codes
@pytest.mark.parametrize("codes", ["BUD01", " BUD01 ", ["BUD01"], ("BUD01",)])
def test_codes_accepts_one_code_as_a_string_or_a_list(ds, whole, codes) -> None:
    res = fiscalrisk.scan(ds, codes=codes)
    assert res.manifest["indicators"] == ["BUD01"]
    expected = whole.findings.loc[whole.findings["indicator"] == "BUD01", ["finding_id", "value"]]
    assert res.findings[["finding_id", "value"]].reset_index(drop=True).equals(expected.reset_index(drop=True))


def test_codes_accepts_a_comma_or_space_separated_string(ds) -> None:
    assert fiscalrisk.scan(ds, codes="PAY06, PRC01").manifest["indicators"] == ["PAY06", "PRC01"]
    assert fiscalrisk.scan(ds, codes="PAY06 PRC01").manifest["indicators"] == ["PAY06", "PRC01"]


def test_an_unknown_code_is_named_with_a_suggestion(ds) -> None:
    with pytest.raises(KeyError, match=r"unknown indicator 'BUD1'; did you mean BUD01"):
        fiscalrisk.scan(ds, codes="BUD1")


# ------------------------------------------------------------------------------------- names
def test_findings_carry_indicator_region_and_unit_names(whole) -> None:
    f = whole.findings
    regions = {r["region_code"]: r["name"] for r in _csv("regions")}
    units = {r["unit_code"]: r["name"] for r in _csv("units")}
    cat = {s.code: (s.name_zh, s.name_en) for s in registry.specs()}
    assert f["level"].dtype == LEVEL_DTYPE
    for row in f.itertuples():
        assert row.region_name == regions[row.region_code]
        assert row.unit_name == (units[row.unit_code] if row.unit_code else "")
        assert (row.indicator_name_zh, row.indicator_name_en) == cat[row.indicator]
    assert "德清县" in set(f["region_name"]) and "Split payments" in set(f["indicator_name_en"])


def test_the_scan_directory_keeps_the_contracts_columns(whole, tmp_path: Path) -> None:
    out = whole.write(tmp_path / "scan")
    with open(out / "findings.csv", encoding="utf-8", newline="") as fh:
        header = next(csv.reader(fh))
    assert "region_name" not in header and "indicator_name_en" not in header
    assert header == list(whole.result.findings.columns)


# ------------------------------------------------------------------------------------- source rows
def test_every_indicator_of_the_catalogue_reaches_its_source_rows(whole) -> None:
    """Each catalogue code has a finding in the sample (its planted anomalies); the rows behind it are
    found, and checked against the CSV files and the finding's own evidence."""
    f = whole.findings
    payments = {r["payment_id"]: r for r in _csv("payments")}
    units = {r["unit_code"]: r["region_code"] for r in _csv("units")}
    for code in fiscalrisk.catalogue()["code"]:
        mine = f.loc[f["indicator"] == code]
        assert len(mine), f"{code}: no finding in the sample to reach rows from"
        row = mine.iloc[0]
        src = whole.source_rows(row["finding_id"])
        assert src.indicator == code and src.rows > 0, (code, src)
        evidence = json.loads(row["evidence"])
        assert set(src) <= set(registry.get(code).reads) | {"payments", "contracts", "procurement", "projects",
                                                            "project_progress"}, code
        if "payments" in src:
            for r in src["payments"].itertuples():
                assert float(payments[r.payment_id]["amount"]) == pytest.approx(r.amount), code
        if src.exact:
            subject_tables = {"payment": ("payments", "payment_id"), "contract": ("contracts", "contract_id"),
                              "procurement": ("procurement", "procurement_id"),
                              "project": ("projects", "project_code"), "seal_event": ("seal_events", "event_id")}
            if row["subject_type"] in subject_tables:
                table, key = subject_tables[row["subject_type"]]
                assert row["subject_id"] in set(src[table][key].astype("str")), code
            for key, table, col in (("payment_ids", "payments", "payment_id"),
                                    ("procurement_ids", "procurement", "procurement_id")):
                if key in evidence:
                    assert set(map(str, evidence[key])) <= set(src[table][col].astype("str")), code
        else:
            assert "not over named rows" in src.note, code
            owner = row["unit_code"]
            for table, frame in src.items():
                if "unit_code" in frame.columns:
                    got = set(frame["unit_code"].astype("str"))
                    own = {owner} if owner else {u for u, g in units.items() if g == row["region_code"]}
                    assert got <= own, (code, table)
                elif "region_code" in frame.columns:
                    assert set(frame["region_code"].astype("str")) == {row["region_code"]}, code


def test_a_split_payments_rows_add_up_to_the_findings_value(whole) -> None:
    f = whole.findings
    for row in f.loc[f["indicator"] == "PAY06"].itertuples():
        src = whole.source_rows(row.finding_id)
        assert src.exact and len(src["payments"]) >= 2
        assert src["payments"]["amount"].sum() == pytest.approx(row.value, abs=0.01)


def test_a_budget_lines_rows_are_the_line_and_its_payments(whole) -> None:
    f = whole.findings
    row = f.loc[f["indicator"] == "BUD03"].iloc[0]
    year, unit, function, economic, project = row["subject_id"].split("|")
    src = whole.source_rows(row["finding_id"])
    lines = [r for r in _csv("budget") if (r["year"], r["unit_code"], r["function_code"], r["economic_code"],
                                           r["project_code"]) == (year, unit, function, economic, project)]
    paid = [r for r in _csv("payments") if (r["budget_year"], r["unit_code"], r["function_code"],
                                            r["economic_code"], r["project_code"]) == (year, unit, function,
                                                                                       economic, project)]
    assert len(src["budget"]) == len(lines) == 1
    assert sorted(src["payments"]["payment_id"]) == sorted(r["payment_id"] for r in paid)


def test_a_region_level_statistic_returns_the_regions_slice_and_says_so(whole) -> None:
    f = whole.findings
    row = f.loc[f["indicator"] == "ANM01"].iloc[0]
    src = whole.source_rows(row["finding_id"])
    assert not src.exact and "not over named rows" in src.note
    own = {r["unit_code"] for r in _csv("units") if r["region_code"] == row["region_code"]}
    expected = [r for r in _csv("payments") if r["unit_code"] in own and r["pay_date"][:4] == row["period"]]
    assert len(src["payments"]) == len(expected)


def test_an_unknown_finding_id_is_a_key_error(whole) -> None:
    with pytest.raises(KeyError, match="no finding 'nope'"):
        whole.source_rows("nope")


# ------------------------------------------------------------------------------------- region scans
@pytest.mark.parametrize("region", ["330521", "330502104"])
def test_a_region_scan_gives_the_whole_scans_findings_of_that_region(ds, whole, region) -> None:
    """ANM03/ANM04 peer groups, ANM02's peer history, BUD01's rollup and the PEFA ratios come from the
    whole data set: a county's or a town's findings have the values the city-wide scan gives them."""
    part = fiscalrisk.scan(ds, region=region)
    inside = _subtree(region)
    cols = ["finding_id", "indicator", "level", "value", "threshold", "evidence", "message_en"]
    expected = whole.result.findings
    expected = expected.loc[expected["region_code"].isin(inside), cols].sort_values("finding_id")
    got = part.result.findings[cols].sort_values("finding_id")
    assert len(expected) > 0
    pd.testing.assert_frame_equal(got.reset_index(drop=True), expected.reset_index(drop=True))
    assert part.manifest["as_of"] == whole.manifest["as_of"]
    for code, v in whole.values.items():
        mine = v.loc[v["region_code"].isin(inside)].reset_index(drop=True)
        other = part.values.get(code, pd.DataFrame(columns=v.columns))
        assert len(other) == len(mine), code
        if len(mine):
            assert other["value"].tolist() == pytest.approx(mine["value"].tolist(), nan_ok=True), code


def test_a_region_scan_names_the_outside_regions_whose_params_do_not_resolve(ds) -> None:
    """Scaled to pounds, 长兴县's own works limit (params/330523.yaml: 1,000,000) exceeds the scaled
    open-tender limit: a whole scan refuses these params; 德清县's scan runs, lends 长兴县's rows to the peer
    groups under 德清县's params, and its manifest names the regions and why."""
    from fiscalrisk.params import ParamsError

    pounds = {"currency": "GBP", "threshold_scale": 0.11}
    with pytest.raises(ParamsError, match="330523.yaml"):
        fiscalrisk.scan(ds, params=pounds, codes="PAY06")
    part = fiscalrisk.scan(ds, region="330521", params=pounds, codes="PAY06")
    fallback = part.manifest["peer_params_fallback"]
    assert set(fallback) == _subtree("330523")
    assert all("decentralised_limits.works" in reason for reason in fallback.values())
    assert "peer_params_fallback" not in fiscalrisk.scan(ds, region="330521", codes="PAY06").manifest


# ------------------------------------------------------------------------------------- grading per region
def test_measure_grades_each_region_with_its_own_params(ds, whole) -> None:
    """PAY06's threshold is 300,000 in the defaults and 200,000 in params/330521.yaml (德清县): every
    subject of 德清县's subtree is graded against 200,000, the city's against 300,000, and the flagged
    subjects are exactly the scan's findings."""
    from fiscalrisk.params import resolve

    v = fiscalrisk.measure(ds, "PAY06")
    assert len(v) > 0
    deqing = _subtree("330521")
    assert resolve("330521").indicator("PAY06")["threshold"] == 200000
    assert resolve("330500").indicator("PAY06")["threshold"] == 300000
    flagged = v.loc[v["level"].isin(["warning", "alert"])]
    f = whole.findings.loc[whole.findings["indicator"] == "PAY06"]
    assert sorted(flagged["subject_id"]) == sorted(f["subject_id"])
    assert set(flagged.loc[flagged["region_code"].isin(deqing), "threshold"]) <= {200000.0}
    assert set(flagged.loc[~flagged["region_code"].isin(deqing), "threshold"]) <= {300000.0}
    assert (v["region_name"] != "").all()


# ------------------------------------------------------------------------------------- the README
def test_the_readmes_python_api_example_runs() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Python API"):]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    assert f"{len(_csv('payments'))} payments" in r.stdout
    assert "Split payments" in r.stdout or "Budget execution" in r.stdout
