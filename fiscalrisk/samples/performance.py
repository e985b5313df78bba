"""The budget performance tables of the Huzhou-like sample, with planted, labelled PRF cases.

Built from the sample's finished budget and payments (:func:`performance_tables`), with its own random
stream (``numpy.random.default_rng([seed, STREAM])``), so adding these tables changes no other table
and no other finding. What a bureau keeps (``shared/spec/performance.md``):

- **targets** for every project-year of the budget: a quantitative output (数量指标, cumulative, ``ge``),
  a qualitative quality or timeliness output, an effect (社会效益 ``ge``, or a qualitative 可持续影响), a
  satisfaction target (≥ 90 %) and, for some, a cost ceiling (``le``, 万元);
- **quarterly progress reports** (31 March, 30 June, 30 September, 31 December) up to ``as_of``: a
  cumulative output in step with the project's spending (its net payments to date over the year's
  adjusted budget), effects, satisfaction and cost reported at year end;
- **ex-ante evaluations** (事前绩效评估) of every new project with a first-year budget of 5 million or more,
  dated before its first payment; **self-evaluations** (单位自评) of every project-year of a completed
  year, scored close to what the project's own figures give; a few **finance evaluations** (财政评价).

The background is clean under the defaults of PRF01–PRF06: targets complete, completions of completed
years ≥ 0.95, current-year completions within a few points of the spending, self-evaluations within a
few points of the computed score. The planted cases and their labels are listed in :data:`PLANTED`.
The sample's 2026 budgets are calibrated to the first half's payments (every project-year of 2026 is
over 90 % executed at 30 June) and its completed years are 93–99 % executed, so the planted cases use
those rates: the money of the PRF03 alert is 93 % out while the works are 30 % done.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["STREAM", "PLANTED", "performance_tables"]

#: the second word of the performance tables' random stream (``default_rng([seed, STREAM])``)
STREAM = 14

#: Planted cases: (role, project_code, year). Roles are read by :func:`performance_tables`.
PLANTED: tuple[tuple[str, str, int], ...] = (
    ("no_targets", "XM330521-008-202401", 2025),          # PRF01 alert (12.7 million)
    ("no_targets", "XM330503-006-202401", 2026),          # PRF01 warning (0.84 million)
    ("qualitative_output", "XM330500-002-202501", 2025),  # PRF02
    ("no_effect", "XM330521-002-202501", 2026),           # PRF02
    ("out_of_step_alert", "XM330522-010-202501", 2026),   # PRF03 alert: 93 % paid, works 30 % done
    ("out_of_step_warning", "XM330500-007-202501", 2026),  # PRF03 warning
    ("missed_output", "XM330503-010-202401", 2025),       # PRF04 alert (+ an honest 中 self-evaluation)
    ("unreported", "XM330521-010-202401", 2024),          # PRF04 warning: satisfaction never reported
    ("inflated_self", "XM330502-008-202401", 2024),       # PRF05 alert: 95 while the output target was missed
    ("no_ex_ante", "ZX330521-004-202601", 2026),          # PRF06 warning: not yet paid
    ("late_ex_ante", "XM330503-007-202501", 2025),        # PRF06 alert: evaluated after its first payment
)

_QUARTERS = ((3, 31), (6, 30), (9, 30), (12, 31))
_OUTPUTS = (("完成道路改造里程", "公里", 3.0, 30.0), ("新建改造设施数量", "个", 8.0, 60.0),
            ("完成河道综合整治长度", "公里", 2.0, 15.0), ("完成改造面积", "万平方米", 1.0, 12.0))
_EFFECTS = (("受益群众人数", "人", 5_000.0, 60_000.0), ("带动就业人数", "人", 50.0, 600.0))


def _execution(budget: pd.DataFrame, payments: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Project-years (year, unit_code, project_code, adjusted, net, rate) and the payments charged to
    their lines (the same matching as the scan: budget_year, unit, function, economic, project)."""
    keys = ["unit_code", "function_code", "economic_code", "project_code"]
    b = budget.loc[budget["project_code"].astype(str) != ""].copy()
    b["adjusted"] = b["adjusted_amount"].fillna(b["original_amount"])
    p = payments.loc[payments["project_code"].astype(str) != ""].copy()
    p["year"] = p["budget_year"].astype("int64")
    lines = b[["year", *keys]].drop_duplicates()
    lines["year"] = lines["year"].astype("int64")
    p = p.merge(lines, on=["year", *keys], how="inner")
    py = b.assign(year=b["year"].astype("int64")).groupby(["year", "unit_code", "project_code"], sort=True)[
        "adjusted"].sum().reset_index()
    net = p.groupby(["year", "unit_code", "project_code"])["amount"].sum()
    py["net"] = [float(net.get(k, 0.0)) for k in zip(py["year"], py["unit_code"], py["project_code"], strict=True)]
    py["rate"] = py["net"] / py["adjusted"].where(py["adjusted"] > 0)
    return py, p[["year", "unit_code", "project_code", "pay_date", "amount"]]


