"""Regional reports for every region: ``fiscalrisk report``.

One run scans the data once (or reuses a scan directory), then executes the papermill template
``notebooks/regional_report.ipynb`` for every region of the tree (or the ones asked for). The reports
read the scan directory only (scan format 2: findings, graded values, series, reference tables), so
``fiscalrisk report --scan SCAN --out OUT`` needs no data directory; ``--data`` alone scans first, and
``--data`` with ``--scan`` checks that the scan was made from that data. It writes::

    OUT/
      scan/                       the scan directory the reports read (data contract, section 2)
      <region_code>/report.ipynb  the executed notebook (no timestamps or durations in its metadata)
      <region_code>/report.html   the same without code or prompts; offline (no script or style
                                  from the network; charts are inline SVG)
      <region_code>/findings.xlsx the region's findings (its whole subtree) for the unit officers
      index.html                  every region with its score, status and a link; sortable offline
      manifest.json               per region: status, attempts, duration, error class and message;
                                  run parameters, input fingerprints, versions, the kernel used

Failures are kept per region: one failing region never stops the others, and the exit status is 1
when any region failed. Three kinds of failure are told apart, as papermill and nbclient report them:

* ``PapermillExecutionError`` — the notebook's own logic failed (a bad parameter, a bug): recorded,
  never retried, since a second run would fail the same way;
* ``CellTimeoutError`` / ``DeadKernelError`` — a resource problem (a slow cell, a kernel killed by
  the out-of-memory killer): retried once;
* kernel start failures (the kernel died or did not answer before its first cell; process pools can
  race on kernel ports): infrastructure, retried with exponential backoff.

Determinism: the same inputs give byte-identical notebooks, HTML, workbooks and index (timestamps
and durations are stripped from the notebooks' metadata; regions are sorted; paths inside the
notebooks are relative). The run is written into a hidden sibling directory that replaces ``OUT``
only when the run is complete, so an interrupted run never damages the previous output.

Parallelism: ``--workers N`` runs N regions at a time in a local process pool; ``--scheduler
tcp://HOST:PORT`` sends them to an existing Dask cluster (``dask.distributed``), whose workers must
see ``OUT``'s parent directory and the data directory at the same paths (a shared file system).

Monthly run from cron (the 3rd of each month at 02:30, as of the last day of the previous month)::

    30 2 3 * * cd /srv/fiscalrisk && flock -n /tmp/fiscalrisk-report.lock .venv/bin/fiscalrisk report \\
        --data /srv/data/current --as-of "$(date -d "$(date +\\%Y-\\%m-01) -1 day" +\\%F)" \\
        --out /srv/reports/latest --workers 2 >> /var/log/fiscalrisk-report.log 2>&1

(one line in the crontab; ``%`` is escaped as cron requires; ``flock`` skips a month whose previous
run is still going).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import html
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from fiscalrisk.resources import notebook
from fiscalrisk.staging import StagedOutput, safe_child
from fiscalrisk.version import __version__
from fiscalrisk.workbook import write_xlsx  # noqa: F401 - re-exported

__all__ = [
    "DEFAULT_TEMPLATE",
    "KEY_PACKAGES",
    "RegionOutcome",
    "RegionTask",
    "RunResult",
    "ensure_kernel",
    "execute_region",
    "notebook_to_html",
    "package_versions",
    "register",
    "run_reports",
    "strip_volatile_metadata",
    "write_xlsx",
]

ROOT = Path(__file__).resolve().parent.parent
#: The regional report template (papermill): one ``parameters`` cell, validated in the next cell.
DEFAULT_TEMPLATE = notebook("regional_report.ipynb")
#: Relative path from a region's directory to the run's scan directory.
SCAN_SUBDIR = "scan"
REPORT_MARKER = "fiscalrisk report"

#: Packages whose exact versions a run records (the reports depend on them).
KEY_PACKAGES: tuple[str, ...] = (
    "altair",
    "dask",
    "distributed",
    "ipykernel",
    "jupyter_client",
    "nbclient",
    "nbconvert",
    "nbformat",
    "numpy",
    "openpyxl",
    "pandas",
    "papermill",
    "pyarrow",
    "scikit-learn",
    "statsmodels",
    "tqdm",
    "vl-convert-python",
)

# Retry policy (see the module docstring). Backoff doubles from KERNEL_START_BACKOFF seconds.
RESOURCE_RETRIES = 1
KERNEL_START_RETRIES = 3
KERNEL_START_BACKOFF = 1.0

#: jsonschema imports ``rfc3987_syntax`` when it is installed, to check the "iri" string format, and
#: that module builds a parser grammar on import: seconds in every process that imports altair,
#: nbformat or nbconvert, for a format that neither notebooks nor Vega-Lite specs use. The runner's
#: workers and the kernels they start skip it.
_SKIP_SLOW_IMPORTS = 'import sys; sys.modules.setdefault("rfc3987_syntax", None)'

# ------------------------------------------------------------------------------------------ tasks
@dataclass(frozen=True)
class RegionTask:
    """Everything a worker needs to produce one region's report (picklable, paths as strings)."""

    region: str
    region_dir: str
    template: str
    parameters: Mapping[str, Any]
    kernel_name: str = "python3"
    timeout: int = 600
    start_timeout: int = 120
    title: str = ""


@dataclass
class RegionOutcome:
    """What happened to one region: ``status`` is ``ok`` or ``failed``."""

    region: str
    status: str
    duration: float = 0.0
    attempts: int = 0
    error_class: str | None = None
    error_name: str | None = None
    error_message: str | None = None
    kernel: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("region")
        d["duration"] = round(self.duration, 3)
        return d


@dataclass
class RunResult:
    """The outcome of :func:`run_reports`: the output directory, per-region outcomes, the manifest."""

    out_dir: Path
    outcomes: dict[str, RegionOutcome]
    manifest: dict[str, Any]

    @property
    def failed(self) -> list[str]:
        return sorted(code for code, o in self.outcomes.items() if o.status != "ok")

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0


