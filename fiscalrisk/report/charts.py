"""Altair chart builders for the dashboard and the regional reports, usable offline.

Every builder is a pure function: a tidy DataFrame and a language in, an :class:`altair.Chart` out,
with its title, axes and legends taken from the message catalogue (:mod:`fiscalrisk.report.i18n`)
and a CJK-capable font in its config, so Chinese text renders wherever the chart is drawn (Noto Sans
CJK, Debian package ``fonts-noto-cjk``). Nothing here fetches anything from the network:

* :func:`render_offline` turns a chart into SVG or PNG with vl-convert (static HTML and PDF reports);
* :func:`enable_offline_renderer` makes Jupyter / Voila draw charts with the Vega bundle shipped by
  vl-convert instead of a CDN (anywidget's ``JupyterChart``).

Builders accept ``configure=False`` to return an unconfigured chart that can still be layered or
concatenated (Vega-Lite only allows a config at the top level); configure the result with
:func:`style`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import altair as alt
import pandas as pd

from fiscalrisk.report.i18n import MODULES, module_label, normalize_lang, t

__all__ = [
    "FONT",
    "LEVEL_COLORS",
    "GRADE_COLORS",
    "style",
    "execution_curve",
    "risk_ranking",
    "alert_heatmap",
    "pefa_scorecard",
    "yoy_bar",
    "performance_scatter",
    "render_offline",
    "enable_offline_renderer",
    "save_offline_bundle",
    "show",
]

#: Font stack of every chart: Noto Sans CJK SC has the Chinese glyphs; sans-serif is the fallback.
FONT = "Noto Sans CJK SC, sans-serif"

#: Colours of the levels: the bureau's yellow (黄色预警) and red (红色预警) warnings.
LEVEL_COLORS: dict[str, str] = {"ok": "#4c9a6a", "info": "#6b7b8c", "warning": "#e8a317", "alert": "#c8102e"}

#: PEFA letter grades from green (A) to red (D); NA grey.
GRADE_COLORS: dict[str, str] = {"A": "#1a7f4b", "B": "#7cb342", "C": "#f2b01e", "D": "#c8102e", "NA": "#b8bec6"}

_INK = "#1f2d3d"
_MUTED = "#6b7785"
_ACCENT = "#1f5fa8"
_GRID = "#e6e9ee"

#: PEFA dimensions of the scorecard, in the order of the framework.
PEFA_DIMENSIONS: tuple[str, ...] = ("PI-1", "2.1", "2.2", "2.3", "PI-2", "3.1", "3.2", "PI-3")


def _config() -> dict[str, Any]:
    return {
        "font": FONT,
        "background": "white",
        "view": {"stroke": None},
        "title": {"font": FONT, "fontSize": 15, "fontWeight": 600, "color": _INK, "anchor": "start",
                  "subtitleFont": FONT, "subtitleColor": _MUTED, "subtitleFontSize": 12, "offset": 10},
        "axis": {"labelFont": FONT, "titleFont": FONT, "labelColor": _MUTED, "titleColor": _MUTED,
                 "labelFontSize": 11, "titleFontSize": 11, "titleFontWeight": 500, "gridColor": _GRID,
                 "domainColor": "#c9ced6", "tickColor": "#c9ced6"},
        "legend": {"labelFont": FONT, "titleFont": FONT, "labelColor": _INK, "titleColor": _MUTED,
                   "labelFontSize": 11, "titleFontSize": 11, "orient": "bottom", "direction": "horizontal"},
        "header": {"labelFont": FONT, "titleFont": FONT},
        "text": {"font": FONT},
        "mark": {"font": FONT},
    }


def style(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """``chart`` with the product's config: CJK font, muted axes, titles anchored left."""
    cfg = _config()
    return (
        chart.configure(font=cfg["font"], background=cfg["background"])
        .configure_view(**cfg["view"])
        .configure_title(**cfg["title"])
        .configure_axis(**cfg["axis"])
        .configure_legend(**cfg["legend"])
        .configure_header(**cfg["header"])
        .configure_text(**cfg["text"])
    )