@dataclass
class _Out:
    """The rows of the three tables and the labels, as they are built."""

    targets: list[dict] = field(default_factory=list)
    reports: list[dict] = field(default_factory=list)
    evaluations: list[dict] = field(default_factory=list)
    labels: list[tuple[str, str, str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class _Draws:
    """What one project-year draws: twelve uniforms, in the same order for every project-year."""

    u: np.ndarray

    @property
    def output(self) -> tuple[str, str, float]:
        """The quantitative output: name, unit, target value."""
        name, unit, lo, hi = _OUTPUTS[int(self.u[0] * len(_OUTPUTS))]
        return name, unit, round(lo + (hi - lo) * self.u[1], 1)

    @property
    def effect(self) -> tuple[str, str, float]:
        """The quantitative effect: name, unit, target value."""
        name, unit, lo, hi = _EFFECTS[int(self.u[2] * len(_EFFECTS))]
        return name, unit, float(round(lo + (hi - lo) * self.u[3], -1))

    @property
    def qualitative_effect(self) -> bool:
        return bool(self.u[4] < 0.3)

    @property
    def with_cost(self) -> bool:
        return bool(self.u[5] < 0.5)

    @property
    def final_share(self) -> float:
        """Output reached by year end (completed years)."""
        return float(0.95 + 0.10 * self.u[6])

    @property
    def in_step(self) -> float:
        """Current year: completion / execution."""
        return float(0.90 + 0.15 * self.u[7])

    @property
    def effect_share(self) -> float:
        return float(0.97 + 0.15 * self.u[8])

    @property
    def satisfaction(self) -> float:
        return round(91.0 + 7.0 * self.u[9], 1)

    @property
    def noise(self) -> float:
        """Units report a little below or above what their figures give."""
        return float(-5.0 + 8.0 * self.u[10])

    @property
    def timely(self) -> bool:
        """A timeliness (else a quality) output target."""
        return bool(self.u[11] < 0.5)


def performance_tables(tables: dict[str, pd.DataFrame], seed: int, as_of: pd.Timestamp,
                       names: dict[str, str] | None = None) -> tuple[dict[str, pd.DataFrame], list[tuple[str, str, str, str]]]:
    """The three performance tables for the sample's ``tables`` and the labels of the planted cases
    (indicator, subject_type, subject_id, note)."""
    rng = np.random.default_rng([seed, STREAM])
    names = names or {}
    py, paid = _execution(tables["budget"], tables["payments"])
    py = py.loc[(py["adjusted"] > 0) & (py["year"] <= as_of.year)].reset_index(drop=True)
    role = {(code, year): r for r, code, year in PLANTED}
    present = set(zip(py["project_code"], py["year"], strict=True))
    missing = [(c, y) for c, y in role if (c, y) not in present]
    if missing:  # the planted cases name project-years of the seed-0 budget; another seed may lack them
        role = {k: v for k, v in role.items() if k in present}
    out = _Out()
    cum = paid.sort_values("pay_date").groupby(["year", "project_code"])

    def cum_rate(year: int, project: str, day: pd.Timestamp, adjusted: float) -> float:
        try:
            g = cum.get_group((year, project))
        except KeyError:
            return 0.0
        return float(g.loc[g["pay_date"] <= day, "amount"].sum()) / adjusted

    for r in py.itertuples(index=False):
        kind = role.get((str(r.project_code), int(r.year)), "")
        # draws happen for every project-year in the same order, planted or not
        draws = _Draws(rng.random(12))
        if kind == "no_targets":
            out.labels.append(("PRF01", "project", str(r.project_code), f"{int(r.year)}: adjusted budget "
                               f"{r.adjusted:,.0f} with no performance target"))
            continue
        output_done = _targets(out, r, kind, draws)
        _reports(out, r, kind, draws, as_of, output_done, cum_rate)
        if int(r.year) < as_of.year:
            _self_evaluation(out, r, kind, draws, as_of, output_done)
    _ex_ante(out, tables, py, role, rng, names)
    frames = {
        "performance_targets": pd.DataFrame(out.targets),
        "performance_progress": pd.DataFrame(out.reports),
        "performance_evaluations": pd.DataFrame(out.evaluations).sort_values("evaluation_id", ignore_index=True),
    }
    return frames, out.labels


def _targets(out: _Out, r: Any, kind: str, draws: _Draws) -> float:
    """The targets of a project-year (PRF02 cases lack one); returns the share of the output reached by
    year end (PRF04 and PRF05 cases miss it)."""
    year, unit, code = int(r.year), str(r.unit_code), str(r.project_code)
    out_name, out_unit, out_value = draws.output
    eff_name, eff_unit, eff_value = draws.effect
    tid = f"{code}-{year}"  # starts with the project code: a city of the province sample recodes it
    rows = []
    if kind != "qualitative_output":
        rows.append(dict(target_id=f"{tid}-01", level1="output", level2="数量指标", name=out_name,
                         direction="ge", target_value=out_value, measure_unit=out_unit, weight=None))
    rows.append(dict(target_id=f"{tid}-02", level1="output", level2="时效指标" if draws.timely else "质量指标",
                     name="按合同工期完工" if draws.timely else "工程质量符合设计和规范要求", direction=None,
                     target_value=None, measure_unit=None, weight=None))
    if kind != "no_effect":
        if draws.qualitative_effect:
            rows.append(dict(target_id=f"{tid}-03", level1="effect", level2="可持续影响指标",
                             name="长效管护机制健全", direction=None, target_value=None, measure_unit=None,
                             weight=None))
        else:
            rows.append(dict(target_id=f"{tid}-03", level1="effect", level2="社会效益指标", name=eff_name,
                             direction="ge", target_value=eff_value, measure_unit=eff_unit, weight=None))
    rows.append(dict(target_id=f"{tid}-04", level1="satisfaction", level2="满意度指标", name="服务对象满意度",
                     direction="ge", target_value=90.0, measure_unit="%", weight=None))
    if draws.with_cost:
        rows.append(dict(target_id=f"{tid}-05", level1="cost", level2="经济成本指标", name="项目支出控制在预算内",
                         direction="le", target_value=round(r.adjusted / 10_000, 1), measure_unit="万元",
                         weight=None))
    for row in rows:
        out.targets.append({"year": year, "unit_code": unit, "project_code": code, **row})
    if kind == "qualitative_output":
        out.labels.append(("PRF02", "project", code, f"{year}: outputs only qualitative (按期完工), no "
                           "quantitative output target"))
    if kind == "no_effect":
        out.labels.append(("PRF02", "project", code, f"{year}: no effect (效益) target"))
    if kind in ("missed_output", "inflated_self"):
        return 0.50 if kind == "missed_output" else 0.35
    return draws.final_share


def _reports(out: _Out, r: Any, kind: str, draws: _Draws, as_of: pd.Timestamp, output_done: float,
             cum_rate: Any) -> None:
    """Quarterly progress of the output in step with the spending (PRF03 cases out of step), and the
    year-end effect, satisfaction (never reported by a PRF04 case) and cost of a completed year."""
    year, code = int(r.year), str(r.project_code)
    done = year < as_of.year
    _name, _unit, out_value = draws.output
    tid = f"{code}-{year}"
    for month, day in _QUARTERS:
        d = pd.Timestamp(year, month, day)
        if d > as_of:
            break
        rate_d = cum_rate(year, code, d, float(r.adjusted))
        if kind == "qualitative_output":
            break
        if done:  # in step with the spending through the year, and what it reached at year end
            share = output_done if month == 12 else output_done * min(1.0, rate_d / r.rate if r.rate > 0 else 1.0)
        elif kind == "out_of_step_alert":
            share = 0.30 * month / 6
        elif kind == "out_of_step_warning":
            share = 0.55 * month / 6
        else:
            share = rate_d * draws.in_step
        out.reports.append({"target_id": f"{tid}-01", "report_date": d,
                            "actual_value": round(out_value * min(share, 1.2), 1), "note": f"{month}月末累计"})
    if done:
        end = pd.Timestamp(year, 12, 31)
        if kind != "no_effect" and not draws.qualitative_effect:
            out.reports.append({"target_id": f"{tid}-03", "report_date": end,
                                "actual_value": round(draws.effect[2] * draws.effect_share, 0), "note": "年度"})
        if kind != "unreported":
            out.reports.append({"target_id": f"{tid}-04", "report_date": end, "actual_value": draws.satisfaction,
                                "note": "问卷调查"})
        if draws.with_cost:
            out.reports.append({"target_id": f"{tid}-05", "report_date": end,
                                "actual_value": round(r.net / 10_000, 1), "note": "决算"})
    if kind == "out_of_step_alert":
        out.labels.append(("PRF03", "project", code, f"{year}: {r.rate:.0%} of the budget paid at 30 June, the "
                           "cumulative output 30% done (alert)"))
    if kind == "out_of_step_warning":
        out.labels.append(("PRF03", "project", code, f"{year}: {r.rate:.0%} paid, the cumulative output 55% done "
                           "(warning)"))
    if kind == "missed_output":
        out.labels.append(("PRF04", "target", f"{tid}-01", f"{year}: output target reached 50% (alert)"))
    if kind == "unreported":
        out.labels.append(("PRF04", "target", f"{tid}-04", f"{year}: satisfaction target never reported (warning)"))
    if kind == "inflated_self":
        out.labels.append(("PRF04", "target", f"{tid}-01", f"secondary: {year} output target reached 35% "
                           "(the project of the inflated self-evaluation)"))


def _self_evaluation(out: _Out, r: Any, kind: str, draws: _Draws, as_of: pd.Timestamp,
                     output_done: float) -> None:
    """The self-evaluation of a completed year: the computed score, give or take a few points (a PRF05
    case inflated); some years also a finance evaluation."""
    year, unit, code = int(r.year), str(r.unit_code), str(r.project_code)
    comp = {"execution": min(float(r.rate), 1.0)}
    if kind != "qualitative_output":
        comp["output"] = min(output_done, 1.0)
    if kind != "no_effect" and not draws.qualitative_effect:
        comp["effect"] = min(draws.effect_share, 1.0)
    comp["satisfaction"] = 0.0 if kind == "unreported" else 1.0
    weights = {"execution": 10.0, "output": 50.0, "effect": 30.0, "satisfaction": 10.0}
    computed = 100.0 * sum(weights[k] * v for k, v in comp.items()) / sum(weights[k] for k in comp)
    score = round(min(98.5, computed + draws.noise), 1)
    if kind == "inflated_self":
        score = 95.0
        out.labels.append(("PRF05", "project", code, f"{year}: self-evaluated 95 (优) while {r.rate:.0%} was "
                           f"spent and the output target reached 35%: computed {computed:.1f}"))
    if kind == "missed_output":  # an honest self-evaluation of a missed year: graded 中
        score = round(min(score, 79.0), 1)
        out.labels.append(("PRF05", "project", code, f"secondary: {year} self-evaluation graded 中 "
                           "(the project whose output target was missed)"))
    grade = "优" if score >= 90 else "良" if score >= 80 else "中" if score >= 60 else "差"
    out.evaluations.append({"evaluation_id": f"{code}-{year}-ZP", "year": year, "unit_code": unit,
                            "project_code": code, "kind": "self", "evaluation_date": pd.Timestamp(year + 1, 3, 20),
                            "score": score, "grade": grade, "conclusion": "项目总体完成年度绩效目标" if
                            score >= 80 else "部分产出目标未完成"})
    if year == as_of.year - 2 and draws.u[11] < 0.4:
        fscore = round(min(99.0, computed - 2.0 + 3.0 * draws.u[10]), 1)
        out.evaluations.append({"evaluation_id": f"{code}-{year}-CZ", "year": year, "unit_code": unit,
                                "project_code": code, "kind": "finance",
                                "evaluation_date": pd.Timestamp(year + 1, 6, 15), "score": fscore,
                                "grade": "优" if fscore >= 90 else "良" if fscore >= 80 else "中",
                                "conclusion": "财政重点评价"})


def _ex_ante(out: _Out, tables: dict[str, pd.DataFrame], py: pd.DataFrame, role: dict[tuple[str, int], str],
             rng: np.random.Generator, names: dict[str, str]) -> None:
    """Ex-ante evaluations of new projects of 5 million or more, before their first payment (PRF06 cases
    missing or late)."""
    first_year = int(tables["budget"]["year"].min())
    firsts = py.sort_values(["project_code", "year"]).drop_duplicates("project_code")
    pays = tables["payments"]
    pays = pays.loc[pays["project_code"].astype(str) != ""]
    first_pay = pays.groupby("project_code")["pay_date"].min()
    for r in firsts.itertuples(index=False):
        code, year = str(r.project_code), int(r.year)
        v = rng.random(2)
        if year <= first_year or r.adjusted < 5_000_000:
            continue
        kind = role.get((code, year), "")
        fp = first_pay.get(code, pd.NaT)
        approve = pd.Timestamp(year - 1, 10, 15) + pd.Timedelta(days=int(v[0] * 40))
        if kind == "no_ex_ante":
            out.labels.append(("PRF06", "project", code, f"new in {year}, {r.adjusted:,.0f} budgeted, no ex-ante "
                               "evaluation (not yet paid: warning)"))
            continue
        date = approve if pd.isna(fp) or approve < fp else fp - pd.Timedelta(days=30)
        if kind == "late_ex_ante":
            date = fp + pd.Timedelta(days=45)
            out.labels.append(("PRF06", "project", code, f"new in {year}, {r.adjusted:,.0f} budgeted, ex-ante "
                               f"evaluation dated after its first payment of {fp:%Y-%m-%d} (alert)"))
        score = round(80.0 + 15.0 * v[1], 1)
        out.evaluations.append({"evaluation_id": f"{code}-{year}-SQ", "year": year, "unit_code": str(r.unit_code),
                                "project_code": code, "kind": "ex_ante", "evaluation_date": date.normalize(),
                                "score": score, "grade": "优" if score >= 90 else "良",
                                "conclusion": f"{names.get(code, '项目')}立项必要、方案可行"})
