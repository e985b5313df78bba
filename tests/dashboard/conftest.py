"""Fixtures of the dashboard tests: a scanned sample, running dashboards, a locked-down browser.

The scan runs a subset of the indicator catalogue (every module represented, the slow statistical
detectors left out) so the whole dashboard suite stays well under two minutes on two cores; the
dashboard reads whatever findings a scan wrote, so the subset exercises the same code paths.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.conftest import CHROMIUM, SAMPLE_DIR

SCAN_CODES = [
    "BUD01", "BUD03", "BUD05", "PAY01", "PAY02", "PAY03", "PAY07", "PAY09", "PRC02", "CON01", "CON05",
    "PRJ01", "PRJ03", "AST02", "SEL02", "SEL03", "OUT01", "OUT02", "CTL01", "PRF03", "PRF04", "PRF05",
]
CITY, COUNTY = "330500", "330521"  # 湖州市, 德清县
#: Regions a 德清县 manager must never see (the other counties and their townships).
OTHER_COUNTY_NAMES = ("吴兴区", "南浔区", "长兴县", "安吉县", "织里镇", "八里店镇", "南浔镇", "练市镇", "雉城街道",
                      "泗安镇", "递铺街道", "孝丰镇")


@dataclass
class ScanEnv:
    data: Path  # the data the scan read: for the tests' own reference figures, never for the dashboard
    scan: Path
    cache: Path  # the offline chart bundle prepare() built (no data)


def _data_dir(base: Path) -> Path:
    """A private copy of the committed sample (or a freshly generated one when it is absent)."""
    out = base / "data"
    if (SAMPLE_DIR / "regions.csv").exists():
        shutil.copytree(SAMPLE_DIR, out, ignore=shutil.ignore_patterns("labels.csv"))
        return out
    from fiscalrisk import samples

    out.mkdir()
    for name, frame in samples.generate(seed=0, size="small").items():
        if name != "labels":
            frame.to_csv(out / f"{name}.csv", index=False)
    return out


@pytest.fixture(scope="session")
def scan_env(tmp_path_factory: pytest.TempPathFactory) -> ScanEnv:
    """The sample data, a scan of it (indicator subset) and the chart bundle; the dashboard reads the
    scan directory only."""
    from fiscalrisk.data import load
    from fiscalrisk.report.dashboard_data import prepare
    from fiscalrisk.scan import scan, write_scan

    base = tmp_path_factory.mktemp("dashboard")
    data = _data_dir(base)
    dataset = load(data)
    out = write_scan(scan(dataset, codes=SCAN_CODES), base / "scan")
    cache = prepare(out)
    return ScanEnv(data=data, scan=Path(out), cache=cache)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """A running ``fiscalrisk dashboard``: its URL (with token), base URL and process."""

    url: str
    base: str
    token: str
    proc: subprocess.Popen[str]
    output: list[str] = field(default_factory=list)


def launch_dashboard(env: ScanEnv, region: str | None = None, lang: str = "zh-CN", *,
                     data: bool = False) -> subprocess.Popen[str]:
    """Start ``python -m fiscalrisk.dashboard --scan SCAN`` (returns at once; see :func:`wait_for_url`);
    ``data``: also pass ``--data`` (still accepted: checked to be the data the scan read)."""
    cmd = [sys.executable, "-m", "fiscalrisk.dashboard", "--scan", str(env.scan),
           "--port", str(free_port()), "--lang", lang]
    if data:
        cmd += ["--data", str(env.data)]
    if region:
        cmd += ["--region", region]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)


def wait_for_url(proc: subprocess.Popen[str], timeout: float = 120) -> Server:
    """Wait for the one line with the URL the dashboard prints."""
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        m = re.search(r"(http://\S+\?token=(\S+))", line)
        if m:
            url, token = m.group(1), m.group(2)
            return Server(url=url, base=url.split("?")[0], token=token, proc=proc, output=lines)
    proc.kill()
    raise AssertionError("the dashboard did not print its URL:\n" + "".join(lines))


@pytest.fixture(scope="session")
def servers(scan_env: ScanEnv) -> Iterator[dict[str, Server]]:
    """A city dashboard and a 德清县 dashboard, started together (their kernels preheat in parallel).

    The county's is started with ``--scan`` alone (the scan directory is all a dashboard reads); the
    city's also with ``--data`` (still accepted, and checked against the scan)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent (apt-get install chromium); browser tests skipped")
    with running(city=launch_dashboard(scan_env, data=True), county=launch_dashboard(scan_env, COUNTY)) as found:
        yield found


