"""The report fan-out on a Dask cluster: a real LocalCluster with one worker process."""

from __future__ import annotations

import json

import pytest

from fiscalrisk import runner
from tests.reports.conftest import trivial_template


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=40) as c:
        yield c


def test_reports_run_on_a_dask_cluster(cluster, report_data, scan_dir, tmp_path):
    # a light template keeps the test short; the worker still starts a kernel that imports fiscalrisk
    template = trivial_template(tmp_path / "light.ipynb", "import fiscalrisk.report.regional\nprint(region)")
    result = runner.run_reports(report_data, tmp_path / "out", scan_dir=scan_dir, regions=["330521102", "330521103"],
                                scheduler=cluster.scheduler_address, progress=False, template=template)
    assert [o.status for o in result.outcomes.values()] == ["ok", "ok"], result.outcomes
    assert (result.out_dir / "330521102" / "report.html").is_file()
    m = json.loads((result.out_dir / "manifest.json").read_text(encoding="utf-8"))
    assert m["run"]["scheduler"] == cluster.scheduler_address
    # the worker resolved the kernel itself: that is the kernel actually used
    assert m["regions"]["330521102"]["kernel"]["name"] == "python3"
