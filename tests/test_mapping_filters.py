"""Column mappings for messy exports: a list of encodings tried per file. Expectations are written out by
hand per fixture."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from fiscalrisk.data import MappingError, check, load
from fiscalrisk.data.mapping import load_mapping

from .conftest import ROOT

HEADER = "#,Entity,Date,Supplier,Amount,Area\n"

MAPPING = """\
read: {{encoding: {encoding}}}
tables:
  regions: {{rows: [{{region_code: R, name: Region, level: city}}]}}
  budget: {{empty: true}}
  units:
    files: ["*.csv"]
    distinct: true
    columns: {{unit_code: Area, name: Area, region_code: {{constant: R}}}}
  payments:
    files: [{files}]
{extra}
    columns:
      payment_id: "{{_file}}-{{_row}}"
      pay_date: Date
      unit_code: Area
      function_code: Area
      economic_code: Area
      payee_name: Supplier
      payee_type: {{constant: organization}}
      method: {{constant: transfer}}
      amount: Amount
"""


def setup(tmp_path: Path, files: dict[str, bytes], extra: str = "", encoding: str = "utf-8",
          globs: str = '"*.csv"') -> tuple[Path, Path]:
    data = tmp_path / "data"
    data.mkdir()
    for name, content in files.items():
        (data / name).write_bytes(content)
    mapping = tmp_path / "m.yaml"
    body = "\n".join("    " + line for line in extra.strip("\n").splitlines())
    mapping.write_text(MAPPING.format(encoding=encoding, extra=body, files=globs), encoding="utf-8")
    return data, mapping


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "fiscalrisk.cli", *args], capture_output=True, text=True, cwd=ROOT)


ROWS = (
    HEADER
    + "1,CO,2020-01-02,ACME,100,A1\n"
    + "2,GPA,2020-01-03,BETA,200,A2\n"
    + "3,CCS,2020-01-06,GAMMA,300.50,A1\n"
    + "4,,,,,\n"  # padding: only the unmapped row counter
    + "5, , ,  , ,\n"  # padding of blanks
)


# --- encodings tried per file ------------------------------------------------------------------------------


def test_a_list_of_encodings_reads_each_file_in_the_first_that_decodes_it(tmp_path):
    text = HEADER + "1,CO,2020-01-02,Café – Ltd,100,A1\n"
    files = {
        "2020-01.csv": text.encode("utf-8"),
        "2020-02.csv": text.replace("2020-01", "2020-02").encode("utf-8-sig"),
        "2020-03.csv": text.replace("2020-01", "2020-03").encode("windows-1252"),
    }
    data, mapping = setup(tmp_path, files, encoding="[utf-8, windows-1252]")
    ds = load(data, mapping)
    assert ds["payments"]["payee_name"].tolist() == ["Café – Ltd"] * 3
    assert ds["payments"]["pay_date"].dt.month.tolist() == [1, 2, 3], "the BOM did not become part of '#'"


def test_a_windows_1252_file_is_refused_when_the_mapping_does_not_name_it(tmp_path):
    """The control: the list is what reads it; UTF-8 alone names the byte that is not UTF-8."""
    text = HEADER + "1,CO,2020-01-02,Café – Ltd,100,A1\n"
    data, mapping = setup(tmp_path, {"2020-01.csv": text.encode("windows-1252")}, encoding="[utf-8]")
    ds, problems = check(data, mapping)
    assert ds is None
    row = problems.iloc[0]
    first_bad = len((HEADER + "1,CO,2020-01-02,Caf").encode())
    assert row["file"] == "2020-01.csv" and f"byte {first_bad} is not utf-8" in row["expected"]


def test_an_unknown_encoding_is_a_mapping_error(tmp_path):
    data, mapping = setup(tmp_path, {"2020-01.csv": ROWS.encode()}, encoding="[utf-8, windows-1253x]")
    with pytest.raises(MappingError, match=r"read.encoding: unknown encoding 'windows-1253x'"):
        load_mapping(mapping)
