"""The data contract: loading, encodings, column mappings and every kind of bad input."""

from __future__ import annotations

import csv
import glob
import hashlib
import io
import subprocess
import sys
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from fiscalrisk.data import DataError, MappingError, check, load
from fiscalrisk.data.read import detect_encoding

from .conftest import MINIMAL, ROOT, real_data, write_tables


def problems_of(directory: Path, mapping=None) -> pd.DataFrame:
    dataset, problems = check(directory, mapping)
    assert dataset is None, "expected the input to be refused"
    return problems


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "fiscalrisk.cli", *args], capture_output=True, text=True, cwd=ROOT)


# --- valid input -------------------------------------------------------------------------------------


def test_minimal_directory_loads_with_contract_types(minimal_dir):
    ds = load(minimal_dir)
    assert set(ds) == {"regions", "units", "budget", "payments"}
    units = ds["units"]
    assert units["unit_code"].tolist() == ["001", "002"], "codes must stay strings: 001 is not 1"
    assert str(units["headcount"].dtype) == "Int64"
    pay = ds["payments"]
    assert pay["amount"].tolist() == [5000.0, 1234.5], "thousands separator accepted"
    assert pay["pay_date"].dtype == "datetime64[ns]"
    # budget_year is left missing by the loader: the scan fills it with the fiscal year of pay_date, which
    # depends on the params (calendar.fiscal_year_start_month)
    assert pay["budget_year"].isna().all() if "budget_year" in pay else True
    budget = ds["budget"]
    assert budget["original_amount"].tolist() == [1_200_000.0, 50_000.0]
    assert budget["adjusted_amount"].tolist() == [1_300_000.0, 50_000.0], "adjusted defaults to original"


def test_fingerprints_are_sha256_of_the_files_and_row_counts_match(minimal_dir):
    ds = load(minimal_dir)
    assert ds.file_fingerprints["payments.csv"] == hashlib.sha256((minimal_dir / "payments.csv").read_bytes()).hexdigest()
    assert ds.row_counts == {"budget": 2, "payments": 2, "regions": 3, "units": 2}
    assert len(ds.fingerprints["payments"]) == 64


def test_gbk_export_is_detected_and_read(tmp_path):
    d = write_tables(tmp_path / "gbk", MINIMAL, encoding="gbk")
    ds = load(d)
    assert ds["units"]["name"].tolist() == ["德清县教育局", "新市镇人民政府"]
    assert ds["payments"]["payee_name"].iloc[1] == "湖州某某有限公司"


def test_utf8_with_bom_is_read(tmp_path):
    d = write_tables(tmp_path / "bom", MINIMAL, encoding="utf-8-sig")
    assert load(d)["regions"]["region_code"].tolist() == ["330500", "330521", "330521102"]


def test_latin1_text_is_not_silently_read_as_gbk():
    encoding, reason = detect_encoding("Ayuntamiento;RETRIBUCIONES BÁSICAS;Policía\n".encode("latin-1"))
    assert encoding is None and "Latin-1" in reason


def test_gbk_and_utf8_detection_on_chinese_text():
    text = "单位名称,湖州市财政局\n织里镇人民政府,公务接待费\n"
    assert detect_encoding(text.encode("gbk"))[0] == "gb18030"
    assert detect_encoding(text.encode("utf-8"))[0] == "utf-8"


def test_parquet_tables_load(tmp_path, minimal_dir):
    ds = load(minimal_dir)
    d = tmp_path / "pq"
    d.mkdir()
    for name in ds:
        ds[name].to_parquet(d / f"{name}.parquet")
    again = load(d)
    pd.testing.assert_frame_equal(again["payments"], ds["payments"])
    assert again["units"]["unit_code"].tolist() == ["001", "002"]


def test_xlsx_workbook_with_one_sheet_per_table(tmp_path):
    d = tmp_path / "xl"
    d.mkdir()
    with pd.ExcelWriter(d / "bureau.xlsx") as xl:
        for name, text in MINIMAL.items():
            pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False).to_excel(xl, sheet_name=name[:-4], index=False)
    ds = load(d)
    assert ds["units"]["unit_code"].tolist() == ["001", "002"]
    assert ds["payments"]["pay_date"].dt.strftime("%Y-%m-%d").tolist() == ["2026-03-02", "2026-03-03"]


# --- bad input: one test per kind, each naming file, row, column, value, expected ----------------------


def _one(problems: pd.DataFrame, **match) -> pd.Series:
    sel = problems
    for k, v in match.items():
        sel = sel[sel[k] == v]
    assert len(sel) >= 1, f"no problem matching {match} in\n{problems}"
    return sel.iloc[0]


