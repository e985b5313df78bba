"""Every HTML page `fiscalrisk report` writes, and every page and figure of an exported bundle, opens
offline: nothing in it fetches from another host (the check of tests/offline.py)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from fiscalrisk import export
from tests.offline import network_references
from tests.reports.conftest import REGIONS


def test_every_page_of_a_report_run_fetches_nothing(report_run) -> None:
    pages = sorted(report_run.out_dir.rglob("*.html"))
    names = {p.relative_to(report_run.out_dir).as_posix() for p in pages}
    assert {"index.html", *(f"{code}/report.html" for code in REGIONS)} <= names
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert network_references(html) == [], page
        assert "<svg" in html or "data:image/svg+xml" in html or page.name == "index.html", page


def test_every_page_and_figure_of_a_bundle_fetches_nothing(report_run, tmp_path: Path) -> None:
    bundle = export.export_run(report_run.out_dir, tmp_path / "run.zip")
    with zipfile.ZipFile(bundle) as z:
        members = [n for n in z.namelist() if n.endswith((".html", ".svg"))]
        assert "index.html" in members and any(n.endswith(".svg") for n in members)
        for name in members:
            assert network_references(z.read(name).decode("utf-8")) == [], name


@pytest.mark.parametrize("snippet", [
    '<script src="https://cdn.jsdelivr.net/npm/vega@5"></script>',
    "<link rel='stylesheet' href='//fonts.googleapis.com/css?family=Noto'>",
    "<style>@import url(https://example.org/a.css);</style>",
    "var s = document.createElement('script'); s.src = 'https://example.org/x.js';",
])
def test_the_check_finds_a_page_that_would_fetch(snippet: str) -> None:
    assert network_references(f"<html><head>{snippet}</head><body></body></html>")


def test_the_check_ignores_text_that_fetches_nothing() -> None:
    page = ('<svg xmlns="http://www.w3.org/2000/svg"><text>1</text></svg>'
            '<a href="https://www.pefa.org/">PEFA</a><style>/* https://github.com/x */</style>')
    assert network_references(page) == []
