"""Params: layering defaults → city → county → township, validation, time progress."""

from __future__ import annotations

import pickle
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from fiscalrisk import param_catalogue
from fiscalrisk.hierarchy import RegionTree
from fiscalrisk.params import (
    DIRECTIONS,
    Params,
    ParamsError,
    default_params_dir,
    resolve,
    time_progress,
    validate_keys,
)

from .conftest import shared_path


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture()
def params_dir(tmp_path: Path) -> Path:
    """A params directory with the real defaults and a small city → county → township chain."""
    (tmp_path / "defaults.yaml").write_bytes((default_params_dir() / "defaults.yaml").read_bytes())
    _write(
        tmp_path / "900000.yaml",
        """
indicators:
  PAY03: {single_warning: 30000, single_alert: 60000}
  CON02: {economic_prefixes: ["302", "310", "309"]}
modules:
  outturn: {years: 4}
""",
    )
    _write(
        tmp_path / "900100.yaml",
        """
indicators:
  PAY03: {single_warning: 15000}
  CON02: {economic_prefixes: ["310"]}
time_progress: {method: targets}
""",
    )
    _write(tmp_path / "900100001.yaml", "indicators:\n  PAY03: {single_warning: 8000, single_alert: 40000}\n")
    return tmp_path


@pytest.fixture()
def tree() -> RegionTree:
    return RegionTree.from_frame(
        pd.DataFrame(
            {
                "region_code": ["900000", "900100", "900100001", "900100002"],
                "name": ["市", "县", "镇甲", "镇乙"],
                "level": ["city", "county", "township", "township"],
                "parent_code": [None, "900000", "900100", "900100"],
            }
        )
    )


# --------------------------------------------------------------------------- the shipped files
def test_every_catalogue_indicator_has_defaults() -> None:
    # the catalogue, and the performance indicators PRF01–06 specified in their own page
    codes = set()
    for page in ("spec/indicators.md", "spec/performance.md"):
        codes |= set(re.findall(r"^\|\s*([A-Z]{3}\d{2})\s*\|", shared_path(page).read_text(encoding="utf-8"), re.M))
    assert len(codes) >= 40
    defaults = yaml.safe_load((default_params_dir() / "defaults.yaml").read_text(encoding="utf-8"))
    assert codes <= set(defaults["indicators"]), sorted(codes - set(defaults["indicators"]))
    assert set(defaults["indicators"]) <= codes, "defaults.yaml has codes the catalogue does not define"


def test_every_default_key_names_its_source_in_a_comment() -> None:
    text = (default_params_dir() / "defaults.yaml").read_text(encoding="utf-8")
    in_indicators = False
    leaves = 0
    for line in text.splitlines():
        if line.startswith("indicators:"):
            in_indicators = True
        elif line and not line.startswith((" ", "#")):
            in_indicators = False
        # every leaf of an indicator (a "key: value" line with a value) carries a comment
        if in_indicators and re.match(r"^\s{4}\w+:\s*\S", line) and not line.strip().startswith("#"):
            assert "#" in line, f"no source comment on: {line.strip()}"
            leaves += 1
    assert leaves >= 40, f"only {leaves} indicator parameters were checked"


def test_defaults_resolve_with_catalogue_values() -> None:
    p = resolve()
    assert p.indicator("BUD01") == {"min_budget": 100000, "warning": 10, "alert": 20}
    pay06 = p.indicator("PAY06")
    catalogue = {"threshold": 300000, "window_days": 30, "near_share": 0.8, "near_count": 2}
    assert {k: pay06[k] for k in catalogue} == catalogue
    assert p.indicator("OUT01")["alert"] == [0.85, 1.15]
    assert p.indicator("CTL01")["warning"] == 80 and p.indicator("CTL01")["alert"] == 60
    assert p.module("outturn")["contingency_function_prefixes"] == ["227"]
    assert p.module("budget")["sangong_economic_codes"] == ["30212", "30217", "30231", "31013"]
    assert p.module("contracts") == {}
    assert p.time_progress["method"] == "days"
    assert p.scores["cap"] == 100
    assert len(p.sources) == 1 and p.sources[0].endswith("defaults.yaml")


