"""Benchmark: every region's report for the small sample, with 1 and 2 local workers.

Prints the scan time, the wall time of each run, seconds per region (wall time / regions, and the
mean of the per-region durations), and the peak resident memory of the notebook kernels (sampled
every 0.2 s over the kernel processes the run starts). Figures are printed, not asserted::

    .venv/bin/python benchmarks/report.py [--data DIR] [--workers 1 2] [--regions CODE ...]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


class KernelMemory:
    """Samples the RSS of every ipykernel process below this one; keeps the peak per process."""

    def __init__(self, interval: float = 0.2) -> None:
        self.interval = interval
        self.peaks: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> KernelMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            for p in me.children(recursive=True):
                try:
                    if "ipykernel_launcher" in " ".join(p.cmdline()):
                        rss = p.memory_info().rss
                        self.peaks[p.pid] = max(rss, self.peaks.get(p.pid, 0))
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    continue
            self._stop.wait(self.interval)


def sample_dir(tmp: Path) -> Path:
    """A private copy of the committed sample (a run records its inputs' fingerprints), or a fresh one."""
    import shutil

    committed = ROOT / "data_samples" / "huzhou"
    out = tmp / "huzhou"
    if (committed / "regions.csv").exists():
        return Path(shutil.copytree(committed, out))
    from fiscalrisk import samples

    if hasattr(samples, "write"):
        samples.write(out, seed=0, size="small")
    else:
        out.mkdir(parents=True)
        for name, df in samples.generate(seed=0, size="small").items():
            df.to_csv(out / f"{name}.csv", index=False)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", help="data directory (default: the small sample)")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--regions", nargs="+", help="only these regions (default: all)")
    args = ap.parse_args(argv)

    from fiscalrisk.cli import load_or_explain
    from fiscalrisk.runner import run_reports
    from fiscalrisk.scan import scan, write_scan

    with tempfile.TemporaryDirectory(prefix="fiscalrisk-bench-") as tmp_name:
        tmp = Path(tmp_name)
        data = Path(args.data) if args.data else sample_dir(tmp)
        t = time.perf_counter()
        dataset = load_or_explain(str(data))
        write_scan(scan(dataset), tmp / "scan")
        print(f"data {data}: scan {time.perf_counter() - t:.1f} s (load + scan + write)")
        for workers in args.workers:
            with KernelMemory() as mem:
                t = time.perf_counter()
                result = run_reports(data, tmp / f"out-{workers}", scan_dir=tmp / "scan", regions=args.regions,
                                     workers=workers, progress=False)
                wall = time.perf_counter() - t
            n = len(result.outcomes)
            durations = [o.duration for o in result.outcomes.values()]
            peaks = sorted(mem.peaks.values())
            mib = 1024 * 1024
            print(f"workers={workers}: {n} regions in {wall:.1f} s wall → {wall / n:.2f} s per region; "
                  f"per-region duration mean {statistics.mean(durations):.1f} s, max {max(durations):.1f} s; "
                  f"failed {len(result.failed)}")
            if peaks:
                print(f"  kernel peak RSS: median {statistics.median(peaks) / mib:.0f} MiB, "
                      f"max {peaks[-1] / mib:.0f} MiB over {len(peaks)} kernels")
    return 0


if __name__ == "__main__":
    sys.exit(main())
