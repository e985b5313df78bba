"""Codes that name files or folders (regions, units, rule sets, ...): what they may contain.

Letters, digits, ``-`` and ``_``; no dot, no slash, so a code can never climb out of a folder or name a
hidden file (data contract, section 1). The readers (:mod:`fiscalrisk.data`), params, rule sets and the
staged outputs all check codes with :data:`SAFE_CODE`.
"""

from __future__ import annotations

import re

__all__ = ["SAFE_CODE", "SAFE_CODE_TEXT"]

#: Codes that name files or folders (regions, units, ...): letters, digits, ``-`` and ``_``; no dot,
#: no slash, so a code can never climb out of a folder or name a hidden file. Data contract, section 1.
SAFE_CODE = re.compile(r"[A-Za-z0-9_-]{1,64}")
SAFE_CODE_TEXT = "letters, digits, '-' and '_' only (at most 64), as a code that names files and folders"