# ------------------------------------------------------------------------------------ environment
def package_versions(names: Iterable[str] = KEY_PACKAGES) -> dict[str, str | None]:
    """Installed versions of ``names`` (None for a package that is not installed)."""
    from importlib import metadata

    out: dict[str, str | None] = {}
    for name in sorted(names):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def source_digest() -> str:
    """SHA-256 over fiscalrisk's own source files (``.py``, ``.yaml``), in path order.

    A version number does not change with every edit; the digest does, so a bundle can tell
    whether the code that verifies it is the code that made it.
    """
    import hashlib

    pkg = Path(__file__).resolve().parent  # the package fiscalrisk
    h = hashlib.sha256()
    for f in sorted(p for p in pkg.rglob("*") if p.suffix in (".py", ".yaml") and "__pycache__" not in p.parts):
        h.update(f.relative_to(pkg).as_posix().encode("utf-8") + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


def environment() -> dict[str, Any]:
    """Python, platform, fiscalrisk (version and source digest) and key package versions."""
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "executable": sys.executable,
        "fiscalrisk": __version__,
        "fiscalrisk_source_sha256": source_digest(),
        "packages": package_versions(),
    }


def _kernel_python_ok(argv: Sequence[str]) -> bool:
    """Whether a kernelspec's command runs this interpreter (jupyter_client substitutes ``python``)."""
    if not argv:
        return False
    first = argv[0]
    if first in {"python", f"python{sys.version_info[0]}", "python{}.{}".format(*sys.version_info[:2])}:
        return True
    with contextlib.suppress(OSError):
        return Path(first).resolve() == Path(sys.executable).resolve()
    return False


def ensure_kernel(kernel_name: str = "python3", *, install: bool = True) -> dict[str, Any]:
    """Make sure ``kernel_name`` starts this interpreter, installing a kernelspec if needed.

    A fresh machine may lack the kernelspec, or have a ``python3`` kernelspec (user-wide, system-wide)
    that starts another Python without fiscalrisk. When the spec is absent it is installed into this
    environment (``python -m ipykernel install --sys-prefix``); when it starts another interpreter a
    spec named ``fiscalrisk-<python version>`` is installed here and used instead.

    Returns the kernel actually used: name, display name, resource directory, command line (with the
    interpreter jupyter_client substitutes for ``python``).
    """
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    def lookup(name: str) -> Any:
        try:
            return KernelSpecManager().get_kernel_spec(name)
        except NoSuchKernel:
            return None

    name = kernel_name
    spec = lookup(name)
    if (spec is None or not _kernel_python_ok(spec.argv)) and install:
        if spec is not None:
            name = "fiscalrisk-py{}{}".format(*sys.version_info[:2])
            spec = lookup(name)
        if spec is None or not _kernel_python_ok(spec.argv):
            subprocess.run(
                [sys.executable, "-m", "ipykernel", "install", "--sys-prefix", "--name", name],
                check=True,
                capture_output=True,
            )
            spec = lookup(name)
    if spec is None:
        raise RuntimeError(f"no Jupyter kernel named {kernel_name!r}; install ipykernel in this environment")
    argv = [sys.executable if _kernel_python_ok(spec.argv[:1]) else spec.argv[0], *spec.argv[1:]]
    return {
        "name": name,
        "display_name": spec.display_name,
        "language": spec.language,
        "resource_dir": spec.resource_dir,
        "argv": argv,
    }


# --------------------------------------------------------------------------------- notebook output
#: Notebook and cell metadata written by papermill / nbclient that changes from run to run.
_VOLATILE_NB = ("start_time", "end_time", "duration")
_VOLATILE_CELL = ("start_time", "end_time", "duration")


def strip_volatile_metadata(nb: Any, *, input_name: str = "regional_report.ipynb",
                            output_name: str = "report.ipynb") -> Any:
    """Remove timestamps, durations and absolute paths from an executed notebook, in place.

    papermill records start/end times and durations for the notebook and every cell, and the input
    and output paths; nbclient records ``execution`` timestamps per cell. Without them, the same
    inputs give a byte-identical notebook.
    """
    pm = nb.metadata.get("papermill")
    if pm is not None:
        for key in _VOLATILE_NB:
            pm.pop(key, None)
        pm["input_path"] = input_name
        pm["output_path"] = output_name
        pm.pop("environment_variables", None)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        # papermill gives the cell it injects a random id; the tag identifies it just as well
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell["id"] = "injected-parameters"
        cpm = cell.metadata.get("papermill")
        if cpm is not None:
            for key in _VOLATILE_CELL:
                cpm.pop(key, None)
        cell.metadata.pop("execution", None)
    return nb


def notebook_to_html(nb: Any, title: str = "", language: str = "zh-CN") -> str:
    """The report as a self-contained HTML page: outputs only, no code, no prompts, nothing fetched.

    :class:`fiscalrisk.report.notebook_html.OfflineHTMLExporter` (nbconvert's lab template without its
    network scripts: require.js, MathJax, Mermaid, the widget manager, which an offline intranet cannot
    load) with ``exclude_input`` (what ``--no-input`` does). Charts are inline SVG in the outputs.
    """
    from fiscalrisk.report.notebook_html import OfflineHTMLExporter

    exporter = OfflineHTMLExporter(
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        exclude_anchor_links=True,
        exclude_markdown=True,  # the template's notes for analysts; report text comes from code
    )
    resources = {"metadata": {"name": title or "report"}, "language_code": "zh" if language == "zh-CN" else "en"}
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    return body


# ----------------------------------------------------------------------------------- execution
def _kernel_start_failure(exc: BaseException) -> bool:
    """Whether ``exc`` comes from starting the kernel rather than from running a cell."""
    try:
        import zmq

        if isinstance(exc, zmq.ZMQError):
            return True
    except ImportError:  # pragma: no cover - zmq comes with jupyter_client
        pass
    text = str(exc).lower()
    if isinstance(exc, (RuntimeError, TimeoutError, OSError)):
        return "kernel" in text or "address already in use" in text or "connection" in text
    return False


