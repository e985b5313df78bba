"""Rules versions in the register's database: publish, retire, the version in force, backtest, quality.

(``rules.py`` beside this module holds the case state machine; this one the *rule sets* a scan uses.)

A version is a whole rule set (:class:`fiscalrisk.ruleset.RuleSet`: the params directory's defaults and
region files as they stood, with the published file layered over them), a name, the date it takes effect
and a note. It is immutable: there is no way to change or delete one, its content's SHA-256 is checked
every time it is read, and the publication is an event of the register's hash-chained audit trail, as is
every retirement. A scan as of a date uses the version with the latest ``effective_from`` on or before
it (:func:`in_force`); an indicator retired from a date is not run by any scan as of that date or later.

``quality`` is the precision of each rule as the reviewers judged it (dismissed / reviewed, with a
Wilson 95 % interval); ``backtest`` shows what a candidate rule set would change before it is published.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import statistics
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import func, select

from fiscalrisk.ruleset import UNPUBLISHED, RuleSet

from . import db
from .core import Register, RegisterError, _canonical, _date, _may_place, _Trail, _Tree
from .rules import DISMISS_REASONS

__all__ = ["publish", "versions", "get", "in_force", "retire", "retirements", "quality", "wilson_interval",
           "backtest", "backtest_summary", "QUALITY_COLUMNS", "BACKTEST_COLUMNS", "VERSION_COLUMNS"]

_VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}")
VERSION_COLUMNS = ("version", "effective_from", "published_at", "published_by", "backdated", "source", "sha256",
                   "note")
QUALITY_COLUMNS = ("indicator", "region_code", "scope", "reviewed", "confirmed", "dismissed",
                   *(f"dismissed_{r}" for r in DISMISS_REASONS), "dismissal_rate", "wilson_low", "wilson_high",
                   "median_value_dismissed", "median_value_confirmed")
BACKTEST_COLUMNS = ("indicator", "current", "candidate", "appear", "disappear", "disappear_dismissed",
                    "disappear_confirmed", "dismissal_rate_now", "dismissal_rate_after")
#: z of a two-sided 95 % interval: the 97.5th percentile of the standard normal
Z95 = 1.959963984540054


# ------------------------------------------------------------------------------------------ helpers
def _supervisor(reg: Register, conn: Any, user: str, what: str) -> dict[str, Any]:
    actor = reg._user(conn, user)
    if actor["role"] != "supervisor" or not _may_place(actor, _Tree.load(conn), None):
        raise RegisterError(f"user {user!r} is a {actor['role']}"
                            + (f" of region {actor['region_code']}" if actor["region_code"] else "")
                            + f": {what} takes a supervisor of the whole region tree (its root region)")
    return actor


def _check_version_name(version: str) -> str:
    version = str(version or "")
    if version.lower() == UNPUBLISHED or not _VERSION.fullmatch(version):
        raise RegisterError(f"--version {version[:40]!r}: expected 1–32 letters, digits, '.', '-' or '_', starting "
                            f"with a letter or digit (and not '{UNPUBLISHED}')")
    return version


def _known_codes() -> list[str]:
    from fiscalrisk.indicators import registry

    return sorted(s.code for s in registry.specs())


def _retired(conn: Any) -> dict[str, dt.date]:
    return {r.indicator: r.from_date for r in conn.execute(select(db.rule_retirements))}


def _ruleset(row: Mapping[str, Any], retired: Mapping[str, dt.date]) -> RuleSet:
    from hashlib import sha256

    if sha256(row["content"].encode("utf-8")).hexdigest() != row["sha256"]:
        raise RegisterError(f"rules version {row['version']}: its stored content does not match its SHA-256 "
                            "(it was changed in the database after it was published); run `fiscalrisk register audit`")
    return RuleSet(str(row["version"]), json.loads(row["content"]), effective_from=row["effective_from"],
                   retired=dict(retired))


# ------------------------------------------------------------------------------------------ versions
def publish(reg: Register, path: str | Path, *, version: str, effective_from: dt.date | str, note: str = "",
            user: str, backdate: bool = False, params_dir: str | Path | None = None) -> RuleSet:
    """Publish the rules file ``path`` (the ``--params`` format) over the params directory as ``version``,
    in force from ``effective_from``. Refused, with nothing written: a version name that exists, a date
    on which another version takes effect, a date before the latest version's without ``backdate`` and a
    note, a bad rules file (every problem, "did you mean" included), a region the register does not know,
    a user who is not a supervisor of the whole tree."""
    reg._check_schema()
    version = _check_version_name(version)
    effective_from = _date(effective_from, "--effective-from")
    if effective_from is None:
        raise RegisterError("--effective-from YYYY-MM-DD is required: the day the version takes effect")
    note = str(note or "").strip()
    if backdate and not note:
        raise RegisterError("--backdate needs --note TEXT saying why past scans should be judged by this version")
    if not Path(path).is_file():
        raise RegisterError(f"{path}: no such rules file")
    rules = RuleSet.from_files([path], params_dir=params_dir, version=version)  # ParamsError: exit 2
    content = _canonical(rules.content)
    with reg.engine.begin() as conn:
        trail = _Trail(conn)
        actor = _supervisor(reg, conn, user, "publishing rules")
        if conn.execute(select(db.rule_versions.c.version).where(db.rule_versions.c.version == version)).first():
            raise RegisterError(f"rules version {version} exists already and cannot be changed; publish a new version")
        same = conn.execute(select(db.rule_versions.c.version)
                            .where(db.rule_versions.c.effective_from == effective_from)).scalar()
        if same is not None:
            raise RegisterError(f"rules version {same} already takes effect on {effective_from}; choose another date")
        last = conn.execute(select(func.max(db.rule_versions.c.effective_from))).scalar()
        if last is not None and effective_from < last and not backdate:
            raise RegisterError(f"--effective-from {effective_from} is before the latest version's date ({last}); "
                                "to change how past scans are judged, add --backdate and a --note saying why")
        tree = _Tree.load(conn)
        unknown = sorted(c for c in file_sections(rules) if tree.parent and c not in tree.parent)
        if unknown:
            raise RegisterError(f"{path}: parameters for region(s) {', '.join(unknown)}, which the register does "
                                "not know (not in the scans ingested so far)")
        conn.execute(db.rule_versions.insert().values(
            version=version, effective_from=effective_from, published_at=dt.datetime.now(dt.UTC).isoformat(
                timespec="seconds"), published_by=actor["name"], note=note, backdated=bool(backdate),
            source=Path(path).name, content=content, sha256=rules.sha256))
        trail.add(None, actor["name"], "rules_publish", None, None, note,
                  {"version": version, "effective_from": str(effective_from), "sha256": rules.sha256,
                   "source": Path(path).name, "backdated": bool(backdate)})
        trail.flush()
        retired = _retired(conn)
    return RuleSet(version, rules.content, effective_from=effective_from, retired=retired)


def versions(reg: Register) -> pd.DataFrame:
    """The published versions, oldest effective date first (VERSION_COLUMNS)."""
    reg._check_schema()
    cols = [db.rule_versions.c[c] for c in VERSION_COLUMNS]
    with reg.engine.connect() as conn:
        rows = conn.execute(select(*cols).order_by(db.rule_versions.c.effective_from)).mappings().all()
    frame = pd.DataFrame(rows, columns=list(VERSION_COLUMNS))
    frame["backdated"] = frame["backdated"].astype(bool)
    return frame


def get(reg: Register, version: str) -> RuleSet:
    """The published version ``version`` (its content checked against its SHA-256)."""
    reg._check_schema()
    with reg.engine.connect() as conn:
        row = conn.execute(select(db.rule_versions).where(db.rule_versions.c.version == str(version))).mappings().first()
        if row is None:
            known = list(conn.execute(select(db.rule_versions.c.version)
                                      .order_by(db.rule_versions.c.effective_from)).scalars())
            raise RegisterError(f"rules version {str(version)[:40]!r}: not published"
                                + (f" (published: {', '.join(known)})" if known else " (none is published yet)"))
        return _ruleset(row, _retired(conn))


def in_force(reg: Register, as_of: Any) -> RuleSet:
    """The version in force on ``as_of``: the latest ``effective_from`` on or before it."""
    reg._check_schema()
    day = pd.Timestamp(as_of).date()
    with reg.engine.connect() as conn:
        row = conn.execute(select(db.rule_versions).where(db.rule_versions.c.effective_from <= day)
                           .order_by(db.rule_versions.c.effective_from.desc()).limit(1)).mappings().first()
        if row is None:
            first = conn.execute(select(func.min(db.rule_versions.c.effective_from))).scalar()
            raise RegisterError(f"no rules version is in force on {day} in {reg._where()} ("
                                + (f"the first takes effect on {first}" if first else "none is published yet")
                                + "); publish one with `fiscalrisk rules publish`, or scan with --params FILE")
        return _ruleset(row, _retired(conn))


def retire(reg: Register, code: str, *, since: dt.date | str, note: str, user: str) -> None:
    """Retire indicator ``code`` from ``since``: no scan as of that date or later runs it, whatever the
    version. Refused: an unknown code (with a "did you mean"), a code retired already, no note."""
    import difflib

    reg._check_schema()
    since = _date(since, "--from")
    if since is None:
        raise RegisterError("--from YYYY-MM-DD is required: the first day the indicator is no longer run")
    if not str(note or "").strip():
        raise RegisterError("a retirement needs --note TEXT saying why the rule goes")
    known = _known_codes()
    if code not in known:
        close = difflib.get_close_matches(str(code), known, n=1)
        raise RegisterError(f"indicator {str(code)[:40]!r}: no such indicator code"
                            + (f" (did you mean {close[0]!r}?)" if close else ""))
    with reg.engine.begin() as conn:
        trail = _Trail(conn)
        actor = _supervisor(reg, conn, user, "retiring a rule")
        was = conn.execute(select(db.rule_retirements.c.from_date)
                           .where(db.rule_retirements.c.indicator == code)).scalar()
        if was is not None:
            raise RegisterError(f"indicator {code} is retired already (from {was})")
        conn.execute(db.rule_retirements.insert().values(indicator=code, from_date=since, note=str(note).strip(),
                                                         retired_by=actor["name"],
                                                         retired_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds")))
        trail.add(None, actor["name"], "rules_retire", None, None, str(note).strip(),
                  {"indicator": code, "from": str(since)})
        trail.flush()


def retirements(reg: Register) -> pd.DataFrame:
    """The retired codes (indicator, from_date, retired_by, note), by date."""
    reg._check_schema()
    cols = ["indicator", "from_date", "retired_by", "note"]
    with reg.engine.connect() as conn:
        rows = conn.execute(select(*[db.rule_retirements.c[c] for c in cols])
                            .order_by(db.rule_retirements.c.from_date, db.rule_retirements.c.indicator)).mappings().all()
    return pd.DataFrame(rows, columns=cols)


# ------------------------------------------------------------------------------------------ quality
def wilson_interval(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a proportion k / n (Wilson 1927; Agresti & Coull 1998 recommend it
    over the normal approximation for small n and proportions near 0 or 1): NaN, NaN when n = 0."""
    if n <= 0:
        return math.nan, math.nan
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def _verdicts(reg: Register, region: str | None) -> pd.DataFrame:
    c, p = db.cases, db.region_paths
    q = (select(c.c.finding_id, c.c.indicator, c.c.region_code, c.c.value, c.c.dismiss_reason,
                c.c.confirmed_on.is_not(None).label("confirmed"), c.c.dismissed_on.is_not(None).label("dismissed"))
         .where((c.c.confirmed_on.is_not(None)) | (c.c.dismissed_on.is_not(None))))
    with reg.engine.connect() as conn:
        if region is not None:
            if conn.execute(select(db.regions.c.region_code).where(db.regions.c.region_code == region)).first() is None:
                raise RegisterError(f"--region {region!r}: no such region in the register")
            q = q.where(c.c.region_code.in_(select(p.c.descendant).where(p.c.ancestor == region)))
        rows = conn.execute(q).mappings().all()
    frame = pd.DataFrame(rows, columns=["finding_id", "indicator", "region_code", "value", "dismiss_reason",
                                        "confirmed", "dismissed"])
    frame["confirmed"] = frame["confirmed"].astype(bool)
    frame["dismissed"] = frame["dismissed"].astype(bool)
    return frame