def test_every_shipped_region_file_resolves() -> None:
    files = sorted(default_params_dir().glob("3305*.yaml"))
    assert len(files) == 16
    for f in files:
        p = resolve(f.stem)
        assert str(f) in p.sources


def test_shipped_township_inherits_county_quarterly_targets() -> None:
    p = resolve("330522102")  # 泗安镇 under 长兴县, lineage read from the code without a tree
    assert p.time_progress["method"] == "targets"
    assert p.indicator("PAY03")["single_alert"] == 30000
    assert [Path(s).name for s in p.sources] == [
        "defaults.yaml",
        "330500.yaml",
        "330522.yaml",
        "330522102.yaml",
    ]


# --------------------------------------------------------------------------- layering
def test_township_file_overrides_county(params_dir: Path, tree: RegionTree) -> None:
    p = resolve("900100001", tree=tree, params_dir=params_dir)
    assert p.indicator("PAY03") == {"single_warning": 8000, "single_alert": 40000, "monthly_alert": 100000}
    assert p.origin("indicators.PAY03.single_warning").endswith("900100001.yaml")
    assert p.origin("indicators.PAY03.monthly_alert").endswith("defaults.yaml")


def test_layers_are_applied_city_then_county_then_township(params_dir: Path, tree: RegionTree) -> None:
    p = resolve("900100001", tree=tree, params_dir=params_dir)
    assert [Path(s).name for s in p.sources] == [
        "defaults.yaml",
        "900000.yaml",
        "900100.yaml",
        "900100001.yaml",
    ]
    assert p.module("outturn")["years"] == 4  # from the city, untouched below
    assert p.time_progress["method"] == "targets"  # from the county


def test_region_without_a_file_is_skipped(params_dir: Path, tree: RegionTree) -> None:
    p = resolve("900100002", tree=tree, params_dir=params_dir)
    assert p.indicator("PAY03")["single_warning"] == 15000  # county value, no township file
    assert not any("900100002" in s for s in p.sources)


def test_lists_replace_instead_of_merging(params_dir: Path, tree: RegionTree) -> None:
    p = resolve("900100002", tree=tree, params_dir=params_dir)
    assert p.indicator("CON02")["economic_prefixes"] == ["310"]


def test_dicts_merge_key_by_key(params_dir: Path, tree: RegionTree) -> None:
    p = resolve("900100", tree=tree, params_dir=params_dir)
    assert p.indicator("PAY03")["single_alert"] == 60000  # city
    assert p.indicator("PAY03")["single_warning"] == 15000  # county


def test_files_then_overrides_come_last(params_dir: Path, tree: RegionTree, tmp_path: Path) -> None:
    extra = _write(tmp_path / "scan.yaml", "indicators:\n  PAY03: {single_warning: 9000}\n")
    p = resolve("900100001", tree=tree, params_dir=params_dir, files=[extra])
    assert p.indicator("PAY03")["single_warning"] == 9000
    p = resolve(
        "900100001",
        tree=tree,
        params_dir=params_dir,
        files=[extra],
        overrides={"indicators": {"PAY03": {"single_warning": 7000}}},
    )
    assert p.indicator("PAY03")["single_warning"] == 7000
    assert p.sources[-2:] == [str(extra), "<overrides>"]


def test_int_and_float_are_interchangeable_and_normalised() -> None:
    p = resolve(overrides={"indicators": {"PAY06": {"threshold": 250000.0, "near_share": 1}}})
    assert p.indicator("PAY06")["threshold"] == 250000 and isinstance(p.indicator("PAY06")["threshold"], int)
    assert p.indicator("PAY06")["near_share"] == 1.0 and isinstance(p.indicator("PAY06")["near_share"], float)


