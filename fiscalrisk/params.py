"""Parameters of a scan: ``params/`` YAML files layered defaults → city → county → township.

``params/defaults.yaml`` declares every parameter that exists, with its default and the source it
comes from (indicator catalogue, ``shared/spec/indicators.md``). Layers on top of it, in order:

1. ``params/<region_code>.yaml`` for every ancestor of the region and the region itself, root first
   (湖州市 330500 → 长兴县 330522 → 泗安镇 330522102); a region without a file is skipped;
2. extra ``files`` (``fiscalrisk scan --params FILE``), in the order given; a file may hold a
   ``regions:`` section (region code → parameters), layered after the rest of the file for that region
   and its subtree, root first — the format of a rules version too (``docs/rules.md``);
3. an ``overrides`` mapping (a notebook's parameters, a test).

Dicts merge key by key; lists and scalars replace. Each layer is checked before it is merged:

* an unknown key at any depth is an error that names the key path, the file and a
  "did you mean 'X'?" — a typo must stop the run, not fall back silently to a default;
* a value must have the type of its default (int and float are interchangeable; an ``int``
  parameter takes only whole numbers; lists of codes are lists of strings, so ``"001"`` stays
  ``"001"``); thresholds (``warning``, ``alert``, ``<name>_warning``, ``<name>_alert``) may be
  ``null`` to switch that level off;
* an indicator's parameter must satisfy the constraint its indicator declares with it
  (``@indicator(params={"near_share": Param("…", SHARE)})``: a range, a choice of values, a time of
  day); any other number must be ≥ 0.

Money thresholds are stated in yuan in the defaults; for data in another currency, ``currency`` and
``threshold_scale`` (data's currency per yuan) convert the ones that keep their default (see
``_scale_money``); a money value set in a layer is in the data's currency already.

The resolved parameters are then checked as a whole: thresholds must be in order (see
:data:`DIRECTIONS`, read from each indicator's ``grade``), and each indicator's own ``check`` (CTL01's
weights, ANM01's bounds) must pass (wherever the indicators are loaded, as in a scan, or a layer sets one
of their parameters). What the indicators declare is read from the catalogue they register
(:mod:`fiscalrisk.param_catalogue`): this module never imports them. Every problem is reported in one
:class:`ParamsError` whose lines share one sentence shape::

    parameter '<path>' of <indicator/module/section> in <file>: expected <what>, got <what was given>
"""

from __future__ import annotations

import copy
import datetime as dt
import difflib
import functools
import os
import re
import reprlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd
import yaml

from fiscalrisk.codes import SAFE_CODE, SAFE_CODE_TEXT
from fiscalrisk.findings import MODULES
from fiscalrisk.param_catalogue import catalogue as _catalogue
from fiscalrisk.param_catalogue import registered as _catalogue_registered
from fiscalrisk.resources import params_dir
from fiscalrisk.safe_yaml import load_yaml_text

if TYPE_CHECKING:
    from fiscalrisk.hierarchy import RegionTree

__all__ = [
    "DIRECTIONS",
    "MODULES",
    "Params",
    "ParamsError",
    "default_params_dir",
    "describe",
    "direction",
    "file_layers",
    "file_regions",
    "lineage",
    "resolve_layers",
    "fiscal_year_start_month",
    "load_yaml",
    "resolve",
    "time_progress",
    "validate_keys",
]

Direction = Literal["higher", "lower", "band"]


class _Directions(Mapping[str, Direction]):
    """How an indicator's value is graded against its thresholds, for the indicators that are not
    "higher is worse" (the default), read from their declared ``grade``: ``lower`` (``le`` / ``lt``: the
    value is bad when small — few bidders, a low forecast execution rate, a low internal-control score —
    so ``alert ≤ warning``); ``band`` (``outside``: the thresholds are ``[low, high]`` ranges, PEFA PI-1
    and PI-3.1 outturn bands, and the alert band must contain the warning band)."""

    def _data(self) -> dict[str, Direction]:
        cat = _catalogue()
        return {code: d for code in cat.codes() if (d := cat.direction(code)) != "higher"}  # type: ignore[misc]

    def __getitem__(self, code: str) -> Direction:
        return self._data()[code]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data())

    def __len__(self) -> int:
        return len(self._data())

    def __repr__(self) -> str:
        return repr(self._data())


#: code → ``lower`` or ``band`` for the indicators whose grade is not "higher is worse"
DIRECTIONS: Mapping[str, Direction] = _Directions()

#: The business modules of the catalogue (fiscalrisk.findings.MODULES); ``Params.module(name)``
#: answers ``{}`` for a module that has no shared parameters.

_LEVELS = ("warning", "alert")
_ENUMS: dict[str, tuple[str, ...]] = {
    "time_progress.method": ("days", "months", "targets"),
    "calendar.base": ("cn", "weekdays"),
    "scores.region_aggregate": ("mean", "max"),
}
# Whole-number parameters with a fixed range: path → (lowest, highest), both allowed.
_RANGES: dict[str, tuple[int, int]] = {
    "calendar.fiscal_year_start_month": (1, 12),
}
_CURRENCY = re.compile(r"^[A-Z]{3}$")  # ISO 4217 alphabetic code
_QUARTERS = ("Q1", "Q2", "Q3", "Q4")
_OVERRIDES = "<overrides>"


