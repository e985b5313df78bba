"""Plants of the project indicators (PRJ01–PRJ03): construction projects registered through
:meth:`~fiscalrisk.samples.documents.Documents.project` (which draws from the builder's random stream),
with their works contracts, progress reports and payments."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fiscalrisk.samples.builder import _Builder

#: A planted project: (unit, budget, start, months, keyword arguments of ``project``, note)
Project = tuple[str, float, str, int, dict[str, Any], str]


def _plant_projects(b: _Builder, code: str, cases: tuple[Project, ...]) -> None:
    """Register each project, plant its monthly payments and label the project."""
    for unit, budget, start, months, kw, note in cases:
        project_code, rows = b.project(unit, budget, start, months, **kw)
        for i, _y, _m, day, econ, vendor, amt, cid, pcode, func in rows:
            b.pp(b.units.unit_code.iat[i], day, econ, vendor, amt, contract_id=cid, project_code=pcode,
                 function_code=func)
        b.label(code, "project", project_code, note)


PRJ01: tuple[Project, ...] = (
    ("330500-002", 20e6, "2025-09-01", 24,
     {"contract_ratio": 0.92, "paid_ratio": 1.3, "progress_ratio": 0.15, "func": "2050299",
      "name": "湖州市第二中学扩建工程"},
     "paid about 40 pp ahead of reported physical progress (alert)"),
    ("330521-002", 16e6, "2025-07-01", 24,
     {"contract_ratio": 0.92, "paid_ratio": 1.1, "progress_ratio": 0.45, "func": "2050299",
      "name": "德清县实验小学新建工程"},
     "paid about 25 pp ahead of reported physical progress (warning)"),
)


def plant_prj01(b: _Builder) -> None:
    """PRJ01: paid ahead of reported physical progress."""
    _plant_projects(b, "PRJ01", PRJ01)


PRJ02: tuple[Project, ...] = (
    ("330522-002", 18e6, "2024-05-01", 18,
     {"contract_ratio": 0.9, "stop": "2025-07-31", "complete": False, "func": "2050299",
      "name": "长兴县第一中学体育馆工程"},
     "planned end 2025-10-31, works stalled at about 80% (over 180 days late)"),
    ("330503-006", 22e6, "2024-10-01", 18,
     {"contract_ratio": 0.9, "stop": "2026-01-31", "complete": False, "func": "2200199",
      "name": "南浔区自然资源监测站工程"},
     "planned end 2026-03-31, progress about 89% (under 180 days late)"),
)


def plant_prj02(b: _Builder) -> None:
    """PRJ02: projects past their planned end, works stalled."""
    _plant_projects(b, "PRJ02", PRJ02)


PRJ03: tuple[Project, ...] = (
    ("330502-002", 12e6, "2025-03-01", 15,
     {"contract_ratio": 1.13, "func": "2050299", "name": "吴兴区实验小学改造工程"},
     "works contract 113% of the approved project budget"),
    ("330500-021", 8e6, "2024-03-01", 14,
     {"contract_ratio": 1.075, "func": "2050299", "name": "湖州中学实验楼改造工程"},
     "works contract 107.5% of the approved project budget"),
)


def plant_prj03(b: _Builder) -> None:
    """PRJ03: works contracts above the approved project budget."""
    _plant_projects(b, "PRJ03", PRJ03)
