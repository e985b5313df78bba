"""One documentation page per indicator, generated from the registry (``docs/indicators/<CODE>.md``).

The page is the indicator's own docstring (what, method, why it is a risk, source, parameters,
exclusions) under a header built from its declared metadata (with the rule of its findings'
``amount_at_risk``) and its default thresholds, so the docs
cannot drift from the code: ``python -m fiscalrisk.indicators.docs docs/indicators`` rewrites them
and a test checks that the committed pages are current.
"""

from __future__ import annotations

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
        "",
        f"**Why this is a risk.** {spec.why_en}",
        "",
        f"**风险说明** {spec.why_zh}",
        "",
    ]
    if spec.params:
        lines += ["**Parameters** (`indicators." + spec.code + ".<name>` in params files)", ""]
        lines += [f"- `{name}`{' (money: × `threshold_scale` for data in another currency)' if name in spec.money else ''}"
                  f": {text}" for name, text in sorted(spec.params.items())]
        lines.append("")
    lines += ["## Definition and method", "", spec.page, ""]
    return "\n".join(lines)


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
