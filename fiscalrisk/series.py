"""What presentation draws besides the graded values: series and reference tables, computed by the scan.

Reports and the dashboard compute no indicator and read no raw data. The graded values of every
non-event subject come from the one grader (``ScanResult.values``, written as ``values/<CODE>.parquet``);
everything else a chart or a table draws is computed here, once, from the same validated tables, the
same ``as_of`` and the same parameters the indicators saw, and written into the scan directory:

``series/`` (:func:`series_tables`; amounts are yuan rounded to cents)

===================  ================================================================================
``monthly_units``    per unit × budget year × month (every month of every year up to ``as_of``'s):
                     ``net`` payments of the budget year made in that year (``pay_date``'s year =
                     ``budget_year``), the 三公 part of them (``sangong``, the economic codes of the
                     unit's region's ``modules.budget.sangong_economic_codes``) and the year's
                     adjusted ``budget`` (original where no adjustment)
``monthly_regions``  the same per region *subtree* (a region and every region below it)
``forecast``         the year-end execution forecast of every region subtree for ``as_of``'s year
                     (ANM05's method, :func:`fiscalrisk.detectors.forecast.forecast_year_end`, 80 %
                     interval, on the subtree's own earlier years)
``sangong``          三公 net payments per unit and budget year from 1 January to the day and month
                     of ``as_of`` (上年同期: the same period of each year)
``contracts``        per contract: unit, region, amount, signed and end dates, ``paid`` (net, to
                     ``as_of``, in cents as CON01/CON04 count it) and ``paid_<YYYY>`` per calendar year
``projects``         per project: unit, region, budget, start and planned end, ``paid_<YYYY>`` (through
                     its project_code or its contracts' project) and ``physical_<YYYY>`` (the latest
                     reported physical progress, %, up to the year's end or ``as_of``)
===================  ================================================================================

``reference/`` (:func:`reference_tables`)

===================  ================================================================================
``regions``          the region tree: region_code, name, name_en, level, parent_code ("" for a root)
``units``            budget units: unit_code, name, name_en, region_code
``personal_payees``  names and accounts of personal payees (payee_type = individual, not a payroll
                     batch), which the dashboard masks wherever they appear
``catalogue``        the indicator catalogue with the thresholds of the scan's parameters
===================  ================================================================================

Every frame is sorted and typed the same way on every run, so the files are byte-identical for the
same input.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from fiscalrisk.frames import text

__all__ = ["SERIES", "REFERENCE", "series_tables", "reference_tables", "forecast_table", "is_personal_name"]

#: The series files (``series/<name>.parquet``) every scan directory of this format holds.
SERIES: tuple[str, ...] = ("monthly_units", "monthly_regions", "forecast", "sangong", "contracts", "projects")
#: The reference files (``reference/<name>.parquet``).
REFERENCE: tuple[str, ...] = ("regions", "units", "personal_payees", "catalogue")

FORECAST_INTERVAL = 0.8
_MONTHS = range(1, 13)

# Payee names of payee_type = individual that are not one person: payroll batches (工资统发) and
# similar collective payees are shown as they are.
_COLLECTIVE_RE = re.compile(r"职工|统发|工资|（|\(|公司|单位|中心|政府|委员会|集体|等\d*人")


def is_personal_name(name: str) -> bool:
    """Whether an individual payee's name is a person's name to mask (not a collective payee such as
    "乾元镇人民政府职工（工资统发）")."""
    text = str(name).strip()
    return len(text) >= 2 and not _COLLECTIVE_RE.search(text)


def _text(s: pd.Series) -> pd.Series:
    """Codes and names as stripped text, missing as "" (a categorical stays one: its few categories are
    stripped, not every row)."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        cats = np.asarray(s.cat.categories.astype("str").str.strip(), dtype=object)
        uniq, inv = np.unique(np.append(cats, ""), return_inverse=True)
        codes = s.cat.codes.to_numpy()
        blank = int(inv[-1])
        per_code = np.append(inv[:-1], blank)  # code -1 (missing) → the blank's code
        new = per_code[np.where(codes >= 0, codes, len(cats))]
        return pd.Series(pd.Categorical.from_codes(new, categories=pd.Index(uniq, dtype="str")), index=s.index)
    return s.astype("str").fillna("").str.strip()


def _empty(dtypes: dict[str, str]) -> pd.DataFrame:
    """A frame of no rows with these columns and dtypes, in this order."""
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in dtypes.items()})


