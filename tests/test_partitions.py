"""Scanning payments partition by partition, in this process and on a real Dask LocalCluster.

The reference is always the one-piece scan of the same data (``scan(load(DIR))``): the partitioned
scan must write byte-identical files. Bad partition layouts stop with exit 2 and write nothing.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from fiscalrisk.data import load
from fiscalrisk.hierarchy import RegionTree
from fiscalrisk.partitions import find_partitions, partition_keys, scan_data_dir
from fiscalrisk.scan import scan, write_scan

SAMPLE = Path(__file__).resolve().parents[1] / "data_samples" / "huzhou"
FILES = ("findings.csv", "assessed.csv", "pefa.csv", "pefa_scores.csv", "scores.csv")


def _write_partitioned(src: Path, out: Path) -> list[str]:
    """The sample as a partitioned data directory, written here with pandas (not by the product)."""
    ds = load(src)
    out.mkdir(parents=True)
    units = ds["units"]
    regions = ds["regions"]
    # the county of each unit, found by walking parent_code upwards (independent of partition_keys)
    parent = dict(zip(regions["region_code"], regions["parent_code"], strict=True))
    level = dict(zip(regions["region_code"], regions["level"], strict=True))

    def county(region: str) -> str:
        node = region
        while isinstance(node, str):
            if level[node] == "county":
                return node
            node = parent.get(node)
        return region

    key = dict(zip(units["unit_code"], units["region_code"].map(county), strict=True))
    for name, df in ds.tables.items():
        if name != "payments":
            df.to_parquet(out / f"{name}.parquet", index=False)
    pay = ds["payments"]
    k = pay["unit_code"].map(key)
    keys = sorted(k.unique())
    for c in keys:
        d = out / "payments" / f"county={c}"
        d.mkdir(parents=True)
        part = pay.loc[k == c]
        half = len(part) // 2  # two files in a partition
        part.iloc[:half].to_parquet(d / "part-00000.parquet", index=False)
        part.iloc[half:].to_parquet(d / "part-00001.parquet", index=False)
    return keys


@pytest.fixture(scope="module")
def partitioned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("part") / "data"
    keys = _write_partitioned(SAMPLE, out)
    assert len(keys) >= 5  # the city's own units and its five counties
    return out


@pytest.fixture(scope="module")
def one_piece(partitioned: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_scan(scan(load(partitioned)), tmp_path_factory.mktemp("one") / "scan")


def _same_files(a: Path, b: Path) -> None:
    """Every file of the two scan directories is the same, byte for byte (the manifest aside: it
    records how the scan ran), series and reference tables included."""
    names = sorted(str(f.relative_to(a)) for f in a.rglob("*") if f.is_file() and f.name != "manifest.json")
    assert set(FILES) <= set(names) and any(n.startswith("series/") for n in names)
    assert names == sorted(str(f.relative_to(b)) for f in b.rglob("*") if f.is_file() and f.name != "manifest.json")
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_partition_keys_put_each_unit_under_its_county(partitioned: Path) -> None:
    ds = load(partitioned)
    tree = RegionTree.from_frame(ds["regions"])
    keys = partition_keys(ds["units"], tree)
    parts = {p.key for p in find_partitions(partitioned)}
    assert set(keys.unique()) == parts
    for unit, key in keys.items():
        region = ds["units"].set_index("unit_code").loc[unit, "region_code"]
        assert region in tree.subtree(key)


def test_loading_a_partitioned_directory_reads_every_partition(partitioned: Path) -> None:
    whole = load(SAMPLE)["payments"]
    parts = load(partitioned)["payments"]
    assert len(parts) == len(whole) > 0
    assert sorted(parts["payment_id"]) == sorted(whole["payment_id"])
    assert parts["amount"].sum() == pytest.approx(whole["amount"].sum(), rel=1e-12)


def test_partitioned_scan_writes_what_the_one_piece_scan_writes(partitioned: Path, one_piece: Path,
                                                                tmp_path: Path) -> None:
    result = scan_data_dir(partitioned)
    assert result.manifest["partitions"]["count"] == len(find_partitions(partitioned))
    assert len(result.findings) > 100
    _same_files(one_piece, write_scan(result, tmp_path / "scan"))


def test_partitioned_region_scan_equals_the_one_piece_region_scan(partitioned: Path, tmp_path: Path) -> None:
    a = write_scan(scan(load(partitioned), region="330521"), tmp_path / "a")
    b = write_scan(scan_data_dir(partitioned, region="330521"), tmp_path / "b")
    assert len(pd.read_csv(a / "findings.csv")) > 0
    _same_files(a, b)


def test_cli_scan_of_a_partitioned_directory(partitioned: Path, one_piece: Path, tmp_path: Path) -> None:
    out = tmp_path / "scan"
    r = subprocess.run([sys.executable, "-m", "fiscalrisk.cli", "scan", str(partitioned), "--out", str(out)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    _same_files(one_piece, out)


def test_dask_local_cluster_of_two_workers_gives_the_single_process_findings(tmp_path: Path) -> None:
    """A real LocalCluster(2): the unpartitioned sample is split by county by the scan itself."""
    single = tmp_path / "single"
    dask = tmp_path / "dask"
    for out, extra in ((single, []), (dask, ["--workers", "2"])):
        r = subprocess.run([sys.executable, "-m", "fiscalrisk.cli", "scan", str(SAMPLE), "--out", str(out), *extra],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
    manifest = pd.read_json(dask / "manifest.json", typ="series")
    assert manifest["partitions"]["workers"] == 2 and manifest["partitions"]["split_by_scan"]
    _same_files(single, dask)


# --------------------------------------------------------------------------------------------------
# Bad layouts: exit 2, the partition named, nothing written
# --------------------------------------------------------------------------------------------------


def _copy(partitioned: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "data"
    shutil.copytree(partitioned, dst)
    return dst


def _run_bad(data: Path, tmp_path: Path) -> str:
    out = tmp_path / "out"
    r = subprocess.run([sys.executable, "-m", "fiscalrisk.cli", "scan", str(data), "--out", str(out)],
                       capture_output=True, text=True)
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert "Traceback" not in r.stderr
    assert not out.exists()
    return r.stderr


def test_a_missing_county_partition_is_named(partitioned: Path, tmp_path: Path) -> None:
    data = _copy(partitioned, tmp_path)
    shutil.rmtree(data / "payments" / "county=330522")
    err = _run_bad(data, tmp_path)
    assert "payments/county=330522 is missing" in err


def test_an_unreadable_partition_file_is_named(partitioned: Path, tmp_path: Path) -> None:
    data = _copy(partitioned, tmp_path)
    (data / "payments" / "county=330523" / "part-00001.parquet").write_bytes(b"PAR1 not really parquet")
    err = _run_bad(data, tmp_path)
    assert "payments/county=330523/part-00001.parquet" in err and "cannot be read as Parquet" in err


def test_partitions_with_different_columns_are_named(partitioned: Path, tmp_path: Path) -> None:
    data = _copy(partitioned, tmp_path)
    f = data / "payments" / "county=330503" / "part-00000.parquet"
    pq.write_table(pq.read_table(f).drop(["purpose"]), f)
    err = _run_bad(data, tmp_path)
    assert "payments/county=330503/part-00000.parquet" in err and "missing purpose" in err


def test_a_unit_in_two_partitions_is_named(partitioned: Path, tmp_path: Path) -> None:
    data = _copy(partitioned, tmp_path)
    src = pq.read_table(data / "payments" / "county=330521" / "part-00000.parquet").slice(0, 3)
    unit = src.column("unit_code")[0].as_py()
    pq.write_table(src, data / "payments" / "county=330522" / "part-00009.parquet")
    err = _run_bad(data, tmp_path)
    assert f"unit '{unit}' appears in two partitions" in err
    assert "payments/county=330521" in err and "payments/county=330522" in err


def test_a_unit_in_the_wrong_county_is_named(partitioned: Path, tmp_path: Path) -> None:
    data = _copy(partitioned, tmp_path)
    for f in sorted((data / "payments" / "county=330521").glob("*.parquet")):  # 330521's units under 330522
        f.rename(data / "payments" / "county=330522" / f"moved-{f.name}")
    (data / "payments" / "county=330521").rmdir()
    err = _run_bad(data, tmp_path)
    assert "belongs to partition payments/county=330521" in err


def test_a_bad_value_in_a_partition_is_reported_with_file_row_and_column(partitioned: Path, tmp_path: Path) -> None:
    data = _copy(partitioned, tmp_path)
    f = data / "payments" / "county=330502" / "part-00000.parquet"
    t = pq.read_table(f).to_pandas()
    t.loc[t.index[4], "unit_code"] = "NO-SUCH-UNIT"
    t.to_parquet(f, index=False)
    err = _run_bad(data, tmp_path)
    assert "payments/county=330502/part-00000.parquet" in err and "NO-SUCH-UNIT" in err and "unit_code" in err


def test_a_partition_without_unit_codes_is_named(partitioned: Path, tmp_path: Path) -> None:
    data = _copy(partitioned, tmp_path)
    f = data / "payments" / "county=330500" / "part-00000.parquet"
    pq.write_table(pq.read_table(f).drop(["unit_code"]), f)
    err = _run_bad(data, tmp_path)
    assert "payments/county=330500/part-00000.parquet: expected the payments column unit_code" in err


def test_partitioned_scan_with_a_rules_version_equals_the_one_piece_scan(partitioned: Path, tmp_path: Path) -> None:
    from fiscalrisk.ruleset import RuleSet
    from fiscalrisk.scan import read_findings

    path = tmp_path / "rules.yaml"
    path.write_text("indicators:\n  PAY06:\n    threshold: 150000\nswitched_off: [PAY05]\nregions:\n  '330522101':\n"
                    "    indicators:\n      PAY06:\n        threshold: 100000\n", encoding="utf-8")
    rules = RuleSet.from_files([path], version="2025.1")
    a = write_scan(scan(load(partitioned), region="330522", rules=rules), tmp_path / "a")
    b = write_scan(scan_data_dir(partitioned, region="330522", rules=rules), tmp_path / "b")
    _same_files(a, b)
    f = read_findings(b)
    assert set(f["rules_version"]) == {"2025.1"} and "PAY05" not in set(f["indicator"])
    pay06 = f.loc[f["indicator"] == "PAY06"]
    assert len(pay06) and pay06["threshold"].tolist() == [100000.0 if r == "330522101" else 150000.0
                                                         for r in pay06["region_code"]]
