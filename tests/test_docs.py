"""Every indicator has its one-page documentation, generated from the registry and kept current."""

from __future__ import annotations

from fiscalrisk.indicators import registry
from fiscalrisk.indicators.docs import page

from .conftest import ROOT

DOCS = ROOT / "docs" / "indicators"


def test_every_indicator_has_a_current_doc_page():
    stale = []
    specs = registry.specs()
    assert len(specs) >= 40, "the registry holds the catalogue's indicators"
    for spec in specs:
        path = DOCS / f"{spec.code}.md"
        if not path.exists() or path.read_text(encoding="utf-8") != page(spec.code):
            stale.append(spec.code)
    assert not stale, f"regenerate with `python -m fiscalrisk.indicators.docs docs/indicators`: {stale}"


def test_doc_pages_have_the_sections_of_a_cardinal_page():
    specs = registry.specs()
    assert len(specs) >= 40
    for spec in specs:
        text = page(spec.code).lower()
        for section in ("why this is a risk", "source", "definition and method"):
            assert section in text, (spec.code, section)
