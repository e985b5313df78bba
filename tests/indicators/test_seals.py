"""SEL01–SEL04: a hand-made e-seal log, run through the registry (with the Chinese working-day calendar)."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from fiscalrisk.indicators import run_indicator
from fiscalrisk.params import resolve
from fiscalrisk.scan import make_context

from ._tables import typed

REGIONS = typed(
    "regions", [{"region_code": "330500", "name": "湖州市", "level": "city", "parent_code": None}]
)
UNITS = typed("units", [{"unit_code": "U1", "name": "市财政局", "region_code": "330500"}])


def event(eid: str, used_at: str, seal_type: str = "official", **kw: Any) -> dict[str, Any]:
    row = {
        "event_id": eid,
        "seal_id": "S-01",
        "seal_type": seal_type,
        "unit_code": "U1",
        "used_at": used_at,
        "user_id": "u100",
        "approver_id": "u200",
        "approved": True,
        "contract_id": None,
    }
    row.update(kw)
    return row


def run(
    code: str,
    events: list[dict[str, Any]],
    as_of: str = "2024-12-31",
    params: dict | None = None,
    contracts: list[dict[str, Any]] | None = None,
):
    tables = {"regions": REGIONS, "units": UNITS, "seal_events": typed("seal_events", events)}
    if contracts is not None:
        tables["contracts"] = typed("contracts", contracts)
    ctx = make_context(tables, as_of, resolve(overrides=params))
    return run_indicator(code, ctx)


def levels(findings: pd.DataFrame) -> dict[str, str]:
    return dict(zip(findings["subject_id"], findings["level"].astype(str), strict=True))


# ---------------------------------------------------------------------------------------- SEL01
SEL01_FIXTURE = [
    event("tiaoxiu", "2024-09-29 10:00"),  # Sunday, but a 调休 working day before National Day
    event("saturday", "2024-09-28 10:00"),  # an ordinary Saturday
    event("holiday", "2024-10-02 10:00"),  # Wednesday inside the National Day holiday
    event("early", "2024-09-30 07:59"),
    event("start", "2024-09-30 08:00"),
    event("end", "2024-09-30 18:00"),
    event("late", "2024-09-30 18:01"),
    event("next_year", "2025-01-04 23:00"),  # after as_of
]


def test_sel01_off_hours_and_non_working_days_use_the_official_calendar():
    findings, assessed = run("SEL01", SEL01_FIXTURE)
    assert levels(findings) == {
        "saturday": "warning",
        "holiday": "warning",
        "early": "warning",
        "late": "warning",
    }
    f = findings.set_index("subject_id")
    assert "非工作日" in f.loc["holiday", "message_zh"] and "工作日非工作时间" in f.loc["late", "message_zh"]
    assert json.loads(f.loc["holiday", "evidence"])["working_day"] is False
    assert f.loc["late", "period"] == "2024-09"
    assert int(assessed["assessed"].sum()) == 7


def test_sel01_office_hours_are_parameters():
    findings, _ = run("SEL01", SEL01_FIXTURE, params={"indicators": {"SEL01": {"work_end": "17:30"}}})
    assert set(levels(findings)) == {"saturday", "holiday", "early", "end", "late"}


def test_sel01_calendar_table_overrides_the_package():
    # the data set's own calendar table declares Saturday 2024-09-28 a working day
    calendar = typed("calendar", [{"date": "2024-09-28", "is_workday": True}])
    tables = {
        "regions": REGIONS,
        "units": UNITS,
        "seal_events": typed("seal_events", SEL01_FIXTURE[:2]),
        "calendar": calendar,
    }
    ctx = make_context(tables, "2024-12-31", resolve())
    findings, _ = run_indicator("SEL01", ctx)
    assert findings.empty


# ---------------------------------------------------------------------------------------- SEL02
def test_sel02_unapproved_or_without_approver():
    findings, _ = run(
        "SEL02",
        [
            event("ok", "2024-05-06 10:00"),
            event("refused", "2024-05-06 10:00", approved=False),
            event("unknown", "2024-05-06 10:00", approved=None),
            event("no_approver", "2024-05-06 10:00", approver_id=None),
        ],
    )
    assert levels(findings) == {"refused": "alert", "unknown": "alert", "no_approver": "alert"}
    assert "无审批人" in findings.set_index("subject_id").loc["no_approver", "message_zh"]


def test_sel02_without_approver_column_checks_approval_only():
    rows = [
        {k: v for k, v in event(e, "2024-05-06 10:00", approved=a).items() if k != "approver_id"}
        for e, a in (("ok", True), ("refused", False))
    ]
    findings, _ = run("SEL02", rows)
    assert levels(findings) == {"refused": "alert"}


# ---------------------------------------------------------------------------------------- SEL03
def test_sel03_user_approving_own_use():
    findings, assessed = run(
        "SEL03",
        [
            event("ok", "2024-05-06 10:00"),
            event("self", "2024-05-06 10:00", user_id="u100", approver_id="u100"),
            event("none", "2024-05-06 10:00", approver_id=None),
        ],
    )
    assert levels(findings) == {"self": "alert"}
    assert int(assessed["assessed"].sum()) == 2


# ---------------------------------------------------------------------------------------- SEL04
CONTRACTS = [
    {
        "contract_id": "HT-2024-001",
        "unit_code": "U1",
        "vendor_name": "湖州甲有限公司",
        "category": "services",
        "amount": 100_000,
        "signed_date": "2024-05-01",
        "end_date": "2024-12-31",
    }
]
SEL04_FIXTURE = [
    event("known", "2024-05-06 10:00", "contract", contract_id="HT-2024-001"),
    event("empty", "2024-05-06 10:00", "contract"),
    event("unknown", "2024-05-06 10:00", "contract", contract_id="HT-2024-999"),
    event("official", "2024-05-06 10:00", "official"),
]


def test_sel04_contract_seal_without_a_registered_contract():
    findings, assessed = run("SEL04", SEL04_FIXTURE, contracts=CONTRACTS)
    assert levels(findings) == {"empty": "alert", "unknown": "alert"}
    assert "HT-2024-999 不在合同台账中" in findings.set_index("subject_id").loc["unknown", "message_zh"]
    assert int(assessed["assessed"].sum()) == 3


def test_sel04_without_contracts_table_only_empty_ids_are_judged():
    findings, _ = run("SEL04", SEL04_FIXTURE)
    assert levels(findings) == {"empty": "alert"}


# ======================================================================================================
# Boundaries and exclusions: office hours at, one second before and one second after each end; the
# as_of day itself (to its last second); each exclusion with a case where it changes the result; the
# level parameters. Parameters are moved through the context's ``indicators={CODE: {...}}`` overrides.
# ======================================================================================================

from . import _tables  # noqa: E402
from ._coverage import covers  # noqa: E402


def boundary_run(code: str, events: list[dict[str, Any]], as_of: str = "2024-12-31",
                 params: dict[str, Any] | None = None, contracts: list[dict[str, Any]] | None = None):
    tables = {"units": UNITS, "seal_events": typed("seal_events", events)}
    if contracts is not None:
        tables["contracts"] = typed("contracts", contracts)
    ctx = _tables.context(tables, as_of, {code: params} if params else None)
    return _tables.run(code, ctx)


def graded(code: str, events: list[dict[str, Any]], as_of: str = "2024-12-31",
           params: dict[str, Any] | None = None, contracts: list[dict[str, Any]] | None = None) -> dict[str, str]:
    return _tables.flagged(boundary_run(code, events, as_of, params, contracts)[0])


# ---------------------------------------------------------------------------------------- SEL01
_MONDAY = "2024-05-06"  # an ordinary working day


def _clock(*times: str) -> list[dict[str, Any]]:
    return [event(t, f"{_MONDAY} {t}") for t in times]


@covers("SEL01", "work_start")
def test_sel01_work_start_at_and_one_second_either_side():
    rows = _clock("07:59:59", "08:00:00", "08:00:01", "08:29:59", "08:30:00")
    assert graded("SEL01", rows) == {"07:59:59": "warning"}
    assert graded("SEL01", rows, params={"work_start": "08:30"}) == {
        "07:59:59": "warning", "08:00:00": "warning", "08:00:01": "warning", "08:29:59": "warning"}


@covers("SEL01", "work_end")
def test_sel01_work_end_is_inclusive_to_the_second():
    rows = _clock("17:29:59", "17:30:00", "17:30:01", "17:59:59", "18:00:00", "18:00:01")
    assert graded("SEL01", rows) == {"18:00:01": "warning"}
    assert graded("SEL01", rows, params={"work_end": "17:30"}) == {
        "17:30:01": "warning", "17:59:59": "warning", "18:00:00": "warning", "18:00:01": "warning"}


@covers("SEL01", "level")
def test_sel01_level_follows_the_parameter():
    rows = _clock("07:00:00", "10:00:00")
    assert graded("SEL01", rows, params={"level": "alert"}) == {"07:00:00": "alert"}


def test_sel01_use_on_the_as_of_day_counts_to_its_last_second():
    # Sunday 2024-12-29 is not a working day; as_of is that Sunday
    rows = [event("last-second", "2024-12-29 23:59:59"), event("next-day", "2024-12-30 00:00:00"),
            event("morning", "2024-12-29 09:00:00")]
    findings, assessed = boundary_run("SEL01", rows, as_of="2024-12-29")
    assert _tables.flagged(findings) == {"last-second": "warning", "morning": "warning"}
    assert int(assessed["assessed"].sum()) == 2


# ---------------------------------------------------------------------------------------- SEL02
@covers("SEL02", "level")
def test_sel02_level_follows_the_parameter_and_blank_approvers_count_as_none():
    rows = [event("ok", "2024-05-06 10:00"), event("refused", "2024-05-06 10:00", approved=False),
            event("blank", "2024-05-06 10:00", approver_id="  ")]
    assert graded("SEL02", rows) == {"refused": "alert", "blank": "alert"}
    assert graded("SEL02", rows, params={"level": "warning"}) == {"refused": "warning", "blank": "warning"}


def test_sel02_as_of_day_counts_and_the_day_after_does_not():
    rows = [event("on", "2024-12-31 23:59:59", approved=False), event("after", "2025-01-01 00:00:00", approved=False)]
    findings, assessed = boundary_run("SEL02", rows)
    assert _tables.flagged(findings) == {"on": "alert"} and int(assessed["assessed"].sum()) == 1


# ---------------------------------------------------------------------------------------- SEL03
@covers("SEL03", "level")
def test_sel03_level_follows_the_parameter():
    rows = [event("self", "2024-05-06 10:00", user_id="u100", approver_id="u100"),
            event("other", "2024-05-06 10:00", user_id="u100", approver_id="u101")]
    assert graded("SEL03", rows) == {"self": "alert"}
    assert graded("SEL03", rows, params={"level": "warning"}) == {"self": "warning"}


def test_sel03_ids_are_compared_without_padding_and_blank_approvers_are_sel02s():
    rows = [event("padded", "2024-05-06 10:00", user_id="u100", approver_id=" u100 "),
            event("blank", "2024-05-06 10:00", user_id="u100", approver_id=" "),
            event("after", "2025-01-01 00:00", user_id="u100", approver_id="u100")]
    findings, assessed = boundary_run("SEL03", rows)
    assert _tables.flagged(findings) == {"padded": "alert"} and int(assessed["assessed"].sum()) == 1


# ---------------------------------------------------------------------------------------- SEL04
@covers("SEL04", "level")
def test_sel04_level_follows_the_parameter():
    assert graded("SEL04", SEL04_FIXTURE, contracts=CONTRACTS, params={"level": "warning"}) == {
        "empty": "warning", "unknown": "warning"}


def test_sel04_contract_ids_are_matched_without_padding_and_blank_ids_are_empty():
    rows = [event("padded", "2024-05-06 10:00", "contract", contract_id=" HT-2024-001 "),
            event("blank", "2024-05-06 10:00", "contract", contract_id="  "),
            event("finance", "2024-05-06 10:00", "finance", contract_id="HT-2024-999"),
            event("after", "2025-01-01 00:00", "contract", contract_id="HT-2024-999")]
    findings, assessed = boundary_run("SEL04", rows, contracts=CONTRACTS)
    assert _tables.flagged(findings) == {"blank": "alert"}
    assert int(assessed["assessed"].sum()) == 2
