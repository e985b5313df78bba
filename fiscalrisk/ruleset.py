"""A rule set: the whole of a scan's parameters as one immutable object (``docs/rules.md``).

A rule set holds what :func:`fiscalrisk.params.resolve` reads from files — the ``defaults.yaml`` and the
region files of a params directory, and the rules file(s) layered over them (the ``--params`` format,
with its optional ``regions:`` sections) — as data. Resolving a region with a :class:`RuleSet` gives
exactly what ``fiscalrisk scan --params FILE`` gives with that params directory; but a published rule
set (:mod:`fiscalrisk.register.rulesets`) keeps giving it after the directory changes: the content was
copied when the version was published.

Indicators are switched off by the ``switched_off`` parameter (per region, like any parameter) and by
retirement: a code retired from a date is not run by a scan as of that date or later, whatever the
version (``retired``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from fiscalrisk.codes import SAFE_CODE
from fiscalrisk.params import (
    Params,
    default_params_dir,
    file_layers,
    file_regions,
    lineage,
    load_yaml,
    resolve_layers,
)

__all__ = ["UNPUBLISHED", "RuleSet", "diff", "DIFF_COLUMNS", "leaves"]

#: The rules version recorded for a scan that used the params files (``--params``, ``params/``), not a
#: published version.
UNPUBLISHED = "unpublished"

DIFF_COLUMNS = ("indicator", "parameter", "region", "old", "new")
_ALL = "all"


def _canonical(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


@dataclass(frozen=True)
class RuleSet:
    """Parameters as data: ``content`` = ``{"defaults": ..., "region_files": {code: layer}, "files":
    [[name, layer], ...]}``; ``retired``: indicator code → the date from which it is no longer run."""

    version: str
    content: Mapping[str, Any]
    effective_from: dt.date | None = None
    retired: Mapping[str, dt.date] = field(default_factory=dict)

    # -- building ---------------------------------------------------------------------------------
    @classmethod
    def from_files(cls, files: Iterable[str | os.PathLike[str]] = (), *, params_dir: str | os.PathLike[str] | None = None,
                   version: str = UNPUBLISHED) -> RuleSet:
        """The params directory (default ``params/``) with ``files`` layered over it, checked: every
        layer (unknown names with a "did you mean", types) and the result for every region it names."""
        pdir = Path(params_dir) if params_dir is not None else default_params_dir()
        defaults = load_yaml(pdir / "defaults.yaml")
        region_files = {p.stem: load_yaml(p) for p in sorted(pdir.glob("*.yaml"))
                        if p.stem != "defaults" and SAFE_CODE.fullmatch(p.stem)}
        layers = [[Path(f).name, load_yaml(f)] for f in files]
        rules = cls(version, {"defaults": defaults, "region_files": region_files, "files": layers})
        rules.check()
        return rules

    def check(self) -> None:
        """Resolve the rule set for the root and for every region it names; a problem raises
        :class:`fiscalrisk.params.ParamsError` (every problem of the first bad layer)."""
        self.resolve(None)
        for code in sorted(self.regions_named()):
            self.resolve(code)

    def regions_named(self) -> set[str]:
        """The region codes the rule set has parameters for (region files and ``regions:`` sections)."""
        named = set(self.content.get("region_files", {}))
        for name, layer in self.content.get("files", []):
            named |= set(file_regions(layer, name))
        return named

    # -- using --------------------------------------------------------------------------------------
    def resolve(self, region_code: str | None = None, *, tree: Any = None) -> Params:
        """The parameters of ``region_code`` (None: the root's, with no region layer) under this rule set."""
        tag = f"rules {self.version}: "
        chain = lineage(region_code, tree) if region_code is not None else []
        region_files = self.content.get("region_files", {})
        layers: list[tuple[str, Mapping[str, Any]]] = [
            (f"{tag}params/{code}.yaml", region_files[code]) for code in chain if code in region_files]
        for name, layer in self.content.get("files", []):
            layers += file_layers(f"{tag}{name}", layer, chain)
        return resolve_layers(self.content["defaults"], layers, defaults_where=f"{tag}params/defaults.yaml",
                              region_code=None if region_code is None else str(region_code))

    def retired_at(self, as_of: Any) -> list[str]:
        """The codes retired on or before ``as_of`` (a scan as of then does not run them)."""
        day = pd.Timestamp(as_of).date()
        return sorted(code for code, since in self.retired.items() if since <= day)

    @property
    def sha256(self) -> str:
        """The fingerprint of the content (what was published)."""
        return hashlib.sha256(_canonical(self.content).encode("utf-8")).hexdigest()

    def describe(self) -> dict[str, Any]:
        """What a scan's manifest records of the rule set."""
        return {"version": self.version,
                "effective_from": None if self.effective_from is None else str(self.effective_from),
                "sha256": self.sha256, "retired": {k: str(v) for k, v in sorted(self.retired.items())}}


# ------------------------------------------------------------------------------------------ diff
def leaves(value: Any, path: str = "") -> dict[str, Any]:
    """A nested mapping as {"a.b.c": leaf}: what ``rules diff`` and ``rules show`` compare."""
    if isinstance(value, Mapping) and value:
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(leaves(v, f"{path}.{k}" if path else str(k)))
        return out
    return {path: value}


def _shown(value: Any) -> str:
    if value is _MISSING:
        return "(absent)"
    if value is None:
        return "null"
    if isinstance(value, (list, dict)):
        return _canonical(value)
    return str(value)


_MISSING = object()


def _changes(old: Params, new: Params) -> dict[tuple[str, str], tuple[str, str]]:
    """(indicator, parameter) → (old, new) for every value that differs; switched_off by code."""
    a, b = leaves(old.as_dict()), leaves(new.as_dict())
    out: dict[tuple[str, str], tuple[str, str]] = {}
    for path in sorted(set(a) | set(b)):
        va, vb = a.get(path, _MISSING), b.get(path, _MISSING)
        if va == vb:
            continue
        if path == "switched_off":
            was, now = set(va or []) if va is not _MISSING else set(), set(vb or []) if vb is not _MISSING else set()
            for code in sorted(was ^ now):
                out[(code, "switched")] = ("off" if code in was else "on", "off" if code in now else "on")
            continue
        parts = path.split(".")
        if parts[0] == "indicators" and len(parts) > 2:
            out[(parts[1], ".".join(parts[2:]))] = (_shown(va), _shown(vb))
        else:
            out[("", path)] = (_shown(va), _shown(vb))
    return out


def diff(old: RuleSet, new: RuleSet) -> pd.DataFrame:
    """What changes from ``old`` to ``new``: one row per (indicator, parameter, region) with the old and
    the new value (DIFF_COLUMNS). ``region`` is ``all`` for a change of the root's parameters (every
    region that does not set its own); a region appears where its change differs from the one it
    inherits (from the nearest region above it with parameters of its own, else from ``all``). An indicator
    switched on or off has the parameter ``switched`` and the values ``on`` / ``off``."""
    root = _changes(old.resolve(None), new.resolve(None))
    rows = [(ind, par, _ALL, o, n) for (ind, par), (o, n) in root.items()]
    named = sorted(old.regions_named() | new.regions_named(), key=lambda c: (len(c), c))
    changes: dict[str, dict[tuple[str, str], tuple[str, str]]] = {}
    for code in named:
        # a region shows where its change differs from the one it inherits (nearest named ancestor, or all)
        above = [c for c in lineage(code)[:-1] if c in changes]
        inherited = changes[above[-1]] if above else root
        changes[code] = _changes(old.resolve(code), new.resolve(code))
        for key, change in changes[code].items():
            if inherited.get(key) != change:
                rows.append((*key, code, *change))
    frame = pd.DataFrame(rows, columns=list(DIFF_COLUMNS))
    order = frame["region"].map(lambda r: (0, "") if r == _ALL else (1, r))
    frame = frame.assign(_o=order).sort_values(["indicator", "parameter", "_o"], kind="mergesort")
    return frame.drop(columns="_o").reset_index(drop=True)
