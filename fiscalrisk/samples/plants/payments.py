"""Plants of the payment indicators (PAY01–PAY09): one function per indicator, each a table of cases.

They run on the finished background payments (``pay``, with an empty ``_tags`` column); planted
payments are added through :meth:`~fiscalrisk.samples.builder._Builder.pp`, background payments are
changed in place.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from fiscalrisk.samples.plants.common import Payment, mark, plant_payment_rows

if TYPE_CHECKING:
    from fiscalrisk.samples.builder import _Builder

#: PAY05 payroll released on a non-working day: (unit, economic code, drawn from [start, end), moved to, note)
PAY05_PAYROLL = (
    ("330500-024", "30101", "2025-03-01", "2025-04-01", "2025-03-16",
     "payroll above 1,000,000 released on Sunday 2025-03-16 (alert)"),
)
#: PAY05 small discretionary payments moved to a holiday: (unit, day, note)
PAY05_HOLIDAY = (
    ("330502-008", "2024-10-03", "paid on the National Day holiday"),
    ("330521-007", "2025-06-01", "paid on a Sunday during the Dragon Boat holiday"),
)


def plant_pay05(b: _Builder, pay: pd.DataFrame) -> None:
    """PAY05: payments on non-working days (background payments moved there)."""
    ui = pay.unit_idx.to_numpy()
    for unit, econ, start, end, day, note in PAY05_PAYROLL:
        m = (
            (ui == b.uidx(unit))
            & (pay.economic_code == econ).to_numpy()
            & ((pay.pay_date >= pd.Timestamp(start)) & (pay.pay_date < pd.Timestamp(end))).to_numpy()
        )
        mark(pay, m, f"PAY05:{note}", pay_date=pd.Timestamp(day))
    for unit, day, note in PAY05_HOLIDAY:
        m = (
            (ui == b.uidx(unit))
            & (pay.kind == "flex").to_numpy()
            & (pay.amount < 100_000).to_numpy()
            & (pay.year == int(day[:4])).to_numpy()
        )
        mark(pay, m, f"PAY05:{note}", pay_date=pd.Timestamp(day), month=int(day[5:7]) - 1)


#: PAY01 transfers to the unit's own account: (unit, day, amount); the payee is the unit's account
PAY01 = (("330503-003", "2025-04-17", 286_530.40), ("330521-012", "2025-09-09", 45_200.75))


def plant_pay01(b: _Builder, pay: pd.DataFrame) -> None:
    """PAY01: transfers from the treasury to a unit's own real-fund account."""
    uname = dict(zip(b.units.unit_code, b.units.name, strict=True))
    note = "transfer from the treasury to the unit's own real-fund account"
    cases: list[Payment] = [
        (unit, day, "30227", f"{uname[unit]}（实有资金账户）", amt, note, {}) for unit, day, amt in PAY01
    ]
    plant_payment_rows(b, "PAY01", cases, ptype="own_account")


PAY02: tuple[Payment, ...] = (
    ("330500-018", "2025-05-21", "30227", "刘建平", 8_650.40, "consulting fee paid to a private person (warning)", {}),
    ("330522-010", "2024-09-12", "30227", "陈国华", 68_230.55,
     "commissioned-service fee paid to a private person (alert)", {}),
)


def plant_pay02(b: _Builder, pay: pd.DataFrame) -> None:
    """PAY02: service fees paid to private persons."""
    plant_payment_rows(b, "PAY02", PAY02, ptype="individual")


PAY03: tuple[Payment, ...] = (
    ("330502-006", "2025-07-08", "30299", "湖州恒达商贸有限公司", 36_480.20, "single cash payment above 20,000 (warning)", {}),
    ("330523-003", "2024-12-10", "30299", "湖州永盛印务有限公司", 62_310.75, "single cash payment above 50,000 (alert)", {}),
)


