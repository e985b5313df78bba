"""The managers' dashboard: ``fiscalrisk dashboard`` and the widget app its notebook shows.

A manager opens one link and sees their region: KPI tiles, the execution curve against 序时进度,
units ranked by risk, a module × region heat map, the PEFA scorecard, the alert table and an "about"
page listing every indicator — in Chinese or English, with no code on the page and no request
leaving the machine.

How it runs
-----------
``fiscalrisk dashboard --scan SCAN_DIR [--data DATA_DIR] [--region CODE] [--max-kernels N]
[--cull-idle SECONDS] [--params FILE]``

1. checks the scan directory (complete, unaltered, of this scan format: a scan of an older fiscalrisk
   is refused with "run the scan again"), which holds everything the dashboard shows; with ``--data``,
   checks that the data is what the scan read; builds the offline chart bundle once
   (:func:`fiscalrisk.report.dashboard_data.prepare`);
2. starts Voila on ``notebooks/dashboard.ipynb`` (through :mod:`fiscalrisk.dashboard_server`), bound
   to 127.0.0.1 unless ``--ip`` says otherwise, with a random token (``secrets``), one preheated
   kernel (the notebook has already run when the manager arrives), tracebacks hidden, and a copy of
   Voila's lab template without its CDN stylesheet links (Voila bundles the same Font Awesome locally);
3. prints the URL to open, token included, on one line, and serves until interrupted; from then on
   the server's log (Voila's and its kernels') goes to this command's stderr.

Every page open runs its own kernel, about 350 MB with the dashboard loaded. Two limits, from the
params section ``dashboard`` (``params/defaults.yaml``, layered with ``--params FILE``) unless a flag
overrides them:

* **cap** — ``dashboard.max_kernels`` (8; ``--max-kernels``): at most this many kernels at once, the
  preheated spare and kernels still starting included. A page beyond it starts nothing and gets HTTP
  503 with a short bilingual "busy, try again in a minute" page; the spare is refilled only while
  there is room, and again as soon as a kernel goes away;
* **culling** — ``dashboard.cull_idle_seconds`` (120; ``--cull-idle``, at least 60): a kernel idle with
  no browser connected this long is shut down (checked every quarter of that, at most every minute);
  a closed page shuts its kernel down at once. A page left open keeps its kernel: the cap bounds that.

Errors stay on the server: pages run in the kernel of :mod:`fiscalrisk.dashboard_kernel`, which
writes tracebacks and everything sent to stderr to the server log and tells the browser only
"内部错误 / internal error; see the server log" — also when a client sends a malformed widget message.

The scan directory, chart-bundle directory and region reach the notebook through environment variables
(``FISCALRISK_SCAN_DIR``, ``FISCALRISK_CACHE_DIR``, ``FISCALRISK_REGION``, ``FISCALRISK_LANG``), never
through the URL: query parameters would let a county manager edit the link and look at another
county, and preheated kernels run before any request exists. A dashboard started with
``--region 330521`` holds only 德清县 and its townships in its kernel.
"""

from __future__ import annotations

import argparse
import functools
import html
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fiscalrisk.report.dashboard_data import DashboardData, Kpis

__all__ = ["register", "cmd_dashboard", "main", "chart_widget_class", "DashboardApp", "voila_command", "offline_template",
           "notebook_path", "dashboard_limits", "serve_voila"]

ENV_SCAN = "FISCALRISK_SCAN_DIR"
ENV_CACHE = "FISCALRISK_CACHE_DIR"
ENV_REGION = "FISCALRISK_REGION"
ENV_LANG = "FISCALRISK_LANG"
#: the alert register's URL (``--db``): the closed-loop tab reads it
ENV_DB = "FISCALRISK_DB"
#: File name of the chart bundle Voila serves beside the notebook (set by ``cmd_dashboard`` only).
ENV_BUNDLE = "FISCALRISK_CHART_BUNDLE"

TEMPLATE_NAME = "fiscalrisk"
#: Name of the served notebook copy: Voila shows it as the browser tab's title.
SERVED_NOTEBOOK = "财政风险防控驾驶舱 Fiscal risk dashboard.ipynb"
DEFAULT_PORT = 8866
# Fallbacks of voila_command; the command reads params `dashboard` (params/defaults.yaml holds the same values).
DEFAULT_CULL_IDLE = 120  # seconds a kernel may sit idle with no browser connected before it is shut down
DEFAULT_MAX_KERNELS = 8  # kernels at once, the preheated spare included
MIN_CULL_IDLE = 60

_NOTEBOOK_SOURCE = (
    "from fiscalrisk.dashboard import DashboardApp\n\n"
    "DashboardApp.from_env().widget"
)


# ==================================================================================================
# Command line
# ==================================================================================================


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``dashboard`` subcommand to the ``fiscalrisk`` command's subparsers."""
    p = sub.add_parser(
        "dashboard",
        help="serve the read-only managers' dashboard of a scan (Voila, offline, token-protected)",
        description=(
            "Serve the managers' dashboard of a scan directory with Voila. The page shows the region "
            "given by --region and its subordinate regions only. Prints the URL to open (with its "
            "token) and serves until interrupted."
        ),
        epilog="example: fiscalrisk dashboard --scan out/scan --region 330521",
    )
    p.add_argument("--scan", required=True, metavar="SCAN_DIR",
                   help="output directory of `fiscalrisk scan` (all the dashboard reads)")
    p.add_argument("--data", metavar="DIR",
                   help="optional: the data directory the scan read; refused if its files differ from the scan's")
    p.add_argument("--region", metavar="CODE",
                   help="region the dashboard is for (default: the root of the region tree); its subtree only")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    p.add_argument("--ip", default="127.0.0.1", metavar="ADDRESS",
                   help="address to bind (default 127.0.0.1: this machine only)")
    p.add_argument("--lang", default="zh-CN", choices=["zh-CN", "en"], help="initial language (default zh-CN)")
    p.add_argument("--db", metavar="URL", help="the alert register (fiscalrisk register): adds the tab 整改跟踪, "
                                               "the closed loop of the region shown, and each rule's precision "
                                               "(reviewed, dismissal rate) to the about tab; read only")
    add_kernel_options(p)
    p.set_defaults(func=cmd_dashboard)


def add_kernel_options(p: argparse.ArgumentParser) -> None:
    """The options of a served app's kernels (``--cull-idle``, ``--max-kernels``) and its ``--params``
    (section dashboard), for the dashboard and the case desk alike."""
    p.add_argument("--cull-idle", type=int, default=None, metavar="SECONDS",
                   help="shut down kernels idle and unconnected this long "
                        f"(default: params dashboard.cull_idle_seconds, {DEFAULT_CULL_IDLE})")
    p.add_argument("--max-kernels", type=int, default=None, metavar="N",
                   help="most kernels (open pages, plus one preheated) at once; further pages get "
                        f"'busy, try again' (HTTP 503) (default: params dashboard.max_kernels, {DEFAULT_MAX_KERNELS})")
    p.add_argument("--params", metavar="FILE", action="append",
                   help="params YAML layered over params/ (repeatable; section dashboard)")


def notebook_path() -> Path | None:
    """``notebooks/dashboard.ipynb`` (of the source tree, or the copy shipped in the package), if present."""
    return app_notebook("dashboard.ipynb")


def app_notebook(name: str) -> Path | None:
    """``notebooks/<name>`` (of the source tree, or the copy shipped in the package), if present."""
    from fiscalrisk.resources import notebook

    path = notebook(name)
    return path if path.is_file() else None