def _error_fields(exc: BaseException) -> tuple[str, str | None, str]:
    """(error class, the exception name inside the notebook, a one-paragraph message)."""
    cls = type(exc).__name__
    name = getattr(exc, "ename", None)
    message = getattr(exc, "evalue", None) or str(exc)
    message = " ".join(str(message).split())
    if len(message) > 2000:
        message = message[:2000] + " …"
    return cls, name, message


@contextlib.contextmanager
def environ_set(name: str, value: str) -> Iterator[None]:
    """The environment variable ``name`` is ``value`` inside the block, and as it was (or unset) after it."""
    old = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = old


def execute_region(task: RegionTask) -> RegionOutcome:
    """Execute the template for one region and write ``report.ipynb`` and ``report.html``.

    Never raises for a failure of the notebook or the kernel: the outcome says what happened. Runs
    in the caller's process, a pool process, or a Dask worker.
    """
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type] - see _SKIP_SLOW_IMPORTS
    import nbformat
    import papermill as pm
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    region_dir = Path(task.region_dir)
    region_dir.mkdir(parents=True, exist_ok=True)
    out_nb = region_dir / "report.ipynb"
    started = time.perf_counter()
    outcome = RegionOutcome(region=task.region, status="failed")
    try:
        outcome.kernel = ensure_kernel(task.kernel_name)
        outcome.kernel["host"] = platform.node()
    except Exception as exc:  # noqa: BLE001 - recorded as the region's failure
        outcome.error_class, outcome.error_name, outcome.error_message = "KernelStartError", None, str(exc)
        outcome.duration = time.perf_counter() - started
        return outcome
    kernel_name = outcome.kernel["name"]

    resource_left, start_left, backoff = RESOURCE_RETRIES, KERNEL_START_RETRIES, KERNEL_START_BACKOFF
    while True:
        outcome.attempts += 1
        error: BaseException | None = None
        try:
            # kernels inherit PYTHONHASHSEED=0, so that set and dict-of-set orders do not vary by run
            with environ_set("PYTHONHASHSEED", "0"):
                pm.execute_notebook(
                    task.template,
                    str(out_nb),
                    parameters=dict(task.parameters),
                    kernel_name=kernel_name,
                    language="python",
                    cwd=str(region_dir),
                    execution_timeout=task.timeout,
                    start_timeout=task.start_timeout,
                    progress_bar=False,
                    log_output=False,
                    report_mode=False,
                    # ipykernel warns about plain-TCP transport on every start: noise in cron logs
                    extra_arguments=["--IPKernelApp.log_level=ERROR",
                                     f"--IPKernelApp.exec_lines={_SKIP_SLOW_IMPORTS}"],
                )
        except PapermillExecutionError as exc:
            error = exc
        except (CellTimeoutError, DeadKernelError) as exc:
            error = exc
            if resource_left > 0:
                resource_left -= 1
                continue
        except Exception as exc:  # noqa: BLE001 - classified below
            error = exc
            if _kernel_start_failure(exc):
                if start_left > 0:
                    start_left -= 1
                    time.sleep(backoff)
                    backoff *= 2
                    continue
                outcome.error_class = "KernelStartError"
        break

    if error is not None:
        cls, name, message = _error_fields(error)
        if outcome.error_class is None:
            outcome.error_class = cls
        else:
            name = name or cls
        outcome.error_name, outcome.error_message = name, message
    if out_nb.exists():
        nb = nbformat.read(out_nb, as_version=4)
        strip_volatile_metadata(nb)
        language_info = nb.metadata.get("language_info") or {}
        if language_info.get("version"):
            outcome.kernel["language_version"] = language_info["version"]
        nbformat.write(nb, out_nb)
        if error is None:
            try:
                page = notebook_to_html(nb, task.title, str(task.parameters.get("language", "zh-CN")))
                (region_dir / "report.html").write_text(page, encoding="utf-8")
            except Exception as exc:  # noqa: BLE001 - an HTML failure fails the region, not the run
                error = exc
                outcome.error_class, outcome.error_name, outcome.error_message = _error_fields(exc)
    outcome.status = "ok" if error is None else "failed"
    outcome.duration = time.perf_counter() - started
    return outcome


# ---------------------------------------------------------------------------------------- index
_INDEX_SCRIPT = """
document.querySelectorAll('th[data-sort]').forEach(function (th, col) {
  th.addEventListener('click', function () {
    var tbody = th.closest('table').tBodies[0];
    var rows = Array.prototype.slice.call(tbody.rows);
    var asc = th.getAttribute('aria-sort') !== 'ascending';
    th.closest('tr').querySelectorAll('th').forEach(function (h) { h.removeAttribute('aria-sort'); });
    th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
    var numeric = th.getAttribute('data-sort') === 'number';
    rows.sort(function (a, b) {
      var x = a.cells[col].getAttribute('data-value'), y = b.cells[col].getAttribute('data-value');
      var c = numeric ? (parseFloat(x) || -1) - (parseFloat(y) || -1) : x.localeCompare(y, 'zh-CN');
      return asc ? c : -c;
    });
    rows.forEach(function (r) { tbody.appendChild(r); });
  });
});
"""

_INDEX_STYLE = """
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; }
th, td { padding: 4px 10px; border-bottom: 1px solid #ddd; text-align: left; }
th[data-sort] { cursor: pointer; background: #f3f3f3; }
th[aria-sort=ascending]::after { content: " ▲"; } th[aria-sort=descending]::after { content: " ▼"; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.failed td { background: #fde8e8; }
.level-county td:nth-child(2) { padding-left: 1.5em; } .level-township td:nth-child(2) { padding-left: 3em; }
"""