def test_wrong_encoding_is_reported_with_the_file(tmp_path):
    tables = dict(MINIMAL)
    d = write_tables(tmp_path / "enc", tables)
    (d / "units.csv").write_bytes("unit_code,name,region_code\n001,Educación Pública,330521\n".encode("latin-1"))
    row = _one(problems_of(d), file="units.csv")
    assert "UTF-8 or GB18030" in row["expected"] and "encoding" in row["expected"]


def test_missing_required_column(tmp_path):
    tables = dict(MINIMAL)
    tables["payments.csv"] = tables["payments.csv"].replace("payee_type,", "").replace(",individual,", ",").replace(",organization,", ",")
    row = _one(problems_of(write_tables(tmp_path / "d", tables)), file="payments.csv", column="payee_type")
    assert "required" in row["expected"] and row["row"] == 1


def test_unparsable_number_names_row_and_value(tmp_path):
    tables = dict(MINIMAL)
    tables["payments.csv"] = tables["payments.csv"].replace("5000.00", '"12,3x4"')
    row = _one(problems_of(write_tables(tmp_path / "d", tables)), file="payments.csv", column="amount")
    assert row["row"] == 2 and row["value"] == "12,3x4" and "amount" in row["expected"]


def test_impossible_date(tmp_path):
    tables = dict(MINIMAL)
    tables["payments.csv"] = tables["payments.csv"].replace("2026-03-03", "2025-02-30")
    row = _one(problems_of(write_tables(tmp_path / "d", tables)), column="pay_date")
    assert (row["file"], row["row"], row["value"]) == ("payments.csv", 3, "2025-02-30")
    assert "real date" in row["expected"]


def test_duplicated_id(tmp_path):
    tables = dict(MINIMAL)
    tables["payments.csv"] = tables["payments.csv"].replace("P2,", "P1,")
    row = _one(problems_of(write_tables(tmp_path / "d", tables)), column="payment_id")
    assert row["row"] == 3 and row["value"].startswith("P1") and "unique" in row["expected"]
    assert "payments.csv:2" in row["value"], "the repeated row names the first row with the key"


def test_unknown_reference(tmp_path):
    tables = dict(MINIMAL)
    tables["payments.csv"] = tables["payments.csv"].replace("P2,2026-03-03,002", "P2,2026-03-03,099")
    row = _one(problems_of(write_tables(tmp_path / "d", tables)), column="unit_code", table="payments")
    assert (row["row"], row["value"]) == (3, "099") and "exists in table units" in row["expected"]


def test_empty_file(tmp_path):
    tables = dict(MINIMAL)
    tables["budget.csv"] = ""
    row = _one(problems_of(write_tables(tmp_path / "d", tables)), file="budget.csv")
    assert "empty" in row["expected"]


def test_region_tree_with_a_cycle(tmp_path):
    tables = dict(MINIMAL)
    tables["regions.csv"] = (
        "region_code,name,level,parent_code\n330500,湖州市,city,\n330521,德清县,county,330521102\n330521102,新市镇,township,330521\n"
    )
    row = _one(problems_of(write_tables(tmp_path / "d", tables)), column="parent_code")
    assert "cycle" in row["expected"] and "330521" in row["expected"] and row["file"] == "regions.csv"


def test_xlsx_with_a_missing_sheet(tmp_path):
    d = tmp_path / "xl"
    d.mkdir()
    with pd.ExcelWriter(d / "bureau.xlsx") as xl:
        for name, text in MINIMAL.items():
            if name != "budget.csv":
                pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False).to_excel(xl, sheet_name=name[:-4], index=False)
    row = _one(problems_of(d), table="budget")
    assert "sheet named 'budget'" in row["expected"]


def test_every_problem_is_reported_at_once(tmp_path):
    tables = dict(MINIMAL)
    tables["payments.csv"] = (
        tables["payments.csv"].replace("2026-03-02", "2026-13-01").replace('"1,234.50"', "0").replace(",cash,", ",cheque,")
    )
    tables["units.csv"] = tables["units.csv"].replace("330521102,township", "999,township")
    problems = problems_of(write_tables(tmp_path / "d", tables))
    assert {"pay_date", "amount", "method", "region_code"} <= set(problems["column"])


def test_rows_are_counted_as_a_person_counts_them(tmp_path):
    rows = ["payment_id,pay_date,unit_code,function_code,economic_code,payee_name,payee_type,method,amount"]
    rows += [f"P{i},2026-03-02,001,2050101,30101,x,organization,transfer,10" for i in range(1, 40)]
    rows[25] = rows[25].replace(",10", ",ten")  # line 26 of the file
    tables = dict(MINIMAL)
    tables["payments.csv"] = "\n".join(rows) + "\n"
    row = _one(problems_of(write_tables(tmp_path / "d", tables)), column="amount")
    assert row["row"] == 26


