"""The shared folder (catalogue, published data sets) is found in one place, and under CI its absence
fails the real-data tests instead of skipping them."""

from __future__ import annotations

from pathlib import Path

import pytest

from . import conftest
from .conftest import ROOT, SHARED, real_data, shared_folder, shared_path


def test_shared_folder_is_the_variable_else_the_folder_beside_the_project(tmp_path: Path) -> None:
    assert shared_folder({"FISCALRISK_SHARED": str(tmp_path)}) == tmp_path
    assert shared_folder({}) == ROOT.parent / "shared"
    assert shared_folder({"FISCALRISK_SHARED": ""}) == ROOT.parent / "shared"


@pytest.mark.parametrize("ci", ["true", "TRUE", "1"])
def test_under_ci_a_missing_data_set_is_a_failure_naming_the_path(monkeypatch: pytest.MonkeyPatch,
                                                                  ci: str) -> None:
    monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.fail.Exception, match="no-such-data-set") as info:
        real_data("no-such-data-set")
    assert str(SHARED / "real-data" / "no-such-data-set") in str(info.value)
    with pytest.raises(pytest.fail.Exception, match="no-such-file.md"):
        shared_path("spec/no-such-file.md")


@pytest.mark.parametrize("ci", [None, "", "false"])
def test_elsewhere_a_missing_data_set_skips_with_the_reason(monkeypatch: pytest.MonkeyPatch,
                                                            ci: str | None) -> None:
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.skip.Exception, match="FISCALRISK_SHARED") as info:
        real_data("no-such-data-set")
    assert str(SHARED / "real-data" / "no-such-data-set") in str(info.value)


def test_a_present_data_set_is_returned(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(conftest, "REAL_DATA", tmp_path)
    (tmp_path / "some-data").mkdir()
    monkeypatch.setenv("CI", "true")
    assert real_data("some-data") == tmp_path / "some-data"
