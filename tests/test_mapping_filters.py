"""Column mappings for messy exports: row filters (drop_blank, where), a list of encodings tried per
file, and a file matched by two entries of a table. Expectations are written out by hand per fixture."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
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
    drop_blank: true
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


# --- drop_blank -------------------------------------------------------------------------------------------


def test_padding_rows_are_refused_without_drop_blank(tmp_path):
    """The control: without the filter the padding rows are rows, and their required values are missing."""
    data, mapping = setup(tmp_path, {"2020-01.csv": ROWS.encode()})
    mapping.write_text(mapping.read_text(encoding="utf-8").replace("    drop_blank: true\n", ""), encoding="utf-8")
    ds, problems = check(data, mapping)
    assert ds is None
    missing = problems[(problems["table"] == "payments") & (problems["column"] == "pay_date")]
    assert sorted(missing["row"].tolist()) == [5, 6]


def test_drop_blank_drops_rows_whose_mapped_columns_are_all_empty(tmp_path):
    data, mapping = setup(tmp_path, {"2020-01.csv": ROWS.encode()}, extra="drop_blank: true")
    ds = load(data, mapping)
    pay = ds["payments"]
    assert pay["payment_id"].tolist() == ["2020-01-2", "2020-01-3", "2020-01-4"], "row numbers stay the file's"
    assert pay["amount"].tolist() == [100.0, 200.0, 300.5]
    assert ds.dropped == {"payments": {"blank": 2, "where": 0}, "units": {"blank": 2, "where": 0}}


def test_drop_blank_keeps_a_row_with_any_mapped_value_and_its_problems_keep_their_row(tmp_path):
    rows = ROWS + "6,,,,,A9\n"  # row 7 of the file: an area and nothing else is not padding
    data, mapping = setup(tmp_path, {"2020-01.csv": rows.encode()}, extra="drop_blank: true")
    ds, problems = check(data, mapping)
    assert ds is None
    pay = problems[problems["table"] == "payments"]
    assert set(pay["row"].dropna().tolist()) == {7}
    assert {"pay_date", "payee_name", "amount"} <= set(pay["column"])


# --- where -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "kept"),
    [
        ("{column: Entity, equals: CO}", ["ACME"]),
        ("{column: Entity, not_equals: CO}", ["BETA", "GAMMA"]),
        ("{column: Entity, in: [CO, CCS]}", ["ACME", "GAMMA"]),
        ("{column: Entity, not_in: [CO, CCS]}", ["BETA"]),
        ("[{column: Entity, not_equals: GPA}, {column: Area, equals: A1}]", ["ACME", "GAMMA"]),
        ("{column: Amount, in: [100, '300.50']}", ["ACME", "GAMMA"]),  # compared as the file's text
    ],
)
def test_where_keeps_the_rows_that_meet_every_condition(tmp_path, condition, kept):
    data, mapping = setup(tmp_path, {"2020-01.csv": ROWS.encode()}, extra=f"drop_blank: true\nwhere: {condition}")
    ds = load(data, mapping)
    assert ds["payments"]["payee_name"].tolist() == kept
    assert ds.dropped["payments"] == {"blank": 2, "where": 3 - len(kept)}


def test_where_compares_without_surrounding_blanks_and_an_empty_cell_equals_empty_text(tmp_path):
    rows = HEADER + "1, CO ,2020-01-02,ACME,100,A1\n2,,2020-01-03,BETA,200,A2\n"
    data, mapping = setup(tmp_path, {"2020-01.csv": rows.encode()}, extra='where: {column: Entity, not_equals: ""}')
    assert load(data, mapping)["payments"]["payee_name"].tolist() == ["ACME"]


def test_where_with_an_unknown_operator_is_a_mapping_error_with_a_suggestion(tmp_path):
    data, mapping = setup(tmp_path, {"2020-01.csv": ROWS.encode()}, extra="where: [{column: Entity, equal: CO}]")
    with pytest.raises(MappingError) as info:
        load_mapping(mapping)
    text = str(info.value)
    assert str(mapping) in text and "tables.payments.where[0]" in text and "'equal'" in text
    assert "did you mean 'equals'" in text


def test_where_with_an_unknown_operator_exits_2_from_the_command_line(tmp_path):
    data, mapping = setup(tmp_path, {"2020-01.csv": ROWS.encode()}, extra="where: {column: Entity, is: CO}")
    res = run_cli("validate", str(data), "--mapping", str(mapping))
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "m.yaml" in res.stderr and "unknown operator 'is' in tables.payments.where" in res.stderr


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("{column: Entity, in: CO}", "tables.payments.where.in: expected a list of values"),
        ("{column: Entity, equals: [CO]}", "expected one value, got a list"),
        ("{column: Entity, equals: CO, in: [GPA]}", "expected exactly one operator"),
        ("{equals: CO}", "expected 'column: NAME'"),
        ("{column: Entity, equals: yes}", "quote it"),
        ("{column: Amount, in: [300.50]}", "quote it as the file writes it, '300.50'"),
        ("[CO]", "expected {column: NAME, OP: VALUE}"),
    ],
)
def test_malformed_where_names_the_key(tmp_path, where, message):
    data, mapping = setup(tmp_path, {"2020-01.csv": ROWS.encode()}, extra=f"where: {where}")
    with pytest.raises(MappingError, match="tables.payments.where") as info:
        load_mapping(mapping)
    assert message in str(info.value)


def test_drop_blank_must_be_true_or_false(tmp_path):
    data, mapping = setup(tmp_path, {"2020-01.csv": ROWS.encode()}, extra="drop_blank: sometimes")
    with pytest.raises(MappingError, match=r"tables.payments.drop_blank: expected true or false"):
        load_mapping(mapping)


def test_where_on_a_column_the_file_lacks_names_the_file_and_suggests(tmp_path):
    data, mapping = setup(tmp_path, {"2020-01.csv": ROWS.encode()}, extra="where: {column: Entty, equals: CO}")
    ds, problems = check(data, mapping)
    assert ds is None
    row = problems[problems["table"] == "payments"].iloc[0]
    assert row["file"] == "2020-01.csv"
    assert "column 'Entty' (in where) is not in the file (did you mean 'Entity'?)" in row["expected"]


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


@pytest.mark.parametrize(("encoding", "message"), [
    ("[utf-8, windows-1253x]", "read.encoding: unknown encoding 'windows-1253x'"),
    ("[utf-8, zlib]", "read.encoding: 'zlib' is not a text encoding"),
    ("[]", "read.encoding: expected an encoding name or a list of them"),
])
def test_an_unknown_encoding_is_a_mapping_error(tmp_path, encoding, message):
    data, mapping = setup(tmp_path, {"2020-01.csv": ROWS.encode()}, encoding=encoding)
    with pytest.raises(MappingError) as info:
        load_mapping(mapping)
    assert str(mapping) in str(info.value) and message in str(info.value)


# --- files matched twice ---------------------------------------------------------------------------------


def test_a_file_matched_by_two_entries_of_a_table_is_refused(tmp_path):
    """Read twice, its rows would be counted twice, with ids that stay unique (_file and _row)."""
    data, mapping = setup(tmp_path, {"2020-01.csv": ROWS.encode(), "2020-02.csv": ROWS.encode()},
                          extra="drop_blank: true", globs='"*.csv", {path: 2020-02.csv, date_format: "%Y-%m-%d"}')
    ds, problems = check(data, mapping)
    assert ds is None
    row = problems.iloc[0]
    assert row["file"] == "2020-02.csv" and "'*.csv' and '2020-02.csv'" in row["expected"]


def test_globs_that_do_not_overlap_read_every_file_once(tmp_path):
    data, mapping = setup(tmp_path, {"2020-01.csv": ROWS.encode(), "2020-02.csv": ROWS.encode()},
                          extra="drop_blank: true", globs='"2020-01.csv", {path: "2020-0[2-9].csv"}')
    pay = load(data, mapping)["payments"]
    assert len(pay) == 6 and pay["payment_id"].is_unique
    assert isinstance(pay, pd.DataFrame)
