"""Tests of the synthetic Huzhou sample (``fiscalrisk.samples``)."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import chinese_calendar
import pandas as pd
import pytest

from fiscalrisk import samples
from fiscalrisk.data.schema import TABLES

from .conftest import SHARED, in_ci, shared_absent

CATALOGUE = SHARED / "spec" / "indicators.md"
PERFORMANCE = SHARED / "spec" / "performance.md"  # PRF01–06
ALL_CODES = (
    [f"BUD0{i}" for i in range(1, 7)]
    + [f"OUT0{i}" for i in range(1, 7)]
    + [f"PAY0{i}" for i in range(1, 10)]
    + [f"PRC0{i}" for i in range(1, 7)]
    + [f"CON0{i}" for i in range(1, 6)]
    + [f"PRJ0{i}" for i in range(1, 4)]
    + ["AST01", "AST02"]
    + [f"SEL0{i}" for i in range(1, 5)]
    + ["CTL01"]
    + [f"ANM0{i}" for i in range(1, 6)]
    + [f"PRF0{i}" for i in range(1, 7)]
)

REGION_TREE = {
    "330500": ("湖州市", "city", ""),
    "330502": ("吴兴区", "county", "330500"),
    "330502104": ("织里镇", "township", "330502"),
    "330502105": ("八里店镇", "township", "330502"),
    "330503": ("南浔区", "county", "330500"),
    "330503101": ("南浔镇", "township", "330503"),
    "330503102": ("练市镇", "township", "330503"),
    "330521": ("德清县", "county", "330500"),
    "330521102": ("新市镇", "township", "330521"),
    "330521103": ("乾元镇", "township", "330521"),
    "330522": ("长兴县", "county", "330500"),
    "330522101": ("雉城街道", "township", "330522"),
    "330522102": ("泗安镇", "township", "330522"),
    "330523": ("安吉县", "county", "330500"),
    "330523101": ("递铺街道", "township", "330523"),
    "330523102": ("孝丰镇", "township", "330523"),
}


# generation is deterministic, so tests that only read a sample share one per seed
_generate = functools.lru_cache(maxsize=4)(samples.generate)


@pytest.fixture(scope="module")
def sample() -> dict[str, pd.DataFrame]:
    return _generate(seed=0, size="small")


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("samples")
    samples.write(base / "a", seed=0)
    samples.write(base / "b", seed=0)
    return base / "a", base / "b"


def _catalogue_codes() -> list[str]:
    """The catalogue's codes; without the shared folder, the list above (under CI its absence fails)."""
    if CATALOGUE.exists():
        pages = [CATALOGUE, *([PERFORMANCE] if PERFORMANCE.exists() else [])]
        return sorted({c for page in pages for c in re.findall(r"\| ([A-Z]{3}\d{2}) \|", page.read_text(encoding="utf-8"))})
    if in_ci():
        shared_absent(CATALOGUE)
    return ALL_CODES


def test_same_seed_gives_byte_identical_files(written: tuple[Path, Path]) -> None:
    a, b = written
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir())
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_different_seed_gives_different_payments(sample: dict[str, pd.DataFrame]) -> None:
    other = _generate(seed=1, size="small")
    assert not sample["payments"].amount.equals(other["payments"].amount)


def test_every_contract_table_is_written_with_its_columns(written: tuple[Path, Path]) -> None:
    a, _ = written
    for name, table in TABLES.items():
        if name == "calendar":
            continue
        df = pd.read_csv(a / f"{name}.csv", dtype=str, keep_default_na=False)
        assert tuple(df.columns) == table.column_names, name
        assert len(df) > 0, name
    labels = pd.read_csv(a / "labels.csv", dtype=str, keep_default_na=False)
    assert list(labels.columns) == ["indicator", "subject_type", "subject_id", "note"]


def test_csv_formats(written: tuple[Path, Path]) -> None:
    a, _ = written
    pay = pd.read_csv(a / "payments.csv", dtype=str, keep_default_na=False)
    assert pay.amount.str.fullmatch(r"-?\d+\.\d{2}").all()
    assert pay.pay_date.str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    units = pd.read_csv(a / "units.csv", dtype=str, keep_default_na=False)
    assert units.unit_code.str.fullmatch(r"\d{6,9}-\d{3}").all()
    seals = pd.read_csv(a / "seal_events.csv", dtype=str, keep_default_na=False)
    assert seals.used_at.str.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}").all()
    assert set(seals.approved) <= {"true", "false"}
    regions = pd.read_csv(a / "regions.csv", dtype=str, keep_default_na=False)
    assert regions.loc[regions.region_code == "330500", "parent_code"].item() == ""


