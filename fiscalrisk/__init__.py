"""fiscalrisk: risk analysis and monitoring for local public finance.

The flow, in one line: load (:mod:`fiscalrisk.data`, the data contract) → scan (indicators and
detectors) → findings → risk scores → reports, dashboard, exports.
"""

__version__ = "0.1.0"
