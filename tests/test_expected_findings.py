"""The committed sample's findings, byte for byte, against a committed expected copy.

A faster engine, a partitioned scan or a refactoring must not change a single finding. When a change
to a rule is meant to change findings, regenerate the copy and let the diff of the commit show what
changed and why::

    fiscalrisk scan data_samples/huzhou --out /tmp/s && cp /tmp/s/findings.csv tests/expected/huzhou-findings.csv
"""

from __future__ import annotations

import difflib
from pathlib import Path

from fiscalrisk.data import load
from fiscalrisk.scan import scan, write_scan

EXPECTED = Path(__file__).resolve().parent / "expected" / "huzhou-findings.csv"


def test_the_sample_findings_are_the_committed_copy(sample_dir: Path, tmp_path: Path) -> None:
    out = write_scan(scan(load(sample_dir)), tmp_path / "scan")
    got = (out / "findings.csv").read_text(encoding="utf-8")
    want = EXPECTED.read_text(encoding="utf-8")
    assert want.count("\n") > 100  # the copy is a real scan's, not an empty file
    if got != want:
        diff = "".join(list(difflib.unified_diff(want.splitlines(True), got.splitlines(True), "expected", "scan"))[:60])
        raise AssertionError(f"the sample's findings differ from {EXPECTED.name}:\n{diff}")