def _quality_row(indicator: str, region: str, scope: str, g: pd.DataFrame) -> dict[str, Any]:
    confirmed, dismissed = int(g["confirmed"].sum()), int(g["dismissed"].sum())
    reviewed = confirmed + dismissed
    low, high = wilson_interval(dismissed, reviewed)

    def median(values: pd.Series) -> float:
        v = pd.to_numeric(values, errors="coerce").dropna()
        return float(statistics.median(v)) if len(v) else math.nan

    row = {"indicator": indicator, "region_code": region, "scope": scope, "reviewed": reviewed,
           "confirmed": confirmed, "dismissed": dismissed}
    for r in DISMISS_REASONS:
        row[f"dismissed_{r}"] = int((g["dismissed"] & (g["dismiss_reason"] == r)).sum())
    row.update(dismissal_rate=round(dismissed / reviewed, 4) if reviewed else math.nan,
               wilson_low=round(low, 4), wilson_high=round(high, 4),
               median_value_dismissed=median(g.loc[g["dismissed"], "value"]),
               median_value_confirmed=median(g.loc[g["confirmed"], "value"]))
    return row


def quality(reg: Register, *, region: str | None = None) -> pd.DataFrame:
    """The precision of each rule as the reviewers judged it (QUALITY_COLUMNS), over ``region``'s subtree.

    Per indicator: one row per region of the cases (``scope = own``: the region's own cases) and one
    for the whole scope (``scope = subtree``, ``region_code`` = ``region`` or ``all``). ``reviewed`` =
    confirmed + dismissed (the cases with a verdict in their current round — the figures of
    :func:`fiscalrisk.register.kpi.dismissal_rates`); dismissed by reason; ``dismissal_rate`` = dismissed
    / reviewed with its Wilson 95 % interval; the median ``value`` of the dismissed and of the confirmed
    findings (dismissed ones well below the confirmed ones hint that the threshold is too low).
    """
    reg._check_schema()
    v = _verdicts(reg, region)
    rows = []
    for indicator, g in v.groupby("indicator", sort=True):
        rows.append(_quality_row(str(indicator), region or "all", "subtree", g))
        for code, rg in g.groupby("region_code", sort=True):
            rows.append(_quality_row(str(indicator), str(code), "own", rg))
    return pd.DataFrame(rows, columns=list(QUALITY_COLUMNS))


