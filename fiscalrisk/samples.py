"""Synthetic Huzhou-like fiscal data with planted, labelled risk cases.

The sample imitates what the Huzhou (湖州市, Zhejiang) finance bureau would hand to fiscalrisk: the
city → county → township tree, about 150 budget units, four budget years (2023–2025 completed, 2026
up to 30 June), treasury payment lines, contracts, procurement, construction projects, assets, the
e-seal log, revenue and the internal-control checklist (``shared/spec/data-contract.md``).

Everything is drawn from ``numpy.random.default_rng(seed)``: the same seed gives the same tables and,
through :func:`write`, byte-identical files. The current date is never read.

The background is built to be *clean* under the default thresholds of the indicator catalogue
(``shared/spec/indicators.md``) and the local limits in ``params/``: payments fall on working days,
amounts are log-uniform over several decades (so their leading digits follow Benford's law), recurring
payments are stratified across units for the same reason, unit spending follows one seasonal profile with a moderate
December peak, recurring payments are sized or spaced so that they never look like split payments,
contracts are procured before they are signed and paid in step with their term, and so on. On top of
it, clear cases of every indicator are planted and listed in ``labels`` (indicator, subject_type,
subject_id, note): the ground truth a scan is measured against.

Some planted cases necessarily show up in more than one indicator (a December surge is also an
outlying month and an outlying December share among peers); those secondary effects are labelled
too, with a note saying so (for example the region-level Benford test of the two regions that hold
the units with fabricated amounts). Deliberate background signals that are *not* labelled:

- duplicate payments reversed by a refund (:meth:`_Builder.refunds`): a correct PAY07 must not flag them;
- peer comparison (ANM04): units that run construction programmes (住建, 交通, 水利) and the finance
  bureaus that disburse the contingency reserve pay proportionally less to individuals and, in 2026,
  execute faster than their peers; a peer test may list them for review, which is what it is for;
- monthly STL residuals (ANM02): on 42 months a robust z of STL residuals exceeds 3.5 for a large
  share of purely Gaussian series, so a detector needs a residual scale that accounts for that;
  the background itself has no spikes beyond planned contract and project instalments.

Sizes (``fiscalrisk sample --size``):

- ``small`` (default): Huzhou, 16 regions, 150 units, about 50,000 payments; CSV files, a few MB.
- ``full``: the same city with about 1.2 million payments (discretionary payments 100x denser,
  seal events 15x); CSV.
- ``province``: a province root (浙江省 330000) over ten Huzhou-like cities of size ``full``
  (50 counties, 100 townships, 1,500 units, about 12 million payments), written city by city as
  Parquet with payments partitioned by county (``payments/county=<code>/part-<NNNNN>.parquet``);
  see :mod:`fiscalrisk.samples_province` for the layout.
- ``province-small``: the same layout with three cities of size ``small`` (15 counties, 450 units,
  about 140,000 payments), for tests.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

import chinese_calendar
import numpy as np
import pandas as pd

from fiscalrisk import samples_performance
from fiscalrisk.data.schema import TABLES

__all__ = ["ALL_SIZES", "SIZES", "PROVINCE_SIZES", "AS_OF", "YEARS", "generate", "write"]

#: Generation sizes of one city. ``density`` multiplies the number of discretionary payments per
#: budget line; ``seals`` the number of e-seal events per unit and year.
SIZES: dict[str, dict[str, float]] = {
    "small": {"density": 0.3, "seals": 0.2},
    "full": {"density": 30.0, "seals": 3.0},
}
#: Province sizes, written by :mod:`fiscalrisk.samples_province` (cities of size small or full).
PROVINCE_SIZES = ("province", "province-small")
#: Every size ``write`` (and ``fiscalrisk sample --size``) accepts.
ALL_SIZES = (*SIZES, *PROVINCE_SIZES)

YEARS: tuple[int, ...] = (2023, 2024, 2025, 2026)
COMPLETED_YEARS: tuple[int, ...] = (2023, 2024, 2025)
#: The last pay_date of the sample, hence the default as_of of a scan over it.
AS_OF = dt.date(2026, 6, 30)
_AS_OF64 = np.datetime64(AS_OF.isoformat())

# Monthly profile of discretionary spending (goods and services, small equipment). The December
# weight makes unit-level December shares land around 0.12–0.15 once flat payroll is added: the
# year-end peak every finance bureau sees, well below BUD02's 0.25 warning.
_SEASON = np.array([0.055, 0.060, 0.075, 0.075, 0.080, 0.085, 0.080, 0.080, 0.085, 0.085, 0.095, 0.145])
_FLAT = np.full(12, 1 / 12)

# Treasury split-payment threshold (PAY06) and the margins the background keeps from it.
_SPLIT_T = 300_000.0
_LOW_BAND = 130_000.0  # two monthly payments below this (plus noise) stay below T
_HIGH_BAND = 330_000.0  # payments at or above T (even after noise) are not part of a split

# Local limits set in the regions' params files (params/<region>.yaml) that the background must also
# respect; a limit applies to the region's whole subtree, the strictest one wins.
_LOCAL_SPLIT_T = {"330521": 200_000.0, "330503102": 100_000.0}  # PAY06 threshold
_LOCAL_NO_CONTRACT = {"330523102": 200_000.0}  # CON02 min_amount
_ROUND_FROM = 50_000.0  # PAY08 min_amount (南浔区 reviews round amounts from 50,000)

# 三公经费 economic codes (BUD05, ANM04).
_SANGONG = ("30212", "30217", "30231", "31013")

# ---------------------------------------------------------------------------------------------------
# Reference data: the region tree, unit names, classifications
# ---------------------------------------------------------------------------------------------------

_REGIONS: tuple[tuple[str, str, str, str], ...] = (
    ("330500", "湖州市", "city", ""),
    ("330502", "吴兴区", "county", "330500"),
    ("330502104", "织里镇", "township", "330502"),
    ("330502105", "八里店镇", "township", "330502"),
    ("330503", "南浔区", "county", "330500"),
    ("330503101", "南浔镇", "township", "330503"),
    ("330503102", "练市镇", "township", "330503"),
    ("330521", "德清县", "county", "330500"),
    ("330521102", "新市镇", "township", "330521"),
    ("330521103", "乾元镇", "township", "330521"),
    ("330522", "长兴县", "county", "330500"),
    ("330522101", "雉城街道", "township", "330522"),
    ("330522102", "泗安镇", "township", "330522"),
    ("330523", "安吉县", "county", "330500"),
    ("330523101", "递铺街道", "township", "330523"),
    ("330523102", "孝丰镇", "township", "330523"),
)

# (name suffix, function code of its 行政运行 / core service, sector tag, headcount range)
_DEPTS_CITY = (
    ("财政局", "2010601", "finance", (60, 110)),
    ("教育局", "2050101", "education", (40, 80)),
    ("卫生健康局", "2100101", "health", (40, 80)),
    ("民政局", "2080201", "civil", (30, 60)),
    ("人力资源和社会保障局", "2080101", "hr", (40, 80)),
    ("自然资源和规划局", "2200101", "land", (50, 100)),
    ("住房和城乡建设局", "2120101", "construction", (40, 90)),
    ("交通运输局", "2140101", "transport", (40, 90)),
    ("农业农村局", "2130101", "agri", (40, 80)),
    ("水利局", "2130301", "water", (30, 60)),
    ("商务局", "2011301", "commerce", (25, 50)),
    ("文化广电旅游局", "2070101", "culture", (30, 60)),
    ("审计局", "2010801", "audit", (25, 50)),
    ("统计局", "2010501", "stats", (20, 40)),
    ("市场监督管理局", "2013801", "market", (60, 120)),
    ("生态环境局", "2110101", "env", (30, 60)),
    ("应急管理局", "2240101", "emergency", (25, 50)),
    ("发展和改革委员会", "2010401", "ndrc", (30, 60)),
    ("经济和信息化局", "2150501", "industry", (30, 60)),
    ("公安局", "2040201", "police", (90, 160)),
)
_INST_CITY = (
    ("湖州中学", "2050204", "school", (150, 260)),
    ("湖州市第二中学", "2050204", "school", (120, 220)),
    ("湖州市第一人民医院", "2100201", "hospital", (900, 1400)),
    ("湖州市中心医院", "2100201", "hospital", (800, 1300)),
    ("湖州市妇幼保健院", "2100403", "hospital", (300, 500)),
    ("湖州市疾病预防控制中心", "2100401", "cdc", (80, 140)),
    ("湖州市图书馆", "2070104", "library", (40, 70)),
    ("湖州市博物馆", "2070205", "museum", (30, 60)),
    ("湖州职业技术学院", "2050305", "college", (400, 650)),
    ("湖州市公共资源交易中心", "2019999", "exchange", (25, 45)),
)
_DEPTS_COUNTY = _DEPTS_CITY[:11] + (_DEPTS_CITY[14], _DEPTS_CITY[12])
_INST_COUNTY = (
    ("第一中学", "2050204", "school", (120, 220)),
    ("实验小学", "2050202", "school", (80, 150)),
    ("实验初级中学", "2050203", "school", (80, 160)),
    ("人民医院", "2100201", "hospital", (600, 1000)),
    ("中医院", "2100202", "hospital", (300, 550)),
    ("疾病预防控制中心", "2100401", "cdc", (40, 80)),
    ("职业中等专业学校", "2050302", "school", (100, 180)),
)
_INST_TOWNSHIP = ("卫生院", "2100302", "hospital", (40, 90))

_ECON_NAMES = {
    "30101": "基本工资",
    "30102": "津贴补贴",
    "30103": "奖金",
    "30107": "绩效工资",
    "30108": "机关事业单位基本养老保险缴费",
    "30110": "职工基本医疗保险缴费",
    "30113": "住房公积金",
    "30201": "办公费",
    "30205": "水费",
    "30206": "电费",
    "30207": "邮电费",
    "30209": "物业管理费",
    "30211": "差旅费",
    "30212": "因公出国（境）费用",
    "30213": "维修（护）费",
    "30214": "租赁费",
    "30215": "会议费",
    "30216": "培训费",
    "30217": "公务接待费",
    "30226": "劳务费",
    "30227": "委托业务费",
    "30229": "福利费",
    "30231": "公务用车运行维护费",
    "30239": "其他交通费用",
    "30299": "其他商品和服务支出",
    "30302": "退休费",
    "31002": "办公设备购置",
    "31005": "基础设施建设",
    "31007": "信息网络及软件购置更新",
    "39999": "其他支出",
}
_PAYROLL_CODES = ("30101", "30102", "30107", "30199")
_ECON_NAMES["30199"] = "其他工资福利支出"

# Discretionary lines: code -> (share of the unit's discretionary budget, payments per year in the
# small sample, log-sd of amounts, payee kind). Payee kinds decide payee_type and method.
_DISCRETIONARY: dict[str, tuple[float, float, float, str]] = {
    "30201": (0.16, 9, 1.0, "vendor"),
    "30211": (0.10, 9, 0.9, "travel"),
    "30213": (0.13, 5, 1.1, "vendor"),
    "30215": (0.04, 2, 0.8, "vendor"),
    "30216": (0.06, 3, 0.9, "vendor"),
    "30226": (0.07, 5, 0.9, "person"),
    "30227": (0.20, 5, 1.1, "vendor"),
    "30229": (0.04, 4, 0.9, "person_cash"),
    "30239": (0.04, 4, 0.9, "vendor"),
    "30299": (0.08, 6, 1.0, "vendor_cash"),
    "31002": (0.08, 2, 0.9, "vendor"),
}
_PURPOSE = {
    "30201": "办公用品采购",
    "30211": "差旅费报销",
    "30213": "设备维修维护",
    "30215": "会议费",
    "30216": "业务培训费",
    "30226": "劳务报酬",
    "30227": "委托业务服务费",
    "30229": "职工福利",
    "30239": "交通补贴",
    "30299": "其他商品服务",
    "31002": "办公设备购置",
    "30217": "公务接待",
    "30231": "公务用车加油维护",
    "30212": "因公出国（境）",
    "30205": "水费",
    "30206": "电费",
    "30207": "通信网络费",
    "30209": "物业管理服务",
    "31007": "信息化系统建设",
    "31005": "工程进度款",
    "30108": "养老保险缴费",
    "30110": "医疗保险缴费",
    "30113": "住房公积金",
    "39999": "预备费安排支出",
    "30101": "工资",
    "30102": "津贴补贴",
    "30107": "绩效工资",
    "30199": "其他工资福利",
    "30103": "年终奖金",
    "30214": "场地租赁费",
    "30302": "退休费",
}

_SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程沈")
_GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红建文辉宁国林鹏斌")
_BRANDS = [
    "鑫源",
    "华宇",
    "恒达",
    "瑞丰",
    "宏泰",
    "金桥",
    "天成",
    "博远",
    "嘉禾",
    "正大",
    "新辰",
    "汇通",
    "永盛",
    "中创",
    "德信",
    "万达",
    "锦程",
    "东升",
    "海纳",
    "立信",
    "卓越",
    "美佳",
    "同创",
    "弘毅",
    "安泰",
    "明辉",
    "凯旋",
    "兴业",
    "荣盛",
    "远航",
    "泰和",
    "长青",
    "富春",
    "太湖",
    "苕溪",
    "莫干",
    "竹海",
    "南太",
    "吴越",
    "菰城",
]
_VENDOR_KINDS = {
    "30201": ["办公用品", "文化用品", "商贸"],
    "30213": ["机电设备", "建筑工程", "电梯维保"],
    "30215": ["会展服务", "酒店管理"],
    "30216": ["教育科技", "培训服务"],
    "30227": ["信息技术", "管理咨询", "检测技术"],
    "30299": ["商贸", "印务", "广告"],
    "31002": ["数码科技", "电子设备", "家具"],
    "30209": ["物业管理", "物业服务"],
    "31007": ["软件", "网络科技", "数据科技"],
    "31005": ["建设", "交通建设", "水利建设"],
    "30217": ["餐饮管理", "酒店管理"],
    "30211": ["酒店管理", "旅行社"],
    "30212": ["国际旅行社"],
    "30239": ["出租汽车", "公共交通"],
}


def _vendor_name(kind: str, i: int) -> str:
    """A deterministic company name; construction firms are provincial (浙江), others local."""
    brand = _BRANDS[i % len(_BRANDS)]
    prefix = "浙江" if kind.endswith("建设") else "湖州"
    n = i // len(_BRANDS)
    suffix = "" if n == 0 else "第二" if n == 1 else f"第{n + 1}"
    return f"{prefix}{brand}{kind}{suffix}有限公司"


# ---------------------------------------------------------------------------------------------------
# Working days
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Calendar:
    """Working days of 2022-10-01 … 2026-12-31 from ``chinese_calendar`` (statutory holidays, 调休)."""

    days: np.ndarray  # datetime64[D] of every working day, ascending
    month_start: np.ndarray  # index into ``days`` of the first working day of each (year, month)
    month_count: np.ndarray  # number of working days of each (year, month)
    first_year: int

    @classmethod
    def build(cls) -> _Calendar:
        first_year = 2022
        all_days = pd.date_range(f"{first_year}-01-01", "2026-12-31", freq="D")
        work = np.array([chinese_calendar.is_workday(d.date()) for d in all_days])
        days = all_days[work].values.astype("datetime64[D]")
        ym = (all_days[work].year - first_year) * 12 + all_days[work].month - 1
        n_months = (2026 - first_year + 1) * 12
        count = np.bincount(ym, minlength=n_months)
        start = np.concatenate([[0], np.cumsum(count)[:-1]])
        return cls(days, start, count, first_year)

    def month_index(self, year: np.ndarray | int, month0: np.ndarray | int) -> np.ndarray:
        return (np.asarray(year) - self.first_year) * 12 + np.asarray(month0)

    def random_day(self, rng: np.random.Generator, year: np.ndarray, month0: np.ndarray) -> np.ndarray:
        """A uniformly drawn working day in each (year, month)."""
        mi = self.month_index(year, month0)
        k = (rng.random(len(mi)) * self.month_count[mi]).astype(np.int64)
        return self.days[self.month_start[mi] + k]

    def on_or_after(self, d: np.ndarray) -> np.ndarray:
        """The first working day on or after each date."""
        idx = np.searchsorted(self.days, np.asarray(d, dtype="datetime64[D]"))
        return self.days[np.minimum(idx, len(self.days) - 1)]

    def add_workdays(self, d: np.ndarray, n: np.ndarray | int) -> np.ndarray:
        idx = np.searchsorted(self.days, np.asarray(d, dtype="datetime64[D]")) + np.asarray(n)
        return self.days[np.clip(idx, 0, len(self.days) - 1)]

    def is_workday(self, d: np.ndarray) -> np.ndarray:
        d = np.asarray(d, dtype="datetime64[D]")
        idx = np.searchsorted(self.days, d)
        idx = np.minimum(idx, len(self.days) - 1)
        return self.days[idx] == d


def _stratify(values: np.ndarray, groups: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Nudge positive values so that, within each group, their log10-mantissas are evenly stratified.

    Each value keeps its rank within the group; a value moves by at most about one group-size-th of
    a decade. A set of recurring amounts stratified like this has leading digits that follow
    Benford's law as closely as the group size allows.
    """
    out = values.astype(float).copy()
    lg = np.log10(np.where(values > 0, values, 1.0))
    for g in np.unique(groups):
        idx = np.flatnonzero((groups == g) & (values > 0))
        if len(idx) < 2:
            continue
        frac = lg[idx] - np.floor(lg[idx])
        rank = np.argsort(np.argsort(frac, kind="stable"), kind="stable")
        target = (rank + rng.uniform(0.2, 0.8, len(idx))) / len(idx)
        out[idx] = 10 ** (np.floor(lg[idx]) + target)
    return out