_INDEX_TEXT = {
    "zh-CN": {
        "title": "区域风险报告", "as_of": "数据截至", "code": "区划代码", "name": "名称", "level": "层级",
        "score": "风险得分（含下级）", "alerts": "红色预警", "warnings": "黄色预警", "status": "状态",
        "report": "报告", "ok": "完成", "failed": "失败", "open": "打开", "sort": "点击列标题排序",
    },
    "en": {
        "title": "Regional risk reports", "as_of": "as of", "code": "Region code", "name": "Name",
        "level": "Level", "score": "Risk score (subtree)", "alerts": "Alerts", "warnings": "Warnings",
        "status": "Status", "report": "Report", "ok": "done", "failed": "failed", "open": "open",
        "sort": "click a column heading to sort",
    },
}


def _index_html(rows: list[dict[str, Any]], as_of: str, language: str) -> str:
    t = _INDEX_TEXT.get(language, _INDEX_TEXT["en"])
    e = html.escape
    head = [("code", "text"), ("name", "text"), ("level", "text"), ("score", "number"),
            ("alerts", "number"), ("warnings", "number"), ("status", "text"), ("report", "text")]
    out = [
        "<!DOCTYPE html>",
        f'<html lang="{"zh" if language == "zh-CN" else "en"}">',
        '<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(t['title'])} {e(as_of)}</title>",
        f"<style>{_INDEX_STYLE}</style></head>",
        "<body>",
        f"<h1>{e(t['title'])}</h1>",
        f"<p>{e(t['as_of'])} {e(as_of)} · {e(t['sort'])}</p>",
        '<table id="regions"><thead><tr>'
        + "".join(f'<th data-sort="{kind}">{e(t[key])}</th>' for key, kind in head)
        + "</tr></thead><tbody>",
    ]
    for r in rows:
        score = r.get("score")
        score_text = "" if score is None else f"{score:.1f}"
        status = t["ok"] if r["status"] == "ok" else t["failed"]
        reason = r.get("error") or ""
        link = f'<a href="{e(r["region_code"])}/report.html">{e(t["open"])}</a>' if r["status"] == "ok" else ""
        cells = [
            (r["region_code"], e(r["region_code"]), ""),
            (r.get("name") or "", e(r.get("name") or ""), ""),
            (r.get("level") or "", e(r.get("level") or ""), ""),
            ("" if score is None else f"{score:.3f}", score_text, "num"),
            (str(r.get("alerts", "")), str(r.get("alerts", "")), "num"),
            (str(r.get("warnings", "")), str(r.get("warnings", "")), "num"),
            (r["status"], e(status) + (f'<br><small title="{e(reason)}">{e(reason[:160])}</small>' if reason else ""), ""),
            (r["status"], link, ""),
        ]
        cls = f'level-{e(r.get("level") or "")}' + (" failed" if r["status"] != "ok" else "")
        out.append(
            f'<tr class="{cls}">'
            + "".join(
                f'<td data-value="{e(v)}"' + (f' class="{c}"' if c else "") + f">{shown}</td>"
                for v, shown, c in cells
            )
            + "</tr>"
        )
    out += ["</tbody></table>", f"<script>{_INDEX_SCRIPT}</script>", "</body></html>", ""]
    return "\n".join(out)


# ----------------------------------------------------------------------------------------- runs
def _log(message: str) -> None:
    stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S")
    print(f"{stamp} {message}", file=sys.stderr, flush=True)


class _Progress:
    """A tqdm bar on a terminal; plain log lines otherwise (cron, CI)."""

    def __init__(self, total: int, enabled: bool | None = None) -> None:
        self.total, self.done = total, 0
        tty = sys.stderr.isatty() if enabled is None else enabled
        self.bar = None
        if tty:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="region", desc="reports", file=sys.stderr)

    def update(self, outcome: RegionOutcome) -> None:
        self.done += 1
        if self.bar is not None:
            self.bar.set_postfix_str(f"{outcome.region} {outcome.status}")
            self.bar.update(1)
        else:
            why = f" ({outcome.error_class}: {outcome.error_message[:200]})" if outcome.error_message else ""
            _log(f"report {self.done}/{self.total} {outcome.region} {outcome.status} "
                 f"{outcome.duration:.1f}s{why}")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _run_local(tasks: list[RegionTask], workers: int, progress: _Progress) -> dict[str, RegionOutcome]:
    outcomes: dict[str, RegionOutcome] = {}
    if workers <= 1:
        for task in tasks:
            outcomes[task.region] = o = execute_region(task)
            progress.update(o)
        return outcomes
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    # spawn: a clean interpreter per worker (no forked threads, no inherited kernel sockets)
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = {pool.submit(execute_region, task): task for task in tasks}
        for fut in as_completed(futures):
            task = futures[fut]
            try:
                o = fut.result()
            except Exception as exc:  # noqa: BLE001 - a dead pool process fails its region only
                cls, name, message = _error_fields(exc)
                o = RegionOutcome(task.region, "failed", error_class=cls, error_name=name, error_message=message)
            outcomes[task.region] = o
            progress.update(o)
    return outcomes


def _run_dask(tasks: list[RegionTask], scheduler: str, progress: _Progress) -> dict[str, RegionOutcome]:
    from distributed import Client, as_completed

    outcomes: dict[str, RegionOutcome] = {}
    with Client(scheduler, timeout="30s") as client:
        futures = {
            client.submit(execute_region, task, key=f"fiscalrisk-report-{task.region}-{os.getpid()}-{time.time_ns()}",
                          pure=False): task
            for task in tasks
        }
        for fut in as_completed(list(futures)):
            task = futures[fut]
            try:
                o = fut.result()
            except Exception as exc:  # noqa: BLE001 - a lost worker fails its region only
                cls, name, message = _error_fields(exc)
                o = RegionOutcome(task.region, "failed", error_class=cls, error_name=name, error_message=message)
            outcomes[task.region] = o
            progress.update(o)
    return outcomes