def _title(key: str, lang: str, subtitle: str | None = None) -> alt.TitleParams:
    return alt.TitleParams(text=t(key, lang), subtitle=subtitle or alt.Undefined)


def _finish(chart: alt.TopLevelMixin, configure: bool) -> alt.TopLevelMixin:
    return style(chart) if configure else chart


def _require(df: pd.DataFrame, columns: tuple[str, ...], what: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"{what}: the frame lacks column(s) {', '.join(missing)}; it has {', '.join(map(str, df.columns))}")


# --------------------------------------------------------------------------------------------------
# Cumulative execution against 序时进度
# --------------------------------------------------------------------------------------------------


def execution_curve(
    curve: pd.DataFrame,
    lang: str = "zh-CN",
    *,
    title: str | None = None,
    width: int = 460,
    height: int = 260,
    configure: bool = True,
) -> alt.TopLevelMixin:
    """Cumulative budget execution by month against the time-progress (序时进度) line.

    ``curve`` has one row per month: ``month`` (1–12), ``executed`` (cumulative net payments of the
    budget year / adjusted budget, a ratio, NaN for months not yet reached), ``progress`` (time
    progress at the month's end, a ratio) and, optionally, ``forecast``, ``lower`` and ``upper``
    (the year-end forecast path with its interval, for the months after ``as_of``), drawn as a
    dashed line inside a shaded band. ``title`` replaces the catalogue title (e.g. with a region name).
    """
    lang = normalize_lang(lang)
    _require(curve, ("month", "executed", "progress"), "execution_curve")
    actual, progress, forecast = (t("chart.execution.actual", lang), t("chart.execution.progress", lang),
                                  t("chart.execution.forecast", lang))
    df = curve.copy()
    df["month"] = df["month"].astype("int64")
    long = []
    for col, label in (("executed", actual), ("progress", progress), ("forecast", forecast)):
        if col in df.columns:
            part = df.loc[df[col].notna(), ["month", col]].rename(columns={col: "rate"})
            part["series"] = label
            long.append(part)
    lines = pd.concat(long, ignore_index=True)
    month_axis = alt.Axis(
        values=list(range(1, 13)), tickMinStep=1, grid=False,
        labelExpr="datum.value + '月'" if lang == "zh-CN" else
        "['Jan','Feb','Mar','Apr','May','Jun','Jul','Aug','Sep','Oct','Nov','Dec'][datum.value - 1]",
    )
    x = alt.X("month:Q", title=t("chart.execution.x", lang), scale=alt.Scale(domain=[1, 12], nice=False),
              axis=month_axis)
    y_title = t("chart.execution.y", lang)
    color = alt.Color(
        "series:N", title=None,
        scale=alt.Scale(domain=[actual, progress, forecast], range=[_ACCENT, "#8a94a3", _ACCENT]),
    )
    dash = alt.StrokeDash(
        "series:N", legend=None,
        scale=alt.Scale(domain=[actual, progress, forecast], range=[[1, 0], [5, 4], [2, 3]]),
    )
    layers: list[alt.Chart] = []
    has_band = {"lower", "upper"} <= set(df.columns) and df[["lower", "upper"]].notna().any().any()
    if has_band:
        band = df.loc[df["lower"].notna() & df["upper"].notna(), ["month", "lower", "upper"]].assign(
            band=t("chart.execution.band", lang))
        layers.append(
            alt.Chart(band).mark_area(opacity=0.16, color=_ACCENT).encode(
                x=x, y=alt.Y("lower:Q"), y2="upper:Q",
                tooltip=[alt.Tooltip("month:Q", title=t("chart.execution.x", lang)),
                         alt.Tooltip("lower:Q", title=t("chart.execution.band", lang) + " ↓", format=".1%"),
                         alt.Tooltip("upper:Q", title=t("chart.execution.band", lang) + " ↑", format=".1%")],
            )
        )
    base = alt.Chart(lines).encode(
        x=x,
        y=alt.Y("rate:Q", title=y_title, axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1], clamp=False)),
        color=color,
        strokeDash=dash,
        tooltip=[alt.Tooltip("series:N", title=t("chart.execution.series", lang)),
                 alt.Tooltip("month:Q", title=t("chart.execution.x", lang)),
                 alt.Tooltip("rate:Q", title=y_title, format=".1%")],
    )
    layers.append(base.mark_line(strokeWidth=2.4, interpolate="monotone"))
    layers.append(base.transform_filter(alt.datum.series == actual).mark_circle(size=38, opacity=1))
    chart = alt.layer(*layers).properties(
        width=width, height=height,
        title=alt.TitleParams(text=title or t("chart.execution.title", lang),
                              subtitle=t("chart.execution.subtitle", lang) if has_band else alt.Undefined),
    )
    return _finish(chart, configure)


