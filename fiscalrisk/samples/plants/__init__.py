"""The planted cases of the sample: one plant function per indicator code, grouped by indicator module.

Each function holds its cases as data (a table of cases, then one loop) and labels what it plants.
The builder calls them stage by stage, in the order of the tuples below; that order is part of the
sample (plants draw from the builder's random stream and number contracts and procurements), so a new
plant is appended to its stage, never inserted.

- :data:`PLAN`: on the budget plan, before payments are drawn;
- :data:`PAYMENTS`: on the finished background payments (planted payments added, background ones changed);
- :data:`DOCUMENTS`: contracts, procurements and projects with their payments;
- :data:`ASSETS`, :data:`SEALS`, :data:`REVENUE`, :data:`BUDGET` and :func:`plant_ctl01`,
  :func:`plant_bud01`, :func:`plant_bud03`, :func:`plant_bud06`, :func:`plant_out04`: while the other
  tables are built (:mod:`fiscalrisk.samples.tables`).

:data:`PLANTS` maps every indicator code to the function that plants its case.
"""

from __future__ import annotations

from collections.abc import Callable

from fiscalrisk.samples.plants.anomaly import plant_anm01, plant_anm02, plant_anm03, plant_anm04
from fiscalrisk.samples.plants.assets import plant_ast01, plant_ast02
from fiscalrisk.samples.plants.budget import (
    plant_bud01,
    plant_bud02,
    plant_bud03,
    plant_bud04,
    plant_bud05,
    plant_bud06,
)
from fiscalrisk.samples.plants.contracts import (
    plant_con01,
    plant_con02,
    plant_con03,
    plant_con04,
    plant_con05,
)
from fiscalrisk.samples.plants.control import plant_ctl01
from fiscalrisk.samples.plants.outturn import (
    plant_out01,
    plant_out02,
    plant_out03,
    plant_out04,
    plant_out05,
    plant_out06,
)
from fiscalrisk.samples.plants.payments import (
    plant_pay01,
    plant_pay02,
    plant_pay03,
    plant_pay04,
    plant_pay05,
    plant_pay06,
    plant_pay07,
    plant_pay08,
    plant_pay09,
)
from fiscalrisk.samples.plants.procurement import (
    plant_prc01,
    plant_prc02,
    plant_prc03,
    plant_prc04,
    plant_prc05,
    plant_prc06,
)
from fiscalrisk.samples.plants.projects import plant_prj01, plant_prj02, plant_prj03
from fiscalrisk.samples.plants.seals import plant_sel01, plant_sel02, plant_sel03, plant_sel04

PLAN = (plant_anm04,)
PAYMENTS = (
    plant_pay05,
    plant_bud05,
    plant_pay01,
    plant_pay02,
    plant_pay03,
    plant_pay04,
    plant_pay06,
    plant_pay07,
    plant_pay08,
    plant_pay09,
    plant_bud04,
    plant_con02,
    plant_anm03,
    plant_anm01,
    plant_anm02,
    plant_bud02,
)
DOCUMENTS = (
    plant_con01,
    plant_con03,
    plant_con04,
    plant_con05,
    plant_prc01,
    plant_prc02,
    plant_prc03,
    plant_prc04,
    plant_prc05,
    plant_prc06,
    plant_prj01,
    plant_prj02,
    plant_prj03,
)
ASSETS = (plant_ast01, plant_ast02)
SEALS = (plant_sel01, plant_sel02, plant_sel03, plant_sel04)
REVENUE = (plant_out05, plant_out06)
BUDGET = (plant_out01, plant_out02, plant_out03)

#: Indicator code -> the function that plants its case. ANM05's case is BUD01's: the same large 2026
#: allocations, unspent at 30 June, are behind time progress (BUD01) and off the unit's own profile (ANM05).
PLANTS: dict[str, Callable[..., object]] = {
    f.__name__.removeprefix("plant_").upper(): f
    for f in (*PLAN, *PAYMENTS, *DOCUMENTS, *ASSETS, *SEALS, *REVENUE, *BUDGET,
              plant_ctl01, plant_bud01, plant_bud03, plant_bud06, plant_out04)
} | {"ANM05": plant_bud01}

