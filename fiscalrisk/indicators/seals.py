"""E-seal indicators SEL01–SEL04 (电子印章用印记录).

Huzhou's finance bureau moved its seals onto an online approval flow: every use of an e-seal is logged
with time, user, approver, seal type and the contract it stamps. The log makes the seal controls of
财会〔2016〕11号 testable event by event: use outside office hours, use without approval, approval by
the user, and contract seals that stamp no known contract.

Each event used on or before ``as_of`` is a subject (``seal_event``, id ``event_id``), period the month of
``used_at``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from fiscalrisk.indicators.common import blank as _blank
from fiscalrisk.indicators.common import empty_result as _empty
from fiscalrisk.indicators.constraints import LEVEL, Param, TimeOfDay
from fiscalrisk.indicators.registry import ScanContext, flag_levels, indicator

__all__ = [
    "SEAL_TYPES_ZH",
    "off_hours_uses",
    "unapproved_uses",
    "self_approved_uses",
    "contract_seals_without_contract",
]

SEAL_TYPES_ZH: dict[str, str] = {
    "official": "公章",
    "contract": "合同专用章",
    "finance": "财务专用章",
    "legal_rep": "法定代表人章",
}
_SEAL_TYPES_EN: dict[str, str] = {
    "official": "official seal",
    "contract": "contract seal",
    "finance": "finance seal",
    "legal_rep": "legal representative's seal",
}


def _events(seal_events: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Events used up to the end of the ``as_of`` day."""
    return seal_events.loc[seal_events["used_at"] < as_of.normalize() + pd.Timedelta(days=1)]


def _seconds(hhmm: str) -> int:
    """``HH:MM`` (or ``HH:MM:SS``) as seconds after midnight."""
    parts = [int(x) for x in str(hhmm).split(":")]
    if not 2 <= len(parts) <= 3:
        raise ValueError(f"expected a time of day HH:MM, got {hhmm!r}")
    h, m, s = (parts + [0])[:3]
    return h * 3600 + m * 60 + s


def _base(e: pd.DataFrame, value: Any, level: Any, **extra: Any) -> pd.DataFrame:
    """The result frame common to the seal indicators."""
    return pd.DataFrame(
        {
            "subject_id": e["event_id"].astype(str),
            "unit_code": e["unit_code"].astype(str),
            "period": e["used_at"].dt.strftime("%Y-%m"),
            "value": value,
            "level": level,
            "seal_id": e["seal_id"].astype(str),
            "seal_zh": e["seal_type"].map(SEAL_TYPES_ZH).fillna(e["seal_type"]).astype(str),
            "seal_en": e["seal_type"].map(_SEAL_TYPES_EN).fillna(e["seal_type"]).astype(str),
            "used_at_text": e["used_at"].dt.strftime("%Y-%m-%d %H:%M"),
            "user_id": e["user_id"].astype(str),
            **extra,
        }
    )


def _evidence(e: pd.DataFrame, hit: Any, *columns: str) -> list[dict[str, Any] | None]:
    """The event's own fields as evidence, for the flagged rows only (a log has many ok events)."""
    present = [
        c for c in ("event_id", "seal_id", "seal_type", "used_at", "user_id", *columns) if c in e.columns
    ]
    out: list[dict[str, Any] | None] = [None] * len(e)
    flagged = np.flatnonzero(np.asarray(hit, dtype=bool))
    for i, rec in zip(flagged, e.iloc[flagged][present].to_dict("records"), strict=True):
        out[i] = {k: (v.isoformat(sep=" ") if isinstance(v, pd.Timestamp) else v) for k, v in rec.items()}
    return out


def off_hours_uses(
    seal_events: pd.DataFrame,
    as_of: pd.Timestamp,
    *,
    is_workday: Any,
    work_start: str,
    work_end: str,
    level: str,
) -> pd.DataFrame:
    """SEL01: events outside office hours on a working day, or on a non-working day.

    Office hours run from ``work_start`` to ``work_end`` inclusive (a use stamped exactly 18:00 is still
    in hours, one at 18:00:01 is not). Working days come from the calendar, so a 调休 Sunday is a
    working day and a weekday of a statutory holiday is not. value = time of day in hours.
    """
    e = _events(seal_events, as_of)
    e = e.loc[e["used_at"].notna()]
    if e.empty:
        return _empty()
    t = e["used_at"]
    seconds = t.dt.hour * 3600 + t.dt.minute * 60 + t.dt.second
    workday = pd.Series(np.asarray(is_workday(t), dtype=bool), index=e.index)
    in_hours = seconds.between(_seconds(work_start), _seconds(work_end))
    off = ~workday | ~in_hours
    out = _base(
        e,
        value=(seconds / 3600.0).round(4),
        level=flag_levels(off, level),
        when_zh=np.where(workday, "工作日非工作时间", "非工作日"),
        when_en=np.where(workday, "outside office hours on a working day", "on a non-working day"),
    )
    ev = _evidence(e, off)
    for d, w in zip(ev, workday, strict=True):
        if d is not None:
            d["working_day"] = bool(w)
    out["evidence"] = ev
    return out