# --------------------------------------------------------------------------------------------------
# Units ranked by risk score
# --------------------------------------------------------------------------------------------------


def risk_ranking(
    scores: pd.DataFrame,
    lang: str = "zh-CN",
    *,
    top: int = 12,
    width: int = 420,
    bar_height: int = 20,
    configure: bool = True,
) -> alt.TopLevelMixin:
    """Horizontal bars of the ``top`` units by risk score (0–100), highest first.

    ``scores`` has ``name`` and ``score``; optional ``alerts``, ``warnings``, ``top_indicators`` and
    ``region_name`` appear in the tooltip. The bar colour says whether a unit has red alerts.
    """
    lang = normalize_lang(lang)
    _require(scores, ("name", "score"), "risk_ranking")
    df = scores.loc[scores["score"].fillna(0) > 0].sort_values(["score", "name"], ascending=[False, True])
    df = df.head(top).copy()
    level_col = t("chart.level", lang)
    if "alerts" in df.columns:
        df["level"] = df["alerts"].fillna(0).gt(0).map({True: "alert", False: "warning"})
    else:
        df["level"] = "warning"
    df[level_col] = df["level"].map(lambda v: t(f"level.{v}", lang))
    tooltip = [alt.Tooltip("name:N", title=t("chart.unit", lang)),
               alt.Tooltip("score:Q", title=t("chart.ranking.x", lang), format=".0f")]
    for col, key in (("region_name", "chart.region"), ("alerts", "level.alert"), ("warnings", "level.warning"),
                     ("top_indicators", "table.indicator")):
        if col in df.columns:
            tooltip.append(alt.Tooltip(f"{col}:N" if col in ("region_name", "top_indicators") else f"{col}:Q",
                                       title=t(key, lang)))
    n = max(len(df), 1)
    base = alt.Chart(df).encode(
        y=alt.Y("name:N", sort=list(dict.fromkeys(df["name"])), title=None, axis=alt.Axis(labelLimit=220, ticks=False, domain=False)),
        x=alt.X("score:Q", title=t("chart.ranking.x", lang), scale=alt.Scale(domain=[0, 100])),
    )
    bars = base.mark_bar(cornerRadiusEnd=3, height=max(bar_height - 6, 6)).encode(
        color=alt.Color(f"{level_col}:N", title=None,
                        scale=alt.Scale(domain=[t("level.alert", lang), t("level.warning", lang)],
                                        range=[LEVEL_COLORS["alert"], LEVEL_COLORS["warning"]])),
        tooltip=tooltip,
    )
    labels = base.mark_text(align="left", dx=4, fontSize=11, color=_INK).encode(text=alt.Text("score:Q", format=".0f"))
    chart = alt.layer(bars, labels).properties(width=width, height=n * bar_height,
                                               title=_title("chart.ranking.title", lang))
    return _finish(chart, configure)


# --------------------------------------------------------------------------------------------------
# Module × region heat map
# --------------------------------------------------------------------------------------------------


