"""Statistical detectors as indicators (统计异常检测): ANM01–ANM05.

Each function here is a thin layer over :mod:`fiscalrisk.detectors`: it chooses the subjects, builds
the series or frames the detector expects, calls it, and returns one row per assessed subject with the
detector's figures as evidence. No statistic is computed here; the registry grades and writes the
messages. Payments are those up to ``as_of`` (:attr:`ScanContext.payments`); negative amounts are
refunds or reversals (they count in net totals, never as amounts tested on their own).

The detectors are deterministic: the Benford chance quantile is simulated with a fixed seed and
cached, STL and the robust z have no randomness, the IsolationForest has ``random_state = seed``. The
same data and parameters give byte-identical findings.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import numpy as np
import pandas as pd

from fiscalrisk.detectors import (
    PaymentOutlierDetector,
    benford_test,
    first_two_digits,
    forecast_year_end,
    mad_of_counts,
    mad_quantile,
    payment_features,
    peer_outliers,
    stl_anomalies,
)
from fiscalrisk.frames import per_category, text, text_order
from fiscalrisk.indicators.budget import sangong_codes
from fiscalrisk.indicators.constraints import (
    COUNT,
    LEVEL,
    NON_NEGATIVE,
    SHARE,
    Integral,
    Interval,
    ListOf,
    MappingOf,
    Options,
    Param,
    Problem,
)
from fiscalrisk.indicators.registry import NotAssessed, ScanContext, flag_levels, indicator
from fiscalrisk.params import describe as _describe

__all__ = [
    "METRIC_DIRECTIONS",
    "complete_months",
    "contingency_mask",
    "execution_trajectories",
    "forecast_history",
    "history_trajectories",
    "last_complete_month",
    "peer_groups",
    "peer_group_label",
    "unit_year_metrics",
]

#: ANM03 fits its forest on at most this many payments (a seeded random subsample): each of the trees
#: draws 256 payments anyway, and fitting on a million rows only costs time.
_FIT_ROWS = 65_536

_TEST_ZH = {"first": "首位数字", "first_two": "前两位数字"}
_TEST_EN = {"first": "first-digit", "first_two": "first-two digits"}

#: ANM04 metrics and the direction in which a peer deviation is a risk: ``up`` grades z (a value far
#: above the peers), ``down`` grades −z (far below). The execution rate is a risk when it lags (idle
#: money, the MoF's 执行进度 concern); a unit ahead of its peers in June is usually one with front-loaded
#: works contracts, and a line spent beyond its budget is BUD03's finding.
METRIC_DIRECTIONS: dict[str, str] = {
    "sangong_per_head": "up",
    "execution_rate": "down",
    "cash_share": "up",
    "individual_share": "up",
    "december_share": "up",
}
_METRIC_ZH = {
    "sangong_per_head": "人均三公经费",
    "execution_rate": "预算执行率",
    "cash_share": "现金支付占比",
    "individual_share": "对个人支付占比",
    "december_share": "12月支付占比",
}
_METRIC_EN = {
    "sangong_per_head": "“three public expenses” per head",
    "execution_rate": "budget execution rate",
    "cash_share": "cash share of payments",
    "individual_share": "share paid to individuals",
    "december_share": "December share of payments",
}


# --------------------------------------------------------------------------------------------------
# shared helpers
# --------------------------------------------------------------------------------------------------


def last_complete_month(as_of: pd.Timestamp) -> pd.Period:
    """The last calendar month complete on ``as_of``: its own month on the month's last day, else the
    month before (30 June → June, 29 June → May)."""
    as_of = pd.Timestamp(as_of)
    month = as_of.to_period("M")
    return month if as_of.is_month_end else month - 1


def complete_months(as_of: pd.Timestamp, start_month: int = 1) -> int:
    """Complete months of the fiscal year of ``as_of`` (0 in its first month before the month's last
    day); the fiscal year starts in ``start_month`` (1: the calendar year)."""
    from fiscalrisk.calendar import fiscal_month, fiscal_year

    last = last_complete_month(as_of).to_timestamp()
    if fiscal_year(last, start_month) != fiscal_year(pd.Timestamp(as_of), start_month):
        return 0
    return int(fiscal_month(last, start_month))


_KIND_LABELS = {"department": ("部门", "departments"), "institution": ("事业单位", "institutions"),
                "township_government": ("乡镇政府", "township governments"), "unit": ("单位", "units")}
_LEVEL_LABELS = {"province": ("省级", "provincial"), "city": ("市级", "city"), "county": ("区县", "county"),
                 "township": ("乡镇", "township"), "all": ("", "")}


def peer_group_label(group: str, lang: str) -> str:
    """A peer group ``kind|level`` as a reader says it: 区县部门 / county departments (a kind the data
    name otherwise is shown as it is)."""
    kind, _, level = str(group).partition("|")
    zh = lang == "zh-CN"
    k = _KIND_LABELS.get(kind, (kind, kind))[0 if zh else 1]
    lv = _LEVEL_LABELS.get(level, (level, level))[0 if zh else 1]
    return (lv + k) if zh else " ".join(x for x in (lv, k) if x)


def peer_groups(ctx: ScanContext) -> pd.Series:
    """unit_code → peer group ``kind|region level`` (``department|county``, ...).

    Units of the same kind at the same level of the region tree are peers (ANM04, ANM05). A data set
    without ``units.kind`` groups by level only (kind ``unit``); without region levels, by kind only.
    """
    u = ctx.tables["units"].drop_duplicates("unit_code").set_index("unit_code")
    kind = u["kind"].astype("str").fillna("unit") if "kind" in u else pd.Series("unit", index=u.index)
    r = ctx.tables.get("regions")
    if r is not None and "level" in r:
        levels = r.drop_duplicates("region_code").set_index("region_code")["level"].astype("str")
        level = u["region_code"].astype("str").map(levels).fillna("all")
    else:
        level = pd.Series("all", index=u.index)
    return (kind + "|" + level).astype("str").rename("peer_group")


def _has_column(ctx: ScanContext, table: str, column: str) -> bool:
    t = ctx.tables.get(table)
    return t is not None and column in t.columns and not t.empty


def _month_labels(dates: pd.Series) -> np.ndarray:
    """``YYYY-MM`` of each date, fast for a million rows (a few distinct months, formatted once)."""
    key = (dates.dt.year * 12 + dates.dt.month - 1).to_numpy(dtype="int64")
    uniq, inv = np.unique(key, return_inverse=True)
    labels = np.array([f"{k // 12}-{k % 12 + 1:02d}" for k in uniq], dtype=object)
    return labels[inv]


def contingency_mask(ctx: ScanContext, df: pd.DataFrame) -> np.ndarray:
    """Rows of budget lines or payments charged to the contingency reserve (预备费).

    The reserve is budgeted (usually in the finance bureau) so as *not* to be spent unless something
    unforeseen happens; like PEFA PI-2.1, the execution rates of ANM04 and ANM05 leave it out. The
    prefixes are the outturn module's ``contingency_function_prefixes`` (["227"]) and
    ``contingency_economic_prefixes``.
    """
    mod = ctx.params.module("outturn") if ctx.params is not None else {}
    mask = np.zeros(len(df), dtype=bool)
    for col, key, default in (("function_code", "contingency_function_prefixes", ["227"]),
                              ("economic_code", "contingency_economic_prefixes", [])):
        prefixes = tuple(str(x) for x in mod.get(key, default))
        if prefixes and col in df:
            mask |= per_category(df[col], lambda c, prefixes=prefixes: c.str.startswith(prefixes).fillna(False)).astype(bool)
    return mask


# --------------------------------------------------------------------------------------------------
# ANM01 Benford
# --------------------------------------------------------------------------------------------------


def _benford_row(amounts: np.ndarray, two: np.ndarray, p: dict, q: float,
                 bands: dict[str, list[float]]) -> dict[str, Any]:
    """ANM01 of one unit-year or region-year: ``amounts`` (positive) and their first two digits ``two``."""
    n = len(amounts)
    min_two, min_first = int(p["min_n_first_two"]), int(p["min_n_first"])
    if n >= min_two:
        test = "first_two"
    elif n >= min_first:
        test = "first"
    else:
        return {"value": np.nan, "n": n, "test": "",
                "reason": f"fewer than {min_first} positive amounts (min_n_first): too few for a Benford test"}
    band = float(bands[test][2])  # the upper limit of "marginally acceptable": beyond it, nonconformity
    counted = two[two >= 0]
    counts = (np.bincount(counted - 10, minlength=90) if test == "first_two"
              else np.bincount(counted // 10 - 1, minlength=9))
    mad = mad_of_counts(test, counts)
    if not mad >= band:
        # conforming: the MAD from the digit counts is the whole verdict (the full test, the chance
        # quantile and the digit table are the second condition and the evidence of a finding)
        return {"value": mad, "n": int(counts.sum()), "test": test, "test_zh": _TEST_ZH[test],
                "test_en": _TEST_EN[test], "band": band, "mad_q": float("nan"), "level": "ok",
                "threshold": band, "top_digits": "", "reason": "", "evidence": None}
    res = benford_test(amounts, test)
    band = float(bands[test][2])  # the upper limit of "marginally acceptable": beyond it, nonconformity
    nonconform = bool(res.mad >= band)
    # the chance quantile and the digit table matter only where the band is crossed (they are the
    # second condition and the evidence of a finding); skipping them elsewhere keeps a scan fast
    mad_q = (mad_quantile(res.n, test, q, n_sim=int(p["simulations"]), seed=int(p["seed"]))
             if nonconform else float("nan"))
    flagged = bool(nonconform and res.mad > mad_q)
    top_list: list[dict[str, Any]] = []
    if flagged:
        top = res.largest_deviations(5)
        top_list = [
            {"digits": int(d), "observed": int(o), "expected": round(float(e), 2), "z": round(float(z), 2)}
            for d, o, e, z in zip(top.index, top["observed"], top["expected"], top["z"], strict=True)
        ]
    return {
        "value": res.mad,
        "n": res.n,
        "test": test,
        "test_zh": _TEST_ZH[test],
        "test_en": _TEST_EN[test],
        "band": band,
        "mad_q": mad_q,
        "level": str(p["level"]) if flagged else "ok",
        "threshold": max(band, mad_q) if nonconform else band,
        "top_digits": ", ".join(f"{t['digits']} ({t['observed']} vs {t['expected']:.0f})" for t in top_list),
        "reason": "",
        "evidence": {
            "test": test,
            "n": res.n,
            "n_excluded": res.n_excluded,
            "mad": res.mad,
            "conformity": res.conformity,
            "nonconformity_from": band,
            "mad_quantile": mad_q,
            "quantile": q,
            "simulations": int(p["simulations"]),
            "chi2": res.chi2,
            "chi2_pvalue": res.chi2_pvalue,
            "df": res.df,
            "ks": res.ks,
            "ks_critical": res.ks_critical,
            "top_deviating_digits": top_list,
        },
    }


def _check_benford(p: Mapping[str, Any]) -> Iterator[Problem]:
    """The MAD bounds of each digit test increase; the first-digit test needs no more payments than the
    first-two digits test."""
    for key in ("first_digit_mad", "first_two_mad"):
        bands = p.get(key)
        if isinstance(bands, list) and (len(bands) != 3 or sorted(bands) != bands):
            yield Problem((key,), "three increasing bounds [close, acceptable, marginal]", _describe(bands))
    if {"min_n_first", "min_n_first_two"} <= p.keys() and p["min_n_first"] > p["min_n_first_two"]:
        yield Problem(("min_n_first",), f"at most min_n_first_two ({p['min_n_first_two']})",
                      _describe(p["min_n_first"]))


@indicator(
    code="ANM01",
    value_unit="index",
    at_risk_rule="none: a digit test of the unit-year's amounts, not an amount",
    module="anomaly",
    subject_type="unit",
    name_zh="Benford 数字分布异常",
    name_en="Benford digit distribution",
    reads={"payments": ("pay_date", "unit_code", "amount")},
    grade="flag",
    why_zh="自然发生的支付金额首位数字服从本福特定律；编造的金额（如刻意压在审批限额之下）会使某些数字组合异常集中。",
    why_en="Amounts that arise naturally follow Benford's law in their leading digits; invented amounts "
    "(for instance kept just under an approval limit) pile up on a few digit combinations.",
    source="Nigrini (2012) Benford's Law, ch. 4–7 (MAD conformity bands); indicators.md ANM01",
    message_zh="{unit_name} {period}年{n:,}笔支付金额的{test_zh}检验不符合本福特定律：MAD {value:.4f}，"
    "高于不符合界限{band:.4f}及{n:,}个随机样本MAD的{quantile:.1%}分位数{mad_q:.4f}；偏离最大的数字：{top_digits}",
    message_en="{unit_name} {period}: the {test_en} test on {n:,} payment amounts does not conform to "
    "Benford's law: MAD {value:.4f}, above the nonconformity limit {band:.4f} and the {quantile:.1%} "
    "quantile {mad_q:.4f} of the MAD of {n:,} Benford draws; most deviating digits {top_digits}",
    check=_check_benford,
    params={
        "min_n_first_two": Param("positive amounts needed for the first-two digits test", COUNT),
        "min_n_first": Param("positive amounts needed for the first-digit test (fewer: not assessed)", COUNT),
        "quantile": Param("the MAD must also exceed this quantile of the MAD of N Benford draws", SHARE),
        "first_digit_mad": Param(
            "Nigrini's close / acceptable / marginal MAD limits, first digit",
            ListOf(NON_NEGATIVE),
        ),
        "first_two_mad": Param(
            "Nigrini's close / acceptable / marginal MAD limits, first-two digits",
            ListOf(NON_NEGATIVE),
        ),
        "simulations": Param(
            "draws of the simulated MAD quantile",
            Interval(Integral, 1, None, closed="left"),
        ),
        "seed": Param("random seed of the simulation", COUNT),
        "level": Param("level of a nonconforming unit or region", LEVEL),
    },
)
def anm01(ctx: ScanContext, p: dict) -> pd.DataFrame:
    """ANM01 Benford 数字分布异常 — Benford digit distribution of payment amounts.

    **What.** For each unit × budget year (subject ``unit``, period ``YYYY``; the payment's
    ``budget_year``, by default the year of pay_date — so a fiscal year April–March stays whole) and
    each region × budget year (subject ``region``): Nigrini's digit test on the positive payment amounts — the first-two digits
    test where N ≥ ``min_n_first_two`` (3,000), the first-digit test where ``min_n_first`` (500) ≤ N <
    3,000; below 500 the subject is not assessed (value NaN, with the reason). value = MAD.

    **Method.** :func:`fiscalrisk.detectors.benford_test` (digits cut exactly from the amount in cents,
    never from float logarithms). A finding needs both (the rule of
    :func:`fiscalrisk.detectors.anm01_flag`, with the limits taken from the parameters): MAD in
    Nigrini's nonconformity band (≥ the marginal limit, 0.015 first digit / 0.0022 first-two) AND above
    the ``quantile`` (99.9%) of the MAD of N draws from Benford's law
    (:func:`fiscalrisk.detectors.mad_quantile`, ``simulations`` draws with ``seed``, cached), because
    the bands flag perfectly conforming data when N is small. The recorded threshold is the larger of
    the two limits. Evidence: the test, N, MAD, the quantile, χ² with its p-value, KS, and the five
    digit (pairs) with the largest excess or shortfall of counts, with their z.

    **Exclusions.** Refunds and zero amounts (not counted); unit-years and region-years with fewer
    than 500 positive amounts (not assessed). A region row pools the payments of the units registered
    directly in that region (not its subtree), so every payment is tested once as part of its unit and
    once as part of its region, and small units (township health centres) that cannot be tested alone
    are covered at their region's level. Payroll-like series (one amount per month) make a unit less
    Benford-like; Nigrini tests all amounts nevertheless, and so does this test.
    """
    pay = ctx.payments
    pay = pay.loc[pay["amount"] > 0, ["unit_code", "region_code", "budget_year", "amount"]]
    if pay.empty:
        raise NotAssessed("no positive payment amounts")
    q = float(p["quantile"])
    bands = {"first": list(p["first_digit_mad"]),
             "first_two": list(p["first_two_mad"])}
    year = pay["budget_year"].astype("int64").to_numpy()
    amounts = pay["amount"].to_numpy(dtype="float64")
    two = first_two_digits(amounts)  # cut once for every group
    rows: list[dict[str, Any]] = []
    # the unit's region is looked up once by ctx.payments
    for kind, keys in (("unit", pay["unit_code"]), ("region", pay["region_code"])):
        # integer codes whose order is the text's order: groups in the order of (code, year) as text
        codes, labels = pd.factorize(keys, sort=True, use_na_sentinel=True)
        valid = codes >= 0
        frame = pd.DataFrame({"key": codes[valid], "year": year[valid]})
        groups = frame.groupby(["key", "year"], sort=True).indices
        vals, digits_ = amounts[valid], two[valid]
        for (k, y), idx in groups.items():
            key = str(labels[k])
            r = _benford_row(vals[idx], digits_[idx], p, q, bands)
            r.update(subject_type=kind, subject_id=key, period=str(y),
                     unit_code=key if kind == "unit" else pd.NA,
                     region_code=ctx.unit_region.get(key, pd.NA) if kind == "unit" else key)
            rows.append(r)
    out = pd.DataFrame(rows)
    out["unit_code"] = out["unit_code"].astype("str")
    out["region_code"] = out["region_code"].astype("str")
    out["level"] = out["level"].astype("str") if "level" in out else pd.Series(pd.NA, index=out.index, dtype="str")
    return out


# --------------------------------------------------------------------------------------------------
# ANM02 monthly STL anomalies
# --------------------------------------------------------------------------------------------------


def _largest_payments(pay: pd.DataFrame, unit_col: np.ndarray, mkey: np.ndarray,
                      hot: pd.DataFrame) -> dict[tuple[str, int], list[dict[str, Any]]]:
    """ANM02's evidence: the five largest payments of each unit × month of ``hot`` (``unit_code``,
    ``mkey``), from the payments ``pay`` whose units and month keys are ``unit_col`` and ``mkey``."""
    tops: dict[tuple[str, int], list[dict[str, Any]]] = {}
    if not hot.empty:
        wanted = pd.MultiIndex.from_arrays([hot["unit_code"], hot["mkey"]])
        sel_mask = pd.MultiIndex.from_arrays([unit_col, mkey]).isin(wanted)
        cols = ["payment_id", "unit_code", "amount"] + (["payee_name"] if "payee_name" in pay else [])
        sel = pay.loc[sel_mask, cols].assign(mkey=mkey[sel_mask])
        sel = sel.sort_values(["unit_code", "mkey", "amount", "payment_id"], ascending=[True, True, False, True])
        for (u, k), g in sel.groupby(["unit_code", "mkey"], sort=True):
            tops[(u, int(k))] = [{c: (round(float(r[c]), 2) if c == "amount" else r[c]) for c in cols
                                  if c != "unit_code"} for r in g.head(5).to_dict("records")]
    return tops


@indicator(
    code="ANM02",
    value_unit="z",
    at_risk="excess",
    at_risk_rule="the month's departure from its expected level: |observed − expected| net payments "
    "(expected = STL trend + season)",
    module="anomaly",
    subject_type="unit",
    name_zh="月度支出异常",
    name_en="Monthly spending anomaly",
    reads={"payments": ("payment_id", "pay_date", "unit_code", "amount")},
    grade="ge",
    why_zh="某月支出远超该单位的趋势和季节规律，可能是突击支出、集中付款或未经正常程序的大额采购。",
    why_en="A month far above the unit's own trend and seasonal pattern points at rushed spending, "
    "bunched payments or large purchases outside the normal procedure.",
    source="Cleveland et al. (1990) STL (statsmodels); Iglewicz & Hoaglin (1993) robust z; indicators.md ANM02",
    message_zh="{unit_name} {year}年{month}月净支付{observed:,.2f}元，按趋势和季节规律预期{expected:,.2f}元，"
    "残差稳健z值{value:.1f}",
    message_en="{unit_name}: net payments of {observed:,.2f} in {period} against {expected:,.2f} expected "
    "from the unit's trend and season; robust z of the residual {value:.1f}",
    params={
        "min_months": Param("months of payments needed (two seasonal cycles)", COUNT),
        "period": Param("seasonal period in months", Interval(Integral, 2, None, closed="left")),
        "direction": Param(
            "up: only months above the expected level are graded; both: |z|",
            Options("up", "both"),
        ),
        "warning": Param("robust z of the STL residual", NON_NEGATIVE),
        "alert": Param("robust z of the STL residual", NON_NEGATIVE),
    },
    evidence=("observed", "expected", "trend", "seasonal", "resid", "robust_z"),
)
def anm02(ctx: ScanContext, p: dict) -> pd.DataFrame:
    """ANM02 月度支出异常 — monthly spending anomaly.

    **What.** For each unit, its net payments per calendar month (payments minus refunds, by pay_date)
    from its first month with payments to its last one, no later than the last *complete* month on
    ``as_of`` (the current month counts once its last day is reached). Months without payments inside
    the range count as 0. One row per unit × month (subject the unit, period ``YYYY-MM``); value =
    robust z of the month's STL residual.

    **Method.** :func:`fiscalrisk.detectors.stl_anomalies`: STL with ``period`` 12 (statsmodels,
    non-robust fit, periodic seasonal — one seasonal pattern for all the years, as R's
    ``stl(s.window = "periodic")``; see the detector's measurements on simulated noise and spikes),
    residual scored with the robust z ``(resid − median) / (1.4826 · MAD)``. Graded ≥ 3.5 warning,
    ≥ 5 alert.

    Why a periodic seasonal: with 2 to 7 values of each calendar month, STL's default seasonal
    smoother (span 7) nearly interpolates them; it absorbs part of a spike and leaves residuals whose
    variance differs between the middle and the end years, so one MAD for all months overstates the
    z of ordinary middle-year months. Measured on simulated 48-month series: pure-noise months at
    |z| ≥ 3.5 fell from 1.0% to 0.18% (normal tail 0.05%), and a 7.5 sd spike was found in 97% of the
    series instead of 58%. The price: the same calendar month abnormal in two years raises that
    month's seasonal value, and the smaller of the two can be missed.

    Direction (``direction: up``, the default): only months *above* the expected level are graded.
    Decision: an abnormally high month is what the indicator is for (one-off purchases, rushed
    spending, money moved out in one go); an abnormally low month is in practice a timing artefact —
    payroll or a utility bill paid on the first working day of the next month, a month of refunds —
    and with plain STL a genuine spike leaves a mirror dip in the same calendar month of neighbouring
    years, so grading dips would flag the wrong month. Spending that stalls is BUD01's concern.
    ``direction: both`` grades |z|.

    **Exclusions.** Units with fewer than ``min_months`` months (not assessed, with the reason); the
    incomplete current month. Echo months: with plain STL a spike (or dip) leaks into the seasonal curve
    and leaves residuals of its own, of the opposite sign, in the same calendar month of the other
    years (with the periodic seasonal about the spike divided by the number of years; with a span-7
    seasonal in a 36-month series as large as the spike's own: a 4× May in the third year gave the
    first May a z of +11 and the second −22). As the detector's documentation says, those months are
    read together: of a unit's months of one calendar month, only the one furthest from the trend
    (|observed − trend|; they share the same season) is graded, the others are assessed but never
    flagged. Two genuine spikes in the same calendar month of different years are therefore reported
    once (the larger); a pattern that repeats every year is season, not anomaly, anyway. At exactly 24
    months the seasonal value of a calendar month takes half of a spike (weak evidence; see
    :mod:`fiscalrisk.detectors.seasonal`).
    """
    min_months = int(p["min_months"])
    period = int(p["period"])
    direction = str(p["direction"])
    if direction not in ("up", "both"):
        raise ValueError(f"indicator ANM02: parameter 'direction' expected up or both; got {direction!r}")
    last = last_complete_month(ctx.as_of)
    last_key = last.year * 12 + last.month - 1
    pay = ctx.payments
    # months as integers (year·12 + month − 1): grouping a million payments by Period is slow
    mkey = (pay["pay_date"].dt.year * 12 + pay["pay_date"].dt.month - 1).to_numpy(dtype="int64")
    keep = mkey <= last_key
    pay, mkey = pay.loc[keep], mkey[keep]
    if pay.empty:
        raise NotAssessed(f"no payments in complete months up to {last}")
    unit_col = text(pay["unit_code"]).to_numpy()
    monthly = pd.Series(pay["amount"].to_numpy(dtype="float64")).groupby(
        [unit_col, mkey], sort=True).sum()
    warn = float(p["warning"])
    parts: list[dict[str, Any]] = []
    for unit, s in monthly.groupby(level=0, sort=True):
        keys = s.index.get_level_values(1).to_numpy()
        span = int(keys.max() - keys.min() + 1)
        need = max(min_months, 2 * period)  # STL separates a season from the trend only over two periods
        if span < need:
            parts.append({"unit_code": [unit], "mkey": [int(keys.max())], "value": [np.nan], "months": [span],
                          "reason": [f"fewer than {need} months of payments "
                                     + ("(min_months)" if need == min_months else f"(STL needs two periods of {period})")]})
            continue
        idx = pd.PeriodIndex.from_fields(year=keys // 12, month=keys % 12 + 1, freq="M")
        res = stl_anomalies(pd.Series(s.to_numpy(), index=idx), period=period)
        full = np.arange(keys.min(), keys.max() + 1)
        obs, trend = res.observed.to_numpy(), res.trend.to_numpy()
        z = res.robust_z.to_numpy()
        # echo months (see Exclusions): of one calendar month, the one furthest from the trend is graded
        dev = np.abs(obs - trend)
        moy = full % 12
        top = pd.Series(dev).groupby(moy).transform("max").to_numpy()
        echo = dev < top
        parts.append({
            "unit_code": [unit] * len(full), "mkey": full, "observed": obs, "trend": trend,
            "seasonal": res.seasonal.to_numpy(), "resid": res.resid.to_numpy(), "robust_z": z,
            "value": z if direction == "up" else np.abs(z),
            "level": np.where(echo, "ok", None), "months": [span] * len(full),
            "resid_scale": [res.resid_scale] * len(full), "scale_method": [res.scale_method] * len(full),
            "reason": [""] * len(full),
        })
    out = pd.concat([pd.DataFrame(d) for d in parts], ignore_index=True)
    for col in ("observed", "trend", "seasonal", "resid", "robust_z", "resid_scale", "scale_method"):
        if col not in out:  # no unit had enough months
            out[col] = np.nan
    if "level" not in out:
        out["level"] = None
    out["level"] = out["level"].astype("str")
    out["expected"] = out["trend"] + out["seasonal"]
    out["excess"] = (out["observed"] - out["expected"]).abs()
    mk = out["mkey"].to_numpy(dtype="int64")
    out["year"] = mk // 12
    out["month"] = mk % 12 + 1
    out["period"] = [f"{y}-{m:02d}" for y, m in zip(out["year"], out["month"], strict=True)]
    out["subject_id"] = out["unit_code"]
    first = out.groupby("unit_code")["period"].transform("first")
    lastp = out.groupby("unit_code")["period"].transform("last")

    # the month's largest payments, for the months that reach the warning level
    hot = out.loc[(out["value"] >= warn) & out["level"].isna(), ["unit_code", "mkey"]]
    tops = _largest_payments(pay, unit_col, mkey, hot)
    out["evidence"] = [
        {"months": int(m), "first_month": fm, "last_month": lm, "resid_scale": rs, "scale_method": sm,
         "period": period, "direction": direction, "largest_payments": tops.get((u, int(k)), [])}
        if not r else {"reason": r}
        for u, k, m, fm, lm, rs, sm, r in zip(
            out["unit_code"], out["mkey"], out["months"], first, lastp, out["resid_scale"],
            out["scale_method"], out["reason"], strict=True)
    ]
    return out


# --------------------------------------------------------------------------------------------------
# ANM03 payment outliers
# --------------------------------------------------------------------------------------------------


@indicator(
    code="ANM03",
    value_unit="index",
    at_risk="amount",
    at_risk_rule="the payment's amount",
    module="anomaly",
    subject_type="payment",
    name_zh="支付金额异常",
    name_en="Payment amount outlier",
    reads={"payments": ("payment_id", "pay_date", "unit_code", "economic_code", "payee_name", "amount")},
    grade="flag",
    why_zh="单笔支付金额远超同类支出的正常范围且特征罕见，可能是录入错误、虚增金额或资金挪用。",
    why_en="A payment far outside the normal range of its kind, with rare features, may be a keying "
    "error, an inflated amount or a diversion of funds.",
    source="Liu, Ting & Zhou (2008) Isolation Forest (scikit-learn); Iglewicz & Hoaglin (1993); "
    "indicators.md ANM03",
    message_zh="{unit_name} {pay_date:%Y-%m-%d}向“{payee_name}”支付{amount:,.2f}元（经济分类{economic_code}），"
    "为本单位该科目支付中位数{usual:,.2f}元的{ratio:,.1f}倍；组内稳健z值{group_z:.1f}（阈值{z_threshold}），"
    "孤立森林异常分{iforest:.3f}（阈值{score_threshold}）",
    message_en="{unit_name} paid {amount:,.2f} to “{payee_name}” on {pay_date:%Y-%m-%d} (economic code "
    "{economic_code}), {ratio:,.1f} times the unit's median of {usual:,.2f} for that code; robust z in "
    "its group {group_z:.1f} (cut-off {z_threshold}), isolation-forest score {iforest:.3f} (cut-off "
    "{score_threshold})",
    params={
        "z_threshold": Param(
            "cut-off on |robust z| of log(amount) within economic prefix × region",
            NON_NEGATIVE,
        ),
        "score_threshold": Param("cut-off on the IsolationForest anomaly score s(x) in (0, 1)", SHARE),
        "economic_digits": Param(
            "economic-code prefix length of the comparison group",
            Interval(Integral, 1, None, closed="left"),
        ),
        "min_group_size": Param(
            "positive payments a group needs to be scored",
            Interval(Integral, 1, None, closed="left"),
        ),
        "n_estimators": Param("IsolationForest trees", Interval(Integral, 1, None, closed="left")),
        "seed": Param("IsolationForest random_state", COUNT),
        "direction": Param(
            "up: only payments far above their group; both: far above or below",
            Options("up", "both"),
        ),
        "level": Param("level of an outlying payment", LEVEL),
    },
    evidence=("payment_id", "amount", "economic_code", "group", "group_z", "iforest", "combined_score",
              "usual", "ratio", "payee_frequency", "z_threshold", "score_threshold"),
)
def anm03(ctx: ScanContext, p: dict) -> pd.DataFrame:
    """ANM03 支付金额异常 — payment amount outlier.

    **What.** Each positive payment up to ``as_of`` (subject ``payment``, period ``YYYY-MM``). value =
    the combined anomaly score ``a(x) = min(s(x), score_threshold · |z| / z_threshold)`` of
    :class:`fiscalrisk.detectors.PaymentOutlierDetector`; a payment is an outlier exactly when the
    IsolationForest score ``s(x) > score_threshold`` (0.65) AND the group robust z ``|z| > z_threshold``
    (3.5). Both cut-offs are written into each finding (threshold = ``score_threshold``; evidence has
    both, with s(x) and z).

    **Method.** :func:`fiscalrisk.detectors.payment_features`: log amount, payee frequency (payments of
    the unit to that payee), weekday, day of month, amount relative to the unit's median for the
    economic code; and the robust z of log10(amount) within economic prefix (``economic_digits`` 3) ×
    region, for groups of at least ``min_group_size`` payments. The forest (``n_estimators`` trees,
    256 payments drawn per tree, ``random_state = seed``) is fitted on the positive payments — on a
    seeded random subsample of 65,536 of them when there are more (each tree draws its 256 from that
    pool; the scores of a million payments then take seconds) — and scores every candidate. Because
    the verdict needs |z| > z_threshold, the forest score is computed only for payments that pass the
    z cut-off; the others are assessed and cannot be outliers (value = their z part of the combined
    score). There is no contamination rate: nothing forces a share of payments to be outliers.

    Direction (``direction: up``, the default): only payments far *above* their group are graded
    (z > z_threshold). Decision: the risk is money paid out — an inflated invoice, a digit added by
    mistake, a diversion; a payment far below its group (a small reimbursement booked on a code whose
    payments are usually large) costs nothing and was most of what ``both`` flagged when measured.

    **Exclusions.** Refunds and reversals (negative amounts); payments in groups smaller than
    ``min_group_size`` (z = 0: never outliers).
    """
    pay = ctx.payments
    cols = [c for c in ("payment_id", "unit_code", "region_code", "pay_date", "pay_month", "economic_code",
                        "payee_name", "amount") if c in pay.columns]
    pay = pay.loc[(pay["amount"] > 0).to_numpy(), cols]  # only the columns used: a province has millions
    if pay.empty:
        raise NotAssessed("no positive payment amounts")
    order = text_order(pay["payment_id"])  # row order must not change the forest
    if order is not None:
        pay = pay.take(order)
    pay = pay.reset_index(drop=True)
    z_thr = float(p["z_threshold"])
    s_thr = float(p["score_threshold"])
    digits = int(p["economic_digits"])
    X, z = payment_features(pay, ctx.tables.get("units"), economic_digits=digits,
                            min_group=int(p["min_group_size"]))
    Xz = X
    Xz["group_robust_z"] = z  # the detector's last column (no copy of the features: a province has millions)
    seed = int(p["seed"])
    fit_rows = np.arange(len(Xz))
    if len(fit_rows) > _FIT_ROWS:  # each tree draws 256 payments: a seeded subsample is as good a pool
        fit_rows = np.sort(np.random.default_rng(seed).choice(len(Xz), _FIT_ROWS, replace=False))
    det = PaymentOutlierDetector(threshold=s_thr, z_threshold=z_thr, z_column="group_robust_z",
                                 n_estimators=int(p["n_estimators"]), max_samples=256,
                                 random_state=seed).fit(Xz.iloc[fit_rows])
    direction = str(p["direction"])
    if direction not in ("up", "both"):
        raise ValueError(f"indicator ANM03: parameter 'direction' expected up or both; got {direction!r}")
    zv = z.to_numpy()
    absz = np.abs(zv)
    # the detector's verdict needs |z| > z_threshold; with direction up only the high side can pass
    cand = (zv > z_thr) if direction == "up" else (absz > z_thr)
    iforest = np.full(len(pay), np.nan)
    if cand.any():
        iforest[cand] = det.anomaly_components(Xz.loc[cand])["iforest"].to_numpy()
    z_part = s_thr * (np.clip(zv, 0, None) if direction == "up" else absz) / z_thr
    combined = np.where(cand, np.minimum(iforest, z_part), z_part)
    hit = cand & (iforest > s_thr)

    out = pay  # a copy of this frame's own columns: the result adds to it
    out["subject_id"] = out["payment_id"]
    out["period"] = pay["pay_month"] if "pay_month" in pay else _month_labels(out["pay_date"])
    out["value"] = combined
    out["combined_score"] = combined
    out["iforest"] = iforest
    out["group_z"] = zv
    out["z_threshold"] = z_thr
    out["score_threshold"] = s_thr
    out["threshold"] = s_thr
    out["level"] = flag_levels(hit, str(p["level"]))
    # message and evidence figures: only the candidates can become findings
    c = out.loc[cand]
    region = c["unit_code"].astype("str").map(ctx.unit_region).fillna("")
    out["group"] = (c["economic_code"].astype("str").str.slice(0, digits).fillna("") + " × " + region)
    out["ratio"] = pd.Series(10.0 ** X["rel_unit_median"].to_numpy()[cand], index=c.index)
    out["usual"] = out["amount"] / out["ratio"]
    out["payee_frequency"] = pd.Series(np.rint(10.0 ** X["payee_frequency"].to_numpy()[cand] - 1.0), index=c.index)
    return out


# --------------------------------------------------------------------------------------------------
# ANM04 peer outliers
# --------------------------------------------------------------------------------------------------


def _metric_text(metric: str, v: float) -> str:
    if not np.isfinite(v):
        return ""
    return f"{v:,.2f}" if metric == "sangong_per_head" else f"{v:.2%}"


def unit_year_metrics(ctx: ScanContext, metrics: Iterable[str] | None = None) -> pd.DataFrame:
    """ANM04's metrics per unit × budget year up to the year of ``as_of``.

    Columns: unit_code, year, peer_group and each metric the data allow (a metric whose column is
    absent from the data set is left out):

    * ``sangong_per_head`` 三公 net payments (``modules.budget.sangong_economic_codes``) / headcount;
    * ``execution_rate`` net payments of the budget year / the unit's adjusted budget of that year,
      both without the contingency reserve (:func:`contingency_mask`);
    * ``cash_share`` cash payments / all positive payments (value);
    * ``individual_share`` positive payments to individual payees / all positive payments (value);
    * ``december_share`` net payments paid in the budget year's last month (December; the last month
      of the fiscal year, ``calendar.fiscal_year_start_month``) / annual net payments (as BUD02),
      completed years only.

    Payments count for their ``budget_year`` (the year of pay_date when absent) up to ``as_of``; for
    the current year the metrics are year-to-date, which every peer shares (same date).
    """
    wanted = list(metrics or METRIC_DIRECTIONS)
    unknown = [m for m in wanted if m not in METRIC_DIRECTIONS]
    if unknown:
        raise ValueError(f"indicator ANM04: parameter 'metrics' has unknown metric(s) {unknown}; expected "
                         f"some of {list(METRIC_DIRECTIONS)}")
    pay = ctx.payments
    pay = pay.loc[pay["budget_year"] <= ctx.year]
    keys = [text(pay["unit_code"]).rename("unit_code"), pay["budget_year"].astype("int64").rename("year")]
    amount = pay["amount"]
    pos = amount.clip(lower=0)
    base = pd.DataFrame({"net": amount.groupby(keys).sum(), "gross": pos.groupby(keys).sum()})
    cols: dict[str, pd.Series] = {}
    if "sangong_per_head" in wanted and "economic_code" in pay and _has_column(ctx, "units", "headcount"):
        sg = amount.where(pay["economic_code"].isin(sangong_codes(ctx)), 0.0).groupby(keys).sum()
        u = ctx.tables["units"].drop_duplicates("unit_code").set_index("unit_code")["headcount"]
        head = pd.to_numeric(u, errors="coerce").astype("float64")
        h = base.index.get_level_values("unit_code").map(head).to_numpy(dtype="float64")
        per_head = sg.reindex(base.index).to_numpy() / np.where(h > 0, h, 1.0)
        cols["sangong_per_head"] = pd.Series(np.where(h > 0, per_head, np.nan), index=base.index)
    if "execution_rate" in wanted and ctx.has("budget") and not ctx.tables["budget"].empty:
        b = ctx.budget
        b = b.loc[~contingency_mask(ctx, b)]
        bud = b.groupby([b["unit_code"].astype("str").rename("unit_code"),
                         b["year"].astype("int64").rename("year")])["adjusted_amount"].sum()
        bud = bud.reindex(base.index)
        net = amount.where(~contingency_mask(ctx, pay), 0.0).groupby(keys).sum()
        cols["execution_rate"] = (net / bud.where(bud > 0)).astype("float64")
    gross = base["gross"].where(base["gross"] > 0)
    if "cash_share" in wanted and "method" in pay:
        cash = pos.where(pay["method"] == "cash", 0.0).groupby(keys).sum()
        cols["cash_share"] = cash / gross
    if "individual_share" in wanted and "payee_type" in pay:
        ind = pos.where(pay["payee_type"] == "individual", 0.0).groupby(keys).sum()
        cols["individual_share"] = ind / gross
    if "december_share" in wanted:
        # the budget year's last month: December, or March for an April start (as BUD02)
        dec = amount.where((ctx.fiscal_month(pay["pay_date"]) == 12).to_numpy(dtype=bool), 0.0).groupby(keys).sum()
        completed = base.index.get_level_values("year") < ctx.year
        cols["december_share"] = (dec / base["net"].where(base["net"] > 0)).where(completed)
    out = base.assign(**cols).reset_index()
    out["peer_group"] = out["unit_code"].map(peer_groups(ctx)).fillna("unknown").astype("str")
    return out[["unit_code", "year", "peer_group", "net", "gross", *[m for m in wanted if m in cols]]]


@indicator(
    code="ANM04",
    value_unit="z",
    at_risk_rule="none: a robust z against the peers (the metrics are shares and per-head figures)",
    module="anomaly",
    subject_type="unit",
    name_zh="同级比较异常",
    name_en="Peer outlier",
    reads={"payments": ("pay_date", "unit_code", "amount"), "units": ("unit_code", "region_code")},
    grade="ge",
    why_zh="同类型、同层级单位的支出结构应大体相近；某单位的三公人均、执行率、现金或对个人支付占比、年底支付占比远离同级单位，"
    "说明其支出管理存在需要解释的特殊情况。",
    why_en="Units of the same kind and level spend alike; a unit far from its peers in 三公 per head, "
    "execution, cash or individual payments or its December share has something to explain.",
    source="Iglewicz & Hoaglin (1993) robust z; indicators.md ANM04",
    message_zh="{unit_name} {period}年{metric_zh}为{metric_text}，同级单位（{peer_group_zh}，{peer_n}家）"
    "中位数{median_text}，稳健z值{robust_z:.1f}",
    message_en="{unit_name} {period}: {metric_en} {metric_text} against a median of {median_text} "
    "among its {peer_n} peers ({peer_group_en}); robust z {robust_z:.1f}",
    params={
        "metrics": Param(
            "the metrics compared (sangong_per_head, execution_rate, cash_share, individual_share, "
            "december_share)",
            ListOf(Options(*METRIC_DIRECTIONS)),
        ),
        "min_peers": Param(
            "units with a value a peer group needs",
            Interval(Integral, 1, None, closed="left"),
        ),
        "min_difference": Param(
            "per metric, the least distance from the peer median that can be graded (0: none)",
            MappingOf(NON_NEGATIVE),
        ),
        "warning": Param("robust z in the risky direction", NON_NEGATIVE),
    },
    evidence=("peer_group", "metric", "metric_value", "peer_median", "peer_n", "robust_z"),
)
def anm04(ctx: ScanContext, p: dict) -> pd.DataFrame:
    """ANM04 同级比较异常 — peer outlier.

    **What.** Per unit × budget year up to ``as_of`` (subject the unit, period ``YYYY``), the metrics of
    :func:`unit_year_metrics` — 三公 per head, execution rate, cash share, individual-payee share,
    December share — each compared with the units of the same kind at the same level of the region
    tree (peer group ``kind|level``, e.g. ``department|county``, named in the evidence and the
    message). value = the largest risk-direction robust z over the metrics; the message names that
    metric, the evidence holds every metric's value, peer median, peer count and z.

    **Method.** :func:`fiscalrisk.detectors.peer_outliers`: robust z ``(value − peer median) / (1.4826 ·
    MAD)`` within peer group × year × metric (mean-absolute-deviation fallback when MAD is 0), groups
    with fewer than ``min_peers`` units not assessed. Direction (:data:`METRIC_DIRECTIONS`): a value far
    *above* the peers is the risk for 三公 per head and the three shares (z is graded); for the
    execution rate, far *below* (−z: idle money). A unit ahead of its peers in mid-year is typically
    one paying front-loaded works contracts, and spending beyond a budget line is BUD03's finding.
    The current year is compared year-to-date (every peer is measured on the same ``as_of``); the
    December share only in completed years. The execution rate leaves out the contingency reserve
    (预备费, function 227: budgeted not to be spent), as PEFA PI-2.1 does.

    **Materiality.** When more than half of the peers share one value (typically a cash share of 0),
    the robust z falls back to the mean absolute deviation and a unit with a cash share of 0.01 % can
    reach z = 15. ``min_difference`` (e.g. ``cash_share: 0.005``) leaves such immaterial differences
    ungraded (z set to 0, ``immaterial`` in the evidence). It is off by default: the catalogue defines
    the indicator by the robust z alone, and a floor is a local-practice choice.

    **Exclusions.** The December share of the current year; metrics whose data are absent (no ``headcount``: no 三公 per head;
    no budget: no execution rate; no ``method`` / ``payee_type``: no cash / individual share); unit-years
    whose annual net payments are not positive (no December share); peer groups smaller than
    ``min_peers`` (not assessed, with the reason).
    """
    metrics = [str(m) for m in p["metrics"]]
    frame = unit_year_metrics(ctx, metrics)
    if frame.empty:
        raise NotAssessed(f"no payments of a budget year up to {ctx.year}")
    present = [m for m in metrics if m in frame.columns]
    if not present:
        raise NotAssessed("none of the metrics can be computed from the data set")
    long = peer_outliers(frame, present, min_peers=int(p["min_peers"]))
    if long.empty:
        raise NotAssessed("no metric has a value")
    direction = long["metric"].map(METRIC_DIRECTIONS)
    long["risk_z"] = np.where(direction == "down", -long["robust_z"],
                              np.where(direction == "both", long["robust_z"].abs(), long["robust_z"]))
    # optional materiality: a difference from the peer median below min_difference is not graded
    floor = long["metric"].map({k: float(v) for k, v in dict(p["min_difference"]).items()}).fillna(0.0)
    long["immaterial"] = ((long["value"] - long["peer_median"]).abs() < floor) & (floor > 0)
    long["risk_z"] = np.where(long["immaterial"] & (long["risk_z"] > 0), 0.0, long["risk_z"])
    long = long.sort_values(["unit_code", "year", "risk_z", "metric"], ascending=[True, True, False, True],
                            na_position="last", kind="stable")
    rows = []
    # one pass over plain records (a pandas group per unit × year is slow for a thousand subjects)
    for (unit, year), grp in itertools.groupby(long.to_dict("records"), key=lambda r: (r["unit_code"], r["year"])):
        g = list(grp)
        top = g[0]
        assessed = any(np.isfinite(r["risk_z"]) for r in g)
        ev = {
            "peer_group": top["peer_group"],
            "metrics": {
                r["metric"]: {"value": r["value"], "peer_median": r["peer_median"], "peer_n": int(r["peer_n"]),
                              "peer_scale": r["peer_scale"], "scale_method": r["scale_method"],
                              "robust_z": r["robust_z"], "direction": METRIC_DIRECTIONS[r["metric"]],
                              **({"immaterial": True} if r["immaterial"] else {})}
                for r in sorted(g, key=lambda r: r["metric"])
            },
        }
        rows.append({
            "unit_code": unit, "subject_id": unit, "period": str(int(year)),
            "value": top["risk_z"] if assessed else np.nan,
            "metric": top["metric"], "metric_zh": _METRIC_ZH[top["metric"]], "metric_en": _METRIC_EN[top["metric"]],
            "metric_value": top["value"], "metric_text": _metric_text(top["metric"], top["value"]),
            "median_text": _metric_text(top["metric"], top["peer_median"]),
            "peer_group": top["peer_group"], "peer_n": int(top["peer_n"]),
            "peer_group_zh": peer_group_label(top["peer_group"], "zh-CN"),
            "peer_group_en": peer_group_label(top["peer_group"], "en"),
            "peer_median": top["peer_median"], "robust_z": top["robust_z"],
            "reason": "" if assessed else f"peer group {top['peer_group']} has {int(top['peer_n'])} units, "
            f"below min_peers {int(p['min_peers'])}",
            "evidence": ev,
        })
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------------
# ANM05 year-end execution forecast
# --------------------------------------------------------------------------------------------------


def execution_trajectories(ctx: ScanContext) -> pd.DataFrame:
    """Cumulative execution rate at the end of each month, per unit × budget year (ANM05's input).

    Index (unit_code, year), columns months 1..12 of the fiscal year (``calendar.fiscal_year_start_month``;
    month 1 = January in China), plus ``budget``. Payments count for their budget year when paid within
    it (payments after the year's last day are outside the year's trajectory). The contingency reserve
    is left out of both sides (:func:`contingency_mask`).
    """
    b = ctx.budget
    b = b.loc[~contingency_mask(ctx, b)]
    bud = b.groupby([b["unit_code"].astype("str").rename("unit_code"),
                     b["year"].astype("int64").rename("year")])["adjusted_amount"].sum()
    bud = bud.loc[bud > 0]
    pay = ctx.payments
    pay = pay.loc[(pay["budget_year"] == ctx.fiscal_year(pay["pay_date"])).to_numpy(dtype=bool)
                  & ~contingency_mask(ctx, pay)]
    m = pay.groupby([text(pay["unit_code"]).rename("unit_code"),
                     pay["budget_year"].astype("int64").rename("year"),
                     ctx.fiscal_month(pay["pay_date"]).astype("int64").rename("month")])["amount"].sum()
    m = m.unstack("month").reindex(columns=range(1, 13)).fillna(0.0)
    m = m.reindex(bud.index).fillna(0.0)
    cum = m.cumsum(axis=1).div(bud, axis=0)
    cum["budget"] = bud
    return cum


def history_trajectories(ctx: ScanContext, traj: pd.DataFrame, year: int) -> pd.DataFrame:
    """The rows of ``traj`` usable as history for ``year``: earlier budget years that the payments
    table covers from their first month (a year whose first months are missing has no true profile)."""
    first_pay = ctx.payments["pay_date"].min()
    first_full = ctx.fiscal_year(first_pay) + (0 if ctx.fiscal_month(first_pay) == 1 else 1)
    years = traj.index.get_level_values("year")
    return traj.loc[(years < year) & (years >= first_full)]


def forecast_history(hist: pd.DataFrame, unit: str, groups: pd.Series, min_years: int = 2,
                     hist_group: pd.Index | None = None) -> tuple[pd.DataFrame, str]:
    """ANM05's choice of history trajectories for ``unit`` (months 1..12) and its description.

    The unit's own earlier years when it has at least ``min_years``; otherwise the pooled years of its
    peer group (``groups``, :func:`peer_groups`); if those are fewer than 5, the years of every unit.
    ``hist_group`` (the peer group of each row of ``hist``) may be passed precomputed.
    """
    months = list(range(1, 13))
    hist_units = hist.index.get_level_values("unit_code")
    own = hist.loc[hist_units == unit, months]
    if len(own) >= min_years:
        return own, f"own history, {len(own)} years"
    if hist_group is None:
        hist_group = hist_units.map(groups)
    grp = groups.get(unit, "unknown")
    h = hist.loc[hist_group == grp, months]
    if len(h) >= 5:
        return h, f"pooled peers ({grp}), {len(h)} unit-years"
    h = hist[months]
    return h, f"pooled, all units, {len(h)} unit-years"


@indicator(
    code="ANM05",
    value_unit="ratio",
    at_risk="unspent",
    at_risk_rule="the budget forecast to stay unspent even at the interval's upper end: "
    "budget × (1 − upper bound), at least 0",
    module="anomaly",
    subject_type="unit",
    name_zh="年末执行预测（早知道）",
    name_en="Year-end execution forecast",
    reads={"budget": ("year", "unit_code", "function_code", "economic_code", "original_amount"),
           "payments": ("pay_date", "unit_code", "amount")},
    grade="lt",
    why_zh="按当前执行进度和以往年度的月度规律，预测到年底预算执行率仍明显不足，应提前督促执行或调整预算，避免资金沉淀和年底突击花钱。",
    why_en="If, at the current pace and the unit's usual monthly pattern, the budget will be far from spent "
    "by year end, the bureau should act now — push execution or adjust the budget — rather than see "
    "idle money or a December rush.",
    source="statsmodels OLS prediction interval (percent-of-year-complete forecasting); MoF treasury "
    "monitoring (year-end execution); indicators.md ANM05",
    message_zh="{unit_name} {period}年截至{last_month_zh}末预算执行率{current:.1%}，预测年末执行率{point:.1%}"
    "（{interval:.0%}区间{lower:.1%}–{value:.1%}），区间上限低于{threshold:.0%}",
    message_en="{unit_name}: budget execution {current:.1%} at the end of month {months_used} of {period}; "
    "year-end forecast {point:.1%} ({interval:.0%} interval {lower:.1%}–{value:.1%}), upper bound below "
    "{threshold:.0%}",
    params={
        "interval": Param("coverage of the prediction interval", SHARE),
        "min_history_years": Param(
            "earlier years of the unit's own monthly profile needed; fewer: pooled peers",
            COUNT,
        ),
        "warning": Param("upper bound of the forecast year-end execution rate, strictly below", NON_NEGATIVE),
        "alert": Param("upper bound, strictly below", NON_NEGATIVE),
    },
    evidence=("point", "lower", "upper", "current", "months_used", "method", "history", "n_history",
              "budget", "executed"),
)
def anm05(ctx: ScanContext, p: dict) -> pd.DataFrame:
    """ANM05 年末执行预测（早知道）— year-end execution forecast.

    **What.** For each unit with a budget in the (fiscal) year of ``as_of`` (subject the unit, period
    ``YYYY``): the forecast of its execution rate at the year's end — 31 December in China, the last day
    of the fiscal year elsewhere (``calendar.fiscal_year_start_month``; months are counted from the
    fiscal year's first) — (net payments of the budget year paid within it
    / the unit's adjusted budget), with a ``interval`` (80%) prediction interval. value = the interval's
    upper bound, graded *below* 0.90 warning, below 0.80 alert (grade ``lt``): even the optimistic end
    of the forecast leaves the budget far from spent.

    **Method.** :func:`fiscalrisk.detectors.forecast_year_end` on the unit's cumulative execution at the
    end of months 1..k (k = the last complete month on ``as_of``), against history trajectories of
    earlier years (cumulative rate at each month end). History, decided here:

    * the unit's own earlier years when it has at least ``min_history_years`` (2) of them — a unit's
      own calendar (when its payroll, contracts and grants are paid) is the best guide to its year;
    * otherwise the pooled trajectories of its peers (same kind and region level, as ANM04), all
      earlier years — a new unit is assumed to spend like units doing the same work; if the peers have
      fewer than 5 trajectories, those of every unit.

    The detector regresses December on month k (OLS, ≥ 5 rows: the pooled case) or adds the mean
    remaining increment with a Student-t interval (2–4 rows: the own-history case, wide with 2 years —
    honestly so). ``method`` in the evidence says which, with the history used. Earlier years count
    only when the payments table covers them from January.

    Why own history first (measured on the synthetic Huzhou sample, forecasting 2025 from 2023–2024 at
    the end of March, June and September, 150 units): the own two years covered the actual December
    rate in 75–79% of cases for a nominal 80% (mean absolute error 0.03, interval width about 0.09);
    pooled peers (OLS) were more precise (error 0.01, width 0.026) but covered only 69–71%, because a
    regression over other units ignores where this unit usually ends. An upper bound that is too
    tight raises false warnings, so the calibrated interval is the default; pooling is the fallback
    for units without history. (The sample's units share one seasonal profile, which flatters
    pooling; real units differ more.)

    **Exclusions.** Units without a positive budget this year; before the end of January (no complete
    month: not assessed); units with no usable history (value NaN, with the reason). At k = 12 the year
    is complete and the actual rate is graded.
    """
    year = ctx.year
    k = complete_months(ctx.as_of, ctx.fiscal_start)
    last_month_zh = f"{(k - 1 + ctx.fiscal_start - 1) % 12 + 1}月"  # the calendar month that ends month k
    if k < 1:
        raise NotAssessed(f"no complete month of {year} on {ctx.as_of:%Y-%m-%d}")
    interval = float(p["interval"])
    min_years = int(p["min_history_years"])
    traj = execution_trajectories(ctx)
    cur = traj.loc[traj.index.get_level_values("year") == year]
    if cur.empty:
        raise NotAssessed(f"no unit has a positive budget in {year}")
    hist = history_trajectories(ctx, traj, year)
    groups = peer_groups(ctx)
    hist_group = hist.index.get_level_values("unit_code").map(groups)
    rows = []
    for (unit, _y), r in cur.iterrows():
        h, source = forecast_history(hist, unit, groups, min_years, hist_group)
        cum = r[list(range(1, k + 1))]
        res = forecast_year_end(cum, h, interval)
        reason = "" if np.isfinite(res.upper) else f"no forecast interval ({res.method}; {source})"
        rows.append({
            "unit_code": unit, "subject_id": unit, "period": str(year),
            "value": res.upper, "point": res.point, "lower": res.lower, "upper": res.upper,
            "current": res.current, "months_used": res.months_used, "method": res.method,
            "history": source, "n_history": res.n_history, "interval": interval, "last_month_zh": last_month_zh,
            "budget": round(float(r["budget"]), 2), "executed": round(float(r[k] * r["budget"]), 2),
            "unspent": (round(max(0.0, 1.0 - float(res.upper)) * float(r["budget"]), 2)
                        if np.isfinite(res.upper) else np.nan),
            "reason": reason,
        })
    return pd.DataFrame(rows)
