"""Payment indicators on 200,000 (and, marked slow, 1,000,000) synthetic payments: the findings equal
those of a second, plain-Python reading of each rule, with the catalogue's default thresholds written
out here. Timings are not tested: benchmarks/ has them.

The synthetic treasury data have planted cases of every rule (transfers to the unit's own account,
split payments, duplicates, round amounts, holiday and weekend payments) so that the comparison is
never between two empty sets.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

import chinese_calendar
import numpy as np
import pandas as pd
import pytest

from tests.indicators._tables import context, run

CODES = ("PAY01", "PAY02", "PAY04", "PAY05", "PAY06", "PAY07", "PAY08")
AS_OF = "2026-06-30"


def synthetic_payments(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    pay = pd.DataFrame({
        "payment_id": [f"P{i:07d}" for i in range(n)],
        # working days of the first half of 2026, as a treasury system would show them
        "pay_date": rng.choice(pd.bdate_range("2026-01-05", AS_OF), n),
        "unit_code": rng.choice(["U1", "U2", "U3"], n),
        "function_code": "2050101",
        "economic_code": rng.choice(["30201", "30217", "30299"], n),
        "payee_name": [f"payee{i}" for i in rng.integers(0, 5000, n)],
        "payee_type": rng.choice(["organization", "individual"], n, p=[0.99, 0.01]),
        "method": rng.choice(["transfer", "cash", "official_card"], n, p=[0.9, 0.01, 0.09]),
        "amount": np.round(rng.lognormal(8, 2, n), 2),
    })
    k = 40
    rows = pay.sample(k * 6, random_state=seed).to_dict("records")
    planted = []
    for i, r in enumerate(rows[:k]):  # own account (and a few bank returns of such transfers)
        planted.append({**r, "payment_id": f"OWN{i:03d}", "payee_type": "own_account"})
        if i % 4 == 0:
            planted.append({**r, "payment_id": f"OWR{i:03d}", "payee_type": "own_account", "amount": -r["amount"]})
    for i, r in enumerate(rows[k:2 * k]):  # a second payment of the same amount 0..10 days later
        planted.append({**r, "payment_id": f"DUP{i:03d}",
                        "pay_date": min(r["pay_date"] + pd.Timedelta(days=i % 11), pd.Timestamp(AS_OF))})
    for i, r in enumerate(rows[2 * k:3 * k]):  # two or three payments just below 300,000 within weeks
        for j in range(2 + i % 2):
            planted.append({**r, "payment_id": f"SPL{i:03d}{j}", "payee_name": f"split payee {i}",
                            "amount": 240_000.0 + 1_000 * j + i,
                            "pay_date": r["pay_date"] + pd.Timedelta(days=(9 + i % 20) * j)})
    for i, r in enumerate(rows[3 * k:4 * k]):  # large round amounts, and some just off round
        planted.append({**r, "payment_id": f"RND{i:03d}", "amount": 100_000.0 * (1 + i % 7) + (0.0 if i % 3 else 0.01)})
    for i, r in enumerate(rows[4 * k:5 * k]):  # weekends and the Spring Festival; 2026-02-14 is a make-up workday
        day = ["2026-01-10", "2026-01-11", "2026-02-14", "2026-02-17", "2026-05-01", "2026-06-19"][i % 6]
        planted.append({**r, "payment_id": f"HOL{i:03d}", "pay_date": pd.Timestamp(day),
                        "amount": 1_500_000.0 if i % 5 == 0 else r["amount"]})
    for i, r in enumerate(rows[5 * k:6 * k]):  # individuals paid from goods-and-services lines
        planted.append({**r, "payment_id": f"IND{i:03d}", "payee_type": "individual",
                        "amount": [4_999.99, 5_000.0, 49_999.99, 50_000.0][i % 4]})
    planted.append({**rows[0], "payment_id": "LATE", "pay_date": pd.Timestamp("2026-07-01"),
                    "payee_type": "own_account"})  # after as_of: counted by nothing
    pay = pd.concat([pay, pd.DataFrame(planted)], ignore_index=True)
    pay["pay_date"] = pd.to_datetime(pay["pay_date"]).astype("datetime64[ns]")
    for c in ("payment_id", "unit_code", "function_code", "economic_code", "payee_name", "payee_type", "method"):
        pay[c] = pay[c].astype("str")
    return pay


# ------------------------------------------------------------------ the rules, read a second time
def _rows(pay: pd.DataFrame) -> list[dict]:
    cut = pd.Timestamp(AS_OF)
    return [r for r in pay.to_dict("records") if r["pay_date"] <= cut]


def _cents(amount: float) -> int:
    return int(round(amount * 100))


def expected_findings(pay: pd.DataFrame) -> dict[str, dict[str, str]]:
    """indicator → {payment_id: level}, by the catalogue's definitions and default thresholds."""
    rows = _rows(pay)
    out: dict[str, dict[str, str]] = {code: {} for code in CODES}
    workday: dict[dt.date, bool] = {}
    for r in rows:
        a, pid, econ = r["amount"], r["payment_id"], r["economic_code"]
        if a <= 0:
            continue  # refunds are never flagged
        if r["payee_type"] == "own_account":
            out["PAY01"][pid] = "alert"
        personal = econ.startswith(("301", "303")) or econ in ("30211", "30226", "30229")
        if r["payee_type"] == "individual" and not personal and a >= 5_000:
            out["PAY02"][pid] = "alert" if a >= 50_000 else "warning"
        card = ("30201", "30202", "30211", "30213", "30215", "30216", "30217", "30231")
        if econ in card and r["method"] == "cash" and a >= 1_000:
            out["PAY04"][pid] = "warning"
        day = r["pay_date"].date()
        if day not in workday:
            workday[day] = chinese_calendar.is_workday(day)
        if not workday[day]:
            out["PAY05"][pid] = "alert" if a >= 1_000_000 else "warning"
        if _cents(a) >= 10_000_000 and _cents(a) % 1_000_000 == 0:
            out["PAY08"][pid] = "warning"
    out["PAY06"] = _splits(rows)
    out["PAY07"] = _duplicates(rows)
    return out