def alert_heatmap(
    counts: pd.DataFrame,
    lang: str = "zh-CN",
    *,
    modules: tuple[str, ...] = MODULES,
    cell: int = 30,
    configure: bool = True,
) -> alt.TopLevelMixin:
    """Findings per module (rows) and region (columns), colour by count, red alerts in the label.

    ``counts`` has ``module``, ``region_name`` and ``count`` (findings); optional ``alerts`` and
    ``warnings`` go into the cell text and tooltip. Every module of ``modules`` gets a row, so an
    empty row reads "no findings here" rather than "module missing".
    """
    lang = normalize_lang(lang)
    _require(counts, ("module", "region_name", "count"), "alert_heatmap")
    if counts.empty or not (counts["count"] > 0).any():  # nothing to draw: say so, not an empty frame
        note = pd.DataFrame({"text": [t("chart.heatmap.empty", lang)]})
        chart = alt.Chart(note).mark_text(fontSize=14, color=_MUTED).encode(text="text:N").properties(
            width=cell * 8, height=80, title=_title("chart.heatmap.title", lang))
        return _finish(chart, configure)
    regions = list(dict.fromkeys(counts["region_name"].astype("str")))
    grid = pd.MultiIndex.from_product([list(modules), regions], names=["module", "region_name"]).to_frame(index=False)
    df = grid.merge(counts, on=["module", "region_name"], how="left")
    for col in ("count", "alerts", "warnings"):
        if col in df.columns:
            df[col] = df[col].fillna(0).astype("int64")
    df["module_label"] = df["module"].map(lambda m: module_label(m, lang))
    module_order = [module_label(m, lang) for m in modules]
    df["label"] = df["count"].map(lambda v: "" if v == 0 else f"{v:,}")
    tooltip = [alt.Tooltip("module_label:N", title=t("chart.heatmap.y", lang)),
               alt.Tooltip("region_name:N", title=t("chart.heatmap.x", lang)),
               alt.Tooltip("count:Q", title=t("chart.heatmap.count", lang))]
    for col in ("alerts", "warnings"):
        if col in df.columns:
            tooltip.append(alt.Tooltip(f"{col}:Q", title=t(f"level.{col[:-1]}", lang)))
    vmax = max(int(df["count"].max() or 0), 1)
    base = alt.Chart(df).encode(
        x=alt.X("region_name:N", sort=regions, title=None,
                axis=alt.Axis(orient="top", labelAngle=0, ticks=False, domain=False, labelLimit=90)),
        y=alt.Y("module_label:N", sort=module_order, title=None, axis=alt.Axis(ticks=False, domain=False)),
    )
    rect = base.mark_rect(cornerRadius=3, stroke="white", strokeWidth=2).encode(
        color=alt.Color("count:Q", title=t("chart.heatmap.count", lang),
                        scale=alt.Scale(domain=[0, vmax], range=["#f4f6f9", "#f5b041", "#c8102e"],
                                        type="sqrt", interpolate="rgb"),
                        legend=alt.Legend(orient="bottom", direction="horizontal", gradientLength=160)),
        tooltip=tooltip,
    )
    text = base.mark_text(fontSize=11).encode(
        text="label:N",
        color=alt.condition(alt.datum.count > vmax * 0.45, alt.value("white"), alt.value(_INK)),
    )
    width = max(len(regions), 1) * max(cell * 2, 64)
    chart = alt.layer(rect, text).properties(width=width, height=len(modules) * cell,
                                             title=_title("chart.heatmap.title", lang))
    return _finish(chart, configure)


# --------------------------------------------------------------------------------------------------
# PEFA scorecard
# --------------------------------------------------------------------------------------------------


