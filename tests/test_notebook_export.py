"""notebooks/explore.ipynb executed with papermill on the committed sample, then exported to HTML: the
charts stay (static SVG renditions, inline) and the page fetches nothing from the network."""

from __future__ import annotations

import base64
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from tests.conftest import SAMPLE_DIR
from tests.offline import network_references

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "explore.ipynb"
EXPORTER = "fiscalrisk.report.notebook_html.OfflineHTMLExporter"
#: the two charts of section 5 by their titles (LANG="en"): the counties ranked by risk score, and the
#: alerts by module and region
CHART_LABELS = ("Units ranked by risk score", "Alerts by module and region")


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    return env


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import papermill as pm

    if not (SAMPLE_DIR / "regions.csv").exists():
        pytest.skip("the committed sample data_samples/huzhou is absent")
    out = tmp_path_factory.mktemp("explore") / "explore.ipynb"
    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = _env()["PYTHONPATH"]  # the kernel imports this checkout's fiscalrisk
    try:
        pm.execute_notebook(str(NOTEBOOK), str(out), parameters={"DATA": str(SAMPLE_DIR), "LANG": "en"},
                            cwd=str(NOTEBOOK.parent), kernel_name="python3", progress_bar=False)
    finally:
        if old is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = old
    return out


def _svg_images(page: str) -> list[str]:
    """The SVG documents of the page: inline ``<svg>`` elements and ``data:image/svg+xml`` images."""
    svgs = re.findall(r"<svg\b.*?</svg>", page, flags=re.S)
    for b64 in re.findall(r'src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"', page):
        svgs.append(base64.b64decode(b64).decode("utf-8"))
    return svgs


def _chart_svgs(page: str) -> list[str]:
    return [s for s in _svg_images(page) if "<svg" in s and any(label in s for label in CHART_LABELS)]


def test_the_offline_export_keeps_every_chart_and_fetches_nothing(executed: Path, tmp_path: Path) -> None:
    r = subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", EXPORTER, str(executed),
                        "--output-dir", str(tmp_path), "--output", "explore"],
                       capture_output=True, text=True, env=_env())
    assert r.returncode == 0, r.stderr
    page = (tmp_path / "explore.html").read_text(encoding="utf-8")
    charts = _chart_svgs(page)
    assert len(charts) == 2, [s[:200] for s in _svg_images(page)]
    ranking, heatmap = sorted(charts, key=lambda s: CHART_LABELS[1] in s)
    assert CHART_LABELS[0] in ranking and all(name in ranking for name in ("德清县", "长兴县", "吴兴区"))
    assert CHART_LABELS[1] in heatmap and "Payments" in heatmap and "湖州市" in heatmap
    assert network_references(page) == []
    assert "application/vnd.jupyter.widget-view+json" not in page  # widgets cannot draw in a static page


def test_export_notebook_writes_the_same_page_from_python(executed: Path, tmp_path: Path) -> None:
    from fiscalrisk.report.notebook_html import export_notebook

    page = export_notebook(executed, tmp_path / "explore.html", code=False).read_text(encoding="utf-8")
    assert len(_chart_svgs(page)) == 2
    assert network_references(page) == []
    assert "fiscalrisk.scan(dataset)" not in page  # code=False: outputs only


def test_a_plain_nbconvert_export_keeps_the_static_charts_but_fetches_from_cdns(executed: Path,
                                                                                  tmp_path: Path) -> None:
    """The check is not vacuous: nbconvert's own lab template asks cdnjs for require.js and MathJax."""
    r = subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "html", str(executed),
                        "--output-dir", str(tmp_path), "--output", "plain"],
                       capture_output=True, text=True, env=_env())
    assert r.returncode == 0, r.stderr
    page = (tmp_path / "plain.html").read_text(encoding="utf-8")
    assert any("cdnjs.cloudflare.com" in hit for hit in network_references(page))
    assert len(_chart_svgs(page)) == 2


def test_every_chart_cell_has_an_interactive_and_a_static_output(executed: Path) -> None:
    nb = nbformat.read(executed, as_version=4)
    chart_cells = [c for c in nb.cells if c.cell_type == "code" and "charts.show(" in c.source]
    assert len(chart_cells) == 2
    for cell in chart_cells:
        kinds = [set(o.get("data", {})) for o in cell.outputs if o.output_type == "display_data"]
        assert any("application/vnd.jupyter.widget-view+json" in k for k in kinds), cell.id
        assert any("image/svg+xml" in k for k in kinds), cell.id


def test_the_drill_down_grades_deqing_with_its_own_threshold(executed: Path) -> None:
    """The PAY06 drill-down table lists each region's own threshold: 200,000 for 德清县 (330521,
    params/330521.yaml) and its townships, 300,000 for the city (params/defaults.yaml)."""
    nb = nbformat.read(executed, as_version=4)
    cell = next(c for c in nb.cells if c.cell_type == "code" and 'fiscalrisk.measure(dataset, "PAY06"' in c.source)
    text = "\n".join(o["data"]["text/plain"] for o in cell.outputs if "text/plain" in o.get("data", {}))
    rows = {m.group(1): float(m.group(2)) for m in re.finditer(r"^\s*\d+\s+(\d{6,9})\s+\S+\s+(\d+)", text, re.M)}
    assert rows["330521"] == 200000 and rows["330521102"] == 200000
    assert rows["330500"] == 300000 and rows["330502"] == 300000


def test_the_notebook_ran_without_errors_and_kept_its_cells(executed: Path) -> None:
    source = nbformat.read(NOTEBOOK, as_version=4)
    ran = nbformat.read(executed, as_version=4)
    ids = [c.id for c in ran.cells if "injected-parameters" not in c.metadata.get("tags", [])]
    assert ids == [c.id for c in source.cells]
    errors = [o for c in ran.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert errors == []
