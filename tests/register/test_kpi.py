"""Monitoring KPIs in SQL on both databases, against a computation in the test from the case list."""

from __future__ import annotations

import datetime as dt
import statistics
from pathlib import Path

import pandas as pd
import pytest

from fiscalrisk.register import Register
from fiscalrisk.register.kpi import dismissal_rates, kpis, money_indicators

from .conftest import REGIONS, finding, make_scan

D = dt.date
PARENT = {r["region_code"]: r["parent_code"] or None for r in REGIONS}
DEADLINE = {"alert": 15, "warning": 30}


def chain(code: str) -> list[str]:
    out = []
    while code is not None:
        out.append(code)
        code = PARENT[code]
    return out


def expected_kpis(cases: pd.DataFrame, as_of: dt.date, since: dt.date) -> dict[tuple[str, str], dict]:
    """The KPIs computed here, case by case, from the definitions in shared/spec/register.md."""
    money = {"PAY06", "PAY07"}
    out = {}
    for code in PARENT:
        for scope in ("own", "subtree"):
            mine = cases[[(r == code) if scope == "own" else (code in chain(r)) for r in cases["region_code"]]]
            open_ = mine[~mine["state"].isin(["closed", "dismissed", "exempt"])]
            waiting = mine[mine["state"].isin(["dispatched", "rectifying"])]
            overdue = waiting[[d is not None and d < as_of for d in waiting["due_on"]]]
            closed = mine[[c is not None and since <= c <= as_of for c in mine["closed_on"]]]
            on_time = [d is None or c <= d for c, d in zip(closed["closed_on"], closed["due_on"], strict=True)]
            days = [(c - d).days for c, d in zip(closed["closed_on"], closed["dispatched_on"], strict=True) if d]
            escalated = 0
            for _, case in cases.iterrows():
                if case["state"] in ("dispatched", "rectifying") and case["due_on"] and case["due_on"] < as_of:
                    steps = (as_of - case["due_on"]).days // DEADLINE[case["level"]]
                    if steps >= 1:
                        up = chain(case["region_code"])
                        target = up[min(steps, len(up) - 1)]
                        escalated += (target == code) if scope == "own" else (code in chain(target))
            out[(code, scope)] = {
                "open": len(open_), "overdue": len(overdue), "escalated_in": escalated,
                "dispatched": sum(d is not None and since <= d <= as_of for d in mine["dispatched_on"]),
                "closed": len(closed), "on_time_rate": round(sum(on_time) / len(closed), 4) if len(closed) else None,
                "median_days_to_close": float(statistics.median(days)) if days else None,
                "repeats": int(mine["reopened"].sum()),
                "amount_at_risk": round(float(open_.loc[open_["indicator"].isin(money), "value"].sum()), 2),
                "amount_recovered": round(float(mine["rectified_amount"].fillna(0).sum()), 2),
            }
    return out


def test_money_indicators_are_the_ones_whose_value_is_yuan() -> None:
    found = money_indicators()
    assert {"PAY06", "PAY07", "PAY08", "BUD04"} <= found
    assert not found & {"BUD01", "CON01", "OUT01", "CTL01", "ANM01"}