class ParamsError(ValueError):
    """Bad parameters. ``problems`` holds one sentence per problem, all of the same shape."""

    def __init__(self, problems: str | Sequence[str]) -> None:
        self.problems: list[str] = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


# ----------------------------------------------------------------------------------- helpers
def direction(code: str) -> Direction:
    """How the thresholds of indicator ``code`` are ordered, from its ``grade``: higher (default), lower or
    band."""
    return _catalogue().direction(code)  # type: ignore[return-value]


def _declared(path: str) -> Any:
    """The constraint declared for an indicator parameter ``indicators.<code>.<name>`` (None otherwise)."""
    parts = path.split(".")
    if len(parts) != 3 or parts[0] != "indicators":
        return None
    return _catalogue().constraint(parts[1], parts[2])


def default_params_dir() -> Path:
    """The ``params/`` directory: ``$FISCALRISK_PARAMS_DIR`` if set, else the source checkout's, else the
    copy shipped in the package (:func:`fiscalrisk.resources.params_dir`)."""
    return params_dir()


def _subject(path: str) -> str:
    """What a parameter path belongs to, for messages: 'indicator PAY06', 'module outturn', ..."""
    parts = path.split(".")
    if len(parts) == 1:
        return "params"
    if parts[0] == "indicators":
        return f"indicator {parts[1]}"
    if parts[0] == "modules":
        return f"module {parts[1]}"
    return parts[0]


def _problem(path: str, where: str, expected: str, given: str, *, what: str | None = None) -> str:
    """The one sentence shape of every parameter problem."""
    return f"parameter '{path}' of {what or _subject(path)} in {where}: expected {expected}, got {given}"


def _did_you_mean(key: str, allowed: Iterable[str]) -> str:
    allowed = sorted(allowed)
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    if not close:
        close = [a for a in allowed if a.lower() == key.lower()]
    if close:
        return f"a known name (did you mean '{close[0]}'?)"
    shown = ", ".join(allowed[:12]) + (", ..." if len(allowed) > 12 else "")
    return f"one of {shown}" if allowed else "no keys here"


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def validate_keys(
    mapping: Mapping[str, Any],
    allowed: Iterable[str] | Mapping[str, Any],
    where: str,
    *,
    path: str = "",
    what: str | None = None,
) -> None:
    """Raise :class:`ParamsError` for every key of ``mapping`` that ``allowed`` does not know.

    ``allowed`` is a collection of names, or a mapping whose non-empty mapping values describe the
    allowed keys one level down (a defaults tree); nested mappings are then checked recursively.
    ``where`` names the origin (a file, "notebook parameters"), ``path`` prefixes the key paths and
    ``what`` names the owner in messages (defaults to what the path implies)::

        validate_keys(nb_params, {"region_code", "as_of", "data_dir"}, "notebook parameters")
    """
    problems = _unknown_keys(mapping, allowed, where, path, what)
    if problems:
        raise ParamsError(problems)


def _unknown_keys(
    mapping: Mapping[str, Any],
    allowed: Iterable[str] | Mapping[str, Any],
    where: str,
    path: str,
    what: str | None,
) -> list[str]:
    names = list(allowed.keys()) if isinstance(allowed, Mapping) else list(allowed)
    problems = []
    for key, value in mapping.items():
        skey = str(key)
        if skey not in names:
            shown = skey if len(skey) <= QUOTE_MAX else skey[: QUOTE_MAX - 1] + "…"  # a key can be hostile too
            problems.append(
                _problem(_join(path, shown), where, _did_you_mean(shown, names), f"'{shown}'", what=what)
            )
            continue
        if isinstance(allowed, Mapping):
            sub = allowed[skey]
            if isinstance(sub, Mapping) and sub and isinstance(value, Mapping):
                problems += _unknown_keys(value, sub, where, _join(path, skey), what)
    return problems