@contextlib.contextmanager
def running(**procs: subprocess.Popen[str]) -> Iterator[dict[str, Server]]:
    """The dashboards ``procs`` (name → a :func:`launch_dashboard` process) once they print their URL;
    stopped on exit (SIGTERM, then SIGKILL after 30 s)."""
    try:
        yield {name: wait_for_url(proc) for name, proc in procs.items()}
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs.values():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@dataclass
class Browser:
    page: object
    blocked: list[str]


def _is_loopback(url: str) -> bool:
    if url.startswith(("data:", "blob:", "about:")):
        return True
    return urlparse(url).hostname in ("127.0.0.1", "localhost", "::1")


def _new_page(chromium: object, width: int = 1400, height: int = 2000, **options: object) -> tuple[object, Browser]:
    context = chromium.new_context(viewport={"width": width, "height": height}, locale="zh-CN", **options)
    page = context.new_page()
    blocked: list[str] = []

    def route(r: object) -> None:
        if _is_loopback(r.request.url):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    return context, Browser(page=page, blocked=blocked)


@pytest.fixture
def city_page(chromium: object, servers: dict[str, Server]) -> Iterator[Browser]:
    """A fresh page (its own browser context) on the city dashboard, its charts drawn: no test sees
    the state another left. Each page takes the preheated kernel; closing it frees that kernel."""
    context, browser = _new_page(chromium)
    try:
        open_dashboard(browser.page, servers["city"].url)
        yield browser
    finally:
        context.close()


@pytest.fixture
def phone_page(chromium: object, servers: dict[str, Server]) -> Iterator[Browser]:
    """The city dashboard on a phone's screen (390 × 844 CSS pixels, touch), its charts drawn."""
    context, browser = _new_page(chromium, 390, 844, is_mobile=True, has_touch=True, device_scale_factor=2)
    try:
        open_dashboard(browser.page, servers["city"].url)
        yield browser
    finally:
        context.close()


@pytest.fixture
def browser_page(chromium: object) -> Iterator[Browser]:
    """A fresh page whose every non-loopback request is aborted and recorded."""
    context, browser = _new_page(chromium)
    try:
        yield browser
    finally:
        context.close()


def open_dashboard(page: object, url: str, wait: float = 180.0) -> float:
    """Open the dashboard and wait until at least two charts have drawn; returns the seconds taken.

    Every open page holds one of the server's capped kernels until it is closed and culled; while an
    earlier test's page still holds the last one the server answers its "busy" page (HTTP 503): the page
    is asked again, once a second, for up to ``wait`` seconds.
    """
    t0 = time.monotonic()
    while True:
        response = page.goto(url)
        if response is None or response.status != 503 or time.monotonic() - t0 > wait:
            break
        page.wait_for_timeout(1000)
    page.wait_for_selector(".fr-tiles", timeout=90_000)
    page.wait_for_function("document.querySelectorAll('.vega-embed svg').length >= 2", timeout=90_000)
    return time.monotonic() - t0


def screenshot_dir(tmp_path: Path) -> Path:
    out = Path(os.environ.get("FISCALRISK_SCREENSHOTS", tmp_path))
    out.mkdir(parents=True, exist_ok=True)
    return out
