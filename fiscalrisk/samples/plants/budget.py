"""Plants of the budget indicators (BUD01–BUD06), with ANM05's case (the same unspent 2026 allocations).

BUD02, BUD04 and BUD05 (b) run on the payments (:data:`fiscalrisk.samples.plants.PAYMENTS`), BUD01,
BUD03, BUD05 (a) and BUD06 on the budget lines ``g`` while :meth:`~fiscalrisk.samples.tables.Tables.budget`
builds them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from fiscalrisk.samples.plants.common import Payment, plant_payment_rows
from fiscalrisk.samples.reference import _VENDOR_KINDS, _vendor_name

if TYPE_CHECKING:
    from fiscalrisk.samples.builder import _Builder

#: BUD05 (b) 三公 budget and spending raised against last year: (unit, year, economic code, factor)
BUD05_RAISED = (("330500-013", 2025, "30217", 1.45), ("330523-012", 2024, "30231", 1.5))


def plant_bud05(b: _Builder, pay: pd.DataFrame) -> None:
    """BUD05 (b): 三公 budget and spending raised against last year (只减不增 broken). The other BUD05
    case, a 三公 line overspent, is one of :data:`BUD03`."""
    ui = pay.unit_idx.to_numpy()
    for unit, year, code, f in BUD05_RAISED:
        m = (ui == b.uidx(unit)) & (pay.year == year).to_numpy() & (pay.economic_code == code).to_numpy()
        pay.loc[m, "amount"] = np.round(pay.loc[m, "amount"] * f, 2)
        b.label("BUD05", "unit", unit, f"{year} 三公 ({code}) budget and outturn raised {f - 1:.0%} over {year - 1}")


BUD04: tuple[Payment, ...] = (
    ("330503-004", "2025-08-05", "30214", "湖州金桥商贸有限公司", 48_360.50,
     "venue rental (30214) charged with no such budget line", {"no_line": True}),
    ("330500-011", "2024-11-19", "30214", "湖州锦程会展服务有限公司", 76_420.15,
     "rental (30214) charged with no such budget line", {"no_line": True}),
)


def plant_bud04(b: _Builder, pay: pd.DataFrame) -> None:
    """BUD04: payments charged with no budget line."""
    plant_payment_rows(b, "BUD04", BUD04)


#: BUD02 year-end surges: (unit, year, December share of annual net payments)
BUD02 = (("330502-012", 2024, 0.42), ("330523-011", 2025, 0.30))


def plant_bud02(b: _Builder, pay: pd.DataFrame) -> None:
    """BUD02: year-end surge, December share 0.42 (alert) and 0.30 (warning); also an outlying month
    (ANM02) and a December share far above peers (ANM04), labelled as secondary."""
    rng = b.rng
    ui = pay.unit_idx.to_numpy()
    for unit, year, share in BUD02:
        i = b.uidx(unit)
        m = (ui == i) & (pay.year == year).to_numpy()
        annual = float(pay.loc[m, "amount"].sum())
        dec = float(pay.loc[m & (pay.month == 11).to_numpy(), "amount"].sum())
        x = (share * annual - dec) / (1 - share)
        k = int(np.ceil(x / 240_000))
        amts = np.round(x / k * rng.uniform(0.9, 1.1, k), 2)
        days = b.cal.random_day(rng, np.full(k, year), np.full(k, 11))
        for j in range(k):
            vendor = _vendor_name(_VENDOR_KINDS["31002"][j % 3], 360 + j)
            b.pp(unit, days[j], "30227" if j % 2 else "31002", vendor, amts[j])
        b.label("BUD02", "unit", unit, f"{year}: December share of annual payments raised to {share:.2f}")
        b.label("ANM02", "unit", unit, f"secondary: the {year}-12 surge is also an outlying month")
        b.label("ANM04", "unit", unit, f"secondary: {year} December share far above peers")


#: BUD03 overspent lines: (year, unit, economic code, payments / adjusted budget, also a BUD05 case)
BUD03 = (
    (2024, "330500-016", "30213", 1.18, False),
    (2025, "330522-013", "30201", 1.12, False),
    (2025, "330521-013", "30217", 1.25, True),
)


def plant_bud03(b: _Builder, g: pd.DataFrame) -> None:
    """BUD03: lines overspent against their adjusted budget; one of them a 三公 line (BUD05 a)."""
    for year, unit, econ, f, sangong in BUD03:
        m = (g.year == year) & (g.unit_code == unit) & (g.economic_code == econ) & (g.project_code == "")
        g.loc[m, "adjusted_amount"] = g.loc[m, "amount"] / f
        g.loc[m, "original_amount"] = g.loc[m, "adjusted_amount"]
        r = g[m].iloc[0]
        lid = f"{year}|{unit}|{r.function_code}|{econ}|"
        b.label("BUD03", "budget_line", lid, f"line overspent: payments {f:.0%} of the adjusted budget")
        if sangong:
            b.label("BUD05", "unit", unit, f"{year}: 三公 outturn above the 三公 budget (reception overspent)")


#: BUD01 large 2026 allocations not yet spent by 30 June: (unit, allocation / the unit's 2026 budget, note)
BUD01 = (("330521-004", 2.5, "about 13%"), ("330503-009", 2.5, "about 13%"), ("330522-005", 0.8, "about 25%"))


def plant_bud01(b: _Builder, g: pd.DataFrame) -> list[dict]:
    """BUD01 and ANM05: large 2026 allocations not yet spent by 30 June (new budget lines, returned);
    the execution rate is also far below peers (ANM04, secondary)."""
    u = b.units
    extra = []
    for unit, f, note in BUD01:
        i = b.uidx(unit)
        total = g.loc[(g.unit_idx == i) & (g.year == 2026), "adjusted_amount"].sum()
        amt = total * f
        extra.append(
            {
                "year": 2026,
                "unit_idx": i,
                "function_code": u.func.iat[i],
                "economic_code": "30227",
                "project_code": f"ZX{unit}-202601",
                "original_amount": amt,
                "adjusted_amount": amt,
            }
        )
        b.label("BUD01", "unit", unit, f"2026 execution {note} at 30 June against 49.6% time progress")
        b.label("ANM05", "unit", unit, f"2026 execution {note} by June with a normal profile in earlier years")
        b.label("ANM04", "unit", unit, "secondary: 2026 execution rate far below peers")
    return extra


#: BUD06 stale carry-overs, untouched in 2026: (unit, from year, amount)
BUD06 = (("330500-010", 2024, 640_000.0), ("330522-011", 2023, 1_150_000.0))


def plant_bud06(b: _Builder, g: pd.DataFrame) -> list[dict]:
    """BUD06: carry-overs from before last year still unspent (new budget lines, returned)."""
    u = b.units
    extra = []
    for unit, from_year, amt in BUD06:
        i = b.uidx(unit)
        pc = f"JZ{unit}-{from_year}01"
        extra.append(
            {
                "year": 2026,
                "unit_idx": i,
                "function_code": u.func.iat[i],
                "economic_code": "31002",
                "project_code": pc,
                "original_amount": 0.0,
                "adjusted_amount": 0.0,
                "carryover_amount": amt,
                "carryover_from_year": from_year,
            }
        )
        b.label(
            "BUD06",
            "budget_line",
            f"2026|{unit}|{u.func.iat[i]}|31002|{pc}",
            f"carry-over of {amt:,.0f} from {from_year} still unspent in 2026",
        )
    return extra