def _blank_payments() -> pd.DataFrame:
    return _empty({**dict.fromkeys(PAYMENT_COLUMNS[:7], "str"), "pay_date": "datetime64[ns]",
                   "budget_year": "int64", "amount": "float64"})


def _payments(ctx: Any) -> pd.DataFrame:
    """The payments the indicators saw (up to ``as_of``), codes as text, budget_year an integer."""
    if "payments" not in ctx.tables or ctx.tables["payments"] is None:
        return _blank_payments()
    if hasattr(ctx, "memo"):
        return ctx.memo("series_payments", None, lambda: _payments_of(ctx))
    return _payments_of(ctx)


#: the payment columns the series and reference tables read (a partitioned scan keeps them for its second pass)
PAYMENT_COLUMNS: tuple[str, ...] = ("unit_code", "economic_code", "contract_id", "project_code", "payee_type",
                                    "payee_name", "payee_account", "pay_date", "budget_year", "amount")


def _payments_of(ctx: Any) -> pd.DataFrame:
    p = ctx.payments
    out = pd.DataFrame(index=p.index)
    for c in PAYMENT_COLUMNS[:7]:  # codes and names
        out[c] = _text(p[c]) if c in p.columns else pd.Series("", index=p.index, dtype="str")
    out["pay_date"] = p["pay_date"]
    out["budget_year"] = p["budget_year"].astype("int64")
    out["amount"] = p["amount"].astype("float64").fillna(0.0)
    return out.reset_index(drop=True)


def _named_codes(table: pd.DataFrame, key: str, required: tuple[str, ...] = (),
                 optional: tuple[str, ...] = ()) -> pd.DataFrame:
    """``key``, ``name`` (the code when absent), ``name_en``, then the ``required`` and ``optional``
    columns ("" when absent), as text; one row a code, sorted by it."""
    out = pd.DataFrame({
        key: _text(table[key]),
        "name": _text(table["name"]) if "name" in table else _text(table[key]),
        "name_en": _text(table["name_en"]) if "name_en" in table else "",
        **{c: _text(table[c]) for c in required},
        **{c: _text(table[c]) if c in table else "" for c in optional},
    })
    return out.drop_duplicates(key).sort_values(key, ignore_index=True)


def _units(ctx: Any) -> pd.DataFrame:
    return _named_codes(ctx.tables["units"], "unit_code", required=("region_code",))


def _regions(ctx: Any) -> pd.DataFrame:
    return _named_codes(ctx.tables["regions"], "region_code", optional=("level", "parent_code"))


def _region_pairs(regions: pd.DataFrame) -> pd.DataFrame:
    """(region_code, ancestor_code) for every region, each ancestor and itself."""
    parent = dict(zip(regions["region_code"], regions["parent_code"], strict=True))
    rows = []
    for code in regions["region_code"]:
        node, seen = code, set()
        while node and node in parent and node not in seen:
            rows.append((code, node))
            seen.add(node)
            node = parent[node]
    return pd.DataFrame(rows, columns=["region_code", "ancestor_code"], dtype="str")


def _sangong_mask(pay: pd.DataFrame, unit_region: pd.Series, base: Any,
                  params_by_region: Mapping[str, Any]) -> np.ndarray:
    """Which payments are 三公, by the economic codes of each unit's own region's parameters."""
    from fiscalrisk.indicators.budget import sangong_codes

    def codes(params: Any) -> tuple[str, ...]:
        return tuple(sorted(sangong_codes(SimpleNamespace(params=params))))

    if not params_by_region:
        return pay["economic_code"].isin(codes(base)).to_numpy()
    groups: dict[tuple[str, ...], set[str]] = {}
    for region, params in params_by_region.items():
        groups.setdefault(codes(params), set()).add(str(region))
    region = pay["unit_code"].map(unit_region).fillna("")
    mask = np.zeros(len(pay), dtype=bool)
    for group_codes, regions in groups.items():
        mask |= (region.isin(regions) & pay["economic_code"].isin(group_codes)).to_numpy()
    return mask


def _years(budget: pd.DataFrame, in_year: pd.DataFrame, as_of: pd.Timestamp) -> list[int]:
    years = {int(y) for y in pd.unique(budget["year"])} | {int(y) for y in pd.unique(in_year["budget_year"])}
    return sorted(y for y in years if y <= as_of.year)


