"""Hand-made contract tables for indicator tests (typed as the loader types them)."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from fiscalrisk.data.schema import TABLES

_DTYPES = {
    "code": "str",
    "text": "str",
    "enum": "str",
    "int": "Int64",
    "money": "float64",
    "number": "float64",
    "date": "datetime64[ns]",
    "timestamp": "datetime64[ns]",
    "bool": "boolean",
}


def typed(table: str, rows: list[dict[str, Any]], columns: list[str] | None = None) -> pd.DataFrame:
    """A frame of ``table`` with the validated dtypes; columns = the keys used (or ``columns``)."""
    spec = TABLES[table]
    cols = columns or [c for c in spec.column_names if any(c in r for r in rows)] or list(spec.required_columns)
    df = pd.DataFrame([{c: r.get(c) for c in cols} for r in rows], columns=cols)
    for c in cols:
        t = _DTYPES[spec.column(c).type]
        if t == "datetime64[ns]":
            df[c] = pd.to_datetime(df[c]).astype("datetime64[ns]")
        elif t == "str":
            df[c] = df[c].astype("str")
        else:
            df[c] = df[c].astype(t)
    return df


def regions() -> pd.DataFrame:
    return typed("regions", [
        {"region_code": "330500", "name": "湖州市", "level": "city", "parent_code": None},
        {"region_code": "330521", "name": "德清县", "level": "county", "parent_code": "330500"},
        {"region_code": "330521102", "name": "乾元镇", "level": "township", "parent_code": "330521"},
    ])


def units() -> pd.DataFrame:
    return typed("units", [
        {"unit_code": "U1", "name": "德清县教育局", "region_code": "330521"},
        {"unit_code": "U2", "name": "湖州市财政局", "region_code": "330500"},
        {"unit_code": "U3", "name": "乾元镇人民政府", "region_code": "330521102"},
    ])


def payment(pid: str, date: str, amount: float, unit: str = "U1", **kw: Any) -> dict[str, Any]:
    row = {
        "payment_id": pid,
        "pay_date": date,
        "unit_code": unit,
        "function_code": "2050101",
        "economic_code": "30201",
        "project_code": None,
        "payee_name": "杭州某某有限公司",
        "payee_type": "organization",
        "method": "transfer",
        "amount": amount,
    }
    row.update(kw)
    return row


def payments(rows: list[dict[str, Any]]) -> pd.DataFrame:
    cols = ["payment_id", "pay_date", "unit_code", "function_code", "economic_code", "project_code",
            "budget_year", "payee_name", "payee_type", "method", "amount"]
    return typed("payments", rows, columns=cols)


def line(year: int, unit: str, original: float, function: str = "2050101", economic: str = "30201",
         **kw: Any) -> dict[str, Any]:
    row = {"year": year, "unit_code": unit, "function_code": function, "economic_code": economic,
           "project_code": None, "original_amount": original}
    row.update(kw)
    return row


def budget(rows: list[dict[str, Any]], extra: tuple[str, ...] = ()) -> pd.DataFrame:
    cols = ["year", "unit_code", "function_code", "economic_code", "project_code", "original_amount",
            *extra]
    return typed("budget", rows, columns=cols)


def context(tables: dict[str, pd.DataFrame], as_of: str, indicators: dict | None = None, **more: Any):
    """A ScanContext over regions + units + ``tables`` with defaults and indicator overrides."""
    from fiscalrisk.scan import make_context

    overrides: dict[str, Any] = dict(more)
    if indicators:
        overrides["indicators"] = indicators
    all_tables = {"regions": regions(), "units": units(), **tables}
    return make_context(all_tables, as_of, overrides or None)


def run(code: str, ctx) -> tuple[pd.DataFrame, pd.DataFrame]:
    from fiscalrisk.indicators.registry import run_indicator

    return run_indicator(code, ctx)


def flagged(findings: pd.DataFrame) -> dict[str, str]:
    """subject_id → level of the findings."""
    return dict(zip(findings["subject_id"], findings["level"].astype("str"), strict=True))


def grouped_sum(amounts: list[float]) -> float:
    """The float total pandas computes for ``amounts`` grouped together in row order (compensated
    summation), to show that parts adding up to a round total in decimal do not in floats."""
    df = pd.DataFrame({"k": ["g"] * len(amounts), "x": [float(a) for a in amounts]})
    return float(df.groupby("k")["x"].sum().iloc[0])


def finding_fields(findings: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """subject_id → every field a finding says (level, period, value, threshold, subject, unit, region,
    both messages, the evidence parsed, the amount at risk), for tests that write them out by hand."""
    return {
        r["subject_id"]: {
            "level": str(r["level"]), "period": r["period"], "value": r["value"], "threshold": r["threshold"],
            "subject_type": r["subject_type"], "unit_code": r["unit_code"], "region_code": r["region_code"],
            "message_zh": r["message_zh"], "message_en": r["message_en"], "evidence": json.loads(r["evidence"]),
            "amount_at_risk": r["amount_at_risk"],
        }
        for r in findings.to_dict("records")
    }


def assessed_counts(assessed: pd.DataFrame) -> dict[str, tuple[int, int, int, int]]:
    """region → (assessed, flagged, warnings, alerts)."""
    return {r["region_code"]: (int(r["assessed"]), int(r["flagged"]), int(r["warnings"]), int(r["alerts"]))
            for r in assessed.to_dict("records")}
