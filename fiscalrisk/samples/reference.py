"""Reference tables of the Huzhou-like sample: sizes and dates, the region tree, budget units and their
names, economic classifications, payees, and the local limits the background respects."""

from __future__ import annotations

import datetime as dt
from functools import cache

import numpy as np
import pandas as pd

from fiscalrisk import params, resources

#: Generation sizes of one city. ``density`` multiplies the number of discretionary payments per
#: budget line; ``seals`` the number of e-seal events per unit and year.
SIZES: dict[str, dict[str, float]] = {
    "small": {"density": 0.3, "seals": 0.2},
    "full": {"density": 30.0, "seals": 3.0},
}
#: Province sizes, written by :mod:`fiscalrisk.samples.province` (cities of size small or full).
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

# Treasury split-payment threshold (PAY06, the value of params/defaults.yaml) and the margins the background
# keeps from it.
_SPLIT_T = 300_000.0
_LOW_BAND = 130_000.0  # two monthly payments below this (plus noise) stay below T
_HIGH_BAND = 330_000.0  # payments at or above T (even after noise) are not part of a split

# Local limits set in the regions' params files (params/<region>.yaml) that the background must also
# respect: read from the bundled params, so that the sample follows the files and does not depend on
# FISCALRISK_PARAMS_DIR (in a checkout its params/, in an installed package the shipped copy).


@cache
def local_limit(region_code: str, indicator: str, key: str) -> float:
    """The value of ``indicators.<indicator>.<key>`` that applies to ``region_code`` (its own params file
    layered over its ancestors' and the defaults)."""
    return float(params.resolve(region_code, params_dir=resources.bundled_dir("params")).indicator(indicator)[key])


def round_from() -> float:
    """PAY08 ``min_amount``: the background never pays a round amount from the lowest local value on
    (南浔区 reviews round amounts from 50,000)."""
    return min(local_limit(r[0], "PAY08", "min_amount") for r in _REGIONS)


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
