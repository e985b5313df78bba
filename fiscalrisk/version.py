"""The product's version, for the modules that record it (scan manifest, report runs, bundles, samples):
they import it from here, never from the package ``fiscalrisk`` (whose facade imports the API)."""

__version__ = "0.1.0"
