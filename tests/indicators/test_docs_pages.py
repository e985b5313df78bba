"""The generated indicator pages: ``write_all`` writes one page per indicator and the index, in process;
a page's header follows the indicator's declaration; the worked example comes from the pinned findings."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from fiscalrisk.indicators import docs, registry
from fiscalrisk.indicators.common import empty_result
from fiscalrisk.params import resolve


def test_write_all_writes_a_page_per_indicator_and_the_index_into_a_new_nested_folder(tmp_path: Path) -> None:
    out = tmp_path / "site" / "indicators"  # neither folder exists yet
    written = docs.write_all(str(out))
    specs = registry.specs()
    assert written == [out / f"{spec.code}.md" for spec in specs]
    assert sorted(p.name for p in out.iterdir()) == sorted([f"{spec.code}.md" for spec in specs] + ["README.md"])
    for spec in specs:
        assert (out / f"{spec.code}.md").read_text(encoding="utf-8") == docs.page(spec.code), spec.code
    rows = [f"| [{s.code}]({s.code}.md) | {s.module} | {s.name_en} | {s.name_zh} |" for s in specs]
    assert (out / "README.md").read_text(encoding="utf-8") == "\n".join(
        ["# Indicator catalogue", "", "| code | module | name | 名称 |", "|---|---|---|---|", *rows]) + "\n"
    # a second run rewrites the existing folder
    assert docs.write_all(out) == written


def test_a_page_lists_each_declared_parameter_with_its_constraint_and_money_note() -> None:
    text = docs.page("PAY06")
    assert text.startswith("# PAY06 ")
    params = [line for line in text.splitlines() if line.startswith("- `")]
    assert "- `near_share` (a share between 0 and 1): a payment in [near_share × T, T) is just below the limit" in params
    assert "- `near_count` (a whole number ≥ 0): alert when at least this many payments are just below" in params
    assert "- `threshold` (a number > 0; money: × `threshold_scale` for data in another currency): " \
           "T, the approval limit (yuan)" in params
    assert [p.split("`")[1] for p in params] == sorted(registry.get("PAY06").params)
    assert "| parameters | `params/defaults.yaml: indicators.PAY06` |" in text


def test_a_page_names_the_indicator_check_by_its_first_paragraph() -> None:
    spec = registry.get("ANM01")
    assert spec.check is not None
    assert f"- checked together: {docs._first_line(spec.check)}" in docs.page("ANM01").splitlines()


def test_a_page_shows_the_thresholds_of_the_params_it_is_given() -> None:
    given = resolve(overrides={"indicators": {"AST02": {"warning": 0.25, "alert": 0.75}}})
    assert "| grading | `ge`; warning 0.25, alert 0.75 (params/defaults.yaml) |" in docs.page("AST02", given)
    # the defaults (params/defaults.yaml: AST02 warning 0.20, alert 0.40) without params
    assert "| grading | `ge`; warning 0.2, alert 0.4 (params/defaults.yaml) |" in docs.page("AST02")


def test_a_page_says_dash_when_no_test_names_the_indicator(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(docs, "tests_of", lambda code: [])
    assert "| tests | — |" in docs.page("AST02").splitlines()


def _no_doc() -> None:
    pass


def _two_paragraphs() -> None:
    """The first line
    goes on here.

    A second paragraph."""


def test_first_line_is_the_first_paragraph_on_one_line() -> None:
    assert docs._first_line(_two_paragraphs) == "The first line goes on here."
    assert docs._first_line(_no_doc) == ""


# --- the worked example, from a findings file of our own -------------------------------------------

FIELDS = ["indicator", "priority", "subject_type", "subject_id", "period", "value", "value_unit", "threshold",
          "level", "message_zh", "message_en", "evidence"]


def _finding(**kw: str) -> dict[str, str]:
    row = dict(indicator="XYZ01", priority="5", subject_type="unit", subject_id="U1", period="2024", value="0.5",
               value_unit="ratio", threshold="0.3", level="warning", message_zh="中文", message_en="English",
               evidence="{}")
    row.update(kw)
    return row


def _write(path: Path, fields: list[str], rows: list[dict[str, str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)
    return path


@pytest.fixture
def findings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    def use(rows: list[dict[str, str]], labels: list[dict[str, str]] | None = None) -> None:
        monkeypatch.setattr(docs, "_EXPECTED", _write(tmp_path / "findings.csv", FIELDS, rows))
        label_path = tmp_path / "labels.csv"
        if labels is not None:
            _write(label_path, ["indicator", "subject_type", "subject_id", "note"], labels)
        monkeypatch.setattr(docs, "_LABELS", label_path)
    return use


def test_no_findings_file_gives_no_example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(docs, "_EXPECTED", tmp_path / "missing.csv")
    assert docs.example("XYZ01") == []


def test_an_indicator_without_findings_points_to_its_tests(findings) -> None:
    findings([_finding(indicator="OTHER")])
    assert docs.example("XYZ01") == [
        "## Worked example", "",
        "The committed sample (`data_samples/huzhou`) raises no XYZ01 finding; the cases are in the tests listed above.",
        "",
    ]


def test_the_example_is_the_most_urgent_finding_with_its_planted_case(findings) -> None:
    findings(
        [_finding(subject_id="U9", priority="10"), _finding(subject_id="U1", priority="2", level="alert"),
         _finding(indicator="OTHER", priority="1")],
        labels=[{"indicator": "XYZ01", "subject_type": "unit", "subject_id": "U1", "note": "planted, line 1"},
                {"indicator": "OTHER", "subject_type": "unit", "subject_id": "U1", "note": "not this one"}],
    )
    assert docs.example("XYZ01") == [
        "## Worked example", "",
        "From `tests/expected/huzhou-findings.csv` (the committed sample's findings, pinned by "
        "`tests/test_expected_findings.py`; 2 XYZ01 finding(s)), the most urgent: unit `U1`, period 2024, "
        "value 0.5 (ratio) against the threshold 0.3: **alert**. The case planted for it in the sample: planted, line 1",
        "",
        "> 中文",
        ">",
        "> English",
        "",
        "Evidence: `{}`",
        "",
    ]


def test_the_example_without_a_labels_file_or_threshold(findings) -> None:
    findings([_finding(threshold="")])
    lines = docs.example("XYZ01")
    assert lines[2].endswith("value 0.5 (ratio) against the threshold —: **warning**.")


@pytest.mark.parametrize(("length", "shown"), [(599, 599), (600, 600), (601, 599), (602, 599)])
def test_evidence_longer_than_600_characters_is_cut_to_599_and_an_ellipsis(findings, length: int, shown: int) -> None:
    evidence = "".join(str(i % 10) for i in range(length))
    findings([_finding(evidence=evidence)])
    line = docs.example("XYZ01")[-2]
    cut = "…" if length > 600 else ""
    assert line == f"Evidence: `{evidence[:shown]}{cut}`"


# --- common.empty_result ----------------------------------------------------------------------------


def test_an_empty_result_has_the_registry_columns_and_a_float_value() -> None:
    frame = empty_result("message_zh", "message_en")
    assert list(frame.columns) == ["subject_id", "unit_code", "period", "value", "evidence", "message_zh", "message_en"]
    assert len(frame) == 0
    assert frame["value"].dtype == float
    assert all(frame[c].dtype == object for c in frame.columns if c != "value")
    assert isinstance(frame, pd.DataFrame)
    assert list(empty_result().columns) == ["subject_id", "unit_code", "period", "value", "evidence"]


def test_a_line_break_inside_a_quoted_field_is_kept_as_written(findings) -> None:
    # the csv module asks for newline="": a CRLF inside a quoted message or note is text, not a line end
    findings([_finding(message_en="line one\r\nline two")],
             labels=[{"indicator": "XYZ01", "subject_type": "unit", "subject_id": "U1", "note": "a\r\nb"}])
    lines = docs.example("XYZ01")
    assert lines[2].endswith("The case planted for it in the sample: a\r\nb")
    assert lines[6] == "> line one\r\nline two"


def test_pages_are_written_and_read_as_utf_8_whatever_the_locale(tmp_path: Path) -> None:
    # an ASCII locale (C, no UTF-8 mode, no coercion) makes the default encoding ASCII
    env = {**os.environ, "LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0",
           "PYTHONIOENCODING": "utf-8",
           "PYTHONPATH": os.pathsep.join([str(Path(docs.__file__).resolve().parents[2]), os.environ.get("PYTHONPATH", "")])}
    code = ("import locale, sys; from fiscalrisk.indicators import docs; "
            "print(locale.getpreferredencoding(False)); docs.write_all(sys.argv[1])")
    run = subprocess.run([sys.executable, "-c", code, str(tmp_path)], env=env, capture_output=True, text=True,
                         encoding="utf-8", timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "utf" not in run.stdout.lower()  # the locale really was not UTF-8
    for spec in registry.specs():
        assert (tmp_path / f"{spec.code}.md").read_text(encoding="utf-8") == docs.page(spec.code), spec.code
    assert "名称" in (tmp_path / "README.md").read_text(encoding="utf-8")