def _write_fallback_notebook(directory: Path, name: str = SERVED_NOTEBOOK, cell: str = _NOTEBOOK_SOURCE) -> Path:
    """A one-cell notebook equivalent to ``notebooks/dashboard.ipynb`` (installed packages lack it)."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(cell)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = directory / name
    nbformat.write(nb, path)
    return path


def _served_notebook(source: Path | None, site: Path, name: str = SERVED_NOTEBOOK,
                     cell: str = _NOTEBOOK_SOURCE) -> Path:
    """The notebook Voila serves from ``site`` as ``name``: ``source`` (or a fallback of one ``cell``),
    run by the dashboard's kernel (:mod:`fiscalrisk.dashboard_kernel`, whose errors stay in the server log)."""
    import nbformat

    from fiscalrisk.dashboard_kernel import KERNEL_NAME

    path = Path(shutil.copy(source, site / name)) if source else _write_fallback_notebook(site, name, cell)
    nb = nbformat.read(path, as_version=4)
    nb.metadata["kernelspec"] = {"name": KERNEL_NAME, "display_name": "Python 3 (fiscalrisk dashboard)",
                                 "language": "python"}
    nbformat.write(nb, path)
    return path


def offline_template(root: Path) -> Path:
    """Write a Voila template ``fiscalrisk`` under ``root/voila/templates`` and return ``root``.

    It is Voila's installed ``lab`` template with the stylesheet links to cdn.jsdelivr.net removed:
    the Font Awesome icons they fetch are already bundled in Voila's own JavaScript, and an offline
    intranet must not see the page wait for, or a proxy log, a request to the internet. nbconvert's
    Mermaid loader (an ``import()`` from cdnjs, for diagrams the dashboard never shows) is left out too,
    so the page names no host at all. ``root`` goes first on ``JUPYTER_PATH`` so Voila finds the template.
    """
    from jupyter_core.paths import jupyter_path

    source = None
    for base in jupyter_path("voila", "templates", "lab"):
        candidate = Path(base) / "index.html.j2"
        if candidate.is_file():
            source = candidate
            break
    if source is None:
        raise FileNotFoundError("Voila's lab template (voila/templates/lab/index.html.j2) is not installed")
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if "cdn.jsdelivr.net" not in line and "://cdn" not in line]
    kept.append("\n{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}\n")
    target = root / "voila" / "templates" / TEMPLATE_NAME
    target.mkdir(parents=True, exist_ok=True)
    (target / "index.html.j2").write_text("".join(kept), encoding="utf-8")
    (target / "conf.json").write_text(json.dumps({"base_template": "lab"}) + "\n", encoding="utf-8")
    return root


def _site_bundle(cache: Path, site: Path) -> str | None:
    """Copy the offline chart bundle of the cache next to the served notebook; its file name, or None."""
    from fiscalrisk.report.dashboard_data import BUNDLE_FILE

    source = cache / BUNDLE_FILE
    key = source.with_suffix(".key")
    if not (source.is_file() and key.is_file()):
        return None
    from fiscalrisk.report.charts import _bundle_key

    if key.read_text(encoding="utf-8") != _bundle_key():
        return None
    shutil.copy(source, site / BUNDLE_FILE)
    return BUNDLE_FILE


def voila_command(notebook: Path, *, port: int, ip: str, token: str, cull_idle: int = DEFAULT_CULL_IDLE,
                  max_kernels: int = DEFAULT_MAX_KERNELS, serve: list[str] | tuple[str, ...] = ()) -> list[str]:
    """The Voila command line of the dashboard (one preheated kernel, token auth, culling, no tracebacks).

    Voila runs through :mod:`fiscalrisk.dashboard_server`, which adds the cap of ``max_kernels``
    kernels at once (the preheated one included) and the "busy" page beyond it. Idle kernels with no
    browser connected are shut down after ``cull_idle`` seconds, checked every quarter of that (at
    most every 60 s).

    ``serve``: file names beside the notebook that Voila may serve (under ``voila/files/``), besides
    images; everything else stays refused (notebooks and Python files in particular).
    """
    allow = [r".*\.(png|jpg|gif|svg)", *(re.escape(name) for name in serve)]
    cull_idle = int(cull_idle)
    return [
        sys.executable, "-m", "fiscalrisk.dashboard_server", str(notebook),
        "--no-browser",
        f"--port={port}",
        f"--Voila.ip={ip}",
        "--Voila.port_retries=0",
        f"--token={token}",
        f"--template={TEMPLATE_NAME}",
        "--theme=light",
        "--preheat_kernel=True",
        "--pool_size=1",
        f"--DashboardVoila.max_kernels={int(max_kernels)}",
        "--VoilaConfiguration.show_tracebacks=False",
        f"--MappingKernelManager.cull_idle_timeout={cull_idle}",
        f"--MappingKernelManager.cull_interval={max(1, min(60, cull_idle // 4))}",
        "--MappingKernelManager.cull_connected=False",
        f"--VoilaConfiguration.file_allowlist={json.dumps(allow)}",
    ]


def dashboard_limits(args: argparse.Namespace) -> tuple[int, int]:
    """``(max_kernels, cull_idle_seconds)``: params section ``dashboard`` (with ``--params`` files
    layered on top), overridden by ``--max-kernels`` / ``--cull-idle``; checked."""
    from fiscalrisk.errors import UserError
    from fiscalrisk.params import ParamsError, resolve

    files = tuple(getattr(args, "params", None) or ())
    for f in files:
        if not Path(f).is_file():
            raise UserError(f"--params: file '{f}' not found")
    try:
        section = resolve(files=files).get("dashboard") or {}
    except ParamsError as exc:
        raise UserError(str(exc)) from None
    max_kernels = section.get("max_kernels", DEFAULT_MAX_KERNELS) if args.max_kernels is None else args.max_kernels
    cull_idle = section.get("cull_idle_seconds", DEFAULT_CULL_IDLE) if args.cull_idle is None else args.cull_idle
    if int(max_kernels) < 1:
        where = "--max-kernels" if args.max_kernels is not None else "parameter 'dashboard.max_kernels'"
        raise UserError(f"{where} expected at least 1; got {max_kernels}")
    if int(cull_idle) < MIN_CULL_IDLE:
        where = "--cull-idle" if args.cull_idle is not None else "parameter 'dashboard.cull_idle_seconds'"
        raise UserError(f"{where} expected at least {MIN_CULL_IDLE} seconds; got {cull_idle}")
    return int(max_kernels), int(cull_idle)


def _display_host(ip: str) -> str:
    if ip in ("", "0.0.0.0", "::"):
        return socket.gethostname()
    return f"[{ip}]" if ":" in ip else ip


def _port_free(ip: str, port: int) -> bool:
    """Whether ``port`` can be bound on ``ip`` (checked before starting Voila, which would only log it)."""
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((ip or "0.0.0.0", port))
        except OSError:
            return False
    return True


def _wait_for_port(ip: str, port: int, proc: subprocess.Popen[bytes], timeout: float = 60.0) -> bool:
    host = "127.0.0.1" if ip in ("", "0.0.0.0") else ("::1" if ip == "::" else ip)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.2)
    return False


def cmd_dashboard(args: argparse.Namespace) -> int:
    """Check the scan directory, start Voila, print the URL; returns Voila's exit status."""
    from fiscalrisk.errors import UserError
    from fiscalrisk.report.dashboard_data import ScanDirError, prepare
    from fiscalrisk.scan import read_reference

    try:
        cache = prepare(args.scan, args.data)
    except ScanDirError as exc:
        raise UserError(str(exc)) from None

    regions = read_reference(args.scan, "regions")
    codes = set(regions["region_code"])
    roots = sorted(regions.loc[regions["parent_code"] == "", "region_code"])
    region = args.region or (roots[0] if roots else "")
    if region not in codes:
        shown = ", ".join(f"{c} {n}" for c, n in zip(regions["region_code"], regions["name"], strict=True)
                          if c in roots or regions.set_index("region_code").at[c, "parent_code"] in roots)
        raise UserError(f"--region {args.region!r} is not a region of this scan; for example: {shown}")
    if not 0 < args.port < 65536:
        raise UserError(f"--port expected 1–65535; got {args.port}")
    if not _port_free(args.ip, args.port):
        raise UserError(f"port {args.port} on {args.ip} is already in use; choose another with --port")
    max_kernels, cull_idle = dashboard_limits(args)

    name = regions.set_index("region_code").at[region, "name"]

    def site_files(site: Path) -> tuple[list[str], dict[str, str]]:
        # The notebook is served from a private directory holding it and the offline chart bundle, so
        # the browser downloads the bundle once per page instead of once per chart.
        bundle = _site_bundle(cache, site)
        return ([bundle], {ENV_BUNDLE: bundle}) if bundle else ([], {})

    return serve_voila(notebook_path(), label=f"dashboard for {region} ({name})", ip=args.ip, port=args.port,
                       max_kernels=max_kernels, cull_idle=cull_idle, site_files=site_files,
                       env={ENV_SCAN: str(Path(args.scan).resolve()), ENV_CACHE: str(cache.resolve()),
                            ENV_REGION: region, ENV_LANG: args.lang, **_register_env(args.db)})


