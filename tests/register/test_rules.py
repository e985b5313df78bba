"""Rules versions (docs/rules.md) on SQLite and PostgreSQL: publish, the version in force by date, retire,
diff, backtest and each rule's precision, each checked against a computation made here."""

from __future__ import annotations

import datetime as dt
import math
import statistics
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select

from fiscalrisk.cli import main
from fiscalrisk.data import load
from fiscalrisk.register import Register, rulesets
from fiscalrisk.register import db as regdb
from fiscalrisk.register.kpi import dismissal_rates
from fiscalrisk.ruleset import UNPUBLISHED, RuleSet, diff
from fiscalrisk.scan import read_findings, scan, write_scan

from ..conftest import SAMPLE_DIR
from .conftest import finding, make_scan

CODES = ["PAY05", "PAY06", "PAY07"]
#: three versions over two years: (name, effective from, rules file text)
VERSIONS = [
    ("2024.1", dt.date(2024, 1, 1), "indicators:\n  PAY06:\n    threshold: 250000\n"),
    ("2024.2", dt.date(2024, 7, 1),
     "indicators:\n  PAY06:\n    threshold: 200000\nregions:\n  '330522':\n    indicators:\n"
     "      PAY06:\n        threshold: 150000\n"),
    ("2025.1", dt.date(2025, 7, 1), "indicators:\n  PAY06:\n    threshold: 300000\nswitched_off: [PAY05]\n"),
]
RETIRED = ("PAY07", dt.date(2025, 10, 1))
MONTHS = [dt.date(2024, 3, 31), dt.date(2024, 9, 30), dt.date(2025, 3, 31), dt.date(2025, 9, 30),
          dt.date(2025, 12, 31)]
PARENT = {"330522101": "330522", "330522102": "330522"}


def version_in_force(day: dt.date) -> str:
    """The version a scan of ``day`` must use: the latest effective date on or before it."""
    return max((v for v in VERSIONS if v[1] <= day), key=lambda v: v[1])[0]


def pay06_threshold(version: str, region: str) -> float:
    """PAY06's threshold under each version, region by region, as the files above say."""
    if version == "2024.2":
        return 150000.0 if region == "330522" or PARENT.get(region) == "330522" else 200000.0
    return {"2024.1": 250000.0, "2025.1": 300000.0}[version]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def publish_all(url: str, tmp_path: Path, capsys) -> None:
    for version, since, text in VERSIONS:
        path = tmp_path / f"rules-{version}.yaml"
        path.write_text(text, encoding="utf-8")
        code, out, err = run(capsys, "rules", "publish", path, "--version", version, "--effective-from", since,
                             "--note", f"rules of {version}", "--user", "wang", "--db", url)
        assert code == 0, err
        assert f"rules version {version} published" in out


def events(url: str) -> int:
    reg = Register(url)
    with reg.engine.connect() as conn:
        n = conn.execute(select(func.count()).select_from(regdb.events)).scalar_one()
    reg.engine.dispose()
    return int(n)


@pytest.fixture
def reg(db_url: str) -> Register:
    r = Register(db_url)
    r.init()
    r.add_user("wang", "supervisor", region="330500")
    yield r
    r.engine.dispose()


@pytest.fixture(scope="module")
def dataset():
    return load(SAMPLE_DIR)


_SCANS: dict[tuple, object] = {}


def cached_scan(dataset, day: dt.date, rules: RuleSet):
    """Scans are the same on both databases: made once per (rules content, retirements, date)."""
    key = (rules.sha256, tuple(sorted(rules.retired.items())), day)
    if key not in _SCANS:
        _SCANS[key] = scan(dataset, as_of=day, rules=rules, codes=CODES)
    return _SCANS[key]


