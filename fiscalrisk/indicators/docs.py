"""One documentation page per indicator, generated from the registry (``docs/indicators/<CODE>.md``).

The page leads to the code: the indicator's function, the tests that name it and its entry in
``params/defaults.yaml``. Its header is built from the declared metadata (why it is a risk, source, the
rule of its findings' ``amount_at_risk``, each parameter with its constraint) and the default
thresholds; its body is the function's docstring (what, method, exclusions). So the docs cannot drift
from the code: ``python -m fiscalrisk.indicators.docs docs/indicators`` rewrites them and a test checks
that the committed pages are current.
"""

from __future__ import annotations

import csv
import functools
import inspect
import re
import sys
from pathlib import Path

from . import registry


def page(code: str, params=None) -> str:
    spec = registry.get(code)
    cat = registry.catalogue(params).set_index("code").loc[code]
    if spec.grade == "flag":
        from fiscalrisk.params import resolve

        levels = f"level {resolve().indicator(code).get('level', 'set per finding')}"
    else:
        levels = f"warning {cat['warning'] or '—'}, alert {cat['alert'] or '—'}"
    reads = "; ".join(f"`{t}`: {', '.join(cols)}" for t, cols in sorted(spec.reads.items()))
    lines = [
        f"# {spec.code} {spec.name_zh} — {spec.name_en}",
        "",
        "| | |",
        "|---|---|",
        f"| module | {spec.module} |",
        f"| subject | {spec.subject_type} |",
        f"| grading | `{spec.grade}`; {levels} (params/defaults.yaml) |",
        f"| value | `{spec.value_unit}`: {registry.VALUE_UNITS[spec.value_unit]} |",
        f"| reads | {reads} |",
        f"| amount at risk | {_at_risk(spec)} |",
        f"| source | {spec.source} |",
        f"| function | `{function_path(spec)}` |",
        f"| tests | {', '.join(f'`{t}`' for t in tests_of(spec.code)) or '—'} |",
        f"| parameters | `params/defaults.yaml: indicators.{spec.code}` |",
        "",
        f"**Why this is a risk.** {spec.why_en}",
        "",
        f"**风险说明** {spec.why_zh}",
        "",
    ]
    if spec.params:
        lines += [f"**Parameters** (`indicators.{spec.code}.<name>` in params files; their values and sources in "
                  "`params/defaults.yaml`)", ""]
        for name, decl in sorted(spec.params.items()):
            money = "; money: × `threshold_scale` for data in another currency" if name in spec.money else ""
            lines.append(f"- `{name}` ({decl.constraint}{money}): {decl.description}")
        if spec.check is not None:
            lines.append(f"- checked together: {_first_line(spec.check)}")
        lines.append("")
    lines += ["## Definition and method", "", spec.page, ""]
    lines += example(spec.code)
    return "\n".join(lines)


_EXPECTED = Path(__file__).resolve().parents[2] / "tests" / "expected" / "huzhou-findings.csv"
_LABELS = Path(__file__).resolve().parents[2] / "data_samples" / "huzhou" / "labels.csv"


def example(code: str) -> list[str]:
    """A worked example from the test fixture that pins the committed sample's findings
    (``tests/expected/huzhou-findings.csv``, checked by ``tests/test_expected_findings.py``): the most
    urgent finding of ``code``, with the case planted for it in the sample (``labels.csv``)."""
    if not _EXPECTED.is_file():
        return []
    with open(_EXPECTED, encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["indicator"] == code]
    head = ["## Worked example", ""]
    if not rows:
        return head + [f"The committed sample (`data_samples/huzhou`) raises no {code} finding; the cases are in "
                       "the tests listed above.", ""]
    r = min(rows, key=lambda row: int(row["priority"]))
    planted = ""
    if _LABELS.is_file():
        with open(_LABELS, encoding="utf-8", newline="") as fh:
            notes = [x["note"] for x in csv.DictReader(fh) if x["indicator"] == code and x["subject_id"] == r["subject_id"]]
        planted = f" The case planted for it in the sample: {notes[0]}" if notes else ""
    return head + [
        f"From `tests/expected/huzhou-findings.csv` (the committed sample's findings, pinned by "
        f"`tests/test_expected_findings.py`; {len(rows)} {code} finding(s)), the most urgent: {r['subject_type']} "
        f"`{r['subject_id']}`, period {r['period']}, value {r['value']} ({r['value_unit']}) against the threshold "
        f"{r['threshold'] or '—'}: **{r['level']}**.{planted}",
        "",
        f"> {r['message_zh']}",
        ">",
        f"> {r['message_en']}",
        "",
        f"Evidence: `{r['evidence'] if len(r['evidence']) <= 600 else r['evidence'][:599] + '…'}`",
        "",
    ]


def function_path(spec: registry.IndicatorSpec) -> str:
    """``fiscalrisk/indicators/payments.py::pay06``: the file and name of the indicator's function."""
    return f"{spec.func.__module__.replace('.', '/')}.py::{spec.func.__qualname__}"


_TESTS = Path(__file__).resolve().parents[2] / "tests"


@functools.cache
def _test_texts() -> dict[str, str]:
    """The source checkout's test files (path relative to the checkout → text); none in an installed package."""
    if not _TESTS.is_dir():
        return {}
    root = _TESTS.parent
    return {path.relative_to(root).as_posix(): path.read_text(encoding="utf-8")
            for path in sorted(_TESTS.rglob("test_*.py"))}


def tests_of(code: str) -> list[str]:
    """The test files that name indicator ``code``."""
    word = re.compile(rf"\b{re.escape(code)}\b")
    return [path for path, text in _test_texts().items() if word.search(text)]


def _first_line(func: object) -> str:
    return (inspect.getdoc(func) or "").strip().split("\n\n")[0].replace("\n", " ")


def _at_risk(spec: registry.IndicatorSpec) -> str:
    """The amount-at-risk rule as the page states it: the rule, and the result column it comes from."""
    rule = spec.at_risk_rule.replace("|", "\\|")
    if spec.at_risk is None:
        return f"{rule} (`amount_at_risk` empty)"
    return f"{rule} (`amount_at_risk` ← result column `{spec.at_risk}`)"


def write_all(out_dir: str | Path) -> list[Path]:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    index = ["# Indicator catalogue", "", "| code | module | name | 名称 |", "|---|---|---|---|"]
    for spec in registry.specs():
        path = out / f"{spec.code}.md"
        path.write_text(page(spec.code), encoding="utf-8")
        written.append(path)
        index.append(f"| [{spec.code}]({spec.code}.md) | {spec.module} | {spec.name_en} | {spec.name_zh} |")
    (out / "README.md").write_text("\n".join(index) + "\n", encoding="utf-8")
    return written


if __name__ == "__main__":
    target = sys.argv[1] if len(sys.argv) > 1 else "docs/indicators"
    print(f"{len(write_all(target))} pages written to {target}")
