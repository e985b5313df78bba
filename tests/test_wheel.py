"""The wheel works on its own: built from the repository, installed into a fresh virtual environment,
run from a folder outside the repository with no ``FISCALRISK_*`` variable.

``params/`` and ``notebooks/`` live at the repository's top level; the wheel carries a copy of each
inside the package (``setup.py``), which an installed package finds by itself
(``fiscalrisk/resources.py``). The test builds the wheel from a copy of the files a build reads (so no
``build/`` directory of the checkout leaks into it), checks its file list, installs it with
``--no-deps`` and borrows the dependencies already installed for the tests: a ``.pth`` file names their
site-packages (the ``.pth`` files in there, an editable install of fiscalrisk among them, stay inactive)
and their Jupyter data (nbconvert and Voila templates, widget extensions; not the kernelspecs, which
would start the tests' interpreter) is linked in. Then ``fiscalrisk sample``, ``scan``, ``report`` for
one township, and ``dashboard`` serving its page (the app's widget, once its notebook ran) over HTTP.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import site
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.dashboard.conftest import free_port, running
from tests.offline import fetch_page

pytestmark = pytest.mark.slow

TOWNSHIP, TOWNSHIP_NAME = "330522102", "泗安镇"  # has a params file of its own
#: What a build reads: the build configuration and README, the package, the shipped top-level folders.
BUILD_INPUTS = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "fiscalrisk", "params", "notebooks")


def _no_build_isolation() -> list[str]:
    """``--no-build-isolation`` when this environment has the build backend pyproject.toml asks for
    (setuptools ≥ 77: the build then needs no package index); otherwise pip fetches it."""
    try:
        major = int(importlib.metadata.version("setuptools").split(".")[0])
    except (importlib.metadata.PackageNotFoundError, ValueError):
        return []
    return ["--no-build-isolation"] if major >= 77 else []


def build_wheel(tmp: Path) -> Path:
    src = tmp / "src"
    src.mkdir()
    for name in BUILD_INPUTS:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
        else:
            shutil.copy2(path, src / name)
    dist = tmp / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", *_no_build_isolation(),
                    "-w", str(dist), str(src)], check=True, cwd=tmp, timeout=600)
    (wheel,) = dist.glob("fiscalrisk-*.whl")
    return wheel


def make_venv(tmp: Path, wheel: Path) -> Path:
    """A virtual environment with the wheel installed and the tests' dependencies visible."""
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
                    "--no-index", str(wheel)], check=True)
    own = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                         check=True, capture_output=True, text=True).stdout.strip()
    (Path(own) / "_fiscalrisk_test_deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    for part in ("share", "etc"):
        deps = Path(sys.prefix) / part / "jupyter"
        if deps.is_dir():
            for entry in deps.iterdir():
                if entry.name != "kernels":
                    (venv / part / "jupyter").mkdir(parents=True, exist_ok=True)
                    (venv / part / "jupyter" / entry.name).symlink_to(entry)
    return venv


def clean_env(venv: Path) -> dict[str, str]:
    """The environment of an installed fiscalrisk: no FISCALRISK_* variable, no PYTHONPATH to a checkout."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("FISCALRISK_") and k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(venv)
    return env


def test_wheel_runs_without_the_repository(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path)
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "fiscalrisk/_shipped/params/defaults.yaml" in names
    for folder, pattern in (("params", "*.yaml"), ("notebooks", "*.ipynb")):
        shipped = {n.rsplit("/", 1)[1] for n in names if n.startswith(f"fiscalrisk/_shipped/{folder}/")}
        expected = {p.name for p in (ROOT / folder).glob(pattern)}
        assert expected and shipped == expected, f"{folder}/: the wheel has {sorted(shipped)}"
    assert {"regional_report.ipynb", "dashboard.ipynb"} <= {n.rsplit("/", 1)[1] for n in names}

    venv = make_venv(tmp_path, wheel)
    env = clean_env(venv)
    work = tmp_path / "work"  # outside the repository
    work.mkdir()
    fiscalrisk = str(venv / "bin" / "fiscalrisk")

    def run(*args: str) -> str:
        done = subprocess.run(args, cwd=work, env=env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, f"{' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    where = json.loads(run(str(venv / "bin" / "python"), "-c", """if True:
        import json, fiscalrisk
        from fiscalrisk.dashboard import notebook_path
        from fiscalrisk.params import default_params_dir
        from fiscalrisk.runner import DEFAULT_TEMPLATE
        print(json.dumps({"package": fiscalrisk.__file__, "params": str(default_params_dir()),
                          "template": str(DEFAULT_TEMPLATE), "dashboard": str(notebook_path())}))"""))
    package = Path(where["package"]).parent
    assert package.is_relative_to(venv), f"fiscalrisk imported from {package}, not from the wheel"
    assert Path(where["params"]) == package / "_shipped" / "params"
    assert Path(where["template"]) == package / "_shipped" / "notebooks" / "regional_report.ipynb"
    assert Path(where["dashboard"]) == package / "_shipped" / "notebooks" / "dashboard.ipynb"

    run(fiscalrisk, "sample", "--out", "data")
    run(fiscalrisk, "scan", "data", "--out", "scan")
    run(fiscalrisk, "report", "--scan", "scan", "--regions", TOWNSHIP, "--out", "reports")
    html = (work / "reports" / TOWNSHIP / "report.html").read_text(encoding="utf-8")
    assert TOWNSHIP_NAME in html
    assert (work / "reports" / "params" / "defaults.yaml").is_file()  # the run's params snapshot

    proc = subprocess.Popen([fiscalrisk, "dashboard", "--scan", "scan", "--port", str(free_port())], cwd=work,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
    with running(dashboard=proc) as servers:
        page = fetch_page(servers["dashboard"].url)
    # the served notebook ran and displayed the app (its text is drawn by the widgets' scripts)
    assert "<html" in page.lower() and "application/vnd.jupyter.widget-view+json" in page, page[-3000:]
