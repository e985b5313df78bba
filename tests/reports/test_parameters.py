"""The template's parameters: documented for `papermill --help-notebook`, validated before any work."""

from __future__ import annotations

import json
from pathlib import Path

import papermill
import pytest

from fiscalrisk.params import ParamsError
from fiscalrisk.report import regional
from fiscalrisk.runner import DEFAULT_TEMPLATE


def test_template_parameters_are_annotated_and_match_the_validator():
    inferred = {p["name"]: p for p in papermill.inspect_notebook(str(DEFAULT_TEMPLATE)).values()}
    assert set(inferred) == set(regional.PARAMETERS)
    for name, (kind, _default, _help) in regional.PARAMETERS.items():
        assert inferred[name]["inferred_type_name"] == kind.__name__, name
        assert inferred[name]["help"], f"parameter {name} has no help text"


def test_template_has_one_parameters_cell_validated_right_after_it():
    nb = json.loads(Path(DEFAULT_TEMPLATE).read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    tagged = [i for i, c in enumerate(code) if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert tagged == [0]
    assert "validate_parameters" in "".join(code[1]["source"])
    assert all(not c.get("outputs") for c in code), "the template is committed without outputs"


@pytest.fixture
def scan_like(tmp_path: Path) -> tuple[Path, Path]:
    scan = tmp_path / "scan"
    scan.mkdir()
    (scan / "manifest.json").write_text(json.dumps({"as_of": "2026-06-30", "scan_format": 2}), encoding="utf-8")
    (scan / "scores.csv").write_text("subject_type,subject_id\nregion,330500\nregion,330521\n", encoding="utf-8")
    data = tmp_path / "data"
    data.mkdir()
    return scan, data


def _problems(values: dict) -> list[str]:
    with pytest.raises(ParamsError) as err:
        regional.validate_parameters(values)
    return err.value.problems


def test_unknown_parameter_is_refused_with_did_you_mean(scan_like):
    scan, data = scan_like
    problems = _problems({"region": "330521", "scan_dir": str(scan), "data_dir": str(data), "languag": "en"})
    assert problems == ["parameter 'languag' of the regional report in notebook parameters: "
                        "expected a known name (did you mean 'language'?), got 'languag'"]


def test_bad_values_are_all_reported_at_once(scan_like):
    scan, data = scan_like
    problems = _problems({"region": "330521", "scan_dir": str(scan), "data_dir": str(data), "language": "fr",
                          "as_of": "2026-02-30", "top_n": 0})
    joined = "\n".join(problems)
    assert "'language'" in joined and "zh-CN, en" in joined
    assert "'as_of'" in joined and "YYYY-MM-DD" in joined
    assert "'top_n'" in joined


def test_region_and_date_must_belong_to_the_scan(scan_like):
    scan, data = scan_like
    assert "a region of the scan" in _problems({"region": "999999", "scan_dir": str(scan), "data_dir": str(data)})[0]
    assert "the scan's date 2026-06-30" in _problems(
        {"region": "330521", "as_of": "2026-05-31", "scan_dir": str(scan), "data_dir": str(data)})[0]


def test_good_parameters_resolve_paths_and_default_the_date(scan_like):
    scan, data = scan_like
    p = regional.validate_parameters({"region": 330521, "scan_dir": str(scan), "data_dir": str(data)})
    assert (p.region, p.as_of, p.language, p.top_n) == ("330521", "2026-06-30", "zh-CN", 20)
    assert p.scan_dir == scan.resolve()
    # the scan directory is all a report reads: no data directory needed (data_dir is still accepted)
    p = regional.validate_parameters({"region": "330521", "scan_dir": str(scan)})
    assert p.data_dir is None


def test_a_scan_directory_of_an_older_format_is_refused(scan_like):
    scan, _ = scan_like
    (scan / "manifest.json").write_text(json.dumps({"as_of": "2026-06-30"}), encoding="utf-8")
    problems = _problems({"region": "330521", "scan_dir": str(scan)})
    assert len(problems) == 1 and "'scan_dir'" in problems[0]
    assert "scan format 2" in problems[0] and "fiscalrisk scan DATA_DIR --out SCAN_DIR` again" in problems[0]
    assert "of scan format 1" in problems[0]


def test_only_plain_values_count_as_parameters():
    import os

    ns = {"region": "1", "_hidden": 1, "In": [], "os": os, "f": lambda: 0, "top_n": 3}
    assert regional.parameters_from_namespace(ns) == {"region": "1", "top_n": 3}
