"""Build hook: the wheel carries the repository's top-level ``params/`` and ``notebooks/``.

They stay at the top level of the repository (the files people edit); ``build_py`` copies them into
the built package as ``fiscalrisk/_shipped/params`` and ``fiscalrisk/_shipped/notebooks``, where an
installed package finds them (``fiscalrisk/resources.py``). ``MANIFEST.in`` puts both folders in the
sdist, so a wheel built from the sdist carries them too. Everything else is in ``pyproject.toml``.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
#: Top-level folder → the files of it the wheel carries.
SHIPPED = {"params": "*.yaml", "notebooks": "*.ipynb"}


class build_py_shipped(build_py):
    """``build_py``, then the shipped folders into ``fiscalrisk/_shipped`` of the build directory."""

    def _shipped_files(self) -> list[tuple[Path, Path]]:
        pairs = []
        for folder, pattern in SHIPPED.items():
            files = sorted((HERE / folder).glob(pattern))
            if not files:
                raise SystemExit(f"{HERE / folder}: no {pattern} to ship; the wheel would lack {folder}/")
            dest = Path(self.build_lib) / "fiscalrisk" / "_shipped" / folder
            pairs += [(f, dest / f.name) for f in files]
        return pairs

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the top-level folders themselves
        for src, dest in self._shipped_files():
            self.mkpath(str(dest.parent))
            self.copy_file(str(src), str(dest), preserve_mode=False)

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        outputs = super().get_outputs(include_bytecode)
        if getattr(self, "editable_mode", False):
            return outputs
        return outputs + [str(dest) for _, dest in self._shipped_files()]


setup(cmdclass={"build_py": build_py_shipped})