# ------------------------------------------------------------------------------------------ backtest
def backtest(dataset: Any, candidate: RuleSet, current: RuleSet, *, as_of: Any,
             reg: Register | None = None, codes: list[str] | None = None) -> pd.DataFrame:
    """Scan ``dataset`` with ``current`` and with ``candidate`` (in memory, nothing written) and list the
    warnings and alerts that would appear or disappear (by their stable finding id), each with the
    reviewers' verdict from the register when one is given: ``verdict`` = confirmed, dismissed or empty.

    Columns: change (appear | disappear), finding_id, indicator, level, region_code, unit_code, subject_id,
    period, value, threshold, verdict, dismiss_reason; plus, for the summary, every current finding with
    change = ``keep``. Refused (:class:`RegisterError`) when the candidate names regions the data does not
    hold, or none of the data's regions while it names some (rules of another data set). ``codes``: only
    these indicators (default every one).
    """
    from fiscalrisk.scan import scan

    tables = getattr(dataset, "tables", dataset)
    regions = set(tables["regions"]["region_code"].astype("str"))
    named = candidate.regions_named()
    foreign = sorted(named - regions)
    if named and not (named & regions):
        raise RegisterError(f"the rules name regions {', '.join(foreign[:5])}{', ...' if len(foreign) > 5 else ''} "
                            "and none of the data's: they do not cover this data set")
    own = sorted(set(file_sections(candidate)) - regions)
    if own:
        raise RegisterError(f"the candidate rules set parameters for region(s) {', '.join(own)}, which the data "
                            "does not hold")
    now = scan(dataset, as_of=as_of, rules=current, codes=codes).findings
    after = scan(dataset, as_of=as_of, rules=candidate, codes=codes).findings
    risk = ("warning", "alert")
    now = now.loc[now["level"].astype("str").isin(risk)]
    after = after.loc[after["level"].astype("str").isin(risk)]
    cols = ["finding_id", "indicator", "level", "region_code", "unit_code", "subject_id", "period", "value",
            "threshold"]
    ids_now, ids_after = set(now["finding_id"]), set(after["finding_id"])
    parts = [now.loc[~now["finding_id"].isin(ids_after), cols].assign(change="disappear"),
             after.loc[~after["finding_id"].isin(ids_now), cols].assign(change="appear"),
             now.loc[now["finding_id"].isin(ids_after), cols].assign(change="keep")]
    out = pd.concat(parts, ignore_index=True)
    out["level"] = out["level"].astype("str")
    verdicts = _verdicts(reg, None) if reg is not None else _verdicts_empty()
    by_id = verdicts.set_index("finding_id")
    out["verdict"] = [("confirmed" if by_id.at[f, "confirmed"] else "dismissed") if f in by_id.index else ""
                      for f in out["finding_id"]]
    out["dismiss_reason"] = [str(by_id.at[f, "dismiss_reason"] or "") if f in by_id.index and by_id.at[f, "dismissed"]
                             else "" for f in out["finding_id"]]
    order = {"disappear": 0, "appear": 1, "keep": 2}
    out = out.assign(_o=out["change"].map(order)).sort_values(["_o", "indicator", "finding_id"], kind="mergesort")
    return out.drop(columns="_o")[["change", *cols, "verdict", "dismiss_reason"]].reset_index(drop=True)