def plant_pay03(b: _Builder, pay: pd.DataFrame) -> None:
    """PAY03: large cash payments."""
    plant_payment_rows(b, "PAY03", PAY03, method="cash")


PAY04: tuple[Payment, ...] = (
    ("330521-006", "2025-03-26", "30215", "湖州太湖酒店管理有限公司", 2_680.00,
     "conference costs paid in cash instead of the official card", {}),
    ("330503-012", "2024-06-18", "30211", "张丽", 3_240.50,
     "travel expenses paid in cash instead of the official card", {"ptype": "individual"}),
)


def plant_pay04(b: _Builder, pay: pd.DataFrame) -> None:
    """PAY04: cash on codes of the official-card catalogue."""
    plant_payment_rows(b, "PAY04", PAY04, method="cash")


#: PAY06 split payments; the label's subject is the payment that completes the split
PAY06: tuple[Payment, ...] = (
    ("330500-015", "2025-04-08", "30213", "湖州鑫茂建材有限公司", 128_430.50, "", {}),
    ("330500-015", "2025-04-17", "30213", "湖州鑫茂建材有限公司", 117_260.35, "", {}),
    ("330500-015", "2025-04-28", "30213", "湖州鑫茂建材有限公司", 96_815.20,
     "three repairs to one vendor within 20 days, each below 300,000, together 342,506.05", {}),
    ("330503-002", "2024-07-09", "30227", "湖州智汇数据科技有限公司", 268_540.40, "", {}),
    ("330503-002", "2024-07-18", "30227", "湖州智汇数据科技有限公司", 275_310.85,
     "two payments of 0.8-1.0 x 300,000 to one vendor within 9 days (alert)", {}),
)


def plant_pay06(b: _Builder, pay: pd.DataFrame) -> None:
    """PAY06: payments split below the approval limit."""
    plant_payment_rows(b, "PAY06", PAY06)


#: PAY07 duplicates: (unit, first day, second day, economic code, payee, amount); the later one is the subject
PAY07 = (
    ("330521-002", "2025-05-12", "2025-05-15", "30201", "湖州华宇办公用品有限公司", 45_678.90),
    ("330522-008", "2024-11-04", "2024-11-06", "30213", "湖州瑞丰机电设备有限公司", 23_456.70),
)


def plant_pay07(b: _Builder, pay: pd.DataFrame) -> None:
    """PAY07: the same payment made twice within days and not refunded."""
    note = "same unit, payee and amount paid twice within 3 days, not refunded"
    cases: list[Payment] = []
    for unit, d1, d2, econ, payee, amt in PAY07:
        cases += [(unit, d1, econ, payee, amt, "", {}), (unit, d2, econ, payee, amt, note, {})]
    plant_payment_rows(b, "PAY07", cases)


PAY08: tuple[Payment, ...] = (
    ("330500-014", "2025-06-10", "30227", "湖州立信管理咨询有限公司", 120_000.00, "round 120,000.00 for consulting", {}),
    ("330523-006", "2024-08-14", "30227", "湖州博远检测技术有限公司", 350_000.00,
     "round 350,000.00 for testing services", {}),
)


def plant_pay08(b: _Builder, pay: pd.DataFrame) -> None:
    """PAY08: large round amounts."""
    plant_payment_rows(b, "PAY08", PAY08)


PAY09: tuple[Payment, ...] = (
    ("330502-004", "2026-01-12", "30201", "湖州嘉禾文化用品有限公司", 18_560.30,
     "paid 2026-01-12 on the 2025 budget line, no carry-over", {"budget_year": 2025}),
    ("330523-009", "2026-01-20", "30213", "湖州天成建筑工程有限公司", 42_180.65,
     "paid 2026-01-20 on the 2025 budget line, no carry-over", {"budget_year": 2025}),
)


def plant_pay09(b: _Builder, pay: pd.DataFrame) -> None:
    """PAY09: paid in the new year on the last year's budget without a carry-over."""
    plant_payment_rows(b, "PAY09", PAY09)
