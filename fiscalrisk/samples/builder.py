"""The sample builder: one random stream, the tables while they are built, and the labels of planted cases.

:class:`_Builder` puts together the background (:mod:`fiscalrisk.samples.background`), the contract,
procurement and project registers (:mod:`fiscalrisk.samples.documents`), the other tables
(:mod:`fiscalrisk.samples.tables`) and the plants (:mod:`fiscalrisk.samples.plants`), in one order: the
sample depends on the order of draws from the stream.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from fiscalrisk.samples import performance, plants
from fiscalrisk.samples.background import Background
from fiscalrisk.samples.documents import Documents
from fiscalrisk.samples.output import _conform
from fiscalrisk.samples.reference import _GIVEN, _PURPOSE, _SURNAMES, AS_OF, SIZES, _regions, _units
from fiscalrisk.samples.tables import Tables
from fiscalrisk.samples.workdays import _Calendar


class _Builder(Background, Documents, Tables):
    """Holds the random stream and the tables while they are built, and the labels of planted cases."""

    def __init__(self, seed: int, size: str) -> None:
        if size not in SIZES:
            raise ValueError(f"size must be one of {sorted(SIZES)}, got {size!r}")
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.density = SIZES[size]["density"]
        self.seal_density = SIZES[size]["seals"]
        self.cal = _Calendar.build()
        self.regions = _regions()
        self.units = _units(self.rng)
        self.nu = len(self.units)
        self.labels: list[tuple[str, str, str, str]] = []

    # ----------------------------------------------------------------- helpers
    def label(self, indicator: str, subject_type: str, subject_id: str, note: str) -> None:
        self.labels.append((indicator, subject_type, subject_id, note))

    def staff_names(self, unit_idx: np.ndarray, k: np.ndarray) -> np.ndarray:
        """Deterministic staff names of a unit (k-th member)."""
        if not hasattr(self, "_staff"):
            ui, kk = np.meshgrid(np.arange(self.nu), np.arange(128), indexing="ij")
            s = (ui * 7 + kk * 13) % len(_SURNAMES)
            g1 = (ui * 3 + kk * 5) % len(_GIVEN)
            g2 = (ui * 11 + kk * 17 + 3) % len(_GIVEN)
            giv2 = np.where(kk % 3 == 0, "", np.array(_GIVEN)[g2])
            self._staff = np.char.add(np.char.add(np.array(_SURNAMES)[s], np.array(_GIVEN)[g1]), giv2).astype(
                object
            )
        return self._staff[np.asarray(unit_idx), np.asarray(k) % 128]

    def uidx(self, code: str) -> int:
        """The row of unit ``code`` in the units table."""
        return int(np.flatnonzero(self.units.unit_code.to_numpy() == code)[0])

    def pp(
        self,
        unit: str,
        date: str | np.datetime64,
        econ: str,
        payee: str,
        amount: float,
        *,
        tags: tuple[tuple[str, str], ...] = (),
        ptype: str = "organization",
        method: str = "transfer",
        **kw: object,
    ) -> None:
        """Add one planted payment; ``tags`` are (indicator, note) labels whose subject is this payment
        (resolved to its payment id by :meth:`finish_payments`)."""
        d = np.datetime64(date, "D")
        i = self.uidx(unit)
        row = {
            "unit_idx": i,
            "year": int(str(d)[:4]),
            "month": int(str(d)[5:7]) - 1,
            "pay_date": d,
            "economic_code": econ,
            "payee_name": payee,
            "payee_type": ptype,
            "method": method,
            "amount": round(float(amount), 2),
            "kind": "planted",
            "function_code": self.units.func.iat[i],
            "project_code": "",
            "contract_id": "",
            "_tags": "|".join(f"{c}:{n}" for c, n in tags),
        } | kw
        self.planted.append(row)

    # ----------------------------------------------------------------- assembly
    def run(self) -> dict[str, pd.DataFrame]:
        """Build every table: plan, background payments, the plants stage by stage, the other tables, the
        performance tables (their own stream) and the labels."""
        self.contracts: list[dict] = []
        self.procurement: list[dict] = []
        self.projects: list[dict] = []
        self.progress: list[dict] = []
        self.planted: list[dict] = []
        self.fabricated: list[pd.DataFrame] = []
        self.n_contracts = 0
        self.n_procurements = 0
        self.split_t = self.unit_limit("PAY06", "threshold")
        self.plan()
        for plant in plants.PLAN:
            plant(self)
        pay = pd.concat(
            [self.background_payments(), self.background_contracts(), self.background_projects()],
            ignore_index=True,
        )
        pay = self._smooth_months(pay)
        pay = pd.concat([pay, self.contingency(pay)], ignore_index=True)
        pay["pay_date"] = pd.to_datetime(pay.pay_date.to_numpy().astype("datetime64[D]"))
        pay = self.hygiene(pay)
        pay = self.refunds(pay)
        pay["_tags"] = ""
        for plant in plants.PAYMENTS:
            plant(self, pay)
        for plant in plants.DOCUMENTS:
            plant(self)
        planted = pd.DataFrame(self.planted)
        planted["pay_date"] = pd.to_datetime(planted.pay_date.to_numpy().astype("datetime64[D]"))
        fab = pd.concat(self.fabricated, ignore_index=True)
        fab["pay_date"] = pd.to_datetime(fab.pay_date.to_numpy().astype("datetime64[D]"))
        pay = pd.concat([pay, planted, fab], ignore_index=True)
        pay["no_line"] = pay.get("no_line", pd.Series(False, index=pay.index)).fillna(False).astype(bool)
        by = pay.get("budget_year", pd.Series(np.nan, index=pay.index))
        pay["budget_year"] = by.fillna(pay.pay_date.dt.year).astype(int)
        pay["_tags"] = pay._tags.fillna("")
        h1 = pay[(pay.pay_date <= pd.Timestamp(AS_OF)) & (pay.budget_year == 2026) & ~pay.no_line]
        self._h1_paid = (
            h1.groupby(["unit_idx", "function_code", "economic_code", "project_code"]).amount.sum().to_dict()
        )
        budget = self.budget(pay)
        pay = pay[pay.pay_date <= pd.Timestamp(AS_OF)]
        tables = {
            "regions": self.regions,
            "units": self.units[["unit_code", "name", "region_code", "kind", "headcount"]],
        }
        tables["budget"] = budget
        tables["payments"] = self.finish_payments(pay)
        contracts = pd.DataFrame(self.contracts)
        tables["contracts"] = contracts
        tables["procurement"] = pd.DataFrame(self.procurement)
        tables["projects"] = pd.DataFrame(self.projects)
        tables["project_progress"] = pd.DataFrame(self.progress).drop_duplicates(
            ["project_code", "report_date"], keep="last"
        )
        tables["assets"] = self.assets()
        tables["seal_events"] = self.seals(contracts)
        tables["revenue"] = self.revenue()
        tables["ic_checklist"] = self.ic_checklist()
        out = {name: _conform(name, df) for name, df in tables.items()}
        # budget performance: its own random stream over the finished budget and payments, so that the
        # other tables are those of a sample without it
        names = {str(p["project_code"]): str(p["name"]) for p in self.projects}
        perf, perf_labels = performance.performance_tables(out, self.seed, pd.Timestamp(AS_OF), names)
        out.update({name: _conform(name, df) for name, df in perf.items()})
        self.labels.extend(perf_labels)
        labels = pd.DataFrame(self.labels, columns=["indicator", "subject_type", "subject_id", "note"])
        labels = (
            labels.drop_duplicates(["indicator", "subject_type", "subject_id"])
            .sort_values(["indicator", "subject_type", "subject_id"], kind="stable")
            .reset_index(drop=True)
        )
        out["labels"] = labels.astype(str)
        return out

    def finish_payments(self, pay: pd.DataFrame) -> pd.DataFrame:
        """Ids in date order, payee accounts, purposes; resolve planted payment labels to ids."""
        u = self.units
        pay = pay.copy()
        pay["unit_code"] = u.unit_code.to_numpy()[pay.unit_idx.astype(int)]
        o = np.lexsort(
            (
                pay.amount.to_numpy(),
                pd.factorize(pay.payee_name, sort=True)[0],
                pd.factorize(pay.economic_code, sort=True)[0],
                pay.unit_idx.to_numpy(),
                pay.pay_date.to_numpy(),
            )
        )
        pay = pay.iloc[o].reset_index(drop=True)
        pay["payment_id"] = pd.Series(np.arange(1, len(pay) + 1)).map("ZF{:08d}".format).to_numpy()
        # a stable bank account per payee: personal cards (6217…) for individuals, corporate accounts
        # (3301…) otherwise
        codes, uniques = pd.factorize(pay.payee_name, sort=True)
        nums = (np.arange(len(uniques), dtype=np.int64) * 7_919 + 104_729) % 10**10
        personal = np.array([f"6217{n:010d}" for n in nums], dtype=object)
        corporate = np.array([f"3301{n:010d}" for n in nums], dtype=object)
        pay["payee_account"] = np.where(
            (pay.payee_type == "individual").to_numpy(), personal[codes], corporate[codes]
        )
        purpose = pay.economic_code.map(_PURPOSE).fillna("其他支出").to_numpy(dtype=object)
        monthly = pay.kind.isin(["payroll", "recurring", "utility"]).to_numpy()
        month_name = np.array([f"{m}月" for m in range(13)], dtype=object)
        purpose = np.where(monthly, month_name[pay.pay_date.dt.month.to_numpy()] + purpose, purpose)
        if "purpose" in pay:
            given = pay.purpose.notna().to_numpy()
            purpose = np.where(given, pay.purpose.to_numpy(dtype=object), purpose)
        pay["purpose"] = purpose
        tags = pay._tags.fillna("").to_numpy(dtype=object)
        for k in np.flatnonzero(tags != ""):
            for tag in str(pay._tags.iat[k]).split("|"):
                code, note = tag.split(":", 1)
                self.label(code, "payment", pay.payment_id.iat[k], note)
        return pay