# ------------------------------------------------------------------------------------------------
def test_each_finding_carries_the_version_in_force_and_the_register_keeps_it(reg: Register, dataset, tmp_path: Path,
                                                                              capsys) -> None:
    url = reg.url
    publish_all(url, tmp_path, capsys)
    code, out, err = run(capsys, "rules", "retire", RETIRED[0], "--from", RETIRED[1], "--note",
                         "buries the key risks", "--user", "wang", "--db", url)
    assert code == 0, err
    latest_version: dict[str, str] = {}
    seen_codes: dict[str, set[str]] = {}
    for day in MONTHS:
        rules = rulesets.in_force(reg, day)
        want = version_in_force(day)
        assert rules.version == want
        result = cached_scan(dataset, day, rules)
        f = result.findings
        assert len(f.loc[f["indicator"] == "PAY06"]) > 0
        assert set(f["rules_version"]) == {want}
        assert result.manifest["rules_version"] == want and result.manifest["rules"]["sha256"] == rules.sha256
        pay06 = f.loc[f["indicator"] == "PAY06"]
        assert pay06["threshold"].tolist() == [pay06_threshold(want, r) for r in pay06["region_code"]]
        seen_codes[str(day)] = set(f["indicator"])
        out_dir = write_scan(result, tmp_path / f"scan-{day}")
        assert set(read_findings(out_dir)["rules_version"]) == {want}
        reg.ingest(out_dir, today=day)
        for fid in f.loc[f["level"].astype("str").isin(["warning", "alert"]), "finding_id"]:
            latest_version[fid] = want
    # switched off by 2025.1 (from 2025-07-01), retired from 2025-10-01: present before, absent after
    assert "PAY05" in seen_codes["2025-03-31"] and "PAY05" not in seen_codes["2025-09-30"]
    assert "PAY07" in seen_codes["2025-09-30"] and "PAY07" not in seen_codes["2025-12-31"]
    cases = reg.cases()
    assert dict(zip(cases["finding_id"], cases["rules_version"], strict=True)) == latest_version
    assert set(cases["rules_version"]) >= {"2024.1", "2024.2", "2025.1"}
    # every publish and the retirement are events of the one chain, which still verifies
    assert reg.audit().intact
    with reg.engine.connect() as conn:
        actions = list(conn.execute(select(regdb.events.c.action).where(
            regdb.events.c.action.in_(["rules_publish", "rules_retire"])).order_by(regdb.events.c.seq)).scalars())
    assert actions == ["rules_publish"] * 3 + ["rules_retire"]