def _check_out_dir(out: Path) -> None:
    if out.exists():
        if not out.is_dir():
            raise FileExistsError(f"{out} exists and is not a directory")
        manifest = out / "manifest.json"
        if any(out.iterdir()):
            ok = False
            if manifest.is_file():
                with contextlib.suppress(ValueError, OSError):
                    ok = json.loads(manifest.read_text(encoding="utf-8")).get("kind") == REPORT_MARKER
            if not ok:
                raise FileExistsError(
                    f"{out} is not empty and is not a previous report run (no manifest.json of a "
                    "fiscalrisk report); refusing to replace it"
                )


def _scores_by_region(scan_dir: Path) -> dict[str, dict[str, Any]]:
    from fiscalrisk.cells import read_csv

    path = scan_dir / "scores.csv"
    if not path.is_file():
        return {}
    s = read_csv(path, dtype={"subject_id": "str", "region_code": "str"})
    s = s.loc[(s["subject_type"] == "region") & (s["scope"] == "subtree")]
    return {
        str(r.subject_id): {"score": float(r.score), "alerts": int(r.alerts), "warnings": int(r.warnings)}
        for r in s.itertuples()
    }


def _prepare_scan(dataset: Any, scan_dir: Path, reuse: Path | None, as_of: str | None,
                  params_files: Sequence[str]) -> dict[str, Any]:
    """Scan into ``scan_dir`` (or copy the scan to reuse); returns the scan's manifest.

    A reused scan is checked (:func:`fiscalrisk.scan.open_scan`) and, when ``dataset`` is given, must
    have been made from it; only the files its manifest lists are copied (not a dashboard's chart
    bundle or anything else lying in the directory).
    """
    if reuse is not None:
        from fiscalrisk.scan import open_scan, scan_file_names

        manifest = open_scan(reuse)
        if as_of and manifest.get("as_of") != as_of:
            raise ValueError(
                f"--scan {reuse}: the scan is as of {manifest.get('as_of')}, the report asks for {as_of}; "
                "scan again or drop --scan"
            )
        if dataset is not None:
            recorded = {k: v.get("sha256") for k, v in (manifest.get("inputs") or {}).items() if v.get("sha256")}
            current = dict(getattr(dataset, "fingerprints", {}) or {})
            differ = sorted(k for k, v in recorded.items() if current.get(k) not in (None, v))
            if differ:
                raise ValueError(
                    f"--scan {reuse}: the scan was made from other data (SHA-256 differs for {', '.join(differ)}); "
                    "scan again or drop --scan"
                )
        for name in [*scan_file_names(manifest), "manifest.json"]:
            target = scan_dir / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(reuse / name, target)
        return manifest
    from fiscalrisk.scan import scan, write_scan

    result = scan(dataset, as_of=as_of, files=tuple(params_files))
    write_scan(result, scan_dir)
    # params files travel with the run, so an export can re-run the scan from the bundle
    return dict(result.manifest)


def _params_snapshot(dest: Path, params_files: Sequence[str]) -> dict[str, Any]:
    """Copy the params directory and extra params files used into ``dest`` (for exports)."""
    from fiscalrisk.params import default_params_dir

    src = default_params_dir()
    dest.mkdir(parents=True, exist_ok=True)
    copied: list[str] = []
    if src.is_dir():
        for f in sorted(src.glob("*.yaml")):
            shutil.copy2(f, dest / f.name)
            copied.append(f.name)
    extra: list[str] = []
    sources: dict[str, str] = {}
    for i, f in enumerate(params_files):
        # a plain name (verify accepts only NAME.yaml in params/); the file's own name is recorded beside it
        name = f"extra-{i + 1}.yaml"
        shutil.copy2(f, dest / name)
        extra.append(name)
        sources[name] = Path(f).name
    return {"dir": dest.name, "files": copied, "extra": extra, "extra_sources": sources}


@dataclass(frozen=True)
class _RunPaths:
    """The checked paths and date of one report run (see :func:`_check_run_arguments`)."""

    data: Path | None
    out: Path
    template: Path
    as_of: str | None
    reuse: Path | None
    previous: Path


def _check_run_arguments(data_dir: str | os.PathLike[str] | None, out_dir: str | os.PathLike[str],
                         scan_dir: str | os.PathLike[str] | None, previous_scan: str | os.PathLike[str] | None,
                         template: str | os.PathLike[str] | None, as_of: str | None, workers: int,
                         language: str) -> _RunPaths:
    """Check the arguments of :func:`run_reports` before anything is read or written."""
    if data_dir is None and scan_dir is None:
        raise ValueError("give --scan SCAN_DIR (a scan directory to report on) or --data DATA_DIR (to scan first)")
    data = Path(data_dir).resolve() if data_dir is not None else None
    out = Path(out_dir).resolve()
    template_path = Path(template).resolve() if template else DEFAULT_TEMPLATE
    if not template_path.is_file():
        raise FileNotFoundError(f"report template {template_path} does not exist")
    if workers < 1:
        raise ValueError(f"--workers expects a whole number ≥ 1, got {workers}")
    if language not in ("zh-CN", "en"):
        raise ValueError(f"--language expects zh-CN or en, got {language!r}")
    if as_of is not None:
        try:
            as_of = dt.date.fromisoformat(str(as_of)).isoformat()
        except ValueError:
            raise ValueError(f"--as-of expects a date YYYY-MM-DD, got {as_of!r}") from None
    _check_out_dir(out)
    reuse = Path(scan_dir).resolve() if scan_dir else None
    previous = Path(previous_scan).resolve() if previous_scan else out / SCAN_SUBDIR
    from fiscalrisk.report.regional import previous_findings_file

    if previous_scan and previous_findings_file(previous) is None:
        raise FileNotFoundError(f"--previous-scan {previous_scan}: no findings.parquet or findings.csv there")
    return _RunPaths(data=data, out=out, template=template_path, as_of=as_of, reuse=reuse, previous=previous)