def series_tables(ctx: Any, params_by_region: Mapping[str, Any] | None = None) -> dict[str, pd.DataFrame]:
    """The ``series/`` tables of a scan over ``ctx`` (see the module docstring).

    ``params_by_region`` maps each region to its own resolved parameters (the scan's layering); without
    it every region uses ``ctx.params``.
    """
    as_of = pd.Timestamp(ctx.as_of).normalize()
    params_by_region = dict(params_by_region or {})
    regions = _regions(ctx)
    units = _units(ctx)
    unit_region = units.set_index("unit_code")["region_code"]
    pay = _payments(ctx)
    pay["region_code"] = text(pay["unit_code"].map(unit_region)).fillna("")
    pay["sangong"] = np.where(_sangong_mask(pay, unit_region, ctx.params, params_by_region), pay["amount"], 0.0)

    if "budget" in ctx.tables and ctx.tables["budget"] is not None:
        b = ctx.budget
        budget = pd.DataFrame({"unit_code": _text(b["unit_code"]), "year": b["year"].astype("int64"),
                               "budget": b["adjusted_amount"].astype("float64").fillna(0.0)})
    else:
        budget = _empty({"unit_code": "str", "year": "int64", "budget": "float64"})
    budget = budget.groupby(["unit_code", "year"], sort=True)["budget"].sum().reset_index()

    # -- monthly execution per unit, then per region subtree -----------------------------------------
    in_year = pay.loc[pay["pay_date"].dt.year == pay["budget_year"]].copy()
    in_year["month"] = in_year["pay_date"].dt.month.astype("int64")
    years = _years(budget, in_year, as_of)
    by_unit = (in_year.groupby(["unit_code", "budget_year", "month"], sort=True)[["amount", "sangong"]].sum()
               .reset_index().rename(columns={"budget_year": "year", "amount": "net"}))
    grid = pd.MultiIndex.from_product([units["unit_code"], years, _MONTHS],
                                      names=["unit_code", "year", "month"]).to_frame(index=False)
    grid["year"] = grid["year"].astype("int64")
    grid["month"] = grid["month"].astype("int64")
    monthly_units = grid.merge(by_unit, on=["unit_code", "year", "month"], how="left")
    monthly_units = monthly_units.merge(budget, on=["unit_code", "year"], how="left")
    monthly_units[["net", "sangong", "budget"]] = monthly_units[["net", "sangong", "budget"]].fillna(0.0)
    monthly_units.insert(1, "region_code", monthly_units["unit_code"].map(unit_region).astype("str"))
    monthly_units = monthly_units[["unit_code", "region_code", "year", "month", "net", "sangong", "budget"]]
    money = ["net", "sangong", "budget"]
    monthly_units[money] = monthly_units[money].round(2)  # yuan in cents: sums read the same everywhere

    pairs = _region_pairs(regions)
    rolled = (monthly_units.merge(pairs, on="region_code")
              .groupby(["ancestor_code", "year", "month"], sort=True)[["net", "sangong", "budget"]].sum()
              .reset_index().rename(columns={"ancestor_code": "region_code"}))
    rgrid = pd.MultiIndex.from_product([regions["region_code"], years, _MONTHS],
                                       names=["region_code", "year", "month"]).to_frame(index=False)
    rgrid["year"] = rgrid["year"].astype("int64")
    rgrid["month"] = rgrid["month"].astype("int64")
    monthly_regions = rgrid.merge(rolled, on=["region_code", "year", "month"], how="left")
    monthly_regions[money] = monthly_regions[money].fillna(0.0).round(2)

    # -- 三公 of the same period (1 January to as_of's day and month) of every year ------------------
    sg = pay.loc[pay["sangong"] != 0.0]
    day = min(as_of.day, 28) if as_of.month == 2 else as_of.day
    cut = pd.to_datetime(pd.DataFrame({"year": sg["budget_year"], "month": as_of.month, "day": day}))
    sg = sg.loc[sg["pay_date"] <= cut]
    sangong = (sg.groupby(["unit_code", "budget_year"], sort=True)["amount"].sum().rename("actual_ytd")
               .reset_index().rename(columns={"budget_year": "year"}))
    sangong.insert(1, "region_code", sangong["unit_code"].map(unit_region).astype("str"))
    sangong["year"] = sangong["year"].astype("int64")
    sangong["actual_ytd"] = sangong["actual_ytd"].round(2)

    return {
        "monthly_units": monthly_units.reset_index(drop=True),
        "monthly_regions": monthly_regions.reset_index(drop=True),
        "forecast": forecast_table(monthly_regions, as_of),
        "sangong": sangong.reset_index(drop=True),
        "contracts": _contracts(ctx, pay, unit_region, years),
        "projects": _projects(ctx, pay, unit_region, years, as_of),
    }