def test_cli_validate_exit_codes_and_no_traceback(tmp_path, minimal_dir):
    ok = run_cli("validate", str(minimal_dir))
    assert ok.returncode == 0 and "payments" in ok.stdout
    tables = dict(MINIMAL)
    tables["payments.csv"] = tables["payments.csv"].replace("2026-03-03", "2025-02-30")
    bad = run_cli("validate", str(write_tables(tmp_path / "bad", tables)))
    assert bad.returncode == 2
    assert "Traceback" not in bad.stderr
    assert "payments.csv:3: column 'pay_date' value '2025-02-30': expected a real date" in bad.stderr


def test_cli_bad_mapping_names_the_key(tmp_path, minimal_dir):
    m = tmp_path / "m.yaml"
    m.write_text("tables:\n  payments:\n    files: ['x.csv']\n    colums: {}\n", encoding="utf-8")
    res = run_cli("validate", str(minimal_dir), "--mapping", str(m))
    assert res.returncode == 2 and "colums" in res.stderr and "did you mean 'columns'" in res.stderr


# --- column mappings on real data ---------------------------------------------------------------------


def test_mapping_refuses_unknown_contract_column(tmp_path):
    m = tmp_path / "m.yaml"
    m.write_text("tables:\n  payments:\n    files: ['x.csv']\n    columns: {amout: Net}\n", encoding="utf-8")
    with pytest.raises(MappingError, match="did you mean 'amount'"):
        check(tmp_path, m)


def test_harrogate_twelve_monthly_files_become_one_payments_table():
    src = real_data("uk-harrogate-payments")
    ds = load(src, ROOT / "mappings" / "harrogate-payments.yaml")
    pay = ds["payments"]
    # independent reference: the raw files read with the csv module
    n, total = 0, Decimal(0)
    for f in sorted(glob.glob(str(src / "20??-??.csv"))):
        with open(f, encoding="utf-8", newline="") as fh:
            for rec in csv.DictReader(fh):
                n += 1
                total += Decimal(rec["Net Amount"].replace(",", ""))
    assert len(pay) == n == 21_447
    assert round(Decimal(str(round(pay["amount"].sum(), 2))), 2) == round(total, 2)
    assert pay["payment_id"].is_unique
    assert len(ds.sources["payments"]) == 12
    assert pay["economic_code"].notna().all()
    assert ds.currency == "GBP"


def _cabinet_office_reference(src: Path) -> dict[str, list[tuple[str, Decimal, str]]]:
    """The 38 files read with the csv module: per file stem, (supplier, amount, date YYYY-MM-DD) per line.

    Each file is UTF-8 (a BOM removed) if it decodes so, else Windows-1252; a line whose fields other than
    the "#" row counter are all empty is padding; dates are ISO or "Friday, April 29, 2022".
    """
    lines: dict[str, list[tuple[str, Decimal, str]]] = {}
    for f in sorted(src.glob("20??-??.csv")):
        raw = f.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1252")
        rows = []
        for rec in csv.DictReader(io.StringIO(text, newline="")):
            if not any((v or "").strip() for k, v in rec.items() if k != "#"):
                continue
            stamp = rec["Date"].strip()
            for fmt in ("%Y-%m-%d", "%A, %B %d, %Y"):
                try:
                    day = datetime.strptime(stamp, fmt).strftime("%Y-%m-%d")
                    break
                except ValueError:
                    continue
            else:
                raise AssertionError(f"{f.name}: date {stamp!r} in no known format")
            rows.append((rec["Supplier"].strip(), Decimal(rec["Amount"].strip()), day))
        lines[f.stem] = rows
    return lines


def test_cabinet_office_38_monthly_files_load_as_published():
    """17,475 lines (17,535 minus 60 padding rows), £3.63bn as SOURCE.txt says: Windows-1252 and UTF-8
    files, a "#" column from 2022-04, long-form dates in 2022-04 and 2022-05, all through the mapping."""
    src = real_data("uk-cabinet-office-25k")
    ds = load(src, ROOT / "mappings" / "cabinet-office-payments.yaml")
    pay = ds["payments"]
    reference = _cabinet_office_reference(src)
    n = sum(len(rows) for rows in reference.values())
    total = sum((amount for rows in reference.values() for _, amount, _ in rows), Decimal(0))
    assert len(reference) == len(ds.sources["payments"]) == 38
    assert len(pay) == n == 17_475
    assert round(Decimal(str(round(pay["amount"].sum(), 2))), 2) == total == Decimal("3633894722.66")
    assert round(total / Decimal(10**9), 2) == Decimal("3.63"), "SOURCE.txt: total £3.63bn"
    assert ds.dropped == {"payments": {"blank": 60, "where": 0}, "units": {"blank": 60, "where": 0}}
    # file by file: the same lines, amounts and dates (the file is in the id: "{txn}-{file}-{row}")
    stem = pay["payment_id"].str.extract(r"-(\d{4}-\d{2})-\d+$", expand=False)
    cent = Decimal("0.01")
    for name, rows in reference.items():
        mine = pay[stem == name]
        assert len(mine) == len(rows), name
        theirs = sorted((s, a.quantize(cent), d) for s, a, d in rows)
        ours = sorted(zip(mine["payee_name"], [Decimal(str(v)).quantize(cent) for v in mine["amount"]],
                          mine["pay_date"].dt.strftime("%Y-%m-%d"), strict=True))
        assert ours == theirs, name
    assert pay["payment_id"].is_unique and pay["pay_date"].notna().all()
    assert "Montagu Evans – Client Account" in set(pay["payee_name"]), "Windows-1252 en dash read as such"
    assert ds.currency == "GBP"