def _load_inputs(paths: _RunPaths, mapping: str | None) -> tuple[Any, Any]:
    """The region tree (of the reused scan, else of the data) and the dataset (None without data)."""
    from fiscalrisk.hierarchy import RegionTree
    from fiscalrisk.inputs import load_or_explain

    if paths.reuse is not None:
        from fiscalrisk.scan import open_scan, read_reference

        open_scan(paths.reuse)  # complete, unaltered, of this scan format (else: scan again)
        tree = RegionTree.from_frame(read_reference(paths.reuse, "regions"))
    dataset = load_or_explain(str(paths.data), mapping) if paths.data is not None else None
    if paths.reuse is None:
        tree = RegionTree.from_frame(dataset["regions"])
    return tree, dataset


def _region_codes(tree: Any, regions: Sequence[str] | None) -> list[str]:
    """The codes of the regions asked for (all of the tree's when none); unknown codes are an error."""
    if not regions:
        return tree.codes
    wanted = [str(r) for r in regions]
    unknown = [r for r in wanted if r not in tree]
    if unknown:
        raise ValueError(f"--regions: unknown region code(s) {', '.join(unknown)}; known: "
                         f"{', '.join(tree.codes[:20])}{' …' if len(tree) > 20 else ''}")
    return sorted(set(wanted))


def _region_tasks(stage: Path, codes: Sequence[str], tree: Any, *, template: Path, as_of: str | None,
                  language: str, has_previous: bool, parameters: Mapping[str, Any] | None,
                  region_parameters: Mapping[str, Mapping[str, Any]] | None, kernel: Mapping[str, Any],
                  timeout: int) -> list[RegionTask]:
    """One task a region: its folder with its findings workbook, and its notebook's parameters."""
    from fiscalrisk.report import regional

    scan_tables = regional.read_scan(stage / SCAN_SUBDIR)
    tasks: list[RegionTask] = []
    for code in codes:
        region_dir = safe_child(stage, code, "region code")  # a code from the data names a folder
        region_dir.mkdir()
        regional.write_region_findings(scan_tables, code, region_dir / "findings.xlsx", tree=tree,
                                       language=language)
        nb_params: dict[str, Any] = {
            "region": code,
            "as_of": as_of or "",
            "scan_dir": f"../{SCAN_SUBDIR}",  # the reports read the scan directory and nothing else
            "language": language,
        }
        if has_previous:
            nb_params["previous_scan"] = f"../{PREVIOUS_SUBDIR}"
        nb_params.update(parameters or {})
        nb_params.update((region_parameters or {}).get(code, {}))
        title = f"{tree.name(code) or code} {as_of or ''}".strip()
        tasks.append(RegionTask(region=code, region_dir=str(region_dir), template=str(template),
                                parameters=nb_params, kernel_name=kernel["name"], timeout=timeout,
                                title=title))
    return tasks


def _run_tasks(tasks: list[RegionTask], scheduler: str | None, workers: int,
               progress: bool | None) -> dict[str, RegionOutcome]:
    """Execute the tasks (on the Dask cluster, else in a local pool); the outcomes by region code, sorted."""
    bar = _Progress(len(tasks), progress)
    try:
        if scheduler:
            outcomes = _run_dask(tasks, scheduler, bar)
        else:
            outcomes = _run_local(tasks, workers, bar)
    finally:
        bar.close()
    return {code: outcomes[code] for code in sorted(outcomes)}


def _write_index(stage: Path, codes: Sequence[str], tree: Any, outcomes: Mapping[str, RegionOutcome],
                 as_of: str | None, language: str) -> None:
    """``index.html``: every region with its score, status and error."""
    scores = _scores_by_region(stage / SCAN_SUBDIR)
    rows = []
    for code in codes:
        o = outcomes[code]
        rows.append({
            "region_code": code, "name": tree.name(code), "level": tree.level(code),
            "parent_code": tree.parent(code), **scores.get(code, {}), "status": o.status,
            "error": f"{o.error_class}: {o.error_message}" if o.status != "ok" else "",
        })
    (stage / "index.html").write_text(_index_html(rows, as_of or "", language), encoding="utf-8")


def _run_manifest(paths: _RunPaths, *, as_of: str | None, mapping: str | None, codes: Sequence[str],
                  language: str, workers: int, scheduler: str | None, kernel_name: str, timeout: int,
                  params_files: Sequence[str], parameters: Mapping[str, Any] | None,
                  region_parameters: Mapping[str, Mapping[str, Any]] | None, params_info: dict[str, Any],
                  scan_manifest: Mapping[str, Any], kernel: dict[str, Any],
                  outcomes: Mapping[str, RegionOutcome], tree: Any, started: dt.datetime,
                  t0: float) -> dict[str, Any]:
    """The run's ``manifest.json``: its parameters, inputs, scan, environment and every region's outcome."""
    kernels_used = sorted({json.dumps(o.kernel, sort_keys=True) for o in outcomes.values() if o.kernel})
    return {
        "kind": REPORT_MARKER,
        "fiscalrisk": __version__,
        "run": {
            "as_of": as_of,
            "data_dir": str(paths.data) if paths.data is not None else None,
            "mapping": mapping,
            "scan_reused_from": str(paths.reuse) if paths.reuse else None,
            "regions": codes,
            "language": language,
            "workers": workers,
            "scheduler": scheduler,
            "template": paths.template.name,
            "kernel_name": kernel_name,
            "timeout": timeout,
            "params_files": [str(Path(f).resolve()) for f in params_files],
            "parameters": dict(parameters or {}),
            "region_parameters": {k: dict(v) for k, v in sorted((region_parameters or {}).items())},
        },
        "params": params_info,
        "inputs": scan_manifest.get("inputs", {}),
        "scan": {"dir": SCAN_SUBDIR, "as_of": scan_manifest.get("as_of"),
                 "counts": scan_manifest.get("counts"), "files": scan_manifest.get("files")},
        "environment": environment(),
        "kernel": kernel,
        "kernels_used": [json.loads(k) for k in kernels_used],
        "regions": {code: {**o.as_dict(), "name": tree.name(code), "level": tree.level(code)}
                    for code, o in outcomes.items()},
        "summary": {
            "regions": len(outcomes),
            "ok": sum(o.status == "ok" for o in outcomes.values()),
            "failed": sorted(c for c, o in outcomes.items() if o.status != "ok"),
        },
        "started": started.isoformat(timespec="seconds"),
        "seconds": round(time.perf_counter() - t0, 3),
    }