def _keep_band(new: np.ndarray, old: np.ndarray) -> np.ndarray:
    """Keep monthly amounts on their side of the split-payment bands after nudging: below 128,000
    (two months with ±7.5 % noise stay under 300,000) or above 326,000 (never under 300,000)."""
    ok = np.where(old < _LOW_BAND, new < 128_000.0, new > 326_000.0)
    return np.where(ok, new, old)


def _d(s: str) -> np.datetime64:
    return np.datetime64(s, "D")


# ---------------------------------------------------------------------------------------------------
# Regions and units
# ---------------------------------------------------------------------------------------------------


def _regions() -> pd.DataFrame:
    return pd.DataFrame(_REGIONS, columns=["region_code", "name", "level", "parent_code"])


def _units(rng: np.random.Generator) -> pd.DataFrame:
    rows: list[tuple[str, str, str, str, int, str, str]] = []
    region_name = {r[0]: r[1] for r in _REGIONS}

    def add(region: str, name: str, kind: str, func: str, sector: str, hc: tuple[int, int]) -> None:
        n = sum(1 for r in rows if r[2] == region) + 1
        headcount = int(rng.integers(hc[0], hc[1] + 1))
        rows.append((f"{region}-{n:03d}", name, region, kind, headcount, func, sector))

    for name, func, sector, hc in _DEPTS_CITY:
        add("330500", f"湖州市{name}", "department", func, sector, hc)
    for name, func, sector, hc in _INST_CITY:
        add("330500", name, "institution", func, sector, hc)
    for code, _n, level, _p in _REGIONS:
        if level != "county":
            continue
        county = region_name[code]
        for name, func, sector, hc in _DEPTS_COUNTY:
            add(code, f"{county}{name}", "department", func, sector, hc)
        for name, func, sector, hc in _INST_COUNTY:
            add(code, f"{county}{name}", "institution", func, sector, hc)
    for code, town, level, _p in _REGIONS:
        if level != "township":
            continue
        add(
            code,
            f"{town}人民政府" if not town.endswith("街道") else f"{town}办事处",
            "township_government",
            "2010301",
            "township",
            (45, 110),
        )
        name, func, sector, hc = _INST_TOWNSHIP
        add(
            code,
            f"{town}{name}" if not town.endswith("街道") else f"{town}社区卫生服务中心",
            "institution",
            "2100302" if not town.endswith("街道") else "2100399",
            sector,
            hc,
        )
    df = pd.DataFrame(
        rows, columns=["unit_code", "name", "region_code", "kind", "headcount", "func", "sector"]
    )
    return df


# ---------------------------------------------------------------------------------------------------
# The generator
# ---------------------------------------------------------------------------------------------------


