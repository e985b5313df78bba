"""Where params/ and notebooks/ are found: the environment variable, else the checkout's top-level
folder, else the copy shipped in an installed package (the installed case end to end:
tests/test_wheel.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from fiscalrisk import resources
from fiscalrisk.params import default_params_dir
from fiscalrisk.runner import DEFAULT_TEMPLATE

from .conftest import ROOT


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FISCALRISK_PARAMS_DIR", raising=False)
    monkeypatch.delenv("FISCALRISK_NOTEBOOKS_DIR", raising=False)


def test_a_checkout_uses_its_top_level_folders() -> None:
    assert resources.source_root() == ROOT
    assert default_params_dir() == resources.params_dir() == ROOT / "params"
    assert resources.notebook("dashboard.ipynb") == ROOT / "notebooks" / "dashboard.ipynb"
    assert DEFAULT_TEMPLATE == ROOT / "notebooks" / "regional_report.ipynb"


def test_the_environment_variables_come_first(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FISCALRISK_PARAMS_DIR", str(tmp_path / "p"))
    monkeypatch.setenv("FISCALRISK_NOTEBOOKS_DIR", str(tmp_path / "n"))
    assert default_params_dir() == tmp_path / "p"
    assert resources.notebooks_dir() == tmp_path / "n"


def test_an_installed_package_uses_its_shipped_copy(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Installed in site-packages: no pyproject.toml and no params/ beside the package."""
    site = tmp_path / "site-packages"
    monkeypatch.setattr(resources, "_PACKAGE_DIR", site / "fiscalrisk")
    monkeypatch.setattr(resources, "shipped_dir", lambda folder: site / "fiscalrisk" / "_shipped" / folder)
    assert resources.source_root() is None
    assert default_params_dir() == site / "fiscalrisk" / "_shipped" / "params"
    assert resources.notebook("casedesk.ipynb") == site / "fiscalrisk" / "_shipped" / "notebooks" / "casedesk.ipynb"


def test_the_shipped_copy_is_inside_the_package() -> None:
    assert resources.shipped_dir("params") == Path(resources.__file__).resolve().parent / "_shipped" / "params"