def load_yaml(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a params YAML file into a dict (an empty file is ``{}``); problems are ParamsErrors.

    A file unchanged since it was last read (same size and modification time) is not parsed again: a
    province scan resolves the params of over a thousand regions, each layered on ``defaults.yaml``.
    """
    p = Path(path)
    where = str(p)
    if not p.is_file():
        raise ParamsError(_problem("<file>", where, "an existing YAML file", "no such file", what="params"))
    st = p.stat()
    return copy.deepcopy(_load_yaml_cached(where, st.st_mtime_ns, st.st_size))


@functools.lru_cache(maxsize=4096)
def _load_yaml_cached(where: str, mtime_ns: int, size: int) -> dict[str, Any]:
    p = Path(where)
    try:
        data = load_yaml_text(p.read_text(encoding="utf-8-sig"), "params")
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "somewhere"
        reason = str(getattr(exc, "problem", None) or exc)[:200]
        if reason.endswith("anchors/aliases"):
            expected, given = "YAML without anchors or aliases", f"an anchor or alias at {at} ({reason})"
        else:
            expected, given = "valid YAML", f"a syntax error at {at} ({reason})"
        raise ParamsError(_problem("<file>", where, expected, given, what="params")) from None
    except UnicodeDecodeError:
        raise ParamsError(
            _problem("<file>", where, "UTF-8 text", "undecodable bytes", what="params")
        ) from None
    except (ValueError, RecursionError) as exc:  # an integer of thousands of digits, nesting thousands deep
        raise ParamsError(
            _problem("<file>", where, "valid YAML", f"a value that cannot be read ({str(exc)[:80]})", what="params")
        ) from None
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise ParamsError(
            _problem("<file>", where, "a mapping at the top level", type(data).__name__, what="params")
        )
    return _string_keys(data)


def _string_keys(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _string_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_string_keys(v) for v in value]
    return value


# ------------------------------------------------------------------------- type checking
def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


#: The most characters of a value quoted in a message; a longer one is cut, the cut marked with "…".
QUOTE_MAX = 80
_SHORT = reprlib.Repr()  # renders a bounded head of a huge list or mapping, never the whole of it
_SHORT.maxlist = _SHORT.maxtuple = _SHORT.maxdict = _SHORT.maxset = 40
_SHORT.maxstring = _SHORT.maxother = _SHORT.maxlong = QUOTE_MAX
_SHORT.maxlevel = 4


def _describe(value: Any) -> str:
    """How a given value is named in a message: its kind, then at most :data:`QUOTE_MAX` characters."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        kind, shown = "the boolean", repr(value)
    elif isinstance(value, (int, float)):
        kind, shown = "the number", _SHORT.repr(value)
    elif isinstance(value, str):
        kind, shown = "the string", repr(value[:QUOTE_MAX])
    elif isinstance(value, list):
        kind, shown = "the list", _SHORT.repr(value)
    elif isinstance(value, Mapping):
        kind, shown = "a mapping with keys", _SHORT.repr(sorted(value))
    else:
        kind, shown = type(value).__name__, _SHORT.repr(value)
    if len(shown) > QUOTE_MAX:
        shown = shown[: QUOTE_MAX - 1] + "…"
    return f"{kind} {shown}"


#: how a given value is named in a problem (for an indicator's ``check``)
describe = _describe


def _is_threshold(key: str) -> bool:
    return key in _LEVELS or key.endswith(("_warning", "_alert"))


def _sibling(key: str) -> str | None:
    """The other threshold of a warning/alert pair: 'single_warning' ↔ 'single_alert'."""
    if key == "warning":
        return "alert"
    if key == "alert":
        return "warning"
    if key.endswith("_warning"):
        return key[: -len("warning")] + "alert"
    if key.endswith("_alert"):
        return key[: -len("alert")] + "warning"
    return None


def _indicator_schema(defaults: Mapping[str, Any]) -> dict[str, Any]:
    """An indicator's allowed keys: its defaults plus the missing half of each threshold pair."""
    schema = dict(defaults)
    for key, value in defaults.items():
        other = _sibling(key)
        if other and other not in schema:
            schema[other] = value
    return schema


def _check_value(default: Any, value: Any, path: str, where: str, problems: list[str]) -> Any:
    """Check ``value`` against the type of ``default`` and, for an indicator's parameter, the constraint it
    declares (``@indicator(params=...)``); return it normalised (ints as int, ...)."""
    constraint = _declared(path) if value is not None else None
    if constraint is not None:
        before = len(problems)
        value = _check_type(default, value, path, where, problems, declared=True)
        if len(problems) == before and not constraint.is_satisfied_by(value):
            problems.append(_problem(path, where, str(constraint), _describe(value)))
        return value
    return _check_type(default, value, path, where, problems)


def _check_type(default: Any, value: Any, path: str, where: str, problems: list[str], *,
                declared: bool = False) -> Any:
    """The type check of :func:`_check_value`; the range checks of an undeclared parameter (a number ≥ 0),
    unless ``declared`` (the declaration's constraint is checked instead)."""
    key = path.rsplit(".", 1)[-1]
    if value is None:
        if _is_threshold(key):
            return None  # a level switched off
        expected = "a mapping" if isinstance(default, Mapping) else f"a value like the default {default!r}"
        problems.append(_problem(path, where, expected, "null"))
        return value
    if path in _ENUMS:
        options = _ENUMS[path]
        if value not in options:
            problems.append(_problem(path, where, f"one of {', '.join(options)}", _describe(value)))
        return value
    if isinstance(default, bool):
        if not isinstance(value, bool):
            problems.append(_problem(path, where, "true or false", _describe(value)))
        return value
    if isinstance(default, int) and not isinstance(default, bool):
        if not _is_number(value) or float(value) != int(value):
            problems.append(_problem(path, where, "a whole number", _describe(value)))
            return value
        value = int(value)
        if path in _RANGES:
            lo, hi = _RANGES[path]
            if not lo <= value <= hi:
                problems.append(_problem(path, where, f"a whole number from {lo} to {hi}", _describe(value)))
            return value
    elif isinstance(default, float):
        if not _is_number(value):
            problems.append(_problem(path, where, "a number", _describe(value)))
            return value
        value = float(value)
    elif isinstance(default, str):
        if not isinstance(value, str):
            problems.append(_problem(path, where, "a string (quote codes: '001')", _describe(value)))
            return value
        if path == "currency" and not _CURRENCY.match(value):
            problems.append(_problem(path, where, "an ISO 4217 currency code such as CNY or GBP", _describe(value)))
        return value
    elif isinstance(default, list):
        return _check_list(default, value, path, where, problems, declared=declared)
    elif isinstance(default, Mapping):
        if not isinstance(value, Mapping):
            problems.append(_problem(path, where, "a mapping", _describe(value)))
            return value
        if not default:
            # an empty mapping in the defaults is a free-form table (e.g. limits by year): keep it whole
            return copy.deepcopy(dict(value))
        out = {}
        schema = (
            _indicator_schema(default) if path.count(".") == 1 and path.startswith("indicators.") else default
        )
        for k, v in value.items():
            if k in schema:  # unknown keys are reported by _unknown_keys
                out[k] = _check_value(schema[k], v, _join(path, k), where, problems)
        return out
    if _is_number(value) and not declared:
        if path == "threshold_scale" and value <= 0:
            problems.append(_problem(path, where, "a factor > 0 (the data's currency per yuan)", _describe(value)))
        elif value < 0:
            problems.append(_problem(path, where, "a number ≥ 0", _describe(value)))
    return value


def _check_list(default: list[Any], value: Any, path: str, where: str, problems: list[str], *,
                declared: bool = False) -> Any:
    if not isinstance(value, list):
        problems.append(_problem(path, where, f"a list like {default!r}", _describe(value)))
        return value
    # Element type: that of the default's elements; an empty default list holds codes (strings).
    if not default or all(isinstance(x, str) for x in default):
        bad = [x for x in value if not isinstance(x, str)]
        if bad:
            problems.append(
                _problem(path, where, "a list of strings (quote codes: ['307'])", _describe(value))
            )
        return value
    if all(_is_number(x) for x in default):
        if any(not _is_number(x) for x in value):
            problems.append(_problem(path, where, "a list of numbers", _describe(value)))
            return value
        if all(isinstance(x, int) for x in default):
            if any(float(x) != int(x) for x in value):
                problems.append(_problem(path, where, "a list of whole numbers", _describe(value)))
                return value
            return [int(x) for x in value]
        if not declared and any(x < 0 for x in value):
            problems.append(_problem(path, where, "a list of numbers ≥ 0", _describe(value)))
        return [float(x) for x in value]
    return value


# ------------------------------------------------------------------------- merging
def _merge(
    base: dict[str, Any], layer: Mapping[str, Any], origins: dict[str, str], where: str, path: str = ""
) -> None:
    """Deep-merge ``layer`` into ``base`` in place; lists and scalars replace; record origins."""
    for key, value in layer.items():
        p = _join(path, key)
        if isinstance(value, Mapping) and isinstance(base.get(key), dict):
            _merge(base[key], value, origins, where, p)
        else:
            base[key] = copy.deepcopy(value)
            for sub in _leaf_paths(value, p):
                origins[sub] = where


def _leaf_paths(value: Any, path: str) -> list[str]:
    if isinstance(value, Mapping) and value:
        return [q for k, v in value.items() for q in _leaf_paths(v, _join(path, k))]
    return [path]


def _schema(defaults: Mapping[str, Any]) -> dict[str, Any]:
    """The allowed-keys tree: the defaults, with each indicator's threshold pairs completed."""
    schema = copy.deepcopy(dict(defaults))
    indicators = schema.get("indicators", {})
    for code, entry in indicators.items():
        if isinstance(entry, Mapping):
            indicators[code] = _indicator_schema(entry)
    return schema


def _check_layer(layer: Mapping[str, Any], schema: Mapping[str, Any], where: str) -> dict[str, Any]:
    """Unknown keys and types of one layer; returns the layer with normalised values."""
    problems = _unknown_keys(layer, schema, where, "", None)
    out = _check_value(schema, layer, "", where, problems) if layer else {}
    if problems:
        raise ParamsError(problems)
    return out


def _threshold_order(code: str, p: Mapping[str, Any], where: Callable[..., str]) -> list[str]:
    """The order of each warning/alert pair of indicator ``code``, by its direction (a band's alert band
    contains its warning band; a band's own shape is its declared constraint, checked per layer)."""
    problems = []
    kind = direction(code)
    for key in sorted(p):
        if not (key == "warning" or key.endswith("_warning")):
            continue
        other = _sibling(key)
        w, a = p.get(key), p.get(other)
        wp, ap = f"indicators.{code}.{key}", f"indicators.{code}.{other}"
        if w is None or a is None:
            continue
        if kind == "band":
            if not (a[0] <= w[0] and w[1] <= a[1]):
                problems.append(
                    _problem(ap, where(wp, ap), f"a band containing the warning band {w!r}", _describe(a))
                )
        elif kind == "lower":
            if a > w:
                problems.append(_problem(ap, where(wp, ap), f"at most the warning {w!r} (lower is worse)",
                                         _describe(a)))
        elif a < w:
            problems.append(
                _problem(ap, where(wp, ap), f"at least the warning {w!r} (higher is worse)", _describe(a))
            )
    return problems


def _check_resolved(
    data: Mapping[str, Any], origins: Mapping[str, str], *, default_where: str = "defaults",
    codes: Iterable[str] | None = None,
) -> list[str]:
    """Cross-parameter rules of the resolved parameters (threshold order, each indicator's declared
    ``check``, switched-off codes, quarterly targets, procurement limits).

    ``codes``: the indicators whose rules are checked (default every one). A problem names the source(s)
    that set the parameters involved.
    """
    problems: list[str] = []

    def where(*paths: str) -> str:
        found = sorted({origins.get(p, default_where) for p in paths})
        return " and ".join(found)

    indicators = data.get("indicators", {})
    for code in indicators if codes is None else [c for c in indicators if c in set(codes)]:
        p = indicators[code]
        problems += _threshold_order(code, p, where)
        check = _catalogue().check(code)
        if check is not None:
            for keys, expected, given in check(p):
                paths = [f"indicators.{code}.{k}" for k in keys]
                problems.append(_problem(paths[0], where(*paths), expected, given))

    off = data.get("switched_off") or []
    if isinstance(off, list) and off:
        known = _catalogue().codes()
        for code in off:
            if code not in known:
                path = "switched_off"
                hint = _did_you_mean(str(code), known).replace("a known name", "a registered indicator code")
                problems.append(_problem(path, where(path), hint,
                                         _describe(code), what="params"))

    targets = data.get("time_progress", {}).get("targets", {})
    values = [targets.get(q) for q in _QUARTERS if q in targets]
    if any(v is not None and not 0 <= v <= 1 for v in values) or values != sorted(values):
        path = "time_progress.targets"
        problems.append(
            _problem(
                path,
                where(*(f"{path}.{q}" for q in _QUARTERS)),
                "increasing quarterly targets between 0 and 1",
                _describe(targets),
            )
        )

    proc = data.get("modules", {}).get("procurement", {})
    open_limits, dec_limits = proc.get("open_tender_limits", {}), proc.get("decentralised_limits", {})
    for category in sorted(set(open_limits) & set(dec_limits)):
        if dec_limits[category] > open_limits[category]:
            dp = f"modules.procurement.decentralised_limits.{category}"
            op = f"modules.procurement.open_tender_limits.{category}"
            problems.append(
                _problem(
                    dp,
                    where(dp, op),
                    f"at most the open-tender limit {open_limits[category]!r}",
                    _describe(dec_limits[category]),
                )
            )
    return problems


# ------------------------------------------------------------------------- Params
class Params:
    """Resolved parameters (read-only: accessors return copies).

    ``sources`` lists what was layered, in order (defaults first); ``origin(path)`` tells which
    source set a value; ``region_code`` is the region they were resolved for (None: defaults only).
    """

    __slots__ = ("_data", "_origins", "_sources", "_region_code", "_scaled")

    def __init__(
        self,
        data: Mapping[str, Any],
        *,
        sources: Sequence[str] = (),
        origins: Mapping[str, str] | None = None,
        region_code: str | None = None,
        scaled: Mapping[str, Mapping[str, float]] | None = None,
    ) -> None:
        object.__setattr__(self, "_data", copy.deepcopy(dict(data)))
        object.__setattr__(self, "_origins", dict(origins or {}))
        object.__setattr__(self, "_sources", tuple(sources))
        object.__setattr__(self, "_region_code", region_code)
        object.__setattr__(self, "_scaled", copy.deepcopy(dict(scaled or {})))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Params is read-only; resolve() again with overrides")

    def __repr__(self) -> str:
        return f"Params(region_code={self._region_code!r}, sources={list(self._sources)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Params) and self._data == other._data

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> tuple[Any, ...]:
        # Params travel to worker processes (papermill / Dask fan-out over regions).
        return (
            _rebuild_params,
            (self._data, list(self._sources), self._origins, self._region_code, self._scaled),
        )

    @property
    def region_code(self) -> str | None:
        return self._region_code

    @property
    def sources(self) -> list[str]:
        """The layers, in order: the defaults file, region files, extra files, ``<overrides>``."""
        return list(self._sources)

    def origin(self, path: str) -> str:
        """The source that set the value at the dotted ``path`` (the defaults file if unchanged)."""
        return self._origins.get(path, self._sources[0] if self._sources else "defaults")

    def indicator(self, code: str) -> dict[str, Any]:
        """The parameters of indicator ``code`` (thresholds ``warning`` / ``alert`` included)."""
        indicators = self._data.get("indicators", {})
        if code not in indicators:
            raise KeyError(
                f"parameter 'indicators.{code}' of params: expected {_did_you_mean(code, indicators)}, "
                f"got '{code}'"
            )
        return copy.deepcopy(indicators[code])

    def module(self, name: str) -> dict[str, Any]:
        """The parameters shared by the indicators of module ``name`` (``{}`` if it has none)."""
        modules = self._data.get("modules", {})
        if name not in modules and name not in MODULES:
            known = sorted(set(modules) | set(MODULES))
            raise KeyError(
                f"parameter 'modules.{name}' of params: expected {_did_you_mean(name, known)}, got '{name}'"
            )
        return copy.deepcopy(modules.get(name, {}))

    @property
    def indicators(self) -> list[str]:
        """The indicator codes that have parameters, sorted."""
        return sorted(self._data.get("indicators", {}))

    @property
    def time_progress(self) -> dict[str, Any]:
        return copy.deepcopy(self._data.get("time_progress", {}))

    @property
    def scores(self) -> dict[str, Any]:
        return copy.deepcopy(self._data.get("scores", {}))

    @property
    def currency(self) -> str:
        """The ISO 4217 code of the data's amounts (``currency``; CNY by default)."""
        return str(self._data.get("currency", "CNY"))

    @property
    def threshold_scale(self) -> float:
        """The factor the default money thresholds were multiplied by (``threshold_scale``; 1.0 for yuan)."""
        return float(self._data.get("threshold_scale", 1.0))

    @property
    def scaled_thresholds(self) -> dict[str, dict[str, float]]:
        """Money thresholds multiplied by ``threshold_scale``: path → ``{"stated": yuan, "effective":
        in the data's currency}`` (empty when the scale is 1)."""
        return copy.deepcopy(self._scaled)

    def get(self, path: str, default: Any = None) -> Any:
        """A value by dotted path, e.g. ``params.get("modules.outturn.years")``."""
        node: Any = self._data
        for part in path.split("."):
            if not isinstance(node, Mapping) or part not in node:
                return default
            node = node[part]
        return copy.deepcopy(node)

    def as_dict(self) -> dict[str, Any]:
        """The resolved parameters as a plain nested dict (a copy)."""
        return copy.deepcopy(self._data)

    def to_yaml(self) -> str:
        """The resolved parameters as YAML, headed by the list of layered sources."""
        head = "".join(f"#   {s}\n" for s in self._sources)
        region = f" for region {self._region_code}" if self._region_code else ""
        body = yaml.safe_dump(self._data, allow_unicode=True, sort_keys=False, default_flow_style=None)
        return f"# fiscalrisk parameters as resolved{region}, layered from:\n{head}{body}"


def _rebuild_params(
    data: Mapping[str, Any], sources: Sequence[str], origins: Mapping[str, str], region_code: str | None,
    scaled: Mapping[str, Mapping[str, float]] | None = None,
) -> Params:
    return Params(data, sources=sources, origins=origins, region_code=region_code, scaled=scaled)


def _code_lineage(code: str) -> list[str]:
    """Ancestors-and-self of a Chinese administrative division code (GB/T 2260), root first.

    Used when no region tree is given: 330522102 (township) → 330522 (county) → 330500 (city)
    → 330000 (province).
    """
    chain: list[str] = []
    if len(code) in (9, 12) and code.isdigit():
        chain += [code[:2] + "0000", code[:4] + "00", code[:6]]
        if len(code) == 12:
            chain.append(code[:9])
    elif len(code) == 6 and code.isdigit():
        chain += [code[:2] + "0000", code[:4] + "00"]
    out: list[str] = []
    for c in [*chain, code]:
        if c not in out:
            out.append(c)
    return out


def resolve(
    region_code: str | None = None,
    *,
    tree: RegionTree | None = None,
    files: Iterable[str | os.PathLike[str]] = (),
    overrides: Mapping[str, Any] | None = None,
    params_dir: str | os.PathLike[str] | None = None,
) -> Params:
    """Resolve the parameters of a region: defaults → its lineage's files → ``files`` → ``overrides``.

    Parameters
    ----------
    region_code:
        The region the scan looks at; None for the defaults (plus ``files`` and ``overrides``).
    tree:
        A :class:`fiscalrisk.hierarchy.RegionTree`; its ``lineage(region_code)`` (root first) gives
        the region files to layer. Without a tree, the lineage is read from the structure of the
        administrative division code (330522102 → 330522 → 330500), which suits Chinese codes.
    files:
        Extra YAML files, layered in order after the region files (a missing file is an error).
    overrides:
        A nested mapping layered last (``{"indicators": {"PAY06": {"threshold": 200000}}}``).
    params_dir:
        Directory holding ``defaults.yaml`` and ``<region_code>.yaml`` files (default:
        :func:`default_params_dir`). A region without a file is skipped.

    Raises
    ------
    ParamsError
        Listing every problem of the first bad layer, or every cross-parameter problem of the result.
    """
    pdir = Path(params_dir) if params_dir is not None else default_params_dir()
    defaults_path = pdir / "defaults.yaml"
    defaults = load_yaml(defaults_path)

    layers: list[tuple[str, Mapping[str, Any]]] = []
    chain = lineage(region_code, tree) if region_code is not None else []
    for code in chain:
        path = pdir / f"{code}.yaml"
        if path.is_file():
            layers.append((str(path), load_yaml(path)))
    for f in files:
        layers += file_layers(str(f), load_yaml(f), chain)
    if overrides:
        if not isinstance(overrides, Mapping):
            raise ParamsError(
                _problem("overrides", _OVERRIDES, "a mapping", _describe(overrides), what="resolve()")
            )
        layers.append((_OVERRIDES, _string_keys(overrides)))
    return resolve_layers(defaults, layers, defaults_where=str(defaults_path),
                          region_code=None if region_code is None else str(region_code))


def lineage(region_code: str, tree: RegionTree | None = None) -> list[str]:
    """The region codes whose params layer over ``region_code``'s, root first, ending with the region.

    With a ``tree``, its lineage; without, read from the structure of the administrative division
    code (330522102 → 330522 → 330500). A code that is not a safe file name is refused: a region code
    names its params file.
    """
    region_code = str(region_code)
    if tree is not None:
        if region_code not in tree:
            raise ParamsError(
                _problem("region_code", "the region tree", "a region of the tree", f"'{region_code}'", what="resolve()")
            )
        chain = [str(c) for c in tree.lineage(region_code)]
    else:
        chain = _code_lineage(region_code)
    for code in chain:
        if not SAFE_CODE.fullmatch(code):
            raise ParamsError(
                _problem("region_code", "the region tree", SAFE_CODE_TEXT, _describe(code), what="resolve()")
            )
    return chain


def file_regions(layer: Mapping[str, Any], where: str) -> dict[str, dict[str, Any]]:
    """The ``regions:`` section of a params file given with ``--params`` (or published as a rules
    version): region code → a params layer for that region and its subtree. Checked: a mapping whose keys
    are safe region codes and whose values are mappings (their parameters are checked when layered)."""
    sections = layer.get("regions")
    if sections is None:
        return {}
    if not isinstance(sections, Mapping):
        raise ParamsError(_problem("regions", where, "a mapping of region code → parameters", _describe(sections),
                                   what="params"))
    problems = []
    out: dict[str, dict[str, Any]] = {}
    for code, section in sections.items():
        code = str(code)
        if not SAFE_CODE.fullmatch(code):
            problems.append(_problem(f"regions.{code[:QUOTE_MAX]}", where, f"a region code ({SAFE_CODE_TEXT})",
                                     _describe(code), what="params"))
        elif section is not None and not isinstance(section, Mapping):
            problems.append(_problem(f"regions.{code}", where, "a mapping of parameters", _describe(section),
                                     what="params"))
        else:
            out[code] = dict(section or {})
    if problems:
        raise ParamsError(problems)
    return out


def file_layers(where: str, layer: Mapping[str, Any], chain: Sequence[str]) -> list[tuple[str, Mapping[str, Any]]]:
    """The layers of one ``--params`` file for a region of lineage ``chain`` (root first): the file's
    parameters for every region, then its ``regions:`` sections of the lineage, root first."""
    sections = file_regions(layer, where)
    common = {k: v for k, v in layer.items() if k != "regions"}
    out: list[tuple[str, Mapping[str, Any]]] = [(where, common)]
    out += [(f"{where} (regions.{code})", sections[code]) for code in chain if code in sections]
    return out


def resolve_layers(
    defaults: Mapping[str, Any],
    layers: Iterable[tuple[str, Mapping[str, Any]]],
    *,
    defaults_where: str = "defaults",
    region_code: str | None = None,
) -> Params:
    """Layer ``(where, mapping)`` pairs, in order, over ``defaults`` (a defaults.yaml's content): each
    layer checked (unknown names with a "did you mean", types), then the result as a whole.

    :func:`resolve` reads the layers from files; a published rules version
    (:class:`fiscalrisk.ruleset.RuleSet`) holds them itself.
    """
    schema = _schema(defaults)
    data: dict[str, Any] = copy.deepcopy(dict(defaults))
    origins: dict[str, str] = {}
    sources = [defaults_where]
    for where, layer in layers:
        checked = _check_layer(layer, schema, where)
        _merge(data, checked, origins, where)
        sources.append(where)

    # scaled first: the order of a warning and an alert is checked in the data's currency, where a
    # threshold written in pounds meets a default converted from yuan
    scaled = _scale_money(data, origins)
    # the rules of every indicator where the indicators are loaded (a scan) or a layer set one of their
    # parameters; a command that runs no indicator and changes none (the register) does not load them
    touched = {path.split(".")[1] for path in origins if path.startswith("indicators.") and path.count(".") >= 1}
    codes = None if touched or _catalogue_registered() else ()
    problems = _check_resolved(data, origins, default_where=defaults_where, codes=codes)
    if problems:
        raise ParamsError(problems)
    return Params(data, sources=sources, origins=origins, region_code=region_code, scaled=scaled)


def _scale_money(data: dict[str, Any], origins: Mapping[str, str]) -> dict[str, dict[str, float]]:
    """Multiply, in place, the money thresholds that kept their default by ``threshold_scale``.

    The defaults state money in yuan (the catalogue's currency); a value set by any layer (a region
    file, ``--params``, overrides) is in the data's currency and stays as written. Money parameters are
    those the indicators declare (``@indicator(money=...)``) and :data:`MODULE_MONEY`. Results are
    rounded to the cent. Returns path → ``{"stated", "effective"}`` of every value scaled.
    """
    scale = data.get("threshold_scale", 1.0)
    if scale is None or float(scale) == 1.0:
        return {}
    money_paths = _catalogue().money_paths  # every indicator and its money parameters
    scaled: dict[str, dict[str, float]] = {}

    def scale_at(node: Any, key: str, path: str) -> None:
        value = node.get(key)
        if isinstance(value, Mapping):
            for k in list(value):
                scale_at(value, k, f"{path}.{k}")
        elif _is_number(value) and path not in origins:
            node[key] = round(float(value) * float(scale), 2)
            scaled[path] = {"stated": float(value), "effective": node[key]}

    for path in money_paths():
        *parents, key = path.split(".")
        node: Any = data
        for part in parents:
            node = node.get(part) if isinstance(node, Mapping) else None
        if isinstance(node, dict) and key in node:
            scale_at(node, key, path)
    return dict(sorted(scaled.items()))


# ------------------------------------------------------------------------- time progress
def fiscal_year_start_month(params: Params | Mapping[str, Any] | None) -> int:
    """``calendar.fiscal_year_start_month`` of ``params`` (a :class:`Params` or a full params mapping);
    1 (the calendar year) when absent."""
    if params is None:
        return 1
    if isinstance(params, Params):
        value = params.get("calendar.fiscal_year_start_month", 1)
    else:
        value = (params.get("calendar") or {}).get("fiscal_year_start_month", 1) if isinstance(params, Mapping) else 1
    return int(value if value is not None else 1)


def time_progress(
    as_of: dt.date | str | pd.Timestamp,
    params: Params | Mapping[str, Any] | None = None,
    *,
    budget_year: int | None = None,
    start_month: int | None = None,
) -> float:
    """序时进度: the share of the budget (fiscal) year that has elapsed at ``as_of``, in [0, 1].

    ``params`` is a :class:`Params`, the full params mapping, or its ``time_progress`` section
    (None: the ``days`` method). The fiscal year starts in ``start_month`` (default: the params'
    ``calendar.fiscal_year_start_month``, else 1 — January, the Chinese budget year); with an April
    start (UK), 30 September is half-way: 6/12 by months, 183/365 by days. Methods:

    ``days`` (default, MoF treasury monitoring practice)
        days elapsed up to and including ``as_of`` / days in the fiscal year: 1 January → 1/365,
        31 December → 1 (calendar year).
    ``months``
        completed months of the fiscal year / 12; ``as_of`` on a month's last day counts that month
        complete (31 March → 3/12, 30 March → 2/12).
    ``targets``
        the administratively set quarterly targets (``targets: {Q1: 0.25, ...}``), quarters of the
        fiscal year (Q1 ends on the last day of its third month: 31 March, or 30 June for an April
        start). By default (``interpolate: false``) the progress is the target of the latest quarter
        end reached on ``as_of`` — 0 before Q1's end, Q1's target from it, ..., Q4's on the year's
        last day — which is how a bureau assessing against quarter targets reads them: units are not
        behind until a quarter closes. With ``interpolate: true`` the progress grows linearly by day
        between the quarter ends (0 on the last day of the previous fiscal year).

    ``budget_year``: the fiscal year whose progress is wanted (default the fiscal year of ``as_of``,
    labelled by the calendar year it starts in); a year already ended is complete (1.0), a year not
    yet started is 0.0.
    """
    if isinstance(params, Params):
        tp = params.time_progress
    elif params is None:
        tp = {}
    elif "time_progress" in params:
        tp = dict(params["time_progress"])
    else:
        tp = dict(params)
    if start_month is None:
        start_month = fiscal_year_start_month(params if isinstance(params, Params) or
                                              (isinstance(params, Mapping) and "calendar" in params) else None)
    start = int(start_month)
    if not 1 <= start <= 12:
        raise ParamsError(_problem("calendar.fiscal_year_start_month", "params", "a whole number from 1 to 12",
                                   _describe(start_month)))
    method = tp.get("method", "days")
    day = pd.Timestamp(as_of).normalize()
    day_year = day.year - (1 if day.month < start else 0)  # the fiscal year of as_of
    year = day_year if budget_year is None else int(budget_year)
    if day_year > year:
        return 1.0
    if day_year < year:
        return 0.0

    first = pd.Timestamp(year, start, 1)
    last = first + pd.DateOffset(years=1) - pd.Timedelta(days=1)
    days_in_year = (last - first).days + 1
    elapsed = (day - first).days + 1
    if method == "days":
        return elapsed / days_in_year
    if method == "months":
        done = (day.year - first.year) * 12 + day.month - start + (1 if day.is_month_end else 0)
        return done / 12
    if method == "targets":
        targets = {**{q: (i + 1) / 4 for i, q in enumerate(_QUARTERS)}, **tp.get("targets", {})}
        ends = [first + pd.DateOffset(months=3 * k) - pd.Timedelta(days=1) for k in (1, 2, 3, 4)]
        if not tp.get("interpolate", False):
            reached = [float(targets[q]) for q, end in zip(_QUARTERS, ends, strict=True) if day >= end]
            return reached[-1] if reached else 0.0
        previous_end, previous_value = first - pd.Timedelta(days=1), 0.0
        for q, end in zip(_QUARTERS, ends, strict=True):
            if day <= end:
                span = (end - previous_end).days
                share = (day - previous_end).days / span
                return previous_value + share * (float(targets[q]) - previous_value)
            previous_end, previous_value = end, float(targets[q])
        return float(targets["Q4"])
    raise ParamsError(
        _problem("time_progress.method", "params", "one of days, months, targets", _describe(method))
    )