def pefa_scorecard(
    scores: pd.DataFrame,
    lang: str = "zh-CN",
    *,
    dimensions: tuple[str, ...] = PEFA_DIMENSIONS,
    cell: int = 34,
    configure: bool = True,
) -> alt.TopLevelMixin:
    """PEFA letter grades per region (rows) and dimension (columns), coloured A (green) … D (red).

    ``scores`` is the scan's ``pefa_scores.csv`` (``region_code``, ``window``, ``PI-1``, ``2.1`` …
    ``PI-3``), optionally with ``region_name`` (else the code is shown). Grades with "+" take the
    colour of their letter; "NA" (not assessable) is grey.
    """
    lang = normalize_lang(lang)
    present = [d for d in dimensions if d in scores.columns]
    if not present:
        raise ValueError(f"pefa_scorecard: none of the PEFA columns {', '.join(dimensions)} is in the frame")
    df = scores.copy()
    if "region_name" not in df.columns:
        df["region_name"] = df["region_code"].astype("str")
    id_vars = ["region_name"] + (["window"] if "window" in df.columns else [])
    long = df.melt(id_vars=id_vars, value_vars=present, var_name="dimension", value_name="grade")
    long["grade"] = long["grade"].fillna("NA").astype("str").replace({"": "NA", "nan": "NA"})
    long["letter"] = long["grade"].str[0].where(long["grade"] != "NA", "NA")
    long["dimension_label"] = long["dimension"].map(lambda d: t(f"pefa.{d}", lang))
    long["aggregate"] = long["dimension"].str.startswith("PI")
    dims = [t(f"pefa.{d}", lang).split(" ")[0] for d in present]
    long["dimension_short"] = long["dimension_label"].str.split(" ").str[0]
    regions = list(dict.fromkeys(long["region_name"]))
    tooltip = [alt.Tooltip("region_name:N", title=t("chart.pefa.y", lang)),
               alt.Tooltip("dimension_label:N", title=t("chart.pefa.x", lang)),
               alt.Tooltip("grade:N", title=t("chart.pefa.score", lang))]
    if "window" in long.columns:
        tooltip.append(alt.Tooltip("window:N", title=t("pefa.window", lang)))
    base = alt.Chart(long).encode(
        x=alt.X("dimension_short:N", sort=dims, title=None,
                axis=alt.Axis(orient="top", labelAngle=0, ticks=False, domain=False,
                              labelFontWeight="bold")),
        y=alt.Y("region_name:N", sort=regions, title=None, axis=alt.Axis(ticks=False, domain=False)),
    )
    rect = base.mark_rect(cornerRadius=4, stroke="white", strokeWidth=3).encode(
        color=alt.Color("letter:N", title=t("chart.pefa.score", lang),
                        scale=alt.Scale(domain=list(GRADE_COLORS), range=list(GRADE_COLORS.values())),
                        legend=alt.Legend(orient="bottom", direction="horizontal")),
        tooltip=tooltip,
    )
    text = base.mark_text(fontSize=13, fontWeight="bold", color="white").encode(text="grade:N")
    chart = alt.layer(rect, text).properties(
        width=len(present) * cell * 1.6, height=max(len(regions), 1) * cell,
        title=alt.TitleParams(text=t("chart.pefa.title", lang), subtitle=t("pefa.note", lang)),
    )
    return _finish(chart, configure)


# --------------------------------------------------------------------------------------------------
# Generic year-on-year bars
# --------------------------------------------------------------------------------------------------