def _write_manifest(stage: Path, manifest: dict[str, Any]) -> None:
    (stage / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True, default=str) + "\n",
        encoding="utf-8",
    )


def run_reports(
    data_dir: str | os.PathLike[str] | None,
    out_dir: str | os.PathLike[str],
    *,
    as_of: str | None = None,
    scan_dir: str | os.PathLike[str] | None = None,
    regions: Sequence[str] | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    language: str = "zh-CN",
    params_files: Sequence[str] = (),
    parameters: Mapping[str, Any] | None = None,
    region_parameters: Mapping[str, Mapping[str, Any]] | None = None,
    template: str | os.PathLike[str] | None = None,
    kernel_name: str = "python3",
    timeout: int = 600,
    progress: bool | None = None,
    mapping: str | None = None,
    previous_scan: str | os.PathLike[str] | None = None,
) -> RunResult:
    """Produce every region's report (see the module docstring); returns the outcomes and manifest.

    ``data_dir`` (may be None with ``scan_dir``) is scanned unless ``scan_dir`` is given; with both,
    the scan must have been made from that data (SHA-256 per table). ``parameters`` are passed to
    every notebook, ``region_parameters[code]`` to one region's notebook only (on top). Unknown or bad
    ones fail that region, as the template validates them.

    New, recurring and no longer raised findings: each report compares its findings with the previous
    run's — ``previous_scan`` (a scan directory), else the scan of the run already in ``out_dir`` — by
    finding id; their findings are kept in ``OUT/previous/``. With a ``db`` parameter the register's
    history is used instead. Raises ``ValueError`` (a
    :class:`fiscalrisk.scan.ScanDirError` for a scan directory of an older format) /
    ``FileNotFoundError`` / ``FileExistsError`` for bad arguments before anything is written.
    """
    paths = _check_run_arguments(data_dir, out_dir, scan_dir, previous_scan, template, as_of, workers, language)
    as_of = paths.as_of
    t0 = time.perf_counter()
    started = dt.datetime.now(dt.UTC)
    tree, dataset = _load_inputs(paths, mapping)
    codes = _region_codes(tree, regions)

    # lock, recovery of a killed swap, leftovers of dead runs, the check again under the lock; the run
    # is written into .OUT.partial-PID and swapped into place when complete (fiscalrisk.staging)
    staged = StagedOutput(paths.out, kind="partial", check=_check_out_dir)
    stage = staged.open()
    try:
        scan_manifest = _prepare_scan(dataset, stage / SCAN_SUBDIR, paths.reuse, as_of, params_files)
        as_of = as_of or scan_manifest.get("as_of")
        params_info = _params_snapshot(stage / "params", params_files)
        has_previous = _keep_previous(paths.previous, stage / PREVIOUS_SUBDIR)
        kernel = ensure_kernel(kernel_name)
        tasks = _region_tasks(stage, codes, tree, template=paths.template, as_of=as_of, language=language,
                              has_previous=has_previous, parameters=parameters,
                              region_parameters=region_parameters, kernel=kernel, timeout=timeout)
        outcomes = _run_tasks(tasks, scheduler, workers, progress)
        _write_index(stage, codes, tree, outcomes, as_of, language)

        manifest = _run_manifest(
            paths, as_of=as_of, mapping=mapping, codes=codes, language=language, workers=workers,
            scheduler=scheduler, kernel_name=kernel_name, timeout=timeout, params_files=params_files,
            parameters=parameters, region_parameters=region_parameters, params_info=params_info,
            scan_manifest=scan_manifest, kernel=kernel, outcomes=outcomes, tree=tree, started=started, t0=t0,
        )
        _write_manifest(stage, manifest)
        _swap_into_place(staged)
    except BaseException as exc:
        staged.abort(exc)  # the stage removed, the previous output kept; a full disk becomes a user error
        raise
    return RunResult(out_dir=paths.out, outcomes=outcomes, manifest=manifest)


PREVIOUS_SUBDIR = "previous"


def _keep_previous(source: Path, dest: Path) -> bool:
    """Copy the previous run's findings (and its manifest, for its date) into ``dest``; False if none.

    Only these two files are copied: a report compares finding ids, levels and messages, nothing else.
    """
    from fiscalrisk.report.regional import previous_findings_file

    found = previous_findings_file(source) if source.is_dir() else None
    if found is None:
        return False
    dest.mkdir()
    shutil.copyfile(found, dest / found.name)
    if (source / "manifest.json").is_file():
        shutil.copyfile(source / "manifest.json", dest / "manifest.json")
    return True


def _swap_into_place(staged: StagedOutput) -> None:
    """Replace ``OUT`` by the complete stage with two renames, the old one removed last, and unlock.

    A run killed between the two renames leaves ``.OUT.old-PID``; the next run restores it
    (:func:`fiscalrisk.staging.recover`) before anything else.
    """
    staged.commit()