def unapproved_uses(seal_events: pd.DataFrame, as_of: pd.Timestamp, *, level: str) -> pd.DataFrame:
    """SEL02: events not approved (``approved`` false or missing) or without an approver.

    Without an ``approver_id`` column only ``approved`` is checked.
    """
    e = _events(seal_events, as_of)
    if e.empty:
        return _empty()
    not_approved = ~e["approved"].fillna(False).astype(bool)
    no_approver = _blank(e["approver_id"]) if "approver_id" in e else pd.Series(False, index=e.index)
    hit = not_approved | no_approver
    return _base(
        e,
        value=hit.astype(float),
        level=flag_levels(hit, level),
        reason_zh=np.select(
            [not_approved & no_approver, not_approved],
            ["未审批且无审批人", "审批未通过或未审批"],
            default="无审批人",
        ),
        reason_en=np.select(
            [not_approved & no_approver, not_approved],
            ["not approved and no approver", "not approved"],
            default="no approver recorded",
        ),
        evidence=_evidence(e, hit, "approved", "approver_id", "document_type"),
    )


def self_approved_uses(seal_events: pd.DataFrame, as_of: pd.Timestamp, *, level: str) -> pd.DataFrame:
    """SEL03: events whose approver is the user (不相容岗位未分离). Events without an approver are
    SEL02's concern and not assessed here."""
    e = _events(seal_events, as_of)
    e = e.loc[~_blank(e["approver_id"]) & ~_blank(e["user_id"])]
    if e.empty:
        return _empty()
    same = e["approver_id"].astype(str).str.strip().eq(e["user_id"].astype(str).str.strip())
    return _base(
        e,
        value=same.astype(float),
        level=flag_levels(same, level),
        evidence=_evidence(e, same, "approver_id", "document_type"),
    )


def contract_seals_without_contract(
    seal_events: pd.DataFrame, contracts: pd.DataFrame | None, as_of: pd.Timestamp, *, level: str
) -> pd.DataFrame:
    """SEL04: contract-seal events with no ``contract_id``, or one that is not in the contracts table.

    Without a ``contracts`` table only the empty ids can be judged.
    """
    e = _events(seal_events, as_of)
    e = e.loc[e["seal_type"].eq("contract")]
    if e.empty:
        return _empty()
    empty = _blank(e["contract_id"])
    if contracts is not None and "contract_id" in contracts.columns:
        known = set(contracts["contract_id"].dropna().astype(str).str.strip())
        unknown = ~empty & ~e["contract_id"].astype(str).str.strip().isin(known)
    else:
        unknown = pd.Series(False, index=e.index)
    hit = empty | unknown
    return _base(
        e,
        value=hit.astype(float),
        level=flag_levels(hit, level),
        reason_zh=np.where(
            empty, "未关联合同", "关联的合同 " + e["contract_id"].astype(str) + " 不在合同台账中"
        ),
        reason_en=np.where(
            empty,
            "names no contract",
            "names contract " + e["contract_id"].astype(str) + ", which is not in the register",
        ),
        evidence=_evidence(e, hit, "contract_id", "document_type"),
    )


# ------------------------------------------------------------------------------------- registration
_READS = ("event_id", "seal_id", "seal_type", "unit_code", "used_at", "user_id")


@indicator(
    code="SEL01",
    value_unit="hour",
    at_risk_rule="none: a seal use carries no amount",
    module="seals",
    subject_type="seal_event",
    name_zh="非工作时间用印",
    name_en="Seal used off hours",
    reads={"seal_events": _READS},
    grade="flag",
    why_zh="在非工作日或下班时间用印，脱离正常审批和监督环境，容易发生私自用印。",
    why_en="A seal used at night or on a non-working day escapes the usual oversight: the setting for unauthorised use.",
    source="行政事业单位内部控制报告管理制度 (财会〔2016〕11号) 印章管理; 湖州市财政局 电子印章用印记录",
    message_zh="{unit_name} 于 {used_at_text}（{when_zh}）使用{seal_zh} {seal_id}，用印人 {user_id}",
    message_en="{unit_name}: {seal_en} {seal_id} used at {used_at_text} ({when_en}) by {user_id}",
    params={
        "work_start": Param("start of office hours, HH:MM", TimeOfDay()),
        "work_end": Param("end of office hours, HH:MM (inclusive)", TimeOfDay()),
        "level": Param("level of an off-hours use", LEVEL),
    },
)
def sel01(ctx: ScanContext, p: dict) -> pd.DataFrame:
    """SEL01 非工作时间用印 — seal used outside office hours.

    **What.** A seal event outside ``work_start``–``work_end`` (08:00–18:00, both included) on a working
    day, or at any time on a non-working day.

    **Method.** Working days from the scan's calendar: statutory holidays are not working days, 调休
    make-up days (a Saturday or Sunday worked in exchange) are. value = time of day in hours; a
    finding at ``level`` (warning).

    **Exclusions.** Events after ``as_of``.
    """
    return off_hours_uses(
        ctx.tables["seal_events"],
        ctx.as_of,
        is_workday=ctx.calendar.is_workday,
        work_start=p["work_start"],
        work_end=p["work_end"],
        level=p["level"],
    )


