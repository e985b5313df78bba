"""The sample's other tables: assets, e-seal events, the internal-control checklist, revenue and the
budget, each built as background with its planted cases applied by the plants of its indicators
(:mod:`fiscalrisk.samples.plants`).

:class:`Tables` is a part of the sample builder (:class:`fiscalrisk.samples.builder._Builder`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from fiscalrisk.samples import plants
from fiscalrisk.samples.reference import _AS_OF64, _REGIONS, _SANGONG, COMPLETED_YEARS, YEARS
from fiscalrisk.samples.workdays import _Calendar


class Tables:
    """Assets, seals, checklist, revenue and budget (a part of the sample builder)."""

    rng: np.random.Generator
    cal: _Calendar
    units: pd.DataFrame
    nu: int
    seal_density: float
    _h1_paid: dict

    def assets(self) -> pd.DataFrame:
        """Fixed assets: mostly in use, some disposed; idle items only where nothing of the kind was
        bought in the last twelve months and at a small share of the unit's holdings (AST01, AST02)."""
        rng = self.rng
        cats = (
            ("A02010104", 6_500, 0.35),
            ("A02010105", 7_800, 0.2),
            ("A02021000", 3_200, 0.15),
            ("A02030500", 210_000, 0.04),
            ("A06010100", 2_800, 0.2),
            ("A02061800", 45_000, 0.06),
        )
        n = np.maximum(6, (self.units.headcount.to_numpy() * 0.25).astype(int))
        ui = np.repeat(np.arange(self.nu), n)
        ci = rng.choice(len(cats), size=len(ui), p=[c[2] for c in cats])
        value = np.round(np.array([c[1] for c in cats])[ci] * rng.uniform(0.8, 1.25, len(ui)), 2)
        start = np.datetime64("2014-01-01").astype(np.int64)
        acq = (
            start + (rng.random(len(ui)) * (_AS_OF64.astype(np.int64) - 30 - start)).astype(np.int64)
        ).astype("datetime64[D]")
        status = np.where(
            acq < np.datetime64("2018-01-01"),
            np.where(rng.random(len(ui)) < 0.5, "disposed", "in_use"),
            "in_use",
        ).astype(object)
        df = pd.DataFrame(
            {
                "unit_idx": ui,
                "category": np.array([c[0] for c in cats])[ci],
                "acquired_date": acq,
                "original_value": value,
                "status": status,
            }
        )
        # background idle: one old printer or desk per sixth unit, never a category bought recently
        recent = df.acquired_date >= np.datetime64("2025-06-30")
        recent_cats = set(zip(df.unit_idx[recent], df.category[recent], strict=True))
        for i in range(0, self.nu, 6):
            m = (df.unit_idx == i) & (df.status == "in_use") & df.category.isin(["A02021000", "A06010100"])
            live_total = df.loc[(df.unit_idx == i) & (df.status == "in_use"), "original_value"].sum()
            for j in df.index[m]:
                if (i, df.category[j]) not in recent_cats and df.original_value[j] < 0.05 * live_total:
                    df.loc[j, "status"] = "idle"
                    break
        for plant in plants.ASSETS:
            df = plant(self, df)
        df["unit_code"] = self.units.unit_code.to_numpy()[df.unit_idx]
        df = df.sort_values(["unit_code", "acquired_date", "category", "original_value"], kind="stable")
        df["asset_id"] = [
            f"ZC{c.replace('-', '')}{k:04d}"
            for c, k in zip(df.unit_code, df.groupby("unit_code").cumcount() + 1, strict=True)
        ]
        return df

    def seals(self, contract_ids: pd.DataFrame) -> pd.DataFrame:
        """E-seal log: office hours on working days, approved by someone other than the user."""
        rng = self.rng
        n = rng.poisson(18 * self.seal_density, (self.nu, len(YEARS)))
        ui = np.repeat(np.repeat(np.arange(self.nu), len(YEARS)), n.ravel())
        yr = np.repeat(np.tile(np.array(YEARS), self.nu), n.ravel())
        mo = rng.integers(0, 12, len(ui))
        mo = np.where(yr == 2026, mo % 6, mo)
        day = self.cal.random_day(rng, yr, mo)
        minute = rng.integers(8 * 60 + 30, 17 * 60 + 30, len(ui))
        used = day.astype("datetime64[m]") + minute
        stype = rng.choice(
            ["official", "finance", "contract", "legal_rep"], size=len(ui), p=[0.5, 0.25, 0.15, 0.1]
        )
        codes = self.units.unit_code.to_numpy()
        user_k = rng.integers(1, 9, len(ui))
        user = np.char.add(
            np.char.add("U", np.char.replace(codes[ui].astype(str), "-", "")),
            np.char.zfill(user_k.astype(str), 2),
        )
        appr = np.char.add(
            np.char.add("A", np.char.replace(codes[ui].astype(str), "-", "")),
            np.char.zfill(((user_k % 3) + 1).astype(str), 2),
        )
        df = pd.DataFrame(
            {
                "unit_idx": ui,
                "seal_type": stype,
                "used_at": used,
                "user_id": user,
                "approver_id": appr,
                "approved": True,
                "contract_id": "",
                "_tags": "",
            }
        )
        df["document_type"] = df.seal_type.map(
            {"official": "公文", "finance": "付款凭证", "contract": "合同", "legal_rep": "授权委托书"}
        )
        # contract seals always name an existing contract of the unit
        cy = contract_ids.assign(y=pd.to_datetime(contract_ids.signed_date).dt.year)
        cmap = cy.groupby(["unit_code", "y"]).contract_id.apply(list).to_dict()
        is_c = (df.seal_type == "contract").to_numpy()
        pick = rng.random(len(df))
        years = df.used_at.dt.year.to_numpy()
        cids = []
        for i, c, p, y in zip(df.unit_idx.to_numpy(), is_c, pick, years, strict=True):
            lst = cmap.get((codes[i], int(y))) if c else None
            cids.append(lst[int(p * len(lst))] if lst else "")
        df["contract_id"] = cids
        # a contract seal of a unit without contracts becomes an official seal
        df.loc[is_c & (df.contract_id == ""), ["seal_type", "document_type"]] = ["official", "公文"]
        rows = [row for plant in plants.SEALS for row in plant(self)]
        df = pd.concat([df, pd.DataFrame(rows)], ignore_index=True)
        df["unit_code"] = codes[df.unit_idx]
        df["seal_id"] = (
            "S"
            + df.unit_code.str.replace("-", "")
            + "-"
            + df.seal_type.map({"official": "01", "finance": "02", "contract": "03", "legal_rep": "04"})
        )
        df = df.sort_values(["used_at", "unit_code", "user_id", "seal_type"], kind="stable").reset_index(
            drop=True
        )
        df["event_id"] = [f"YZ{k:07d}" for k in range(1, len(df) + 1)]
        for k in np.flatnonzero(df._tags.to_numpy() != ""):
            code, note = df._tags.iat[k].split(":", 1)
            self.label(code, "seal_event", df.event_id.iat[k], note)
        return df

    def ic_checklist(self) -> pd.DataFrame:
        """Internal-control evaluation (财会〔2016〕11号 practice): most units score 85–98."""
        rng = self.rng
        items = (
            ("public", "内部控制制度建设", 10),
            ("public", "风险评估机制", 10),
            ("public", "关键岗位轮岗", 5),
            ("functional", "预算业务控制", 15),
            ("functional", "收支业务控制", 15),
            ("functional", "政府采购控制", 10),
            ("functional", "资产控制", 10),
            ("functional", "建设项目控制", 10),
            ("functional", "合同控制", 10),
            ("special", "内控信息化创新", 3),
            ("special", "内控成果获评", 2),
            ("external", "审计整改落实", 5),
            ("external", "财政监督检查", 5),
        )
        frames = []
        dims = np.array([it[0] for it in items])
        mx = np.array([it[2] for it in items], dtype=float)
        for y in COMPLETED_YEARS:
            share = rng.uniform(0.86, 0.99, (self.nu, len(items)))
            special = (rng.random((self.nu, len(items))) >= 0.6).astype(float)
            share = np.where(dims[None, :] == "special", special, share)
            frames.append(
                pd.DataFrame(
                    {
                        "year": y,
                        "unit_code": np.repeat(self.units.unit_code.to_numpy(), len(items)),
                        "dimension": np.tile(dims, self.nu),
                        "item": np.tile([it[1] for it in items], self.nu),
                        "score": np.round((share * mx[None, :]).ravel(), 1),
                        "max_score": np.tile(mx, self.nu),
                    }
                )
            )
        df = pd.concat(frames, ignore_index=True)
        plants.plant_ctl01(self, df)
        return df

    def revenue(self) -> pd.DataFrame:
        """Revenue budget and outturn per region (PEFA PI-3): background outturn 99–105 % with a stable mix;
        the plants of :data:`fiscalrisk.samples.plants.REVENUE` adjust the outturn of their regions."""
        rng = self.rng
        codes = (
            ("10101", 0.34),
            ("10104", 0.16),
            ("10106", 0.06),
            ("10109", 0.05),
            ("10110", 0.04),
            ("10112", 0.03),
            ("10113", 0.05),
            ("10118", 0.07),
            ("10302", 0.05),
            ("10304", 0.05),
            ("10305", 0.03),
            ("10307", 0.07),
        )
        rows = []
        for region, _n, level, _p in _REGIONS:
            scale = {"city": 9e9, "county": 6e9, "township": 4e8}[level] * rng.uniform(0.8, 1.2)
            for y in COMPLETED_YEARS:
                for code, w in codes:
                    if level == "township" and code not in ("10101", "10106", "10304"):
                        continue
                    b = scale * w * 1.05 ** (y - 2023) * rng.uniform(0.9, 1.1)
                    a = b * (1.02 + rng.normal(0, 0.012))
                    for plant in plants.REVENUE:
                        a = plant(self, region, y, code, b, a)
                    rows.append((y, region, code, round(b, 2), round(a, 2)))
        return pd.DataFrame(
            rows, columns=["year", "region_code", "revenue_code", "budget_amount", "actual_amount"]
        )

    # ----------------------------------------------------------------- budget
    def budget(self, pay: pd.DataFrame) -> pd.DataFrame:
        """Budget lines consistent with the payments.

        Completed years: outturn = net payments of the line, adjusted budget 0.5–7 % above it (no line
        is overspent), original within ±3 % of adjusted (PEFA outturn grade A). 2026: the adjusted
        budget is the year's plan (the payments the generator drew for the whole year, before cutting
        at 30 June), so units stand near time progress (BUD01) and forecast normally (ANM05).
        """
        rng = self.rng
        u = self.units
        p = pay[~pay.no_line.astype(bool)]
        keys = ["budget_year", "unit_idx", "function_code", "economic_code", "project_code"]
        g = p.groupby(keys, sort=True).amount.sum().reset_index().rename(columns={"budget_year": "year"})
        g["year"] = g.year.astype(int)
        n = len(g)
        rate = rng.uniform(0.93, 0.995, n)
        g["adjusted_amount"] = g.amount / rate
        g["original_amount"] = g.adjusted_amount * rng.uniform(0.97, 1.03, n)
        g["actual_amount"] = np.where(g.year < 2026, g.amount, np.nan)
        g["carryover_amount"] = np.nan
        g["carryover_from_year"] = pd.array([pd.NA] * n, dtype="Int64")
        g["unit_code"] = u.unit_code.to_numpy()[g.unit_idx]

        # 三公 lines: one execution rate per unit and original = adjusted, so budgets fall with spending
        sg = g.economic_code.isin(_SANGONG).to_numpy()
        unit_rate = rng.uniform(0.95, 0.99, self.nu)
        g.loc[sg, "adjusted_amount"] = g.amount[sg] / unit_rate[g.unit_idx[sg]]
        g.loc[sg, "original_amount"] = g.adjusted_amount[sg]
        plants.plant_bud03(self, g)
        plants.plant_out04(self, g)
        # background carry-over: from the previous year only (never stale), on project-like lines
        cand = np.flatnonzero(
            (g.year >= 2025).to_numpy() & g.economic_code.isin(["30227", "31002", "31007"]).to_numpy()
        )
        pick = rng.choice(cand, size=max(4, len(cand) // 15), replace=False)
        g.loc[g.index[pick], "carryover_amount"] = g.adjusted_amount.iloc[pick] * rng.uniform(
            0.05, 0.15, len(pick)
        )
        g.loc[g.index[pick], "carryover_from_year"] = g.year.iloc[pick] - 1
        g = self._calibrate_2026(g)
        extra = plants.plant_bud01(self, g) + plants.plant_bud06(self, g)
        ex = pd.DataFrame(extra)
        ex["unit_code"] = u.unit_code.to_numpy()[ex.unit_idx]
        g = pd.concat([g, ex], ignore_index=True)
        g["carryover_from_year"] = g.carryover_from_year.astype("Int64")
        for plant in plants.BUDGET:
            plant(self, g)
        for c in ("original_amount", "adjusted_amount", "actual_amount", "carryover_amount"):
            g[c] = g[c].astype(float).round(2)
        return g

    def _calibrate_2026(self, g: pd.DataFrame) -> pd.DataFrame:
        """Keep background units within a few points of time progress on 30 June 2026 (BUD01).

        Instalment timing (an IT contract paid 20 % up front and 80 % on acceptance) can leave a unit
        behind schedule by chance; its budget office would have phased the allocation, so the
        adjusted budget of its not-yet-due lines is reduced until execution is 1–6 points behind.
        """
        rng = self.rng
        p = 181 / 365
        h1 = self._h1_paid
        m26 = (g.year == 2026).to_numpy()
        lid = list(zip(g.unit_idx, g.function_code, g.economic_code, g.project_code, strict=True))
        paid = np.array([h1.get(k, 0.0) for k in lid]) * m26
        adj = g.adjusted_amount.to_numpy().copy()
        for i in range(self.nu):
            sel = m26 & (g.unit_idx.to_numpy() == i)
            if not sel.any():
                continue
            big = sel & (adj >= 100_000)
            r = paid[big].sum() / max(adj[big].sum(), 1.0)
            target = p - rng.uniform(0.01, 0.06)
            if r >= target:
                continue
            slow = big & (paid < 0.45 * adj)
            # reduce the slow lines' budgets so that the unit reaches the target ratio
            need = paid[big].sum() / target - (adj[big].sum() - adj[slow].sum())
            if adj[slow].sum() > 0 and need > 0:
                f = max(need / adj[slow].sum(), 0.0)
                adj[slow] = np.maximum(adj[slow] * f, paid[slow] / 0.97)
        g["adjusted_amount"] = adj
        g.loc[m26, "original_amount"] = adj[m26] * rng.uniform(0.97, 1.03, int(m26.sum()))
        return g