def test_a_threshold_can_be_switched_off_or_added() -> None:
    p = resolve(overrides={"indicators": {"BUD02": {"warning": None}, "BUD03": {"warning": 0.95}}})
    assert p.indicator("BUD02")["warning"] is None
    assert p.indicator("BUD03") == {"alert": 1.0, "warning": 0.95}


def test_params_are_read_only_and_serialise_to_yaml(params_dir: Path, tree: RegionTree) -> None:
    p = resolve("900100001", tree=tree, params_dir=params_dir)
    p.indicator("PAY03")["single_warning"] = 1
    assert p.indicator("PAY03")["single_warning"] == 8000
    with pytest.raises(AttributeError):
        p.region_code = "x"  # type: ignore[misc]
    text = p.to_yaml()
    assert "900100001.yaml" in text
    assert yaml.safe_load(text) == p.as_dict()
    assert Params(p.as_dict()) == p


def test_params_survive_pickling_for_worker_processes(params_dir: Path, tree: RegionTree) -> None:
    p = resolve("900100001", tree=tree, params_dir=params_dir)
    q = pickle.loads(pickle.dumps(p))
    assert q == p and q.sources == p.sources and q.region_code == "900100001"
    assert q.origin("indicators.PAY03.single_warning") == p.origin("indicators.PAY03.single_warning")


# --------------------------------------------------------------------------- validation
def test_unknown_key_names_path_file_and_close_match(params_dir: Path, tree: RegionTree) -> None:
    _write(params_dir / "900100001.yaml", "indicators:\n  PAY06:\n    windw_days: 14\n")
    with pytest.raises(ParamsError) as err:
        resolve("900100001", tree=tree, params_dir=params_dir)
    message = str(err.value)
    assert "indicators.PAY06.windw_days" in message
    assert "900100001.yaml" in message
    assert "did you mean 'window_days'?" in message


def test_unknown_indicator_code_suggests_the_real_code() -> None:
    with pytest.raises(ParamsError, match=r"'indicators\.PAY3'.*did you mean 'PAY03'\?"):
        resolve(overrides={"indicators": {"PAY3": {"warning": 1}}})


def test_unknown_module_parameter_is_an_error() -> None:
    with pytest.raises(
        ParamsError, match=r"modules\.outturn\.function_digit.*did you mean 'function_digits'"
    ):
        resolve(overrides={"modules": {"outturn": {"function_digit": 4}}})


def test_every_problem_of_a_layer_is_reported_at_once() -> None:
    with pytest.raises(ParamsError) as err:
        resolve(overrides={"indicators": {"PAY06": {"windw_days": 1, "threshold": "high"}}})
    assert len(err.value.problems) == 2
    assert isinstance(err.value, ValueError)


def test_wrong_type_is_an_error_with_expected_and_given() -> None:
    with pytest.raises(ParamsError) as err:
        resolve(overrides={"indicators": {"PAY07": {"window_days": "seven"}}})
    assert str(err.value) == (
        "parameter 'indicators.PAY07.window_days' of indicator PAY07 in <overrides>: "
        "expected a whole number, got the string 'seven'"
    )


def test_codes_must_be_strings_so_leading_zeros_survive() -> None:
    with pytest.raises(ParamsError, match="list of strings"):
        resolve(overrides={"modules": {"outturn": {"interest_economic_prefixes": [307]}}})


def test_fractional_value_for_a_whole_number_parameter_is_an_error() -> None:
    with pytest.raises(ParamsError, match="whole number"):
        resolve(overrides={"modules": {"outturn": {"function_digits": 3.5}}})


def test_level_and_method_accept_only_their_values() -> None:
    with pytest.raises(ParamsError, match="one of warning, alert"):
        resolve(overrides={"indicators": {"PAY01": {"level": "red"}}})
    with pytest.raises(ParamsError, match="one of days, months, targets"):
        resolve(overrides={"time_progress": {"method": "weeks"}})