@indicator(
    code="SEL02",
    value_unit="flag",
    at_risk_rule="none: a seal use carries no amount",
    module="seals",
    subject_type="seal_event",
    name_zh="未经审批用印",
    name_en="Seal used without approval",
    reads={"seal_events": (*_READS, "approved")},
    grade="flag",
    why_zh="用印未经审批或无审批人记录，印章使用脱离授权控制。",
    why_en="A seal used without approval, or with no approver on record, is outside the authorisation control.",
    source="行政事业单位内部控制规范 (财会〔2012〕21号) 授权审批控制; 财会〔2016〕11号",
    message_zh="{unit_name} 于 {used_at_text} 使用{seal_zh} {seal_id}：{reason_zh}（用印人 {user_id}）",
    message_en="{unit_name}: {seal_en} {seal_id} used at {used_at_text} by {user_id}: {reason_en}",
    params={
        "level": Param("level of an unapproved use", LEVEL),
    },
)
def sel02(ctx: ScanContext, p: dict) -> pd.DataFrame:
    """SEL02 未经审批用印 — seal used without approval.

    **What.** A seal event whose ``approved`` is false (or missing), or whose ``approver_id`` is empty.

    **Method.** A finding at ``level`` (alert). Where the log has no ``approver_id`` column only
    ``approved`` is checked.

    **Exclusions.** Events after ``as_of``.
    """
    return unapproved_uses(ctx.tables["seal_events"], ctx.as_of, level=p["level"])


@indicator(
    code="SEL03",
    value_unit="flag",
    at_risk_rule="none: a seal use carries no amount",
    module="seals",
    subject_type="seal_event",
    name_zh="自批自用",
    name_en="Seal approved by its user",
    reads={"seal_events": (*_READS, "approver_id")},
    grade="flag",
    why_zh="用印人自己审批自己的用印申请，不相容岗位未分离，审批形同虚设。",
    why_en="A user approving their own seal use defeats the separation of incompatible duties.",
    source="行政事业单位内部控制规范 (财会〔2012〕21号) 不相容岗位相互分离; 财会〔2016〕11号",
    message_zh="{unit_name} 于 {used_at_text} 使用{seal_zh} {seal_id}，用印人与审批人同为 {user_id}",
    message_en="{unit_name}: {seal_en} {seal_id} used at {used_at_text}, approved by its own user {user_id}",
    params={
        "level": Param("level of a self-approved use", LEVEL),
    },
)
def sel03(ctx: ScanContext, p: dict) -> pd.DataFrame:
    """SEL03 自批自用 — approver is the user.

    **What.** A seal event whose ``approver_id`` equals its ``user_id``.

    **Method.** A finding at ``level`` (alert).

    **Exclusions.** Events without an approver (SEL02) and events after ``as_of``.
    """
    return self_approved_uses(ctx.tables["seal_events"], ctx.as_of, level=p["level"])


@indicator(
    code="SEL04",
    value_unit="flag",
    at_risk_rule="none: a seal use carries no amount",
    module="seals",
    subject_type="seal_event",
    name_zh="合同章无合同",
    name_en="Contract seal without a contract",
    reads={"seal_events": (*_READS, "contract_id")},
    grade="flag",
    why_zh="合同专用章用印没有对应的登记合同，可能签订了未经审核、未入台账的合同。",
    why_en="A contract seal stamping no registered contract means a contract may have been signed outside review.",
    source="行政事业单位内部控制规范 (财会〔2012〕21号) 合同控制; 湖州市财政局 电子印章用印记录",
    message_zh="{unit_name} 于 {used_at_text} 使用{seal_zh} {seal_id}，{reason_zh}（用印人 {user_id}）",
    message_en="{unit_name}: {seal_en} {seal_id} used at {used_at_text} by {user_id} {reason_en}",
    params={
        "level": Param("level of a contract seal without a contract", LEVEL),
    },
)
def sel04(ctx: ScanContext, p: dict) -> pd.DataFrame:
    """SEL04 合同章无合同 — contract seal without a known contract.

    **What.** A ``contract`` seal event whose ``contract_id`` is empty or not in the ``contracts`` table.

    **Method.** A finding at ``level`` (alert). Without a ``contracts`` table only empty ids are judged.

    **Exclusions.** Other seal types; events after ``as_of``.
    """
    return contract_seals_without_contract(
        ctx.tables["seal_events"], ctx.tables.get("contracts"), ctx.as_of, level=p["level"]
    )