class _Builder:
    """Holds the random stream and the tables while they are built, and the labels of planted cases."""

    def __init__(self, seed: int, size: str) -> None:
        if size not in SIZES:
            raise ValueError(f"size must be one of {sorted(SIZES)}, got {size!r}")
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.density = SIZES[size]["density"]
        self.seal_density = SIZES[size]["seals"]
        self.cal = _Calendar.build()
        self.regions = _regions()
        self.units = _units(self.rng)
        self.nu = len(self.units)
        self.labels: list[tuple[str, str, str, str]] = []
        # Payment label tags are attached to rows and resolved to payment ids once ids exist.
        self.pay_parts: list[pd.DataFrame] = []

    # ----------------------------------------------------------------- helpers
    def unit(self, code: str) -> pd.Series:
        return self.units.loc[self.units.unit_code == code].iloc[0]

    def label(self, indicator: str, subject_type: str, subject_id: str, note: str) -> None:
        self.labels.append((indicator, subject_type, subject_id, note))

    def staff_names(self, unit_idx: np.ndarray, k: np.ndarray) -> np.ndarray:
        """Deterministic staff names of a unit (k-th member)."""
        if not hasattr(self, "_staff"):
            ui, kk = np.meshgrid(np.arange(self.nu), np.arange(128), indexing="ij")
            s = (ui * 7 + kk * 13) % len(_SURNAMES)
            g1 = (ui * 3 + kk * 5) % len(_GIVEN)
            g2 = (ui * 11 + kk * 17 + 3) % len(_GIVEN)
            giv2 = np.where(kk % 3 == 0, "", np.array(_GIVEN)[g2])
            self._staff = np.char.add(np.char.add(np.array(_SURNAMES)[s], np.array(_GIVEN)[g1]), giv2).astype(
                object
            )
        return self._staff[np.asarray(unit_idx), np.asarray(k) % 128]

    # ----------------------------------------------------------------- budget plan
    def plan(self) -> None:
        """Plan each unit's yearly spending by line; payments and the budget table follow from it."""
        u = self.units
        rng = self.rng
        salary = rng.uniform(10_500, 12_500, self.nu)  # yuan per head and month, employer cost
        growth = rng.uniform(0.02, 0.05, self.nu)
        # Recurring payments (payroll, contributions, utilities) are fixed multiples of a unit's payroll
        # and repeat every month, so their leading digits do not average out the way one-off purchases
        # do. Within each region the payroll levels are nudged so that their log-mantissas are evenly
        # stratified (each unit keeps its rank, the change is a few per cent of headcount): the region's
        # recurring payments then follow Benford's law as a whole and ANM01 sees conformity.
        m0 = u.headcount.to_numpy() * salary
        lg = np.log10(m0)
        for region in u.region_code.unique():
            idx = np.flatnonzero(u.region_code.to_numpy() == region)
            frac = lg[idx] - np.floor(lg[idx])
            rank = np.argsort(np.argsort(frac))
            target = (rank + rng.uniform(0.2, 0.8, len(idx))) / len(idx)
            lg[idx] = np.floor(lg[idx]) + target
        headcount = np.maximum(8, np.round(10**lg / salary)).astype(int)
        self.units["headcount"] = headcount
        salary = 10**lg / headcount
        # Discretionary (goods & services) budget relative to payroll: larger in departments that
        # commission work, smaller in schools and hospitals where wages dominate.
        disc_ratio = np.where(
            u.kind == "department", rng.uniform(0.6, 0.9, self.nu), rng.uniform(0.35, 0.55, self.nu)
        )
        self.payroll_month = {y: u.headcount.to_numpy() * salary * (1 + growth) ** (y - 2023) for y in YEARS}
        self.disc_annual = {y: self.payroll_month[y] * 12 * disc_ratio for y in YEARS}
        # 三公: per head and year, homogeneous among peers (ANM04) and cut every year (BUD05 只减不增).
        self.sg_reception = u.headcount.to_numpy() * rng.uniform(900, 1300, self.nu)
        self.sg_car = u.headcount.to_numpy() * rng.uniform(700, 1000, self.nu)
        self.sg_cut = rng.uniform(0.05, 0.09, self.nu)

    # ----------------------------------------------------------------- payments
    def background_payments(self) -> pd.DataFrame:
        parts = [self._recurring(), self._discretionary(), self._sangong()]
        return pd.concat(parts, ignore_index=True)

    def _frame(self, n: int, **cols: object) -> pd.DataFrame:
        df = pd.DataFrame({k: (np.full(n, v) if np.isscalar(v) else v) for k, v in cols.items()})
        return df

    def _recurring(self) -> pd.DataFrame:
        """Payroll, social contributions and utilities: one payment per month (or every two months).

        A monthly series of same-payee, same-code payments would look like split payments (PAY06) if
        each payment were below 300,000 and two consecutive ones reached it. Payroll is therefore
        spread over as many wage codes as keep each payment below 130,000, or kept whole where each
        payment stays above 330,000; contributions and utilities in the middle band are paid every two
        months, as many units do with their 公积金 and utility bills.
        """
        u = self.units
        rng = self.rng
        frames = []
        uidx = np.arange(self.nu)
        months = np.arange(12)
        regions = u.region_code.to_numpy()
        w_all = rng.dirichlet(np.full(4, 4.0), self.nu)
        bonus_share = rng.uniform(0.45, 0.6, self.nu)  # a unit's year-end bonus rule is stable
        strat: dict[str, np.ndarray] = {}

        def stratified(key: str, values: np.ndarray, cap: float | None = None) -> np.ndarray:
            # one factor per unit and series, fixed on the first year and kept for later years
            if key not in strat:
                f = _stratify(values, regions, rng) / np.where(values > 0, values, 1.0)
                strat[key] = f
            out = values * strat[key]
            return np.minimum(out, cap) if cap is not None else out

        for y in YEARS:
            m_pay = self.payroll_month[y]
            n_codes = np.where(
                (m_pay < _LOW_BAND) | (m_pay >= _HIGH_BAND), 1, np.ceil(m_pay / _LOW_BAND)
            ).astype(int)
            # payroll rows: unit × month × code; the wage codes take unequal parts of the bill
            w = np.where(np.arange(4)[None, :] < n_codes[:, None], w_all, 0.0)
            w = w / w.sum(axis=1, keepdims=True)
            too_big = (w * m_pay[:, None]).max(axis=1) >= _LOW_BAND / 1.08
            w[too_big] = np.where(
                np.arange(4)[None, :] < n_codes[too_big, None], 1.0 / n_codes[too_big, None], 0.0
            )
            for c in range(int(n_codes.max())):
                has = n_codes > c
                ui = np.repeat(uidx[has], 12)
                mo = np.tile(months, has.sum())
                # performance pay and allowances move the monthly bill by a few per cent
                raw_base = m_pay * w[:, c]
                base = _keep_band(stratified(f"pay{c}", raw_base), raw_base)
                amt = base[ui] * (1 + np.clip(rng.normal(0, 0.03, len(ui)), -0.075, 0.075))
                day = self.cal.on_or_after(
                    (np.datetime64(f"{y}-01-15").astype("datetime64[M]") + mo).astype("datetime64[D]") + 14
                )
                frames.append(
                    self._frame(
                        len(ui),
                        unit_idx=ui,
                        year=y,
                        month=mo,
                        pay_date=day,
                        economic_code=_PAYROLL_CODES[c],
                        payee_name="职工工资统发户",
                        payee_type="individual",
                        method="transfer",
                        amount=amt,
                        kind="payroll",
                    )
                )
            # December bonus (年终奖金), one payment
            amt = stratified("bonus", m_pay * bonus_share)
            day = self.cal.on_or_after(np.full(self.nu, np.datetime64(f"{y}-12-20")))
            frames.append(
                self._frame(
                    self.nu,
                    unit_idx=uidx,
                    year=y,
                    month=11,
                    pay_date=day,
                    economic_code="30103",
                    payee_name="职工工资统发户",
                    payee_type="individual",
                    method="transfer",
                    amount=amt,
                    kind="payroll",
                )
            )
            # contributions and utilities
            county = np.where(u.region_code.str.len() > 6, u.region_code.str[:6], u.region_code)
            cname = pd.Series(county).map({r[0]: r[1] for r in _REGIONS}).to_numpy()
            series = [
                ("30108", 0.16, cname + "社会保险事业管理中心", "government", 10),
                ("30205", 0.006, np.full(self.nu, "湖州市水务集团有限公司"), "organization", 18),
                ("30206", 0.02, np.full(self.nu, "国网浙江省电力有限公司湖州供电公司"), "organization", 18),
                ("30207", 0.003, np.full(self.nu, "中国电信股份有限公司湖州分公司"), "organization", 22),
            ]
            for code, share, payee, ptype, dom in series:
                m = m_pay * share
                if code.startswith("302"):
                    # big users are billed per building, so no single bill approaches the split threshold
                    m = np.minimum(m, 10 ** rng.uniform(4.3, 4.97, self.nu))
                bimonthly = (m >= _LOW_BAND) & (m < _HIGH_BAND)
                # utilities are billed every two months
                step = np.where(bimonthly | code.startswith("302"), 2, 1)
                m = np.where(step == 1, _keep_band(stratified(code, m), m), stratified(code, m * step) / step)
                if code == "30205":
                    # departments' water is paid centrally by the government offices administration
                    step = np.where(u.kind.to_numpy() == "department", 99, step)
                ui = np.repeat(uidx, 12)
                mo = np.tile(months, self.nu)
                keep = (mo % step[ui]) == (step[ui] - 1)
                ui, mo = ui[keep], mo[keep]
                noise = 0.08 if code.startswith("302") else 0.03
                # electricity peaks with summer air conditioning and winter heating
                season = (
                    np.where(np.isin(mo, [6, 7]), 1.25, np.where(np.isin(mo, [0, 11]), 1.1, 1.0))
                    if code == "30206"
                    else 1.0
                )
                amt = (
                    m[ui]
                    * step[ui]
                    * season
                    * (1 + np.clip(rng.normal(0, noise, len(ui)), -2.5 * noise, 2.5 * noise))
                )
                day = self.cal.on_or_after((np.datetime64(f"{y}-01") + mo).astype("datetime64[D]") + dom - 1)
                frames.append(
                    self._frame(
                        len(ui),
                        unit_idx=ui,
                        year=y,
                        month=mo,
                        pay_date=day,
                        economic_code=code,
                        payee_name=payee[ui],
                        payee_type=ptype,
                        method="transfer",
                        amount=amt,
                        kind="recurring" if code.startswith("301") else "utility",
                    )
                )
        df = pd.concat(frames, ignore_index=True)
        df["function_code"] = u.func.to_numpy()[df.unit_idx]
        df["project_code"] = ""
        df["contract_id"] = ""
        return df

    def _discretionary(self) -> pd.DataFrame:
        """Goods and services: log-uniform amounts, seasonal months, repeat vendors, some cards and cash."""
        u = self.units
        rng = self.rng
        codes = list(_DISCRETIONARY)
        shares = np.array([_DISCRETIONARY[c][0] for c in codes])
        shares = shares / shares.sum()
        frames = []
        for y in YEARS:
            budget = (
                self.disc_annual[y][:, None] * shares[None, :] * rng.uniform(0.8, 1.2, (self.nu, len(codes)))
            )
            n = np.array([_DISCRETIONARY[c][1] for c in codes])[None, :] * self.density
            # bigger units make more payments: scale with headcount relative to 100
            n = n * np.clip(u.headcount.to_numpy()[:, None] / 100, 0.6, 10.0)
            n = np.maximum(1, rng.poisson(n))
            # at least two purchases a month on average, so that every month has spending to plan
            n[:, 0] += np.maximum(0, 24 - n.sum(axis=1))
            ui, ci = np.meshgrid(np.arange(self.nu), np.arange(len(codes)), indexing="ij")
            ui, ci, bud = ui.ravel(), ci.ravel(), budget.ravel()
            cnt = n.ravel()
            series = np.repeat(np.arange(len(ui)), cnt)
            # log-uniform over three decades: the mantissa is exactly uniform, so leading digits follow
            # Benford's law and keep doing so after any rescaling (the law is scale invariant)
            raw = 10 ** rng.uniform(0.0, 3.0, len(series))
            tot = np.bincount(series, weights=raw, minlength=len(ui))
            amt = raw / tot[series] * bud[series]
            # purchases of 400,000 or more would need a contract (CON02); big lines buy more often
            # instead: redraw them log-uniformly over the decade below (digits stay Benford)
            big = amt >= 400_000
            amt[big] = 10 ** rng.uniform(4.6, 5.6, int(big.sum()))
            # reimbursements and fees paid to staff stay within what one person claims
            personal = np.isin(np.array(codes)[ci[series]], ["30211", "30226", "30229"]) & (amt >= 30_000)
            amt[personal] = 10 ** rng.uniform(3.5, 4.5, int(personal.sum()))
            # every month gets two of the unit's purchases, the rest follow the seasonal profile
            mo = rng.choice(12, size=len(series), p=_SEASON)
            unit_of = ui[series]
            order = np.lexsort((rng.random(len(series)), unit_of))
            first = np.searchsorted(unit_of[order], unit_of[order], side="left")
            pos = np.arange(len(series)) - first
            spread = pos < 24
            mo[order[spread]] = pos[spread] % 12
            frames.append(
                pd.DataFrame(
                    {
                        "unit_idx": ui[series],
                        "year": y,
                        "month": mo,
                        "economic_code": np.array(codes)[ci[series]],
                        "amount": amt,
                        "kind": "flex",
                        "_k": rng.random(len(series)),
                        "_m": rng.random(len(series)),
                        "_pool": self._pool_size(bud, cnt)[series],
                    }
                )
            )
        df = pd.concat(frames, ignore_index=True)
        df["pay_date"] = self.cal.random_day(rng, df.year.to_numpy(), df.month.to_numpy())
        self._assign_payees(df)
        df["function_code"] = u.func.to_numpy()[df.unit_idx]
        df["project_code"] = ""
        df["contract_id"] = ""
        return df.drop(columns=["_k", "_m", "_pool"])

    @staticmethod
    def _pool_size(annual: np.ndarray, count: np.ndarray) -> np.ndarray:
        """Vendors in a unit's pool for a budget line: about one per 40,000 of monthly volume."""
        return np.clip(np.ceil(np.asarray(annual) / 12 / 40_000), 3, 400).astype(int) + 0 * np.asarray(count)

    def _assign_payees(self, df: pd.DataFrame) -> None:
        """Vendors with repeat business (a unit's small pool per code, Zipf-like) and staff payees."""
        econ = df.economic_code.to_numpy()
        uidx = df.unit_idx.to_numpy()
        k = df._k.to_numpy()
        # repeat business: a unit buys from a small pool of regular vendors per code, the first ones
        # more often; the pool grows with the line's monthly volume so that no vendor's orders within
        # 30 days approach the split-payment threshold (PAY06)
        pool = df._pool.to_numpy()
        pool_pick = np.minimum((pool * k**1.5).astype(int), pool - 1)
        payee = np.empty(len(df), dtype=object)
        ptype = np.full(len(df), "organization", dtype=object)
        method = np.full(len(df), "transfer", dtype=object)
        for code in np.unique(econ):
            sel = econ == code
            kinds = _VENDOR_KINDS.get(code, ["商贸"])
            kind_name = _DISCRETIONARY.get(code, (0, 0, 0, "vendor"))[3]
            if kind_name in ("vendor", "vendor_cash") or code in ("30217", "30231", "30212"):
                vi = (uidx[sel] * 7 + pool_pick[sel] * 3 + int(code) % 7) % (
                    len(_BRANDS) * (3 + int(pool.max()) // 8)
                )
                uv, inv = np.unique(vi, return_inverse=True)
                names = np.array([_vendor_name(kinds[x % len(kinds)], int(x)) for x in uv], dtype=object)
                payee[sel] = names[inv]
            if code == "30231":
                fuel = df._m.to_numpy()[sel] < 0.6
                names = payee[sel]
                names[fuel] = "中国石化销售股份有限公司浙江湖州石油分公司"
                payee[sel] = names
            if kind_name in ("person", "person_cash", "travel"):
                staff = self.staff_names(uidx[sel], pool_pick[sel] + (df._m.to_numpy()[sel] * 20).astype(int))
                payee[sel] = staff
                ptype[sel] = "individual"
        # methods: official card for card-catalogue spending, cash only for small sundries
        m = df._m.to_numpy()
        amt = df.amount.to_numpy()
        card_codes = np.isin(econ, ["30201", "30215", "30217", "30231", "30212"])
        method[card_codes & (m < 0.5) & (amt < 50_000)] = "official_card"
        travel = econ == "30211"
        # travel: half booked on the official card with the hotel or airline as payee
        tcard = travel & (m < 0.5)
        method[tcard] = "official_card"
        ptype[tcard] = "organization"
        hotels = np.array([_vendor_name(_VENDOR_KINDS["30211"][i % 2], i) for i in range(40)], dtype=object)
        payee[tcard] = hotels[(uidx[tcard] * 3 + 1) % 40]
        # cash: small sundries and welfare below 1,000 only (PAY03 / PAY04 stay quiet)
        cash = np.isin(econ, ["30299", "30229"]) & (amt < 1_000) & (m > 0.4)
        method[cash] = "cash"
        df["payee_name"] = payee
        df["payee_type"] = ptype
        df["method"] = method

    def _sangong(self) -> pd.DataFrame:
        """三公经费: reception and official cars, paid by official card; the budget is cut every year."""
        rng = self.rng
        frames = []
        for y in YEARS:
            f = (1 - self.sg_cut) ** (y - 2023)
            for code, base, n0 in (("30217", self.sg_reception, 2), ("30231", self.sg_car, 3)):
                total = base * f
                size = np.clip(self.units.headcount.to_numpy() / 60, 1.0, 15.0)
                # enough payments that none reaches a size that would need a contract (CON02)
                n = np.maximum(
                    np.ceil(total / 50_000).astype(int), np.maximum(2, rng.poisson(n0 * self.density * size))
                )
                series = np.repeat(np.arange(self.nu), n)
                raw = 10 ** rng.uniform(0.0, 2.0, len(series))
                tot = np.bincount(series, weights=raw, minlength=self.nu)
                amt = raw / tot[series] * total[series]
                mo = rng.choice(12, size=len(series), p=_SEASON)
                frames.append(
                    pd.DataFrame(
                        {
                            "unit_idx": series,
                            "year": y,
                            "month": mo,
                            "economic_code": code,
                            "amount": amt,
                            "kind": "sangong",
                            "_k": rng.random(len(series)),
                            "_pool": self._pool_size(total, n)[series],
                            "_m": rng.random(len(series)),
                        }
                    )
                )
        df = pd.concat(frames, ignore_index=True)
        df["pay_date"] = self.cal.random_day(rng, df.year.to_numpy(), df.month.to_numpy())
        self._assign_payees(df)
        df.loc[df.economic_code.isin(["30217", "30231"]), "method"] = "official_card"
        df["function_code"] = self.units.func.to_numpy()[df.unit_idx]
        df["project_code"] = ""
        df["contract_id"] = ""
        return df.drop(columns=["_k", "_m", "_pool"])

    def _smooth_months(self, pay: pd.DataFrame) -> pd.DataFrame:
        """Rescale discretionary payments per unit-month to the unit's seasonal target.

        Heavy-tailed amounts make single months lumpy; real units spend to a monthly plan. Scaling all
        discretionary payments of a unit-month by one factor keeps Benford conformity (the law is
        scale invariant) and keeps monthly totals close to the seasonal profile, so the STL detector
        (ANM02) sees only the planted spikes.
        """
        rng = self.rng
        key = (pay.unit_idx.to_numpy() * 10 + (pay.year.to_numpy() - 2023)) * 12 + pay.month.to_numpy()
        nkey = self.nu * 10 * 12
        flex = (pay.kind == "flex").to_numpy()
        lump = pay.kind.isin(["contract", "project"]).to_numpy()
        amt = pay.amount.to_numpy()
        flex_sum = np.bincount(key[flex], weights=amt[flex], minlength=nkey)
        lump_sum = np.bincount(key[lump], weights=amt[lump], minlength=nkey)
        target = np.zeros(nkey)
        for y in YEARS:
            base = (self.units.index.to_numpy() * 10 + (y - 2023)) * 12
            t = self.disc_annual[y][:, None] * _SEASON[None, :] * (1 + rng.normal(0, 0.05, (self.nu, 12)))
            target[(base[:, None] + np.arange(12)[None, :]).ravel()] = t.ravel()
        # contract instalments of the month are part of the plan: discretionary spending makes room
        lump_avg = np.bincount(key[lump] // 12, weights=amt[lump], minlength=nkey // 12) / 12
        target = target + np.repeat(lump_avg, 12) - lump_sum
        factor = np.where(flex_sum > 0, target / np.where(flex_sum > 0, flex_sum, 1), 1.0)
        factor = np.clip(factor, 0.25, 3.0)
        amt = np.where(flex, amt * factor[key], amt)
        pay["amount"] = amt
        return pay

    # ----------------------------------------------------------------- contracts and projects
    def new_contract(self, **kw: object) -> str:
        """Register a contract (and, unless ``procure`` is False, the procurement that preceded it)."""
        self.n_contracts += 1
        signed = np.datetime64(kw["signed_date"], "D")
        cid = f"HT{str(signed)[:4]}{self.n_contracts:05d}"
        procure = kw.pop("procure", True)
        award_date = kw.pop("award_date", None)
        proc_extra = kw.pop("proc", {})
        pid = ""
        if procure:
            pid = self.new_procurement(
                unit_code=kw["unit_code"],
                category=kw["category"],
                award=float(kw["amount"]),
                winner=str(kw["vendor_name"]),
                before=signed,
                award_date=award_date,
                item=kw.pop("item", None),
                item_category=kw.pop("item_category", None),
                **proc_extra,
            )
        else:
            kw.pop("item", None)
            kw.pop("item_category", None)
        row = {"contract_id": cid, "procurement_id": pid, "project_code": "", "start_date": signed} | kw
        self.contracts.append(row)
        return cid

    def new_procurement(
        self,
        unit_code: str,
        category: str,
        award: float,
        winner: str,
        before: np.datetime64,
        award_date: np.datetime64 | None = None,
        item: str | None = None,
        item_category: str | None = None,
        **over: object,
    ) -> str:
        """A procurement whose award precedes ``before`` (the contract's signing), with a legal timetable.

        The method follows the amount: below the decentralised limit (1,000,000 goods/services,
        1,200,000 works) units buy by inquiry or consultation; above the open-tender standard (2,000,000 /
        4,000,000) by open tender; in between by competitive consultation. Submission periods respect
        the legal minimum (20 days for tenders, 10 for consultation, 3 for inquiry) with a margin,
        bidders are three or more, and awards come in 3–12 % under the estimate (PRC01, PRC02, PRC06).
        """
        rng = self.rng
        self.n_procurements += 1
        estimated = round(award / rng.uniform(0.88, 0.97), 2)
        limit, tender = (1_200_000, 4_000_000) if category == "works" else (1_000_000, 2_000_000)
        if estimated >= tender:
            method, min_days = "open_tender", 20
        elif estimated >= limit:
            method, min_days = "competitive_consultation", 10
        else:
            method, min_days = "inquiry", 3
        method = over.pop("method", method)
        min_days = {"open_tender": 20, "invited_tender": 20, "competitive_consultation": 10}.get(method, 3)
        if award_date is None:
            award_date = self.cal.add_workdays(before, -int(rng.integers(4, 12)))
        award_date = np.datetime64(award_date, "D")
        deadline = self.cal.add_workdays(award_date, -int(rng.integers(2, 6)))
        # generous margins: some rules count working days, and holidays can fall in the period
        notice = deadline - np.timedelta64(min_days + int(rng.integers(10, 20)), "D")
        notice = self.cal.add_workdays(self.cal.on_or_after(notice), -1)
        if item is None:
            item, item_category = self._item(category)
        row = {
            "procurement_id": f"CG{str(award_date)[:4]}{self.n_procurements:05d}",
            "unit_code": unit_code,
            "item": item,
            "item_category": item_category,
            "category": category,
            "method": method,
            "estimated_amount": estimated,
            "award_amount": round(award, 2),
            "notice_date": notice,
            "bid_deadline": deadline,
            "award_date": award_date,
            "bidders": int(rng.integers(3, 8)),
            "winner_name": winner,
        } | over
        self.procurement.append(row)
        return str(row["procurement_id"])

    def _item(self, category: str) -> tuple[str, str]:
        return {
            "goods": ("信息化设备及软件", "A02100000"),
            "services": ("物业管理服务", "C21040000"),
            "works": ("土建工程施工", "B01000000"),
        }[category]

    def background_contracts(self) -> pd.DataFrame:
        """Property-management and IT contracts, paid in instalments that never run ahead of the term."""
        rng = self.rng
        u = self.units
        rows = []
        has_prop = rng.random(self.nu) < 0.6
        for i in np.flatnonzero(has_prop):
            code = u.unit_code.iat[i]
            vendor = _vendor_name(_VENDOR_KINDS["30209"][i % 2], (i * 7) % 80)
            base = u.headcount.iat[i] * rng.uniform(2_500, 4_000)
            for y in YEARS:
                amount = round(base * (1.03 ** (y - 2023)), 2)
                signed = self.cal.add_workdays(np.datetime64(f"{y - 1}-12-20"), -int(rng.integers(0, 6)))
                cid = self.new_contract(
                    unit_code=code,
                    vendor_name=vendor,
                    category="services",
                    amount=amount,
                    signed_date=signed,
                    start_date=_d(f"{y}-01-01"),
                    end_date=_d(f"{y}-12-31"),
                    item="物业管理服务",
                    item_category="C21040000",
                )
                # quarterly in arrears: paid share never exceeds the elapsed share of the year
                q_amt = np.round(amount / 4 * np.array([1, 1, 1, 1]), 2)
                q_amt[-1] = round(amount - q_amt[:3].sum(), 2)
                for q in range(4):
                    day = self.cal.on_or_after(np.datetime64(f"{y}-{3 * q + 3:02d}-24"))
                    rows.append((i, y, 3 * q + 2, day, "30209", vendor, q_amt[q], cid, ""))
        for y in YEARS:
            has_it = rng.random(self.nu) < 0.25
            for i in np.flatnonzero(has_it):
                code = u.unit_code.iat[i]
                vendor = _vendor_name(_VENDOR_KINDS["31007"][(i + y) % 3], (i * 11 + y) % 80)
                amount = round(float(self.disc_annual[y][i] * rng.uniform(0.06, 0.14)), 2)
                amount = min(max(amount, 120_000.37), 2_400_000.55)
                start_m = int(rng.integers(1, 6))
                start = _d(f"{y}-{start_m:02d}-01")
                end = (np.datetime64(f"{y}-{start_m + 6:02d}") - np.timedelta64(1, "D")).astype(
                    "datetime64[D]"
                )
                signed = self.cal.add_workdays(start, -int(rng.integers(3, 10)))
                cid = self.new_contract(
                    unit_code=code,
                    vendor_name=vendor,
                    category="goods",
                    amount=amount,
                    signed_date=signed,
                    start_date=start,
                    end_date=end,
                    item="信息化系统建设",
                    item_category="A02100000" if y % 2 else "A08060301",
                )
                first = round(amount * 0.2, 2)
                d1 = self.cal.add_workdays(start, int(rng.integers(5, 12)))
                d2 = self.cal.add_workdays(end, int(rng.integers(5, 15)))
                rows.append((i, y, int(str(d1)[5:7]) - 1, d1, "31007", vendor, first, cid, ""))
                rows.append(
                    (i, y, int(str(d2)[5:7]) - 1, d2, "31007", vendor, round(amount - first, 2), cid, "")
                )
        df = pd.DataFrame(
            rows,
            columns=[
                "unit_idx",
                "year",
                "month",
                "pay_date",
                "economic_code",
                "payee_name",
                "amount",
                "contract_id",
                "project_code",
            ],
        )
        df["pay_date"] = df.pay_date.astype("datetime64[s]").values.astype("datetime64[D]")
        df["payee_type"] = "organization"
        df["method"] = "transfer"
        df["kind"] = "contract"
        df["function_code"] = u.func.to_numpy()[df.unit_idx]
        return df

    def project(
        self,
        unit_code: str,
        budget: float,
        start: str,
        months: int,
        *,
        contract_ratio: float,
        paid_ratio: float = 0.85,
        progress_ratio: float = 1.0,
        stop: str | None = None,
        complete: bool | None = None,
        func: str = "2120399",
        name: str = "",
    ) -> tuple[str, list[tuple]]:
        """A construction project with its works contract, quarterly progress reports and monthly payments.

        Background projects pay 85 % of the works measured each month (5 % retention, settlement after
        completion), so paid share stays below physical progress (PRJ01) and below the contract's
        elapsed term (CON04). Monthly progress payments are kept above 315,000: they go to the same
        contractor every month and must not look like split payments (PAY06).
        ``progress_ratio`` < 1 makes reported progress lag the payments (a planted PRJ01 case);
        ``stop`` freezes works at a date (a planted overdue project, PRJ02).
        """
        rng = self.rng
        i = int(np.flatnonzero(self.units.unit_code.to_numpy() == unit_code)[0])
        seq = sum(1 for p in self.projects if p["unit_code"] == unit_code) + 1
        code = f"XM{unit_code}-{start[:4]}{seq:02d}"
        start_d = self.cal.on_or_after(_d(start))
        planned_end = (np.datetime64(start[:7]) + months).astype("datetime64[D]") - np.timedelta64(1, "D")
        stop_d = _AS_OF64 if stop is None else min(_d(stop), _AS_OF64)
        if complete is None:
            complete = planned_end + np.timedelta64(30, "D") <= _AS_OF64 and stop is None
        actual_end = planned_end - np.timedelta64(int(rng.integers(0, 20)), "D") if complete else None
        contract_amt = round(budget * contract_ratio, 2)
        vendor = _vendor_name(_VENDOR_KINDS["31005"][i % 3], (i * 13 + seq) % 80)
        signed = self.cal.add_workdays(start_d, -int(rng.integers(8, 15)))
        cid = self.new_contract(
            unit_code=unit_code,
            vendor_name=vendor,
            category="works",
            amount=contract_amt,
            signed_date=signed,
            start_date=start_d,
            end_date=planned_end,
            project_code=code,
            item="工程施工",
            item_category="B01000000",
        )
        self.projects.append(
            {
                "project_code": code,
                "unit_code": unit_code,
                "name": name or f"{self.units.name.iat[i]}建设工程",
                "budget_amount": round(budget, 2),
                "start_date": start_d,
                "planned_end_date": planned_end,
                "actual_end_date": actual_end,
            }
        )
        # monthly works: even pace with ±20 % variation; cumulative progress share per month
        inc = rng.uniform(0.8, 1.2, months)
        cum = np.cumsum(inc) / inc.sum()
        rows = []
        month0 = np.datetime64(start[:7])
        min_pay = _HIGH_BAND
        for k in range(months):
            day = self.cal.on_or_after((month0 + k + 1).astype("datetime64[D]") + 19)
            if day > stop_d:
                break
            amt = contract_amt * paid_ratio * (cum[k] - (cum[k - 1] if k else 0.0))
            amt = round(max(amt, min_pay + float(rng.uniform(0, 20_000))), 2)
            y = int(str(day)[:4])
            rows.append((i, y, int(str(day)[5:7]) - 1, day, "31005", vendor, amt, cid, code, func))
        if complete:
            day = self.cal.on_or_after(actual_end + np.timedelta64(60, "D"))
            if day <= _AS_OF64:
                paid = sum(r[6] for r in rows)
                amt = round(contract_amt * 0.95 - paid, 2)
                amt += 0.37 if amt >= 100_000 and round(amt * 100) % 1_000_000 == 0 else 0.0
                if amt > 0:
                    rows.append(
                        (
                            i,
                            int(str(day)[:4]),
                            int(str(day)[5:7]) - 1,
                            day,
                            "31005",
                            vendor,
                            amt,
                            cid,
                            code,
                            func,
                        )
                    )
        # quarterly supervisor reports
        q = np.datetime64(f"{start[:4]}-{((int(start[5:7]) - 1) // 3 + 1) * 3:02d}")
        last = actual_end if complete else stop_d
        report_until = min(last if complete else _AS_OF64, _AS_OF64)
        while True:
            rd = (q + 1).astype("datetime64[D]") - np.timedelta64(1, "D")
            if rd > report_until:
                break
            if rd >= start_d:
                frac = (rd - start_d) / (planned_end - start_d)
                if stop is not None:
                    frac = min(frac, (stop_d - start_d) / (planned_end - start_d))
                prog = min(100.0, round(100 * float(frac) * progress_ratio, 1))
                self.progress.append({"project_code": code, "report_date": rd, "physical_progress": prog})
            q = q + 3
        if complete:
            self.progress.append(
                {"project_code": code, "report_date": actual_end, "physical_progress": 100.0}
            )
        return code, rows

    def background_projects(self) -> pd.DataFrame:
        rng = self.rng
        rows: list[tuple] = []
        specs = []
        for region in ("330500", "330502", "330503", "330521", "330522", "330523"):
            specs.append((f"{region}-007", "2120399", "城市道路改造工程"))
            specs.append((f"{region}-008", "2140104", "公路提升改造工程"))
            if region != "330500":
                specs.append((f"{region}-010", "2130305", "河道综合治理工程"))
        for unit_code, func, name in specs:
            months = int(rng.integers(12, 25))
            start = f"{int(rng.integers(2023, 2026))}-{int(rng.integers(1, 10)):02d}-01"
            budget = float(rng.uniform(15e6, 45e6))
            _code, r = self.project(
                unit_code,
                budget,
                start,
                months,
                contract_ratio=float(rng.uniform(0.88, 0.95)),
                func=func,
                name=name,
            )
            rows.extend(r)
        df = pd.DataFrame(
            rows,
            columns=[
                "unit_idx",
                "year",
                "month",
                "pay_date",
                "economic_code",
                "payee_name",
                "amount",
                "contract_id",
                "project_code",
                "function_code",
            ],
        )
        df["pay_date"] = df.pay_date.astype("datetime64[s]").values.astype("datetime64[D]")
        df["payee_type"] = "organization"
        df["method"] = "transfer"
        df["kind"] = "project"
        return df

    # ----------------------------------------------------------------- background hygiene
    def contingency(self, pay: pd.DataFrame) -> pd.DataFrame:
        """Contingency (预备费, function class 227) spent through each finance bureau.

        Background bureaus spend about 0.6 % of their region's spending from the reserve (PEFA PI-2.3
        grade A). Payments rotate among the townships or counties below, so the
        same payee is never paid twice within 30 days.
        """
        rng = self.rng
        u = self.units
        rows = []
        county_of = np.where(u.region_code.str.len() > 6, u.region_code.str[:6], u.region_code)
        spend = pay.groupby([pay.unit_idx, pay.year]).amount.sum()
        self.region_spend: dict[tuple[str, int], float] = {}
        for region in ("330500", "330502", "330503", "330521", "330522", "330523"):
            members = (
                np.flatnonzero(county_of == region)
                if region != "330500"
                else np.flatnonzero(u.region_code == "330500")
            )
            bureau = int(np.flatnonzero(u.unit_code == f"{region}-001")[0])
            payees = (
                [f"{r[1]}人民政府" for r in _REGIONS if r[3] == "330500"]
                if region == "330500"
                else [u.name.iat[j] for j in members if u.kind.iat[j] == "township_government"]
            )
            for y in YEARS:
                total = float(spend.reindex([(j, y) for j in members]).fillna(0).sum())
                self.region_spend[(region, y)] = total
                share = 0.12 if region == "330502" else 0.006
                for m in range(12):
                    amt = round(total * share / 12 * float(rng.uniform(0.9, 1.1)), 2)
                    day = self.cal.on_or_after(np.datetime64(f"{y}-{m + 1:02d}-15"))
                    rows.append((bureau, y, m, day, "39999", payees[m % len(payees)], amt, "", "", "2270000"))
        df = pd.DataFrame(
            rows,
            columns=[
                "unit_idx",
                "year",
                "month",
                "pay_date",
                "economic_code",
                "payee_name",
                "amount",
                "contract_id",
                "project_code",
                "function_code",
            ],
        )
        df["payee_type"] = "government"
        df["method"] = "transfer"
        df["kind"] = "contingency"
        return df

    def unit_limit(self, table: dict[str, float], default: float) -> np.ndarray:
        """Per unit: the strictest local limit of its region or an ancestor (params layering)."""
        out = np.full(self.nu, default)
        regions = self.units.region_code.to_numpy()
        for region, value in table.items():
            inside = np.array([r == region or r.startswith(region) for r in regions])
            out = np.where(inside, np.minimum(out, value), out)
        return out

    def hygiene(self, pay: pd.DataFrame) -> pd.DataFrame:
        """Keep the background clear of accidental findings (see the module docstring)."""
        amt = np.round(pay.amount.to_numpy(), 2)
        flexible = (pay.kind == "flex").to_numpy()
        # CON02: discretionary 302/310 payments from the (local) limit on go through a contract; none
        # here: they are redrawn log-uniformly over the decade below the limit
        limit = self.unit_limit(_LOCAL_NO_CONTRACT, 500_000.0)[pay.unit_idx.to_numpy()] * 0.96
        big = flexible & (amt >= limit) & pay.economic_code.str[:3].isin(["302", "310"]).to_numpy()
        amt[big] = np.round(limit[big] * 10 ** -self.rng.uniform(0.05, 1.0, int(big.sum())), 2)
        # PAY08: amounts from 50,000 on are never whole multiples of 10,000 in the background.
        cents = np.round(amt * 100).astype(np.int64)
        roundish = (amt >= _ROUND_FROM) & (cents % 1_000_000 == 0)
        amt[roundish] += 0.37
        amt = np.where(np.abs(amt) < 0.01, 0.01, amt)
        pay["amount"] = np.round(amt, 2)
        # clean under the local thresholds and under the catalogue default alike
        local = self.split_t
        self.split_t = np.full(self.nu, _SPLIT_T)
        pay = self._unsplit(pay)
        self.split_t = local
        pay = self._unsplit(pay)
        pay = self._undouble(pay)
        return pay

    def _window_sums(self, pay: pd.DataFrame, days: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For each payment below T: sum and count of same unit/payee/code payments below T in the
        trailing ``days``-day window (inclusive). Returns (order, sums, counts) in sorted order."""
        amt = pay.amount.to_numpy()
        t_row = self.split_t[pay.unit_idx.to_numpy()]
        cand = (amt > 0) & (amt < t_row)
        payee = pd.factorize(pay.payee_name)[0].astype(np.int64)
        econ = pd.factorize(pay.economic_code)[0].astype(np.int64)
        grp = (pay.unit_idx.to_numpy().astype(np.int64) * (payee.max() + 1) + payee) * 100 + econ
        dayn = pay.pay_date.to_numpy().astype("datetime64[D]").astype(np.int64)
        idx = np.flatnonzero(cand)
        key = grp[idx] * 10_000 + (dayn[idx] - dayn.min())
        order = idx[np.argsort(key, kind="stable")]
        key = np.sort(key, kind="stable")
        csum = np.concatenate([[0.0], np.cumsum(amt[order])])
        lo = np.searchsorted(key, key - days, side="left")
        hi = np.searchsorted(key, key, side="right")
        return order, csum[hi] - csum[lo], hi - lo

    def _unsplit(self, pay: pd.DataFrame) -> pd.DataFrame:
        """PAY06 hygiene: a repeat vendor whose payments within 31 days would reach 300,000 gets the
        later payment moved to another vendor of the same trade (real units spread such orders)."""
        for it in range(20):
            order, sums, counts = self._window_sums(pay, 31)
            bad = order[(sums >= self.split_t[pay.unit_idx.to_numpy()[order]]) & (counts >= 2)]
            movable = bad[np.isin(pay.kind.to_numpy()[bad], ["flex", "sangong"])]
            if len(movable) == 0:
                break
            names = pay.payee_name.to_numpy().copy()
            ptype = pay.payee_type.to_numpy()
            econ = pay.economic_code.to_numpy()
            for j in movable:
                if ptype[j] == "individual":
                    names[j] = str(
                        self.staff_names(
                            np.array([pay.unit_idx.iat[j]]), np.array([64 + (j * 7 + it * 13) % 64])
                        )[0]
                    )
                else:
                    kinds = _VENDOR_KINDS.get(econ[j], ["商贸"])
                    names[j] = _vendor_name(kinds[(j + it) % len(kinds)], 2_000 + (j * 31 + it * 17) % 50_000)
            pay["payee_name"] = names
        return pay

    def _undouble(self, pay: pd.DataFrame) -> pd.DataFrame:
        """PAY07 hygiene: no accidental same unit/payee/amount within 7 days (cents make it rare)."""
        payee = pd.factorize(pay.payee_name)[0]
        unit = pay.unit_idx.to_numpy()
        day = pay.pay_date.to_numpy().astype("datetime64[D]").astype(np.int64)
        fixable = pay.kind.isin(["flex", "sangong", "utility"]).to_numpy()
        for _ in range(5):
            cents = np.round(pay.amount.to_numpy() * 100).astype(np.int64)
            o = np.lexsort((day, cents, payee, unit))
            same = np.zeros(len(o), dtype=bool)
            same[1:] = (
                (unit[o][1:] == unit[o][:-1])
                & (payee[o][1:] == payee[o][:-1])
                & (cents[o][1:] == cents[o][:-1])
                & (day[o][1:] - day[o][:-1] <= 7)
            )
            dup = o[same & fixable[o]]
            if len(dup) == 0:
                break
            amt = pay.amount.to_numpy().copy()
            amt[dup] = np.round(amt[dup] + 0.01 * (1 + np.arange(len(dup)) % 7), 2)
            pay["amount"] = amt
        return pay

    def refunds(self, pay: pd.DataFrame) -> pd.DataFrame:
        """Refunds that reverse an earlier payment (same unit, payee and amount, negative), and a few
        duplicate payments that were caught and refunded.

        The refunded duplicates are a deliberate background case: a correct PAY07 must *not* flag a
        duplicate that a refund reversed, so these are not labelled.
        """
        rng = self.rng
        cand = np.flatnonzero(
            (pay.kind == "flex").to_numpy()
            & (pay.payee_type == "organization").to_numpy()
            & (pay.amount < 80_000).to_numpy()
            & (pay.pay_date < _d("2026-06-01")).to_numpy()
        )
        pick = rng.choice(cand, size=max(8, len(pay) // 500), replace=False)
        pick.sort()
        ref = pay.iloc[pick[6:]].copy()
        ref["pay_date"] = self.cal.add_workdays(
            ref.pay_date.to_numpy().astype("datetime64[D]"), rng.integers(3, 15, len(ref))
        )
        ref = ref[ref.pay_date.dt.year == ref.year]
        ref["amount"] = -ref.amount
        ref["kind"] = "refund"
        ref["purpose"] = "退回" + ref.economic_code.map(_PURPOSE).fillna("款项")
        dpick = pick[:6]
        dup = pay.iloc[dpick].copy()
        dup["pay_date"] = self.cal.add_workdays(dup.pay_date.to_numpy().astype("datetime64[D]"), 2)
        dup["kind"] = "dup_refunded"
        ref2 = dup.copy()
        ref2["pay_date"] = self.cal.add_workdays(dup.pay_date.to_numpy().astype("datetime64[D]"), 4)
        ref2["amount"] = -ref2.amount
        ref2["kind"] = "refund"
        ref2["purpose"] = "重复支付退回"
        keep = (dup.pay_date.dt.year == dup.year) & (ref2.pay_date.dt.year == ref2.year)
        return pd.concat([pay, ref, dup[keep], ref2[keep]], ignore_index=True)

    # ----------------------------------------------------------------- planted cases
    def uidx(self, code: str) -> int:
        return int(np.flatnonzero(self.units.unit_code.to_numpy() == code)[0])

    def pp(
        self,
        unit: str,
        date: str | np.datetime64,
        econ: str,
        payee: str,
        amount: float,
        *,
        tags: tuple[tuple[str, str], ...] = (),
        ptype: str = "organization",
        method: str = "transfer",
        **kw: object,
    ) -> None:
        """Add one planted payment; ``tags`` are (indicator, note) labels whose subject is this payment
        (or, for tags written ``CODE@unit``, the unit)."""
        d = np.datetime64(date, "D")
        i = self.uidx(unit)
        row = {
            "unit_idx": i,
            "year": int(str(d)[:4]),
            "month": int(str(d)[5:7]) - 1,
            "pay_date": d,
            "economic_code": econ,
            "payee_name": payee,
            "payee_type": ptype,
            "method": method,
            "amount": round(float(amount), 2),
            "kind": "planted",
            "function_code": self.units.func.iat[i],
            "project_code": "",
            "contract_id": "",
            "_tags": "|".join(f"{c}:{n}" for c, n in tags),
        } | kw
        self.planted.append(row)

    def plant_plan(self) -> None:
        """Plants that change a unit's plan before payments are drawn."""
        for code in ("330502-011", "330522-003"):
            i = self.uidx(code)
            self.sg_reception[i] *= 9.0
            self.label(
                "ANM04",
                "unit",
                code,
                "official reception (三公) per head about 9x that of same-kind peers, every year",
            )

    def plant_payments(self, pay: pd.DataFrame) -> pd.DataFrame:
        """Plant payment-level cases and the unit-level cases built from payments."""
        rng = self.rng
        u = self.units
        pay["_tags"] = ""
        uname = dict(zip(u.unit_code, u.name, strict=True))

        def mutate(mask: np.ndarray, tag: str, **set_: object) -> None:
            j = np.flatnonzero(mask)[0]
            for k, v in set_.items():
                pay.iat[j, pay.columns.get_loc(k)] = v
            pay.iat[j, pay.columns.get_loc("_tags")] = tag

        ui = pay.unit_idx.to_numpy()
        # PAY05 — payments on non-working days
        big = (
            (ui == self.uidx("330500-024"))
            & (pay.economic_code == "30101").to_numpy()
            & (
                (pay.pay_date >= pd.Timestamp("2025-03-01")) & (pay.pay_date < pd.Timestamp("2025-04-01"))
            ).to_numpy()
        )
        mutate(
            big,
            "PAY05:payroll above 1,000,000 released on Sunday 2025-03-16 (alert)",
            pay_date=pd.Timestamp("2025-03-16"),
        )
        for unit, day, note in (
            ("330502-008", "2024-10-03", "paid on the National Day holiday"),
            ("330521-007", "2025-06-01", "paid on a Sunday during the Dragon Boat holiday"),
        ):
            m = (
                (ui == self.uidx(unit))
                & (pay.kind == "flex").to_numpy()
                & (pay.amount < 100_000).to_numpy()
                & (pay.year == int(day[:4])).to_numpy()
            )
            mutate(m, f"PAY05:{note}", pay_date=pd.Timestamp(day), month=int(day[5:7]) - 1)
        # BUD05 b — 三公 budget and spending raised against last year (只减不增 broken)
        for unit, year, code, f in (("330500-013", 2025, "30217", 1.45), ("330523-012", 2024, "30231", 1.5)):
            m = (
                (ui == self.uidx(unit))
                & (pay.year == year).to_numpy()
                & (pay.economic_code == code).to_numpy()
            )
            pay.loc[m, "amount"] = np.round(pay.loc[m, "amount"] * f, 2)
            self.label(
                "BUD05",
                "unit",
                unit,
                f"{year} 三公 ({code}) budget and outturn raised {f - 1:.0%} over {year - 1}",
            )

        # PAY01 own account, PAY02 individuals, PAY03 cash, PAY04 cash on card-catalogue codes
        for unit, day, amt in (
            ("330503-003", "2025-04-17", 286_530.40),
            ("330521-012", "2025-09-09", 45_200.75),
        ):
            self.pp(
                unit,
                day,
                "30227",
                f"{uname[unit]}（实有资金账户）",
                amt,
                ptype="own_account",
                tags=(("PAY01", "transfer from the treasury to the unit's own real-fund account"),),
            )
        self.pp(
            "330500-018",
            "2025-05-21",
            "30227",
            "刘建平",
            8_650.40,
            ptype="individual",
            tags=(("PAY02", "consulting fee paid to a private person (warning)"),),
        )
        self.pp(
            "330522-010",
            "2024-09-12",
            "30227",
            "陈国华",
            68_230.55,
            ptype="individual",
            tags=(("PAY02", "commissioned-service fee paid to a private person (alert)"),),
        )
        self.pp(
            "330502-006",
            "2025-07-08",
            "30299",
            "湖州恒达商贸有限公司",
            36_480.20,
            method="cash",
            tags=(("PAY03", "single cash payment above 20,000 (warning)"),),
        )
        self.pp(
            "330523-003",
            "2024-12-10",
            "30299",
            "湖州永盛印务有限公司",
            62_310.75,
            method="cash",
            tags=(("PAY03", "single cash payment above 50,000 (alert)"),),
        )
        self.pp(
            "330521-006",
            "2025-03-26",
            "30215",
            "湖州太湖酒店管理有限公司",
            2_680.00,
            method="cash",
            tags=(("PAY04", "conference costs paid in cash instead of the official card"),),
        )
        self.pp(
            "330503-012",
            "2024-06-18",
            "30211",
            "张丽",
            3_240.50,
            method="cash",
            ptype="individual",
            tags=(("PAY04", "travel expenses paid in cash instead of the official card"),),
        )
        # PAY06 split payments (subject: the payment that completes the split)
        for day, amt in (("2025-04-08", 128_430.50), ("2025-04-17", 117_260.35)):
            self.pp("330500-015", day, "30213", "湖州鑫茂建材有限公司", amt)
        self.pp(
            "330500-015",
            "2025-04-28",
            "30213",
            "湖州鑫茂建材有限公司",
            96_815.20,
            tags=(
                (
                    "PAY06",
                    "three repairs to one vendor within 20 days, each below 300,000, together 342,506.05",
                ),
            ),
        )
        self.pp("330503-002", "2024-07-09", "30227", "湖州智汇数据科技有限公司", 268_540.40)
        self.pp(
            "330503-002",
            "2024-07-18",
            "30227",
            "湖州智汇数据科技有限公司",
            275_310.85,
            tags=(("PAY06", "two payments of 0.8-1.0 x 300,000 to one vendor within 9 days (alert)"),),
        )
        # PAY07 duplicates (the later payment is the subject)
        for unit, d1, d2, econ, payee, amt in (
            ("330521-002", "2025-05-12", "2025-05-15", "30201", "湖州华宇办公用品有限公司", 45_678.90),
            ("330522-008", "2024-11-04", "2024-11-06", "30213", "湖州瑞丰机电设备有限公司", 23_456.70),
        ):
            self.pp(unit, d1, econ, payee, amt)
            self.pp(
                unit,
                d2,
                econ,
                payee,
                amt,
                tags=(("PAY07", "same unit, payee and amount paid twice within 3 days, not refunded"),),
            )
        # PAY08 large round amounts
        self.pp(
            "330500-014",
            "2025-06-10",
            "30227",
            "湖州立信管理咨询有限公司",
            120_000.00,
            tags=(("PAY08", "round 120,000.00 for consulting"),),
        )
        self.pp(
            "330523-006",
            "2024-08-14",
            "30227",
            "湖州博远检测技术有限公司",
            350_000.00,
            tags=(("PAY08", "round 350,000.00 for testing services"),),
        )
        # PAY09 paid in 2026 against the 2025 budget without carry-over
        self.pp(
            "330502-004",
            "2026-01-12",
            "30201",
            "湖州嘉禾文化用品有限公司",
            18_560.30,
            budget_year=2025,
            tags=(("PAY09", "paid 2026-01-12 on the 2025 budget line, no carry-over"),),
        )
        self.pp(
            "330523-009",
            "2026-01-20",
            "30213",
            "湖州天成建筑工程有限公司",
            42_180.65,
            budget_year=2025,
            tags=(("PAY09", "paid 2026-01-20 on the 2025 budget line, no carry-over"),),
        )
        # BUD04 payments with no budget line
        self.pp(
            "330503-004",
            "2025-08-05",
            "30214",
            "湖州金桥商贸有限公司",
            48_360.50,
            no_line=True,
            tags=(("BUD04", "venue rental (30214) charged with no such budget line"),),
        )
        self.pp(
            "330500-011",
            "2024-11-19",
            "30214",
            "湖州锦程会展服务有限公司",
            76_420.15,
            no_line=True,
            tags=(("BUD04", "rental (30214) charged with no such budget line"),),
        )
        # CON02 large payments without a contract
        self.pp(
            "330500-019",
            "2025-09-16",
            "30227",
            "湖州中创信息技术有限公司",
            612_345.60,
            tags=(("CON02", "612,345.60 for commissioned services with no contract"),),
        )
        self.pp(
            "330522-011",
            "2024-10-22",
            "31002",
            "湖州汇通电子设备有限公司",
            1_083_210.45,
            tags=(("CON02", "1,083,210.45 of equipment with no contract"),),
        )
        # ANM03 payment outliers: an allocation from the contingency reserve 60-90x the bureau's usual
        # one. The reserve's payments are regular, so the outlier stands out within the economic
        # group of its region as well as against the unit's own history. The month it falls in is
        # necessarily an outlying month for the bureau too (ANM02, labelled as secondary).
        for unit, day, payee in (
            ("330500-001", "2024-07-31", "湖州市防汛防台抗旱指挥部办公室"),
            ("330521-001", "2025-10-31", "德清县应急抢险救灾指挥部办公室"),
            ("330522-001", "2025-03-31", "长兴县应急抢险救灾指挥部办公室"),
        ):
            usual = float(
                pay.loc[
                    (ui == self.uidx(unit)) & (pay.economic_code == "39999").to_numpy(), "amount"
                ].median()
            )
            ratio = float(rng.uniform(60, 90))
            amt = round(usual * ratio, 2)
            self.pp(
                unit,
                day,
                "39999",
                payee,
                amt,
                ptype="government",
                function_code="2270000",
                tags=(
                    (
                        "ANM03",
                        f"contingency allocation {amt:,.2f}, about {ratio:.0f}x the bureau's usual {usual:,.2f}",
                    ),
                ),
            )
            self.label(
                "ANM02",
                "unit",
                unit,
                f"secondary: the {day[:7]} contingency allocation makes an outlying month",
            )

        # ANM01 — fabricated amounts: just under approval limits 5,000 / 10,000 (first digits 4 and 9)
        for unit, year, n, test in (
            ("330522-017", 2025, 3050, "first-two digits"),
            ("330503-014", 2024, 700, "first digit"),
        ):
            i = self.uidx(unit)
            n = int(n * (1 + self.density / 10))  # stay a clear share of the unit's payments at any size
            lim = rng.choice([5_000.0, 10_000.0, 50_000.0], size=n, p=[0.45, 0.45, 0.10])
            amt = np.round(lim * rng.uniform(0.88, 0.999, n), 2)
            mo = rng.choice(12, size=n, p=_SEASON)
            day = self.cal.random_day(rng, np.full(n, year), mo)
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
                    "function_code": u.func.iat[i],
                    "project_code": "",
                    "contract_id": "",
                    "_tags": "",
                }
            )
            self.fabricated.append(fab)
            self.label(
                "ANM01",
                "unit",
                unit,
                f"{year}: {n} fabricated amounts just under 5,000/10,000/50,000 "
                f"approval limits ({test} test nonconforming)",
            )
            region = self.units.region_code.iat[i]
            self.label(
                "ANM01",
                "region",
                region,
                f"secondary: {year} region-level test carries the fabricated amounts of {unit}",
            )

        # ANM02 — a spike month, about 8x the unit's normal monthly spending
        for unit, ym in (("330521-009", "2025-05"), ("330500-017", "2024-09")):
            i = self.uidx(unit)
            y = int(ym[:4])
            normal = float(pay.loc[(ui == i) & (pay.year == y).to_numpy(), "amount"].sum()) / 12
            target = 7.0 * normal
            k = int(np.ceil(target / 250_000))
            amts = np.round(target / k * rng.uniform(0.9, 1.1, k), 2)
            days = self.cal.random_day(rng, np.full(k, y), np.full(k, int(ym[5:]) - 1))
            for j in range(k):
                self.pp(
                    unit,
                    days[j],
                    "30227" if j % 2 else "31002",
                    _vendor_name(_VENDOR_KINDS["30227"][j % 3], 300 + j),
                    amts[j],
                )
            self.label(
                "ANM02", "unit", unit, f"{ym}: {k} one-off purchases make the month about 8x normal spending"
            )

        # BUD02 — year-end surge: December share of annual net payments 0.42 (alert) and 0.30 (warning)
        for unit, year, share in (("330502-012", 2024, 0.42), ("330523-011", 2025, 0.30)):
            i = self.uidx(unit)
            m = (ui == i) & (pay.year == year).to_numpy()
            annual = float(pay.loc[m, "amount"].sum())
            dec = float(pay.loc[m & (pay.month == 11).to_numpy(), "amount"].sum())
            x = (share * annual - dec) / (1 - share)
            k = int(np.ceil(x / 240_000))
            amts = np.round(x / k * rng.uniform(0.9, 1.1, k), 2)
            days = self.cal.random_day(rng, np.full(k, year), np.full(k, 11))
            for j in range(k):
                self.pp(
                    unit,
                    days[j],
                    "30227" if j % 2 else "31002",
                    _vendor_name(_VENDOR_KINDS["31002"][j % 3], 360 + j),
                    amts[j],
                )
            self.label(
                "BUD02", "unit", unit, f"{year}: December share of annual payments raised to {share:.2f}"
            )
            self.label("ANM02", "unit", unit, f"secondary: the {year}-12 surge is also an outlying month")
            self.label("ANM04", "unit", unit, f"secondary: {year} December share far above peers")
        return pay

    def plant_documents(self) -> None:
        """Planted contract, procurement and project cases (with the payments that make them visible)."""
        rng = self.rng

        def pay_contract(
            unit: str,
            cid: str,
            vendor: str,
            econ: str,
            dated: list[tuple[str, float]],
            tags_last: tuple[tuple[str, str], ...] = (),
            payee: str | None = None,
        ) -> None:
            for k, (day, amt) in enumerate(dated):
                self.pp(
                    unit,
                    day,
                    econ,
                    payee or vendor,
                    amt,
                    contract_id=cid,
                    tags=tags_last if k == len(dated) - 1 else (),
                )

        # CON01 paid above the contract amount
        v = "湖州明辉管理咨询有限公司"
        cid = self.new_contract(
            unit_code="330500-012",
            vendor_name=v,
            category="services",
            amount=600_000.00,
            signed_date=_d("2025-01-20"),
            start_date=_d("2025-02-01"),
            end_date=_d("2025-11-30"),
            item="文化活动策划服务",
            item_category="C23120000",
        )
        pay_contract(
            "330500-012",
            cid,
            v,
            "30227",
            [("2025-03-11", 180_250.60), ("2025-07-15", 300_360.20), ("2025-12-09", 209_420.80)],
        )
        self.label("CON01", "contract", cid, "paid 690,031.60 on a 600,000.00 contract (115%)")
        v = "湖州凯旋家具有限公司"
        cid = self.new_contract(
            unit_code="330523-008",
            vendor_name=v,
            category="goods",
            amount=450_000.00,
            signed_date=_d("2024-03-25"),
            start_date=_d("2024-04-01"),
            end_date=_d("2024-09-30"),
            item="办公家具",
            item_category="A06010100",
        )
        pay_contract("330523-008", cid, v, "31002", [("2024-05-20", 180_000.15), ("2024-10-15", 300_150.15)])
        self.label("CON01", "contract", cid, "paid 480,150.30 on a 450,000.00 contract (107%)")
        # CON03 no procurement above the decentralised limit; signed before the award
        v = "湖州同创软件有限公司"
        cid = self.new_contract(
            unit_code="330503-013",
            vendor_name=v,
            category="goods",
            amount=1_350_000.00,
            signed_date=_d("2025-03-28"),
            start_date=_d("2025-04-01"),
            end_date=_d("2025-09-30"),
            procure=False,
        )
        pay_contract(
            "330503-013", cid, v, "31007", [("2025-04-15", 270_000.37), ("2025-10-21", 1_079_999.63)]
        )
        self.label("CON03", "contract", cid, "1,350,000.00 goods contract with no procurement")
        v = "湖州弘毅管理咨询有限公司"
        cid = self.new_contract(
            unit_code="330521-010",
            vendor_name=v,
            category="services",
            amount=880_000.00,
            signed_date=_d("2025-03-05"),
            start_date=_d("2025-03-10"),
            end_date=_d("2025-12-31"),
            award_date=_d("2025-03-20"),
            item="水资源规划编制",
            item_category="C19990000",
        )
        pay_contract("330521-010", cid, v, "30227", [("2025-06-17", 250_430.30), ("2025-11-18", 420_120.55)])
        self.label("CON03", "contract", cid, "signed 2025-03-05, before the award on 2025-03-20")
        # CON04 paid far ahead of the contract term (as of 2026-06-30)
        v = "湖州数码网络科技有限公司".replace("数码", "卓越")
        cid = self.new_contract(
            unit_code="330500-020",
            vendor_name=v,
            category="goods",
            amount=2_000_000.00,
            signed_date=_d("2025-12-19"),
            start_date=_d("2026-01-01"),
            end_date=_d("2027-12-31"),
            item="视频监控平台",
            item_category="A02100000",
        )
        pay_contract(
            "330500-020", cid, v, "31007", [("2026-01-20", 600_120.40), ("2026-03-18", 1_100_129.90)]
        )
        self.label("CON04", "contract", cid, "85% paid with 25% of the 2-year term elapsed (alert)")
        v = "湖州南太检测技术有限公司"
        cid = self.new_contract(
            unit_code="330502-013",
            vendor_name=v,
            category="services",
            amount=500_000.00,
            signed_date=_d("2026-02-24"),
            start_date=_d("2026-03-01"),
            end_date=_d("2027-02-28"),
            item="审计辅助服务",
            item_category="C23090000",
        )
        pay_contract("330502-013", cid, v, "30227", [("2026-03-10", 150_030.25), ("2026-05-12", 200_150.40)])
        self.label("CON04", "contract", cid, "70% paid with 33% of the term elapsed (warning)")
        # CON05 payee differs from the contractor
        for unit, vendor, payee, day, amt in (
            ("330503-010", "湖州华宇信息技术有限公司", "湖州金桥商贸有限公司", "2025-07-22", 186_420.30),
            ("330522-013", "湖州立信管理咨询有限公司", "杭州远航咨询服务有限公司", "2024-05-28", 95_310.60),
        ):
            cid = self.new_contract(
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
            self.pp(
                unit,
                day,
                "30227",
                payee,
                amt,
                contract_id=cid,
                tags=(("CON05", f"contract with {vendor} paid to {payee}"),),
            )

        # Procurement cases
        def proc(
            unit: str, award: float, award_date: str, winner: str, category: str = "goods", **over: object
        ) -> str:
            return self.new_procurement(
                unit, category, award, winner, before=_d(award_date) + 10, award_date=_d(award_date), **over
            )

        pid = proc(
            "330500-009",
            3_150_000.00,
            "2025-05-20",
            "湖州荣盛农业科技有限公司",
            item="农业物联网设备",
            item_category="A02109900",
            method="open_tender",
            bidders=1,
        )
        self.label("PRC01", "procurement", pid, "open tender with a single bidder (alert)")
        pid = proc(
            "330522-012",
            2_480_000.00,
            "2024-08-13",
            "湖州东升检测技术有限公司",
            item="检验检测设备",
            item_category="A02100300",
            method="open_tender",
            bidders=2,
        )
        self.label("PRC01", "procurement", pid, "open tender with two bidders (warning)")
        pid = proc(
            "330521-003",
            2_860_000.00,
            "2025-09-10",
            "湖州海纳医疗器械有限公司",
            item="医疗设备",
            item_category="A03200000",
            method="open_tender",
        )
        row = self.procurement[-1]
        row["notice_date"] = _d("2025-08-22")
        row["bid_deadline"] = _d("2025-09-03")
        self.label(
            "PRC02", "procurement", pid, "open tender with 12 days from notice to bid deadline (minimum 20)"
        )
        pid = proc(
            "330503-005",
            1_260_000.00,
            "2024-04-16",
            "湖州长青人力资源有限公司",
            category="services",
            item="就业服务外包",
            item_category="C22010000",
            method="competitive_consultation",
        )
        row = self.procurement[-1]
        row["notice_date"] = _d("2024-04-01")
        row["bid_deadline"] = _d("2024-04-07")
        self.label("PRC02", "procurement", pid, "competitive consultation with 6 days to bid (minimum 10)")
        # PRC03 splitting below the decentralised limit
        for unit, category, item, cat, dates, amts in (
            (
                "330500-004",
                "goods",
                "台式计算机",
                "A02010104",
                ("2025-03-10", "2025-05-14"),
                (498_000.20, 511_500.45),
            ),
            (
                "330523-004",
                "works",
                "办公楼维修改造",
                "B07010000",
                ("2024-06-04", "2024-08-20"),
                (618_600.35, 625_300.80),
            ),
        ):
            for k, (d, a) in enumerate(zip(dates, amts, strict=True)):
                pid = proc(
                    unit,
                    a,
                    d,
                    _vendor_name(_VENDOR_KINDS["31002"][k], 420 + k),
                    category=category,
                    item=item,
                    item_category=cat,
                    method="inquiry",
                )
                self.procurement[-1]["estimated_amount"] = round(a / 0.95, 2)
            self.label(
                "PRC03",
                "procurement",
                pid,
                f"two {item} purchases within 90 days, each below the decentralised limit, together above it",
            )
        # PRC04 single source above the limit, dominating the unit's year
        for unit, d in (("330502-009", "2025-06-24"), ("330521-008", "2025-04-15")):
            proc(
                unit,
                1_620_000.00,
                d,
                "湖州富春交通设备有限公司",
                item="专用设备",
                item_category="A02060000",
                method="single_source",
                bidders=1,
            )
            self.label(
                "PRC04",
                "unit",
                unit,
                "2025: single-source purchase of 1,620,000 (above the limit; >30% of value)",
            )
        # PRC05 supplier concentration: 5 of 6 awards to one supplier
        for unit in ("330500-005", "330523-002"):
            for k in range(6):
                winner = "湖州吴越信息技术有限公司" if k < 5 else "湖州菰城印务有限公司"
                proc(
                    unit,
                    float(rng.uniform(150_000, 420_000)),
                    f"2025-{2 * k + 1:02d}-15",
                    winner,
                    category="services",
                    item=f"信息化运维服务（{k + 1}期）",
                    item_category=f"C1600000{k}",
                )
            self.label("PRC05", "unit", unit, "2025: 5 of 6 awards to one supplier (HHI above 0.5)")
        # PRC06 award at the estimate
        for unit, d, a in (
            ("330522-004", "2025-07-08", 1_486_300.00),
            ("330503-011", "2024-10-15", 1_137_900.00),
        ):
            pid = proc(
                unit,
                a,
                d,
                "湖州泰和医疗科技有限公司",
                item="医用耗材配送",
                item_category="C99000000",
                category="services",
                method="competitive_consultation",
            )
            self.procurement[-1]["estimated_amount"] = round(a / 0.998, 2)
            self.label("PRC06", "procurement", pid, "award at 99.8% of the estimate")

        # Projects
        rows: list[tuple] = []
        code, r = self.project(
            "330500-002",
            20e6,
            "2025-09-01",
            24,
            contract_ratio=0.92,
            paid_ratio=1.3,
            progress_ratio=0.15,
            func="2050299",
            name="湖州市第二中学扩建工程",
        )
        rows += r
        self.label("PRJ01", "project", code, "paid about 40 pp ahead of reported physical progress (alert)")
        code, r = self.project(
            "330521-002",
            16e6,
            "2025-07-01",
            24,
            contract_ratio=0.92,
            paid_ratio=1.1,
            progress_ratio=0.45,
            func="2050299",
            name="德清县实验小学新建工程",
        )
        rows += r
        self.label("PRJ01", "project", code, "paid about 25 pp ahead of reported physical progress (warning)")
        code, r = self.project(
            "330522-002",
            18e6,
            "2024-05-01",
            18,
            contract_ratio=0.9,
            stop="2025-07-31",
            complete=False,
            func="2050299",
            name="长兴县第一中学体育馆工程",
        )
        rows += r
        self.label(
            "PRJ02",
            "project",
            code,
            "planned end 2025-10-31, works stalled at about 80% (over 180 days late)",
        )
        code, r = self.project(
            "330503-006",
            22e6,
            "2024-10-01",
            18,
            contract_ratio=0.9,
            stop="2026-01-31",
            complete=False,
            func="2200199",
            name="南浔区自然资源监测站工程",
        )
        rows += r
        self.label(
            "PRJ02", "project", code, "planned end 2026-03-31, progress about 89% (under 180 days late)"
        )
        code, r = self.project(
            "330502-002",
            12e6,
            "2025-03-01",
            15,
            contract_ratio=1.13,
            func="2050299",
            name="吴兴区实验小学改造工程",
        )
        rows += r
        self.label("PRJ03", "project", code, "works contract 113% of the approved project budget")
        code, r = self.project(
            "330500-021",
            8e6,
            "2024-03-01",
            14,
            contract_ratio=1.075,
            func="2050299",
            name="湖州中学实验楼改造工程",
        )
        rows += r
        self.label("PRJ03", "project", code, "works contract 107.5% of the approved project budget")
        for i, _y, _m, day, econ, vendor, amt, cid, pcode, func in rows:
            self.pp(
                self.units.unit_code.iat[i],
                day,
                econ,
                vendor,
                amt,
                contract_id=cid,
                project_code=pcode,
                function_code=func,
            )

    # ----------------------------------------------------------------- other tables
    def assets(self) -> pd.DataFrame:
        """Fixed assets: mostly in use, some disposed; idle items only where nothing of the kind was
        bought in the last twelve months and at a small share of the unit's holdings (AST01, AST02)."""
        rng = self.rng
        cats = (
            ("A02010104", 6_500, 0.35),
            ("A02010105", 7_800, 0.2),
            ("A02021000", 3_200, 0.15),
            ("A02030500", 210_000, 0.04),
            ("A06010100", 2_800, 0.2),
            ("A02061800", 45_000, 0.06),
        )
        n = np.maximum(6, (self.units.headcount.to_numpy() * 0.25).astype(int))
        ui = np.repeat(np.arange(self.nu), n)
        ci = rng.choice(len(cats), size=len(ui), p=[c[2] for c in cats])
        value = np.round(np.array([c[1] for c in cats])[ci] * rng.uniform(0.8, 1.25, len(ui)), 2)
        start = np.datetime64("2014-01-01").astype(np.int64)
        acq = (
            start + (rng.random(len(ui)) * (_AS_OF64.astype(np.int64) - 30 - start)).astype(np.int64)
        ).astype("datetime64[D]")
        status = np.where(
            acq < np.datetime64("2018-01-01"),
            np.where(rng.random(len(ui)) < 0.5, "disposed", "in_use"),
            "in_use",
        ).astype(object)
        df = pd.DataFrame(
            {
                "unit_idx": ui,
                "category": np.array([c[0] for c in cats])[ci],
                "acquired_date": acq,
                "original_value": value,
                "status": status,
            }
        )
        # background idle: one old printer or desk per sixth unit, never a category bought recently
        recent = df.acquired_date >= np.datetime64("2025-06-30")
        recent_cats = set(zip(df.unit_idx[recent], df.category[recent], strict=True))
        for i in range(0, self.nu, 6):
            m = (df.unit_idx == i) & (df.status == "in_use") & df.category.isin(["A02021000", "A06010100"])
            live_total = df.loc[(df.unit_idx == i) & (df.status == "in_use"), "original_value"].sum()
            for j in df.index[m]:
                if (i, df.category[j]) not in recent_cats and df.original_value[j] < 0.05 * live_total:
                    df.loc[j, "status"] = "idle"
                    break
        planted = []
        # AST01: idle computers while buying new ones
        for unit, idle_n, new_n, note in (
            ("330500-029", 10, 6, "alert: idle value above the new purchases"),
            ("330522-006", 3, 12, "warning: idle value below the new purchases"),
        ):
            i = self.uidx(unit)
            for k in range(idle_n):
                planted.append((i, "A02010104", _d("2021-05-10") + k, 6_480.00 + 10 * k, "idle", ""))
            for k in range(new_n):
                planted.append((i, "A02010104", _d("2026-02-26"), 6_980.00 + 5 * k, "in_use", ""))
            self.label(
                "AST01",
                "unit",
                unit,
                f"{idle_n} idle desktop computers while {new_n} new ones were bought in 2026 ({note})",
            )
        df = pd.concat(
            [df, pd.DataFrame(planted, columns=[*df.columns, "_x"]).drop(columns="_x")], ignore_index=True
        )
        # AST02: a unit whose vehicles and equipment stand idle
        for unit, share in (("330503-008", 0.3), ("330521-005", 0.5)):
            i = self.uidx(unit)
            live = (df.unit_idx == i) & df.status.isin(["in_use", "idle"])
            total = df.loc[live, "original_value"].sum()
            extra_cat = "A02061800"
            recent_i = (
                (df.unit_idx == i)
                & (df.category == extra_cat)
                & (df.acquired_date >= np.datetime64("2025-06-30"))
            )
            df.loc[recent_i, "acquired_date"] = _d("2020-08-18")
            value = total * share / (1 - share)
            k = int(np.ceil(value / 150_000))
            add = pd.DataFrame(
                {
                    "unit_idx": i,
                    "category": extra_cat,
                    "acquired_date": _d("2019-04-22"),
                    "original_value": np.round(np.full(k, value / k), 2),
                    "status": "idle",
                }
            )
            df = pd.concat([df, add], ignore_index=True)
            self.label("AST02", "unit", unit, f"idle assets about {share:.0%} of in-use plus idle value")
        df["unit_code"] = self.units.unit_code.to_numpy()[df.unit_idx]
        df = df.sort_values(["unit_code", "acquired_date", "category", "original_value"], kind="stable")
        df["asset_id"] = [
            f"ZC{c.replace('-', '')}{k:04d}"
            for c, k in zip(df.unit_code, df.groupby("unit_code").cumcount() + 1, strict=True)
        ]
        return df

    def seals(self, contract_ids: pd.DataFrame) -> pd.DataFrame:
        """E-seal log: office hours on working days, approved by someone other than the user."""
        rng = self.rng
        n = rng.poisson(18 * self.seal_density, (self.nu, len(YEARS)))
        ui = np.repeat(np.repeat(np.arange(self.nu), len(YEARS)), n.ravel())
        yr = np.repeat(np.tile(np.array(YEARS), self.nu), n.ravel())
        mo = rng.integers(0, 12, len(ui))
        mo = np.where(yr == 2026, mo % 6, mo)
        day = self.cal.random_day(rng, yr, mo)
        minute = rng.integers(8 * 60 + 30, 17 * 60 + 30, len(ui))
        used = day.astype("datetime64[m]") + minute
        stype = rng.choice(
            ["official", "finance", "contract", "legal_rep"], size=len(ui), p=[0.5, 0.25, 0.15, 0.1]
        )
        codes = self.units.unit_code.to_numpy()
        user_k = rng.integers(1, 9, len(ui))
        user = np.char.add(
            np.char.add("U", np.char.replace(codes[ui].astype(str), "-", "")),
            np.char.zfill(user_k.astype(str), 2),
        )
        appr = np.char.add(
            np.char.add("A", np.char.replace(codes[ui].astype(str), "-", "")),
            np.char.zfill(((user_k % 3) + 1).astype(str), 2),
        )
        df = pd.DataFrame(
            {
                "unit_idx": ui,
                "seal_type": stype,
                "used_at": used,
                "user_id": user,
                "approver_id": appr,
                "approved": True,
                "contract_id": "",
                "_tags": "",
            }
        )
        df["document_type"] = df.seal_type.map(
            {"official": "公文", "finance": "付款凭证", "contract": "合同", "legal_rep": "授权委托书"}
        )
        # contract seals always name an existing contract of the unit
        cy = contract_ids.assign(y=pd.to_datetime(contract_ids.signed_date).dt.year)
        cmap = cy.groupby(["unit_code", "y"]).contract_id.apply(list).to_dict()
        is_c = (df.seal_type == "contract").to_numpy()
        pick = rng.random(len(df))
        years = df.used_at.dt.year.to_numpy()
        cids = []
        for i, c, p, y in zip(df.unit_idx.to_numpy(), is_c, pick, years, strict=True):
            lst = cmap.get((codes[i], int(y))) if c else None
            cids.append(lst[int(p * len(lst))] if lst else "")
        df["contract_id"] = cids
        # a contract seal of a unit without contracts becomes an official seal
        df.loc[is_c & (df.contract_id == ""), ["seal_type", "document_type"]] = ["official", "公文"]
        planted = [
            (
                "330500-006",
                "2025-11-12 21:40",
                "official",
                "U33050000603",
                "A33050000601",
                True,
                "",
                "SEL01",
                "official seal used at 21:40 on a working day",
            ),
            (
                "330522-009",
                "2024-09-15 10:20",
                "finance",
                "U33052200902",
                "A33052200901",
                True,
                "",
                "SEL01",
                "finance seal used on a Sunday",
            ),
            (
                "330521-011",
                "2025-06-05 10:05",
                "official",
                "U33052101104",
                "",
                True,
                "",
                "SEL02",
                "official seal used with no approver",
            ),
            (
                "330503-007",
                "2024-03-19 15:30",
                "finance",
                "U33050300705",
                "A33050300702",
                False,
                "",
                "SEL02",
                "finance seal used although the request was not approved",
            ),
            (
                "330523-005",
                "2025-08-21 09:45",
                "finance",
                "U33052300503",
                "U33052300503",
                True,
                "",
                "SEL03",
                "finance seal approved by its own user",
            ),
            (
                "330502-003",
                "2024-12-03 14:10",
                "legal_rep",
                "U33050200306",
                "U33050200306",
                True,
                "",
                "SEL03",
                "legal-representative seal approved by its own user",
            ),
            (
                "330522-014",
                "2025-04-09 11:25",
                "contract",
                "U33052201402",
                "A33052201401",
                True,
                "",
                "SEL04",
                "contract seal used with no contract",
            ),
            (
                "330500-022",
                "2025-10-28 16:05",
                "contract",
                "U33050002201",
                "A33050002203",
                True,
                "HT202599999",
                "SEL04",
                "contract seal naming an unknown contract",
            ),
        ]
        rows = []
        for unit, ts, st, user_, appr_, ok, cid, code, note in planted:
            rows.append(
                {
                    "unit_idx": self.uidx(unit),
                    "seal_type": st,
                    "used_at": np.datetime64(ts.replace(" ", "T"), "m"),
                    "user_id": user_,
                    "approver_id": appr_,
                    "approved": ok,
                    "contract_id": cid,
                    "document_type": {"contract": "合同", "finance": "付款凭证"}.get(st, "公文"),
                    "_tags": f"{code}:{note}",
                }
            )
        df = pd.concat([df, pd.DataFrame(rows)], ignore_index=True)
        df["unit_code"] = codes[df.unit_idx]
        df["seal_id"] = (
            "S"
            + df.unit_code.str.replace("-", "")
            + "-"
            + df.seal_type.map({"official": "01", "finance": "02", "contract": "03", "legal_rep": "04"})
        )
        df = df.sort_values(["used_at", "unit_code", "user_id", "seal_type"], kind="stable").reset_index(
            drop=True
        )
        df["event_id"] = [f"YZ{k:07d}" for k in range(1, len(df) + 1)]
        for k in np.flatnonzero(df._tags.to_numpy() != ""):
            code, note = df._tags.iat[k].split(":", 1)
            self.label(code, "seal_event", df.event_id.iat[k], note)
        return df

    def ic_checklist(self) -> pd.DataFrame:
        """Internal-control evaluation (财会〔2016〕11号 practice): most units score 85–98."""
        rng = self.rng
        items = (
            ("public", "内部控制制度建设", 10),
            ("public", "风险评估机制", 10),
            ("public", "关键岗位轮岗", 5),
            ("functional", "预算业务控制", 15),
            ("functional", "收支业务控制", 15),
            ("functional", "政府采购控制", 10),
            ("functional", "资产控制", 10),
            ("functional", "建设项目控制", 10),
            ("functional", "合同控制", 10),
            ("special", "内控信息化创新", 3),
            ("special", "内控成果获评", 2),
            ("external", "审计整改落实", 5),
            ("external", "财政监督检查", 5),
        )
        frames = []
        dims = np.array([it[0] for it in items])
        mx = np.array([it[2] for it in items], dtype=float)
        for y in COMPLETED_YEARS:
            share = rng.uniform(0.86, 0.99, (self.nu, len(items)))
            special = (rng.random((self.nu, len(items))) >= 0.6).astype(float)
            share = np.where(dims[None, :] == "special", special, share)
            frames.append(
                pd.DataFrame(
                    {
                        "year": y,
                        "unit_code": np.repeat(self.units.unit_code.to_numpy(), len(items)),
                        "dimension": np.tile(dims, self.nu),
                        "item": np.tile([it[1] for it in items], self.nu),
                        "score": np.round((share * mx[None, :]).ravel(), 1),
                        "max_score": np.tile(mx, self.nu),
                    }
                )
            )
        df = pd.concat(frames, ignore_index=True)
        for unit, y, f, note in (
            ("330502-010", 2025, 0.70, "score about 70 (warning)"),
            ("330523-013", 2024, 0.52, "score about 52 (alert)"),
        ):
            m = (df.unit_code == unit) & (df.year == y) & (df.dimension != "special")
            df.loc[m, "score"] = (df.loc[m, "max_score"] * f).round(1)
            df.loc[(df.unit_code == unit) & (df.year == y) & (df.dimension == "special"), "score"] = 0.0
            self.label("CTL01", "unit", unit, f"{y}: internal-control {note}")
        return df

    def revenue(self) -> pd.DataFrame:
        """Revenue budget and outturn per region (PEFA PI-3): background outturn 99–105 % with a stable mix."""
        rng = self.rng
        codes = (
            ("10101", 0.34),
            ("10104", 0.16),
            ("10106", 0.06),
            ("10109", 0.05),
            ("10110", 0.04),
            ("10112", 0.03),
            ("10113", 0.05),
            ("10118", 0.07),
            ("10302", 0.05),
            ("10304", 0.05),
            ("10305", 0.03),
            ("10307", 0.07),
        )
        rows = []
        for region, _n, level, _p in _REGIONS:
            scale = {"city": 9e9, "county": 6e9, "township": 4e8}[level] * rng.uniform(0.8, 1.2)
            for y in COMPLETED_YEARS:
                for code, w in codes:
                    if level == "township" and code not in ("10101", "10106", "10304"):
                        continue
                    b = scale * w * 1.05 ** (y - 2023) * rng.uniform(0.9, 1.1)
                    a = b * (1.02 + rng.normal(0, 0.012))
                    if region == "330521" and y in (2024, 2025):
                        a = b * 0.86 * rng.uniform(0.99, 1.01)  # OUT05: collection far below the estimate
                    if region == "330500" and y in (2024, 2025):
                        a *= 0.85 if code.startswith("101") else 1.75  # OUT06: tax shortfall, fees up
                    rows.append((y, region, code, round(b, 2), round(a, 2)))
        self.label("OUT05", "region", "330521", "2024 and 2025 revenue outturn about 86% of the estimate")
        self.label(
            "OUT06",
            "region",
            "330500",
            "2024 and 2025 tax revenue 15% short while non-tax revenue is 75% over",
        )
        return pd.DataFrame(
            rows, columns=["year", "region_code", "revenue_code", "budget_amount", "actual_amount"]
        )

    # ----------------------------------------------------------------- budget
    def budget(self, pay: pd.DataFrame) -> pd.DataFrame:
        """Budget lines consistent with the payments.

        Completed years: outturn = net payments of the line, adjusted budget 0.5–7 % above it (no line
        is overspent), original within ±3 % of adjusted (PEFA outturn grade A). 2026: the adjusted
        budget is the year's plan (the payments the generator drew for the whole year, before cutting
        at 30 June), so units stand near time progress (BUD01) and forecast normally (ANM05).
        """
        rng = self.rng
        u = self.units
        p = pay[~pay.no_line.astype(bool)]
        keys = ["budget_year", "unit_idx", "function_code", "economic_code", "project_code"]
        g = p.groupby(keys, sort=True).amount.sum().reset_index().rename(columns={"budget_year": "year"})
        g["year"] = g.year.astype(int)
        n = len(g)
        rate = rng.uniform(0.93, 0.995, n)
        g["adjusted_amount"] = g.amount / rate
        g["original_amount"] = g.adjusted_amount * rng.uniform(0.97, 1.03, n)
        g["actual_amount"] = np.where(g.year < 2026, g.amount, np.nan)
        g["carryover_amount"] = np.nan
        g["carryover_from_year"] = pd.array([pd.NA] * n, dtype="Int64")
        g["unit_code"] = u.unit_code.to_numpy()[g.unit_idx]

        # 三公 lines: one execution rate per unit and original = adjusted, so budgets fall with spending
        sg = g.economic_code.isin(_SANGONG).to_numpy()
        unit_rate = rng.uniform(0.95, 0.99, self.nu)
        g.loc[sg, "adjusted_amount"] = g.amount[sg] / unit_rate[g.unit_idx[sg]]
        g.loc[sg, "original_amount"] = g.adjusted_amount[sg]

        def line(year: int, unit: str, econ: str) -> pd.Series:
            return (
                (g.year == year) & (g.unit_code == unit) & (g.economic_code == econ) & (g.project_code == "")
            )

        # BUD03 / BUD05 a: overspent lines
        for year, unit, econ, f, codes in (
            (2024, "330500-016", "30213", 1.18, ("BUD03",)),
            (2025, "330522-013", "30201", 1.12, ("BUD03",)),
            (2025, "330521-013", "30217", 1.25, ("BUD03", "BUD05")),
        ):
            m = line(year, unit, econ)
            g.loc[m, "adjusted_amount"] = g.loc[m, "amount"] / f
            g.loc[m, "original_amount"] = g.loc[m, "adjusted_amount"]
            r = g[m].iloc[0]
            lid = f"{year}|{unit}|{r.function_code}|{econ}|"
            self.label(
                "BUD03", "budget_line", lid, f"line overspent: payments {f:.0%} of the adjusted budget"
            )
            if "BUD05" in codes:
                self.label(
                    "BUD05", "unit", unit, f"{year}: 三公 outturn above the 三公 budget (reception overspent)"
                )
        # contingency: Wuxing budgets and spends about 12 % of its spending through the reserve
        cont = (g.function_code == "2270000") & (g.year < 2026)
        for j in np.flatnonzero(cont.to_numpy()):
            region = u.region_code.iat[g.unit_idx.iat[j]]
            if region != "330502":
                continue
            budget = g.amount.iat[j] / 0.99
            g.iat[j, g.columns.get_loc("adjusted_amount")] = budget
            g.iat[j, g.columns.get_loc("original_amount")] = budget
        self.label(
            "OUT04",
            "region",
            "330502",
            "contingency (227) spending about 12% of the original budget each year",
        )
        # background carry-over: from the previous year only (never stale), on project-like lines
        cand = np.flatnonzero(
            (g.year >= 2025).to_numpy() & g.economic_code.isin(["30227", "31002", "31007"]).to_numpy()
        )
        pick = rng.choice(cand, size=max(4, len(cand) // 15), replace=False)
        g.loc[g.index[pick], "carryover_amount"] = g.adjusted_amount.iloc[pick] * rng.uniform(
            0.05, 0.15, len(pick)
        )
        g.loc[g.index[pick], "carryover_from_year"] = g.year.iloc[pick] - 1
        g = self._calibrate_2026(g)
        extra = []
        # BUD01 + ANM05: large 2026 allocations not yet spent by 30 June
        for unit, f, note in (
            ("330521-004", 2.5, "about 13%"),
            ("330503-009", 2.5, "about 13%"),
            ("330522-005", 0.8, "about 25%"),
        ):
            i = self.uidx(unit)
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
            self.label("BUD01", "unit", unit, f"2026 execution {note} at 30 June against 49.6% time progress")
            self.label(
                "ANM05", "unit", unit, f"2026 execution {note} by June with a normal profile in earlier years"
            )
            self.label("ANM04", "unit", unit, "secondary: 2026 execution rate far below peers")
        # BUD06: stale carry-over, untouched
        for unit, from_year, amt in (("330500-010", 2024, 640_000.0), ("330522-011", 2023, 1_150_000.0)):
            i = self.uidx(unit)
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
            self.label(
                "BUD06",
                "budget_line",
                f"2026|{unit}|{u.func.iat[i]}|31002|{pc}",
                f"carry-over of {amt:,.0f} from {from_year} still unspent in 2026",
            )
        ex = pd.DataFrame(extra)
        ex["unit_code"] = u.unit_code.to_numpy()[ex.unit_idx]
        g = pd.concat([g, ex], ignore_index=True)
        g["carryover_from_year"] = g.carryover_from_year.astype("Int64")
        g = self._pefa_plants(g)
        for c in ("original_amount", "adjusted_amount", "actual_amount", "carryover_amount"):
            g[c] = g[c].astype(float).round(2)
        return g

    def _calibrate_2026(self, g: pd.DataFrame) -> pd.DataFrame:
        """Keep background units within a few points of time progress on 30 June 2026 (BUD01).

        Instalment timing (an IT contract paid 20 % up front and 80 % on acceptance) can leave a unit
        behind schedule by chance; its budget office would have phased the allocation, so the
        adjusted budget of its not-yet-due lines is reduced until execution is 1–6 points behind.
        """
        rng = self.rng
        p = 181 / 365
        h1 = self._h1_paid
        m26 = (g.year == 2026).to_numpy()
        lid = list(zip(g.unit_idx, g.function_code, g.economic_code, g.project_code, strict=True))
        paid = np.array([h1.get(k, 0.0) for k in lid]) * m26
        adj = g.adjusted_amount.to_numpy().copy()
        for i in range(self.nu):
            sel = m26 & (g.unit_idx.to_numpy() == i)
            if not sel.any():
                continue
            big = sel & (adj >= 100_000)
            r = paid[big].sum() / max(adj[big].sum(), 1.0)
            target = p - rng.uniform(0.01, 0.06)
            if r >= target:
                continue
            slow = big & (paid < 0.45 * adj)
            # reduce the slow lines' budgets so that the unit reaches the target ratio
            need = paid[big].sum() / target - (adj[big].sum() - adj[slow].sum())
            if adj[slow].sum() > 0 and need > 0:
                f = max(need / adj[slow].sum(), 0.0)
                adj[slow] = np.maximum(adj[slow] * f, paid[slow] / 0.97)
        g["adjusted_amount"] = adj
        g.loc[m26, "original_amount"] = adj[m26] * rng.uniform(0.97, 1.03, int(m26.sum()))
        return g

    def _pefa_plants(self, g: pd.DataFrame) -> pd.DataFrame:
        """Planted budget-reliability cases (PEFA PI-1, PI-2.1, PI-2.2) on original budgets."""
        # county-level units only: the townships below keep their own, clean budgets
        county = g.unit_code.str.split("-").str[0]
        years = g.year.isin([2024, 2025]) & (g.function_code != "2270000")
        # OUT01 Anji: originals 18 % short of outturn in two years
        m = years & (county == "330523")
        g.loc[m, "original_amount"] *= 0.80
        self.label("OUT01", "region", "330523", "2024 and 2025 outturn about 120% of the original budget")
        # OUT02 Changxing: education (205) budgeted 30 % high, the rest low; economic mix restored
        for y in (2024, 2025):
            m = (g.year == y) & (county == "330522") & (g.function_code != "2270000")
            edu = m & g.function_code.str.startswith("205")
            tot = g.loc[m, "original_amount"].sum()
            e = g.loc[edu, "original_amount"].sum()
            before = g.loc[m].groupby(g.economic_code.str[:3]).original_amount.sum()
            g.loc[edu, "original_amount"] *= 1.4
            g.loc[m & ~edu, "original_amount"] *= (tot - 1.4 * e) / (tot - e)
            after = g.loc[m].groupby(g.economic_code.str[:3]).original_amount.sum()
            fix = (before / after).reindex(g.loc[m, "economic_code"].str[:3]).to_numpy()
            g.loc[m, "original_amount"] *= fix
        self.label(
            "OUT02",
            "region",
            "330522",
            "2024 and 2025 education over-budgeted by 40% against other functions",
        )
        # OUT03 Nanxun: wages under-, goods and services over-budgeted within each function head
        for y in (2024, 2025):
            m = (g.year == y) & (county == "330503") & (g.function_code != "2270000")
            head = g.function_code.str[:3]
            before = g.loc[m].groupby(head[m]).original_amount.sum()
            cls = g.economic_code.str[:3]
            g.loc[m & (cls == "301"), "original_amount"] *= 0.78
            g.loc[m & (cls == "302"), "original_amount"] *= 1.45
            after = g.loc[m].groupby(head[m]).original_amount.sum()
            g.loc[m, "original_amount"] *= (before / after).reindex(head[m]).to_numpy()
        self.label("OUT03", "region", "330503", "2024 and 2025 wages under- and goods/services over-budgeted")
        return g

    # ----------------------------------------------------------------- assembly
    def run(self) -> dict[str, pd.DataFrame]:
        self.contracts: list[dict] = []
        self.procurement: list[dict] = []
        self.projects: list[dict] = []
        self.progress: list[dict] = []
        self.planted: list[dict] = []
        self.fabricated: list[pd.DataFrame] = []
        self.n_contracts = 0
        self.n_procurements = 0
        self.split_t = self.unit_limit(_LOCAL_SPLIT_T, _SPLIT_T)
        self.plan()
        self.plant_plan()
        pay = pd.concat(
            [self.background_payments(), self.background_contracts(), self.background_projects()],
            ignore_index=True,
        )
        pay = self._smooth_months(pay)
        pay = pd.concat([pay, self.contingency(pay)], ignore_index=True)
        pay["pay_date"] = pd.to_datetime(pay.pay_date.to_numpy().astype("datetime64[D]"))
        pay = self.hygiene(pay)
        pay = self.refunds(pay)
        pay = self.plant_payments(pay)
        self.plant_documents()
        planted = pd.DataFrame(self.planted)
        planted["pay_date"] = pd.to_datetime(planted.pay_date.to_numpy().astype("datetime64[D]"))
        fab = pd.concat(self.fabricated, ignore_index=True)
        fab["pay_date"] = pd.to_datetime(fab.pay_date.to_numpy().astype("datetime64[D]"))
        pay = pd.concat([pay, planted, fab], ignore_index=True)
        pay["no_line"] = pay.get("no_line", pd.Series(False, index=pay.index)).fillna(False).astype(bool)
        by = pay.get("budget_year", pd.Series(np.nan, index=pay.index))
        pay["budget_year"] = by.fillna(pay.pay_date.dt.year).astype(int)
        pay["_tags"] = pay._tags.fillna("")
        h1 = pay[(pay.pay_date <= pd.Timestamp(AS_OF)) & (pay.budget_year == 2026) & ~pay.no_line]
        self._h1_paid = (
            h1.groupby(["unit_idx", "function_code", "economic_code", "project_code"]).amount.sum().to_dict()
        )
        budget = self.budget(pay)
        pay = pay[pay.pay_date <= pd.Timestamp(AS_OF)]
        tables = {
            "regions": self.regions,
            "units": self.units[["unit_code", "name", "region_code", "kind", "headcount"]],
        }
        tables["budget"] = budget
        tables["payments"] = self.finish_payments(pay)
        contracts = pd.DataFrame(self.contracts)
        tables["contracts"] = contracts
        tables["procurement"] = pd.DataFrame(self.procurement)
        tables["projects"] = pd.DataFrame(self.projects)
        tables["project_progress"] = pd.DataFrame(self.progress).drop_duplicates(
            ["project_code", "report_date"], keep="last"
        )
        tables["assets"] = self.assets()
        tables["seal_events"] = self.seals(contracts)
        tables["revenue"] = self.revenue()
        tables["ic_checklist"] = self.ic_checklist()
        out = {name: _conform(name, df) for name, df in tables.items()}
        # budget performance: its own random stream over the finished budget and payments, so that the
        # other tables are those of a sample without it
        names = {str(p["project_code"]): str(p["name"]) for p in self.projects}
        perf, perf_labels = samples_performance.performance_tables(out, self.seed, pd.Timestamp(AS_OF), names)
        out.update({name: _conform(name, df) for name, df in perf.items()})
        self.labels.extend(perf_labels)
        labels = pd.DataFrame(self.labels, columns=["indicator", "subject_type", "subject_id", "note"])
        labels = (
            labels.drop_duplicates(["indicator", "subject_type", "subject_id"])
            .sort_values(["indicator", "subject_type", "subject_id"], kind="stable")
            .reset_index(drop=True)
        )
        out["labels"] = labels.astype(str)
        return out

    def finish_payments(self, pay: pd.DataFrame) -> pd.DataFrame:
        """Ids in date order, payee accounts, purposes; resolve planted payment labels to ids."""
        u = self.units
        pay = pay.copy()
        pay["unit_code"] = u.unit_code.to_numpy()[pay.unit_idx.astype(int)]
        o = np.lexsort(
            (
                pay.amount.to_numpy(),
                pd.factorize(pay.payee_name, sort=True)[0],
                pd.factorize(pay.economic_code, sort=True)[0],
                pay.unit_idx.to_numpy(),
                pay.pay_date.to_numpy(),
            )
        )
        pay = pay.iloc[o].reset_index(drop=True)
        pay["payment_id"] = pd.Series(np.arange(1, len(pay) + 1)).map("ZF{:08d}".format).to_numpy()
        # a stable bank account per payee: personal cards (6217…) for individuals, corporate accounts
        # (3301…) otherwise
        codes, uniques = pd.factorize(pay.payee_name, sort=True)
        nums = (np.arange(len(uniques), dtype=np.int64) * 7_919 + 104_729) % 10**10
        personal = np.array([f"6217{n:010d}" for n in nums], dtype=object)
        corporate = np.array([f"3301{n:010d}" for n in nums], dtype=object)
        pay["payee_account"] = np.where(
            (pay.payee_type == "individual").to_numpy(), personal[codes], corporate[codes]
        )
        purpose = pay.economic_code.map(_PURPOSE).fillna("其他支出").to_numpy(dtype=object)
        monthly = pay.kind.isin(["payroll", "recurring", "utility"]).to_numpy()
        month_name = np.array([f"{m}月" for m in range(13)], dtype=object)
        purpose = np.where(monthly, month_name[pay.pay_date.dt.month.to_numpy()] + purpose, purpose)
        if "purpose" in pay:
            given = pay.purpose.notna().to_numpy()
            purpose = np.where(given, pay.purpose.to_numpy(dtype=object), purpose)
        pay["purpose"] = purpose
        tags = pay._tags.fillna("").to_numpy(dtype=object)
        for k in np.flatnonzero(tags != ""):
            for tag in str(pay._tags.iat[k]).split("|"):
                code, note = tag.split(":", 1)
                self.label(code, "payment", pay.payment_id.iat[k], note)
        return pay


def _conform(name: str, df: pd.DataFrame) -> pd.DataFrame:
    """Columns of the contract in contract order, with the dtypes validated tables carry."""
    table = TABLES[name]
    out = pd.DataFrame(index=df.index)
    for col in table.columns:
        s = df[col.name] if col.name in df else pd.Series(pd.NA, index=df.index)
        if col.type in ("code", "text", "enum"):
            if s.isna().any():
                s = s.astype(object).where(s.notna(), "")
            if not pd.api.types.is_string_dtype(s):
                s = s.astype(str)
        elif col.type == "int":
            s = pd.to_numeric(s, errors="coerce").round().astype("Int64")
        elif col.type in ("money", "number"):
            s = pd.to_numeric(s, errors="coerce").astype(float).round(2)
        elif col.type in ("date", "timestamp"):
            s = pd.to_datetime(s)
            if col.type == "date":
                s = s.dt.normalize()
        elif col.type == "bool":
            s = s.astype("boolean")
        out[col.name] = s.to_numpy() if col.type not in ("int", "bool") else s.array
    return out.reset_index(drop=True)


def generate(seed: int = 0, size: str = "small") -> dict[str, pd.DataFrame]:
    """Generate every table of the data contract plus ``labels`` (the planted cases).

    ``size`` is a key of :data:`SIZES`: ``"small"`` (about 50,000 payments, a few MB) or ``"full"``
    (over a million payments, for scale runs). Deterministic in ``seed``; independent of the clock.
    The province sizes (:data:`PROVINCE_SIZES`) are too large to hold in memory: :func:`write` them.
    """
    if size in PROVINCE_SIZES:
        raise ValueError(f"size {size!r} is written city by city: use write(out_dir, size={size!r})")
    return _Builder(seed, size).run()


# ---------------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------------

#: The file that marks a directory as a generated sample (and therefore replaceable by :func:`write`).
MARKER = "labels.csv"

_SORT_KEYS: dict[str, tuple[str, ...]] = {
    "payments": ("pay_date", "payment_id"),
    "seal_events": ("used_at", "event_id"),
    "labels": ("indicator", "subject_type", "subject_id"),
}


def _format(name: str, df: pd.DataFrame) -> pd.DataFrame:
    """Render a table as the strings of the CSV contract: money with two decimals, ISO dates,
    ``YYYY-MM-DD HH:MM`` timestamps, ``true``/``false``, empty for missing."""
    if name == "labels":
        return df.astype(str)
    out = pd.DataFrame(index=df.index)
    for col in TABLES[name].columns:
        s = df[col.name]
        if col.type == "money":
            txt = np.char.mod("%.2f", np.nan_to_num(s.to_numpy(dtype=float)))
            out[col.name] = np.where(s.isna(), "", txt)
            out[col.name] = out[col.name].replace("-0.00", "0.00")
        elif col.type == "number":
            txt = np.char.mod("%.1f", np.nan_to_num(s.to_numpy(dtype=float)))
            out[col.name] = np.where(s.isna(), "", txt)
        elif col.type == "int":
            out[col.name] = s.astype("Int64").astype(str).replace("<NA>", "")
        elif col.type == "date":
            out[col.name] = s.dt.strftime("%Y-%m-%d").fillna("")
        elif col.type == "timestamp":
            out[col.name] = s.dt.strftime("%Y-%m-%d %H:%M").fillna("")
        elif col.type == "bool":
            out[col.name] = np.where(s.astype(bool), "true", "false")
        else:
            out[col.name] = s.fillna("").astype(str)
    return out


def _is_previous_sample(path: Path) -> bool:
    """A directory we may replace: it holds the marker and nothing but sample CSV files, or it is a
    province sample (:func:`fiscalrisk.samples_province.is_previous_province_sample`)."""
    from fiscalrisk.samples_province import is_previous_province_sample

    names = {p.name for p in path.iterdir()}
    allowed = {f"{t}.csv" for t in TABLES} | {MARKER}
    if MARKER in names and names <= allowed and all((path / n).is_file() for n in names):
        return True
    return is_previous_province_sample(path)


def write(out_dir: str | os.PathLike[str], seed: int = 0, size: str = "small") -> dict[str, Path]:
    """Generate a sample and write one ``<table>.csv`` per table plus ``labels.csv`` into ``out_dir``.

    For a province size (``province``, ``province-small``) the sample is written city by city as
    Parquet by :func:`fiscalrisk.samples_province.write` instead (payments partitioned by county; the
    ``payments`` entry of the result is the ``payments/`` folder).

    Files are UTF-8 with a header, rows sorted by the table's key, and byte-identical for the same
    seed and size. The directory is written next to its destination and renamed into place, so a
    failed run leaves nothing half-written. An existing ``out_dir`` is replaced only if it is empty
    or a previous sample (it contains ``labels.csv`` and only sample files); anything else raises
    :class:`FileExistsError` and is left untouched. The write is staged by :mod:`fiscalrisk.staging`
    (lock ``.<out>.lock``, recovery of a killed swap, leftovers of dead runs removed, including the
    ``.<out>.XXXXXXXX`` staging folders of older versions; a full disk becomes a user error).
    """
    from fiscalrisk.staging import StagedOutput

    if size in PROVINCE_SIZES:
        from fiscalrisk import samples_province

        manifest = samples_province.write(out_dir, seed=seed, size=size)
        out = Path(out_dir)
        return {name: out / (f"{name}.csv" if name == "labels" else name if name == "payments" else f"{name}.parquet")
                for name in manifest["counts"]}
    out = Path(out_dir)

    def check(out: Path) -> None:
        if out.exists():
            if not out.is_dir():
                raise FileExistsError(f"{out} exists and is not a directory")
            if any(out.iterdir()) and not _is_previous_sample(out):
                raise FileExistsError(
                    f"{out} is not empty and does not hold a previous sample ({MARKER} missing "
                    "or other files present); refusing to overwrite it"
                )

    def earlier_stage(folder: Path) -> bool:
        """A staging folder of an older version (tempfile.mkdtemp): sample CSV files only."""
        allowed = {f"{t}.csv" for t in TABLES} | {MARKER}
        return all(p.name in allowed and p.is_file() and not p.is_symlink() for p in folder.iterdir())

    check(out)  # before generating (a full sample takes minutes); again under the lock
    tables = generate(seed=seed, size=size)
    staged = StagedOutput(out, kind="tmp", check=check, legacy=earlier_stage)
    tmp = staged.open()
    try:
        written: dict[str, Path] = {}
        for name in sorted(tables):
            df = tables[name]
            keys = _SORT_KEYS.get(name) or (TABLES[name].key if name in TABLES else ())
            if keys:
                df = df.sort_values(list(keys), kind="stable")
            text = _format(name, df.reset_index(drop=True))
            text.to_csv(tmp / f"{name}.csv", index=False, encoding="utf-8", lineterminator="\n")
            written[name] = out / f"{name}.csv"
        staged.commit()
    except BaseException as exc:
        staged.abort(exc)  # the stage removed, the previous sample kept; a full disk becomes a user error
        raise
    return written