def test_alert_below_warning_is_out_of_order(params_dir: Path, tree: RegionTree) -> None:
    _write(params_dir / "900100002.yaml", "indicators:\n  BUD01: {alert: 5}\n")
    with pytest.raises(ParamsError) as err:
        resolve("900100002", tree=tree, params_dir=params_dir)
    message = str(err.value)
    assert "indicators.BUD01.alert" in message and "900100002.yaml" in message
    assert "at least the warning 10" in message


def test_prefixed_threshold_pairs_are_ordered_too() -> None:
    with pytest.raises(ParamsError, match=r"PAY03\.single_alert.*at least the warning 20000"):
        resolve(overrides={"indicators": {"PAY03": {"single_alert": 10000}}})


def test_lower_is_worse_indicator_needs_alert_below_warning() -> None:
    assert DIRECTIONS["CTL01"] == "lower"
    with pytest.raises(ParamsError, match=r"CTL01\.alert.*at most the warning 80"):
        resolve(overrides={"indicators": {"CTL01": {"alert": 85}}})
    assert resolve(overrides={"indicators": {"CTL01": {"alert": 50}}}).indicator("CTL01")["alert"] == 50


def test_alert_band_must_contain_warning_band() -> None:
    with pytest.raises(ParamsError, match=r"OUT05\.alert.*containing the warning band"):
        resolve(overrides={"indicators": {"OUT05": {"alert": [0.95, 1.20]}}})
    with pytest.raises(ParamsError, match="low ≤ high"):
        resolve(overrides={"indicators": {"OUT01": {"warning": [1.1, 0.9]}}})


def test_control_weights_must_sum_to_one() -> None:
    with pytest.raises(ParamsError, match="public_weight \\+ functional_weight = 1"):
        resolve(overrides={"indicators": {"CTL01": {"public_weight": 0.4}}})


def test_share_parameters_stay_between_zero_and_one() -> None:
    with pytest.raises(ParamsError, match="between 0 and 1"):
        resolve(overrides={"indicators": {"PAY06": {"near_share": 80}}})


def test_an_indicator_parameter_is_checked_against_its_declared_constraint() -> None:
    with pytest.raises(ParamsError) as err:
        resolve(overrides={"indicators": {"ANM02": {"direction": "down"}, "PAY06": {"threshold": 0}}})
    assert err.value.problems == [
        "parameter 'indicators.ANM02.direction' of indicator ANM02 in <overrides>: expected one of up, both, "
        "got the string 'down'",
        "parameter 'indicators.PAY06.threshold' of indicator PAY06 in <overrides>: expected a number > 0, "
        "got the number 0",
    ]
    with pytest.raises(ParamsError, match=r"BUD02\.surge_months.*expected a list whose items are each a whole "
                                          r"number from 1 to 12, got the list \[13\]"):
        resolve(overrides={"indicators": {"BUD02": {"surge_months": [13]}}})
    # a threshold absent from the defaults takes its pair's constraint
    with pytest.raises(ParamsError, match=r"BUD03\.warning.*expected a number ≥ 0, got the number -1"):
        resolve(overrides={"indicators": {"BUD03": {"warning": -1}}})


