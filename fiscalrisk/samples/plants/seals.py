"""Plants of the e-seal indicators (SEL01–SEL04): seal events added to the background log by
:meth:`~fiscalrisk.samples.tables.Tables.seals`, each labelled with its event id once ids exist."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from fiscalrisk.samples.builder import _Builder

#: A planted seal event: (unit, used at, seal type, user, approver, approved, contract id, note)
Seal = tuple[str, str, str, str, str, bool, str, str]


def _events(b: _Builder, code: str, cases: tuple[Seal, ...]) -> list[dict]:
    """The rows of the planted events, tagged ``code:note``."""
    return [
        {
            "unit_idx": b.uidx(unit),
            "seal_type": st,
            "used_at": np.datetime64(ts.replace(" ", "T"), "m"),
            "user_id": user,
            "approver_id": approver,
            "approved": ok,
            "contract_id": cid,
            "document_type": {"contract": "合同", "finance": "付款凭证"}.get(st, "公文"),
            "_tags": f"{code}:{note}",
        }
        for unit, ts, st, user, approver, ok, cid, note in cases
    ]


SEL01: tuple[Seal, ...] = (
    ("330500-006", "2025-11-12 21:40", "official", "U33050000603", "A33050000601", True, "",
     "official seal used at 21:40 on a working day"),
    ("330522-009", "2024-09-15 10:20", "finance", "U33052200902", "A33052200901", True, "",
     "finance seal used on a Sunday"),
)


def plant_sel01(b: _Builder) -> list[dict]:
    """SEL01: seals used outside office hours or on non-working days."""
    return _events(b, "SEL01", SEL01)


SEL02: tuple[Seal, ...] = (
    ("330521-011", "2025-06-05 10:05", "official", "U33052101104", "", True, "",
     "official seal used with no approver"),
    ("330503-007", "2024-03-19 15:30", "finance", "U33050300705", "A33050300702", False, "",
     "finance seal used although the request was not approved"),
)


def plant_sel02(b: _Builder) -> list[dict]:
    """SEL02: seals used without an approval."""
    return _events(b, "SEL02", SEL02)


SEL03: tuple[Seal, ...] = (
    ("330523-005", "2025-08-21 09:45", "finance", "U33052300503", "U33052300503", True, "",
     "finance seal approved by its own user"),
    ("330502-003", "2024-12-03 14:10", "legal_rep", "U33050200306", "U33050200306", True, "",
     "legal-representative seal approved by its own user"),
)


def plant_sel03(b: _Builder) -> list[dict]:
    """SEL03: seals approved by their own user."""
    return _events(b, "SEL03", SEL03)


SEL04: tuple[Seal, ...] = (
    ("330522-014", "2025-04-09 11:25", "contract", "U33052201402", "A33052201401", True, "",
     "contract seal used with no contract"),
    ("330500-022", "2025-10-28 16:05", "contract", "U33050002201", "A33050002203", True, "HT202599999",
     "contract seal naming an unknown contract"),
)


def plant_sel04(b: _Builder) -> list[dict]:
    """SEL04: contract seals with no contract or an unknown one."""
    return _events(b, "SEL04", SEL04)
