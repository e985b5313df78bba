"""SEL01–SEL04: every field of each finding — value, threshold, both messages and the evidence — written
out by hand from the indicator's definition for a small log, not read back from the code.

``test_seals.py`` pins which events are flagged and at which level; these pin what a finding says, so a
wrong reason, a dropped evidence field or a mistyped message cannot pass unnoticed.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pandas as pd
import pytest

from .test_seals import CONTRACTS, event, run


def _rows(findings: pd.DataFrame) -> dict[str, dict[str, Any]]:
    out = {}
    for r in findings.to_dict("records"):
        out[r["subject_id"]] = {
            "level": r["level"], "period": r["period"], "value": r["value"], "threshold": r["threshold"],
            "subject_type": r["subject_type"], "unit_code": r["unit_code"], "region_code": r["region_code"],
            "message_zh": r["message_zh"], "message_en": r["message_en"], "evidence": json.loads(r["evidence"]),
        }
    return out


def _common(**kw: Any) -> dict[str, Any]:
    """The fields every finding of these fixtures shares, and ``kw``."""
    return {"subject_type": "seal_event", "unit_code": "U1", "region_code": "330500", "level": "alert",
            "period": "2024-05", **kw}


def test_sel01_findings_say_when_and_carry_the_time_of_day_and_the_working_day():
    findings, assessed = run("SEL01", [
        event("in-hours", "2024-05-06 10:00:00"),  # a Monday
        event("evening", "2024-05-06 18:30:37", seal_type="finance", seal_id="S-07", user_id="u300"),
        event("may-day", "2024-05-02 09:15:00"),  # Thursday of the May Day holiday
        event("odd-type", "2024-05-11 07:00:00", seal_type="stamp"),  # a Saturday; a seal type outside the list
    ])
    got = _rows(findings)
    assert set(got) == {"evening", "may-day", "odd-type"} and int(assessed["assessed"].sum()) == 4
    evening = got["evening"]
    assert evening["level"] == "warning" and evening["period"] == "2024-05"
    assert evening["value"] == 18.5103  # the time of day in hours, to four decimals: 18 + 30/60 + 37/3600
    assert evening["message_zh"] == "市财政局 于 2024-05-06 18:30（工作日非工作时间）使用财务专用章 S-07，用印人 u300"
    assert evening["message_en"] == ("市财政局: finance seal S-07 used at 2024-05-06 18:30 "
                                     "(outside office hours on a working day) by u300")
    assert evening["evidence"] == {"event_id": "evening", "seal_id": "S-07", "seal_type": "finance",
                                   "used_at": "2024-05-06 18:30:37", "user_id": "u300", "working_day": True}
    may_day = got["may-day"]
    assert may_day["value"] == 9.25
    assert may_day["message_zh"] == "市财政局 于 2024-05-02 09:15（非工作日）使用公章 S-01，用印人 u100"
    assert may_day["message_en"] == "市财政局: official seal S-01 used at 2024-05-02 09:15 (on a non-working day) by u100"
    assert may_day["evidence"]["working_day"] is False and may_day["evidence"]["used_at"] == "2024-05-02 09:15:00"
    # a seal type outside the known list is named as it is given
    assert "使用stamp S-01" in got["odd-type"]["message_zh"] and "stamp S-01 used at" in got["odd-type"]["message_en"]


def test_sel02_findings_name_the_reason_each_event_is_unapproved():
    findings, assessed = run("SEL02", [
        event("fine", "2024-05-06 10:00"),
        event("refused", "2024-05-06 11:00", approved=False, document_type="借款单"),
        event("neither", "2024-05-06 12:00", approved=False, approver_id=None),
        event("unsigned", "2024-05-06 13:00", approver_id="  "),
    ])
    got = _rows(findings)
    assert set(got) == {"refused", "neither", "unsigned"} and int(assessed["assessed"].sum()) == 4
    assert {k: (v["value"], v["level"]) for k, v in got.items()} == {
        "refused": (1.0, "alert"), "neither": (1.0, "alert"), "unsigned": (1.0, "alert")}
    assert got["refused"]["message_zh"] == "市财政局 于 2024-05-06 11:00 使用公章 S-01：审批未通过或未审批（用印人 u100）"
    assert got["refused"]["message_en"] == "市财政局: official seal S-01 used at 2024-05-06 11:00 by u100: not approved"
    assert got["neither"]["message_zh"].endswith("：未审批且无审批人（用印人 u100）")
    assert got["neither"]["message_en"].endswith(": not approved and no approver")
    assert got["unsigned"]["message_zh"].endswith("：无审批人（用印人 u100）")
    assert got["unsigned"]["message_en"].endswith(": no approver recorded")
    assert got["refused"]["evidence"] == {
        "event_id": "refused", "seal_id": "S-01", "seal_type": "official", "used_at": "2024-05-06 11:00:00",
        "user_id": "u100", "approved": False, "approver_id": "u200", "document_type": "借款单"}
    assert got["neither"]["evidence"]["approver_id"] is None and got["unsigned"]["evidence"]["approved"] is True


def test_sel03_findings_name_the_user_who_approved_their_own_use():
    findings, _ = run("SEL03", [
        event("other", "2024-05-06 10:00"),
        event("self", "2024-05-06 16:45", seal_type="legal_rep", user_id="u7", approver_id="u7",
              document_type="授权委托书"),
    ])
    got = _rows(findings)
    assert list(got) == ["self"]
    assert math.isnan(got["self"].pop("threshold"))  # a flag: no threshold
    assert got["self"] == _common(
        value=1.0,
        message_zh="市财政局 于 2024-05-06 16:45 使用法定代表人章 S-01，用印人与审批人同为 u7",
        message_en="市财政局: legal representative's seal S-01 used at 2024-05-06 16:45, approved by its own user u7",
        evidence={"event_id": "self", "seal_id": "S-01", "seal_type": "legal_rep", "used_at": "2024-05-06 16:45:00",
                  "user_id": "u7", "approver_id": "u7", "document_type": "授权委托书"})


def test_sel04_findings_say_whether_the_contract_is_missing_or_unknown():
    findings, _ = run("SEL04", [
        event("known", "2024-05-06 10:00", "contract", contract_id="HT-2024-001"),
        event("none", "2024-05-06 10:30", "contract"),
        event("stranger", "2024-05-06 11:00", "contract", contract_id="HT-2024-999", document_type="采购合同"),
    ], contracts=CONTRACTS)
    got = _rows(findings)
    assert set(got) == {"none", "stranger"}
    assert got["none"]["value"] == got["stranger"]["value"] == 1.0
    assert got["none"]["message_zh"] == "市财政局 于 2024-05-06 10:30 使用合同专用章 S-01，未关联合同（用印人 u100）"
    assert got["none"]["message_en"] == "市财政局: contract seal S-01 used at 2024-05-06 10:30 by u100 names no contract"
    assert got["stranger"]["message_zh"] == ("市财政局 于 2024-05-06 11:00 使用合同专用章 S-01，"
                                             "关联的合同 HT-2024-999 不在合同台账中（用印人 u100）")
    assert got["stranger"]["message_en"] == ("市财政局: contract seal S-01 used at 2024-05-06 11:00 by u100 names "
                                             "contract HT-2024-999, which is not in the register")
    assert got["stranger"]["evidence"] == {
        "event_id": "stranger", "seal_id": "S-01", "seal_type": "contract", "used_at": "2024-05-06 11:00:00",
        "user_id": "u100", "contract_id": "HT-2024-999", "document_type": "采购合同"}
    assert got["none"]["evidence"]["contract_id"] is None


def test_office_hours_of_the_function_may_be_given_to_the_second():
    """``off_hours_uses`` (the function behind SEL01) reads HH:MM or HH:MM:SS; params files give HH:MM."""
    from fiscalrisk.indicators.seals import off_hours_uses

    from ._tables import typed

    log = typed("seal_events", [event(e, f"2024-05-06 {t}") for e, t in
                                (("a", "17:59:58"), ("b", "17:59:59"), ("c", "08:00:01"), ("d", "08:00:00"))])
    out = off_hours_uses(log, pd.Timestamp("2024-05-06"), is_workday=lambda t: [True] * len(t),
                         work_start="08:00:01", work_end="17:59:58", level="warning")
    assert dict(zip(out["subject_id"], out["level"].astype(str), strict=True)) == {
        "a": "ok", "b": "warning", "c": "ok", "d": "warning"}
    for bad in ("8", "08:00:00:00"):
        with pytest.raises(ValueError, match=f"expected a time of day HH:MM, got '{bad}'"):
            off_hours_uses(log, pd.Timestamp("2024-05-06"), is_workday=lambda t: [True] * len(t),
                           work_start=bad, work_end="17:59", level="warning")


def test_sel02_without_an_approver_column_assesses_every_event_up_to_as_of():
    # the log's first row is dated after as_of: what is judged is the rest, and only that
    rows = [{k: v for k, v in event(e, d, approved=a).items() if k != "approver_id"}
            for e, d, a in (("later", "2025-01-02 10:00", False), ("ok", "2024-05-06 10:00", True),
                            ("refused", "2024-05-06 10:00", False), ("also-ok", "2024-05-06 10:00", True))]
    findings, assessed = run("SEL02", rows)
    assert list(findings["subject_id"]) == ["refused"] and int(assessed["assessed"].sum()) == 3
    assert findings["message_en"].iloc[0].endswith(": not approved")


def test_sel04_without_a_contracts_table_judges_the_contract_seals_only():
    # the log's first row is not a contract seal: what is judged is the contract seals, and only those
    rows = [event("official", "2024-05-06 09:00", "official"),
            event("empty", "2024-05-06 10:00", "contract"),
            event("named", "2024-05-06 11:00", "contract", contract_id="HT-2024-999")]
    findings, assessed = run("SEL04", rows)
    assert list(findings["subject_id"]) == ["empty"] and int(assessed["assessed"].sum()) == 2