def file_sections(rules: RuleSet) -> list[str]:
    """The region codes of the ``regions:`` sections of a rule set's files (what its author wrote)."""
    from fiscalrisk.params import file_regions

    codes: list[str] = []
    for name, layer in rules.content.get("files", []):
        codes += list(file_regions(layer, name))
    return sorted(set(codes))


def _verdicts_empty() -> pd.DataFrame:
    return pd.DataFrame(columns=["finding_id", "indicator", "region_code", "value", "dismiss_reason", "confirmed",
                                 "dismissed"])


def backtest_summary(changes: pd.DataFrame) -> pd.DataFrame:
    """Per indicator (BACKTEST_COLUMNS): findings now and with the candidate, appearing, disappearing, how
    many of the disappearing ones reviewers had dismissed and confirmed, and the dismissal rate among the
    reviewed findings now and after (the expected gain in precision)."""
    rows = []
    for indicator, g in changes.groupby("indicator", sort=True):
        now = g.loc[g["change"].isin(["keep", "disappear"])]
        after = g.loc[g["change"].isin(["keep", "appear"])]
        gone = g.loc[g["change"] == "disappear"]

        def rate(frame: pd.DataFrame) -> float:
            reviewed = frame["verdict"].isin(["confirmed", "dismissed"]).sum()
            return round(float((frame["verdict"] == "dismissed").sum() / reviewed), 4) if reviewed else math.nan

        rows.append({"indicator": indicator, "current": len(now), "candidate": len(after),
                     "appear": int((g["change"] == "appear").sum()), "disappear": len(gone),
                     "disappear_dismissed": int((gone["verdict"] == "dismissed").sum()),
                     "disappear_confirmed": int((gone["verdict"] == "confirmed").sum()),
                     "dismissal_rate_now": rate(now), "dismissal_rate_after": rate(after)})
    return pd.DataFrame(rows, columns=list(BACKTEST_COLUMNS))