def test_kpis_agree_with_an_independent_computation(db_url: str, tmp_path: Path) -> None:
    reg = Register(db_url)
    reg.init()
    reg.add_user("wang", "supervisor", region="330500")
    reg.add_user("u1", "unit", unit="U1", by="wang")
    rows = [finding("PAY07", "U1", f"P{i}", "2025-01", 1000.0 + i) for i in range(6)]
    rows += [finding("BUD01", "U2", "U2", "2025", 0.3, level="warning"), finding("PAY06", "U3", "Q1", "2025-01", 5e5),
             finding("CON01", "U0", "K1", "2025", 1.2), finding("PAY07", "U3", "Q2", "2025-01", 77.7)]
    reg.ingest(make_scan(tmp_path / "jan", "2025-01-31", rows), today="2025-02-01")
    ids = {r["subject_id"]: int(reg.cases().set_index("finding_id").loc[r["finding_id"], "case_id"]) for r in rows}
    act = reg.act
    for s in ("P0", "P1", "P2", "P3", "P4", "U2", "Q1", "K1"):
        act(ids[s], "dispatch", user="wang", today="2025-02-03")
    act(ids["P0"], "respond", user="u1", today="2025-02-10")
    act(ids["P0"], "confirm", user="wang", today="2025-02-12")
    act(ids["P0"], "rectify", user="u1", today="2025-02-14", amount=1000)
    act(ids["P0"], "close", user="wang", today="2025-02-15")                 # on time, 12 days
    act(ids["P1"], "confirm", user="wang", today="2025-02-20")
    act(ids["P1"], "plan", user="u1", today="2025-02-20", due="2025-02-25")
    act(ids["P1"], "rectify", user="u1", today="2025-03-01", amount=500.5)
    act(ids["P1"], "close", user="wang", today="2025-03-02")                 # late (plan due 02-25), 27 days
    act(ids["P2"], "dismiss", user="wang", today="2025-02-05", reason="legitimate")
    act(ids["Q1"], "dismiss", user="wang", today="2025-02-06", reason="data_error")
    act(ids["K1"], "confirm", user="wang", today="2025-02-06")
    # P3, P4, U2 stay dispatched (overdue later); P5, Q2 stay open
    reg.ingest(make_scan(tmp_path / "feb", "2025-02-28", [r for r in rows if r["subject_id"] != "P4"]),
               today="2025-03-03")                                            # P4 cleared by data
    act(ids["P4"], "close", user="wang", today="2025-03-04")                 # cleared: closed in one step
    cases = reg.cases()
    for as_of, since in ((D(2025, 3, 10), D(2025, 2, 1)), (D(2025, 4, 20), D(2025, 3, 1)), (D(2025, 2, 14), D(2025, 2, 1))):
        got = kpis(reg, as_of=as_of, since=since).set_index(["region_code", "scope"])
        want = expected_kpis(cases, as_of, since)
        assert set(got.index) == set(want)
        for key, values in want.items():
            row = got.loc[key]
            for name, value in values.items():
                have = None if pd.isna(row[name]) else row[name]
                assert have == (pytest.approx(value) if isinstance(value, float) else value), (as_of, key, name)
    county = kpis(reg, region="330521", as_of=D(2025, 3, 10), since=D(2025, 2, 1))
    assert set(county["region_code"]) == {"330521", "330521102"}
    rates = dismissal_rates(reg).set_index("indicator")
    # PAY07: P0, P1 confirmed, P2 dismissed → 1/3; PAY06: Q1 dismissed → 1; CON01: K1 confirmed → 0
    assert rates.loc["PAY07", "dismissal_rate"] == pytest.approx(1 / 3, abs=1e-4)
    assert rates.loc["PAY06", "dismissal_rate"] == 1.0 and rates.loc["CON01", "dismissal_rate"] == 0.0
    assert "BUD01" not in rates.index
    assert list(dismissal_rates(reg, region="330522").index) == [0] and \
        dismissal_rates(reg, region="330522").iloc[0]["indicator"] == "PAY06"
    reg.engine.dispose()


def test_a_case_escalates_into_a_region_with_no_cases_of_its_own(db_url: str, tmp_path: Path) -> None:
    reg = Register(db_url)
    reg.init()
    reg.add_user("wang", "supervisor", region="330500")
    reg.ingest(make_scan(tmp_path / "s", "2025-01-31", [finding("PAY07", "U1", "P3", "2025-01", 1.0)]))
    reg.act(1, "dispatch", user="wang", today="2025-02-03")                  # due 2025-02-18
    table = kpis(reg, as_of=D(2025, 3, 10)).set_index(["region_code", "scope"])["escalated_in"]
    # 20 days late: one period → from the township 330521102 into its county 330521 (which has no case)
    assert table[("330521", "own")] == 1 and table[("330521", "subtree")] == 1
    assert table[("330500", "own")] == 0 and table[("330500", "subtree")] == 1
    assert table[("330521102", "own")] == 0
    reg.engine.dispose()
