"""Limits on what is read: hostile or broken input fails with a clear message, never exhausts the machine.

The values live in ``params/defaults.yaml`` (section ``input``, with their sources) and can be raised
with ``--params`` for a legitimately larger export. :class:`InputLimits` is what the readers and the
validation receive; ``InputLimits.from_params()`` reads the defaults.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fiscalrisk.codes import SAFE_CODE, SAFE_CODE_TEXT

__all__ = ["InputLimits", "SAFE_CODE", "SAFE_CODE_TEXT"]


@dataclass(frozen=True)
class InputLimits:
    """Bounds on input size and values (see ``params/defaults.yaml``, section ``input``)."""

    max_uncompressed_bytes: int = 4 * 1024**3
    max_compression_ratio: float = 200.0
    max_abs_amount: float = 1e13
    min_year: int = 1990
    max_year: int = 2100

    @classmethod
    def from_params(cls, params: Any = None) -> InputLimits:
        """From resolved :class:`fiscalrisk.params.Params` (None: the defaults of ``params/defaults.yaml``)."""
        if params is None:
            from fiscalrisk.params import resolve

            params = resolve()
        section = dict(params.get("input", {}) or {})
        fields = {k: section[k] for k in cls.__dataclass_fields__ if k in section}
        return cls(**fields)