def yoy_bar(
    df: pd.DataFrame,
    lang: str = "zh-CN",
    *,
    category: str = "category",
    value: str = "value",
    year: str = "year",
    title: str | None = None,
    value_title: str | None = None,
    value_format: str = ",.0f",
    width: int = 360,
    height: int = 220,
    configure: bool = True,
) -> alt.TopLevelMixin:
    """Grouped bars comparing ``value`` across years for each ``category`` (e.g. 三公 items by year).

    With a single category the bars are simply one per year. The latest year is drawn in the accent
    colour, earlier years in greys, so the eye goes to "this year against last year".
    """
    lang = normalize_lang(lang)
    _require(df, (value, year), "yoy_bar")
    data = df.copy()
    if category not in data.columns:
        data[category] = ""
    data[year] = data[year].astype("str")
    years = sorted(data[year].unique())
    palette = ["#c5cbd3", "#9aa4b1", "#6b7785"][-max(len(years) - 1, 0):] if len(years) > 1 else []
    colors = (palette + [_ACCENT])[-len(years):] if years else [_ACCENT]
    cats = list(dict.fromkeys(data[category].astype("str")))
    # money axes as a reader says them: 万元 in Chinese ("0M 1M 2M" reads as nothing), millions in English
    if lang == "zh-CN":
        axis = alt.Axis(labelExpr="format(datum.value / 10000, ',.0f')")
        axis_title = value_title or t("chart.yoy.y_wan", lang)
    else:
        axis = alt.Axis(labelExpr="format(datum.value / 1000000, ',.1f')")
        axis_title = value_title or t("chart.yoy.y_million", lang)
    enc: dict[str, Any] = {
        "y": alt.Y(f"{value}:Q", title=axis_title, axis=axis),
        "color": alt.Color(f"{year}:N", title=t("chart.yoy.x", lang), scale=alt.Scale(domain=years, range=colors)),
        "tooltip": [alt.Tooltip(f"{category}:N", title=t("chart.value", lang)),
                    alt.Tooltip(f"{year}:N", title=t("chart.yoy.x", lang)),
                    alt.Tooltip(f"{value}:Q", title=value_title or t("chart.yoy.y", lang), format=value_format)],
    }
    if len(cats) > 1:
        enc["x"] = alt.X(f"{category}:N", sort=cats, title=None, axis=alt.Axis(labelAngle=0, labelLimit=120))
        enc["xOffset"] = alt.XOffset(f"{year}:N", sort=years)
    else:
        enc["x"] = alt.X(f"{year}:N", sort=years, title=t("chart.yoy.x", lang), axis=alt.Axis(labelAngle=0))
    chart = alt.Chart(data).mark_bar(cornerRadiusTopLeft=3, cornerRadiusTopRight=3).encode(**enc).properties(
        width=width, height=height, title=alt.TitleParams(text=title or t("chart.yoy.title", lang)))
    return _finish(chart, configure)


# --------------------------------------------------------------------------------------------------
# Budget performance: execution rate against target completion (双监控)
# --------------------------------------------------------------------------------------------------


def performance_scatter(
    points: pd.DataFrame,
    lang: str = "zh-CN",
    *,
    width: int = 420,
    height: int = 360,
    configure: bool = True,
) -> alt.TopLevelMixin:
    """One point per project: budget execution rate (x) against the completion of its output targets
    (y), both 0–100 %, coloured by level; the diagonal is "money and results in step".

    ``points`` has ``project_code``, ``rate``, ``completion`` and ``level`` (ok / warning / alert, as the
    scan graded PRF03); optional ``unit_name`` and ``diverge_pp`` appear in the tooltip.
    """
    lang = normalize_lang(lang)
    _require(points, ("project_code", "rate", "completion", "level"), "performance_scatter")
    df = points.copy()
    df["rate"] = pd.to_numeric(df["rate"], errors="coerce").clip(0, 1.2)
    df["completion"] = pd.to_numeric(df["completion"], errors="coerce").clip(0, 1)
    level_col = t("chart.level", lang)
    levels = [lv for lv in ("ok", "warning", "alert") if lv in set(df["level"].astype(str))] or ["ok"]
    df[level_col] = df["level"].astype(str).map(lambda v: t(f"level.{v}", lang))
    tooltip = [alt.Tooltip("project_code:N", title=t("chart.performance.project", lang)),
               alt.Tooltip("rate:Q", title=t("chart.performance.x", lang), format=".1%"),
               alt.Tooltip("completion:Q", title=t("chart.performance.y", lang), format=".1%")]
    if "unit_name" in df.columns:
        tooltip.insert(1, alt.Tooltip("unit_name:N", title=t("chart.unit", lang)))
    if "diverge_pp" in df.columns:
        tooltip.append(alt.Tooltip("diverge_pp:Q", title=t("chart.performance.gap", lang), format="+.1f"))
    diagonal = alt.Chart(pd.DataFrame({"rate": [0.0, 1.0], "completion": [0.0, 1.0]})).mark_line(
        color=_MUTED, strokeDash=[4, 4], strokeWidth=1).encode(x="rate:Q", y="completion:Q")
    dots = alt.Chart(df).mark_circle(size=90, opacity=0.85, stroke="white", strokeWidth=0.8).encode(
        x=alt.X("rate:Q", title=t("chart.performance.x", lang), scale=alt.Scale(domain=[0, 1.2]),
                axis=alt.Axis(format="%")),
        y=alt.Y("completion:Q", title=t("chart.performance.y", lang), scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format="%")),
        color=alt.Color(f"{level_col}:N", title=None,
                        scale=alt.Scale(domain=[t(f"level.{lv}", lang) for lv in levels],
                                        range=[LEVEL_COLORS[lv] for lv in levels])),
        tooltip=tooltip,
    )
    chart = alt.layer(diagonal, dots).properties(
        width=width, height=height,
        title=_title("chart.performance.title", lang, t("chart.performance.subtitle", lang)))
    return _finish(chart, configure)


