"""The region tree (city → county → township) and rollups of unit values up the tree.

The ``regions`` table of the data contract describes a forest: each region has a ``parent_code``,
empty for a root (normally the city, 湖州市 330500; a province may sit above it). Budget units hang
off regions through ``units.region_code``. Every figure the product reports per region comes in two
flavours, because a finance bureau asks two different questions:

* ``own`` — the units registered directly in the region (a county's own departments), and
* ``subtree`` — the region and everything below it (the county with all its townships).

:class:`RegionTree` answers the structural questions (parent, children, ancestors, subtree, level,
depth); :func:`ancestor_pairs` is the join table behind every subtree total (of a tree, or of a raw
``region_code → parent_code`` mapping); :func:`rollup` aggregates a per-unit value into both flavours for every region at once;
:func:`find_cycles` reports parent cycles so input validation can name them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Literal

import numpy as np
import pandas as pd

__all__ = ["RegionTree", "ancestor_pairs", "find_cycles", "rollup"]

RollupHow = Literal["sum", "mean", "max", "count"]


def _clean_code(value: object) -> str | None:
    """A region code as a stripped string, or None for an empty / missing value."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    text = str(value).strip()
    return text or None


def _parent_map(regions: pd.DataFrame) -> dict[str, str | None]:
    """``region_code → parent_code`` (None for roots) from a regions frame."""
    missing = {"region_code", "parent_code"} - set(regions.columns)
    if "region_code" in missing:
        raise ValueError("regions: column 'region_code' is required")
    codes = [_clean_code(v) for v in regions["region_code"]]
    parents = (
        [_clean_code(v) for v in regions["parent_code"]]
        if "parent_code" in regions.columns
        else [None] * len(codes)
    )
    result: dict[str, str | None] = {}
    for code, parent in zip(codes, parents, strict=True):
        if code is None:
            raise ValueError("regions: a row has an empty region_code")
        if code in result:
            raise ValueError(f"regions: region_code {code!r} appears more than once")
        result[code] = parent
    return result


def _cycles_of(parent: Mapping[str, str | None]) -> list[list[str]]:
    """Cycles of a parent map: each rotated to start at its smallest code, sorted."""
    state: dict[str, int] = {}  # 1 = on the current walk, 2 = finished
    cycles: list[list[str]] = []
    for start in sorted(parent):
        if state.get(start):
            continue
        walk: list[str] = []
        node: str | None = start
        while node is not None and node in parent and not state.get(node):
            state[node] = 1
            walk.append(node)
            node = parent[node]
        if node is not None and state.get(node) == 1:
            cycle = walk[walk.index(node) :]
            i = cycle.index(min(cycle))
            cycles.append(cycle[i:] + cycle[:i])
        for visited in walk:
            state[visited] = 2
    return sorted(cycles)


def find_cycles(regions: pd.DataFrame) -> list[list[str]]:
    """Every cycle of ``parent_code`` links in a regions table.

    Each cycle is the list of region codes on it, in parent order (``a``'s parent is ``b``, ...),
    rotated to start at its smallest code; a region that is its own parent is a cycle of one.
    The list is sorted, and empty when the table is a proper forest. Parents that do not exist in
    the table are not cycles (validation reports them as broken references).
    """
    return _cycles_of(_parent_map(regions))


