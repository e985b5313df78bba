"""Hostile input files: decompression bombs and YAML alias bombs fail fast, with a short message,
and never exhaust the machine (params ``input``; docs/security.md, "Hostile data files")."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fiscalrisk.data import MappingError, check, load_mapping
from fiscalrisk.data.limits import InputLimits
from fiscalrisk.params import ParamsError, resolve

from .conftest import MINIMAL, ROOT, write_tables

BOMB_BYTES = 300_000_000  # what the gzip bomb expands to
SMALL = InputLimits(max_uncompressed_bytes=50_000_000)
LIMIT_NAMES = "input.max_uncompressed_bytes / input.max_compression_ratio"


def run_cli(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "fiscalrisk.cli", *args], capture_output=True, text=True, cwd=ROOT, timeout=timeout
    )


def write_gzip_bomb(path: Path, size: int = BOMB_BYTES) -> None:
    """A payments CSV of ``size`` bytes: the header, a row, then blank lines (which compress 1,000×),
    gzipped chunk by chunk (never whole in memory)."""
    import gzip

    block = b"\n" * 1_000_000
    with gzip.open(path, "wb", compresslevel=9) as out:
        out.write(MINIMAL["payments.csv"].encode())
        written = 0
        while written < size:
            out.write(block)
            written += len(block)


@pytest.fixture(scope="module")
def bomb_dir(tmp_path_factory) -> Path:
    """The minimal data set with payments.csv replaced by a 300 MB gzip bomb (well under 1 MB on disk)."""
    tables = {k: v for k, v in MINIMAL.items() if k != "payments.csv"}
    d = write_tables(tmp_path_factory.mktemp("bomb") / "data", tables)
    write_gzip_bomb(d / "payments.csv.gz")
    assert (d / "payments.csv.gz").stat().st_size < 1_000_000
    return d


def bomb_rows(problems: pd.DataFrame, file: str) -> pd.DataFrame:
    return problems[(problems["file"] == file) & problems["expected"].str.contains(LIMIT_NAMES, regex=False)]


# --- decompression bombs ---------------------------------------------------------------------------


def test_gzip_bomb_is_refused_with_bounded_memory(bomb_dir):
    """check() stops decompressing at the limit: the peak RSS grows by far less than the 300 MB bomb."""
    script = textwrap.dedent(
        f"""
        import json, resource
        from fiscalrisk.data import check
        from fiscalrisk.data.limits import InputLimits
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        dataset, problems = check({str(bomb_dir)!r}, limits=InputLimits(max_uncompressed_bytes=50_000_000))
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        rows = problems[problems["file"] == "payments.csv.gz"]
        print(json.dumps({{"growth_kb": after - before, "dataset": dataset is not None,
                           "expected": rows["expected"].tolist()}}))
        """
    )
    res = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert res.returncode == 0, res.stderr[-2000:]
    out = json.loads(res.stdout.strip().splitlines()[-1])
    assert not out["dataset"]
    assert any(LIMIT_NAMES in e and "50,000,000 bytes" in e for e in out["expected"]), out["expected"]
    assert out["growth_kb"] < 150_000, f"peak memory grew by {out['growth_kb'] / 1024:.0f} MB"


def test_gzip_bomb_stops_at_the_compression_ratio(bomb_dir):
    """With the default 4 GiB cap, the ratio (200 × well under 1 MB) stops the bomb long before 300 MB."""
    dataset, problems = check(bomb_dir, limits=InputLimits())
    assert dataset is None
    rows = bomb_rows(problems, "payments.csv.gz")
    assert len(rows) == 1 and "ratio 200" in rows["expected"].iloc[0]


def test_cli_validate_of_a_gzip_bomb_exits_2_naming_file_and_limit(bomb_dir, tmp_path):
    res = run_cli("validate", str(bomb_dir))
    assert res.returncode == 2, res.stderr[-2000:]
    assert "payments.csv.gz" in res.stderr and "input.max_compression_ratio" in res.stderr
    assert "Traceback" not in res.stderr
    # the limits can be set with --params, as for scan
    p = tmp_path / "limits.yaml"
    p.write_text("input:\n  max_uncompressed_bytes: 20000000\n", encoding="utf-8")
    res = run_cli("validate", str(bomb_dir), "--params", str(p))
    assert res.returncode == 2 and "20,000,000 bytes" in res.stderr and "payments.csv.gz" in res.stderr


def test_mapping_naming_a_gzip_bomb_is_refused(bomb_dir, tmp_path):
    m = tmp_path / "m.yaml"
    m.write_text(
        "tables:\n  payments:\n    files: ['payments.csv.gz']\n    columns: {payment_id: payment_id}\n",
        encoding="utf-8",
    )
    dataset, problems = check(bomb_dir, m, limits=SMALL)
    assert dataset is None
    assert len(bomb_rows(problems, "payments.csv.gz")) == 1


def test_small_gzip_file_with_a_high_ratio_still_loads(tmp_path):
    """The ratio applies only beyond a few MB of output: a tiny, very repetitive file is fine."""
    import gzip

    d = write_tables(tmp_path / "data", {k: v for k, v in MINIMAL.items() if k != "payments.csv"})
    text = MINIMAL["payments.csv"] + "\n" * 2_000_000  # trailing blank lines: compresses ~1,000×
    (d / "payments.csv.gz").write_bytes(gzip.compress(text.encode()))
    assert (d / "payments.csv.gz").stat().st_size * 200 < len(text)
    dataset, problems = check(d, limits=InputLimits())
    assert len(bomb_rows(problems, "payments.csv.gz")) == 0
    assert dataset is not None, problems.to_string()
    assert len(dataset["payments"]) == 2


def test_xlsx_bomb_is_refused_before_it_is_opened(tmp_path):
    """An .xlsx is a zip: its members' declared sizes are checked before openpyxl opens it."""
    d = tmp_path / "data"
    d.mkdir()
    with zipfile.ZipFile(d / "bureau.xlsx", "w", compression=zipfile.ZIP_DEFLATED) as z:
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            for _ in range(60):
                member.write(b"\0" * 1_000_000)
    assert (d / "bureau.xlsx").stat().st_size < 1_000_000
    dataset, problems = check(d, limits=SMALL)
    assert dataset is None
    assert len(bomb_rows(problems, "bureau.xlsx")) == 1
    # with the default cap, the member's ratio alone refuses it
    _, problems = check(d, limits=InputLimits())
    assert len(bomb_rows(problems, "bureau.xlsx")) == 1