def _register_env(db: str | None) -> dict[str, str]:
    """``FISCALRISK_DB`` for the kernels when ``--db`` is given, after checking the register opens."""
    if not db:
        return {}
    from fiscalrisk.register import Register

    reg = Register(db)
    reg.cases()  # there, at this version's schema (else one clear sentence, exit 2)
    reg.engine.dispose()
    return {ENV_DB: str(reg.url)}


def serve_voila(source: Path | None, *, label: str, ip: str, port: int, max_kernels: int, cull_idle: int,
                env: dict[str, str], served_name: str = SERVED_NOTEBOOK, cell: str = _NOTEBOOK_SOURCE,
                site_files: Callable[[Path], tuple[list[str], dict[str, str]]] | None = None) -> int:
    """Serve the notebook ``source`` with Voila, print ``label: URL`` (token included) on one line and
    serve until interrupted; returns Voila's exit status.

    A private directory holds the offline template, the kernelspec of :mod:`fiscalrisk.dashboard_kernel`
    and the served copy of the notebook (``served_name``, the browser tab's title; one ``cell`` when
    ``source`` is None). ``site_files(site)`` may put files beside it: it returns their names (Voila
    may serve them) and environment variables for the kernels. ``env`` reaches the kernels too.
    """
    from fiscalrisk.errors import UserError

    token = secrets.token_urlsafe(24)
    # SIGTERM (a service manager stopping the server) must stop Voila and its kernels too.
    signal.signal(signal.SIGTERM, _terminate)
    work = Path(tempfile.mkdtemp(prefix="fiscalrisk-voila-"))
    try:
        offline_template(work / "jupyter")
        from fiscalrisk.dashboard_kernel import write_kernelspec

        write_kernelspec(work / "jupyter")
        site = work / "site"
        site.mkdir()
        notebook = _served_notebook(source, site, served_name, cell)
        served, extra = site_files(site) if site_files is not None else ([], {})
        full_env = dict(os.environ)
        full_env.update(env)
        full_env.update(extra)
        full_env.update({
            "JUPYTER_PATH": os.pathsep.join([str(work / "jupyter"), full_env.get("JUPYTER_PATH", "")]).rstrip(os.pathsep),
            "PYTHONUNBUFFERED": "1",
        })
        cmd = voila_command(Path(notebook), port=port, ip=ip, token=token, cull_idle=cull_idle,
                            max_kernels=max_kernels, serve=served)
        log_path = work / "voila.log"
        stop_forwarding = threading.Event()
        forward: threading.Thread | None = None
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(cmd, env=full_env, stdout=log, stderr=subprocess.STDOUT,
                                    start_new_session=True)
            try:
                if not _wait_for_port(ip, port, proc) or proc.poll() is not None:
                    tail = log_path.read_text(encoding="utf-8", errors="replace")[-2000:]
                    _stop(proc)
                    if "Address already in use" in tail or "Errno 98" in tail:
                        raise UserError(f"port {port} is already in use; choose another with --port")
                    raise RuntimeError(f"Voila did not start; its log ends with:\n{tail}")
                url = f"http://{_display_host(ip)}:{port}/?token={token}"
                print(f"{label}: {url}", flush=True)
                # From here on the server log (Voila's, and its kernels' tracebacks) goes to stderr.
                forward = threading.Thread(target=_forward_log, daemon=True,
                                           args=(log_path, log_path.stat().st_size, stop_forwarding, token))
                forward.start()
                return proc.wait()
            except KeyboardInterrupt:
                return 130
            finally:
                _stop(proc)
                stop_forwarding.set()
                if forward is not None:
                    forward.join(timeout=2)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _forward_log(path: Path, offset: int, stop: threading.Event, secret: str = "") -> None:
    """Copy the server log from ``offset`` on to this process's stderr, line by line, until ``stop`` is
    set and all is copied; ``secret`` (the token: tornado logs the URL of a failed request) is masked.

    Raw writes to file descriptor 2: a reader that stops reading (a full pipe) blocks this thread
    only, never Voila, which writes to the file.
    """
    mask = secret.encode() if secret else b""
    pending = b""
    with open(path, "rb") as f:
        f.seek(offset)
        while True:
            chunk = f.read(1 << 16)
            if not chunk and not stop.is_set():
                stop.wait(0.2)
                continue
            pending += chunk
            cut = len(pending) if not chunk else pending.rfind(b"\n") + 1
            out, pending = pending[:cut], pending[cut:]
            if mask:
                out = out.replace(mask, b"[secret]")
            view = memoryview(out)
            while view:
                try:
                    view = view[os.write(2, view):]
                except OSError:
                    return
            if not chunk:
                return


