"""The background of the sample: ordinary, unflagged activity.

Budget plans, payroll, contributions and utilities, discretionary purchases, 三公 spending, contract and
project instalments, the contingency reserve and refunds, built to be clean under the default
thresholds and the local limits of ``params/`` (see :mod:`fiscalrisk.samples`). :class:`Background` is
a part of the sample builder (:class:`fiscalrisk.samples.builder._Builder`): its methods read and
extend the builder's state and draw from its random stream.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from fiscalrisk.samples.plants.outturn import CONTINGENCY_SHARE
from fiscalrisk.samples.reference import (
    _BRANDS,
    _DISCRETIONARY,
    _HIGH_BAND,
    _LOW_BAND,
    _PAYROLL_CODES,
    _PURPOSE,
    _REGIONS,
    _SEASON,
    _SPLIT_T,
    _VENDOR_KINDS,
    YEARS,
    _d,
    _vendor_name,
    local_limit,
    round_from,
)

if TYPE_CHECKING:
    from fiscalrisk.samples.workdays import _Calendar


def _stratify(values: np.ndarray, groups: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Nudge positive values so that, within each group, their log10-mantissas are evenly stratified.

    Each value keeps its rank within the group; a value moves by at most about one group-size-th of
    a decade. A set of recurring amounts stratified like this has leading digits that follow
    Benford's law as closely as the group size allows.
    """
    out = values.astype(float).copy()
    lg = np.log10(np.where(values > 0, values, 1.0))
    for g in np.unique(groups):
        idx = np.flatnonzero((groups == g) & (values > 0))
        if len(idx) < 2:
            continue
        frac = lg[idx] - np.floor(lg[idx])
        rank = np.argsort(np.argsort(frac, kind="stable"), kind="stable")
        target = (rank + rng.uniform(0.2, 0.8, len(idx))) / len(idx)
        out[idx] = 10 ** (np.floor(lg[idx]) + target)
    return out


def _keep_band(new: np.ndarray, old: np.ndarray) -> np.ndarray:
    """Keep monthly amounts on their side of the split-payment bands after nudging: below 128,000
    (two months with ±7.5 % noise stay under 300,000) or above 326,000 (never under 300,000)."""
    ok = np.where(old < _LOW_BAND, new < 128_000.0, new > 326_000.0)
    return np.where(ok, new, old)


#: the fields of a payment row of :func:`_transfers`, before any extra ones
_TRANSFER_FIELDS = (
    "unit_idx",
    "year",
    "month",
    "pay_date",
    "economic_code",
    "payee_name",
    "amount",
    "contract_id",
    "project_code",
)


def _transfers(rows: list[tuple], kind: str, *extra_fields: str) -> pd.DataFrame:
    """Payment rows (:data:`_TRANSFER_FIELDS`, then ``extra_fields``) as transfers to organizations of ``kind``."""
    df = pd.DataFrame(rows, columns=[*_TRANSFER_FIELDS, *extra_fields])
    df["pay_date"] = df.pay_date.astype("datetime64[s]").values.astype("datetime64[D]")
    df["payee_type"] = "organization"
    df["method"] = "transfer"
    df["kind"] = kind
    return df