def test_the_scan_command_uses_the_version_in_force_and_refuses_a_date_before_any(reg: Register, tmp_path: Path,
                                                                                   capsys) -> None:
    publish_all(reg.url, tmp_path, capsys)
    code, out, err = run(capsys, "scan", SAMPLE_DIR, "--out", tmp_path / "s", "--as-of", "2024-12-31",
                         "--db", reg.url)
    assert code == 0, err
    assert "rules version 2024.2" in out
    manifest = __import__("json").loads((tmp_path / "s" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["rules_version"] == "2024.2"
    assert set(read_findings(tmp_path / "s")["rules_version"]) == {"2024.2"}
    for argv, words in (
        (("--as-of", "2023-12-31", "--db", reg.url), "no rules version is in force on 2023-12-31"),
        (("--db", reg.url), "give --as-of"),
        (("--as-of", "2024-12-31", "--db", reg.url, "--params", tmp_path / "rules-2024.1.yaml"), "not both"),
    ):
        code, out, err = run(capsys, "scan", SAMPLE_DIR, "--out", tmp_path / "refused", *argv)
        assert code == 2 and words in err and "Traceback" not in err
        assert len(err.strip().splitlines()) == 1
        assert not (tmp_path / "refused").exists()


def test_a_params_run_is_recorded_as_unpublished(dataset, tmp_path: Path) -> None:
    result = scan(dataset, as_of="2024-12-31", codes=["PAY06"])
    assert result.manifest["rules_version"] == UNPUBLISHED
    assert set(result.findings["rules_version"]) == {UNPUBLISHED}


def test_diff_lists_each_changed_parameter_by_region_and_switches(reg: Register, tmp_path: Path, capsys) -> None:
    publish_all(reg.url, tmp_path, capsys)
    table = diff(rulesets.get(reg, "2024.1"), rulesets.get(reg, "2024.2"))
    assert table.to_dict("records") == [
        {"indicator": "PAY06", "parameter": "threshold", "region": "all", "old": "250000", "new": "200000"},
        {"indicator": "PAY06", "parameter": "threshold", "region": "330522", "old": "250000", "new": "150000"},
    ]
    code, out, err = run(capsys, "rules", "diff", "2024.2", "2025.1", "--format", "csv", "--db", reg.url)
    assert code == 0, err
    rows = set(out.strip().splitlines()[1:])
    assert rows == {"PAY05,switched,all,on,off", "PAY06,threshold,all,200000,300000",
                    "PAY06,threshold,330522,150000,300000"}


def test_a_published_version_is_immutable_and_backdating_needs_a_note(reg: Register, tmp_path: Path, capsys) -> None:
    publish_all(reg.url, tmp_path, capsys)
    before = events(reg.url)
    rules = tmp_path / "rules-2024.1.yaml"
    with reg.engine.connect() as conn:
        stored = conn.execute(select(regdb.rule_versions.c.content).where(
            regdb.rule_versions.c.version == "2024.1")).scalar_one()

    def refused(*argv: str, words: str) -> None:
        code, out, err = run(capsys, *argv, "--db", reg.url)
        assert code == 2, (argv, err)
        assert words in err and "Traceback" not in err and len(err.strip().splitlines()) == 1, err

    refused("rules", "publish", tmp_path / "rules-2025.1.yaml", "--version", "2024.1", "--effective-from", "2026-01-01",
            "--user", "wang", words="rules version 2024.1 exists already")
    refused("rules", "publish", rules, "--version", "2023.9", "--effective-from", "2023-06-01", "--user", "wang",
            words="add --backdate and a --note")
    refused("rules", "publish", rules, "--version", "2023.9", "--effective-from", "2023-06-01", "--backdate",
            "--user", "wang", words="--backdate needs --note")
    refused("rules", "publish", rules, "--version", "2026.1", "--effective-from", "2025-07-01", "--user", "wang",
            words="rules version 2025.1 already takes effect on 2025-07-01")
    bad = tmp_path / "bad.yaml"
    bad.write_text("indicators:\n  PAY06:\n    treshold: 100000\n", encoding="utf-8")
    refused("rules", "publish", bad, "--version", "2026.1", "--effective-from", "2026-01-01", "--user", "wang",
            words="did you mean 'threshold'?")
    bad.write_text("indicators:\n  PAY66:\n    threshold: 100000\n", encoding="utf-8")
    refused("rules", "publish", bad, "--version", "2026.1", "--effective-from", "2026-01-01", "--user", "wang",
            words="'indicators.PAY66'")
    bad.write_text("switched_off: [PAY55]\n", encoding="utf-8")
    refused("rules", "publish", bad, "--version", "2026.1", "--effective-from", "2026-01-01", "--user", "wang",
            words="did you mean 'PAY05'?")
    refused("rules", "retire", "PAY55", "--from", "2026-01-01", "--note", "x", "--user", "wang",
            words="did you mean 'PAY05'?")
    reg.ingest(make_scan(tmp_path / "tree", "2026-01-31", []), today="2026-02-01")  # the register knows its tree
    bad.write_text("regions:\n  '330599':\n    indicators:\n      PAY06:\n        threshold: 1000\n", encoding="utf-8")
    refused("rules", "publish", bad, "--version", "2026.1", "--effective-from", "2026-01-01", "--user", "wang",
            words="region(s) 330599, which the register does not know")
    reg.add_user("li", "supervisor", region="330521", by="wang")
    reg.add_user("zhao", "auditor", by="wang")
    before = events(reg.url)
    refused("rules", "publish", rules, "--version", "2026.1", "--effective-from", "2026-01-01", "--user", "li",
            words="takes a supervisor of the whole region tree")
    refused("rules", "retire", "PAY05", "--from", "2026-01-01", "--note", "x", "--user", "zhao",
            words="takes a supervisor of the whole region tree")
    # nothing was written by any refusal
    assert events(reg.url) == before
    assert rulesets.versions(reg)["version"].tolist() == ["2024.1", "2024.2", "2025.1"]
    assert rulesets.retirements(reg).empty
    # a backdated version with a note is accepted, and judges the past from its date
    code, out, err = run(capsys, "rules", "publish", rules, "--version", "2023.9", "--effective-from", "2023-06-01",
                         "--backdate", "--note", "the 2023 audit applied these limits", "--user", "wang",
                         "--db", reg.url)
    assert code == 0, err
    assert rulesets.in_force(reg, "2023-12-31").version == "2023.9"
    assert rulesets.versions(reg).set_index("version").loc["2023.9", "backdated"]
    # and the stored content of the first version is what it was
    with reg.engine.connect() as conn:
        assert conn.execute(select(regdb.rule_versions.c.content).where(
            regdb.rule_versions.c.version == "2024.1")).scalar_one() == stored
    code, out, err = run(capsys, "rules", "retire", "PAY05", "--from", "2026-01-01", "--note", "x", "--user", "wang",
                         "--db", reg.url)
    assert code == 0
    refused("rules", "retire", "PAY05", "--from", "2026-02-01", "--note", "x", "--user", "wang",
            words="retired already")
    assert reg.audit().intact


def test_a_version_changed_in_the_database_is_refused(reg: Register, tmp_path: Path, capsys) -> None:
    publish_all(reg.url, tmp_path, capsys)
    with reg.engine.begin() as conn:
        conn.execute(regdb.rule_versions.update().where(regdb.rule_versions.c.version == "2024.1")
                     .values(content=conn.execute(select(regdb.rule_versions.c.content).where(
                         regdb.rule_versions.c.version == "2024.1")).scalar_one().replace("250000", "990000")))
    code, out, err = run(capsys, "rules", "show", "2024.1", "--db", reg.url)
    assert code == 2 and "does not match its SHA-256" in err


# ------------------------------------------------------------------------------------------------ backtest
def test_backtest_of_a_stricter_pay06_against_two_independent_scans(reg: Register, dataset, tmp_path: Path,
                                                                    capsys) -> None:
    current_file = tmp_path / "current.yaml"
    current_file.write_text("indicators:\n  PAY06:\n    threshold: 200000\n", encoding="utf-8")
    stricter = tmp_path / "stricter.yaml"
    stricter.write_text("indicators:\n  PAY06:\n    threshold: 150000\n", encoding="utf-8")
    code, out, err = run(capsys, "rules", "publish", current_file, "--version", "2024.1", "--effective-from",
                         "2024-01-01", "--user", "wang", "--db", reg.url)
    assert code == 0, err
    as_of = dt.date(2025, 6, 30)
    reg.ingest(write_scan(scan(dataset, as_of=as_of, rules=rulesets.in_force(reg, as_of), codes=["PAY06"]),
                          tmp_path / "scan"), today=as_of)
    cases = reg.cases()
    ids = cases["case_id"].tolist()
    assert len(ids) >= 12
    for cid, reason in zip(ids[:6], ["legitimate", "data_error", "legitimate", "duplicate", "other", "legitimate"],
                           strict=True):
        reg.act(cid, "dismiss", user="wang", reason=reason, today="2025-07-02")
    for cid in ids[6:10]:
        reg.act(cid, "dispatch", user="wang", today="2025-07-02")
        reg.act(cid, "confirm", user="wang", today="2025-07-03")

    # the independent computation: two scans through the params files (--params), compared by id here
    def risk_ids(path: Path) -> set[str]:
        f = scan(dataset, as_of=as_of, files=(path,), codes=["PAY06"]).findings
        return set(f.loc[f["level"].astype("str").isin(["warning", "alert"]), "finding_id"])

    now, after = risk_ids(current_file), risk_ids(stricter)
    gone, new = now - after, after - now
    assert gone and new
    verdict = reg.cases().set_index("finding_id")["state"]
    gone_dismissed = sum(verdict.get(f) == "dismissed" for f in gone)
    gone_confirmed = sum(verdict.get(f) == "confirmed" for f in gone)
    assert gone_dismissed + gone_confirmed > 0

    changes = rulesets.backtest(dataset, RuleSet.from_files([stricter], version="candidate"),
                                rulesets.in_force(reg, as_of), as_of=as_of, reg=reg, codes=["PAY06"])
    assert set(changes.loc[changes["change"] == "disappear", "finding_id"]) == gone
    assert set(changes.loc[changes["change"] == "appear", "finding_id"]) == new
    summary = rulesets.backtest_summary(changes).set_index("indicator").loc["PAY06"]
    reviewed_now = [verdict.get(f) for f in now if verdict.get(f) in ("dismissed", "confirmed")]
    assert (summary["current"], summary["candidate"], summary["appear"], summary["disappear"]) == (
        len(now), len(after), len(new), len(gone))
    assert (summary["disappear_dismissed"], summary["disappear_confirmed"]) == (gone_dismissed, gone_confirmed)
    assert summary["dismissal_rate_now"] == round(reviewed_now.count("dismissed") / len(reviewed_now), 4)

    # the command: a table on the terminal and the CSV of every appearing and disappearing finding
    csv = tmp_path / "changes.csv"
    code, out, err = run(capsys, "rules", "backtest", stricter, "--data", SAMPLE_DIR, "--as-of", as_of,
                         "--db", reg.url, "--csv", csv)
    assert code == 0, err
    assert "rules 2024.1 (in force)" in out
    line = next(x for x in out.splitlines() if x.split()[:1] == ["PAY06"]).split()
    assert line[:7] == ["PAY06", *(str(v) for v in (len(now), len(after), len(new), len(gone), gone_dismissed,
                                                    gone_confirmed))]
    written = pd.read_csv(csv, dtype="str", keep_default_na=False)
    pay06 = written.loc[written["indicator"] == "PAY06"]
    assert set(pay06.loc[pay06["change"] == "disappear", "finding_id"]) == gone
    assert set(pay06.loc[pay06["change"] == "appear", "finding_id"]) == new
    assert (pay06["verdict"] == "dismissed").sum() == gone_dismissed


def test_backtest_refuses_rules_that_do_not_cover_the_data(tmp_path: Path, capsys) -> None:
    other = tmp_path / "other.yaml"
    other.write_text("regions:\n  '110101':\n    indicators:\n      PAY06:\n        threshold: 1000\n", encoding="utf-8")
    csv = tmp_path / "changes.csv"
    code, out, err = run(capsys, "rules", "backtest", other, "--data", SAMPLE_DIR, "--as-of", "2025-06-30",
                         "--csv", csv)
    assert code == 2 and "110101" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not csv.exists()


# ------------------------------------------------------------------------------------------------ quality
def test_wilson_interval_agrees_with_statsmodels() -> None:
    from statsmodels.stats.proportion import proportion_confint

    for k, n in [(0, 1), (1, 1), (0, 7), (3, 7), (7, 7), (12, 40), (1, 1000), (999, 1000)]:
        low, high = rulesets.wilson_interval(k, n)
        want = proportion_confint(k, n, alpha=0.05, method="wilson")
        assert low == pytest.approx(want[0], abs=1e-12) and high == pytest.approx(want[1], abs=1e-12)
    assert all(math.isnan(x) for x in rulesets.wilson_interval(0, 0))


def test_quality_per_rule_and_region_against_counts_made_here(reg: Register, tmp_path: Path, capsys) -> None:
    # 14 findings: PAY06 in three regions and PAY07 in one, values chosen so medians are easy to state
    rows = []
    for i in range(6):
        rows.append(finding("PAY06", "U1", f"a{i}", "2026-03", 100000.0 + 10000 * i))   # 330521102
    for i in range(4):
        rows.append(finding("PAY06", "U3", f"b{i}", "2026-03", 250000.0 + 1000 * i))    # 330522
    for i in range(2):
        rows.append(finding("PAY06", "U2", f"c{i}", "2026-03", 50000.0 * (i + 1)))      # 330521
    for i in range(2):
        rows.append(finding("PAY07", "U3", f"d{i}", "2026-03", 1000.0 * (i + 1)))       # 330522
    reg.ingest(make_scan(tmp_path / "scan", "2026-03-31", rows), today="2026-04-01")
    by_subject = reg.cases().set_index("subject_id")["case_id"].to_dict()
    verdicts = {"a0": ("dismiss", "legitimate"), "a1": ("dismiss", "legitimate"), "a2": ("dismiss", "data_error"),
                "a3": ("confirm", None), "b0": ("confirm", None), "b1": ("confirm", None), "b2": ("dismiss", "other"),
                "c0": ("dismiss", "duplicate"), "d0": ("confirm", None)}  # a4, a5, b3, c1, d1 not reviewed
    for subject, (move, reason) in verdicts.items():
        cid = by_subject[subject]
        if move == "confirm":
            reg.act(cid, "dispatch", user="wang", today="2026-04-02")
            reg.act(cid, "confirm", user="wang", today="2026-04-03")
        else:
            reg.act(cid, "dismiss", user="wang", reason=reason, today="2026-04-02")
    cases = reg.cases().set_index("subject_id")

    def expected(subjects: list[str]) -> dict:
        judged = [s for s in subjects if s in verdicts]
        dismissed = [s for s in judged if verdicts[s][0] == "dismiss"]
        confirmed = [s for s in judged if verdicts[s][0] == "confirm"]
        n, k = len(judged), len(dismissed)
        from statsmodels.stats.proportion import proportion_confint

        low, high = proportion_confint(k, n, method="wilson")
        return {"reviewed": n, "confirmed": len(confirmed), "dismissed": k,
                **{f"dismissed_{r}": sum(verdicts[s][1] == r for s in dismissed)
                   for r in ("data_error", "legitimate", "duplicate", "other")},
                "dismissal_rate": round(k / n, 4), "wilson_low": round(low, 4), "wilson_high": round(high, 4),
                "median_value_dismissed": statistics.median(cases.loc[dismissed, "value"]) if dismissed else None,
                "median_value_confirmed": statistics.median(cases.loc[confirmed, "value"]) if confirmed else None}

    groups = {("PAY06", "330521102", "own"): [f"a{i}" for i in range(6)],
              ("PAY06", "330522", "own"): [f"b{i}" for i in range(4)],
              ("PAY06", "330521", "own"): ["c0", "c1"],
              ("PAY06", "all", "subtree"): [f"a{i}" for i in range(6)] + [f"b{i}" for i in range(4)] + ["c0", "c1"],
              ("PAY07", "330522", "own"): ["d0", "d1"], ("PAY07", "all", "subtree"): ["d0", "d1"]}
    table = rulesets.quality(reg)
    got = {(r["indicator"], r["region_code"], r["scope"]): r for r in table.to_dict("records")}
    assert set(got) == set(groups)
    for key, subjects in groups.items():
        want = expected(subjects)
        row = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in got[key].items()}
        assert {k: row[k] for k in want} == want, key
    # the whole-scope figures are the register's KPI dismissal rates
    rates = dismissal_rates(reg).set_index("indicator")
    for code in ("PAY06", "PAY07"):
        assert got[(code, "all", "subtree")]["dismissed"] == rates.loc[code, "dismissed"]
        assert got[(code, "all", "subtree")]["confirmed"] == rates.loc[code, "confirmed"]
    # --region: the county 330521's subtree (德清县 and 新市镇) only
    county = rulesets.quality(reg, region="330521")
    sub = county.loc[county["scope"] == "subtree"].set_index("indicator")
    assert sub.index.tolist() == ["PAY06"] and sub.loc["PAY06", "region_code"] == "330521"
    assert sub.loc["PAY06", "reviewed"] == expected([f"a{i}" for i in range(6)] + ["c0", "c1"])["reviewed"]
    code, out, err = run(capsys, "rules", "quality", "--region", "330599", "--db", reg.url)
    assert code == 2 and "330599" in err
    code, out, err = run(capsys, "rules", "quality", "--format", "csv", "--db", reg.url)
    assert code == 0 and out.splitlines()[0].startswith("indicator,region_code,scope,reviewed")


def test_the_register_of_an_older_schema_is_migrated_to_hold_versions(db_url: str) -> None:
    from alembic import command

    reg = Register(db_url)
    reg.init()
    cfg = regdb._alembic_config()
    with reg.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0003")
    assert regdb.current_revision(reg.engine) == "0003"
    assert reg.init() == "0004"
    assert rulesets.versions(reg).empty
    reg.engine.dispose()


def test_the_regional_report_states_the_rules_version(dataset, tmp_path: Path) -> None:
    from fiscalrisk.report.regional import RegionalReport

    fields = {"name": "湖州市", "code": "330500", "n": 16, "units": 3, "as_of": "2025-06-30", "money": "金额单位：元。"}
    published = write_scan(scan(dataset, as_of="2025-06-30", rules=RuleSet.from_files([], version="2025.1"),
                                codes=["PAY06"]), tmp_path / "published")
    adhoc = write_scan(scan(dataset, as_of="2025-06-30", codes=["PAY06"]), tmp_path / "adhoc")
    assert RegionalReport(published, "330500").text("scope", **fields).endswith("金额单位：元。规则版本 2025.1。")
    assert RegionalReport(published, "330500", language="en").text("scope", **fields).endswith(
        "金额单位：元。 Rules version 2025.1.")
    assert RegionalReport(adhoc, "330500").text("scope", **fields).endswith("规则版本：未发布（参数文件）。")


def test_the_explore_notebook_draws_the_backtest_of_a_candidate(tmp_path: Path) -> None:
    import json

    import papermill

    from ..conftest import ROOT

    url = f"sqlite:///{tmp_path / 'r.db'}"
    reg = Register(url)
    reg.init()
    reg.add_user("wang", "supervisor", region="330500")
    current = tmp_path / "current.yaml"
    current.write_text("indicators:\n  PAY06:\n    threshold: 200000\n", encoding="utf-8")
    rulesets.publish(reg, current, version="2024.1", effective_from="2024-01-01", user="wang")
    candidate = tmp_path / "candidate.yaml"
    candidate.write_text("indicators:\n  PAY06:\n    threshold: 150000\n", encoding="utf-8")
    out = tmp_path / "explore.ipynb"
    papermill.execute_notebook(str(ROOT / "notebooks" / "explore.ipynb"), str(out), cwd=str(ROOT / "notebooks"),
                               parameters={"RULES_FILE": str(candidate), "RULES_DB": url}, kernel_name="python3",
                               progress_bar=False)
    last = json.loads(out.read_text(encoding="utf-8"))["cells"][-1]
    text = "".join("".join(o.get("text", "")) for o in last["outputs"] if o["output_type"] == "stream")
    assert "rules 2024.1 →" in text
    shown = [o["data"] for o in last["outputs"] if o["output_type"] == "display_data"]
    assert "PAY06" in "".join(shown[0]["text/html"])  # the per-indicator table
    assert len(shown) == 2  # and the chart
    reg.engine.dispose()


def test_the_report_says_an_indicator_is_switched_off_or_retired(dataset, tmp_path: Path) -> None:
    from fiscalrisk.report.regional import RegionalReport

    path = tmp_path / "rules.yaml"
    path.write_text("switched_off: [PAY05]\n", encoding="utf-8")
    rules = RuleSet(**{**RuleSet.from_files([path], version="2025.1").__dict__, "retired": {"PAY07": dt.date(2025, 7, 1)}})
    out = write_scan(scan(dataset, as_of="2025-09-30", rules=rules, codes=CODES), tmp_path / "scan")
    report = RegionalReport(out, "330500", language="en")
    assert report._not_assessed("PAY05") == "PAY05 is switched off by the rules (rules version 2025.1)"
    assert report._not_assessed("PAY07") == "PAY07 is retired from 2025-07-01 (fiscalrisk rules retire)"
    assert report._not_assessed("PAY06") == ""
