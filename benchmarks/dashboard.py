"""Time the managers' dashboard in a real browser: page open with a preheated kernel, region switch.

    .venv/bin/python benchmarks/dashboard.py [--scan SCAN_DIR --data DATA_DIR] [--region CODE]
                                             [--repeat N] [--warmup SECONDS]

Without ``--scan`` the committed sample (``data_samples/huzhou``) is scanned once into a temporary
directory (kept for later runs). The dashboard is started exactly as a bureau would start it
(``fiscalrisk dashboard``: Voila, one preheated kernel, token), Chromium (Debian's /usr/bin/chromium)
opens it with every non-loopback request aborted, and the script prints:

- **open → first chart**: seconds from ``page.goto`` to the first visible ``.vega-embed`` (the
  preheated kernel has run the notebook already; this is what a manager waits for);
- **open → all charts**: until the four charts have drawn;
- **region switch**: from choosing the first subordinate region to the tiles changing, and to the
  execution curve showing the new region;
- **language switch**: from clicking "English" to the charts being relabelled.

Between page opens the script waits ``--warmup`` seconds so that Voila's pool has preheated the next
kernel. Nothing is asserted: the figures are printed for the record.
"""

from __future__ import annotations

import argparse
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
CACHE = Path(tempfile.gettempdir()) / "fiscalrisk-bench" / "dashboard"


def ensure_scan(data: Path) -> Path:
    """Scan ``data`` once into the benchmark cache (full indicator catalogue)."""
    out = CACHE / "scan"
    if (out / "manifest.json").is_file():
        return out
    from fiscalrisk.data import load
    from fiscalrisk.scan import scan, write_scan

    t0 = time.perf_counter()
    write_scan(scan(load(data)), out)
    print(f"scanned {data} in {time.perf_counter() - t0:.1f} s → {out}")
    return out


def start(scan: Path, data: Path, region: str | None) -> tuple[subprocess.Popen[str], str, float]:
    cmd = [sys.executable, "-m", "fiscalrisk.dashboard", "--scan", str(scan), "--data", str(data),
           "--port", str(_free_port())]
    if region:
        cmd += ["--region", region]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
    assert proc.stdout is not None
    for line in proc.stdout:
        m = re.search(r"(http://\S+\?token=\S+)", line)
        if m:
            return proc, m.group(1), time.perf_counter() - t0
    raise SystemExit("the dashboard did not start:\n" + (proc.stdout.read() if proc.stdout else ""))


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _route(blocked: list[str]):
    def handler(r) -> None:  # noqa: ANN001
        url = r.request.url
        if url.startswith(("data:", "blob:")) or urlparse(url).hostname in ("127.0.0.1", "localhost", "::1"):
            r.continue_()
        else:
            blocked.append(url)
            r.abort()
    return handler


def measure(url: str, repeat: int, warmup: float) -> dict[str, list[float]]:
    from playwright.sync_api import sync_playwright

    figures: dict[str, list[float]] = {"open → first chart": [], "open → all charts": [],
                                       "region switch → tiles": [], "region switch → curve": [],
                                       "language switch → charts": []}
    blocked: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        for i in range(repeat):
            time.sleep(warmup)
            context = browser.new_context(viewport={"width": 1400, "height": 1600})
            page = context.new_page()
            page.route("**/*", _route(blocked))
            t0 = time.perf_counter()
            page.goto(url)
            page.wait_for_selector(".vega-embed", state="visible", timeout=180_000)
            figures["open → first chart"].append(time.perf_counter() - t0)
            page.wait_for_function("document.querySelectorAll('.vega-embed svg').length >= 4", timeout=180_000)
            figures["open → all charts"].append(time.perf_counter() - t0)

            select = page.locator(".fr-controls select").first
            labels = [o.strip() for o in select.locator("option").all_inner_texts()]
            if len(labels) > 1:
                target = labels[1 + i % (len(labels) - 1)]
                tiles = page.inner_text(".fr-tiles")
                t0 = time.perf_counter()
                select.select_option(index=labels.index(target))
                page.wait_for_function("old => document.querySelector('.fr-tiles').innerText !== old", arg=tiles)
                figures["region switch → tiles"].append(time.perf_counter() - t0)
                page.wait_for_function(
                    "name => [...document.querySelectorAll('.vega-embed svg')].some(s => s.textContent.includes('· ' + name))",
                    arg=target, timeout=60_000)
                figures["region switch → curve"].append(time.perf_counter() - t0)

            t0 = time.perf_counter()
            page.get_by_role("button", name="English").click()
            page.wait_for_function("() => document.body.innerText.includes('Units ranked by risk score')",
                                   timeout=60_000)
            figures["language switch → charts"].append(time.perf_counter() - t0)
            context.close()
        browser.close()
    if blocked:
        print(f"WARNING: {len(blocked)} request(s) tried to leave the machine: {blocked[:3]}")
    return figures


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scan", type=Path, help="scan directory (default: scan the committed sample once)")
    ap.add_argument("--data", type=Path, default=ROOT / "data_samples" / "huzhou", help="data directory the scan read")
    ap.add_argument("--region", help="region code the dashboard is for (default: the root)")
    ap.add_argument("--repeat", type=int, default=3, help="page opens (default 3)")
    ap.add_argument("--warmup", type=float, default=20.0,
                    help="seconds to wait before each open, for the pool to preheat a kernel (default 20)")
    args = ap.parse_args()
    if not CHROMIUM.exists():
        raise SystemExit(f"{CHROMIUM} is absent: apt-get install chromium")
    scan = args.scan or ensure_scan(args.data)
    proc, url, started = start(scan, args.data, args.region)
    try:
        print(f"dashboard up in {started:.1f} s (cache built or reused, Voila listening): {url.split('?')[0]}")
        figures = measure(url, args.repeat, args.warmup)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    print(f"\n{'measure':<28}{'median s':>10}{'min s':>8}{'max s':>8}   n")
    for name, values in figures.items():
        if values:
            print(f"{name:<28}{statistics.median(values):>10.2f}{min(values):>8.2f}{max(values):>8.2f}   {len(values)}")


if __name__ == "__main__":
    main()