def test_parquet_larger_than_the_limit_is_refused_from_its_metadata(tmp_path):
    rng = np.random.default_rng(0)
    d = write_tables(tmp_path / "data", {k: v for k, v in MINIMAL.items() if k != "payments.csv"})
    frame = pd.DataFrame({"payment_id": rng.integers(0, 2**62, 400_000).astype(str)})
    frame.to_parquet(d / "payments.parquet")
    dataset, problems = check(d, limits=InputLimits(max_uncompressed_bytes=1_000_000))
    assert dataset is None
    rows = problems[(problems["file"] == "payments.parquet") & problems["expected"].str.contains("input.max_uncompressed_bytes")]
    assert len(rows) == 1 and "1,000,000 bytes" in rows["expected"].iloc[0]


# --- YAML alias bombs and long values ---------------------------------------------------------------


def billion_laughs() -> str:
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]']
    names = "abcdefghi"
    for prev, name in zip(names, names[1:], strict=False):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 10) + "]")
    lines.append("indicators: {PAY06: {threshold: *i}}")
    return "\n".join(lines) + "\n"


def test_params_alias_bomb_exits_2_quickly_with_a_short_message(tmp_path, minimal_dir):
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(billion_laughs(), encoding="utf-8")
    res = run_cli("scan", str(minimal_dir), "--params", str(bomb), "--out", str(tmp_path / "o"), timeout=60)
    assert res.returncode == 2, res.stderr[-2000:]
    assert len(res.stderr) < 2000
    assert "bomb.yaml" in res.stderr and "params files may not use YAML anchors/aliases" in res.stderr
    assert "line 1, column 4" in res.stderr


def test_params_alias_is_refused_even_when_harmless(tmp_path):
    f = tmp_path / "p.yaml"
    """The same file without the anchor and alias is valid: the refusal is of the construct alone."""
    text = "indicators:\n  PAY06: {window_days: &d 14}\n  PAY07: {window_days: *d}\n"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(ParamsError, match=r"p\.yaml.*line 2, column 24.*anchors/aliases"):
        resolve(files=[f])
    f.write_text(text.replace("&d ", "").replace("*d", "14"), encoding="utf-8")
    assert resolve(files=[f]).indicator("PAY07")["window_days"] == 14


def test_mapping_alias_is_refused(tmp_path):
    m = tmp_path / "m.yaml"
    m.write_text(
        "tables:\n  payments:\n    files: &f ['a.csv']\n  units:\n    files: *f\n", encoding="utf-8"
    )
    with pytest.raises(MappingError, match=r"m\.yaml.*line 3, column 12.*mapping files may not use YAML anchors/aliases"):
        load_mapping(m)


def test_a_long_wrong_value_is_quoted_cut_to_80_characters(tmp_path):
    f = tmp_path / "p.yaml"
    f.write_text(f"time_progress:\n  method: {'x' * 10_000}\n", encoding="utf-8")
    with pytest.raises(ParamsError) as err:
        resolve(files=[f])
    message = str(err.value)
    assert "time_progress.method" in message and "p.yaml" in message
    quoted = message.split(", got ", 1)[1]
    assert quoted.startswith("the string 'xxx") and quoted.endswith("…")
    assert len(quoted) - len("the string ") <= 80
    assert len(message) < 400


def test_a_long_list_is_quoted_cut_to_80_characters(tmp_path):
    f = tmp_path / "p.yaml"
    f.write_text("time_progress:\n  method: [" + ", ".join(["123456789"] * 10_000) + "]\n", encoding="utf-8")
    with pytest.raises(ParamsError) as err:
        resolve(files=[f])
    quoted = str(err.value).split(", got ", 1)[1]
    assert quoted.startswith("the list [") and len(quoted) - len("the list ") <= 80


def test_a_long_value_in_a_mapping_error_is_cut_to_80_characters(tmp_path):
    m = tmp_path / "m.yaml"
    m.write_text(f"tables:\n  payments:\n    files: ['a.csv']\n    aggregate: {'y' * 10_000}\n", encoding="utf-8")
    with pytest.raises(MappingError) as err:
        load_mapping(m)
    message = str(err.value)
    assert "aggregate" in message and "y" * 81 not in message and "…" in message and len(message) < 400