class RegionTree:
    """The region forest of a data set.

    Codes are strings. Lists returned by the methods are sorted by code unless stated otherwise, so
    results are deterministic. An unknown code raises :class:`KeyError` naming it.
    """

    __slots__ = ("_parent", "_children", "_name", "_level", "_depth")

    def __init__(
        self,
        parent: Mapping[str, str | None],
        *,
        names: Mapping[str, str] | None = None,
        levels: Mapping[str, str] | None = None,
    ) -> None:
        parent = dict(parent)
        unknown = sorted(f"{c} → {p}" for c, p in parent.items() if p is not None and p not in parent)
        if unknown:
            raise ValueError(f"regions: parent_code does not exist in regions: {', '.join(unknown)}")
        cycles = _cycles_of(parent)
        if cycles:
            shown = "; ".join(" → ".join([*c, c[0]]) for c in cycles)
            raise ValueError(f"regions: parent_code links form a cycle: {shown}")
        children: dict[str, list[str]] = {code: [] for code in parent}
        for code, par in parent.items():
            if par is not None:
                children[par].append(code)
        self._parent = parent
        self._children = {code: sorted(kids) for code, kids in children.items()}
        self._name = dict(names or {})
        self._level = dict(levels or {})
        self._depth: dict[str, int] = {}
        for code in sorted(parent):
            self._depth[code] = len(self.ancestors(code))

    @classmethod
    def from_frame(cls, regions: pd.DataFrame) -> RegionTree:
        """Build the tree from a ``regions`` frame (region_code, name, level, parent_code).

        ``parent_code`` empty or NaN marks a root. Raises :class:`ValueError` on duplicated codes,
        a parent that does not exist, or a cycle.
        """
        parent = _parent_map(regions)
        codes = list(parent)
        names = (
            {c: str(n) for c, n in zip(codes, regions["name"], strict=True) if _clean_code(n) is not None}
            if "name" in regions.columns
            else {}
        )
        levels = (
            {c: str(v) for c, v in zip(codes, regions["level"], strict=True) if _clean_code(v) is not None}
            if "level" in regions.columns
            else {}
        )
        return cls(parent, names=names, levels=levels)

    # -- basic access -------------------------------------------------------------------------
    def _check(self, code: str) -> str:
        code = str(code)
        if code not in self._parent:
            raise KeyError(f"unknown region {code!r}")
        return code

    def __contains__(self, code: object) -> bool:
        return str(code) in self._parent

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._parent))

    def __len__(self) -> int:
        return len(self._parent)

    def __repr__(self) -> str:
        return f"RegionTree({len(self)} regions, roots={self.roots})"

    @property
    def codes(self) -> list[str]:
        """All region codes, sorted."""
        return sorted(self._parent)

    @property
    def roots(self) -> list[str]:
        """Regions without a parent, sorted."""
        return sorted(c for c, p in self._parent.items() if p is None)

    def parent(self, code: str) -> str | None:
        """The parent's code, or None for a root."""
        return self._parent[self._check(code)]

    def children(self, code: str) -> list[str]:
        """Direct children, sorted."""
        return list(self._children[self._check(code)])

    def ancestors(self, code: str) -> list[str]:
        """The region's ancestors, root first, not including the region itself."""
        chain: list[str] = []
        node = self._parent[self._check(code)]
        while node is not None:
            chain.append(node)
            node = self._parent[node]
        return chain[::-1]

    def lineage(self, code: str) -> list[str]:
        """Root first down to and including the region (the params layering order)."""
        return [*self.ancestors(code), self._check(code)]

    def descendants(self, code: str) -> list[str]:
        """All regions below the region (not itself), sorted."""
        out: list[str] = []
        stack = list(self._children[self._check(code)])
        while stack:
            node = stack.pop()
            out.append(node)
            stack.extend(self._children[node])
        return sorted(out)

    def subtree(self, code: str) -> list[str]:
        """The region and all its descendants, sorted."""
        return sorted([self._check(code), *self.descendants(code)])

    def level(self, code: str) -> str | None:
        """The region's level (province / city / county / township), None when not given."""
        return self._level.get(self._check(code))

    def name(self, code: str) -> str | None:
        """The region's name, None when not given."""
        return self._name.get(self._check(code))

    def depth(self, code: str) -> int:
        """Number of ancestors: 0 for a root."""
        return self._depth[self._check(code)]

    def to_frame(self) -> pd.DataFrame:
        """The tree as a frame: region_code, name, level, parent_code, depth (sorted by code)."""
        codes = self.codes
        return pd.DataFrame(
            {
                "region_code": codes,
                "name": [self._name.get(c) for c in codes],
                "level": [self._level.get(c) for c in codes],
                "parent_code": [self._parent[c] for c in codes],
                "depth": [self._depth[c] for c in codes],
            }
        )

    def ancestor_pairs(self, codes: Iterable[str] | None = None) -> pd.DataFrame:
        """Pairs (region_code, ancestor_code) with every ancestor *and the region itself*.

        The join table behind subtree rollups: a value attached to ``region_code`` counts towards
        the subtree of every ``ancestor_code``.
        """
        return ancestor_pairs(self._parent, self.codes if codes is None else [self._check(c) for c in codes])


