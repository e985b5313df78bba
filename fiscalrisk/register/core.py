"""The alert register: every finding followed from warning to closure (``shared/spec/register.md``).

:class:`Register` is the one API the command line (and the exchange workbooks, and any app) calls; the
rules of the loop live in :mod:`fiscalrisk.register.rules`. Every change is one database transaction
that also appends its events to the hash-chained audit trail::

    reg = Register("sqlite:///fiscalrisk.db")          # or postgresql+psycopg://...
    reg.init()                                         # create or migrate (idempotent)
    reg.add_user("wang", "supervisor", region="330500")
    reg.ingest("out/scan", today=date(2026, 7, 3))     # merge a scan: new / changed / reopened / cleared
    reg.act(17, "dispatch", user="wang")               # 下发, deadline by level
    reg.cases(region="330521", overdue=True)           # the working list
    reg.audit()                                        # verify the chain

Dates ("today") can always be given, so that a run can be reproduced.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import json
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Connection, bindparam, func, inspect, select

from fiscalrisk.errors import UserError

from . import db, rules

__all__ = ["Register", "RegisterError", "ConflictError", "Action", "IngestResult", "AuditResult", "GENESIS"]

GENESIS = "0" * 64
_USER_NAME_MAX = 64


class RegisterError(UserError):
    """A request the register refuses (unknown case or user, a move not allowed, out of scope, bad scan)."""


class ConflictError(RegisterError):
    """The case changed since it was read (another user acted on it first); nothing was applied.

    ``case_id``, ``seen_version`` (what the user saw), ``version`` and ``state`` (now), and who changed it
    last: ``by``, ``action``, ``at`` (UTC, ISO 8601).
    """

    def __init__(self, message: str, **facts: Any) -> None:
        super().__init__(message)
        self.case_id: int | None = facts.get("case_id")
        self.seen_version: int | None = facts.get("seen_version")
        self.version: int | None = facts.get("version")
        self.state: str | None = facts.get("state")
        self.by: str | None = facts.get("by")
        self.action: str | None = facts.get("action")
        self.at: str | None = facts.get("at")


@dataclass(frozen=True)
class IngestResult:
    """What merging one scan did (counts of cases)."""

    scan_id: str
    as_of: dt.date
    findings: int
    new: int = 0
    unchanged: int = 0
    changed: int = 0
    reopened: int = 0
    cleared_by_data: int = 0
    exempt: int = 0
    already_ingested: bool = False

    def counts(self) -> dict[str, int]:
        return {k: getattr(self, k) for k in ("new", "unchanged", "changed", "reopened", "cleared_by_data", "exempt")}


@dataclass(frozen=True)
class Action:
    """One move asked of the register (see :meth:`Register.act`); ``extra`` goes into the event's payload."""

    case_id: int | str
    action: str
    note: str = ""
    reason: str | None = None
    amount: float | str | None = None
    due: dt.date | str | None = None
    expect_version: int | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AuditResult:
    """The verdict of :meth:`Register.audit`: ``intact``, or the first event that was tampered with."""

    intact: bool
    events: int
    first_bad: int | None = None
    problem: str = ""


@functools.lru_cache(maxsize=1)
def _dummy_hash() -> str:
    from argon2 import PasswordHasher

    return PasswordHasher().hash("not a password of anyone")


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def _canonical(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def event_hash(prev_hash: str, row: Mapping[str, Any]) -> str:
    """``sha256(prev_hash + canonical JSON of the event)`` (spec: audit trail)."""
    body = _canonical([row["seq"], row["case_id"], row["at"], row["user_name"], row["action"],
                       row["from_state"], row["to_state"], row["note"], row["payload"]])
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


def _date(value: Any, what: str) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise RegisterError(f"{what}: expected a date written YYYY-MM-DD; got {str(value)[:40]!r}") from None


def _number(value: Any) -> float | None:
    if value is None:
        return None
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) else v


class _Trail:
    """Events appended in one transaction, chained from the locked head of the audit trail."""

    def __init__(self, conn: Connection) -> None:
        head = conn.execute(select(db.chain).where(db.chain.c.id == 1).with_for_update()).one()
        self.conn, self.seq, self.hash = conn, int(head.seq), str(head.hash)
        self.rows: list[dict[str, Any]] = []

    def add(self, case_id: int | None, user: str, action: str, from_state: str | None, to_state: str | None,
            note: str = "", payload: Mapping[str, Any] | None = None) -> None:
        self.seq += 1
        row = {"seq": self.seq, "case_id": case_id, "at": _now(), "user_name": user, "action": action,
               "from_state": from_state, "to_state": to_state, "note": note or "",
               "payload": _canonical(dict(payload or {}))}
        row["prev_hash"] = self.hash
        row["hash"] = self.hash = event_hash(self.hash, row)
        self.rows.append(row)

    def flush(self) -> None:
        if self.rows:
            self.conn.execute(db.events.insert(), self.rows)
            self.conn.execute(db.chain.update().where(db.chain.c.id == 1).values(seq=self.seq, hash=self.hash))
            self.rows = []


# ------------------------------------------------------------------------------------------ scans
@dataclass
class _Scan:
    scan_id: str
    as_of: dt.date
    findings: pd.DataFrame
    assessed: set[tuple[str, str]]
    regions: list[dict[str, str]]
    units: dict[str, str]


