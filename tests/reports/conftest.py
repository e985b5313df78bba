"""Fixtures of the report tests: one scan and one report run per session, shared by the tests.

The run covers a township (织里镇 330502104), a county (德清县 330521) and the city (湖州市 330500),
plus a township given a misspelt parameter, which must fail alone.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

from tests.conftest import SAMPLE_DIR

REGIONS = ["330502104", "330521", "330500"]
BAD_REGION = "330502105"


@pytest.fixture(scope="session")
def report_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the committed small sample (or the same sample generated when absent).

    A copy: the run records the data's fingerprints, and the tests compare against them.
    """
    out = tmp_path_factory.mktemp("sample") / "huzhou"
    if (SAMPLE_DIR / "regions.csv").exists():
        return copy_data(SAMPLE_DIR, out)
    from fiscalrisk import samples

    if hasattr(samples, "write"):
        samples.write(out, seed=0, size="small")
    else:  # pragma: no cover - older sample module
        out.mkdir(parents=True)
        for name, df in samples.generate(seed=0, size="small").items():
            df.to_csv(out / f"{name}.csv", index=False)
    return out


@pytest.fixture(scope="session")
def report_run(report_data: Path, tmp_path_factory: pytest.TempPathFactory):
    """`run_reports` over three regions and a misconfigured fourth, two local workers."""
    from fiscalrisk.runner import run_reports

    out = tmp_path_factory.mktemp("reports") / "out"
    return run_reports(
        report_data, out, regions=[*REGIONS, BAD_REGION], workers=2, progress=False,
        region_parameters={BAD_REGION: {"languag": "en"}},
    )


@pytest.fixture(scope="session")
def scan_dir(report_run) -> Path:
    return report_run.out_dir / "scan"


def trivial_template(path: Path, body: str) -> Path:
    """A notebook with a parameters cell (the runner's parameters) and one code cell."""
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell(
        'region = ""\nas_of = ""\nscan_dir = ""\ndata_dir = ""\nlanguage = "zh-CN"'
    )
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(body)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def copy_data(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst
