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


def test_the_data_contract_page_is_current_and_names_every_table_and_column():
    from fiscalrisk.data.contract_doc import page
    from fiscalrisk.data.schema import TABLES

    text = page()
    path = ROOT / "docs" / "data-contract.md"
    assert path.read_text(encoding="utf-8") == text, (
        "regenerate with `python -m fiscalrisk.data.contract_doc docs/data-contract.md`")
    for table in TABLES.values():
        section = text.split(f"\n## {table.name}\n", 1)
        assert len(section) == 2, table.name
        body = section[1].split("\n## ", 1)[0]
        for column in table.columns:
            assert f"| `{column.name}` |" in body, (table.name, column.name)


def test_the_register_page_names_every_state_move_and_dismissal_reason_of_the_code():
    from fiscalrisk.register.rules import DISMISS_REASONS, MOVES, RESPONSES, STATES

    text = (ROOT / "docs" / "register.md").read_text(encoding="utf-8")
    for state, zh in STATES.items():
        assert f"| `{state}` | {zh} |" in text, state
    for action in MOVES:
        assert f"`{action}`" in text, action
    for word in (*DISMISS_REASONS, *RESPONSES):
        assert word in text, word