# --------------------------------------------------------------------------------------------------
# Offline rendering
# --------------------------------------------------------------------------------------------------


def monthly_counts(
    df: pd.DataFrame,
    lang: str = "zh-CN",
    *,
    series: str = "category",
    month: str = "year",
    value: str = "value",
    width: int = 420,
    height: int = 200,
    configure: bool = True,
) -> alt.TopLevelMixin:
    """Counts per month side by side for a few series (e.g. cases dispatched and closed each month).

    Months on the x axis in order, one bar per series in each month; whole numbers on the y axis.
    """
    lang = normalize_lang(lang)
    _require(df, (series, month, value), "monthly_counts")
    data = df.copy()
    names = list(dict.fromkeys(data[series].astype("str")))
    months = sorted(data[month].astype("str").unique())
    unit = "件" if lang == "zh-CN" else "cases"
    chart = alt.Chart(data).mark_bar().encode(
        x=alt.X(f"{month}:N", sort=months, title=None, axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset(f"{series}:N", sort=names),
        y=alt.Y(f"{value}:Q", title=unit,
                axis=alt.Axis(format="d", tickCount=int(max(1, min(5, data[value].max() if len(data) else 1))))),
        color=alt.Color(f"{series}:N", sort=names, title=None,
                        scale=alt.Scale(domain=names, range=[_ACCENT, "#9aa4b1", "#c0392b"][: len(names)])),
        tooltip=[alt.Tooltip(f"{month}:N"), alt.Tooltip(f"{series}:N"), alt.Tooltip(f"{value}:Q", format="d")],
    ).properties(width=width, height=height)
    return _finish(chart, configure)


def backtest_changes(
    summary: pd.DataFrame,
    lang: str = "zh-CN",
    *,
    width: int = 420,
    configure: bool = True,
) -> alt.TopLevelMixin:
    """What a candidate rule set changes, per indicator (``fiscalrisk.register.rulesets.backtest_summary``):
    findings that would appear to the right, those that would disappear to the left, split into the ones
    reviewers had dismissed (the gain in precision), confirmed (real problems the change would miss) and
    not reviewed."""
    lang = normalize_lang(lang)
    _require(summary, ("indicator", "appear", "disappear", "disappear_dismissed", "disappear_confirmed"),
             "backtest_changes")
    kinds = [("appear", "chart.backtest.appear", 1), ("disappear_dismissed", "chart.backtest.dismissed", -1),
             ("disappear_confirmed", "chart.backtest.confirmed", -1), ("unreviewed", "chart.backtest.unreviewed", -1)]
    s = summary.assign(unreviewed=summary["disappear"] - summary["disappear_dismissed"] - summary["disappear_confirmed"])
    rows = [{"indicator": r["indicator"], "kind": t(key, lang), "count": sign * int(r[col])}
            for r in s.to_dict("records") for col, key, sign in kinds if int(r[col])]
    data = pd.DataFrame(rows, columns=["indicator", "kind", "count"])
    names = [t(key, lang) for _, key, _ in kinds]
    chart = alt.Chart(data).mark_bar().encode(
        y=alt.Y("indicator:N", title=None, sort=sorted(summary["indicator"].astype("str"))),
        x=alt.X("sum(count):Q", title=t("chart.backtest.x", lang), axis=alt.Axis(format="d")),
        color=alt.Color("kind:N", sort=names, title=None,
                        scale=alt.Scale(domain=names, range=[_ACCENT, "#9aa4b1", "#c0392b", "#dfe3e8"])),
        tooltip=[alt.Tooltip("indicator:N"), alt.Tooltip("kind:N"), alt.Tooltip("sum(count):Q", format="d")],
    ).properties(width=width, height=max(60, 24 * max(1, summary["indicator"].nunique())),
                 title=_title("chart.backtest.title", lang))
    return _finish(chart, configure)


def render_offline(chart: alt.TopLevelMixin, fmt: Literal["svg", "png"] = "svg", *, scale: float = 2.0) -> str | bytes:
    """Render ``chart`` without any network access: SVG text (``fmt="svg"``) or PNG bytes.

    vl-convert embeds Vega and Vega-Lite and resolves fonts from the system (Noto Sans CJK for the
    Chinese labels); data must be inline in the spec, which every builder of this module ensures.
    ``scale`` multiplies the PNG's pixel size (2 for crisp figures in reports).
    """
    import vl_convert as vlc
    from altair.utils._importers import vl_version_for_vl_convert

    spec = chart.to_json()
    version = vl_version_for_vl_convert()
    if fmt == "svg":
        return vlc.vegalite_to_svg(spec, vl_version=version)
    if fmt == "png":
        return vlc.vegalite_to_png(spec, vl_version=version, scale=scale)
    raise ValueError(f"render_offline: fmt expected 'svg' or 'png'; got {fmt!r}")


def _bundle_key() -> str:
    import vl_convert as vlc

    return f"altair-{alt.__version__}-vl-convert-{vlc.__version__}"


def save_offline_bundle(path: str | os.PathLike[str]) -> Path:
    """Build the offline JupyterChart JavaScript bundle once and save it to ``path`` (a ``.js`` file).

    Building it takes vl-convert a few CPU seconds; every dashboard kernel would otherwise pay that at
    start. A ``.key`` file beside it records the Altair and vl-convert versions it was built with.
    """
    target = Path(path)
    enable_offline_renderer()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(alt.JupyterChart._esm, encoding="utf-8")
    target.with_suffix(".key").write_text(_bundle_key(), encoding="utf-8")
    return target


def enable_offline_renderer(bundle: str | os.PathLike[str] | None = None) -> None:
    """Draw Altair charts in Jupyter and Voila with no request leaving the machine.

    Uses anywidget's ``JupyterChart`` with the Vega bundle taken from vl-convert (about 0.9 MB) and
    makes it the default renderer, so ``display(chart)`` works too. The default ``html`` renderer
    would load Vega from a CDN and draw nothing on an offline intranet. ``bundle`` is a file written
    by :func:`save_offline_bundle`; when it matches the installed versions it is used as is instead
    of being rebuilt (a few seconds saved per kernel).
    """
    if bundle is not None and not getattr(alt.JupyterChart, "_is_offline", False):
        path = Path(bundle)
        key = path.with_suffix(".key")
        if path.is_file() and key.is_file() and key.read_text(encoding="utf-8") == _bundle_key():
            # The same assignment altair's enable_offline() makes after bundling.
            alt.JupyterChart._esm = path.read_text(encoding="utf-8")
            alt.JupyterChart._is_offline = True
    alt.JupyterChart.enable_offline()
    alt.renderers.enable("jupyter", offline=True)


def show(chart: alt.TopLevelMixin, static: Literal["svg", "png"] = "svg") -> None:
    """Display ``chart`` in a notebook twice: the interactive chart (the offline renderer of
    :func:`enable_offline_renderer`), then a static rendition drawn here by vl-convert (:func:`render_offline`).

    The interactive chart is a widget: a live kernel draws it, but a notebook exported to HTML or read
    on a site that renders notebooks does not (and nbconvert's widget manager would come from a CDN). The
    static rendition is an ordinary ``image/svg+xml`` (or ``image/png``) output, kept by every export;
    :class:`fiscalrisk.report.notebook_html.OfflineHTMLExporter` shows it alone.
    """
    from IPython.display import SVG, Image, display

    display(chart)
    if static == "svg":
        display(SVG(render_offline(chart, "svg")))
    else:
        display(Image(render_offline(chart, "png"), format="png"))
