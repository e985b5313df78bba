"""Plants of the anomaly indicators (ANM01–ANM04); ANM05's case is planted with BUD01's
(:func:`fiscalrisk.samples.plants.budget.plant_bud01`).

Some of these draw from the builder's random stream: they run in the order of
:data:`fiscalrisk.samples.plants.PAYMENTS`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from fiscalrisk.samples.reference import _SEASON, _VENDOR_KINDS, _vendor_name

if TYPE_CHECKING:
    from fiscalrisk.samples.builder import _Builder

#: ANM04 units whose official reception per head is raised in the plan: (unit, factor)
ANM04 = (("330502-011", 9.0), ("330522-003", 9.0))


def plant_anm04(b: _Builder) -> None:
    """ANM04: 三公 reception per head far above same-kind peers (in the plan, before payments are drawn)."""
    for code, factor in ANM04:
        b.sg_reception[b.uidx(code)] *= factor
        b.label(
            "ANM04",
            "unit",
            code,
            "official reception (三公) per head about 9x that of same-kind peers, every year",
        )


#: ANM03 contingency allocations 60–90x the bureau's usual one: (bureau, day, payee)
ANM03 = (
    ("330500-001", "2024-07-31", "湖州市防汛防台抗旱指挥部办公室"),
    ("330521-001", "2025-10-31", "德清县应急抢险救灾指挥部办公室"),
    ("330522-001", "2025-03-31", "长兴县应急抢险救灾指挥部办公室"),
)


def plant_anm03(b: _Builder, pay: pd.DataFrame) -> None:
    """ANM03 payment outliers: an allocation from the contingency reserve 60-90x the bureau's usual one.

    The reserve's payments are regular, so the outlier stands out within the economic group of its
    region as well as against the unit's own history. The month it falls in is necessarily an
    outlying month for the bureau too (ANM02, labelled as secondary).
    """
    ui = pay.unit_idx.to_numpy()
    for unit, day, payee in ANM03:
        usual = float(
            pay.loc[(ui == b.uidx(unit)) & (pay.economic_code == "39999").to_numpy(), "amount"].median()
        )
        ratio = float(b.rng.uniform(60, 90))
        amt = round(usual * ratio, 2)
        note = f"contingency allocation {amt:,.2f}, about {ratio:.0f}x the bureau's usual {usual:,.2f}"
        b.pp(unit, day, "39999", payee, amt, ptype="government", function_code="2270000", tags=(("ANM03", note),))
        b.label("ANM02", "unit", unit, f"secondary: the {day[:7]} contingency allocation makes an outlying month")


#: ANM01 fabricated amounts: (unit, year, number of payments in the small sample, the test they fail)
ANM01 = (("330522-017", 2025, 3050, "first-two digits"), ("330503-014", 2024, 700, "first digit"))


def plant_anm01(b: _Builder, pay: pd.DataFrame) -> None:
    """ANM01: fabricated amounts just under approval limits 5,000 / 10,000 (first digits 4 and 9)."""
    rng = b.rng
    for unit, year, n, test in ANM01:
        i = b.uidx(unit)
        n = int(n * (1 + b.density / 10))  # stay a clear share of the unit's payments at any size
        lim = rng.choice([5_000.0, 10_000.0, 50_000.0], size=n, p=[0.45, 0.45, 0.10])
        amt = np.round(lim * rng.uniform(0.88, 0.999, n), 2)
        mo = rng.choice(12, size=n, p=_SEASON)
        day = b.cal.random_day(rng, np.full(n, year), mo)
        vend = [_vendor_name(("日用百货", "劳保用品", "五金")[k % 3], k % 300) for k in range(n)]
        fab = pd.DataFrame(
            {
                "unit_idx": i,
                "year": year,
                "month": mo,
                "pay_date": day,
                "economic_code": np.where(np.arange(n) % 2, "30299", "30201"),
                "payee_name": vend,
                "payee_type": "organization",
                "method": "transfer",
                "amount": amt,
                "kind": "fabricated",
                "function_code": b.units.func.iat[i],
                "project_code": "",
                "contract_id": "",
                "_tags": "",
            }
        )
        b.fabricated.append(fab)
        b.label(
            "ANM01",
            "unit",
            unit,
            f"{year}: {n} fabricated amounts just under 5,000/10,000/50,000 "
            f"approval limits ({test} test nonconforming)",
        )
        region = b.units.region_code.iat[i]
        b.label(
            "ANM01",
            "region",
            region,
            f"secondary: {year} region-level test carries the fabricated amounts of {unit}",
        )


#: ANM02 spike months: (unit, month)
ANM02 = (("330521-009", "2025-05"), ("330500-017", "2024-09"))


def plant_anm02(b: _Builder, pay: pd.DataFrame) -> None:
    """ANM02: a spike month, about 8x the unit's normal monthly spending."""
    rng = b.rng
    ui = pay.unit_idx.to_numpy()
    for unit, ym in ANM02:
        i = b.uidx(unit)
        y = int(ym[:4])
        normal = float(pay.loc[(ui == i) & (pay.year == y).to_numpy(), "amount"].sum()) / 12
        target = 7.0 * normal
        k = int(np.ceil(target / 250_000))
        amts = np.round(target / k * rng.uniform(0.9, 1.1, k), 2)
        days = b.cal.random_day(rng, np.full(k, y), np.full(k, int(ym[5:]) - 1))
        for j in range(k):
            vendor = _vendor_name(_VENDOR_KINDS["30227"][j % 3], 300 + j)
            b.pp(unit, days[j], "30227" if j % 2 else "31002", vendor, amts[j])
        b.label("ANM02", "unit", unit, f"{ym}: {k} one-off purchases make the month about 8x normal spending")
