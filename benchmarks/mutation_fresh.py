"""Run surviving mutants again, each in a fresh Python process.

    .venv/bin/python benchmarks/mutation_fresh.py WORK_DIR [--only TEXT] [--timeout SECONDS]

WORK_DIR is the work folder of a finished ``benchmarks/mutation.sh`` run. mutmut 3 runs the tests of
each mutant in a process forked from one that has already imported the project, so code that runs
*at import time* runs unmutated: above all ``registry.indicator``, which every ``@indicator(...)``
declaration calls when the indicator modules are imported. Such a mutant survives mutmut whatever the
tests check. Here each survivor (``--only``: those whose name contains TEXT) is run again with the
same tests, in a new process with the mutant switched on from the start (mutmut's own
``MUTANT_UNDER_TEST``), so the imports run mutated too. It prints, per mutant, killed (a test
failed, or the import itself failed), survived or timeout, and the totals; the mutmut figures are not
changed. See docs/testing.md.
"""

from __future__ import annotations

import argparse
import configparser
import json
import os
import subprocess
import sys
from pathlib import Path


def survivors(work: Path, only: str) -> list[str]:
    names = []
    for meta in sorted((work / "mutants").rglob("*.meta")):
        codes = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
        names += [n for n, c in codes.items() if c == 0 and only in n]
    return sorted(names, key=lambda n: (n.rsplit("__mutmut_", 1)[0], int(n.rsplit("__mutmut_", 1)[1])))


def pytest_args(work: Path) -> list[str]:
    cfg = configparser.ConfigParser()
    cfg.read(work / "setup.cfg", encoding="utf-8")
    section = cfg["mutmut"]

    def lines(key: str) -> list[str]:
        return [x.strip() for x in section.get(key, "").splitlines() if x.strip()]

    return lines("pytest_add_cli_args") + lines("pytest_add_cli_args_test_selection")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("work", type=Path, help="the work folder of a finished benchmarks/mutation.sh run")
    ap.add_argument("--only", default="", help="only the survivors whose name contains this text")
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds per mutant (default 300)")
    args = ap.parse_args(argv)
    work = args.work.resolve()
    if not (work / ".fiscalrisk-mutation").is_file() or not (work / "setup.cfg").is_file():
        print(f"{work}: not a finished work folder of benchmarks/mutation.sh", file=sys.stderr)
        return 2
    names = survivors(work, args.only)
    base = [sys.executable, "-m", "pytest", "-q", "-x", *pytest_args(work)]

    def run(mutant: str) -> int:
        env = {**os.environ, "MUTANT_UNDER_TEST": mutant, "PYTHONDONTWRITEBYTECODE": "1"}
        return subprocess.run(base, cwd=work / "mutants", env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, timeout=args.timeout).returncode

    # the same tests with no mutant switched on must pass, or every mutant would look killed
    if run("") != 0:
        print(f"the tests fail with no mutant in {work / 'mutants'}: {' '.join(base[1:])}", file=sys.stderr)
        return 1
    tally = {"killed": 0, "survived": 0, "timeout": 0}
    for name in names:
        try:
            status = "survived" if run(name) == 0 else "killed"
        except subprocess.TimeoutExpired:
            status = "timeout"
        tally[status] += 1
        print(f"  {status:9s} {name}", flush=True)
    print(f"{len(names)} survivor(s) run in a fresh process: "
          + ", ".join(f"{n} {s}" for s, n in tally.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
