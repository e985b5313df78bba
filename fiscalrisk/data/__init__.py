"""The data contract: schemas, loaders, column mappings, validation, fingerprints."""

from .dataset import DataSet
from .load import check, load
from .mapping import MappingError, load_mapping
from .problems import DataError, format_problems
from .schema import REFERENCES, REQUIRED_TABLES, TABLES

__all__ = [
    "DataSet",
    "DataError",
    "MappingError",
    "TABLES",
    "REQUIRED_TABLES",
    "REFERENCES",
    "check",
    "load",
    "load_mapping",
    "format_problems",
]
