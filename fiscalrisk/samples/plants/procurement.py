"""Plants of the procurement indicators (PRC01–PRC06), run in the order of
:data:`fiscalrisk.samples.plants.DOCUMENTS` (procurement ids are numbered in that order; PRC05 draws
from the builder's random stream)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fiscalrisk.samples.reference import _VENDOR_KINDS, _d, _vendor_name

if TYPE_CHECKING:
    from fiscalrisk.samples.builder import _Builder


def _award(b: _Builder, unit: str, award: float, award_date: str, winner: str, category: str = "goods",
           **over: Any) -> str:
    """Register a procurement awarded on ``award_date`` (a contract would follow ten days later)."""
    return b.new_procurement(
        unit, category, award, winner, before=_d(award_date) + 10, award_date=_d(award_date), **over
    )


#: PRC01 open tenders with too few bidders: (unit, award, award date, winner, item, item category, bidders, note)
PRC01 = (
    ("330500-009", 3_150_000.00, "2025-05-20", "湖州荣盛农业科技有限公司", "农业物联网设备", "A02109900", 1,
     "open tender with a single bidder (alert)"),
    ("330522-012", 2_480_000.00, "2024-08-13", "湖州东升检测技术有限公司", "检验检测设备", "A02100300", 2,
     "open tender with two bidders (warning)"),
)


def plant_prc01(b: _Builder) -> None:
    """PRC01: open tenders with fewer than three bidders."""
    for unit, award, day, winner, item, cat, bidders, note in PRC01:
        pid = _award(b, unit, award, day, winner, item=item, item_category=cat, method="open_tender", bidders=bidders)
        b.label("PRC01", "procurement", pid, note)


#: PRC02 bidding periods below the legal minimum: (unit, award, award date, winner, category, item,
#: item category, method, notice date, bid deadline, note)
PRC02 = (
    ("330521-003", 2_860_000.00, "2025-09-10", "湖州海纳医疗器械有限公司", "goods", "医疗设备", "A03200000",
     "open_tender", "2025-08-22", "2025-09-03",
     "open tender with 12 days from notice to bid deadline (minimum 20)"),
    ("330503-005", 1_260_000.00, "2024-04-16", "湖州长青人力资源有限公司", "services", "就业服务外包", "C22010000",
     "competitive_consultation", "2024-04-01", "2024-04-07",
     "competitive consultation with 6 days to bid (minimum 10)"),
)


def plant_prc02(b: _Builder) -> None:
    """PRC02: notice to bid deadline shorter than the legal minimum."""
    for unit, award, day, winner, category, item, cat, method, notice, deadline, note in PRC02:
        pid = _award(b, unit, award, day, winner, category=category, item=item, item_category=cat, method=method)
        row = b.procurement[-1]
        row["notice_date"] = _d(notice)
        row["bid_deadline"] = _d(deadline)
        b.label("PRC02", "procurement", pid, note)


#: PRC03 purchases split below the decentralised limit: (unit, category, item, item category, award
#: dates, awards); each at 95 % of its estimate, the last one is the subject
PRC03 = (
    ("330500-004", "goods", "台式计算机", "A02010104", ("2025-03-10", "2025-05-14"), (498_000.20, 511_500.45)),
    ("330523-004", "works", "办公楼维修改造", "B07010000", ("2024-06-04", "2024-08-20"), (618_600.35, 625_300.80)),
)


def plant_prc03(b: _Builder) -> None:
    """PRC03: two purchases of one item within 90 days, each below the decentralised limit, together above."""
    for unit, category, item, cat, dates, amts in PRC03:
        pid = ""
        for k, (d, a) in enumerate(zip(dates, amts, strict=True)):
            winner = _vendor_name(_VENDOR_KINDS["31002"][k], 420 + k)
            pid = _award(b, unit, a, d, winner, category=category, item=item, item_category=cat, method="inquiry")
            b.procurement[-1]["estimated_amount"] = round(a / 0.95, 2)
        b.label(
            "PRC03",
            "procurement",
            pid,
            f"two {item} purchases within 90 days, each below the decentralised limit, together above it",
        )


#: PRC04 single-source purchases of 1,620,000 dominating the unit's year: (unit, award date)
PRC04 = (("330502-009", "2025-06-24"), ("330521-008", "2025-04-15"))


def plant_prc04(b: _Builder) -> None:
    """PRC04: single source above the limit, more than 30 % of the unit's procurement value."""
    for unit, d in PRC04:
        _award(b, unit, 1_620_000.00, d, "湖州富春交通设备有限公司", item="专用设备", item_category="A02060000",
               method="single_source", bidders=1)
        b.label("PRC04", "unit", unit, "2025: single-source purchase of 1,620,000 (above the limit; >30% of value)")


#: PRC05 supplier concentration: units whose 2025 awards go 5 of 6 to one supplier
PRC05 = ("330500-005", "330523-002")


def plant_prc05(b: _Builder) -> None:
    """PRC05: 5 of 6 awards to one supplier (awards drawn from the builder's stream)."""
    for unit in PRC05:
        for k in range(6):
            winner = "湖州吴越信息技术有限公司" if k < 5 else "湖州菰城印务有限公司"
            _award(b, unit, float(b.rng.uniform(150_000, 420_000)), f"2025-{2 * k + 1:02d}-15", winner,
                   category="services", item=f"信息化运维服务（{k + 1}期）", item_category=f"C1600000{k}")
        b.label("PRC05", "unit", unit, "2025: 5 of 6 awards to one supplier (HHI above 0.5)")


#: PRC06 awards at 99.8 % of the estimate: (unit, award date, award)
PRC06 = (("330522-004", "2025-07-08", 1_486_300.00), ("330503-011", "2024-10-15", 1_137_900.00))


def plant_prc06(b: _Builder) -> None:
    """PRC06: the award at the estimate."""
    for unit, d, a in PRC06:
        pid = _award(b, unit, a, d, "湖州泰和医疗科技有限公司", item="医用耗材配送", item_category="C99000000",
                     category="services", method="competitive_consultation")
        b.procurement[-1]["estimated_amount"] = round(a / 0.998, 2)
        b.label("PRC06", "procurement", pid, "award at 99.8% of the estimate")