def _madrid_reference(src: Path, year: int, column: str) -> Decimal:
    total = Decimal(0)
    with open(src / "annual" / f"ejecucion_gastos_{year}.csv", encoding="latin-1", newline="") as fh:
        for rec in csv.DictReader(fh, delimiter=";"):
            total += Decimal(rec[column].replace(",", "."))
    return total


@pytest.mark.parametrize("year", [2021, 2022, 2023, 2024])
def test_madrid_budget_lines_keep_the_source_totals(year):
    src = real_data("es-madrid-budget-execution")
    ds = load(src, ROOT / "mappings" / "madrid-budget.yaml")
    b = ds["budget"][ds["budget"]["year"] == year]
    for ours, theirs in (("original_amount", "CRED_INICIAL"), ("adjusted_amount", "C_DEFINITIVO"), ("actual_amount", "OBL_RECONOC")):
        assert abs(Decimal(str(round(b[ours].sum(), 2))) - _madrid_reference(src, year, theirs)) < Decimal("0.05")
    assert b["function_code"].str.len().eq(5).all() and b["economic_code"].str.len().eq(5).all()


def test_madrid_published_totals_match_source_txt():
    src = real_data("es-madrid-budget-execution")
    b = load(src, ROOT / "mappings" / "madrid-budget.yaml")["budget"]
    totals = (b.groupby("year")[["original_amount", "actual_amount"]].sum() / 1e6).round(1)
    # figures printed in SOURCE.txt (EUR m)
    assert totals.loc[2021].tolist() == [5753.0, 5573.1]
    assert totals.loc[2024].tolist() == [6466.6, 6186.4]


def test_madrid_revenue_is_mapped_for_pefa_pi3():
    src = real_data("es-madrid-budget-execution")
    rev = load(src, ROOT / "mappings" / "madrid-budget.yaml")["revenue"]
    assert sorted(rev["year"].unique().tolist()) == [2021, 2022, 2023, 2024]
    assert rev["revenue_code"].str.match(r"^\d{5}-\d{3}$").all()


def test_dataerror_lists_problems_in_its_message(tmp_path):
    tables = dict(MINIMAL)
    tables["payments.csv"] = tables["payments.csv"].replace("2026-03-03", "2025-02-30")
    with pytest.raises(DataError) as info:
        load(write_tables(tmp_path / "d", tables))
    assert "payments.csv:3" in str(info.value) and len(info.value.problems) == 1


def test_gbk_text_beyond_the_head_of_a_large_file_is_still_detected(tmp_path):
    """The head of the file is ASCII (looks like UTF-8); the Chinese text comes after 64 KiB."""
    rows = ["payment_id,pay_date,unit_code,function_code,economic_code,payee_name,payee_type,method,amount"]
    rows += [f"P{i},2026-03-02,001,2050101,30101,ACME,organization,transfer,10" for i in range(3000)]
    rows.append("PX,2026-03-02,001,2050101,30101,湖州某某有限公司,organization,transfer,10")
    tables = dict(MINIMAL)
    tables["payments.csv"] = "\n".join(rows) + "\n"
    d = write_tables(tmp_path / "gbk", tables, encoding="gbk")
    assert (d / "payments.csv").stat().st_size > 1 << 16
    pay = load(d)["payments"]
    assert pay["payee_name"].iloc[-1] == "湖州某某有限公司"


def test_latin1_text_beyond_the_head_is_refused_not_misread(tmp_path):
    rows = ["unit_code,name,region_code"] + [f"{i:03d},Unit {i},330521" for i in range(4000)]
    rows.append("999,Educación Pública,330521")
    tables = dict(MINIMAL)
    d = write_tables(tmp_path / "l1", tables)
    (d / "units.csv").write_bytes(("\n".join(rows) + "\n").encode("latin-1"))
    row = _one(problems_of(d), file="units.csv")
    assert "UTF-8 or GB18030" in row["expected"]
