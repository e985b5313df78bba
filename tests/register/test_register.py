"""The alert register on SQLite and PostgreSQL: the loop, the rules, deadlines, exemptions, the audit trail."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from fiscalrisk.register import ConflictError, Register, RegisterError
from fiscalrisk.register import db as regdb
from fiscalrisk.register.rules import MoveError, check_move

from .conftest import REGIONS, finding, make_scan

D = dt.date


@pytest.fixture
def reg(db_url: str) -> Register:
    r = Register(db_url)
    r.init()
    r.add_user("wang", "supervisor", region="330500")
    yield r
    r.engine.dispose()


def _case(reg: Register, finding_id: str) -> dict:
    frame = reg.cases(today=D(2026, 1, 1))
    row = frame.loc[frame["finding_id"] == finding_id]
    assert len(row) == 1, f"no case for {finding_id}"
    return row.iloc[0].to_dict()


# ------------------------------------------------------------------------------------------ schema
def test_init_is_idempotent_and_the_code_matches_the_migration(db_url: str) -> None:
    reg = Register(db_url)
    assert reg.init() == regdb.head_revision() == "0004"
    assert reg.init() == "0004"
    insp = inspect(reg.engine)
    for table in regdb.metadata.sorted_tables:
        assert insp.has_table(table.name), table.name
        migrated = {c["name"]: c for c in insp.get_columns(table.name)}
        assert set(migrated) == {c.name for c in table.columns}, table.name
        for column in table.columns:
            assert migrated[column.name]["nullable"] == column.nullable or column.primary_key, (table.name, column.name)
    reg.engine.dispose()


def test_a_register_without_init_says_so(tmp_path: Path) -> None:
    with pytest.raises(RegisterError, match="register init"):
        Register(f"sqlite:///{tmp_path / 'none.db'}").cases()


# ------------------------------------------------------------------------------------------ ingest
def test_ingest_opens_cases_and_the_same_scan_twice_changes_nothing(reg: Register, tmp_path: Path) -> None:
    scan = make_scan(tmp_path / "s1", "2025-01-31", [finding("PAY07", "U1", "P1", "2025-01", 100.0),
                                                     finding("BUD01", "U2", "U2", "2025", 0.1)])
    first = reg.ingest(scan, today="2025-02-03")
    assert first.counts() == {"new": 2, "unchanged": 0, "changed": 0, "reopened": 0, "cleared_by_data": 0, "exempt": 0}
    events_before = reg.audit().events
    again = reg.ingest(scan, today="2025-02-04")
    assert again.already_ingested and again.counts()["new"] == 0
    assert reg.audit().events == events_before
    frame = reg.cases()
    assert list(frame["case_id"]) == [1, 2] and set(frame["state"]) == {"open"}


def test_a_scan_with_or_without_the_priority_columns_ingests_alike(reg: Register, tmp_path: Path) -> None:
    """findings.csv gained amount_at_risk and priority; the register reads neither, and a scan written
    before them (the same findings without the two columns) still ingests, to the same cases."""
    import hashlib
    import json

    import pandas as pd

    rows = [finding("PAY07", "U1", "P1", "2025-01", 100.0), finding("BUD01", "U2", "U2", "2025", 0.1)]
    new = make_scan(tmp_path / "new", "2025-01-31", rows)
    assert list(pd.read_csv(new / "findings.csv").columns)[-2:] == ["amount_at_risk", "priority"]
    old = make_scan(tmp_path / "old", "2025-01-31", rows)
    manifest = json.loads((old / "manifest.json").read_text(encoding="utf-8"))
    for name in ("findings.csv", "findings.parquet"):
        path = old / name
        if name.endswith(".csv"):
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
            frame.drop(columns=["amount_at_risk", "priority"]).to_csv(path, index=False, lineterminator="\n")
        else:
            pd.read_parquet(path).drop(columns=["amount_at_risk", "priority"]).to_parquet(path, index=False)
        manifest["files"][name] = hashlib.sha256(path.read_bytes()).hexdigest()
    (old / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert reg.ingest(old, today="2025-02-03").counts()["new"] == 2
    again = reg.ingest(new, today="2025-02-04").counts()
    assert again["new"] == 0 and again["changed"] == 0 and again["unchanged"] == 2


def test_a_whole_year_of_monthly_scans(reg: Register, tmp_path: Path) -> None:
    """Twelve monthly scans; every expected count and state below is worked out by hand from the story."""
    reg.add_user("li", "unit", unit="U3", by="wang")
    reg.add_user("zhao", "unit", unit="U1", by="wang")
    A = finding("PAY07", "U1", "P-A", "2025-01", 500.0)                     # a duplicate nobody answers
    B = finding("PAY07", "U1", "P-B", "2025-01", 800.0)                     # refunded away in April
    B2 = finding("PAY07", "U1", "P-B", "2025-01", 800.0, evidence={"ids": ["P-B", "R-9"]})  # back in September
    C = {m: finding("BUD01", "U2", "U2", "2025", v, level="warning", evidence={"rate": v})
         for m, v in (("feb", 0.10), ("mar", 0.12), ("jun", 0.20))}     # dismissed, then worse: reopened
    D_ = finding("CON01", "U3", "K-1", "2025", 1_000_000.0)                  # the full loop to 销号
    E = finding("PAY06", "U1", "P-E", "2025-02", 290_000.0)                  # exempt until 31 May
    F = finding("OUT01", None, "330522", "2024", 0.8, region="330522", subject_type="region")
    months = {
        1: [A, B, D_], 2: [A, B, D_, C["feb"], E], 3: [A, B, D_, C["mar"], E, F], 4: [A, D_, C["mar"], E],
        5: [A, D_, C["mar"], E], 6: [A, D_, C["jun"], E], 7: [A, D_, C["jun"], E], 8: [A, D_, C["jun"], E],
        9: [A, B2, D_, C["jun"], E], 10: [A, B2, D_, C["jun"], E], 11: [A, B2, D_, C["jun"], E],
        12: [A, B2, D_, C["jun"], E],
    }
    expected = {  # new, unchanged, changed, reopened, cleared_by_data, exempt
        1: (3, 0, 0, 0, 0, 0), 2: (1, 3, 0, 0, 0, 1), 3: (1, 4, 1, 0, 0, 0), 4: (0, 4, 0, 0, 1, 0),
        5: (0, 3, 1, 0, 1, 0), 6: (0, 3, 0, 1, 0, 0), 7: (0, 4, 0, 0, 0, 0), 8: (0, 4, 0, 0, 0, 0),
        9: (0, 4, 0, 1, 0, 0), 10: (0, 5, 0, 0, 0, 0), 11: (0, 5, 0, 0, 0, 0), 12: (0, 5, 0, 0, 0, 0),
    }
    ids = {}
    for month in range(1, 13):
        as_of = (D(2025, month % 12 + 1, 1) if month < 12 else D(2026, 1, 1)) - dt.timedelta(days=1)
        today = as_of + dt.timedelta(days=3)
        # April: OUT01 not assessed for 330522 (its table missing), so F's absence says nothing
        skip = {"OUT01": ["330522"]} if month == 4 else None
        scan = make_scan(tmp_path / f"m{month:02d}", str(as_of), months[month], not_assessed=skip)
        result = reg.ingest(scan, today=today)
        got = tuple(result.counts()[k] for k in ("new", "unchanged", "changed", "reopened", "cleared_by_data", "exempt"))
        assert got == expected[month], f"month {month}: {result.counts()}"
        if month == 1:
            ids = {name: _case(reg, f["finding_id"])["case_id"] for name, f in (("A", A), ("B", B), ("D", D_))}
            reg.act(ids["A"], "dispatch", user="wang", today=today)
            reg.act(ids["D"], "dispatch", user="wang", today=today)
            reg.act(ids["D"], "respond", user="li", today=today, reason="explanation", note="签约日期有误")
            reg.act(ids["D"], "confirm", user="wang", today=today)
            reg.exempt("PAY06", unit="U1", until="2025-05-31", reason="专项审批", user="wang")
        if month == 3:
            ids["C"] = _case(reg, C["feb"]["finding_id"])["case_id"]
            ids["F"] = _case(reg, F["finding_id"])["case_id"]
            reg.act(ids["C"], "dispatch", user="wang", today=today)
            reg.act(ids["C"], "dismiss", user="wang", today=today, reason="legitimate")
            reg.act(ids["D"], "plan", user="li", today=today, due="2025-05-31")
            reg.act(ids["D"], "rectify", user="li", today=today, amount=5000)
            reg.act(ids["D"], "close", user="wang", today=today)
        if month == 4:
            assert _case(reg, B["finding_id"])["cleared_by_data"]
            reg.act(ids["B"], "close", user="wang", today=today, note="已退款")  # cleared: closed in one step
    final = {name: reg.cases(today=D(2026, 1, 3)).set_index("case_id").loc[cid] for name, cid in ids.items()}
    assert final["A"]["state"] == "dispatched" and final["A"]["overdue"]
    assert final["A"]["escalated_to"] == "330500"                      # township → county → city, then capped
    assert final["B"]["state"] == "open" and final["B"]["reopened"] == 1
    assert final["C"]["state"] == "open" and final["C"]["reopened"] == 1
    assert final["D"]["state"] == "closed" and final["D"]["reopened"] == 0
    assert final["F"]["state"] == "open" and final["F"]["cleared_by_data"]
    e = _case(reg, E["finding_id"])
    assert e["state"] == "open" and not e["cleared_by_data"]
    _, history = reg.show(ids["C"])
    assert list(history["action"]) == ["create", "evidence_changed", "dispatch", "dismiss", "reopen"]
    _, history = reg.show(ids["D"])
    assert list(history["action"]) == ["create", "dispatch", "respond", "confirm", "plan", "rectify", "close"]
    case_d, _ = reg.show(ids["D"])
    assert case_d["rectified_amount"] == 5000.0
    assert reg.audit().intact


def test_a_scan_of_another_data_set_is_refused(reg: Register, tmp_path: Path) -> None:
    reg.ingest(make_scan(tmp_path / "a", "2025-01-31", [finding("PAY07", "U1", "P1", "2025-01", 1.0)]))
    other = [{"region_code": "110000", "parent_code": "", "level": "province"}]
    with pytest.raises(RegisterError, match="another data set"):
        reg.ingest(make_scan(tmp_path / "b", "2025-02-28", [], regions=other))


def test_an_older_or_incomplete_or_altered_scan_is_refused(reg: Register, tmp_path: Path) -> None:
    reg.ingest(make_scan(tmp_path / "feb", "2025-02-28", [finding("PAY07", "U1", "P1", "2025-01", 1.0)]))
    with pytest.raises(RegisterError, match="older than the last one"):
        reg.ingest(make_scan(tmp_path / "jan", "2025-01-31", []))
    incomplete = make_scan(tmp_path / "mar", "2025-03-31", [])
    (incomplete / "assessed.csv").unlink()
    with pytest.raises(RegisterError, match="incomplete scan directory"):
        reg.ingest(incomplete)
    altered = make_scan(tmp_path / "apr", "2025-04-30", [finding("PAY07", "U1", "P2", "2025-04", 1.0)])
    (altered / "findings.csv").write_text("finding_id\n", encoding="utf-8")
    with pytest.raises(RegisterError, match="does not match"):
        reg.ingest(altered)
    assert len(reg.cases()) == 1


def test_the_same_facts_never_reopen_a_closed_case(reg: Register, tmp_path: Path) -> None:
    f = finding("PAY07", "U1", "P1", "2024-05", 10.0)
    reg.ingest(make_scan(tmp_path / "1", "2025-01-31", [f]))
    reg.act(1, "dismiss", user="wang", reason="duplicate", today="2025-02-01")
    for i, as_of in enumerate(["2025-02-28", "2025-03-31", "2025-04-30"]):
        result = reg.ingest(make_scan(tmp_path / f"r{i}", as_of, [f]))
        assert result.counts()["unchanged"] == 1 and result.counts()["reopened"] == 0
    assert reg.cases()["state"].tolist() == ["dismissed"]


def test_a_finding_missing_because_not_assessed_changes_nothing(reg: Register, tmp_path: Path) -> None:
    f = finding("PAY07", "U1", "P1", "2025-01", 10.0)
    reg.ingest(make_scan(tmp_path / "1", "2025-01-31", [f]))
    result = reg.ingest(make_scan(tmp_path / "2", "2025-02-28", [], not_assessed={"PAY07": ["330521102"]}))
    assert result.counts()["cleared_by_data"] == 0
    assert not reg.cases()["cleared_by_data"].iloc[0]
    result = reg.ingest(make_scan(tmp_path / "3", "2025-03-31", []))
    assert result.counts()["cleared_by_data"] == 1
    back = reg.ingest(make_scan(tmp_path / "4", "2025-04-30", [f]))
    assert back.counts()["changed"] == 1 and not reg.cases()["cleared_by_data"].iloc[0]


# ------------------------------------------------------------------------------------------ rules
# The moves of shared/spec/register.md, written out independently of fiscalrisk.register.rules
SPEC_MOVES = {
    ("open", "dispatch"): "dispatched", ("dispatched", "respond"): "responded",
    ("dispatched", "confirm"): "confirmed", ("responded", "confirm"): "confirmed",
    ("open", "dismiss"): "dismissed", ("dispatched", "dismiss"): "dismissed", ("responded", "dismiss"): "dismissed",
    ("confirmed", "plan"): "rectifying", ("confirmed", "rectify"): "rectified", ("rectifying", "rectify"): "rectified",
    ("rectified", "close"): "closed",
}
SPEC_ROLES = {"dispatch": {"supervisor"}, "respond": {"unit"}, "confirm": {"supervisor"}, "dismiss": {"supervisor"},
              "plan": {"unit", "supervisor"}, "rectify": {"unit"}, "close": {"supervisor"}}
STATES = ("open", "exempt", "dispatched", "responded", "confirmed", "dismissed", "rectifying", "rectified", "closed")


@pytest.mark.parametrize(("state", "action", "role"),
                         list(itertools.product(STATES, sorted(SPEC_ROLES), ("unit", "supervisor"))))
def test_every_move_follows_the_spec(state: str, action: str, role: str) -> None:
    kwargs = {"reason": "legitimate" if action == "dismiss" else None, "due": D(2025, 6, 30)}
    allowed = (state, action) in SPEC_MOVES and role in SPEC_ROLES[action]
    if allowed:
        assert check_move(7, state, action, role, **kwargs) == SPEC_MOVES[(state, action)]
    else:
        with pytest.raises(MoveError, match="case 7|not a"):
            check_move(7, state, action, role, **kwargs)


def test_a_cleared_case_closes_in_one_step_but_only_then() -> None:
    assert check_move(1, "dispatched", "close", "supervisor", cleared_by_data=True) == "closed"
    with pytest.raises(MoveError, match="allowed: respond, confirm, dismiss"):
        check_move(1, "dispatched", "close", "supervisor")
    with pytest.raises(MoveError):
        check_move(1, "dismissed", "close", "supervisor", cleared_by_data=True)


def test_dismiss_needs_a_reason_and_plan_a_due_date() -> None:
    with pytest.raises(MoveError, match="data_error, legitimate, duplicate, other"):
        check_move(1, "open", "dismiss", "supervisor", reason="because")
    with pytest.raises(MoveError, match="--due"):
        check_move(1, "confirmed", "plan", "unit")


def test_who_may_act_on_a_case(reg: Register, tmp_path: Path) -> None:
    reg.ingest(make_scan(tmp_path / "s", "2025-01-31", [finding("PAY07", "U1", "P1", "2025-01", 1.0),
                                                       finding("PAY07", "U3", "P3", "2025-01", 1.0)]))
    reg.add_user("county", "supervisor", region="330521", by="wang")
    reg.add_user("u1", "unit", unit="U1", by="county")
    reg.add_user("u3", "unit", unit="U3", by="wang")
    reg.add_user("audit", "auditor", by="wang")
    case1 = _case(reg, finding("PAY07", "U1", "P1", "2025-01", 1.0)["finding_id"])["case_id"]
    case3 = _case(reg, finding("PAY07", "U3", "P3", "2025-01", 1.0)["finding_id"])["case_id"]
    with pytest.raises(RegisterError, match="outside it"):
        reg.act(case3, "dispatch", user="county")                       # 330522 is not under 330521
    reg.act(case1, "dispatch", user="county", today="2025-02-03")      # the township's county may
    with pytest.raises(RegisterError, match="belongs to U1"):
        reg.act(case1, "respond", user="u3")
    with pytest.raises(RegisterError, match="auditor"):
        reg.act(case1, "confirm", user="audit")
    with pytest.raises(RegisterError, match="no such user"):
        reg.act(case1, "confirm", user="ghost")
    with pytest.raises(RegisterError, match="no such case"):
        reg.act(999, "confirm", user="wang")
    with pytest.raises(RegisterError, match="YYYY-MM-DD"):
        reg.act(case1, "confirm", user="wang", today="03/02/2025")
    with pytest.raises(RegisterError, match="may not add users"):
        reg.add_user("x", "unit", unit="U3", by="county")
    reg.act(case1, "respond", user="u1", today="2025-02-05")
    assert _case(reg, finding("PAY07", "U1", "P1", "2025-01", 1.0)["finding_id"])["state"] == "responded"


def test_deadlines_and_escalation_up_the_tree(reg: Register, tmp_path: Path) -> None:
    township = finding("PAY07", "U1", "P1", "2025-01", 1.0)                     # alert, township 330521102
    county = finding("BUD01", "U2", "U2", "2025", 0.1, level="warning")         # warning, county 330521
    reg.ingest(make_scan(tmp_path / "s", "2025-01-31", [township, county]))
    first, second = (_case(reg, f["finding_id"])["case_id"] for f in (township, county))
    alert = reg.act(first, "dispatch", user="wang", today="2025-02-03")
    warning = reg.act(second, "dispatch", user="wang", today="2025-02-03")
    assert alert["due_on"] == D(2025, 2, 18) and warning["due_on"] == D(2025, 3, 5)   # 15 and 30 days

    def row(today: str, which: str = "township") -> tuple[bool, str]:
        r = reg.cases(today=today).set_index("case_id").loc[first if which == "township" else second]
        return bool(r["overdue"]), r["escalated_to"]

    assert row("2025-02-18") == (False, "")           # the deadline day itself is on time
    assert row("2025-02-19") == (True, "")            # overdue, still at its own level
    assert row("2025-03-04") == (True, "")            # 14 days late
    assert row("2025-03-05") == (True, "330521")      # one further period: the county
    assert row("2025-03-20") == (True, "330500")      # two: the city
    assert row("2026-01-01") == (True, "330500")      # the root is as high as it goes
    assert row("2025-04-04", "county") == (True, "330500")   # the county's own case: 30 days late → city
    assert row("2025-04-03", "county") == (True, "")         # 29 days late: still the county's
    overdue = reg.cases(today="2025-02-19", overdue=True)
    assert list(overdue["case_id"]) == [first]
    reg.act(first, "confirm", user="wang", today="2025-02-20")
    assert row("2025-03-20") == (False, "")            # answered: no longer waiting, no longer escalated
    assert list(reg.cases(region="330522")["case_id"]) == []
    assert sorted(reg.cases(region="330521")["case_id"]) == sorted([first, second])


def test_exemptions_cover_matching_findings_until_they_expire(reg: Register, tmp_path: Path) -> None:
    reg.ingest(make_scan(tmp_path / "0", "2025-01-31", []))
    reg.exempt("PAY06", subject="P9", until="2025-03-31", reason="批准的分期支付", user="wang")
    f = finding("PAY06", "U1", "P9", "2025-02", 200_000.0)
    g = finding("PAY06", "U1", "P8", "2025-02", 200_000.0)
    first = reg.ingest(make_scan(tmp_path / "1", "2025-02-28", [f, g]), today="2025-03-03")
    assert first.counts()["exempt"] == 1 and first.counts()["new"] == 1
    assert _case(reg, f["finding_id"])["state"] == "exempt"
    with pytest.raises(MoveError, match="exempt"):
        reg.act(_case(reg, f["finding_id"])["case_id"], "dispatch", user="wang")
    later = reg.ingest(make_scan(tmp_path / "2", "2025-03-31", [f, g]), today="2025-04-03")
    assert later.counts()["changed"] == 1 and _case(reg, f["finding_id"])["state"] == "open"
    with pytest.raises(RegisterError, match="supervisor"):
        reg.add_user("u", "unit", unit="U1", by="wang") or reg.exempt("PAY06", unit="U1", until="2026-01-01",
                                                                       reason="x", user="u")


# ------------------------------------------------------------------------------------------ audit trail
def test_audit_names_the_first_edited_deleted_or_inserted_event(reg: Register, tmp_path: Path) -> None:
    reg.ingest(make_scan(tmp_path / "s", "2025-01-31", [finding("PAY07", "U1", f"P{i}", "2025-01", 1.0)
                                                       for i in range(4)]))
    reg.act(1, "dispatch", user="wang", today="2025-02-03")
    assert reg.audit().intact and reg.audit().events == 1 + 4 + 1 + 1   # user, 4 creates, ingest, dispatch
    pg = reg.engine.dialect.name == "postgresql"
    with reg.engine.begin() as conn:
        if pg:  # the trigger refuses it first; a superuser must switch the trigger off to tamper
            with pytest.raises(Exception, match="append-only"):
                with conn.begin_nested():
                    conn.execute(text("UPDATE events SET note = 'x' WHERE seq = 3"))
            conn.execute(text("ALTER TABLE events DISABLE TRIGGER USER"))
        conn.execute(text("UPDATE events SET note = 'edited' WHERE seq = 3"))
    bad = reg.audit()
    assert not bad.intact and bad.first_bad == 3 and "edited" in bad.problem
    with reg.engine.begin() as conn:
        conn.execute(text("UPDATE events SET note = '' WHERE seq = 3"))
    assert reg.audit().intact
    with reg.engine.begin() as conn:
        conn.execute(text("DELETE FROM events WHERE seq = 4"))
    bad = reg.audit()
    assert not bad.intact and bad.first_bad == 4 and "deleted" in bad.problem
    with reg.engine.begin() as conn:
        conn.execute(text("DELETE FROM events WHERE seq = 7"))
    with reg.engine.begin() as conn:
        conn.execute(text("INSERT INTO events SELECT 4, case_id, at, user_name, 'forged', from_state, to_state, "
                          "note, payload, prev_hash, hash FROM events WHERE seq = 5"))
    bad = reg.audit()
    assert not bad.intact and bad.first_bad == 4


def test_audit_detects_events_deleted_at_the_end(reg: Register, tmp_path: Path) -> None:
    reg.ingest(make_scan(tmp_path / "s", "2025-01-31", [finding("PAY07", "U1", "P1", "2025-01", 1.0)]))
    with reg.engine.begin() as conn:
        if reg.engine.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE events DISABLE TRIGGER USER"))
        last = conn.execute(text("SELECT max(seq) FROM events")).scalar_one()
        conn.execute(text("DELETE FROM events WHERE seq = :s"), {"s": last})
    bad = reg.audit()
    assert not bad.intact and bad.first_bad == last and "deleted" in bad.problem


def test_a_stale_version_is_a_conflict_naming_who_changed_the_case(reg: Register, tmp_path: Path) -> None:
    reg.ingest(make_scan(tmp_path / "s", "2025-01-31", [finding("PAY07", "U1", "P1", "2025-01", 1.0)]))
    seen = reg.cases()["version"].iloc[0]
    reg.act(1, "dispatch", user="wang", today="2025-02-03", expect_version=int(seen))
    before = reg.audit().events
    with pytest.raises(ConflictError, match=r"changed since.*wang \(dispatch\)"):
        reg.act(1, "dismiss", user="wang", reason="other", expect_version=int(seen))
    assert reg.audit().events == before and reg.cases()["state"].iloc[0] == "dispatched"


def test_regions_of_the_sample_stay_a_tree() -> None:
    assert [r for r in REGIONS if not r["parent_code"]] == [REGIONS[0]]


def test_an_older_register_is_migrated_with_its_data(db_url: str) -> None:
    from alembic import command

    reg = Register(db_url)
    cfg = regdb._alembic_config()
    with reg.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
        conn.execute(text("INSERT INTO regions VALUES ('330500', NULL, 'city'), ('330521', '330500', 'county')"))
        conn.execute(text("INSERT INTO users VALUES ('wang', 'supervisor', NULL, '330500', '2025-01-01')"))
    fresh = Register(db_url)
    with pytest.raises(RegisterError, match="revision 0001.*register init"):
        fresh.cases()
    assert fresh.init() == regdb.head_revision()
    assert list(fresh.users()["name"]) == ["wang"]
    with fresh.engine.connect() as conn:
        paths = set(conn.execute(text("SELECT ancestor, descendant, depth FROM region_paths")).all())
    assert paths == {("330500", "330500", 0), ("330521", "330521", 0), ("330500", "330521", 1)}
    reg.engine.dispose()
    fresh.engine.dispose()


def test_show_for_a_user_refuses_alike_outside_their_scope_and_unknown(reg: Register, tmp_path: Path) -> None:
    mine, other = finding("PAY07", "U1", "P1", "2025-01", 1.0), finding("PAY07", "U3", "P3", "2025-01", 1.0)
    reg.ingest(make_scan(tmp_path / "s", "2025-01-31", [mine, other]))
    reg.add_user("county", "supervisor", region="330521", by="wang")
    own, foreign = _case(reg, mine["finding_id"])["case_id"], _case(reg, other["finding_id"])["case_id"]
    assert reg.show(own, user="county")[0]["subject_id"] == "P1"
    messages = set()
    for cid in (foreign, 999):
        with pytest.raises(RegisterError) as info:
            reg.show(cid, user="county")
        messages.add(str(info.value).split(":", 1)[1])
    assert messages == {" not a case of yours"}
    assert reg.moves_for("county", foreign) == reg.moves_for("county", 999) == []
    assert reg.moves_for("county", own) == ["dispatch", "dismiss"]
    assert list(reg.cases(level="alert", indicator="PAY07")["case_id"]) == sorted([own, foreign])
    assert reg.cases(indicator="BUD01").empty


def test_a_conflict_carries_its_facts(reg: Register, tmp_path: Path) -> None:
    reg.ingest(make_scan(tmp_path / "s", "2025-01-31", [finding("PAY07", "U1", "P1", "2025-01", 1.0)]))
    reg.act(1, "dispatch", user="wang", today="2025-02-03")
    with pytest.raises(ConflictError) as info:
        reg.act(1, "confirm", user="wang", expect_version=1)
    e = info.value
    assert (e.case_id, e.seen_version, e.version, e.state, e.by, e.action) == (1, 1, 2, "dispatched", "wang", "dispatch")
    assert e.at.startswith("20")