def _cumulative_rates(m: pd.DataFrame) -> pd.Series | None:
    """Cumulative net payments / the year's budget by month (None without a positive budget)."""
    budget = float(m["budget"].iloc[0]) if len(m) else 0.0
    if budget <= 0:
        return None
    return m.set_index("month")["net"].reindex(_MONTHS, fill_value=0.0).cumsum() / budget


def forecast_table(monthly: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """The year-end execution forecast of every region subtree for the budget year of ``as_of``.

    ANM05's method (:func:`fiscalrisk.detectors.forecast.forecast_year_end`, 80 % prediction interval)
    on the region's own cumulative execution of earlier years. Columns: region_code, year, month (the
    last actual month), current (cumulative rate at that month), point, lower, upper, method,
    n_history. A region without a positive budget this year has no row; one without earlier years has
    NaN bounds and method "no history"; in December the forecast is the actual ("actual").
    """
    from fiscalrisk.detectors.forecast import forecast_year_end

    cols = ["region_code", "year", "month", "current", "point", "lower", "upper", "method", "n_history"]
    year, last = int(as_of.year), int(as_of.month)
    rows = []
    for region, m in monthly.groupby("region_code", sort=True):
        by_year = {int(y): g for y, g in m.groupby("year", sort=True)}
        if year not in by_year:
            continue
        cum = _cumulative_rates(by_year[year])
        if cum is None:
            continue
        hist = {y: c.to_numpy() for y, g in by_year.items() if y < year and (c := _cumulative_rates(g)) is not None}
        history = (pd.DataFrame.from_dict(hist, orient="index", columns=list(_MONTHS)) if hist
                   else pd.DataFrame(columns=list(_MONTHS), dtype="float64"))
        r = forecast_year_end(cum.loc[1:last], history, interval=FORECAST_INTERVAL)
        rows.append((str(region), year, last, float(cum[last]), float(r.point), float(r.lower), float(r.upper),
                     str(r.method), int(r.n_history)))
    out = pd.DataFrame(rows, columns=cols)
    return out.astype({"region_code": "str", "year": "int64", "month": "int64", "current": "float64",
                       "point": "float64", "lower": "float64", "upper": "float64", "method": "str",
                       "n_history": "int64"})


def _paid_by_year(keys: pd.Series, pay: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    """Net payments per key (index) and calendar year of payment, one column ``paid_<YYYY>`` per year."""
    g = pay.assign(_key=keys, _year=pay["pay_date"].dt.year.astype("int64"))
    g = g.loc[g["_key"] != ""].groupby(["_key", "_year"], sort=True)["amount"].sum().round(2).unstack(fill_value=0.0)
    return pd.DataFrame({f"paid_{y}": (g[y] if y in g.columns else pd.Series(dtype="float64")) for y in years},
                        index=g.index)


def _contracts(ctx: Any, pay: pd.DataFrame, unit_region: pd.Series, years: list[int]) -> pd.DataFrame:
    cols = ["contract_id", "unit_code", "region_code", "amount", "signed_date", "end_date", "paid"]
    con = ctx.tables.get("contracts")
    if con is None or con.empty:
        return _empty({**dict.fromkeys(cols[:3], "str"), "amount": "float64", "signed_date": "datetime64[ns]",
                       "end_date": "datetime64[ns]", "paid": "float64", **{f"paid_{y}": "float64" for y in years}})
    c = pd.DataFrame({
        "contract_id": _text(con["contract_id"]),
        "unit_code": _text(con["unit_code"]),
    })
    c["region_code"] = c["unit_code"].map(unit_region).fillna("").astype("str")
    c["amount"] = pd.to_numeric(con["amount"], errors="coerce").astype("float64").fillna(0.0).to_numpy()
    c["signed_date"] = pd.to_datetime(con["signed_date"], errors="coerce").astype("datetime64[ns]").to_numpy()
    c["end_date"] = pd.to_datetime(con["end_date"], errors="coerce").astype("datetime64[ns]").to_numpy()
    # net paid to as_of, rounded to cents as the contract indicators count it (CON01, CON04)
    total = pay.loc[pay["contract_id"] != ""].groupby("contract_id")["amount"].sum().round(2)
    c["paid"] = c["contract_id"].map(total).fillna(0.0).astype("float64")
    by_year = _paid_by_year(pay["contract_id"], pay, years)
    for y in years:
        c[f"paid_{y}"] = c["contract_id"].map(by_year[f"paid_{y}"]).fillna(0.0).astype("float64")
    return c.sort_values("contract_id", kind="mergesort", ignore_index=True)


def _projects(ctx: Any, pay: pd.DataFrame, unit_region: pd.Series, years: list[int],
              as_of: pd.Timestamp) -> pd.DataFrame:
    cols = ["project_code", "unit_code", "region_code", "budget_amount", "start_date", "planned_end_date"]
    prj = ctx.tables.get("projects")
    if prj is None or prj.empty:
        return _empty({**dict.fromkeys(cols[:3], "str"), "budget_amount": "float64", "start_date": "datetime64[ns]",
                       "planned_end_date": "datetime64[ns]",
                       **{f"{k}_{y}": "float64" for y in years for k in ("paid", "physical")}})
    pj = pd.DataFrame({"project_code": _text(prj["project_code"]), "unit_code": _text(prj["unit_code"])})
    pj["region_code"] = pj["unit_code"].map(unit_region).fillna("").astype("str")
    pj["budget_amount"] = pd.to_numeric(prj["budget_amount"], errors="coerce").astype("float64").fillna(0.0).to_numpy()
    pj["start_date"] = pd.to_datetime(prj["start_date"], errors="coerce").astype("datetime64[ns]").to_numpy()
    end = prj["planned_end_date"] if "planned_end_date" in prj else pd.Series(pd.NaT, index=prj.index)
    pj["planned_end_date"] = pd.to_datetime(end, errors="coerce").astype("datetime64[ns]").to_numpy()
    # a payment counts for a project through its project_code, or through its contract's project
    con = ctx.tables.get("contracts")
    con_project: dict[str, str] = {}
    if con is not None and "project_code" in con.columns:
        con_project = dict(zip(_text(con["contract_id"]), _text(con["project_code"]), strict=True))
    by_contract = pay["contract_id"].map(con_project)  # float NaN when no contract names a project
    by_contract = by_contract.astype("str").fillna("") if len(con_project) else pd.Series("", index=pay.index, dtype="str")
    project = pay["project_code"].where(pay["project_code"] != "", by_contract)
    project = project.where(project.isin(set(pj["project_code"])), "")
    by_year = _paid_by_year(project, pay, years)
    prog = ctx.tables.get("project_progress")
    if prog is not None and not prog.empty:
        pr = pd.DataFrame({"project_code": _text(prog["project_code"]),
                           "report_date": pd.to_datetime(prog["report_date"], errors="coerce"),
                           "physical_progress": pd.to_numeric(prog["physical_progress"], errors="coerce")})
        pr = pr.sort_values(["project_code", "report_date"], kind="mergesort")
    else:
        pr = None
    for y in years:
        pj[f"paid_{y}"] = pj["project_code"].map(by_year[f"paid_{y}"]).fillna(0.0).astype("float64")
        if pr is not None:
            cut = min(pd.Timestamp(year=y, month=12, day=31), as_of)
            latest = pr.loc[pr["report_date"] <= cut].groupby("project_code")["physical_progress"].last()
            pj[f"physical_{y}"] = pj["project_code"].map(latest).astype("float64")
        else:
            pj[f"physical_{y}"] = np.nan
    return pj.sort_values("project_code", kind="mergesort", ignore_index=True)


def reference_tables(ctx: Any, params: Any = None) -> dict[str, pd.DataFrame]:
    """The ``reference/`` tables of a scan over ``ctx`` (see the module docstring); ``params``: the
    parameters whose thresholds the catalogue shows (default ``ctx.params``)."""
    from fiscalrisk.indicators.registry import catalogue

    pay = _payments(ctx)
    indiv = pay.loc[pay["payee_type"] == "individual", ["payee_name", "payee_account"]]
    indiv = indiv.loc[indiv["payee_name"].map(is_personal_name).astype(bool)]
    personal = (indiv.drop_duplicates().sort_values(["payee_name", "payee_account"], ignore_index=True)
                .rename(columns={"payee_name": "name", "payee_account": "account"}))
    cat = catalogue(params if params is not None else ctx.params)
    return {
        "regions": _regions(ctx),
        "units": _units(ctx),
        "personal_payees": personal.astype("str"),
        "catalogue": cat.reset_index(drop=True),
    }
