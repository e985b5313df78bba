"""Where the package finds the files it does not hold in its source: ``params/`` and ``notebooks/``.

The repository keeps both at its top level (the files people edit and the docs point to). A wheel
carries a copy of each inside the package, ``fiscalrisk/_shipped/params`` and
``fiscalrisk/_shipped/notebooks``, made when the wheel is built (``setup.py``). Each folder is looked
up in this order, the first that exists winning:

1. the environment variable (``FISCALRISK_PARAMS_DIR``, ``FISCALRISK_NOTEBOOKS_DIR``), when set;
2. the repository's top-level folder, when the package runs from a source checkout (``PYTHONPATH``,
   an editable install): edits there take effect without a rebuild;
3. the copy shipped in the installed package (:mod:`importlib.resources`).

This module imports nothing of fiscalrisk, so any module may use it.
"""

from __future__ import annotations

import atexit
import contextlib
import os
from importlib.resources import as_file, files
from pathlib import Path

__all__ = ["notebook", "notebooks_dir", "params_dir", "shipped_dir", "source_root"]

#: The environment variable naming each folder (first in the lookup order).
ENV = {"params": "FISCALRISK_PARAMS_DIR", "notebooks": "FISCALRISK_NOTEBOOKS_DIR"}

_PACKAGE_DIR = Path(__file__).resolve().parent
_files = contextlib.ExitStack()
atexit.register(_files.close)


def source_root() -> Path | None:
    """The repository the package runs from (the folder holding ``pyproject.toml`` beside the
    ``fiscalrisk`` package), or ``None`` for an installed package."""
    root = _PACKAGE_DIR.parent
    return root if (root / "pyproject.toml").is_file() and (root / "params" / "defaults.yaml").is_file() else None


def shipped_dir(folder: str) -> Path:
    """The copy of the top-level ``folder`` the installed package carries (it may be absent in a source
    checkout, where the top-level folder is used instead)."""
    resource = files(__package__).joinpath("_shipped", folder)
    if isinstance(resource, Path):
        return resource
    return _files.enter_context(as_file(resource))  # a zipped package: extracted once, removed at exit


def bundled_dir(folder: str) -> Path:
    """The ``folder`` that comes with the package, whatever the environment says: the checkout's
    top-level folder, or the shipped copy of an installed package."""
    root = source_root()
    if root is not None and (root / folder).is_dir():
        return root / folder
    return shipped_dir(folder)


def _lookup(folder: str) -> Path:
    env = os.environ.get(ENV[folder])
    if env:
        return Path(env)
    return bundled_dir(folder)


def params_dir() -> Path:
    """The ``params/`` directory: ``$FISCALRISK_PARAMS_DIR``, the checkout's ``params/``, or the shipped copy."""
    return _lookup("params")


def notebooks_dir() -> Path:
    """The ``notebooks/`` directory: ``$FISCALRISK_NOTEBOOKS_DIR``, the checkout's ``notebooks/``, or the
    shipped copy."""
    return _lookup("notebooks")


def notebook(name: str) -> Path:
    """The notebook ``name`` (e.g. ``regional_report.ipynb``) of :func:`notebooks_dir` (it may not exist)."""
    return notebooks_dir() / name