def _terminate(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop Voila and its kernels (they share its process group)."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


# ==================================================================================================
# The widget app (what notebooks/dashboard.ipynb displays)
# ==================================================================================================

_CSS = """
<style>
.fr-scroll { overflow-x: auto; max-width: 100%; }
:root { --fr-ink:#1f2d3d; --fr-muted:#6b7785; --fr-line:#e3e7ed; --fr-accent:#1f5fa8;
        --fr-ok:#2e8b57; --fr-warning:#e8a317; --fr-alert:#c8102e; --fr-bg:#f3f5f8; }
body, .jp-Notebook, #rendered_cells { background: var(--fr-bg) !important; }
#rendered_cells { padding: 0 !important; }
.fr-app, .fr-app * { font-family: "Noto Sans CJK SC", "Noto Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif; }
.fr-app { max-width: 1280px; margin: 0 auto; padding: 0 18px 40px 18px; color: var(--fr-ink); }
.fr-header { background: linear-gradient(120deg, #12355b 0%, #1f5fa8 100%); color: white; border-radius: 0 0 14px 14px;
             padding: 20px 26px 18px 26px; margin: 0 -18px 14px -18px; }
.fr-header h1 { margin: 0; font-size: 24px; font-weight: 700; letter-spacing: .5px; color: white; }
.fr-header .fr-sub { margin-top: 4px; font-size: 13px; opacity: .85; }
.fr-header .fr-meta { margin-top: 10px; font-size: 12.5px; opacity: .92; }
.fr-header .fr-meta b { font-weight: 600; }
.fr-controls { background: white; border-radius: 10px; padding: 8px 14px; margin-bottom: 14px;
               box-shadow: 0 1px 3px rgba(16,24,40,.08); align-items: center; gap: 18px; }
.fr-controls .widget-label { color: var(--fr-muted); font-size: 13px; }
.fr-tiles { display: grid; grid-template-columns: repeat(6, minmax(0, 1fr)); gap: 12px; margin: 4px 0 16px 0; }
@media (max-width: 1100px) { .fr-tiles { grid-template-columns: repeat(3, minmax(0, 1fr)); } }
.fr-tile { background: white; border-radius: 10px; padding: 12px 14px 12px 14px; border-top: 4px solid var(--fr-accent);
           box-shadow: 0 1px 3px rgba(16,24,40,.08); min-height: 104px; }
.fr-tile.ok { border-top-color: var(--fr-ok); } .fr-tile.warning { border-top-color: var(--fr-warning); }
.fr-tile.alert { border-top-color: var(--fr-alert); } .fr-tile.neutral { border-top-color: #8a94a3; }
.fr-tile .fr-label { font-size: 12.5px; color: var(--fr-muted); }
.fr-tile .fr-value { font-size: 26px; font-weight: 700; margin-top: 4px; line-height: 1.15; }
.fr-tile .fr-value small { font-size: 13px; font-weight: 500; color: var(--fr-muted); margin-left: 4px; }
.fr-tile .fr-note { font-size: 12px; color: var(--fr-muted); margin-top: 6px; line-height: 1.35; }
.fr-tile.alert .fr-value { color: var(--fr-alert); } .fr-tile.warning .fr-value { color: #b7791f; }
.fr-card { background: white; border-radius: 10px; padding: 14px 16px; box-shadow: 0 1px 3px rgba(16,24,40,.08);
           margin: 0 12px 12px 0; overflow-x: auto; }
.fr-row { gap: 0; flex-wrap: wrap; width: 100%; }
.fr-row > .fr-card { flex: 1 1 520px; }
.fr-row > .fr-card:last-child { margin-right: 0; }
.fr-note { font-size: 12px; color: var(--fr-muted); }
.fr-table { width: 100%; border-collapse: collapse; font-size: 13px; background: white; }
.fr-table th { text-align: left; color: var(--fr-muted); font-weight: 600; border-bottom: 2px solid var(--fr-line);
               padding: 8px 8px; white-space: nowrap; position: sticky; top: 0; background: white; }
.fr-table td { border-bottom: 1px solid var(--fr-line); padding: 8px 8px; vertical-align: top; }
.fr-table tr:hover td { background: #f8fafc; }
.fr-table td.fr-msg { min-width: 320px; max-width: 560px; }
.fr-table td.fr-ev { min-width: 64px; }
.fr-table td.fr-ev summary { white-space: nowrap; }
.fr-table td.fr-num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
.fr-table tr.fr-more td { color: var(--fr-muted); font-size: 12px; padding-top: 2px; }
.fr-top-title { margin: 4px 0 2px 2px; font-size: 14px; }
.fr-badge { display: inline-block; padding: 2px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; white-space: nowrap; }
.fr-badge.alert { background: #fde7ea; color: var(--fr-alert); } .fr-badge.warning { background: #fdf3dc; color: #a8650b; }
.fr-code { font-family: "DejaVu Sans Mono", monospace; font-size: 12px; color: var(--fr-muted); }
.fr-table details summary { cursor: pointer; color: var(--fr-accent); font-size: 12px; }
.fr-table details .fr-kv { margin-top: 4px; font-size: 12px; line-height: 1.45; min-width: 230px; max-width: 340px; }
.fr-table details .fr-kv div { overflow-wrap: anywhere; }
.fr-table details .fr-kv span { color: var(--fr-muted); margin-right: 6px; font-family: "DejaVu Sans Mono", monospace; font-size: 11px; }
.fr-table td.fr-who { min-width: 130px; }
.fr-table td.fr-ind { min-width: 118px; }
.fr-table td.fr-nowrap { white-space: nowrap; }
.fr-tablewrap { border-radius: 10px; box-shadow: 0 1px 3px rgba(16,24,40,.08); overflow-x: auto; }
.fr-empty { padding: 28px; text-align: center; color: var(--fr-muted); background: white; border-radius: 10px; }
.fr-about-intro { margin: 4px 0 12px 0; color: var(--fr-muted); font-size: 13px; }
.fr-app .lm-TabBar-tab, .fr-app .p-TabBar-tab { font-size: 14px; min-width: 120px; }
.fr-app .jupyter-widgets.widget-tab > .widget-tab-contents { background: transparent; border: none; padding: 12px 0 0 0; }
.fr-app .vega-embed { padding-right: 0 !important; }
.fr-app .vega-embed summary { display: none; }
.fr-app .vega-embed svg { max-width: 100%; height: auto; }
.fr-controls { flex-wrap: wrap !important; row-gap: 6px; }
.fr-controls .widget-dropdown, .fr-controls .widget-text { max-width: 100%; }
.fr-export a { display: inline-block; margin-left: 6px; font-size: 13px; color: var(--fr-accent); }
/* phones (≤ 640 px): one column, controls wrap, charts fit their card, the alert tables become cards */
@media (max-width: 640px) {
  .fr-app { padding: 0 8px 24px 8px; }
  .fr-header { margin: 0 -8px 10px -8px; padding: 14px 14px 12px 14px; border-radius: 0 0 10px 10px; }
  .fr-header h1 { font-size: 19px; }
  .fr-tiles { grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 8px; }
  .fr-tile { min-height: 0; padding: 10px; } .fr-tile .fr-value { font-size: 21px; }
  .fr-row > .fr-card { flex: 1 1 100%; margin-right: 0; min-width: 0; }
  .fr-card { padding: 10px; margin-right: 0; }
  .fr-controls { gap: 6px; padding: 8px; }
  .fr-controls .widget-dropdown, .fr-controls .widget-text { width: 100% !important; }
  .fr-app .lm-TabBar-tab, .fr-app .p-TabBar-tab { min-width: 0; flex: 1 1 auto; font-size: 13px; padding: 0 6px; }
  .fr-app .widget-tab > .lm-TabBar, .fr-app .widget-tab > .p-TabBar { overflow-x: auto; }
  .fr-tablewrap, .fr-scroll { overflow-x: visible; box-shadow: none; }
  .fr-table.fr-cards thead { display: none; }
  .fr-table.fr-cards, .fr-table.fr-cards tbody { display: block; width: 100%; }
  .fr-table.fr-cards tr { display: block; background: white; border-radius: 10px; margin: 0 0 10px 0; padding: 8px 10px;
                          box-shadow: 0 1px 3px rgba(16,24,40,.10); }
  .fr-table.fr-cards tr.fr-more { box-shadow: none; background: transparent; padding: 0 10px; margin-top: -6px; }
  .fr-table.fr-cards td { display: block; border: none; padding: 2px 0; min-width: 0 !important; max-width: none;
                          text-align: left !important; white-space: normal; }
  .fr-table.fr-cards td[data-label]::before { content: attr(data-label) "："; color: var(--fr-muted); font-size: 12px; }
  .fr-table.fr-cards td:empty { display: none; }
  .fr-table details .fr-kv { min-width: 0; max-width: none; }
}
</style>
"""

#: the period selector's "every period" (全部期间): findings of every period, money of the latest year
ALL_PERIODS = 0

_TILE_KEYS = ("kpi.execution", "kpi.open_alerts", "kpi.sangong", "kpi.contract_progress", "kpi.project_progress",
              "kpi.risk_score")


def chart_widget_class(bundle: str | None = None) -> type:
    """The chart widget class: Altair's offline ``JupyterChart``, or — when the dashboard server serves
    the bundle beside the notebook (``FISCALRISK_CHART_BUNDLE``) — a subclass whose JavaScript is a
    three-line loader importing that one file.

    Each ``JupyterChart`` otherwise carries the 0.9 MB Vega bundle in its own widget state: four charts
    meant 3.6 MB over the kernel's websocket and four evaluations of the same code on every page open.
    The loader makes the browser fetch and evaluate the bundle once (ES modules are cached by URL).
    """
    import altair as alt

    name = bundle if bundle is not None else os.environ.get(ENV_BUNDLE)
    if not name:
        return alt.JupyterChart
    loader = (
        'const base = (document.body && document.body.dataset.baseUrl) || "/voila/";\n'
        f'const mod = await import(new URL(base + "files/{name}", window.location.href).href);\n'
        "export default mod.default;\n"
    )
    return type("SharedBundleChart", (alt.JupyterChart,), {"_esm": loader, "__module__": __name__})


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


class DashboardApp:
    """The dashboard page as ipywidgets: header, selectors, tabs (overview, alerts, about).

    Holds a :class:`~fiscalrisk.report.dashboard_data.DashboardData` restricted to one region's
    subtree; every redraw reads from it. ``widget`` is what the notebook displays.
    """

    def __init__(self, data: DashboardData, lang: str = "zh-CN") -> None:
        import altair as alt
        import ipywidgets as w

        from fiscalrisk.report.charts import enable_offline_renderer
        from fiscalrisk.report.dashboard_data import BUNDLE_FILE
        from fiscalrisk.report.i18n import normalize_lang

        enable_offline_renderer(data.cache_dir / BUNDLE_FILE)
        self.data = data
        self.lang = normalize_lang(lang)
        self.region = data.root
        years = data.years()
        self.year = years[-1] if years else data.as_of.year  # the budget year of the money figures
        self.period = self.year  # what the period selector says: a budget year, or ALL_PERIODS

        self.header = w.HTML()
        self.region_dd = w.Dropdown(layout=w.Layout(width="300px"))
        self.period_dd = w.Dropdown(layout=w.Layout(width="220px"))
        self.lang_tb = w.ToggleButtons(options=[("中文", "zh-CN"), ("English", "en")], value=self.lang,
                                       style={"button_width": "84px"})
        self.region_label, self.period_label, self.lang_label = w.HTML(), w.HTML(), w.HTML()
        controls = w.HBox([self.region_label, self.region_dd, self.period_label, self.period_dd,
                           self.lang_label, self.lang_tb])
        controls.add_class("fr-controls")

        self.tiles = w.HTML()
        embed = {"actions": False, "renderer": "svg"}
        placeholder = alt.Chart().mark_point()
        chart_cls = chart_widget_class()
        self.curve_chart = chart_cls(placeholder, embed_options=embed)
        self.ranking_chart = chart_cls(placeholder, embed_options=embed)
        self.heatmap_chart = chart_cls(placeholder, embed_options=embed)
        self.pefa_chart = chart_cls(placeholder, embed_options=embed)
        self.pefa_note = w.HTML()
        cards = []
        for child in (self.curve_chart, self.ranking_chart, self.heatmap_chart,
                      w.VBox([self.pefa_chart, self.pefa_note])):
            box = w.Box([child])
            box.add_class("fr-card")
            cards.append(box)
        row1, row2 = w.HBox(cards[:2]), w.HBox(cards[2:])
        row1.add_class("fr-row")
        row2.add_class("fr-row")
        overview = w.VBox([self.tiles, row1, row2])

        self.module_dd = w.Dropdown(layout=w.Layout(width="220px"))
        self.level_dd = w.Dropdown(layout=w.Layout(width="160px"))
        self.search_tx = w.Text(layout=w.Layout(width="220px"), continuous_update=False)
        self.sort_dd = w.Dropdown(layout=w.Layout(width="180px"))
        self.export_btn = w.Button(layout=w.Layout(width="auto"))
        self.export_link = w.HTML()
        self.export_link.add_class("fr-export")
        self.module_label, self.level_label = w.HTML(), w.HTML()
        self.search_label, self.sort_label = w.HTML(), w.HTML()
        filters = w.HBox([self.module_label, self.module_dd, self.level_label, self.level_dd, self.search_label,
                          self.search_tx, self.sort_label, self.sort_dd, self.export_btn, self.export_link])
        filters.add_class("fr-controls")
        self.top = w.HTML()
        self.table_note = w.HTML()
        self.table = w.HTML()
        alerts = w.VBox([filters, self.top, self.table_note, self.table])

        self.perf_head = w.HTML()
        self.perf_chart = chart_cls(placeholder, embed_options=embed)
        perf_card = w.Box([self.perf_chart])
        perf_card.add_class("fr-card")
        self.perf_tables = w.HTML()
        performance = w.VBox([self.perf_head, perf_card, self.perf_tables])
        performance.add_class("fr-performance")

        self.about = w.HTML()
        self.loop = w.HTML()
        self.tabs = w.Tab(children=[overview, alerts, performance, self.loop, self.about])

        self.status = w.HTML()
        self.widget = w.VBox([w.HTML(_CSS), self.header, controls, self.status, self.tabs])
        self.widget.add_class("fr-app")

        self._relabel_controls()
        self.refresh()
        self.region_dd.observe(self._on_region, names="value")
        self.period_dd.observe(self._on_period, names="value")
        self.lang_tb.observe(self._on_lang, names="value")
        self.module_dd.observe(self._on_filter, names="value")
        self.level_dd.observe(self._on_filter, names="value")
        self.search_tx.observe(self._on_filter, names="value")
        self.sort_dd.observe(self._on_filter, names="value")
        self.export_btn.on_click(lambda _button: self._guard(self._export))

    @classmethod
    def from_env(cls) -> DashboardApp:
        """The app for the scan, chart bundle, region and language given by the dashboard's environment."""
        from fiscalrisk.report.dashboard_data import DashboardData

        scan = os.environ.get(ENV_SCAN)
        if not scan:
            raise RuntimeError(f"{ENV_SCAN} is not set; start the page with `fiscalrisk dashboard --scan SCAN_DIR`")
        data = DashboardData(scan, os.environ.get(ENV_CACHE) or None, os.environ.get(ENV_REGION) or None)
        return cls(data, os.environ.get(ENV_LANG) or "zh-CN")

    # -- labels --------------------------------------------------------------------------------------

    def _t(self, key: str, **fields: Any) -> str:
        from fiscalrisk.report.i18n import t

        return t(key, self.lang, **fields)

    def _relabel_controls(self) -> None:
        """Set every option label and caption for the current language, keeping the selected values."""
        from fiscalrisk.report.i18n import module_label

        d = self.data
        self._silent = True
        try:
            self.region_label.value = f"<span class='widget-label'>{_e(self._t('app.region'))}</span>"
            self.period_label.value = f"<span class='widget-label'>{_e(self._t('app.period'))}</span>"
            self.lang_label.value = f"<span class='widget-label'>{_e(self._t('app.language'))}</span>"
            self.module_label.value = f"<span class='widget-label'>{_e(self._t('table.filter_module'))}</span>"
            self.level_label.value = f"<span class='widget-label'>{_e(self._t('table.filter_level'))}</span>"
            self.region_dd.options = d.region_options(self.lang)
            self.region_dd.value = self.region
            self.period_dd.options = ([(d.period_label(y, self.lang), y) for y in reversed(d.years())]
                                      + [(self._t("app.period.all"), ALL_PERIODS)])
            self.period_dd.value = self.period
            module = self.module_dd.value or ""
            self.module_dd.options = [(self._t("app.all"), "")] + [(module_label(m, self.lang), m)
                                                                   for m in d.modules_present()]
            self.module_dd.value = module if module in [v for _, v in self.module_dd.options] else ""
            level = self.level_dd.value or ""
            self.level_dd.options = [(self._t("app.all"), ""), (self._t("level.alert"), "alert"),
                                     (self._t("level.warning"), "warning")]
            self.level_dd.value = level
            self.search_label.value = f"<span class='widget-label'>{_e(self._t('table.search'))}</span>"
            self.search_tx.placeholder = self._t("table.search_hint")
            self.sort_label.value = f"<span class='widget-label'>{_e(self._t('table.sort'))}</span>"
            sort = self.sort_dd.value or "priority"
            self.sort_dd.options = [(self._t(f"table.sort.{k}"), k) for k in ("priority", "amount", "unit",
                                                                             "indicator", "period")]
            self.sort_dd.value = sort
            self.export_btn.description = self._t("table.export")
            self.tabs.titles = (self._t("tab.overview"), self._t("tab.alerts"), self._t("tab.performance"),
                                self._t("tab.loop"), self._t("tab.about"))
        finally:
            self._silent = False

    # -- events --------------------------------------------------------------------------------------

    def _on_region(self, change: dict[str, Any]) -> None:
        if not self._silent and change["new"]:
            self.region = change["new"]
            self.refresh()

    def _on_period(self, change: dict[str, Any]) -> None:
        if not self._silent and change["new"] is not None:
            self.period = int(change["new"])
            years = self.data.years()
            self.year = self.period if self.period != ALL_PERIODS else (years[-1] if years else self.data.as_of.year)
            self.refresh()

    def _on_lang(self, change: dict[str, Any]) -> None:
        if not self._silent and change["new"]:
            self.lang = change["new"]
            self._relabel_controls()
            self.refresh(about=True)

    def _on_filter(self, change: dict[str, Any]) -> None:
        if not self._silent:
            self.export_link.value = ""
            self._guard(self._draw_table)

    @property
    def _findings_year(self) -> int | None:
        """The period of the findings shown: the budget year chosen, or None for every period."""
        return None if self.period == ALL_PERIODS else self.period

    def _period_label(self) -> str:
        if self.period == ALL_PERIODS:
            return self._t("app.period.all_money", period=self.data.period_label(self.year, self.lang))
        return self.data.period_label(self.year, self.lang)

    def _filters(self) -> dict[str, Any]:
        """The alert tab's filters, search and order, as :meth:`DashboardData.alert_table` takes them."""
        return {"module": self.module_dd.value or None, "level": self.level_dd.value or None,
                "search": self.search_tx.value or None, "sort": self.sort_dd.value or "priority"}

    def _export(self) -> None:
        """The alert table as shown (every row, masked) as an .xlsx download link: built in the kernel,
        handed to the browser as a data: URL, so nothing is written on the server and nothing leaves it."""
        import base64

        data = self.data.alert_workbook(self.region, self._findings_year, self.lang, **self._filters())
        name = f"alerts-{self.region}-{self._findings_year or 'all'}.xlsx"
        href = ("data:application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;base64,"
                + base64.b64encode(data).decode("ascii"))
        self.export_link.value = (f"<a id='fr-export' download='{_e(name)}' href='{href}'>"
                                  f"{_e(self._t('table.export_ready', name=name))}</a>")

    def _guard(self, fn: Callable[[], None]) -> None:
        """Run a redraw; a failure shows one calm line instead of a traceback on a manager's screen."""
        try:
            fn()
            self.status.value = ""
        except Exception:  # noqa: BLE001 - the page must stay up; details go to the server log
            import traceback

            # the dashboard's kernel sends stderr to the server log, never to the browser
            print(f"dashboard: redraw failed\n{traceback.format_exc()}", file=sys.stderr, end="", flush=True)
            self.status.value = f"<div class='fr-empty'>{_e(self._t('app.no_data'))}</div>"

    def refresh(self, about: bool = True) -> None:
        """Redraw everything for the current region, period and language."""
        self._guard(self._draw_header)
        self._guard(self._draw_tiles)
        self._guard(self._draw_charts)
        self._guard(self._draw_table)
        self._guard(self._draw_performance)
        self._guard(self._draw_loop)
        if about:
            self._guard(self._draw_about)

    # -- drawing -------------------------------------------------------------------------------------

    def _draw_header(self) -> None:
        d = self.data
        scope = self._t("app.scope_note", region=d.region_name(d.root, self.lang))
        scanned = str(d.manifest.get("finished") or d.manifest.get("started") or "")[:16].replace("T", " ")
        self.header.value = (
            f"<div class='fr-header'><h1>{_e(self._t('app.title'))} · {_e(d.region_name(self.region, self.lang))}</h1>"
            f"<div class='fr-sub'>{_e(self._t('app.subtitle'))}</div>"
            f"<div class='fr-meta'>{_e(self._t('app.as_of'))} <b>{d.as_of:%Y-%m-%d}</b>"
            f" &nbsp;·&nbsp; {_e(self._t('app.period'))} <b>{_e(self._period_label())}</b>"
            + (f" &nbsp;·&nbsp; {_e(self._t('app.scan_time'))} {_e(scanned)}" if scanned else "")
            + f" &nbsp;·&nbsp; {_e(scope)}</div></div>"
        )

    def _tile(self, key: str, value: str, note: str, status: str, unit: str = "") -> str:
        return (f"<div class='fr-tile {status}' data-kpi='{_e(key)}'><div class='fr-label'>{_e(self._t(key))}</div>"
                f"<div class='fr-value'>{_e(value)}{f'<small>{_e(unit)}</small>' if unit else ''}</div>"
                f"<div class='fr-note'>{_e(note)}</div></div>")

    def _draw_tiles(self) -> None:
        from fiscalrisk.report.i18n import format_money, format_pct

        k: Kpis = self.data.kpis(self.region, self.year, all_periods=self.period == ALL_PERIODS)
        lang = self.lang
        tiles = []
        # Execution against time progress; BUD01's bands (10 / 20 pp behind) colour the tile.
        gap = k.execution_rate - k.time_progress
        if gap == gap:
            pp = self._t("fmt.pp", value=f"{abs(gap) * 100:.1f}")
            gap_text = self._t("kpi.execution.ahead" if gap >= 0 else "kpi.execution.behind", pp=pp)
            status = "alert" if gap <= -0.20 else "warning" if gap <= -0.10 else "ok"
        else:
            gap_text, status = self._t("app.no_data"), "neutral"
        tiles.append(self._tile("kpi.execution", format_pct(k.execution_rate),
                                self._t("kpi.execution.note", progress=format_pct(k.time_progress), gap=gap_text),
                                status))
        status = "alert" if k.alerts else "warning" if k.warnings else "ok"
        tiles.append(self._tile("kpi.open_alerts", f"{k.alerts + k.warnings:,}",
                                self._t("kpi.open_alerts.note", alert=f"{k.alerts:,}", warning=f"{k.warnings:,}"),
                                status))
        # 三公: 只减不增 — any growth on the same months of last year is a warning sign.
        ch = k.sangong_change
        if ch == ch:
            value = ("+" if ch > 0 else "") + format_pct(ch)
            status = "warning" if ch > 0 else "ok"
        else:
            value, status = "—", "neutral"
        tiles.append(self._tile("kpi.sangong", value,
                                self._t("kpi.sangong.note", year=self.year, month=k.month,
                                        amount=format_money(k.sangong, lang),
                                        previous=format_money(k.sangong_previous, lang)), status))
        tiles.append(self._tile("kpi.contract_progress", format_pct(k.contract_paid_share),
                                self._t("kpi.contract_progress.note", paid=format_money(k.contract_paid, lang),
                                        total=format_money(k.contract_amount, lang)),
                                "neutral" if k.contract_paid_share != k.contract_paid_share
                                else "alert" if k.contract_paid_share > 1.0 else "ok"))
        # Paid ahead of works: PRJ01's bands (20 / 35 pp).
        ahead = k.project_paid_share - k.project_physical
        status = ("neutral" if ahead != ahead else "alert" if ahead >= 0.35 else "warning" if ahead >= 0.20 else "ok")
        tiles.append(self._tile("kpi.project_progress", format_pct(k.project_physical),
                                self._t("kpi.project_progress.note", physical=format_pct(k.project_physical),
                                        paid=format_pct(k.project_paid_share)), status))
        score = k.risk_score
        status = "neutral" if score != score else "alert" if score >= 50 else "warning" if score >= 20 else "ok"
        top = [self.data.indicator_name(c.strip(), lang) for c in k.risk_top.split(";") if c.strip()]
        note = self._t("kpi.risk_score.top", names="、".join(top) if lang == "zh-CN" else "; ".join(top)) if top \
            else self._t("kpi.risk_score.note")
        # the score is the scan's (every period): say so when a single year is chosen, and what it is
        note += " · " + self._t("kpi.risk_score.how") + (
            "" if self.period == ALL_PERIODS else " · " + self._t("kpi.risk_score.all_periods"))
        tiles.append(self._tile("kpi.risk_score", "—" if score != score else f"{score:.0f}", note, status, "/ 100"))
        self.tiles.value = f"<div class='fr-tiles'>{''.join(tiles)}</div>"

    def _draw_charts(self) -> None:
        from fiscalrisk.report import charts

        d, lang = self.data, self.lang
        curve = d.execution_curve(self.region, self.year)
        self.curve_chart.chart = charts.execution_curve(
            curve, lang, title=f"{self._t('chart.execution.title')} · {d.region_name(self.region, lang)}",
            width=500, height=250)
        ranking = d.ranking(self.region, lang)
        self.ranking_chart.chart = charts.risk_ranking(ranking, lang, top=12, width=380)
        self.heatmap_chart.chart = charts.alert_heatmap(d.heatmap(self.region, self._findings_year, lang), lang,
                                                        cell=26)
        pefa = d.pefa(self.region, lang)
        if len(pefa):
            self.pefa_chart.chart = charts.pefa_scorecard(pefa, lang, cell=30)
            windows = sorted(set(pefa["window"])) if "window" in pefa else []
            self.pefa_note.value = (f"<div class='fr-note'>{_e(self._t('pefa.window'))}: {_e(', '.join(windows))}</div>"
                                    if windows else "")
        else:
            self.pefa_note.value = f"<div class='fr-note'>{_e(self._t('app.no_data'))}</div>"

    #: findings of each unit, and units, at the top of the alerts tab
    top_per_unit: int = 3
    top_units: int = 10

    def _draw_top(self) -> None:
        """The most urgent findings of each unit (by priority), each unit saying how many more it has."""
        from fiscalrisk.report.i18n import format_number, level_label

        d, lang = self.data, self.lang
        rows, top = d.top_findings(self.region, self._findings_year, lang, module=self.module_dd.value or None,
                                   level=self.level_dd.value or None, per_unit=self.top_per_unit,
                                   max_units=self.top_units)
        label = {h: _e(self._t(h)) for h in ("table.priority", "table.unit", "table.period",
                                             "table.amount_at_risk")}
        if rows.empty:
            self.top.value = ""
            return
        heads = ["table.priority", "table.unit", "table.level", "table.indicator", "table.period",
                 "table.amount_at_risk", "table.message"]
        out = [f"<div id='fr-top' class='fr-tablewrap'><h4 class='fr-top-title'>"
               f"{_e(self._t('table.top', per_unit=self.top_per_unit))}</h4>"
               "<table class='fr-table fr-top fr-cards'><thead><tr>"]
        out += [f"<th>{_e(self._t(h))}</th>" for h in heads]
        out.append("</tr></thead><tbody>")
        groups = rows["group"].tolist()
        for i, r in enumerate(rows.itertuples(index=False)):
            out.append(
                f"<tr data-finding='{_e(r.finding_id)}'>"
                f"<td class='fr-num' data-label='{label['table.priority']}'>{_e(f'{r.priority:,}')}</td>"
                f"<td class='fr-who' data-label='{label['table.unit']}'>{_e(r.unit)}</td>"
                f"<td><span class='fr-badge {_e(r.level)}'>{_e(level_label(r.level, lang))}</span></td>"
                f"<td class='fr-ind'><span class='fr-code'>{_e(r.indicator)}</span> {_e(r.indicator_name)}</td>"
                f"<td class='fr-nowrap' data-label='{label['table.period']}'>{_e(r.period)}</td>"
                f"<td class='fr-num' data-label='{label['table.amount_at_risk']}'>{_e(format_number(r.amount_at_risk))}</td>"
                f"<td class='fr-msg'>{_e(r.message)}</td></tr>"
            )
            last = i + 1 == len(rows) or groups[i + 1] != r.group
            if last and r.more > 0:
                out.append(f"<tr class='fr-more'><td></td><td colspan='{len(heads) - 1}'>"
                           f"{_e(self._t('table.more_unit', n=f'{r.more:,}'))}</td></tr>")
        out.append("</tbody></table>")
        note = self._t("table.top_note", total=f"{top.total:,}", units=f"{top.units:,}", shown=f"{top.shown:,}",
                       more=f"{top.more:,}")
        out.append(f"<div class='fr-note' style='margin:4px 0 14px 2px'>{_e(note)}</div></div>")
        self.top.value = "".join(out)

    def _draw_table(self) -> None:
        from fiscalrisk.report.i18n import format_number, format_value, level_label, module_label

        self._draw_top()
        d, lang = self.data, self.lang
        rows, total = d.alert_table(self.region, self._findings_year, lang, limit=200, **self._filters())
        note = self._t("app.shown_of", shown=f"{len(rows):,}", total=f"{total:,}")
        if total > len(rows):
            note += " · " + self._t("table.more", limit=len(rows))
        note += " · " + self._t("table.masked_note")
        self.table_note.value = f"<div class='fr-note' style='margin:2px 0 8px 2px'>{_e(note)}</div>"
        if rows.empty:
            self.table.value = f"<div id='fr-alerts' class='fr-empty'>{_e(self._t('table.empty'))}</div>"
            return
        heads = ["table.priority", "table.level", "table.module", "table.indicator", "table.unit", "table.period",
                 "table.value", "table.threshold", "table.amount_at_risk", "table.message", "table.evidence"]
        out = ["<div id='fr-alerts' class='fr-tablewrap'><table class='fr-table fr-cards'><thead><tr>"]
        out += [f"<th>{_e(self._t(h))}</th>" for h in heads]
        out.append("</tr></thead><tbody>")
        label = {h: _e(self._t(h)) for h in heads}
        for r in rows.itertuples(index=False):
            who = r.unit or r.region
            ev = "".join(f"<div><span>{_e(k)}</span>{_e(v)}</div>" for k, v in r.evidence)
            evidence = (f"<details><summary>{_e(self._t('table.evidence'))}</summary><div class='fr-kv'>{ev}</div>"
                        "</details>") if ev else ""
            out.append(
                f"<tr data-finding='{_e(r.finding_id)}'>"
                f"<td class='fr-num' data-label='{label['table.priority']}'>{_e(f'{r.priority:,}')}</td>"
                f"<td><span class='fr-badge {_e(r.level)}'>{_e(level_label(r.level, lang))}</span></td>"
                f"<td class='fr-nowrap' data-label='{label['table.module']}'>{_e(module_label(r.module, lang))}</td>"
                f"<td class='fr-ind'><span class='fr-code'>{_e(r.indicator)}</span> {_e(r.indicator_name)}</td>"
                f"<td class='fr-who' data-label='{label['table.unit']}'>{_e(who)}</td>"
                f"<td class='fr-nowrap' data-label='{label['table.period']}'>{_e(r.period)}</td>"
                f"<td class='fr-num' data-label='{label['table.value']}'>{_e(format_value(r.value, r.value_unit, lang))}</td>"
                f"<td class='fr-num' data-label='{label['table.threshold']}'>"
                f"{_e(format_value(r.threshold, r.value_unit, lang))}</td>"
                f"<td class='fr-num' data-label='{label['table.amount_at_risk']}'>{_e(format_number(r.amount_at_risk))}</td>"
                f"<td class='fr-msg'>{_e(r.message)}</td>"
                f"<td class='fr-ev'>{evidence}</td>"
                "</tr>"
            )
        out.append("</tbody></table></div>")
        self.table.value = "".join(out)

    @functools.cached_property
    def register(self) -> Any:
        """The alert register of ``--db`` (None without one): read-only here, scoped to the region shown."""
        url = os.environ.get(ENV_DB)
        if not url:
            return None
        from fiscalrisk.register import Register

        return Register(url)

    def _draw_loop(self) -> None:
        """The closed loop of the region shown: its KPIs, overdue cases, and each rule's dismissal rate."""
        from fiscalrisk.register.kpi import dismissal_rates, kpis
        from fiscalrisk.register.rules import STATES
        from fiscalrisk.report.regional import column_label

        if self.register is None:
            self.loop.value = f"<div class='fr-card'><p>{_e(self._t('loop.no_register'))}</p></div>"
            return
        as_of = self.data.as_of.date()
        table = kpis(self.register, region=self.region, as_of=as_of)
        table = table.loc[table["region_code"] == self.region]
        scope = {"own": "本级", "subtree": "含下级"} if self.lang == "zh-CN" else {"own": "own units",
                                                                               "subtree": "whole subtree"}
        table = table.assign(scope=table["scope"].map(scope)).drop(columns=["region_code"])
        overdue = self.register.cases(region=self.region, overdue=True, today=as_of)
        overdue = overdue[["case_id", "indicator", "level", "unit_code", "region_code", "state", "due_on",
                           "escalated_to"]].sort_values(["due_on", "case_id"])
        if self.lang == "zh-CN":
            overdue = overdue.assign(state=overdue["state"].map(STATES))
        rates = dismissal_rates(self.register, region=self.region)

        def html_table(frame: Any, percent: tuple[str, ...] = ()) -> str:
            if frame.empty:
                return f"<p class='fr-empty'>{_e(self._t('loop.none'))}</p>"
            head = "".join(f"<th>{_e(column_label(c, self.lang))}</th>" for c in frame.columns)
            rows = []
            for r in frame.itertuples(index=False):
                cells = []
                for c, v in zip(frame.columns, r, strict=True):
                    if c in percent:
                        text = "" if v is None or v != v else f"{v:.1%}"
                    elif isinstance(v, float):
                        text = "" if v != v else f"{v:,.2f}" if c.startswith("amount") else f"{v:g}"
                    else:
                        text = "" if v is None else str(v)
                    cells.append(f"<td>{_e(text)}</td>")
                rows.append("<tr>" + "".join(cells) + "</tr>")
            return f"<div class='fr-scroll'><table class='fr-table'><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"

        self.loop.value = (
            f"<div class='fr-card' style='margin-right:0'><h3>{_e(self._t('loop.kpis', as_of=as_of.isoformat()))}</h3>"
            f"{html_table(table, ('on_time_rate',))}"
            f"<h3>{_e(self._t('loop.overdue'))}</h3>{html_table(overdue)}"
            f"<h3>{_e(self._t('loop.dismissal'))}</h3>{html_table(rates, ('dismissal_rate',))}</div>")

    def _draw_performance(self) -> None:
        """The 绩效 tab of the region shown: the scatter of its projects (execution rate against target
        completion, coloured by PRF03's level), the projects most out of step, last year's missed targets
        and the self-evaluations against the computed score."""
        import pandas as pd

        from fiscalrisk.report import charts
        from fiscalrisk.report.regional import column_label

        perf = self.data.performance(self.region, self.lang)
        head = (f"<div class='fr-card fr-perf-head' style='margin-right:0'><h3 style='margin:0 0 4px 0'>"
                f"{_e(self._t('perf.title'))}</h3>")
        if not perf["assessed"]:
            self.perf_head.value = head + f"<p class='fr-empty'>{_e(self._t('perf.not_assessed'))}</p></div>"
            self.perf_chart.chart = charts.performance_scatter(
                pd.DataFrame(columns=["project_code", "rate", "completion", "level"]), self.lang)
            self.perf_tables.value = ""
            return
        self.perf_head.value = head + f"<div class='fr-about-intro'>{_e(self._t('perf.intro', year=perf['year']))}</div></div>"
        self.perf_chart.chart = charts.performance_scatter(perf["points"], self.lang, width=520, height=380)
        percent = {"rate", "completion"}
        signed = {"diverge_pp", "score_gap"}

        def cell(c: str, v: Any) -> str:
            if c == "level":
                return f"<td><span class='fr-badge {_e(v)}'>{_e(self._t('level.' + str(v)))}</span></td>"
            if c in percent:
                return f"<td class='fr-num'>{'' if v is None or v != v else f'{float(v):.1%}'}</td>"
            if c in signed:
                return f"<td class='fr-num'>{'' if v is None or v != v else f'{float(v):+.1f}'}</td>"
            if c in ("reported", "computed"):
                return f"<td class='fr-num'>{'' if v is None or v != v else f'{float(v):.1f}'}</td>"
            return f"<td>{_e(v)}</td>"

        def table(title: str, frame: pd.DataFrame, anchor: str, limit: int = 12) -> str:
            out = [f"<div class='fr-card fr-tablewrap' id='{anchor}' style='margin-right:0'><h4 style='margin:0 0 6px 0'>"
                   f"{_e(title)}</h4>"]
            if frame.empty:
                return "".join(out) + f"<p class='fr-empty'>{_e(self._t('loop.none'))}</p></div>"
            out.append("<table class='fr-table'><thead><tr>"
                       + "".join(f"<th>{_e(column_label(c, self.lang))}</th>" for c in frame.columns)
                       + "</tr></thead><tbody>")
            for r in frame.head(limit).itertuples(index=False):
                out.append("<tr>" + "".join(cell(c, v) for c, v in zip(frame.columns, r, strict=True)) + "</tr>")
            out.append("</tbody></table></div>")
            return "".join(out)

        self.perf_tables.value = (
            table(self._t("perf.out_of_step"), perf["points"], "fr-perf-out-of-step")
            + table(self._t("perf.missed", year=perf["last_year"]), perf["missed"], "fr-perf-missed")
            + table(self._t("perf.self"), perf["self_eval"], "fr-perf-self"))

    def _draw_about(self) -> None:
        from fiscalrisk.report.i18n import module_label

        c = self.data.catalogue(self.lang, self.region)
        heads = ["about.code", "about.name", "about.module", "about.warning", "about.alert", "about.local",
                 "about.source", "about.why"]
        quality = self._rule_quality()
        if quality is not None:
            heads += ["about.reviewed", "about.dismissal"]
        out = [f"<div class='fr-card fr-about' style='margin-right:0'><h3 style='margin:0 0 4px 0'>{_e(self._t('about.title'))}</h3>"
               f"<div class='fr-about-intro'>{_e(self._t('about.intro'))}</div>"
               "<table class='fr-table'><thead><tr>"]
        out += [f"<th>{_e(self._t(h))}</th>" for h in heads]
        out.append("</tr></thead><tbody>")
        for r in c.itertuples(index=False):
            out.append(
                f"<tr><td class='fr-code'>{_e(r.code)}</td><td>{_e(r.name)}</td><td>{_e(module_label(r.module, self.lang))}</td>"
                f"<td>{_e(r.warning or '—')}</td><td>{_e(r.alert or '—')}</td>"
                f"<td class='fr-local'>{_e(r.local)}</td><td>{_e(r.source)}</td>"
                f"<td class='fr-msg'>{_e(r.why)}</td>"
                + (_quality_cells(quality.get(r.code)) if quality is not None else "") + "</tr>"
            )
        out.append("</tbody></table></div>")
        self.about.value = "".join(out)

    def _rule_quality(self) -> dict[str, dict[str, Any]] | None:
        """Each rule's precision in the region shown, from the reviewers' verdicts in the register of
        ``--db`` (None without one): indicator → the whole-subtree row of ``fiscalrisk rules quality``."""
        if self.register is None:
            return None
        from fiscalrisk.register.rulesets import quality

        table = quality(self.register, region=self.region)
        table = table.loc[table["scope"] == "subtree"]
        return {str(r["indicator"]): r for r in table.to_dict("records")}


def _quality_cells(row: dict[str, Any] | None) -> str:
    """The about tab's cells of one rule's precision: findings reviewed, and the dismissal rate with its
    Wilson 95 % interval (— when no finding of the rule was reviewed)."""
    if not row or not row["reviewed"]:
        return "<td>0</td><td>—</td>"
    rate = f"{row['dismissal_rate']:.0%} [{row['wilson_low']:.0%}–{row['wilson_high']:.0%}]"
    return f"<td>{int(row['reviewed'])}</td><td class='fr-quality'>{_e(rate)}</td>"


def main(argv: list[str] | None = None) -> int:
    """``python -m fiscalrisk.dashboard ...``: the ``dashboard`` subcommand on its own, same exit codes."""
    from fiscalrisk.command import run_alone

    return run_alone("dashboard", register, sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    sys.exit(main())