def test_a_standalone_resolve_checks_indicator_parameters_and_the_defaults_load_no_indicator(tmp_path: Path) -> None:
    """params never imports the indicators (tests/test_layers.py); in an interpreter that imports nothing but
    fiscalrisk.params, a file that sets an indicator's parameter is still checked against its declaration
    and its indicator's check (the package loads the catalogue the indicators register), while the bare
    defaults and a file that sets no indicator parameter load no indicator."""
    plain = _write(tmp_path / "plain.yaml", "time_progress: {method: months}\n")
    declared = _write(tmp_path / "declared.yaml", "indicators:\n  ANM01: {quantile: 1.5}\n")
    checked = _write(tmp_path / "checked.yaml", "indicators:\n  CTL01: {public_weight: 0.4}\n")
    code = """if True:
        import sys
        from fiscalrisk.params import ParamsError, resolve
        resolve()
        resolve(files=(sys.argv[1],))
        print('fiscalrisk.indicators' in sys.modules)
        for bad in sys.argv[2:]:
            try:
                resolve(files=(bad,))
            except ParamsError as exc:
                print(exc)
        """
    root = Path(__file__).resolve().parent.parent
    r = subprocess.run([sys.executable, "-c", code, str(plain), str(declared), str(checked)], cwd=root,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [
        "False",
        f"parameter 'indicators.ANM01.quantile' of indicator ANM01 in {declared}: expected a share between 0 and 1, "
        "got the number 1.5",
        # the files that set the two weights, named in sorted order (the checkout's path decides which is first)
        f"parameter 'indicators.CTL01.functional_weight' of indicator CTL01 in "
        f"{' and '.join(sorted([str(checked), str(default_params_dir() / 'defaults.yaml')]))}: "
        "expected public_weight + functional_weight = 1, got a sum of 1.1",
    ]


def test_an_indicator_check_without_the_catalogue_is_an_error_never_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(param_catalogue, "_catalogue", None)
    monkeypatch.setattr(param_catalogue, "_loader", None)
    resolve()  # the bare defaults need no catalogue
    for overrides in ({"indicators": {"ANM01": {"quantile": 0.5}}}, {"switched_off": ["PAY06"]},
                      {"threshold_scale": 0.11}):
        with pytest.raises(param_catalogue.CatalogueMissing, match="import fiscalrisk.indicators"):
            resolve(overrides=overrides)


def test_benford_bounds_are_checked_beside_their_indicator() -> None:
    with pytest.raises(ParamsError) as err:
        resolve(overrides={"indicators": {"ANM01": {"first_digit_mad": [0.012, 0.006, 0.015],
                                                    "min_n_first": 4000}}})
    assert err.value.problems == [
        "parameter 'indicators.ANM01.first_digit_mad' of indicator ANM01 in <overrides>: expected three "
        "increasing bounds [close, acceptable, marginal], got the list [0.012, 0.006, 0.015]",
        "parameter 'indicators.ANM01.min_n_first' of indicator ANM01 in <overrides>: expected at most "
        "min_n_first_two (3000), got the number 4000",
    ]


def test_the_rules_of_the_defaults_themselves_are_checked_where_the_indicators_are_loaded(params_dir: Path) -> None:
    import fiscalrisk.indicators  # noqa: F401  (a scan loads them)

    text = (params_dir / "defaults.yaml").read_text(encoding="utf-8")
    edited = text.replace("public_weight: 0.30", "public_weight: 0.40", 1)
    assert edited != text
    _write(params_dir / "defaults.yaml", edited)
    with pytest.raises(ParamsError, match=r"CTL01\.functional_weight.*defaults\.yaml: expected public_weight \+ "
                                          r"functional_weight = 1, got a sum of 1\.1"):
        resolve(params_dir=params_dir)


def test_broken_yaml_names_the_file_and_line(tmp_path: Path) -> None:
    bad = _write(tmp_path / "bad.yaml", "indicators:\n  PAY06: {threshold: 1\n")
    with pytest.raises(ParamsError, match=r"bad\.yaml.*syntax error at line"):
        resolve(files=[bad])


def test_missing_extra_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ParamsError, match="no such file"):
        resolve(files=[tmp_path / "nope.yaml"])


def test_region_not_in_tree_is_an_error(tree: RegionTree, params_dir: Path) -> None:
    with pytest.raises(ParamsError, match="region_code"):
        resolve("123", tree=tree, params_dir=params_dir)


def test_validate_keys_serves_notebook_parameters() -> None:
    validate_keys({"region_code": "330500", "as_of": None}, {"region_code", "as_of", "data_dir"}, "notebook")
    with pytest.raises(ParamsError) as err:
        validate_keys(
            {"regoin_code": "330500"}, {"region_code", "as_of"}, "notebook parameters", what="notebook"
        )
    assert str(err.value) == (
        "parameter 'regoin_code' of notebook in notebook parameters: "
        "expected a known name (did you mean 'region_code'?), got 'regoin_code'"
    )