def test_write_refuses_a_directory_that_is_not_a_sample(tmp_path: Path) -> None:
    target = tmp_path / "mine"
    target.mkdir()
    (target / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(FileExistsError):
        samples.write(target)
    assert (target / "notes.txt").read_text(encoding="utf-8") == "keep me"
    assert [p.name for p in tmp_path.iterdir()] == ["mine"]  # no temporary directory left behind


def test_write_replaces_a_previous_sample(
    written: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, _ = written
    monkeypatch.setattr(samples, "generate", _generate)
    target = tmp_path / "s"
    target.mkdir()
    for p in a.iterdir():
        (target / p.name).write_bytes(b"old")
    samples.write(target)
    assert (target / "labels.csv").read_bytes() == (a / "labels.csv").read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s"]


def test_region_tree_is_as_specified(sample: dict[str, pd.DataFrame]) -> None:
    r = sample["regions"].set_index("region_code")
    got = {code: (row["name"], row["level"], row["parent_code"]) for code, row in r.iterrows()}
    assert got == REGION_TREE


def test_units(sample: dict[str, pd.DataFrame]) -> None:
    u = sample["units"]
    assert 130 <= len(u) <= 170
    assert u.unit_code.is_unique
    assert set(u.region_code) <= set(REGION_TREE)
    assert set(u.kind) == {"department", "institution", "township_government"}
    assert (u.headcount > 0).all()


def test_payments_are_sorted_and_identified(sample: dict[str, pd.DataFrame]) -> None:
    p = sample["payments"]
    assert p.payment_id.is_unique
    assert p.pay_date.is_monotonic_increasing
    assert (p.sort_values(["pay_date", "payment_id"]).index == p.index).all()
    assert p.pay_date.max() == pd.Timestamp(samples.AS_OF)
    assert p.pay_date.min() >= pd.Timestamp("2023-01-01")
    assert 40_000 <= len(p) <= 60_000
    assert (p.amount != 0).all()


def test_every_catalogue_code_is_planted_with_an_existing_subject(sample: dict[str, pd.DataFrame]) -> None:
    labels = sample["labels"]
    assert set(_catalogue_codes()) <= set(labels.indicator)
    b = sample["budget"]
    line_ids = set(
        b.year.astype(str)
        + "|"
        + b.unit_code
        + "|"
        + b.function_code
        + "|"
        + b.economic_code
        + "|"
        + b.project_code
    )
    ids = {
        "payment": set(sample["payments"].payment_id),
        "budget_line": line_ids,
        "contract": set(sample["contracts"].contract_id),
        "procurement": set(sample["procurement"].procurement_id),
        "project": set(sample["projects"].project_code) | set(b.project_code[b.project_code != ""]),
        "target": set(sample["performance_targets"].target_id),
        "asset": set(sample["assets"].asset_id),
        "seal_event": set(sample["seal_events"].event_id),
        "unit": set(sample["units"].unit_code),
        "region": set(sample["regions"].region_code),
    }
    for row in labels.itertuples():
        assert row.subject_id in ids[row.subject_type], row
        assert row.note


def test_regions_are_the_subject_of_outturn_labels(sample: dict[str, pd.DataFrame]) -> None:
    out = sample["labels"][sample["labels"].indicator.str.startswith("OUT")]
    assert (out.subject_type == "region").all()


def test_no_background_payment_on_a_non_working_day(sample: dict[str, pd.DataFrame]) -> None:
    p = sample["payments"]
    labelled = set(sample["labels"].query("indicator == 'PAY05'").subject_id)
    days = {d: chinese_calendar.is_workday(d) for d in p.pay_date.dt.date.unique()}
    off = p.payment_id[~p.pay_date.dt.date.map(days)]
    assert set(off) == labelled


def test_background_amounts_avoid_round_large_figures(sample: dict[str, pd.DataFrame]) -> None:
    p = sample["payments"]
    cents = (p.amount * 100).round().astype("int64")
    round_large = set(p.payment_id[(p.amount >= 100_000) & (cents % 1_000_000 == 0)])
    assert round_large == set(sample["labels"].query("indicator == 'PAY08'").subject_id)


def test_budget_lines_cover_payments_except_planted(sample: dict[str, pd.DataFrame]) -> None:
    p, b = sample["payments"], sample["budget"]
    assert not b.duplicated(["year", "unit_code", "function_code", "economic_code", "project_code"]).any()
    key = ["budget_year", "unit_code", "function_code", "economic_code", "project_code"]
    lines = set(map(tuple, b[["year", *key[1:]]].astype(str).to_numpy()))
    missing = p.payment_id[[tuple(r) not in lines for r in p[key].astype(str).to_numpy()]]
    assert set(missing) == set(sample["labels"].query("indicator == 'BUD04'").subject_id)
    assert b.loc[b.year < 2026, "actual_amount"].notna().all()
    assert b.loc[b.year == 2026, "actual_amount"].isna().all()


def test_seal_approvers_differ_from_users_in_background(sample: dict[str, pd.DataFrame]) -> None:
    s = sample["seal_events"]
    own = set(s.event_id[s.approver_id == s.user_id])
    assert own == set(sample["labels"].query("indicator == 'SEL03'").subject_id)


def test_unknown_size_is_refused() -> None:
    with pytest.raises(ValueError):
        samples.generate(size="huge")


def test_every_planted_case_of_the_committed_sample_is_found(sample_dir: Path) -> None:
    """Recall 100 % against labels.csv, with the materiality floor, the runs of identical charges and the
    fiscal year in force: the planted duplicates (45,678.90 and 23,456.70, paid again days later) stay
    alerts, the planted splits stay findings, and no PAY07 duplicate turns into a note."""
    from fiscalrisk.data import load
    from fiscalrisk.scan import evaluate, scan

    ds = load(sample_dir)
    labels = pd.read_csv(sample_dir / "labels.csv", dtype=str, keep_default_na=False)
    result = scan(ds)
    e = evaluate(result.findings, labels)
    assert e["true_positives"].sum() == e["labelled"].sum(), e.loc[e["recall"] < 1].to_string()
    pay07 = result.findings.loc[result.findings["indicator"] == "PAY07"]
    assert set(pay07["level"].astype(str)) == {"alert"}


def test_planted_performance_cases_are_found_exactly(sample_dir: Path) -> None:
    """PRF01–PRF06 on the committed sample: every planted case found, and nothing else (precision 100 %)."""
    from fiscalrisk.data import load
    from fiscalrisk.scan import evaluate, scan

    labels = pd.read_csv(sample_dir / "labels.csv", dtype=str, keep_default_na=False)
    codes = [f"PRF0{i}" for i in range(1, 7)]
    result = scan(load(sample_dir), codes=codes)
    e = evaluate(result.findings, labels).set_index("indicator").loc[codes]
    assert (e["labelled"] >= 2).all()
    assert (e["recall"] == 1.0).all() and (e["precision"] == 1.0).all(), e.to_string()
    f = result.findings.set_index(["indicator", "subject_id"])
    # the inflated self-evaluation: 95 reported while the output target reached 35 %
    inflated = f.loc[("PRF05", "XM330502-008-202401")]
    assert inflated["level"] == "alert" and inflated["value"] >= 15
    assert '"reported": 95.0' in inflated["evidence"]
    # money out, works not done: over 90 % paid at 30 June, the output 30 % done
    out_of_step = f.loc[("PRF03", "XM330522-010-202501")]
    assert out_of_step["level"] == "alert" and out_of_step["value"] >= 50


def test_performance_tables_are_deterministic_in_their_own_stream() -> None:
    """The performance tables are a function of the finished budget and payments and of their own stream
    ``default_rng([seed, STREAM])``, drawn after every other table (which therefore stays the table of a
    sample without them; tests/expected/huzhou-findings.csv shows the findings of the others unchanged)."""
    from fiscalrisk.samples import performance as samples_performance

    a = _generate(seed=0, size="small")
    tables = {k: v for k, v in a.items() if k in ("budget", "payments")}
    names = dict(zip(a["projects"].project_code, a["projects"].name, strict=True))
    again, labels = samples_performance.performance_tables(tables, 0, pd.Timestamp(samples.AS_OF), names)
    for name, frame in again.items():
        pd.testing.assert_frame_equal(samples._conform(name, frame), a[name])
    other, _ = samples_performance.performance_tables(tables, 1, pd.Timestamp(samples.AS_OF), names)
    assert not other["performance_progress"].equals(again["performance_progress"])
    assert {code for code, *_ in labels} == {f"PRF0{i}" for i in range(1, 7)}
