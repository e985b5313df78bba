"""The rules of the alert register (``shared/spec/register.md``): states, moves, who may make them.

Pure data and functions, no database: :mod:`fiscalrisk.register.core` asks :func:`check_move` before
every change, so the command line, the exchange workbooks and any app follow the same rules.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from fiscalrisk.errors import UserError

__all__ = ["STATES", "FINAL", "ROLES", "DISMISS_REASONS", "RESPONSES", "MOVES", "Move", "MoveError",
           "check_move", "allowed_moves", "due_after", "escalation_steps"]

#: state → Chinese label, in the order of the loop 预警 → 下发 → 反馈 → 核实 → 整改 → 销号
STATES: dict[str, str] = {
    "open": "新发现",
    "exempt": "已豁免",
    "dispatched": "已下发",
    "responded": "已反馈",
    "confirmed": "确认问题",
    "dismissed": "已排除",
    "rectifying": "整改中",
    "rectified": "已整改",
    "closed": "已销号",
}
#: final states: only the finding coming back with different evidence reopens them
FINAL = frozenset({"dismissed", "closed"})
ROLES = ("unit", "supervisor", "auditor")
DISMISS_REASONS = ("data_error", "legitimate", "duplicate", "other")
#: what a unit may answer (the exchange workbook's drop-down: 已整改 / 说明理由 / 数据有误)
RESPONSES = ("rectified", "explanation", "data_error")


@dataclass(frozen=True)
class Move:
    """An action: the states it starts from, the state it leads to, and the roles that may take it.

    ``unit`` means the unit officer of the case's unit, ``supervisor`` a supervisor of the case's region
    or of a region above it.
    """

    action: str
    sources: frozenset[str]
    target: str
    roles: frozenset[str]
    zh: str


def _m(action: str, sources: set[str], target: str, roles: set[str], zh: str) -> Move:
    return Move(action, frozenset(sources), target, frozenset(roles), zh)


MOVES: dict[str, Move] = {m.action: m for m in (
    _m("dispatch", {"open"}, "dispatched", {"supervisor"}, "下发"),
    _m("respond", {"dispatched"}, "responded", {"unit"}, "反馈"),
    _m("confirm", {"dispatched", "responded"}, "confirmed", {"supervisor"}, "确认问题"),
    _m("dismiss", {"open", "dispatched", "responded"}, "dismissed", {"supervisor"}, "排除"),
    _m("plan", {"confirmed"}, "rectifying", {"unit", "supervisor"}, "整改计划"),
    _m("rectify", {"confirmed", "rectifying"}, "rectified", {"unit"}, "整改完成"),
    _m("close", {"rectified"}, "closed", {"supervisor"}, "销号"),
)}
#: a case the data no longer triggers (数据已消除) can be closed in one step from any state that is not final
CLEARED_CLOSE_SOURCES = frozenset(STATES) - FINAL


class MoveError(UserError):
    """A move the rules do not allow (the message names the case, its state and the allowed moves)."""


def allowed_moves(state: str, cleared_by_data: bool = False) -> list[str]:
    """The actions that may start from ``state`` (role aside), in the order of the loop."""
    out = [a for a, m in MOVES.items() if state in m.sources]
    if cleared_by_data and state in CLEARED_CLOSE_SOURCES and "close" not in out:
        out.append("close")
    return out


def check_move(case_id: int, state: str, action: str, role: str, *, cleared_by_data: bool = False,
               reason: str | None = None, due: dt.date | None = None) -> str:
    """The state ``action`` leads to from ``state`` for a user of ``role``; :class:`MoveError` if refused."""
    if action not in MOVES:
        raise MoveError(f"unknown action '{action}': expected one of {', '.join(MOVES)}")
    move = MOVES[action]
    allowed = allowed_moves(state, cleared_by_data)
    if action not in allowed:
        listed = ", ".join(allowed) if allowed else "none (a final state)"
        raise MoveError(f"case {case_id} is {state} ({STATES.get(state, state)}): '{action}' is not allowed "
                        f"from it; allowed: {listed}")
    if role not in move.roles:
        raise MoveError(f"'{action}' on case {case_id} is for a {' or '.join(sorted(move.roles))} user, "
                        f"not a {role}")
    if action == "dismiss" and reason not in DISMISS_REASONS:
        raise MoveError(f"dismissing case {case_id} needs --reason, one of {', '.join(DISMISS_REASONS)}; "
                        f"got {reason!r}")
    if action == "respond" and reason is not None and reason not in RESPONSES:
        raise MoveError(f"a response to case {case_id} is one of {', '.join(RESPONSES)}; got {reason!r}")
    if action == "plan" and due is None:
        raise MoveError(f"a rectification plan for case {case_id} needs --due DATE")
    return move.target


def due_after(day: dt.date, level: str, deadline_days: dict[str, int]) -> dt.date:
    """The answer deadline of a case dispatched on ``day`` (``register.deadline_days`` by level)."""
    return day + dt.timedelta(days=int(deadline_days[level]))


def escalation_steps(due: dt.date | None, today: dt.date, level: str, deadline_days: dict[str, int]) -> int:
    """How many levels up the tree an overdue case has climbed: one per further deadline period.

    Not overdue (no deadline, or ``today`` on or before it): 0 — overdue but within one further period
    after the deadline: 0 (it shows as overdue at its own level) — then 1, 2, ... per period.
    """
    if due is None or today <= due:
        return 0
    return (today - due).days // int(deadline_days[level])