def test_validate_keys_checks_nested_mappings() -> None:
    allowed = {"indicators": {"PAY06": {"threshold": 1}}}
    with pytest.raises(ParamsError, match=r"indicators\.PAY06\.treshold"):
        validate_keys({"indicators": {"PAY06": {"treshold": 2}}}, allowed, "x.yaml")


# --------------------------------------------------------------------------- time progress
@pytest.mark.parametrize(
    ("as_of", "expected"),
    [("2025-01-01", 1 / 365), ("2025-12-31", 1.0), ("2024-12-31", 1.0), ("2024-07-01", 183 / 366)],
)
def test_day_time_progress_counts_as_of_itself(as_of: str, expected: float) -> None:
    assert time_progress(as_of) == pytest.approx(expected)


def test_month_time_progress_counts_a_month_only_on_its_last_day() -> None:
    tp = {"method": "months"}
    assert time_progress("2025-03-30", tp) == pytest.approx(2 / 12)
    assert time_progress("2025-03-31", tp) == pytest.approx(3 / 12)
    assert time_progress("2024-02-29", tp) == pytest.approx(2 / 12)


def test_target_time_progress_steps_at_quarter_ends() -> None:
    tp = {"method": "targets", "targets": {"Q1": 0.2, "Q2": 0.45, "Q3": 0.7, "Q4": 1.0}}
    assert time_progress("2025-03-30", tp) == 0.0
    assert time_progress("2025-03-31", tp) == 0.2
    assert time_progress("2025-08-15", tp) == 0.45
    assert time_progress("2025-12-31", tp) == 1.0


def test_target_time_progress_can_interpolate_between_quarter_ends() -> None:
    tp = {"method": "targets", "targets": {"Q1": 0.3, "Q2": 0.5, "Q3": 0.75, "Q4": 1.0}, "interpolate": True}
    assert time_progress("2025-03-31", tp) == pytest.approx(0.3)
    # 2025-05-15 is 45 of the 91 days from 31 March to 30 June
    assert time_progress("2025-05-15", tp) == pytest.approx(0.3 + 45 / 91 * 0.2)


def test_time_progress_of_an_ended_budget_year_is_complete() -> None:
    assert time_progress("2025-02-01", budget_year=2024) == 1.0
    assert time_progress("2024-02-01", budget_year=2025) == 0.0


def test_time_progress_reads_a_params_object() -> None:
    p = resolve("330522")  # 长兴县 uses quarterly targets
    assert time_progress("2025-06-30", p) == 0.5
    assert time_progress("2025-06-29", p) == 0.25


def test_an_empty_mapping_default_is_a_free_form_table(tmp_path):
    """Keys under a default of ``{}`` are the user's own table: kept whole, never silently dropped."""
    from fiscalrisk.params import _check_value

    problems: list[str] = []
    out = _check_value({}, {"2025": {"goods": 1_000_000}}, "modules.procurement.limits_by_year", "x.yaml", problems)
    assert out == {"2025": {"goods": 1_000_000}} and problems == []


# --------------------------------------------------------------------------- fiscal years
_APRIL = {"calendar": {"fiscal_year_start_month": 4}}


def test_fiscal_year_start_month_defaults_to_january_and_takes_1_to_12() -> None:
    assert resolve().get("calendar.fiscal_year_start_month") == 1  # 预算法: the budget year is the calendar year
    assert resolve(overrides=_APRIL).get("calendar.fiscal_year_start_month") == 4
    for bad in (0, 13, 4.5, "April"):
        with pytest.raises(ParamsError, match=r"calendar\.fiscal_year_start_month"):
            resolve(overrides={"calendar": {"fiscal_year_start_month": bad}})


