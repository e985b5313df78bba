"""Monitoring KPIs of the register per region (``shared/spec/register.md``, KPI section), in SQL.

For every region, over its own cases (``scope = own``: cases of the region itself and its own units) and
over its whole subtree (``scope = subtree``), as of a date, for a period (``since`` … ``as_of``):

``open``            cases not closed, dismissed or exempt
``overdue``         waiting for an answer (dispatched) or a rectification (rectifying) past the deadline
``escalated_in``    overdue cases escalated into the region (own) or into any region of the subtree (subtree)
``dispatched``      cases dispatched in the period;  ``closed``: closed in the period
``on_time_rate``    closed on or before their deadline / closed in the period (a case closed with no
                    deadline set — cleared by data before it was dispatched — counts as on time)
``median_days_to_close``  median days from dispatch to close, over the cases closed in the period
``repeats``         reopenings (复发) of the cases
``amount_at_risk``  the money value of open cases whose indicator's value is money (yuan)
``amount_recovered``  rectified amounts reported by the units

and per indicator, for a region's subtree, the **dismissal rate** = dismissed / (confirmed + dismissed):
the precision of each rule as the reviewers judged it.

Counts and sums are SQL aggregations over ``cases`` joined with ``region_paths`` (the same statements on
SQLite and PostgreSQL; only the day difference is spelled per dialect); the median, which SQLite lacks,
is taken in Python over the day differences the SQL selects.
"""

from __future__ import annotations

import datetime as dt
import re
import statistics
from collections.abc import Mapping
from typing import Any

import pandas as pd
from sqlalchemy import Integer, and_, case, cast, func, literal, or_, select

from . import db
from .core import Register, RegisterError, _date

__all__ = ["kpis", "dismissal_rates", "money_indicators", "KPI_COLUMNS"]

KPI_COLUMNS = ("region_code", "scope", "open", "overdue", "escalated_in", "dispatched", "closed", "on_time_rate",
               "median_days_to_close", "repeats", "amount_at_risk", "amount_recovered")
_NOT_OPEN = ("closed", "dismissed", "exempt")
_WAITING = ("dispatched", "rectifying")


def money_indicators() -> frozenset[str]:
    """Indicators whose value is an amount of money: declared (``value_unit="money"``) or printed as yuan
    by their message."""
    from fiscalrisk.indicators import registry

    return frozenset(s.code for s in registry.specs()
                     if s.value_unit == "money" or re.search(r"\{value:,\.2f\}\s*元", s.message_zh))


def _days(engine: Any, later: Any, earlier: Any) -> Any:
    """``later - earlier`` in whole days, in the engine's dialect."""
    if engine.dialect.name == "sqlite":
        return cast(func.julianday(later) - func.julianday(earlier), Integer)
    return later - earlier


