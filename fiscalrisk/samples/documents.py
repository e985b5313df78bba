"""Contracts, procurements and construction projects of the sample, for the background and the plants.

:class:`Documents` is a part of the sample builder (:class:`fiscalrisk.samples.builder._Builder`): it
registers contracts, the procurements that precede them and projects with their progress reports,
numbering each in the order it is registered.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from fiscalrisk.samples.reference import _AS_OF64, _HIGH_BAND, _VENDOR_KINDS, _d, _vendor_name

if TYPE_CHECKING:
    from fiscalrisk.samples.workdays import _Calendar


class Documents:
    """Contract, procurement and project registers (a part of the sample builder)."""

    rng: np.random.Generator
    cal: _Calendar
    units: pd.DataFrame
    contracts: list[dict]
    procurement: list[dict]
    projects: list[dict]
    progress: list[dict]
    n_contracts: int
    n_procurements: int

    def new_contract(self, **kw: object) -> str:
        """Register a contract (and, unless ``procure`` is False, the procurement that preceded it)."""
        self.n_contracts += 1
        signed = np.datetime64(kw["signed_date"], "D")
        cid = f"HT{str(signed)[:4]}{self.n_contracts:05d}"
        procure = kw.pop("procure", True)
        award_date = kw.pop("award_date", None)
        proc_extra = kw.pop("proc", {})
        pid = ""
        if procure:
            pid = self.new_procurement(
                unit_code=kw["unit_code"],
                category=kw["category"],
                award=float(kw["amount"]),
                winner=str(kw["vendor_name"]),
                before=signed,
                award_date=award_date,
                item=kw.pop("item", None),
                item_category=kw.pop("item_category", None),
                **proc_extra,
            )
        else:
            kw.pop("item", None)
            kw.pop("item_category", None)
        row = {"contract_id": cid, "procurement_id": pid, "project_code": "", "start_date": signed} | kw
        self.contracts.append(row)
        return cid

    def new_procurement(
        self,
        unit_code: str,
        category: str,
        award: float,
        winner: str,
        before: np.datetime64,
        award_date: np.datetime64 | None = None,
        item: str | None = None,
        item_category: str | None = None,
        **over: object,
    ) -> str:
        """A procurement whose award precedes ``before`` (the contract's signing), with a legal timetable.

        The method follows the amount: below the decentralised limit (1,000,000 goods/services,
        1,200,000 works) units buy by inquiry or consultation; above the open-tender standard (2,000,000 /
        4,000,000) by open tender; in between by competitive consultation. Submission periods respect
        the legal minimum (20 days for tenders, 10 for consultation, 3 for inquiry) with a margin,
        bidders are three or more, and awards come in 3–12 % under the estimate (PRC01, PRC02, PRC06).
        """
        rng = self.rng
        self.n_procurements += 1
        estimated = round(award / rng.uniform(0.88, 0.97), 2)
        limit, tender = (1_200_000, 4_000_000) if category == "works" else (1_000_000, 2_000_000)
        if estimated >= tender:
            method, min_days = "open_tender", 20
        elif estimated >= limit:
            method, min_days = "competitive_consultation", 10
        else:
            method, min_days = "inquiry", 3
        method = over.pop("method", method)
        min_days = {"open_tender": 20, "invited_tender": 20, "competitive_consultation": 10}.get(method, 3)
        if award_date is None:
            award_date = self.cal.add_workdays(before, -int(rng.integers(4, 12)))
        award_date = np.datetime64(award_date, "D")
        deadline = self.cal.add_workdays(award_date, -int(rng.integers(2, 6)))
        # generous margins: some rules count working days, and holidays can fall in the period
        notice = deadline - np.timedelta64(min_days + int(rng.integers(10, 20)), "D")
        notice = self.cal.add_workdays(self.cal.on_or_after(notice), -1)
        if item is None:
            item, item_category = self._item(category)
        row = {
            "procurement_id": f"CG{str(award_date)[:4]}{self.n_procurements:05d}",
            "unit_code": unit_code,
            "item": item,
            "item_category": item_category,
            "category": category,
            "method": method,
            "estimated_amount": estimated,
            "award_amount": round(award, 2),
            "notice_date": notice,
            "bid_deadline": deadline,
            "award_date": award_date,
            "bidders": int(rng.integers(3, 8)),
            "winner_name": winner,
        } | over
        self.procurement.append(row)
        return str(row["procurement_id"])

    def _item(self, category: str) -> tuple[str, str]:
        return {
            "goods": ("信息化设备及软件", "A02100000"),
            "services": ("物业管理服务", "C21040000"),
            "works": ("土建工程施工", "B01000000"),
        }[category]

    def project(
        self,
        unit_code: str,
        budget: float,
        start: str,
        months: int,
        *,
        contract_ratio: float,
        paid_ratio: float = 0.85,
        progress_ratio: float = 1.0,
        stop: str | None = None,
        complete: bool | None = None,
        func: str = "2120399",
        name: str = "",
    ) -> tuple[str, list[tuple]]:
        """A construction project with its works contract, quarterly progress reports and monthly payments.

        Background projects pay 85 % of the works measured each month (5 % retention, settlement after
        completion), so paid share stays below physical progress (PRJ01) and below the contract's
        elapsed term (CON04). Monthly progress payments are kept above 315,000: they go to the same
        contractor every month and must not look like split payments (PAY06).
        ``progress_ratio`` < 1 makes reported progress lag the payments (a planted PRJ01 case);
        ``stop`` freezes works at a date (a planted overdue project, PRJ02).
        """
        rng = self.rng
        i = int(np.flatnonzero(self.units.unit_code.to_numpy() == unit_code)[0])
        seq = sum(1 for p in self.projects if p["unit_code"] == unit_code) + 1
        code = f"XM{unit_code}-{start[:4]}{seq:02d}"
        start_d = self.cal.on_or_after(_d(start))
        planned_end = (np.datetime64(start[:7]) + months).astype("datetime64[D]") - np.timedelta64(1, "D")
        stop_d = _AS_OF64 if stop is None else min(_d(stop), _AS_OF64)
        if complete is None:
            complete = planned_end + np.timedelta64(30, "D") <= _AS_OF64 and stop is None
        actual_end = planned_end - np.timedelta64(int(rng.integers(0, 20)), "D") if complete else None
        contract_amt = round(budget * contract_ratio, 2)
        vendor = _vendor_name(_VENDOR_KINDS["31005"][i % 3], (i * 13 + seq) % 80)
        signed = self.cal.add_workdays(start_d, -int(rng.integers(8, 15)))
        cid = self.new_contract(
            unit_code=unit_code,
            vendor_name=vendor,
            category="works",
            amount=contract_amt,
            signed_date=signed,
            start_date=start_d,
            end_date=planned_end,
            project_code=code,
            item="工程施工",
            item_category="B01000000",
        )
        self.projects.append(
            {
                "project_code": code,
                "unit_code": unit_code,
                "name": name or f"{self.units.name.iat[i]}建设工程",
                "budget_amount": round(budget, 2),
                "start_date": start_d,
                "planned_end_date": planned_end,
                "actual_end_date": actual_end,
            }
        )
        rows = self._project_payments(i, start, months, stop_d, actual_end if complete else None, contract_amt,
                                      paid_ratio, vendor, cid, code, func)
        self._project_reports(code, start, start_d, planned_end, stop, stop_d, actual_end if complete else None,
                              progress_ratio)
        return code, rows

    def _project_payments(self, i: int, start: str, months: int, stop_d: np.datetime64,
                          actual_end: np.datetime64 | None, contract_amt: float, paid_ratio: float, vendor: str,
                          cid: str, code: str, func: str) -> list[tuple]:
        """A project's monthly progress payments (until ``stop_d``), and its settlement 60 days after
        ``actual_end`` when it is complete."""
        rng = self.rng
        # monthly works: even pace with ±20 % variation; cumulative progress share per month
        inc = rng.uniform(0.8, 1.2, months)
        cum = np.cumsum(inc) / inc.sum()
        rows = []
        month0 = np.datetime64(start[:7])
        min_pay = _HIGH_BAND
        for k in range(months):
            day = self.cal.on_or_after((month0 + k + 1).astype("datetime64[D]") + 19)
            if day > stop_d:
                break
            amt = contract_amt * paid_ratio * (cum[k] - (cum[k - 1] if k else 0.0))
            amt = round(max(amt, min_pay + float(rng.uniform(0, 20_000))), 2)
            y = int(str(day)[:4])
            rows.append((i, y, int(str(day)[5:7]) - 1, day, "31005", vendor, amt, cid, code, func))
        if actual_end is not None:
            day = self.cal.on_or_after(actual_end + np.timedelta64(60, "D"))
            if day <= _AS_OF64:
                paid = sum(r[6] for r in rows)
                amt = round(contract_amt * 0.95 - paid, 2)
                amt += 0.37 if amt >= 100_000 and round(amt * 100) % 1_000_000 == 0 else 0.0
                if amt > 0:
                    rows.append(
                        (
                            i,
                            int(str(day)[:4]),
                            int(str(day)[5:7]) - 1,
                            day,
                            "31005",
                            vendor,
                            amt,
                            cid,
                            code,
                            func,
                        )
                    )
        return rows

    def _project_reports(self, code: str, start: str, start_d: np.datetime64, planned_end: np.datetime64,
                         stop: str | None, stop_d: np.datetime64, actual_end: np.datetime64 | None,
                         progress_ratio: float) -> None:
        """A project's quarterly supervisor reports of physical progress (100 % at ``actual_end`` when it
        is complete)."""
        complete = actual_end is not None
        # quarterly supervisor reports
        q = np.datetime64(f"{start[:4]}-{((int(start[5:7]) - 1) // 3 + 1) * 3:02d}")
        last = actual_end if complete else stop_d
        report_until = min(last if complete else _AS_OF64, _AS_OF64)
        while True:
            rd = (q + 1).astype("datetime64[D]") - np.timedelta64(1, "D")
            if rd > report_until:
                break
            if rd >= start_d:
                frac = (rd - start_d) / (planned_end - start_d)
                if stop is not None:
                    frac = min(frac, (stop_d - start_d) / (planned_end - start_d))
                prog = min(100.0, round(100 * float(frac) * progress_ratio, 1))
                self.progress.append({"project_code": code, "report_date": rd, "physical_progress": prog})
            q = q + 3
        if complete:
            self.progress.append(
                {"project_code": code, "report_date": actual_end, "physical_progress": 100.0}
            )