def test_time_progress_of_a_fiscal_year_starting_in_april() -> None:
    months = {"time_progress": {"method": "months"}, **_APRIL}
    assert time_progress("2025-09-30", months) == pytest.approx(6 / 12)  # half of April–March
    assert time_progress("2025-09-29", months) == pytest.approx(5 / 12)
    assert time_progress("2026-03-31", months) == 1.0
    assert time_progress("2026-04-01", months) == 0.0  # a new fiscal year (2026/27): its first day not yet complete
    # by days: 1 April 2025 – 31 March 2026 has 365 days; 30 September is its 183rd
    assert time_progress("2025-09-30", _APRIL) == pytest.approx(183 / 365)
    assert time_progress("2025-04-01", _APRIL) == pytest.approx(1 / 365)
    assert time_progress("2023-09-30", _APRIL) == pytest.approx(183 / 366)  # 2023/24 holds 29 February 2024
    # the budget year is labelled by the year it starts in: 2025 is April 2025 – March 2026
    assert time_progress("2026-02-01", _APRIL, budget_year=2025) < 1.0
    assert time_progress("2026-04-01", _APRIL, budget_year=2025) == 1.0
    # the quarters are the fiscal year's: Q1 ends on 30 June
    targets = {"time_progress": {"method": "targets", "targets": {"Q1": 0.2, "Q2": 0.45, "Q3": 0.7, "Q4": 1.0}},
               **_APRIL}
    assert time_progress("2025-06-29", targets) == 0.0
    assert time_progress("2025-06-30", targets) == 0.2
    assert time_progress("2025-12-31", targets) == 0.7
    assert time_progress("2026-03-31", targets) == 1.0
    # given explicitly, start_month wins over the params
    assert time_progress("2025-09-30", {"method": "months"}, start_month=4) == pytest.approx(6 / 12)


# --------------------------------------------------------------------------- currency and threshold_scale
def test_currency_and_threshold_scale_default_to_yuan_unscaled() -> None:
    p = resolve()
    assert (p.currency, p.threshold_scale, p.scaled_thresholds) == ("CNY", 1.0, {})
    assert p.indicator("PAY06")["threshold"] == 300000


def test_threshold_scale_converts_the_default_money_thresholds_only() -> None:
    p = resolve(overrides={"currency": "GBP", "threshold_scale": 0.11,
                           "indicators": {"PAY02": {"alert": 6000}}})  # written in pounds: kept as written
    assert p.indicator("PAY06")["threshold"] == 33000.0  # 300,000 yuan → £33,000
    assert p.indicator("PAY02") == {"warning": 550.0, "alert": 6000}
    assert p.indicator("PAY08")["min_amount"] == 11000.0 and p.indicator("PAY08")["multiple"] == 10000  # roundness: not scaled
    assert p.indicator("PAY07")["window_days"] == 7 and p.indicator("BUD02")["warning"] == 0.25  # not money
    assert p.module("procurement")["open_tender_limits"]["goods"] == 220000.0
    assert p.scaled_thresholds["indicators.PAY06.threshold"] == {"stated": 300000.0, "effective": 33000.0}
    assert "indicators.PAY02.alert" not in p.scaled_thresholds
    # a warning written in pounds is ordered against the converted default alert, not the yuan one
    q = resolve(overrides={"threshold_scale": 0.11, "indicators": {"PAY02": {"warning": 5000}}})
    assert q.indicator("PAY02") == {"warning": 5000, "alert": 5500.0}


def test_currency_and_threshold_scale_are_checked() -> None:
    for bad in ({"currency": "pounds"}, {"currency": "gbp"}, {"threshold_scale": 0}, {"threshold_scale": -1},
                {"threshold_scale": "0.11"}):
        with pytest.raises(ParamsError, match=next(iter(bad))):
            resolve(overrides=bad)


def test_every_money_parameter_is_a_declared_number_with_a_default() -> None:
    import fiscalrisk.indicators  # noqa: F401
    from fiscalrisk.indicators.registry import money_paths

    p = resolve()
    for path in money_paths():
        value = p.get(path)
        numbers = list(value.values()) if isinstance(value, dict) else [value]
        assert numbers and all(isinstance(v, int | float) for v in numbers), path