def _read_scan(scan_dir: str | Any) -> _Scan:
    """A complete, unaltered scan directory, or :class:`RegisterError` saying what is wrong with it."""
    from fiscalrisk.cells import read_csv
    from fiscalrisk.scan import OUTPUT_FILES, ScanDirError, read_findings, scan_file_names

    d = Path(scan_dir)
    if not d.is_dir():
        raise RegisterError(f"{d}: not a scan directory (it does not exist)")
    missing = [n for n in OUTPUT_FILES if not (d / n).is_file()]
    if missing:
        raise RegisterError(f"{d}: an incomplete scan directory ({', '.join(missing)} missing); scan again")
    try:
        manifest = json.loads((d / "manifest.json").read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise RegisterError(f"{d / 'manifest.json'}: not readable JSON ({exc})") from None
    files = manifest.get("files") if isinstance(manifest, dict) else None
    if manifest.get("package") != "fiscalrisk" or not isinstance(files, dict):
        raise RegisterError(f"{d}: manifest.json is not the manifest of a fiscalrisk scan")
    try:
        listed = set(scan_file_names(manifest))  # names a scan writes, never a path out of the directory
    except ScanDirError as exc:
        raise RegisterError(f"{d}: {exc}; scan again") from None
    for name, sha in sorted(files.items()):
        path = d / str(name)
        if str(name) not in listed or not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != sha:
            raise RegisterError(f"{path}: does not match the scan's manifest.json (the scan directory was "
                                "changed after it was written, or is incomplete); scan again")
    regions = manifest.get("regions")
    if not regions:
        raise RegisterError(f"{d}: manifest.json holds no region tree (a scan of an older fiscalrisk); scan again")
    as_of = _date(manifest.get("as_of"), f"{d / 'manifest.json'} as_of")
    findings = read_findings(d / "findings.parquet")
    findings = findings.loc[findings["level"].astype("str").isin(["warning", "alert"])]
    assessed = read_csv(d / "assessed.csv", dtype="str", keep_default_na=False)
    done = assessed.loc[assessed["status"] == "assessed", ["indicator", "region_code"]]
    scores = read_csv(d / "scores.csv", dtype="str", keep_default_na=False)
    unit_rows = scores.loc[scores["subject_type"] == "unit", ["subject_id", "region_code"]]
    scan_id = hashlib.sha256(_canonical([files.get("findings.csv"), files.get("assessed.csv"),
                                         str(as_of)]).encode()).hexdigest()
    return _Scan(scan_id=scan_id, as_of=as_of, findings=findings.sort_values("finding_id").reset_index(drop=True),
                 assessed=set(zip(done["indicator"], done["region_code"], strict=True)),
                 regions=[{k: str(r.get(k) or "") for k in ("region_code", "parent_code", "level")} for r in regions],
                 units=dict(zip(unit_rows["subject_id"], unit_rows["region_code"], strict=True)))


def _finding_fields(f: Mapping[str, Any]) -> dict[str, Any]:
    """The case columns that mirror the latest finding row, with the evidence fingerprint."""
    try:
        evidence = _canonical(json.loads(f["evidence"])) if str(f["evidence"] or "").strip() else "{}"
    except ValueError:
        evidence = _canonical(str(f["evidence"]))
    value = _number(f["value"])
    fingerprint = hashlib.sha256(f"{evidence}|{'' if value is None else repr(round(value, 6))}".encode()).hexdigest()
    unit = str(f["unit_code"] or "").strip()
    return {"indicator": str(f["indicator"]), "module": str(f["module"]), "level": str(f["level"]),
            "region_code": str(f["region_code"]), "unit_code": unit or None,
            "subject_type": str(f["subject_type"]), "subject_id": str(f["subject_id"]),
            "period": str(f["period"]), "value": value, "threshold": _number(f["threshold"]),
            "message_zh": str(f["message_zh"]), "message_en": str(f["message_en"]), "evidence": evidence,
            "fingerprint": fingerprint, "rules_version": _rules_version(f)}


def _rules_version(f: Mapping[str, Any]) -> str:
    """The rules version a finding was judged by (a scan written before versions: the params files)."""
    from fiscalrisk.ruleset import UNPUBLISHED

    value = str(f.get("rules_version") or "").strip()
    return value[:32] if value and value.lower() != "nan" else UNPUBLISHED


# --------------------------------------------------------------------------------------- register
@dataclass
class Register:
    """The register in the database at ``url`` (``--db``; default ``$FISCALRISK_DB`` or ./fiscalrisk.db).

    ``deadline_days``: answer deadlines by level (default: params ``register.deadline_days``).
    """

    url: str | None = None
    deadline_days: Mapping[str, int] | None = None
    engine: Any = field(init=False, repr=False)
    _schema_ok: bool = field(default=False, init=False, repr=False)

    def __post_init__(self) -> None:
        self.url = db.database_url(self.url)
        self.engine = db.connect(self.url)
        if self.deadline_days is None:
            from fiscalrisk.params import resolve

            self.deadline_days = dict(resolve().get("register.deadline_days"))

    # -- schema and users --------------------------------------------------------------------------
    def init(self) -> str:
        """Create or migrate the schema (idempotent); returns the schema revision."""
        return db.migrate(self.engine)

    def _check_schema(self) -> None:
        if self._schema_ok:
            return
        if not inspect(self.engine).has_table("chain"):
            raise RegisterError(f"{self._where()}: no register here yet; run `fiscalrisk register init` first")
        current, head = db.current_revision(self.engine), db.head_revision()
        if current != head:
            raise RegisterError(f"{self._where()}: the register's schema is at revision {current}, this fiscalrisk "
                                f"needs {head}; run `fiscalrisk register init` to migrate it")
        self._schema_ok = True

    def _where(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def add_user(self, name: str, role: str, *, unit: str | None = None, region: str | None = None,
                 by: str | None = None) -> None:
        """Add a user (``unit`` officer of one unit, ``supervisor`` of a region, read-only ``auditor``).

        The first user needs no ``by``; after that a supervisor whose region holds the new user's place.
        """
        self._check_schema()
        name = str(name)
        if not name or len(name) > _USER_NAME_MAX or any(c.isspace() or c in "/\\" for c in name):
            raise RegisterError(f"user name {name[:80]!r}: expected 1–64 characters without spaces or slashes")
        if role not in rules.ROLES:
            raise RegisterError(f"--role: expected one of {', '.join(rules.ROLES)}; got {role!r}")
        if role == "unit" and (not unit or region):
            raise RegisterError("a unit officer needs --unit CODE (and no --region)")
        if role == "supervisor" and (not region or unit):
            raise RegisterError("a supervisor needs --region CODE (and no --unit)")
        if role == "auditor" and unit:
            raise RegisterError("an auditor reads everywhere: give no --unit")
        with self.engine.begin() as conn:
            trail = _Trail(conn)
            tree = _Tree.load(conn)
            known_units = dict(conn.execute(select(db.units.c.unit_code, db.units.c.region_code)).all())
            if unit and known_units and unit not in known_units:
                raise RegisterError(f"--unit {unit!r}: no such unit in the scans ingested so far")
            if region and tree.parent and region not in tree.parent:
                raise RegisterError(f"--region {region!r}: no such region in the scans ingested so far")
            if conn.execute(select(db.users.c.name).where(db.users.c.name == name)).first():
                raise RegisterError(f"user {name!r} exists already")
            has_users = conn.execute(select(func.count()).select_from(db.users)).scalar_one() > 0
            if has_users:
                admin = self._user(conn, by, "--user")
                if admin["role"] != "supervisor" or not _may_place(admin, tree, region or known_units.get(unit or "")):
                    raise RegisterError(f"user {by!r} may not add users there: it takes a supervisor of a region "
                                        "that holds the new user's unit or region (the root region for an auditor)")
            conn.execute(db.users.insert().values(name=name, role=role, unit_code=unit, region_code=region,
                                                  created_at=_now()))
            trail.add(None, by or name, "user_add", None, None, "",
                      {"name": name, "role": role, "unit_code": unit, "region_code": region})
            trail.flush()

    def _user(self, conn: Connection, name: str | None, flag: str = "--user") -> dict[str, Any]:
        if not name:
            raise RegisterError(f"{flag} NAME is required: who is acting")
        row = conn.execute(select(db.users).where(db.users.c.name == name)).mappings().first()
        if row is None:
            raise RegisterError(f"{flag} {name!r}: no such user in the register (fiscalrisk register user add)")
        return dict(row)

    def users(self) -> pd.DataFrame:
        """The users (name, role, unit_code, region_code, created_at; never the password hash)."""
        self._check_schema()
        shown = [c for c in db.users.columns if c.name != "password_hash"]
        with self.engine.connect() as conn:
            return pd.DataFrame(conn.execute(select(*shown).order_by(db.users.c.name)).mappings().all(),
                                columns=[c.name for c in shown])

    def set_password(self, name: str, password: str, *, by: str | None = None) -> None:
        """Set a user's password (stored as a salted argon2id hash). ``by``: the user themselves (default)
        or a supervisor whose region holds the user's place."""
        from argon2 import PasswordHasher

        self._check_schema()
        if len(password or "") < 8:
            raise RegisterError("a password needs at least 8 characters")
        with self.engine.begin() as conn:
            trail = _Trail(conn)
            target = self._user(conn, name, "user")
            if by and by != name:
                admin = self._user(conn, by, "--user")
                place = target["region_code"] or conn.execute(
                    select(db.units.c.region_code).where(db.units.c.unit_code == target["unit_code"])).scalar()
                if admin["role"] != "supervisor" or not _may_place(admin, _Tree.load(conn), place):
                    raise RegisterError(f"user {by!r} may not set {name!r}'s password")
            conn.execute(db.users.update().where(db.users.c.name == name)
                         .values(password_hash=PasswordHasher().hash(password)))
            trail.add(None, by or name, "password_set", None, None, "", {"name": name})
            trail.flush()

    def sign_in(self, name: str, password: str) -> dict[str, Any]:
        """The user (without the hash) if ``password`` is theirs; :class:`RegisterError` otherwise (the
        same message for an unknown user and a wrong password)."""
        from argon2 import PasswordHasher
        from argon2.exceptions import InvalidHashError, VerificationError

        self._check_schema()
        with self.engine.connect() as conn:
            row = conn.execute(select(db.users).where(db.users.c.name == str(name))).mappings().first()
        refused = RegisterError("wrong user name or password")
        hasher = PasswordHasher()
        if row is None or not row["password_hash"]:
            # the same work as for a real user, so the answer's timing does not tell which names exist
            with contextlib.suppress(VerificationError, InvalidHashError):
                hasher.verify(_dummy_hash(), str(password))
            raise refused
        try:
            hasher.verify(row["password_hash"], str(password))
        except (VerificationError, InvalidHashError):
            raise refused from None
        return {k: v for k, v in row.items() if k != "password_hash"}

    # -- ingest -------------------------------------------------------------------------------------
    def ingest(self, scan_dir: str | Any, *, today: dt.date | str | None = None, user: str = "system",
               progress: Callable[[int, int], None] | None = None) -> IngestResult:
        """Merge a scan directory into the register, in one transaction (spec: case, no longer triggered).

        A finding seen for the first time opens a case (or an exempt one); the same finding again is
        unchanged, or changed when its evidence fingerprint differs; a dismissed or closed case whose
        finding returns with different evidence is reopened (复发); a case whose indicator was assessed
        for its region and that the scan no longer finds is cleared by data (数据已消除). Ingesting the
        same scan twice changes nothing.
        """
        self._check_schema()
        today = _date(today, "--today") or dt.date.today()
        scan = _read_scan(scan_dir)
        result = IngestResult(scan_id=scan.scan_id, as_of=scan.as_of, findings=len(scan.findings))
        with self.engine.begin() as conn:
            trail = _Trail(conn)
            if conn.execute(select(db.scans.c.scan_id).where(db.scans.c.scan_id == scan.scan_id)).first():
                return IngestResult(scan.scan_id, scan.as_of, len(scan.findings), unchanged=len(scan.findings),
                                    already_ingested=True)
            last = conn.execute(select(func.max(db.scans.c.as_of))).scalar_one()
            if last is not None and scan.as_of < last:
                raise RegisterError(f"{scan_dir}: a scan as of {scan.as_of} is older than the last one ingested "
                                    f"(as of {last}); ingest scans in date order")
            self._merge_tree(conn, scan, scan_dir)
            counts = self._merge_findings(conn, trail, scan, today, user, progress)
            result = IngestResult(scan.scan_id, scan.as_of, len(scan.findings), **counts)
            conn.execute(db.scans.insert().values(scan_id=scan.scan_id, as_of=scan.as_of, ingested_at=_now(),
                                                  counts=_canonical(result.counts())))
            trail.add(None, user, "ingest", None, None, str(scan_dir)[:200],
                      {"scan_id": scan.scan_id, "as_of": str(scan.as_of), **result.counts()})
            trail.flush()
        return result

    def _merge_tree(self, conn: Connection, scan: _Scan, scan_dir: Any) -> None:
        stored = _Tree.load(conn)
        scan_roots = sorted(r["region_code"] for r in scan.regions if not r["parent_code"])
        if stored.parent and sorted(stored.roots()) != scan_roots:
            raise RegisterError(f"{scan_dir}: a scan of another data set (its region tree's root is "
                                f"{', '.join(scan_roots)}; the register's is {', '.join(stored.roots())})")
        for r in scan.regions:
            row = {"parent_code": r["parent_code"] or None, "level": r["level"]}
            if r["region_code"] in stored.parent:
                if stored.parent[r["region_code"]] != row["parent_code"] or stored.level[r["region_code"]] != r["level"]:
                    conn.execute(db.regions.update().where(db.regions.c.region_code == r["region_code"]).values(**row))
            else:
                conn.execute(db.regions.insert().values(region_code=r["region_code"], **row))
        tree = _Tree.load(conn)
        conn.execute(db.region_paths.delete())
        conn.execute(db.region_paths.insert(), [
            {"ancestor": a, "descendant": code, "depth": depth}
            for code in sorted(tree.parent) for depth, a in enumerate(tree.ancestors_or_self(code))])
        known = dict(conn.execute(select(db.units.c.unit_code, db.units.c.region_code)).all())
        new_units = [{"unit_code": u, "region_code": r} for u, r in sorted(scan.units.items()) if u not in known]
        if new_units:
            conn.execute(db.units.insert(), new_units)
        for u, r in sorted(scan.units.items()):
            if u in known and known[u] != r:
                conn.execute(db.units.update().where(db.units.c.unit_code == u).values(region_code=r))

    def _merge_findings(self, conn: Connection, trail: _Trail, scan: _Scan, today: dt.date, user: str,
                        progress: Callable[[int, int], None] | None) -> dict[str, int]:
        counts = dict.fromkeys(("new", "unchanged", "changed", "reopened", "cleared_by_data", "exempt"), 0)
        existing = {r["finding_id"]: dict(r) for r in conn.execute(select(db.cases)).mappings()}
        next_id = max((c["case_id"] for c in existing.values()), default=0) + 1
        exemptions = [dict(r) for r in conn.execute(select(db.exemptions).where(db.exemptions.c.until >= today))
                      .mappings()]

        def exemption(f: Mapping[str, Any]) -> int | None:
            for e in exemptions:
                if e["indicator"] == f["indicator"] and (
                        (e["subject_id"] is not None and e["subject_id"] == f["subject_id"])
                        or (e["unit_code"] is not None and e["unit_code"] == f["unit_code"])):
                    return int(e["exemption_id"])
            return None

        total, step = len(scan.findings), max(1, len(scan.findings) // 10)
        seen: set[str] = set()
        inserts: list[dict[str, Any]] = []
        updates: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for i, f in enumerate(scan.findings.to_dict("records")):
            if progress is not None and i and i % step == 0:
                progress(i, total)
            fid = str(f["finding_id"])
            seen.add(fid)
            fields = _finding_fields(f)
            ex = exemption(fields)
            case = existing.get(fid)
            if case is None:
                state = "exempt" if ex is not None else "open"
                row = {"case_id": next_id, "finding_id": fid, **fields, "state": state, "round": 1, "reopened": 0,
                       "cleared_by_data": False, "cleared_scan": None, "dispatched_on": None, "due_on": None,
                       "response": None, "dismiss_reason": None, "rectified_amount": None,
                       "confirmed_on": None, "dismissed_on": None, "closed_on": None,
                       "first_seen": scan.as_of, "last_seen": scan.as_of, "version": 1}
                inserts.append(row)
                trail.add(next_id, user, "create", None, state, "",
                          {"finding_id": fid, "scan_id": scan.scan_id, "fingerprint": fields["fingerprint"],
                           **({"exemption_id": ex} if ex is not None else {})})
                counts["exempt" if ex is not None else "new"] += 1
                next_id += 1
                continue
            cid, state = int(case["case_id"]), str(case["state"])
            # the version of the latest finding row, whatever else changed
            changes: dict[str, Any] = {"last_seen": scan.as_of, "rules_version": fields["rules_version"]}
            kind = "unchanged"
            if state in rules.FINAL:
                if fields["fingerprint"] != case["fingerprint"]:
                    new_state = "exempt" if ex is not None else "open"
                    changes.update(fields, state=new_state, round=case["round"] + 1, reopened=case["reopened"] + 1,
                                   cleared_by_data=False, cleared_scan=None, dispatched_on=None, due_on=None,
                                   response=None, dismiss_reason=None, rectified_amount=None,
                                   confirmed_on=None, dismissed_on=None, closed_on=None)
                    trail.add(cid, user, "reopen", state, new_state, "the finding came back with different evidence",
                              {"scan_id": scan.scan_id, "fingerprint": fields["fingerprint"],
                               "previous_fingerprint": case["fingerprint"]})
                    kind = "reopened"
            else:
                if case["cleared_by_data"]:
                    changes.update(cleared_by_data=False, cleared_scan=None)
                    trail.add(cid, user, "triggered_again", state, state, "the data triggers the finding again",
                              {"scan_id": scan.scan_id})
                    kind = "changed"
                if fields["fingerprint"] != case["fingerprint"]:
                    changes.update(fields)
                    trail.add(cid, user, "evidence_changed", state, state, "",
                              {"scan_id": scan.scan_id, "fingerprint": fields["fingerprint"],
                               "previous_fingerprint": case["fingerprint"], "value": fields["value"],
                               "previous_value": case["value"], "level": fields["level"]})
                    kind = "changed"
                if state == "exempt" and ex is None:
                    changes["state"] = "open"
                    trail.add(cid, user, "exemption_expired", "exempt", "open", "", {"scan_id": scan.scan_id})
                    kind = "changed"
                elif state == "open" and ex is not None:
                    changes["state"] = "exempt"
                    trail.add(cid, user, "exempted", "open", "exempt", "", {"exemption_id": ex})
                    kind = "exempt"
            if kind != "unchanged":
                changes["version"] = case["version"] + 1
            updates.setdefault(tuple(sorted(changes)), []).append({"_case_id": cid, **changes})
            counts[kind] += 1
        for fid, case in sorted(existing.items()):
            if fid in seen or case["state"] in rules.FINAL or case["cleared_by_data"]:
                continue
            if (case["indicator"], case["region_code"]) in scan.assessed:
                changes = {"cleared_by_data": True, "cleared_scan": scan.scan_id, "version": case["version"] + 1}
                updates.setdefault(tuple(sorted(changes)), []).append({"_case_id": case["case_id"], **changes})
                trail.add(int(case["case_id"]), user, "cleared_by_data", case["state"], case["state"],
                          "the indicator was assessed and no longer finds it", {"scan_id": scan.scan_id})
                counts["cleared_by_data"] += 1
        if inserts:
            conn.execute(db.cases.insert(), inserts)
        for keys, rows in updates.items():  # one statement per shape of change, executed for many cases
            stmt = (db.cases.update().where(db.cases.c.case_id == bindparam("_case_id"))
                    .values({k: bindparam(k) for k in keys}))
            conn.execute(stmt, rows)
        if progress is not None:
            progress(total, total)
        return counts

    # -- moves ----------------------------------------------------------------------------------------
    def act(self, case_id: int | str, action: str, *, user: str, today: dt.date | str | None = None,
            note: str = "", reason: str | None = None, amount: float | str | None = None,
            due: dt.date | str | None = None, expect_version: int | None = None) -> dict[str, Any]:
        """Move a case (dispatch, respond, confirm, dismiss, plan, rectify, close) as ``user``.

        ``expect_version`` is the version the user saw (default: the version read now); if the case has
        changed since, :class:`ConflictError` names who changed it and when, and nothing is applied.
        """
        return self.act_many([Action(case_id, action, note, reason, amount, due, expect_version)],
                             user=user, today=today)[0]

    def act_many(self, actions: Iterable[Action], *, user: str,
                 today: dt.date | str | None = None) -> list[dict[str, Any]]:
        """Make several moves as ``user`` in one transaction: all of them, or none (the first refusal
        raises and nothing is applied). Returns the cases after the moves."""
        self._check_schema()
        today = _date(today, "--today") or dt.date.today()
        actions = list(actions)
        with self.engine.connect() as conn:
            actor = self._user(conn, user)
            tree = _Tree.load(conn)
            cases = [self._case(conn, self._case_id(a.case_id)) for a in actions]
            conn.rollback()
        if actor["role"] == "auditor":
            raise RegisterError(f"user {user!r} is an auditor: auditors read, they do not act on cases")
        plans = [self._plan(actor, case, tree, a, today) for a, case in zip(actions, cases, strict=True)]
        with self.engine.begin() as conn:
            trail = _Trail(conn)
            done_ids = []
            for (cid, seen, values, payload), a, case in zip(plans, actions, cases, strict=True):
                done = conn.execute(db.cases.update().where(db.cases.c.case_id == cid)
                                    .where(db.cases.c.version == seen).values(**values))
                if done.rowcount != 1:
                    raise self._conflict(conn, cid, seen)
                trail.add(cid, actor["name"], a.action, case["state"], values["state"], a.note, payload)
                done_ids.append(cid)
            trail.flush()
            return [dict(conn.execute(select(db.cases).where(db.cases.c.case_id == cid)).mappings().one())
                    for cid in done_ids]

    def _plan(self, actor: Mapping[str, Any], case: Mapping[str, Any], tree: _Tree, a: Action,
              today: dt.date) -> tuple[int, int, dict[str, Any], dict[str, Any]]:
        """Check one move against the rules and the actor's scope; the case's new values and the event's payload."""
        cid = int(case["case_id"])
        due = _date(a.due, "--due")
        amount = a.amount
        if amount is not None:
            try:
                amount = float(amount)
            except (TypeError, ValueError):
                raise RegisterError(f"--amount: expected a number; got {str(amount)[:40]!r}") from None
            if not math.isfinite(amount) or amount < 0:
                raise RegisterError(f"--amount: expected a non-negative number; got {amount!r}")
        self._check_scope(actor, case, tree)
        target = rules.check_move(cid, case["state"], a.action, actor["role"],
                                  cleared_by_data=bool(case["cleared_by_data"]), reason=a.reason, due=due)
        seen = int(case["version"]) if a.expect_version is None else int(a.expect_version)
        values: dict[str, Any] = {"state": target, "version": seen + 1}
        payload: dict[str, Any] = {"today": str(today), **a.extra}
        if a.action == "dispatch":
            values["dispatched_on"] = today
            values["due_on"] = due or rules.due_after(today, case["level"], dict(self.deadline_days))
            payload["due_on"] = str(values["due_on"])
        elif a.action == "respond":
            values["response"] = a.reason or "explanation"
            payload["response"] = values["response"]
        elif a.action == "dismiss":
            values["dismiss_reason"] = a.reason
            values["dismissed_on"] = today
            payload["reason"] = a.reason
        elif a.action == "confirm":
            values["confirmed_on"] = today
        elif a.action == "plan":
            values["due_on"] = due
            payload["due_on"] = str(due)
        elif a.action == "close":
            values["closed_on"] = today
            if case["cleared_by_data"] and case["state"] != "rectified":
                payload["cleared_by_data"] = True
        if amount is not None and a.action in ("respond", "rectify"):
            values["rectified_amount"] = amount
            payload["amount"] = amount
        return cid, seen, values, payload

    def _conflict(self, conn: Connection, cid: int, seen: int) -> ConflictError:
        now = conn.execute(select(db.cases.c.state, db.cases.c.version).where(db.cases.c.case_id == cid)).one()
        last = conn.execute(select(db.events).where(db.events.c.case_id == cid)
                            .order_by(db.events.c.seq.desc()).limit(1)).mappings().first()
        who = f"{last['user_name']} ({last['action']}) at {last['at'][:19].replace('T', ' ')} UTC" if last else "someone"
        return ConflictError(
            f"case {cid} changed since you looked at it (version {seen}): {who}; it is now {now.state} "
            f"(version {now.version}). Nothing was applied: look again with `fiscalrisk register show {cid}`",
            case_id=cid, seen_version=seen, version=int(now.version), state=str(now.state),
            by=last["user_name"] if last else None, action=last["action"] if last else None,
            at=last["at"] if last else None)

    def _case_id(self, case_id: int | str) -> int:
        try:
            return int(str(case_id))
        except ValueError:
            raise RegisterError(f"case id {str(case_id)[:40]!r}: expected a number") from None

    def _case(self, conn: Connection, cid: int) -> dict[str, Any]:
        row = conn.execute(select(db.cases).where(db.cases.c.case_id == cid)).mappings().first()
        if row is None:
            raise RegisterError(f"case {cid}: no such case in the register")
        return dict(row)

    @staticmethod
    def _in_scope(actor: Mapping[str, Any], case: Mapping[str, Any], tree: _Tree) -> bool:
        if actor["role"] == "unit":
            return case["unit_code"] == actor["unit_code"]
        return actor["role"] == "supervisor" and tree.contains(actor["region_code"], case["region_code"])

    def _check_scope(self, actor: Mapping[str, Any], case: Mapping[str, Any], tree: _Tree) -> None:
        if actor["role"] == "unit":
            if case["unit_code"] != actor["unit_code"]:
                raise RegisterError(f"user {actor['name']!r} is the officer of unit {actor['unit_code']}; case "
                                    f"{case['case_id']} belongs to {case['unit_code'] or 'region ' + case['region_code']}")
        elif actor["role"] == "supervisor" and not tree.contains(actor["region_code"], case["region_code"]):
            raise RegisterError(f"user {actor['name']!r} supervises region {actor['region_code']}; case "
                                f"{case['case_id']} is in region {case['region_code']}, outside it")

    # -- exemptions ---------------------------------------------------------------------------------
    def exempt(self, indicator: str, *, until: dt.date | str, reason: str, user: str,
               subject: str | None = None, unit: str | None = None) -> int:
        """Approve an exemption (豁免) for an indicator on one subject or one unit until a date."""
        from fiscalrisk.indicators import registry

        self._check_schema()
        until = _date(until, "--until")
        if indicator not in {s.code for s in registry.specs()}:
            raise RegisterError(f"--indicator {indicator[:40]!r}: no such indicator code")
        if (subject is None) == (unit is None):
            raise RegisterError("an exemption names either --subject ID or --unit CODE")
        if not str(reason or "").strip():
            raise RegisterError("an exemption needs --reason TEXT")
        with self.engine.begin() as conn:
            trail = _Trail(conn)
            actor = self._user(conn, user)
            if actor["role"] != "supervisor":
                raise RegisterError(f"user {user!r} is a {actor['role']}: exemptions are approved by a supervisor")
            tree = _Tree.load(conn)
            if unit is not None:
                region = conn.execute(select(db.units.c.region_code).where(db.units.c.unit_code == unit)).scalar()
                if region is None:
                    raise RegisterError(f"--unit {unit!r}: no such unit in the scans ingested so far")
                places = [region]
            else:
                places = list(conn.execute(select(db.cases.c.region_code).where(db.cases.c.indicator == indicator)
                                           .where(db.cases.c.subject_id == subject)).scalars())
            outside = sorted({p for p in places if not tree.contains(actor["region_code"], p)})
            if outside:
                raise RegisterError(f"user {user!r} supervises region {actor['region_code']}; the exemption would "
                                    f"cover region(s) {', '.join(outside)}, outside it")
            eid = int(conn.execute(select(func.coalesce(func.max(db.exemptions.c.exemption_id), 0))).scalar_one()) + 1
            conn.execute(db.exemptions.insert().values(exemption_id=eid, indicator=indicator, subject_id=subject,
                                                       unit_code=unit, until=until, reason=reason, created_by=user,
                                                       created_at=_now()))
            trail.add(None, user, "exempt", None, None, reason,
                      {"exemption_id": eid, "indicator": indicator, "subject_id": subject, "unit_code": unit,
                       "until": str(until)})
            trail.flush()
        return eid

    # -- reading ------------------------------------------------------------------------------------
    LIST_COLUMNS = ("case_id", "finding_id", "indicator", "level", "region_code", "unit_code", "state",
                    "dispatched_on", "due_on", "overdue", "escalated_to", "cleared_by_data", "reopened",
                    "period", "subject_id", "version")

    def scope_cases(self, user: str, **filters: Any) -> pd.DataFrame:
        """The cases ``user`` may see: a unit officer their unit's, a supervisor their region's subtree,
        an auditor all (``filters`` as for :meth:`cases`). What every app shows a signed-in person."""
        with self.engine.connect() as conn:
            actor = self._user(conn, user)
        if actor["role"] == "unit":
            return self.cases(unit=actor["unit_code"], **filters)
        if actor["role"] == "supervisor":
            return self.cases(region=actor["region_code"], **filters)
        return self.cases(**filters)

    def moves_for(self, user: str, case_id: int | str) -> list[str]:
        """The actions ``user`` may take on a case now (state, role and scope): the buttons an app shows."""
        cid = self._case_id(case_id)
        with self.engine.connect() as conn:
            actor = self._user(conn, user)
            case = conn.execute(select(db.cases).where(db.cases.c.case_id == cid)).mappings().first()
            tree = _Tree.load(conn)
        if case is None or actor["role"] == "auditor" or not self._in_scope(actor, case, tree):
            return []  # the same answer for a case outside the scope and for no case at all
        return [a for a in rules.allowed_moves(case["state"], bool(case["cleared_by_data"]))
                if actor["role"] in rules.MOVES[a].roles]

    def cases(self, *, region: str | None = None, state: str | Iterable[str] | None = None,
              overdue: bool | None = None, today: dt.date | str | None = None,
              unit: str | None = None, level: str | None = None, indicator: str | None = None) -> pd.DataFrame:
        """The cases (sorted by case_id) with ``overdue`` and ``escalated_to`` as of ``today``.

        ``region``: the region's whole subtree; ``unit``: one unit's cases. A case is overdue when it waits for an answer
        (dispatched) or a rectification (rectifying) past its deadline; each further deadline period
        escalates it one level up the tree (``escalated_to``: the region it now shows at, else empty).
        """
        self._check_schema()
        today = _date(today, "--today") or dt.date.today()
        states = [state] if isinstance(state, str) else (list(state) if state is not None else None)
        for s in states or []:
            if s not in rules.STATES:
                raise RegisterError(f"--state: expected one of {', '.join(rules.STATES)}; got {s!r}")
        with self.engine.connect() as conn:
            tree = _Tree.load(conn)
            if region is not None and region not in tree.parent:
                raise RegisterError(f"--region {region!r}: no such region in the register")
            q = select(db.cases).order_by(db.cases.c.case_id)
            if states:
                q = q.where(db.cases.c.state.in_(states))
            if region is not None:
                q = q.where(db.cases.c.region_code.in_(tree.subtree(region)))
            if unit is not None:
                q = q.where(db.cases.c.unit_code == unit)
            if level is not None:
                q = q.where(db.cases.c.level == level)
            if indicator is not None:
                q = q.where(db.cases.c.indicator == indicator)
            frame = pd.DataFrame(conn.execute(q).mappings().all(), columns=[c.name for c in db.cases.columns])
        waiting = frame["state"].isin(["dispatched", "rectifying"])
        steps = [rules.escalation_steps(d if w else None, today, lv, dict(self.deadline_days))
                 for d, w, lv in zip(frame["due_on"], waiting, frame["level"], strict=True)]
        frame["overdue"] = [bool(w and d is not None and today > d) for d, w in zip(frame["due_on"], waiting, strict=True)]
        frame["escalated_to"] = [tree.up(r, n) if n else "" for r, n in zip(frame["region_code"], steps, strict=True)]
        frame["cleared_by_data"] = frame["cleared_by_data"].astype(bool)
        if overdue is not None:
            frame = frame.loc[frame["overdue"] == bool(overdue)]
        return frame.reset_index(drop=True)

    def show(self, case_id: int | str, *, user: str | None = None) -> tuple[dict[str, Any], pd.DataFrame]:
        """A case (all its columns) and its whole history (events, oldest first).

        With ``user``, only a case that user may see; any other id — outside their scope or not in the
        register — gets the same refusal, so the answer does not tell whether it exists.
        """
        self._check_schema()
        cid = self._case_id(case_id)
        with self.engine.connect() as conn:
            if user is not None:
                actor = self._user(conn, user)
                row = conn.execute(select(db.cases).where(db.cases.c.case_id == cid)).mappings().first()
                visible = row is not None and (actor["role"] == "auditor" or self._in_scope(actor, row, _Tree.load(conn)))
                if not visible:
                    raise RegisterError(f"case {cid}: not a case of yours")
            case = self._case(conn, cid)
            history = pd.DataFrame(conn.execute(select(db.events).where(db.events.c.case_id == cid)
                                                .order_by(db.events.c.seq)).mappings().all(),
                                   columns=[c.name for c in db.events.columns])
        return case, history

    def audit(self) -> AuditResult:
        """Verify the hash chain: every event's hash, its link to the one before, and the chain head."""
        self._check_schema()
        with self.engine.connect() as conn:
            head = conn.execute(select(db.chain).where(db.chain.c.id == 1)).one()
            prev, expected, n = GENESIS, 1, 0
            for row in conn.execute(select(db.events).order_by(db.events.c.seq)).mappings():
                n += 1
                seq = int(row["seq"])
                if seq != expected:
                    what = "deleted" if seq > expected else "inserted"
                    return AuditResult(False, n, expected if seq > expected else seq,
                                       f"event {expected} is missing (deleted) before event {seq}" if what == "deleted"
                                       else f"event {seq} is out of sequence (inserted)")
                if row["prev_hash"] != prev:
                    return AuditResult(False, n, seq, f"event {seq} does not follow event {seq - 1} "
                                       "(an event before it was deleted, inserted or edited)")
                if event_hash(prev, row) != row["hash"]:
                    return AuditResult(False, n, seq, f"event {seq} was edited (its content does not match its hash)")
                prev, expected = row["hash"], expected + 1
            if int(head.seq) != expected - 1 or head.hash != prev:
                return AuditResult(False, n, expected, f"events after {expected - 1} were deleted "
                                   f"(the chain's head is event {head.seq})")
        return AuditResult(True, n)


def _may_place(admin: Mapping[str, Any], tree: _Tree, place: str | None) -> bool:
    """Whether a supervisor may add a user at ``place`` (a region; None: everywhere, as for an auditor).

    Before any scan is ingested the tree is unknown and any supervisor may add users.
    """
    if not tree.parent:
        return True
    if place is None:
        return admin["region_code"] in tree.roots()
    return tree.contains(admin["region_code"], place)


@dataclass
class _Tree:
    """The region tree as stored in the register (parent and level of every region)."""

    parent: dict[str, str | None]
    level: dict[str, str]

    @classmethod
    def load(cls, conn: Connection) -> _Tree:
        rows = conn.execute(select(db.regions.c.region_code, db.regions.c.parent_code, db.regions.c.level)).all()
        return cls({r[0]: r[1] for r in rows}, {r[0]: r[2] for r in rows})

    def roots(self) -> list[str]:
        return sorted(c for c, p in self.parent.items() if not p)

    def ancestors_or_self(self, code: str) -> list[str]:
        out, seen = [], set()
        while code is not None and code not in seen:
            out.append(code)
            seen.add(code)
            code = self.parent.get(code)
        return out

    def contains(self, root: str | None, code: str) -> bool:
        """Whether ``code`` is ``root`` or lies below it."""
        return root is not None and root in self.ancestors_or_self(code)

    def subtree(self, code: str) -> list[str]:
        return sorted(c for c in self.parent if self.contains(code, c))

    def up(self, code: str, steps: int) -> str:
        chain = self.ancestors_or_self(code)
        return chain[min(steps, len(chain) - 1)]