def ancestor_pairs(parent: Mapping[str, object], codes: Iterable[str] | None = None) -> pd.DataFrame:
    """Pairs (region_code, ancestor_code): every region of ``codes`` (default: every key of ``parent``)
    with each of its ancestors and itself, root first.

    ``parent`` maps a region code to its parent's code. The walk up stops at a root (None, empty, NaN),
    at a parent code that is not a region, and where the chain comes back to a region it passed (a
    cycle of the raw regions table), so that the table can be built before validation too.
    """
    rows: list[tuple[str, str]] = []
    for code in parent if codes is None else codes:
        chain: list[str] = []
        node: object = code
        while node in parent and node not in chain:
            chain.append(node)  # type: ignore[arg-type]
            node = parent[node]  # type: ignore[index]
        rows.extend((code, a) for a in reversed(chain))
    return pd.DataFrame(rows, columns=["region_code", "ancestor_code"], dtype="str")


_EMPTY_VALUE: dict[str, float] = {"sum": 0.0, "count": 0.0, "mean": np.nan, "max": np.nan}


def rollup(
    values: pd.Series,
    units: pd.DataFrame,
    tree: RegionTree,
    how: RollupHow = "sum",
) -> pd.DataFrame:
    """Aggregate a per-unit value to every region of the tree, own units and whole subtree.

    Parameters
    ----------
    values:
        One value per unit, indexed by ``unit_code``. Missing values (NaN) are skipped, as pandas
        does; a unit code that appears several times counts every time.
    units:
        The ``units`` table (at least ``unit_code`` and ``region_code``). Values of units absent
        from it, or whose region is not in the tree, are left out.
    tree:
        The region tree.
    how:
        ``sum`` (empty → 0), ``mean`` (empty → NaN), ``max`` (empty → NaN) or ``count`` of
        non-missing values (empty → 0).

    Returns
    -------
    DataFrame indexed by ``region_code`` (every region of the tree, sorted) with columns ``own``
    (units registered directly in the region) and ``subtree`` (units in the region and all its
    descendants). ``count`` gives integer columns, the others float.
    """
    if how not in _EMPTY_VALUE:
        raise ValueError(f"rollup: parameter 'how' expected one of sum, mean, max, count; got {how!r}")
    unit_region = (
        units.loc[:, ["unit_code", "region_code"]]
        .astype({"unit_code": "str", "region_code": "str"})
        .drop_duplicates("unit_code")
        .set_index("unit_code")["region_code"]
    )
    frame = pd.DataFrame(
        {
            "unit_code": values.index.astype("str"),
            "value": pd.to_numeric(pd.Series(values.to_numpy(), dtype="float64"), errors="coerce"),
        }
    )
    frame["region_code"] = frame["unit_code"].map(unit_region)
    frame = frame[frame["region_code"].isin(tree.codes)]

    index = pd.Index(tree.codes, name="region_code", dtype="str")
    own = frame.groupby("region_code")["value"].agg(how)

    pairs = tree.ancestor_pairs(frame["region_code"].unique())
    expanded = frame.merge(pairs, on="region_code", how="inner")
    sub = expanded.groupby("ancestor_code")["value"].agg(how)

    fill = _EMPTY_VALUE[how]
    result = pd.DataFrame(
        {
            "own": own.reindex(index).astype("float64").fillna(fill)
            if how in ("sum", "count")
            else own.reindex(index).astype("float64"),
            "subtree": sub.reindex(index).astype("float64").fillna(fill)
            if how in ("sum", "count")
            else sub.reindex(index).astype("float64"),
        },
        index=index,
    )
    if how == "count":
        result = result.astype("int64")
    return result