class Background:
    """Background payments and the budget plan they follow (a part of the sample builder)."""

    rng: np.random.Generator
    cal: _Calendar
    units: pd.DataFrame
    nu: int
    density: float
    split_t: np.ndarray

    # ----------------------------------------------------------------- budget plan
    def plan(self) -> None:
        """Plan each unit's yearly spending by line; payments and the budget table follow from it."""
        u = self.units
        rng = self.rng
        salary = rng.uniform(10_500, 12_500, self.nu)  # yuan per head and month, employer cost
        growth = rng.uniform(0.02, 0.05, self.nu)
        # Recurring payments (payroll, contributions, utilities) are fixed multiples of a unit's payroll
        # and repeat every month, so their leading digits do not average out the way one-off purchases
        # do. Within each region the payroll levels are nudged so that their log-mantissas are evenly
        # stratified (each unit keeps its rank, the change is a few per cent of headcount): the region's
        # recurring payments then follow Benford's law as a whole and ANM01 sees conformity.
        m0 = u.headcount.to_numpy() * salary
        lg = np.log10(m0)
        for region in u.region_code.unique():
            idx = np.flatnonzero(u.region_code.to_numpy() == region)
            frac = lg[idx] - np.floor(lg[idx])
            rank = np.argsort(np.argsort(frac))
            target = (rank + rng.uniform(0.2, 0.8, len(idx))) / len(idx)
            lg[idx] = np.floor(lg[idx]) + target
        headcount = np.maximum(8, np.round(10**lg / salary)).astype(int)
        self.units["headcount"] = headcount
        salary = 10**lg / headcount
        # Discretionary (goods & services) budget relative to payroll: larger in departments that
        # commission work, smaller in schools and hospitals where wages dominate.
        disc_ratio = np.where(
            u.kind == "department", rng.uniform(0.6, 0.9, self.nu), rng.uniform(0.35, 0.55, self.nu)
        )
        self.payroll_month = {y: u.headcount.to_numpy() * salary * (1 + growth) ** (y - 2023) for y in YEARS}
        self.disc_annual = {y: self.payroll_month[y] * 12 * disc_ratio for y in YEARS}
        # 三公: per head and year, homogeneous among peers (ANM04) and cut every year (BUD05 只减不增).
        self.sg_reception = u.headcount.to_numpy() * rng.uniform(900, 1300, self.nu)
        self.sg_car = u.headcount.to_numpy() * rng.uniform(700, 1000, self.nu)
        self.sg_cut = rng.uniform(0.05, 0.09, self.nu)

    # ----------------------------------------------------------------- payments
    def background_payments(self) -> pd.DataFrame:
        parts = [self._recurring(), self._discretionary(), self._sangong()]
        return pd.concat(parts, ignore_index=True)

    def _frame(self, n: int, **cols: object) -> pd.DataFrame:
        df = pd.DataFrame({k: (np.full(n, v) if np.isscalar(v) else v) for k, v in cols.items()})
        return df

    def _recurring(self) -> pd.DataFrame:
        """Payroll, social contributions and utilities: one payment per month (or every two months).

        A monthly series of same-payee, same-code payments would look like split payments (PAY06) if
        each payment were below 300,000 and two consecutive ones reached it. Payroll is therefore
        spread over as many wage codes as keep each payment below 130,000, or kept whole where each
        payment stays above 330,000; contributions and utilities in the middle band are paid every two
        months, as many units do with their 公积金 and utility bills.
        """
        rng = self.rng
        frames: list[pd.DataFrame] = []
        w_all = rng.dirichlet(np.full(4, 4.0), self.nu)
        bonus_share = rng.uniform(0.45, 0.6, self.nu)  # a unit's year-end bonus rule is stable
        self._strat: dict[str, np.ndarray] = {}
        for y in YEARS:
            frames += self._payroll(y, w_all, bonus_share)
            frames += self._contributions(y)
        u = self.units
        df = pd.concat(frames, ignore_index=True)
        df["function_code"] = u.func.to_numpy()[df.unit_idx]
        df["project_code"] = ""
        df["contract_id"] = ""
        return df

    def _stratified(self, key: str, values: np.ndarray, cap: float | None = None) -> np.ndarray:
        """``values`` stratified within regions (:func:`_stratify`) by one factor per unit and series,
        fixed on the first year and kept for later years."""
        if key not in self._strat:
            regions = self.units.region_code.to_numpy()
            f = _stratify(values, regions, self.rng) / np.where(values > 0, values, 1.0)
            self._strat[key] = f
        out = values * self._strat[key]
        return np.minimum(out, cap) if cap is not None else out

    def _payroll(self, y: int, w_all: np.ndarray, bonus_share: np.ndarray) -> list[pd.DataFrame]:
        """A year's monthly payroll over as many wage codes as keep payments out of the split band, and
        the December bonus."""
        rng = self.rng
        frames = []
        uidx = np.arange(self.nu)
        months = np.arange(12)
        m_pay = self.payroll_month[y]
        n_codes = np.where(
            (m_pay < _LOW_BAND) | (m_pay >= _HIGH_BAND), 1, np.ceil(m_pay / _LOW_BAND)
        ).astype(int)
        # payroll rows: unit × month × code; the wage codes take unequal parts of the bill
        w = np.where(np.arange(4)[None, :] < n_codes[:, None], w_all, 0.0)
        w = w / w.sum(axis=1, keepdims=True)
        too_big = (w * m_pay[:, None]).max(axis=1) >= _LOW_BAND / 1.08
        w[too_big] = np.where(
            np.arange(4)[None, :] < n_codes[too_big, None], 1.0 / n_codes[too_big, None], 0.0
        )
        for c in range(int(n_codes.max())):
            has = n_codes > c
            ui = np.repeat(uidx[has], 12)
            mo = np.tile(months, has.sum())
            # performance pay and allowances move the monthly bill by a few per cent
            raw_base = m_pay * w[:, c]
            base = _keep_band(self._stratified(f"pay{c}", raw_base), raw_base)
            amt = base[ui] * (1 + np.clip(rng.normal(0, 0.03, len(ui)), -0.075, 0.075))
            day = self.cal.on_or_after(
                (np.datetime64(f"{y}-01-15").astype("datetime64[M]") + mo).astype("datetime64[D]") + 14
            )
            frames.append(
                self._frame(
                    len(ui),
                    unit_idx=ui,
                    year=y,
                    month=mo,
                    pay_date=day,
                    economic_code=_PAYROLL_CODES[c],
                    payee_name="职工工资统发户",
                    payee_type="individual",
                    method="transfer",
                    amount=amt,
                    kind="payroll",
                )
            )
        # December bonus (年终奖金), one payment
        amt = self._stratified("bonus", m_pay * bonus_share)
        day = self.cal.on_or_after(np.full(self.nu, np.datetime64(f"{y}-12-20")))
        frames.append(
            self._frame(
                self.nu,
                unit_idx=uidx,
                year=y,
                month=11,
                pay_date=day,
                economic_code="30103",
                payee_name="职工工资统发户",
                payee_type="individual",
                method="transfer",
                amount=amt,
                kind="payroll",
            )
        )
        return frames

    def _contributions(self, y: int) -> list[pd.DataFrame]:
        """A year's social contributions (monthly, or every two months in the split band) and utilities
        (every two months)."""
        u = self.units
        rng = self.rng
        frames = []
        uidx = np.arange(self.nu)
        months = np.arange(12)
        m_pay = self.payroll_month[y]
        county = np.where(u.region_code.str.len() > 6, u.region_code.str[:6], u.region_code)
        cname = pd.Series(county).map({r[0]: r[1] for r in _REGIONS}).to_numpy()
        series = [
            ("30108", 0.16, cname + "社会保险事业管理中心", "government", 10),
            ("30205", 0.006, np.full(self.nu, "湖州市水务集团有限公司"), "organization", 18),
            ("30206", 0.02, np.full(self.nu, "国网浙江省电力有限公司湖州供电公司"), "organization", 18),
            ("30207", 0.003, np.full(self.nu, "中国电信股份有限公司湖州分公司"), "organization", 22),
        ]
        for code, share, payee, ptype, dom in series:
            m = m_pay * share
            if code.startswith("302"):
                # big users are billed per building, so no single bill approaches the split threshold
                m = np.minimum(m, 10 ** rng.uniform(4.3, 4.97, self.nu))
            bimonthly = (m >= _LOW_BAND) & (m < _HIGH_BAND)
            # utilities are billed every two months
            step = np.where(bimonthly | code.startswith("302"), 2, 1)
            m = np.where(
                step == 1, _keep_band(self._stratified(code, m), m), self._stratified(code, m * step) / step
            )
            if code == "30205":
                # departments' water is paid centrally by the government offices administration
                step = np.where(u.kind.to_numpy() == "department", 99, step)
            ui = np.repeat(uidx, 12)
            mo = np.tile(months, self.nu)
            keep = (mo % step[ui]) == (step[ui] - 1)
            ui, mo = ui[keep], mo[keep]
            noise = 0.08 if code.startswith("302") else 0.03
            # electricity peaks with summer air conditioning and winter heating
            season = (
                np.where(np.isin(mo, [6, 7]), 1.25, np.where(np.isin(mo, [0, 11]), 1.1, 1.0))
                if code == "30206"
                else 1.0
            )
            amt = (
                m[ui]
                * step[ui]
                * season
                * (1 + np.clip(rng.normal(0, noise, len(ui)), -2.5 * noise, 2.5 * noise))
            )
            day = self.cal.on_or_after((np.datetime64(f"{y}-01") + mo).astype("datetime64[D]") + dom - 1)
            frames.append(
                self._frame(
                    len(ui),
                    unit_idx=ui,
                    year=y,
                    month=mo,
                    pay_date=day,
                    economic_code=code,
                    payee_name=payee[ui],
                    payee_type=ptype,
                    method="transfer",
                    amount=amt,
                    kind="recurring" if code.startswith("301") else "utility",
                )
            )
        return frames
    def _discretionary(self) -> pd.DataFrame:
        """Goods and services: log-uniform amounts, seasonal months, repeat vendors, some cards and cash."""
        u = self.units
        rng = self.rng
        codes = list(_DISCRETIONARY)
        shares = np.array([_DISCRETIONARY[c][0] for c in codes])
        shares = shares / shares.sum()
        frames = []
        for y in YEARS:
            budget = (
                self.disc_annual[y][:, None] * shares[None, :] * rng.uniform(0.8, 1.2, (self.nu, len(codes)))
            )
            n = np.array([_DISCRETIONARY[c][1] for c in codes])[None, :] * self.density
            # bigger units make more payments: scale with headcount relative to 100
            n = n * np.clip(u.headcount.to_numpy()[:, None] / 100, 0.6, 10.0)
            n = np.maximum(1, rng.poisson(n))
            # at least two purchases a month on average, so that every month has spending to plan
            n[:, 0] += np.maximum(0, 24 - n.sum(axis=1))
            ui, ci = np.meshgrid(np.arange(self.nu), np.arange(len(codes)), indexing="ij")
            ui, ci, bud = ui.ravel(), ci.ravel(), budget.ravel()
            cnt = n.ravel()
            series = np.repeat(np.arange(len(ui)), cnt)
            # log-uniform over three decades: the mantissa is exactly uniform, so leading digits follow
            # Benford's law and keep doing so after any rescaling (the law is scale invariant)
            raw = 10 ** rng.uniform(0.0, 3.0, len(series))
            tot = np.bincount(series, weights=raw, minlength=len(ui))
            amt = raw / tot[series] * bud[series]
            # purchases of 400,000 or more would need a contract (CON02); big lines buy more often
            # instead: redraw them log-uniformly over the decade below (digits stay Benford)
            big = amt >= 400_000
            amt[big] = 10 ** rng.uniform(4.6, 5.6, int(big.sum()))
            # reimbursements and fees paid to staff stay within what one person claims
            personal = np.isin(np.array(codes)[ci[series]], ["30211", "30226", "30229"]) & (amt >= 30_000)
            amt[personal] = 10 ** rng.uniform(3.5, 4.5, int(personal.sum()))
            # every month gets two of the unit's purchases, the rest follow the seasonal profile
            mo = rng.choice(12, size=len(series), p=_SEASON)
            unit_of = ui[series]
            order = np.lexsort((rng.random(len(series)), unit_of))
            first = np.searchsorted(unit_of[order], unit_of[order], side="left")
            pos = np.arange(len(series)) - first
            spread = pos < 24
            mo[order[spread]] = pos[spread] % 12
            frames.append(
                pd.DataFrame(
                    {
                        "unit_idx": ui[series],
                        "year": y,
                        "month": mo,
                        "economic_code": np.array(codes)[ci[series]],
                        "amount": amt,
                        "kind": "flex",
                        "_k": rng.random(len(series)),
                        "_m": rng.random(len(series)),
                        "_pool": self._pool_size(bud, cnt)[series],
                    }
                )
            )
        df = pd.concat(frames, ignore_index=True)
        df["pay_date"] = self.cal.random_day(rng, df.year.to_numpy(), df.month.to_numpy())
        self._assign_payees(df)
        df["function_code"] = u.func.to_numpy()[df.unit_idx]
        df["project_code"] = ""
        df["contract_id"] = ""
        return df.drop(columns=["_k", "_m", "_pool"])

    @staticmethod
    def _pool_size(annual: np.ndarray, count: np.ndarray) -> np.ndarray:
        """Vendors in a unit's pool for a budget line: about one per 40,000 of monthly volume."""
        return np.clip(np.ceil(np.asarray(annual) / 12 / 40_000), 3, 400).astype(int) + 0 * np.asarray(count)

    def _assign_payees(self, df: pd.DataFrame) -> None:
        """Vendors with repeat business (a unit's small pool per code, Zipf-like) and staff payees."""
        econ = df.economic_code.to_numpy()
        uidx = df.unit_idx.to_numpy()
        k = df._k.to_numpy()
        # repeat business: a unit buys from a small pool of regular vendors per code, the first ones
        # more often; the pool grows with the line's monthly volume so that no vendor's orders within
        # 30 days approach the split-payment threshold (PAY06)
        pool = df._pool.to_numpy()
        pool_pick = np.minimum((pool * k**1.5).astype(int), pool - 1)
        payee = np.empty(len(df), dtype=object)
        ptype = np.full(len(df), "organization", dtype=object)
        method = np.full(len(df), "transfer", dtype=object)
        for code in np.unique(econ):
            sel = econ == code
            kinds = _VENDOR_KINDS.get(code, ["商贸"])
            kind_name = _DISCRETIONARY.get(code, (0, 0, 0, "vendor"))[3]
            if kind_name in ("vendor", "vendor_cash") or code in ("30217", "30231", "30212"):
                vi = (uidx[sel] * 7 + pool_pick[sel] * 3 + int(code) % 7) % (
                    len(_BRANDS) * (3 + int(pool.max()) // 8)
                )
                uv, inv = np.unique(vi, return_inverse=True)
                names = np.array([_vendor_name(kinds[x % len(kinds)], int(x)) for x in uv], dtype=object)
                payee[sel] = names[inv]
            if code == "30231":
                fuel = df._m.to_numpy()[sel] < 0.6
                names = payee[sel]
                names[fuel] = "中国石化销售股份有限公司浙江湖州石油分公司"
                payee[sel] = names
            if kind_name in ("person", "person_cash", "travel"):
                staff = self.staff_names(uidx[sel], pool_pick[sel] + (df._m.to_numpy()[sel] * 20).astype(int))
                payee[sel] = staff
                ptype[sel] = "individual"
        # methods: official card for card-catalogue spending, cash only for small sundries
        m = df._m.to_numpy()
        amt = df.amount.to_numpy()
        card_codes = np.isin(econ, ["30201", "30215", "30217", "30231", "30212"])
        method[card_codes & (m < 0.5) & (amt < 50_000)] = "official_card"
        travel = econ == "30211"
        # travel: half booked on the official card with the hotel or airline as payee
        tcard = travel & (m < 0.5)
        method[tcard] = "official_card"
        ptype[tcard] = "organization"
        hotels = np.array([_vendor_name(_VENDOR_KINDS["30211"][i % 2], i) for i in range(40)], dtype=object)
        payee[tcard] = hotels[(uidx[tcard] * 3 + 1) % 40]
        # cash: small sundries and welfare below 1,000 only (PAY03 / PAY04 stay quiet)
        cash = np.isin(econ, ["30299", "30229"]) & (amt < 1_000) & (m > 0.4)
        method[cash] = "cash"
        df["payee_name"] = payee
        df["payee_type"] = ptype
        df["method"] = method

    def _sangong(self) -> pd.DataFrame:
        """三公经费: reception and official cars, paid by official card; the budget is cut every year."""
        rng = self.rng
        frames = []
        for y in YEARS:
            f = (1 - self.sg_cut) ** (y - 2023)
            for code, base, n0 in (("30217", self.sg_reception, 2), ("30231", self.sg_car, 3)):
                total = base * f
                size = np.clip(self.units.headcount.to_numpy() / 60, 1.0, 15.0)
                # enough payments that none reaches a size that would need a contract (CON02)
                n = np.maximum(
                    np.ceil(total / 50_000).astype(int), np.maximum(2, rng.poisson(n0 * self.density * size))
                )
                series = np.repeat(np.arange(self.nu), n)
                raw = 10 ** rng.uniform(0.0, 2.0, len(series))
                tot = np.bincount(series, weights=raw, minlength=self.nu)
                amt = raw / tot[series] * total[series]
                mo = rng.choice(12, size=len(series), p=_SEASON)
                frames.append(
                    pd.DataFrame(
                        {
                            "unit_idx": series,
                            "year": y,
                            "month": mo,
                            "economic_code": code,
                            "amount": amt,
                            "kind": "sangong",
                            "_k": rng.random(len(series)),
                            "_pool": self._pool_size(total, n)[series],
                            "_m": rng.random(len(series)),
                        }
                    )
                )
        df = pd.concat(frames, ignore_index=True)
        df["pay_date"] = self.cal.random_day(rng, df.year.to_numpy(), df.month.to_numpy())
        self._assign_payees(df)
        df.loc[df.economic_code.isin(["30217", "30231"]), "method"] = "official_card"
        df["function_code"] = self.units.func.to_numpy()[df.unit_idx]
        df["project_code"] = ""
        df["contract_id"] = ""
        return df.drop(columns=["_k", "_m", "_pool"])

    def _smooth_months(self, pay: pd.DataFrame) -> pd.DataFrame:
        """Rescale discretionary payments per unit-month to the unit's seasonal target.

        Heavy-tailed amounts make single months lumpy; real units spend to a monthly plan. Scaling all
        discretionary payments of a unit-month by one factor keeps Benford conformity (the law is
        scale invariant) and keeps monthly totals close to the seasonal profile, so the STL detector
        (ANM02) sees only the planted spikes.
        """
        rng = self.rng
        key = (pay.unit_idx.to_numpy() * 10 + (pay.year.to_numpy() - 2023)) * 12 + pay.month.to_numpy()
        nkey = self.nu * 10 * 12
        flex = (pay.kind == "flex").to_numpy()
        lump = pay.kind.isin(["contract", "project"]).to_numpy()
        amt = pay.amount.to_numpy()
        flex_sum = np.bincount(key[flex], weights=amt[flex], minlength=nkey)
        lump_sum = np.bincount(key[lump], weights=amt[lump], minlength=nkey)
        target = np.zeros(nkey)
        for y in YEARS:
            base = (self.units.index.to_numpy() * 10 + (y - 2023)) * 12
            t = self.disc_annual[y][:, None] * _SEASON[None, :] * (1 + rng.normal(0, 0.05, (self.nu, 12)))
            target[(base[:, None] + np.arange(12)[None, :]).ravel()] = t.ravel()
        # contract instalments of the month are part of the plan: discretionary spending makes room
        lump_avg = np.bincount(key[lump] // 12, weights=amt[lump], minlength=nkey // 12) / 12
        target = target + np.repeat(lump_avg, 12) - lump_sum
        factor = np.where(flex_sum > 0, target / np.where(flex_sum > 0, flex_sum, 1), 1.0)
        factor = np.clip(factor, 0.25, 3.0)
        amt = np.where(flex, amt * factor[key], amt)
        pay["amount"] = amt
        return pay



    def background_contracts(self) -> pd.DataFrame:
        """Property-management and IT contracts, paid in instalments that never run ahead of the term."""
        rng = self.rng
        u = self.units
        rows = []
        has_prop = rng.random(self.nu) < 0.6
        for i in np.flatnonzero(has_prop):
            code = u.unit_code.iat[i]
            vendor = _vendor_name(_VENDOR_KINDS["30209"][i % 2], (i * 7) % 80)
            base = u.headcount.iat[i] * rng.uniform(2_500, 4_000)
            for y in YEARS:
                amount = round(base * (1.03 ** (y - 2023)), 2)
                signed = self.cal.add_workdays(np.datetime64(f"{y - 1}-12-20"), -int(rng.integers(0, 6)))
                cid = self.new_contract(
                    unit_code=code,
                    vendor_name=vendor,
                    category="services",
                    amount=amount,
                    signed_date=signed,
                    start_date=_d(f"{y}-01-01"),
                    end_date=_d(f"{y}-12-31"),
                    item="物业管理服务",
                    item_category="C21040000",
                )
                # quarterly in arrears: paid share never exceeds the elapsed share of the year
                q_amt = np.round(amount / 4 * np.array([1, 1, 1, 1]), 2)
                q_amt[-1] = round(amount - q_amt[:3].sum(), 2)
                for q in range(4):
                    day = self.cal.on_or_after(np.datetime64(f"{y}-{3 * q + 3:02d}-24"))
                    rows.append((i, y, 3 * q + 2, day, "30209", vendor, q_amt[q], cid, ""))
        for y in YEARS:
            has_it = rng.random(self.nu) < 0.25
            for i in np.flatnonzero(has_it):
                code = u.unit_code.iat[i]
                vendor = _vendor_name(_VENDOR_KINDS["31007"][(i + y) % 3], (i * 11 + y) % 80)
                amount = round(float(self.disc_annual[y][i] * rng.uniform(0.06, 0.14)), 2)
                amount = min(max(amount, 120_000.37), 2_400_000.55)
                start_m = int(rng.integers(1, 6))
                start = _d(f"{y}-{start_m:02d}-01")
                end = (np.datetime64(f"{y}-{start_m + 6:02d}") - np.timedelta64(1, "D")).astype(
                    "datetime64[D]"
                )
                signed = self.cal.add_workdays(start, -int(rng.integers(3, 10)))
                cid = self.new_contract(
                    unit_code=code,
                    vendor_name=vendor,
                    category="goods",
                    amount=amount,
                    signed_date=signed,
                    start_date=start,
                    end_date=end,
                    item="信息化系统建设",
                    item_category="A02100000" if y % 2 else "A08060301",
                )
                first = round(amount * 0.2, 2)
                d1 = self.cal.add_workdays(start, int(rng.integers(5, 12)))
                d2 = self.cal.add_workdays(end, int(rng.integers(5, 15)))
                rows.append((i, y, int(str(d1)[5:7]) - 1, d1, "31007", vendor, first, cid, ""))
                rows.append(
                    (i, y, int(str(d2)[5:7]) - 1, d2, "31007", vendor, round(amount - first, 2), cid, "")
                )
        df = _transfers(rows, "contract")
        df["function_code"] = u.func.to_numpy()[df.unit_idx]
        return df

    def background_projects(self) -> pd.DataFrame:
        rng = self.rng
        rows: list[tuple] = []
        specs = []
        for region in ("330500", "330502", "330503", "330521", "330522", "330523"):
            specs.append((f"{region}-007", "2120399", "城市道路改造工程"))
            specs.append((f"{region}-008", "2140104", "公路提升改造工程"))
            if region != "330500":
                specs.append((f"{region}-010", "2130305", "河道综合治理工程"))
        for unit_code, func, name in specs:
            months = int(rng.integers(12, 25))
            start = f"{int(rng.integers(2023, 2026))}-{int(rng.integers(1, 10)):02d}-01"
            budget = float(rng.uniform(15e6, 45e6))
            _code, r = self.project(
                unit_code,
                budget,
                start,
                months,
                contract_ratio=float(rng.uniform(0.88, 0.95)),
                func=func,
                name=name,
            )
            rows.extend(r)
        return _transfers(rows, "project", "function_code")

    # ----------------------------------------------------------------- background hygiene
    def contingency(self, pay: pd.DataFrame) -> pd.DataFrame:
        """Contingency (预备费, function class 227) spent through each finance bureau.

        Background bureaus spend about 0.6 % of their region's spending from the reserve (PEFA PI-2.3
        grade A), the regions of :data:`~fiscalrisk.samples.plants.outturn.CONTINGENCY_SHARE` more
        (OUT04). Payments rotate among the townships or counties below, so the same payee is never
        paid twice within 30 days.
        """
        rng = self.rng
        u = self.units
        rows = []
        county_of = np.where(u.region_code.str.len() > 6, u.region_code.str[:6], u.region_code)
        spend = pay.groupby([pay.unit_idx, pay.year]).amount.sum()
        self.region_spend: dict[tuple[str, int], float] = {}
        for region in ("330500", "330502", "330503", "330521", "330522", "330523"):
            members = (
                np.flatnonzero(county_of == region)
                if region != "330500"
                else np.flatnonzero(u.region_code == "330500")
            )
            bureau = int(np.flatnonzero(u.unit_code == f"{region}-001")[0])
            payees = (
                [f"{r[1]}人民政府" for r in _REGIONS if r[3] == "330500"]
                if region == "330500"
                else [u.name.iat[j] for j in members if u.kind.iat[j] == "township_government"]
            )
            for y in YEARS:
                total = float(spend.reindex([(j, y) for j in members]).fillna(0).sum())
                self.region_spend[(region, y)] = total
                share = CONTINGENCY_SHARE.get(region, 0.006)
                for m in range(12):
                    amt = round(total * share / 12 * float(rng.uniform(0.9, 1.1)), 2)
                    day = self.cal.on_or_after(np.datetime64(f"{y}-{m + 1:02d}-15"))
                    rows.append((bureau, y, m, day, "39999", payees[m % len(payees)], amt, "", "", "2270000"))
        df = pd.DataFrame(rows, columns=[*_TRANSFER_FIELDS, "function_code"])
        df["payee_type"] = "government"
        df["method"] = "transfer"
        df["kind"] = "contingency"
        return df

    def unit_limit(self, indicator: str, key: str) -> np.ndarray:
        """Per unit: the value of ``indicators.<indicator>.<key>`` in its region's params (its own file
        layered over its ancestors' and the defaults)."""
        return np.array([local_limit(r, indicator, key) for r in self.units.region_code], dtype=float)

    def hygiene(self, pay: pd.DataFrame) -> pd.DataFrame:
        """Keep the background clear of accidental findings (see the module docstring)."""
        amt = np.round(pay.amount.to_numpy(), 2)
        flexible = (pay.kind == "flex").to_numpy()
        # CON02: discretionary 302/310 payments from the (local) limit on go through a contract; none
        # here: they are redrawn log-uniformly over the decade below the limit
        limit = self.unit_limit("CON02", "min_amount")[pay.unit_idx.to_numpy()] * 0.96
        big = flexible & (amt >= limit) & pay.economic_code.str[:3].isin(["302", "310"]).to_numpy()
        amt[big] = np.round(limit[big] * 10 ** -self.rng.uniform(0.05, 1.0, int(big.sum())), 2)
        # PAY08: amounts from the lowest local min_amount on are never whole multiples of 10,000 in the
        # background.
        cents = np.round(amt * 100).astype(np.int64)
        roundish = (amt >= round_from()) & (cents % 1_000_000 == 0)
        amt[roundish] += 0.37
        amt = np.where(np.abs(amt) < 0.01, 0.01, amt)
        pay["amount"] = np.round(amt, 2)
        # clean under the local thresholds and under the catalogue default alike
        local = self.split_t
        self.split_t = np.full(self.nu, _SPLIT_T)
        pay = self._unsplit(pay)
        self.split_t = local
        pay = self._unsplit(pay)
        pay = self._undouble(pay)
        return pay

    def _window_sums(self, pay: pd.DataFrame, days: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For each payment below T: sum and count of same unit/payee/code payments below T in the
        trailing ``days``-day window (inclusive). Returns (order, sums, counts) in sorted order."""
        amt = pay.amount.to_numpy()
        t_row = self.split_t[pay.unit_idx.to_numpy()]
        cand = (amt > 0) & (amt < t_row)
        payee = pd.factorize(pay.payee_name)[0].astype(np.int64)
        econ = pd.factorize(pay.economic_code)[0].astype(np.int64)
        grp = (pay.unit_idx.to_numpy().astype(np.int64) * (payee.max() + 1) + payee) * 100 + econ
        dayn = pay.pay_date.to_numpy().astype("datetime64[D]").astype(np.int64)
        idx = np.flatnonzero(cand)
        key = grp[idx] * 10_000 + (dayn[idx] - dayn.min())
        order = idx[np.argsort(key, kind="stable")]
        key = np.sort(key, kind="stable")
        csum = np.concatenate([[0.0], np.cumsum(amt[order])])
        lo = np.searchsorted(key, key - days, side="left")
        hi = np.searchsorted(key, key, side="right")
        return order, csum[hi] - csum[lo], hi - lo

    def _unsplit(self, pay: pd.DataFrame) -> pd.DataFrame:
        """PAY06 hygiene: a repeat vendor whose payments within 31 days would reach 300,000 gets the
        later payment moved to another vendor of the same trade (real units spread such orders)."""
        for it in range(20):
            order, sums, counts = self._window_sums(pay, 31)
            bad = order[(sums >= self.split_t[pay.unit_idx.to_numpy()[order]]) & (counts >= 2)]
            movable = bad[np.isin(pay.kind.to_numpy()[bad], ["flex", "sangong"])]
            if len(movable) == 0:
                break
            names = pay.payee_name.to_numpy().copy()
            ptype = pay.payee_type.to_numpy()
            econ = pay.economic_code.to_numpy()
            for j in movable:
                if ptype[j] == "individual":
                    names[j] = str(
                        self.staff_names(
                            np.array([pay.unit_idx.iat[j]]), np.array([64 + (j * 7 + it * 13) % 64])
                        )[0]
                    )
                else:
                    kinds = _VENDOR_KINDS.get(econ[j], ["商贸"])
                    names[j] = _vendor_name(kinds[(j + it) % len(kinds)], 2_000 + (j * 31 + it * 17) % 50_000)
            pay["payee_name"] = names
        return pay

    def _undouble(self, pay: pd.DataFrame) -> pd.DataFrame:
        """PAY07 hygiene: no accidental same unit/payee/amount within 7 days (cents make it rare)."""
        payee = pd.factorize(pay.payee_name)[0]
        unit = pay.unit_idx.to_numpy()
        day = pay.pay_date.to_numpy().astype("datetime64[D]").astype(np.int64)
        fixable = pay.kind.isin(["flex", "sangong", "utility"]).to_numpy()
        for _ in range(5):
            cents = np.round(pay.amount.to_numpy() * 100).astype(np.int64)
            o = np.lexsort((day, cents, payee, unit))
            same = np.zeros(len(o), dtype=bool)
            same[1:] = (
                (unit[o][1:] == unit[o][:-1])
                & (payee[o][1:] == payee[o][:-1])
                & (cents[o][1:] == cents[o][:-1])
                & (day[o][1:] - day[o][:-1] <= 7)
            )
            dup = o[same & fixable[o]]
            if len(dup) == 0:
                break
            amt = pay.amount.to_numpy().copy()
            amt[dup] = np.round(amt[dup] + 0.01 * (1 + np.arange(len(dup)) % 7), 2)
            pay["amount"] = amt
        return pay

    def refunds(self, pay: pd.DataFrame) -> pd.DataFrame:
        """Refunds that reverse an earlier payment (same unit, payee and amount, negative), and a few
        duplicate payments that were caught and refunded.

        The refunded duplicates are a deliberate background case: a correct PAY07 must *not* flag a
        duplicate that a refund reversed, so these are not labelled.
        """
        rng = self.rng
        cand = np.flatnonzero(
            (pay.kind == "flex").to_numpy()
            & (pay.payee_type == "organization").to_numpy()
            & (pay.amount < 80_000).to_numpy()
            & (pay.pay_date < _d("2026-06-01")).to_numpy()
        )
        pick = rng.choice(cand, size=max(8, len(pay) // 500), replace=False)
        pick.sort()
        ref = pay.iloc[pick[6:]].copy()
        ref["pay_date"] = self.cal.add_workdays(
            ref.pay_date.to_numpy().astype("datetime64[D]"), rng.integers(3, 15, len(ref))
        )
        ref = ref[ref.pay_date.dt.year == ref.year]
        ref["amount"] = -ref.amount
        ref["kind"] = "refund"
        ref["purpose"] = "退回" + ref.economic_code.map(_PURPOSE).fillna("款项")
        dpick = pick[:6]
        dup = pay.iloc[dpick].copy()
        dup["pay_date"] = self.cal.add_workdays(dup.pay_date.to_numpy().astype("datetime64[D]"), 2)
        dup["kind"] = "dup_refunded"
        ref2 = dup.copy()
        ref2["pay_date"] = self.cal.add_workdays(dup.pay_date.to_numpy().astype("datetime64[D]"), 4)
        ref2["amount"] = -ref2.amount
        ref2["kind"] = "refund"
        ref2["purpose"] = "重复支付退回"
        keep = (dup.pay_date.dt.year == dup.year) & (ref2.pay_date.dt.year == ref2.year)
        return pd.concat([pay, ref, dup[keep], ref2[keep]], ignore_index=True)