# ------------------------------------------------------------------------------------------ CLI
REPORT_EPILOG = """\
examples:
  fiscalrisk report --data data_samples/huzhou --as-of 2026-06-30 --out out/reports
  fiscalrisk report --scan out/scan --out OUT --regions 330521 330500     (the scan directory alone)
  fiscalrisk report --data DATA --scan out/scan --out OUT     (checks the scan was made from DATA)
  fiscalrisk report --data DATA --as-of 2026-06-30 --out OUT --scheduler tcp://10.0.0.5:8786

exit status: 0 every region's report was produced; 1 at least one region failed (see OUT/manifest.json
and OUT/index.html); 2 bad arguments, bad input data, or a scan directory of an older fiscalrisk (scan
again).

monthly cron line (3rd of the month, 02:30, as of the last day of the previous month):
  30 2 3 * * cd /srv/fiscalrisk && flock -n /tmp/fiscalrisk-report.lock .venv/bin/fiscalrisk report --data /srv/data/current --as-of "$(date -d "$(date +\\%Y-\\%m-01) -1 day" +\\%F)" --out /srv/reports/latest --workers 2 >> /var/log/fiscalrisk-report.log 2>&1
"""


def _parse_assignment(text: str) -> tuple[str, Any]:
    from fiscalrisk.errors import UserError

    if "=" not in text:
        raise UserError(f"--parameter expects NAME=VALUE, got {text!r}")
    name, value = text.split("=", 1)
    import yaml

    try:
        parsed = yaml.safe_load(value) if value else ""
    except yaml.YAMLError:
        parsed = value
    # codes stay strings: 001 must not become 1
    if isinstance(parsed, (int, float)) and value.strip().startswith("0") and value.strip() not in ("0", "0.0"):
        parsed = value
    return name.strip(), parsed


def _register_url(db: str) -> str:
    """The register URL for the notebooks: checked to open, and without a password (the URL is written
    into every executed notebook; PostgreSQL takes its password from PGPASSWORD or ~/.pgpass)."""
    from fiscalrisk.errors import UserError
    from fiscalrisk.register import Register

    reg = Register(db)
    if reg.engine.url.password:
        raise UserError("--db: give the database password through PGPASSWORD or ~/.pgpass, not in the URL "
                        "(the URL is recorded in every report)")
    reg.cases()  # a register is there, at this version's schema (else: one clear sentence, exit 2)
    reg.engine.dispose()
    return str(reg.url)


def cmd_report(args: argparse.Namespace) -> int:
    """``fiscalrisk report``: every region's report; exit 1 if any region failed."""
    from fiscalrisk.errors import UserError

    parameters = dict(_parse_assignment(p) for p in (args.parameter or []))
    if args.db:
        parameters["db"] = _register_url(args.db)
    try:
        result = run_reports(
            args.data,
            args.out,
            as_of=args.as_of,
            scan_dir=args.scan,
            regions=args.regions,
            workers=args.workers,
            scheduler=args.scheduler,
            language=args.language,
            params_files=args.params or (),
            parameters=parameters,
            template=args.template,
            timeout=args.timeout,
            mapping=args.mapping,
            previous_scan=args.previous_scan,
        )
    except (ValueError, FileNotFoundError, FileExistsError) as exc:
        if type(exc).__name__ == "ParamsError":
            raise
        raise UserError(str(exc)) from None
    ok = len(result.outcomes) - len(result.failed)
    print(f"reports: {ok} of {len(result.outcomes)} regions done → {result.out_dir / 'index.html'}")
    for code in result.failed:
        o = result.outcomes[code]
        print(f"  FAILED {code}: {o.error_class}" + (f" ({o.error_name})" if o.error_name else "")
              + f": {o.error_message}", file=sys.stderr)
    return result.exit_code


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``report`` subcommand to the ``fiscalrisk`` command's subparsers."""
    p = sub.add_parser(
        "report",
        help="execute the regional report notebook for every region (papermill; HTML, findings.xlsx, index)",
        description="Every region's report: scan the data once (or reuse --scan), then execute the papermill "
                    "template for each region, writing OUT/<region>/report.ipynb, report.html and findings.xlsx, "
                    "OUT/index.html and OUT/manifest.json. The reports read the scan directory only: --scan alone "
                    "is enough. The run is written beside OUT and replaces it when complete.",
        epilog=REPORT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--data", metavar="DIR", help="data directory (the data contract): scanned unless --scan is given; "
                                                 "with --scan, the scan must have been made from it")
    p.add_argument("--mapping", metavar="FILE", help="column-mapping YAML for a foreign source")
    p.add_argument("--scan", metavar="DIR", help="report on this scan directory (nothing else is read) instead of "
                                                 "scanning again")
    p.add_argument("--as-of", metavar="DATE", help="YYYY-MM-DD the reports look from (default: the scan's)")
    p.add_argument("--out", required=True, metavar="OUT", help="output directory (replaced when the run completes)")
    p.add_argument("--regions", nargs="+", metavar="CODE", help="only these regions (default: every region)")
    p.add_argument("--workers", type=int, default=1, metavar="N", help="regions run at a time locally (default 1)")
    p.add_argument("--scheduler", metavar="ADDRESS", help="run on an existing Dask cluster, e.g. tcp://HOST:8786")
    p.add_argument("--language", choices=["zh-CN", "en"], default="zh-CN", help="report language (default zh-CN)")
    p.add_argument("--params", action="append", metavar="FILE", help="extra params YAML layered over params/ (repeatable)")
    p.add_argument("--parameter", action="append", metavar="NAME=VALUE",
                   help="extra notebook parameter for every region, e.g. top_n=30 (repeatable)")
    p.add_argument("--db", metavar="URL", help="the alert register (fiscalrisk register): adds the closed-loop "
                                               "section 整改跟踪 to every report")
    p.add_argument("--previous-scan", metavar="DIR", help="the scan to compare with (new / recurring / no longer "
                                                         "raised findings); default: the scan of the run already "
                                                         "in --out")
    p.add_argument("--template", metavar="NOTEBOOK", help="another report template (default notebooks/regional_report.ipynb)")
    p.add_argument("--timeout", type=int, default=600, metavar="SECONDS", help="per-cell timeout (default 600)")
    p.set_defaults(func=cmd_report)