MATERIALITY = 5_000.0  # PAY06 and PAY07's default floor (params/defaults.yaml)


def _splits(rows: list[dict], T: float = 300_000, window: int = 30, near: float = 0.8) -> dict[str, str]:
    """Per (unit, payee, economic code): each payment's window is the candidates dated within 30 days
    before it; a window of two or more summing to T qualifies; overlapping qualifying windows form one
    episode, reported on its last payment (alert with two or more payments of at least 0.8 T).
    Candidates are payments from the materiality floor up to T."""
    groups = defaultdict(list)
    for r in rows:
        if MATERIALITY <= r["amount"] < T and not r["economic_code"].startswith(("301", "303")) \
                and r["payee_type"] != "government":
            groups[(r["unit_code"], r["payee_name"], r["economic_code"])].append(
                (r["pay_date"], r["payment_id"], r["amount"]))
    found = {}
    for items in groups.values():
        items.sort()
        episodes: list[list[int]] = []  # [first, last] positions
        start = 0
        for i, (day, _, _) in enumerate(items):
            while (day - items[start][0]).days > window:
                start += 1
            total = sum(a for _, _, a in items[start:i + 1])
            if i - start + 1 >= 2 and total >= T - 0.005:
                if episodes and start <= episodes[-1][1]:
                    episodes[-1][1] = i
                else:
                    episodes.append([start, i])
        for first, last in episodes:
            n_near = sum(a >= near * T for _, _, a in items[first:last + 1])
            found[items[last][1]] = "alert" if n_near >= 2 else "warning"
    return found


def _duplicates(rows: list[dict], window: int = 7, refund_days: int = 30, series_min: int = 12) -> dict[str, str]:
    """Same unit, payee and amount (to the cent) as the previous such payment, at most 7 days later:
    an alert on a later day, a warning on the same day (one payment run); nothing below the materiality
    floor; unless a refund of exactly that amount, dated from the earlier payment to 30 days after the
    duplicate, cancels it (each refund one duplicate, the earliest it can, refunds taken by date).
    A run of the same charge, at least 12 times in a (calendar = fiscal) year with two of them within
    7 days and a total at the floor or above, is one info note (subject unit|payee|amount) and its
    charges are no duplicates."""
    groups, refunds = defaultdict(list), defaultdict(list)
    for r in rows:
        key = (r["unit_code"], r["payee_name"], abs(_cents(r["amount"])))
        if r["amount"] > 0:
            groups[key].append((r["pay_date"], r["payment_id"]))
        elif r["amount"] < 0:
            refunds[key].append((r["pay_date"], r["payment_id"]))
    found = {}
    in_run: set[str] = set()
    for (unit, payee, c), items in groups.items():
        by_year = defaultdict(list)
        for day, pid in sorted(items):
            by_year[day.year].append((day, pid))
        for year_items in by_year.values():
            close = any((b[0] - a[0]).days <= window for a, b in zip(year_items, year_items[1:], strict=False))
            if len(year_items) >= series_min and close:
                in_run.update(pid for _, pid in year_items)
                if c * len(year_items) >= MATERIALITY * 100:
                    found[f"{unit}|{payee}|{c / 100:.2f}"] = "info"
    for key, items in groups.items():
        if key[2] < MATERIALITY * 100:
            continue
        items.sort()
        dups = [(d1, pid, d0) for (d0, _), (d1, pid) in zip(items, items[1:], strict=False)
                if (d1 - d0).days <= window and pid not in in_run]
        for refund_day, _ in sorted(refunds.get(key, [])):
            for k, (d1, _, d0) in enumerate(dups):
                if d0 <= refund_day <= d1 + pd.Timedelta(days=refund_days):
                    del dups[k]
                    break
        found.update({pid: "warning" if d1 == d0 else "alert" for d1, pid, d0 in dups})
    return found


@pytest.mark.parametrize("n", [200_000, pytest.param(1_000_000, marks=pytest.mark.slow)])
def test_payment_indicators_at_scale_find_what_the_rules_say(n: int) -> None:
    pay = synthetic_payments(n)
    assert not (pay["amount"] < 0).all() and (pay["amount"] < 0).any()
    expected = expected_findings(pay)
    ctx = context({"payments": pay}, AS_OF)
    for code in CODES:
        f, assessed = run(code, ctx)
        got = dict(zip(f["subject_id"], f["level"].astype("str"), strict=True))
        assert len(got) == len(f), f"{code}: one finding per payment"
        want = expected[code]
        assert Counter(got.values()) == Counter(want.values()), code
        assert got == want, (code, sorted(set(got) ^ set(want))[:10])
        assert "LATE" not in got
        assert int(assessed["assessed"].sum()) > 0
    # every planted kind is found (the comparisons above are not between empty sets)
    planted = {"PAY01": "OWN", "PAY02": "IND", "PAY05": "HOL", "PAY06": "SPL", "PAY07": "DUP", "PAY08": "RND"}
    for code, prefix in planted.items():
        assert any(pid.startswith(prefix) for pid in expected[code]), code
    assert set(expected["PAY05"].values()) == {"warning", "alert"}
    assert set(expected["PAY06"].values()) == {"warning", "alert"}
    assert len(expected["PAY04"]) > 100
