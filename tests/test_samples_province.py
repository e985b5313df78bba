"""Tests of the province-sized sample (``fiscalrisk.samples.province``) on its small size.

``province-small`` has the layout of ``province`` (Parquet, payments partitioned by county) with three
small cities; the 10-million-payment ``province`` itself is too slow for the suite (its figures are in
the commit that added it).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fiscalrisk import samples
from fiscalrisk.cli import main
from fiscalrisk.data import check
from fiscalrisk.data.schema import TABLES
from fiscalrisk.samples import province as samples_province

SIZE = "province-small"
WRITTEN_TABLES = [t for t in TABLES if t != "calendar"]


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("province")
    samples.write(base / "a", seed=0, size=SIZE)
    samples_province.write(base / "b", seed=0, size=SIZE)
    return base / "a", base / "b"


@pytest.fixture(scope="module")
def tables(written: tuple[Path, Path]) -> dict[str, pd.DataFrame]:
    a, _ = written
    out = {name: pd.read_parquet(a / f"{name}.parquet") for name in WRITTEN_TABLES if name != "payments"}
    parts = []
    for path in sorted(a.glob("payments/county=*/part-*.parquet")):
        df = pq.read_table(path).to_pandas()
        df["_partition"] = path.parent.name.removeprefix("county=")
        parts.append(df)
    out["payments"] = pd.concat(parts, ignore_index=True)
    out["labels"] = pd.read_csv(a / "labels.csv", dtype=str, keep_default_na=False)
    return out


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_layout(written: tuple[Path, Path]) -> None:
    a, _ = written
    top = {p.name for p in a.iterdir()}
    assert top == {f"{t}.parquet" for t in WRITTEN_TABLES if t != "payments"} | {
        "payments", "labels.csv", "README.txt", "manifest.json"
    }
    for part in (a / "payments").iterdir():
        assert part.is_dir() and re.fullmatch(r"county=\d{6}", part.name), part
        files = sorted(f.name for f in part.iterdir())
        assert files and all(re.fullmatch(r"part-\d{5}\.parquet", f) for f in files), files
        assert files == [f"part-{k:05d}.parquet" for k in range(len(files))]


def test_tree_has_a_province_three_cities_and_fifteen_counties(tables: dict[str, pd.DataFrame]) -> None:
    r = tables["regions"]
    assert r.region_code.is_unique
    root = r[r.parent_code == ""]
    assert root.region_code.tolist() == [samples_province.PROVINCE_CODE] and root.level.item() == "province"
    level = r.set_index("region_code").level
    parent = r.set_index("region_code").parent_code
    cities = r[r.level == "city"]
    counties = r[r.level == "county"]
    towns = r[r.level == "township"]
    assert len(cities) >= 3 and len(counties) >= 15 and len(towns) >= 15
    assert (cities.parent_code == "330000").all()
    assert (level[counties.parent_code].to_numpy() == "city").all()
    assert (level[towns.parent_code].to_numpy() == "county").all()
    # the administrative-code pattern: 33CC00 cities, 33CCxx counties, 33CCxxNNN townships below them
    assert cities.region_code.str.fullmatch(r"33\d\d00").all()
    assert (counties.region_code.str[:4] + "00" == counties.parent_code).all()
    assert (towns.region_code.str.len() == 9).all() and (towns.region_code.str[:6] == towns.parent_code).all()
    assert parent.index.is_unique and r.name.is_unique


def test_every_table_has_the_contract_columns_and_types(written: tuple[Path, Path]) -> None:
    a, _ = written
    arrow = {"code": pa.string(), "text": pa.string(), "enum": pa.string(), "int": pa.int64(),
             "money": pa.float64(), "number": pa.float64(), "date": pa.timestamp("ms"),
             "timestamp": pa.timestamp("ms"), "bool": pa.bool_()}
    for name in WRITTEN_TABLES:
        path = next((a / "payments").glob("*/part-00000.parquet")) if name == "payments" else a / f"{name}.parquet"
        schema = pq.read_schema(path)
        assert schema.names == list(TABLES[name].column_names), name
        assert [f.type for f in schema] == [arrow[c.type] for c in TABLES[name].columns], name
        assert pq.ParquetFile(path).metadata.num_rows > 0, name


def test_payment_partitions_share_one_schema_without_the_key(written: tuple[Path, Path]) -> None:
    a, _ = written
    paths = sorted(a.glob("payments/county=*/part-*.parquet"))
    assert len(paths) >= 15
    first = pq.read_schema(paths[0])
    assert "county" not in first.names
    for path in paths[1:]:
        assert pq.read_schema(path).equals(first, check_metadata=True), path


def test_each_unit_is_in_exactly_one_partition_its_county(tables: dict[str, pd.DataFrame]) -> None:
    pay, units, regions = tables["payments"], tables["units"], tables["regions"]
    per_unit = pay.groupby("unit_code")._partition.unique()
    assert (per_unit.map(len) == 1).all()
    level = regions.set_index("region_code").level
    parent = regions.set_index("region_code").parent_code

    def county(region: str) -> str:
        return parent[region] if level[region] == "township" else region

    expected = units.set_index("unit_code").region_code.map(county)
    got = per_unit.map(lambda v: v[0])
    assert set(got.index) <= set(units.unit_code)
    assert (got == expected[got.index]).all()
    # city-level units sit in the city's partition, township units in their county's
    assert {level[c] for c in got.unique()} == {"city", "county"}
    assert set(got.unique()) == set(regions.region_code[regions.level.isin(["city", "county"])])


def test_payments_sorted_within_partitions(written: tuple[Path, Path]) -> None:
    a, _ = written
    for path in sorted(a.glob("payments/county=*/part-*.parquet")):
        df = pq.read_table(path, columns=["payment_id", "pay_date"]).to_pandas()
        assert (df.sort_values(["pay_date", "payment_id"]).index == df.index).all(), path


def test_ids_are_unique_across_the_province(tables: dict[str, pd.DataFrame]) -> None:
    t = tables
    assert t["payments"].payment_id.is_unique
    for name in ("units", "contracts", "procurement", "projects", "assets", "seal_events", "regions"):
        key = list(TABLES[name].key)
        assert not t[name].duplicated(key).any(), name
    for name in ("budget", "project_progress", "revenue", "ic_checklist"):
        assert not t[name].duplicated(list(TABLES[name].key)).any(), name
    # every city uses its own prefix in its ids, and payee accounts are not shared between cities
    pay = t["payments"]
    city = pay.unit_code.str[:4]
    assert (pay.payment_id.str[2:6] == city).all()
    accounts = pay.groupby("payee_account").unit_code.agg(lambda s: s.str[:4].nunique())
    assert (accounts == 1).all()
    seals = t["seal_events"]
    assert (seals.event_id.str[2:6] == seals.unit_code.str[:4]).all()
    assert (seals.user_id.str[1:5] == seals.unit_code.str[:4]).all()


def test_references_hold(tables: dict[str, pd.DataFrame]) -> None:
    units = set(tables["units"].unit_code)
    for name in ("payments", "budget", "contracts", "procurement", "projects", "assets", "seal_events", "ic_checklist"):
        assert set(tables[name].unit_code) <= units, name
    assert set(tables["units"].region_code) <= set(tables["regions"].region_code)
    contracts = set(tables["contracts"].contract_id)
    assert set(tables["payments"].contract_id) - {""} <= contracts
    projects = set(tables["projects"].project_code)
    assert set(tables["project_progress"].project_code) <= projects


def test_label_ids_exist_in_the_data(tables: dict[str, pd.DataFrame]) -> None:
    labels = tables["labels"]
    assert list(labels.columns) == ["indicator", "subject_type", "subject_id", "note"]
    assert not labels.duplicated(["indicator", "subject_type", "subject_id"]).any()
    b = tables["budget"]
    line_ids = set(
        b.year.astype(str) + "|" + b.unit_code + "|" + b.function_code + "|" + b.economic_code + "|" + b.project_code
    )
    ids = {
        "payment": set(tables["payments"].payment_id),
        "budget_line": line_ids,
        "contract": set(tables["contracts"].contract_id),
        "procurement": set(tables["procurement"].procurement_id),
        "project": set(tables["projects"].project_code) | set(b.project_code[b.project_code != ""]),
        "asset": set(tables["assets"].asset_id),
        "seal_event": set(tables["seal_events"].event_id),
        "unit": set(tables["units"].unit_code),
        "region": set(tables["regions"].region_code),
        "target": set(tables["performance_targets"].target_id),
    }
    for row in labels.itertuples():
        assert row.subject_id in ids[row.subject_type], row
    # every city carries its planted cases
    cities = set(tables["regions"].region_code[tables["regions"].level == "city"].str[:4])
    payment_labels = labels[labels.subject_type == "payment"].subject_id
    assert set(payment_labels.str[2:6]) == cities


def test_same_seed_gives_byte_identical_files(written: tuple[Path, Path]) -> None:
    a, b = written
    names = _files(a)
    assert names == _files(b)
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_manifest_and_readme_say_what_it_is(written: tuple[Path, Path], tables: dict[str, pd.DataFrame]) -> None:
    a, _ = written
    manifest = json.loads((a / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["seed"] == 0 and manifest["size"] == SIZE
    assert manifest["tree"] == {"province": 1, "city": 3, "county": 15, "township": 30}
    assert manifest["counts"]["payments"] == len(tables["payments"]) == sum(manifest["payments_partitions"].values())
    for name in WRITTEN_TABLES:
        if name != "payments":
            assert manifest["counts"][name] == len(tables[name]), name
    assert len({c["seed"] for c in manifest["cities"]}) == len(manifest["cities"])
    readme = (a / "README.txt").read_text(encoding="utf-8")
    assert "seed 0" in readme and "county=<county_code>" in readme


def test_cities_differ_and_huzhou_is_the_city_sample_of_the_same_seed(tables: dict[str, pd.DataFrame]) -> None:
    pay = tables["payments"]
    huzhou = pay[pay.unit_code.str.startswith("3305")].sort_values("payment_id").reset_index(drop=True)
    other = pay[pay.unit_code.str.startswith("3306")]
    city = samples.generate(seed=0, size="small")["payments"].sort_values("payment_id").reset_index(drop=True)
    assert ("ZF3305" + city.payment_id.str[2:]).tolist() == huzhou.payment_id.tolist()
    assert city.amount.tolist() == huzhou.amount.tolist()
    assert city.unit_code.tolist() == huzhou.unit_code.tolist()
    assert not other.amount.head(1000).reset_index(drop=True).equals(huzhou.amount.head(1000))
    # the other cities carry their own place names, not Huzhou's
    names = set(other.payee_name) | set(tables["units"].name[tables["units"].unit_code.str.startswith("3306")])
    assert not any(("湖州" in n) or ("德清" in n) or ("织里" in n) for n in names)


def test_flattened_province_loads_through_the_contract(written: tuple[Path, Path], tmp_path: Path) -> None:
    a, _ = written
    flat = tmp_path / "flat"
    flat.mkdir()
    for path in a.glob("*.parquet"):
        shutil.copy(path, flat / path.name)
    parts = [pq.read_table(p) for p in sorted(a.glob("payments/county=*/part-*.parquet"))]
    pq.write_table(pa.concat_tables(parts), flat / "payments.parquet")
    dataset, problems = check(flat)
    assert dataset is not None, problems.head(20).to_string()
    assert len(dataset.tables["payments"]) == sum(t.num_rows for t in parts)


def test_refuses_a_directory_that_is_not_a_sample(tmp_path: Path) -> None:
    target = tmp_path / "mine"
    target.mkdir()
    (target / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(FileExistsError):
        samples.write(target, size=SIZE)
    assert (target / "notes.txt").read_text(encoding="utf-8") == "keep me"
    assert [p.name for p in tmp_path.iterdir()] == ["mine"]


def test_a_province_sample_is_recognised_as_replaceable(written: tuple[Path, Path], tmp_path: Path) -> None:
    a, _ = written
    assert samples._is_previous_sample(a)
    copy = tmp_path / "copy"
    shutil.copytree(a, copy)
    assert samples._is_previous_sample(copy)
    (copy / "payments" / "county=330500" / "notes.txt").write_text("mine", encoding="utf-8")
    assert not samples._is_previous_sample(copy)
    (copy / "payments" / "county=330500" / "notes.txt").unlink()
    (copy / "other.txt").write_text("mine", encoding="utf-8")
    assert not samples._is_previous_sample(copy)


def test_cli_writes_a_province_sample_over_a_csv_sample(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "s"
    assert main(["sample", "--out", str(out)]) == 0
    assert (out / "payments.csv").is_file()
    capsys.readouterr()
    assert main(["sample", "--out", str(out), "--size", SIZE, "--seed", "3"]) == 0
    printed = capsys.readouterr()
    assert "3 cities, 15 counties" in printed.out and "payments" in printed.out
    assert not (out / "payments.csv").exists() and (out / "payments").is_dir()
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["seed"] == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s"]


def test_province_sizes() -> None:
    assert set(samples.PROVINCE_SIZES) == set(samples_province.PROVINCE_SIZES)
    full = samples_province.PROVINCE_SIZES["province"]
    assert full["city_size"] == "full" and len(full["cities"]) >= 3  # type: ignore[arg-type]
    assert all(len(samples_province.CITIES[c][2]) == 5 for c in full["cities"])  # type: ignore[union-attr]
    assert len(full["cities"]) * 5 >= 15  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        samples.generate(size="province")