def kpis(reg: Register, *, region: str | None = None, as_of: dt.date | str | None = None,
         since: dt.date | str | None = None) -> pd.DataFrame:
    """The KPI table (see the module): one row per region × scope, for ``region``'s subtree (default all).

    ``as_of`` defaults to today, ``since`` to the first day of ``as_of``'s month.
    """
    reg._check_schema()
    as_of = _date(as_of, "--as-of") or dt.date.today()
    since = _date(since, "--since") or as_of.replace(day=1)
    c, p = db.cases, db.region_paths
    deadline = case(*((c.c.level == lv, int(d)) for lv, d in sorted(reg.deadline_days.items())), else_=1)
    open_ = c.c.state.not_in(_NOT_OPEN)
    overdue = and_(c.c.state.in_(_WAITING), c.c.due_on < as_of)
    in_period = lambda col: and_(col >= since, col <= as_of)  # noqa: E731 - a small local phrase
    money = c.c.indicator.in_(sorted(money_indicators()))
    with reg.engine.connect() as conn:
        regions = [r for r in conn.execute(select(db.regions.c.region_code)).scalars()]
        if region is not None and region not in regions:
            raise RegisterError(f"--region {region!r}: no such region in the register")
        scope_regions = (set(conn.execute(select(p.c.descendant).where(p.c.ancestor == region)).scalars())
                         if region is not None else set(regions))
        frames = []
        # by scope and KPI: region → value, for KPIs that a region may have without cases of its own
        extra: dict[str, dict[str, dict[str, Any]]] = {}
        for scope, depth_rule in (("own", p.c.depth == 0), ("subtree", literal(True))):
            q = (select(p.c.ancestor.label("region_code"),
                        func.sum(case((open_, 1), else_=0)).label("open"),
                        func.sum(case((overdue, 1), else_=0)).label("overdue"),
                        func.sum(case((in_period(c.c.dispatched_on), 1), else_=0)).label("dispatched"),
                        func.sum(case((in_period(c.c.closed_on), 1), else_=0)).label("closed"),
                        func.sum(case((and_(in_period(c.c.closed_on),
                                            or_(c.c.due_on.is_(None), c.c.closed_on <= c.c.due_on)), 1),
                                      else_=0)).label("closed_on_time"),
                        func.sum(c.c.reopened).label("repeats"),
                        func.sum(case((and_(open_, money, c.c.value.is_not(None)), c.c.value), else_=0.0))
                        .label("amount_at_risk"),
                        func.sum(func.coalesce(c.c.rectified_amount, 0.0)).label("amount_recovered"))
                 .select_from(c.join(p, p.c.descendant == c.c.region_code)).where(depth_rule)
                 .group_by(p.c.ancestor))
            frame = pd.DataFrame(conn.execute(q).mappings().all())
            frame["scope"] = scope
            frames.append(frame)
            # escalated: the ancestor at min(steps, depth to the root) of an overdue case's region
            steps = _days(reg.engine, literal(as_of), c.c.due_on) // deadline  # floor division in both dialects
            root_depth = (select(func.max(p.c.depth)).where(p.c.descendant == c.c.region_code)
                          .correlate(c).scalar_subquery())
            target_depth = case((steps > root_depth, root_depth), else_=steps)
            hop = p.alias("hop")
            esc = (select(hop.c.ancestor.label("target"))
                   .select_from(c.join(hop, and_(hop.c.descendant == c.c.region_code, hop.c.depth == target_depth)))
                   .where(overdue, steps >= 1).subquery())
            if scope == "own":
                eq = select(esc.c.target.label("region_code"), func.count().label("escalated_in")).group_by(esc.c.target)
            else:
                up = p.alias("up")
                eq = (select(up.c.ancestor.label("region_code"), func.count().label("escalated_in"))
                      .select_from(esc.join(up, up.c.descendant == esc.c.target)).group_by(up.c.ancestor))
            extra[scope] = {"escalated_in": dict(conn.execute(eq).all())}
            durations = conn.execute(
                select(p.c.ancestor, _days(reg.engine, c.c.closed_on, c.c.dispatched_on))
                .select_from(c.join(p, p.c.descendant == c.c.region_code))
                .where(depth_rule, in_period(c.c.closed_on), c.c.dispatched_on.is_not(None))).all()
            by_region: dict[str, list[int]] = {}
            for code, days in durations:
                by_region.setdefault(code, []).append(int(days))
            extra[scope]["median_days_to_close"] = {k: float(statistics.median(v)) for k, v in by_region.items()}
    table = pd.concat(frames, ignore_index=True) if any(len(f) for f in frames) else pd.DataFrame(columns=KPI_COLUMNS)
    # every region of the scope appears, with zeros where it has no case
    full = pd.MultiIndex.from_product([sorted(scope_regions), ["own", "subtree"]], names=["region_code", "scope"])
    table = table.set_index(["region_code", "scope"]).reindex(full).reset_index()
    for name in ("escalated_in", "median_days_to_close"):
        table[name] = [extra[sc][name].get(code) for code, sc in zip(table["region_code"], table["scope"], strict=True)]
    for col in ("open", "overdue", "escalated_in", "dispatched", "closed", "closed_on_time", "repeats"):
        table[col] = pd.to_numeric(table[col]).fillna(0).astype("int64")
    table["median_days_to_close"] = pd.to_numeric(table["median_days_to_close"]).astype("float64")
    for col in ("amount_at_risk", "amount_recovered"):
        table[col] = pd.to_numeric(table[col]).fillna(0.0).round(2)
    table["on_time_rate"] = (table["closed_on_time"] / table["closed"].where(table["closed"] > 0)).round(4)
    return table[list(KPI_COLUMNS)].sort_values(["region_code", "scope"], ignore_index=True)


def dismissal_rates(reg: Register, *, region: str | None = None) -> pd.DataFrame:
    """Per indicator over ``region``'s subtree (default all): confirmed, dismissed, dismissal_rate."""
    reg._check_schema()
    c, p = db.cases, db.region_paths
    q = (select(c.c.indicator,
                func.sum(case((c.c.confirmed_on.is_not(None), 1), else_=0)).label("confirmed"),
                func.sum(case((c.c.dismissed_on.is_not(None), 1), else_=0)).label("dismissed"))
         .group_by(c.c.indicator).order_by(c.c.indicator))
    if region is not None:
        q = q.where(c.c.region_code.in_(select(p.c.descendant).where(p.c.ancestor == region)))
    with reg.engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(q).mappings().all(), columns=["indicator", "confirmed", "dismissed"])
    frame = frame.loc[(frame["confirmed"] + frame["dismissed"]) > 0].reset_index(drop=True)
    frame["confirmed"] = frame["confirmed"].astype("int64")
    frame["dismissed"] = frame["dismissed"].astype("int64")
    frame["dismissal_rate"] = (frame["dismissed"] / (frame["confirmed"] + frame["dismissed"])).round(4)
    return frame


def as_records(table: pd.DataFrame) -> list[Mapping[str, Any]]:
    return [{k: (None if pd.isna(v) else v) for k, v in r.items()} for r in table.to_dict("records")]
