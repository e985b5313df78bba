"""Plants of the contract indicators (CON01–CON05).

CON02 runs on the payments (:data:`fiscalrisk.samples.plants.PAYMENTS`); the others register their
contracts (and the procurements before them) and plant the payments that make them visible, in the
order of :data:`fiscalrisk.samples.plants.DOCUMENTS` (contract ids are numbered in that order).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from fiscalrisk.samples.plants.common import Payment, plant_payment_rows
from fiscalrisk.samples.reference import _d

if TYPE_CHECKING:
    from fiscalrisk.samples.builder import _Builder

#: A planted contract: (unit, vendor, category, amount, signed, start, end, registration extras,
#: economic code of its payments, its payments (day, amount), note). Extras: ``item`` and
#: ``item_category`` of its procurement, ``award_date``, or ``procure=False`` for none.
Contract = tuple[str, str, str, float, str, str, str, dict[str, Any], str, tuple[tuple[str, float], ...], str]


def _plant_contracts(b: _Builder, code: str, cases: tuple[Contract, ...]) -> None:
    """Register each contract, plant its payments (the last one carries no label: the contract is the
    subject) and label the contract."""
    for unit, vendor, category, amount, signed, start, end, extra, econ, payments, note in cases:
        kw = {k: _d(v) if k == "award_date" else v for k, v in extra.items()}
        cid = b.new_contract(
            unit_code=unit,
            vendor_name=vendor,
            category=category,
            amount=amount,
            signed_date=_d(signed),
            start_date=_d(start),
            end_date=_d(end),
            **kw,
        )
        for day, amt in payments:
            b.pp(unit, day, econ, vendor, amt, contract_id=cid)
        b.label(code, "contract", cid, note)


CON01: tuple[Contract, ...] = (
    ("330500-012", "湖州明辉管理咨询有限公司", "services", 600_000.00, "2025-01-20", "2025-02-01", "2025-11-30",
     {"item": "文化活动策划服务", "item_category": "C23120000"}, "30227",
     (("2025-03-11", 180_250.60), ("2025-07-15", 300_360.20), ("2025-12-09", 209_420.80)),
     "paid 690,031.60 on a 600,000.00 contract (115%)"),
    ("330523-008", "湖州凯旋家具有限公司", "goods", 450_000.00, "2024-03-25", "2024-04-01", "2024-09-30",
     {"item": "办公家具", "item_category": "A06010100"}, "31002",
     (("2024-05-20", 180_000.15), ("2024-10-15", 300_150.15)),
     "paid 480,150.30 on a 450,000.00 contract (107%)"),
)


def plant_con01(b: _Builder) -> None:
    """CON01: paid above the contract amount."""
    _plant_contracts(b, "CON01", CON01)


CON02: tuple[Payment, ...] = (
    ("330500-019", "2025-09-16", "30227", "湖州中创信息技术有限公司", 612_345.60,
     "612,345.60 for commissioned services with no contract", {}),
    ("330522-011", "2024-10-22", "31002", "湖州汇通电子设备有限公司", 1_083_210.45,
     "1,083,210.45 of equipment with no contract", {}),
)


def plant_con02(b: _Builder, pay: pd.DataFrame) -> None:
    """CON02: large payments without a contract."""
    plant_payment_rows(b, "CON02", CON02)


CON03: tuple[Contract, ...] = (
    ("330503-013", "湖州同创软件有限公司", "goods", 1_350_000.00, "2025-03-28", "2025-04-01", "2025-09-30",
     {"procure": False}, "31007", (("2025-04-15", 270_000.37), ("2025-10-21", 1_079_999.63)),
     "1,350,000.00 goods contract with no procurement"),
    ("330521-010", "湖州弘毅管理咨询有限公司", "services", 880_000.00, "2025-03-05", "2025-03-10", "2025-12-31",
     {"award_date": "2025-03-20", "item": "水资源规划编制", "item_category": "C19990000"}, "30227",
     (("2025-06-17", 250_430.30), ("2025-11-18", 420_120.55)),
     "signed 2025-03-05, before the award on 2025-03-20"),
)


def plant_con03(b: _Builder) -> None:
    """CON03: no procurement above the decentralised limit; signed before the award."""
    _plant_contracts(b, "CON03", CON03)


CON04: tuple[Contract, ...] = (
    ("330500-020", "湖州卓越网络科技有限公司", "goods", 2_000_000.00, "2025-12-19", "2026-01-01", "2027-12-31",
     {"item": "视频监控平台", "item_category": "A02100000"}, "31007",
     (("2026-01-20", 600_120.40), ("2026-03-18", 1_100_129.90)),
     "85% paid with 25% of the 2-year term elapsed (alert)"),
    ("330502-013", "湖州南太检测技术有限公司", "services", 500_000.00, "2026-02-24", "2026-03-01", "2027-02-28",
     {"item": "审计辅助服务", "item_category": "C23090000"}, "30227",
     (("2026-03-10", 150_030.25), ("2026-05-12", 200_150.40)),
     "70% paid with 33% of the term elapsed (warning)"),
)


def plant_con04(b: _Builder) -> None:
    """CON04: paid far ahead of the contract term (as of 2026-06-30)."""
    _plant_contracts(b, "CON04", CON04)


#: CON05 contracts paid to someone else: (unit, contractor, payee, day, amount); a quarter of the contract
CON05 = (
    ("330503-010", "湖州华宇信息技术有限公司", "湖州金桥商贸有限公司", "2025-07-22", 186_420.30),
    ("330522-013", "湖州立信管理咨询有限公司", "杭州远航咨询服务有限公司", "2024-05-28", 95_310.60),
)


def plant_con05(b: _Builder) -> None:
    """CON05: the payee differs from the contractor (the payment is the subject)."""
    for unit, vendor, payee, day, amt in CON05:
        cid = b.new_contract(
            unit_code=unit,
            vendor_name=vendor,
            category="services",
            amount=round(amt * 3, 2),
            signed_date=np.datetime64(day) - 60,
            start_date=np.datetime64(day) - 50,
            end_date=np.datetime64(day) + 200,
            item="信息技术服务",
            item_category="C16000000",
        )
        note = f"contract with {vendor} paid to {payee}"
        b.pp(unit, day, "30227", payee, amt, contract_id=cid, tags=(("CON05", note),))
