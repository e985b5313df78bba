"""Contract test over the whole registry, and the registry's grading, messages, evidence and ids."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import fiscalrisk.indicators  # noqa: F401  (registers every indicator)
from fiscalrisk.findings import FINDINGS_COLUMNS, LEVEL_DTYPE
from fiscalrisk.indicators.registry import (
    REGISTRY,
    catalogue,
    finding_id,
    get,
    grade_values,
    indicator,
    run_indicator,
)
from fiscalrisk.params import resolve

from ._tables import context, payment, payments

TESTS = Path(__file__).resolve().parent
CODES = sorted(REGISTRY)
DEFAULTS = resolve()
# the fields the registry itself provides to every message
_PROVIDED = {"unit_name", "region_name", "value", "threshold", "level"}


@pytest.mark.parametrize("code", CODES)
def test_every_indicator_honours_the_contract(code: str) -> None:
    spec = get(code)
    assert spec.name_zh.strip() and spec.name_en.strip()
    assert spec.why_zh.strip() and spec.why_en.strip() and spec.source.strip()
    assert spec.message_zh.strip() and spec.message_en.strip()
    assert len(spec.page.splitlines()) >= 3, f"{code}: the documentation page is missing"
    assert spec.reads and all(cols for cols in spec.reads.values()), f"{code}: declare the columns read"
    p = DEFAULTS.indicator(code)
    assert p, f"{code}: no parameters in params/defaults.yaml"
    if spec.grade != "flag":
        assert "warning" in p or "alert" in p, f"{code}: graded but no threshold in defaults.yaml"
    for name in spec.params:
        assert name in p, f"{code}: documented parameter {name!r} is not in defaults.yaml"
    test_file = TESTS / f"test_{spec.module}.py"
    assert test_file.is_file() and code in test_file.read_text(encoding="utf-8"), (
        f"{code}: no fixture test in {test_file.name}"
    )


def test_codes_are_unique_and_well_formed() -> None:
    assert all(re.fullmatch(r"[A-Z]{3}\d{2}", c) for c in CODES)
    with pytest.raises(ValueError, match="already registered"):
        indicator(code=CODES[0], module="payments", subject_type="payment", name_zh="x", name_en="x",
                  reads={"payments": ("amount",)}, grade="flag", why_zh="x", why_en="x", source="x",
                  message_zh="x", message_en="x", value_unit="money")(lambda ctx, p: pd.DataFrame())


def test_unknown_grade_is_refused() -> None:
    with pytest.raises(ValueError, match="grade"):
        indicator(code="ZZZ98", module="payments", subject_type="payment", name_zh="x", name_en="x",
                  reads={"payments": ("amount",)}, grade="between", why_zh="x", why_en="x", source="x",
                  message_zh="x", message_en="x", value_unit="money")
    assert "ZZZ98" not in REGISTRY


def test_every_indicator_declares_the_unit_of_its_value_and_an_unknown_unit_is_refused() -> None:
    from fiscalrisk.indicators.registry import VALUE_UNITS, specs

    assert all(s.value_unit in VALUE_UNITS for s in specs())
    with pytest.raises(ValueError, match="value_unit must be one of"):
        indicator(code="ZZZ97", module="payments", subject_type="payment", name_zh="x", name_en="x",
                  reads={"payments": ("amount",)}, grade="flag", why_zh="x", why_en="x", source="x",
                  message_zh="x", message_en="x", value_unit="furlongs", at_risk_rule="none")(
            lambda ctx, p: pd.DataFrame())
    assert "ZZZ97" not in REGISTRY


def test_catalogue_lists_every_indicator_with_thresholds() -> None:
    cat = catalogue()
    assert list(cat["code"]) == CODES
    row = cat.set_index("code").loc["OUT01"]
    assert row["warning"] == "[0.9, 1.1]" and row["alert"] == "[0.85, 1.15]"
    assert cat.set_index("code").loc["BUD01", "warning"] == "10"


def test_grading_kinds() -> None:
    v = np.array([5.0, 10.0, 15.0, 20.0, np.nan])
    lv, thr = grade_values(v, "ge", 10, 20)
    assert list(lv) == ["ok", "warning", "warning", "alert", "ok"]
    assert list(thr[1:4]) == [10, 10, 20]
    lv, _ = grade_values(v, "gt", 10, 20)
    assert list(lv) == ["ok", "ok", "warning", "warning", "ok"]
    lv, _ = grade_values(v, "le", 10, 5)
    assert list(lv) == ["alert", "warning", "ok", "ok", "ok"]
    lv, thr = grade_values(np.array([0.80, 0.88, 1.0, 1.12, 1.2]), "outside", [0.9, 1.1], [0.85, 1.15])
    assert list(lv) == ["alert", "warning", "ok", "warning", "alert"]
    assert list(thr[[0, 1, 3, 4]]) == [0.85, 0.9, 1.1, 1.15]
    lv, _ = grade_values(v, "ge", None, 20)  # no warning threshold: alerts only
    assert list(lv) == ["ok", "ok", "ok", "alert", "ok"]


def test_finding_id_is_sha256_prefix() -> None:
    expected = hashlib.sha256(b"PAY07|payment|P9|2026-06").hexdigest()[:16]
    assert finding_id("PAY07", "payment", "P9", "2026-06") == expected


def test_run_indicator_builds_contract_rows() -> None:
    ctx = context({"payments": payments([
        payment("P1", "2026-06-12", 120000.0, payee_type="own_account"),
        payment("P2", "2026-06-15", 80.0, unit="U2"),
    ])}, "2026-06-30")
    f, a = run_indicator("PAY01", ctx)
    assert list(f.columns) == list(FINDINGS_COLUMNS)
    assert f["level"].dtype == LEVEL_DTYPE
    row = f.iloc[0]
    assert (row["subject_id"], row["unit_code"], row["region_code"], row["period"]) == ("P1", "U1", "330521",
                                                                                       "2026-06")
    assert row["finding_id"] == finding_id("PAY01", "payment", "P1", "2026-06")
    assert row["message_zh"].startswith("德清县教育局")
    ev = json.loads(row["evidence"])
    assert ev["payment_id"] == "P1" and ev["amount"] == 120000.0
    assert row["evidence"] == json.dumps(ev, sort_keys=True, ensure_ascii=False)
    counts = a.set_index("region_code")
    assert counts.loc["330521", "assessed"] == 1 and counts.loc["330521", "flagged"] == 1
    assert counts.loc["330500", "assessed"] == 1 and counts.loc["330500", "flagged"] == 0
    assert counts.loc["330521102", "reason"] == "no subjects"


def test_missing_table_or_column_is_not_assessed_with_reason() -> None:
    ctx = context({}, "2026-06-30")
    f, a = run_indicator("PAY01", ctx)
    assert f.empty and set(a["status"]) == {"not_assessed"}
    assert set(a["reason"]) == {"missing table: payments"}
    pay = payments([payment("P1", "2026-06-12", 1.0)]).drop(columns="payee_type")
    f, a = run_indicator("PAY01", context({"payments": pay}, "2026-06-30"))
    assert set(a["reason"]) == {"missing column: payments.payee_type"}
    f, a = run_indicator("PAY01", context({"payments": pay.iloc[0:0]}, "2026-06-30"))
    assert "missing column" in a["reason"].iloc[0]
    empty = payments([payment("P1", "2026-06-12", 1.0)]).iloc[0:0]
    f, a = run_indicator("PAY01", context({"payments": empty}, "2026-06-30"))
    assert set(a["reason"]) == {"empty table: payments"}


def test_not_assessed_reasons_when_some_regions_are_assessed_and_others_not():
    """Regions where nothing could be measured get the function's reason, the others none (the
    reasons are aligned on the region, whatever the number of regions on either side)."""
    from fiscalrisk.indicators.registry import _count, get

    class Ctx:
        region_codes = ["A", "B", "C"]

    spec = get("ANM01")
    region = pd.Series(["A", "A", "B", "C"])
    assessed = np.array([True, False, False, False])
    level = np.array(["ok", "ok", "ok", "ok"])
    reason = pd.Series([np.nan, "fewer than 500 amounts", "fewer than 500 amounts", "fewer than 500 amounts"])
    out = _count(spec, Ctx(), region, assessed, level, reason).set_index("region_code")
    assert out.loc["A", "reason"] in ("", None) or pd.isna(out.loc["A", "reason"])
    assert out.loc["B", "reason"] == "fewer than 500 amounts" and out.loc["C", "reason"] == "fewer than 500 amounts"


@pytest.mark.parametrize("code", CODES)
def test_every_parameter_is_declared_once_with_a_constraint_its_default_satisfies(code: str) -> None:
    from fiscalrisk.indicators.constraints import Constraint, Param

    spec = get(code)
    p = DEFAULTS.indicator(code)
    assert set(spec.params) == set(p), f"{code}: declared parameters and params/defaults.yaml differ"
    for name, decl in spec.params.items():
        assert isinstance(decl, Param) and isinstance(decl.constraint, Constraint), (code, name)
        assert decl.description.strip(), (code, name)
        assert decl.constraint.is_satisfied_by(p[name]), f"{code}.{name}: default {p[name]!r} is not {decl.constraint}"
    if spec.check is not None:
        assert list(spec.check(p)) == [], f"{code}: the defaults fail the indicator's own check"


def test_the_defaults_pass_every_cross_parameter_rule() -> None:
    from fiscalrisk.params import _check_resolved

    assert _check_resolved(DEFAULTS.as_dict(), {}) == []


def test_a_parameter_without_its_constraint_is_refused() -> None:
    with pytest.raises(ValueError, match=r"declare parameter\(s\) \['level'\] as Param"):
        indicator(code="ZZZ96", module="payments", subject_type="payment", name_zh="x", name_en="x",
                  reads={"payments": ("amount",)}, grade="flag", why_zh="x", why_en="x", source="x",
                  message_zh="x", message_en="x", value_unit="money", at_risk_rule="x",
                  params={"level": "level of a finding"})
    assert "ZZZ96" not in REGISTRY


def test_the_direction_of_the_thresholds_is_read_from_the_grade() -> None:
    from fiscalrisk.params import DIRECTIONS

    assert dict(DIRECTIONS) == {"ANM05": "lower", "CTL01": "lower", "OUT01": "band", "OUT05": "band",
                                "PRC01": "lower", "PRF04": "lower"}


def test_a_parameter_the_params_lack_takes_its_default_value() -> None:
    """A rule set published before a parameter was added still runs the indicator, with the default."""
    from fiscalrisk.indicators.registry import indicator_params
    from fiscalrisk.params import Params

    data = DEFAULTS.as_dict()
    del data["indicators"]["PAY07"]["series_min"]
    data["indicators"]["PAY07"]["window_days"] = 3
    p = indicator_params(get("PAY07"), Params(data))
    assert p == {**DEFAULTS.indicator("PAY07"), "window_days": 3}
    assert indicator_params(get("PAY07"), DEFAULTS) == DEFAULTS.indicator("PAY07")


def test_an_indicator_receives_its_parameters_read_only() -> None:
    """An indicator cannot change the parameters it is given (the other regions' runs share them)."""
    from fiscalrisk.indicators.registry import indicator_params

    p = indicator_params(get("PAY06"), DEFAULTS)
    assert p["threshold"] == DEFAULTS.indicator("PAY06")["threshold"] and set(p) == set(get("PAY06").params)
    with pytest.raises(TypeError):
        p["threshold"] = 1.0  # type: ignore[index]
