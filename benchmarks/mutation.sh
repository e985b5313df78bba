#!/usr/bin/env bash
# Mutation score of the indicator and detector modules, with mutmut (not part of CI: every module
# takes hours on two cores). See docs/testing.md.
#
#   benchmarks/mutation.sh [MODULE ...]
#
# MODULE is a file of fiscalrisk/indicators/ or fiscalrisk/detectors/ without ".py" (control, seals,
# payments, benford, ...); none means every module of both packages. For each module it prints
# killed / total and the surviving mutants; `mutmut show NAME` in the work folder shows one.
#
# The run happens in a copy of the project (MUTATION_DIR, default $TMPDIR/fiscalrisk-mutation): the
# working tree is never touched, and mutmut's own folder (mutants/) and settings (setup.cfg) live in
# the copy. Tests: the fast tests of tests/indicators and tests/detectors (-m "not slow and not
# browser"); mutmut runs, for each mutant, only the tests that call the mutated function.
#
# mutmut 3 leaves decorated functions alone. The indicator functions are all decorated with
# @indicator(...), so in the copy (only there) each `@indicator(...) def f` of a mutated module is
# rewritten as `def f` followed by `f = indicator(...)(f)`, which registers the same function: the
# indicators' own bodies are then mutated too.
#
# mutmut first runs the selected tests once unmutated: they must all pass (a red test makes every
# mutant look killed), or the script stops with mutmut's log.
#
# Environment: MUTATION_DIR (work folder), MUTATION_JOBS (parallel mutants, default 2),
# MUTATION_TESTS (the test files or folders to select, split on spaces; default "tests/indicators/
# tests/detectors/". A smaller selection gives a lower bound of the score in less time: for
# indicators/registry.py, which every indicator test calls, e.g.
# MUTATION_TESTS="tests/indicators/test_registry.py tests/indicators/test_amount_at_risk.py"),
# MUTATION_PYTEST_ARGS (more pytest arguments, split on spaces, e.g. "--deselect tests/x.py::test_y"),
# FISCALRISK_SHARED (the shared folder for the real-data tests; default ../shared beside the project).
set -euo pipefail

MUTMUT_VERSION=3.8.1  # checked with Python 3.11 (mutmut 3.x needs >= 3.10); settings: source_paths,
                      # only_mutate, pytest_add_cli_args[_test_selection] (paths_to_mutate and
                      # tests_dir are deprecated names since 3.3)
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY="$ROOT/.venv/bin/python"
WORK=${MUTATION_DIR:-${TMPDIR:-/tmp}/fiscalrisk-mutation}
JOBS=${MUTATION_JOBS:-2}
read -r -a TESTS <<< "${MUTATION_TESTS:-tests/indicators/ tests/detectors/}"
for t in "${TESTS[@]}"; do
  [ -e "$ROOT/$t" ] || { echo "MUTATION_TESTS: no $t in the project" >&2; exit 2; }
done
[ "${#TESTS[@]}" -gt 0 ] || { echo "MUTATION_TESTS is empty" >&2; exit 2; }
export FISCALRISK_SHARED=${FISCALRISK_SHARED:-$(cd "$ROOT/.." && pwd)/shared}

say() { printf '==> %s\n' "$*"; }


# the modules asked for, as paths
modules=()
if [ $# -eq 0 ]; then
  for f in "$ROOT"/fiscalrisk/indicators/*.py "$ROOT"/fiscalrisk/detectors/*.py; do
    [ "$(basename "$f")" = "__init__.py" ] || modules+=("${f#"$ROOT"/}")
  done
else
  for m in "$@"; do
    m=${m%.py}; m=${m#fiscalrisk/}
    found=""
    case "$m" in
      indicators/*|detectors/*) found="fiscalrisk/$m.py" ;;
      *) for pkg in indicators detectors; do
           if [ -f "$ROOT/fiscalrisk/$pkg/$m.py" ]; then found="fiscalrisk/$pkg/$m.py"; fi
         done ;;
    esac
    if [ -z "$found" ] || [ ! -f "$ROOT/$found" ] || [ "$(basename "$found")" = "__init__.py" ]; then
      echo "no module $m in fiscalrisk/indicators or fiscalrisk/detectors" >&2; exit 2
    fi
    modules+=("$found")
  done
fi

[ -x "$PY" ] || { echo "no virtual environment at $PY: run ./run test (or ./run main) once first" >&2; exit 2; }
if [ "$("$PY" -c 'import importlib.metadata as m; print(m.version("mutmut"))' 2>/dev/null || true)" != "$MUTMUT_VERSION" ]; then
  say "installing mutmut $MUTMUT_VERSION into .venv"
  "$PY" -m pip install -q "mutmut==$MUTMUT_VERSION"
fi
MUTMUT="$ROOT/.venv/bin/mutmut"

say "copying the project to $WORK"
# a folder of ours only (marked), never the project or an unrelated folder
if [ -e "$WORK" ] && [ ! -f "$WORK/.fiscalrisk-mutation" ]; then
  echo "$WORK exists and is not a work folder of this script: set MUTATION_DIR to a new folder" >&2; exit 2
fi
rm -rf "$WORK"
mkdir -p "$WORK"
touch "$WORK/.fiscalrisk-mutation"
for item in fiscalrisk tests data_samples mappings params docs pyproject.toml README.md; do
  [ -e "$ROOT/$item" ] && cp -r "$ROOT/$item" "$WORK/"
done
find "$WORK" -name __pycache__ -type d -prune -exec rm -rf {} +

# @indicator(...) def f  →  def f ... ; f = indicator(...)(f)   (in the copy, mutated modules only)
"$PY" - "$WORK" "${modules[@]}" <<'EOF'
import ast
import sys
from pathlib import Path

work = Path(sys.argv[1])
for rel in sys.argv[2:]:
    path = work / rel
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    tree = ast.parse("".join(lines))
    edits = []
    for node in tree.body:
        if (isinstance(node, ast.FunctionDef) and len(node.decorator_list) == 1
                and isinstance(node.decorator_list[0], ast.Call)
                and isinstance(node.decorator_list[0].func, ast.Name)
                and node.decorator_list[0].func.id == "indicator"):
            dec = node.decorator_list[0]
            edits.append((dec.lineno, dec.end_lineno, node.end_lineno, node.name))
    for first, last, end, name in reversed(edits):  # from the bottom: line numbers stay valid
        call = lines[first - 1:last]
        call[0] = call[0].replace("@", "", 1)
        applied = "".join(call).rstrip("\n")
        lines[end:end] = [f"{name} = {applied}({name})\n"]
        del lines[first - 1:last]
    path.write_text("".join(lines), encoding="utf-8")
    print(f"    {rel}: {len(edits)} @indicator function(s) made mutable")
EOF

{
  echo "[mutmut]"
  echo "source_paths=fiscalrisk/"
  echo "only_mutate="
  for m in "${modules[@]}"; do echo "    $m"; done
  echo "pytest_add_cli_args_test_selection="
  for t in "${TESTS[@]}"; do echo "    $t"; done
  echo "pytest_add_cli_args="
  echo "    -m"
  echo "    not slow and not browser"
  echo "    -p"
  echo "    no:cacheprovider"
  for a in ${MUTATION_PYTEST_ARGS:-}; do echo "    $a"; done
  echo "also_copy="
  for d in data_samples mappings params docs; do echo "    $d/"; done
} > "$WORK/setup.cfg"

cd "$WORK"
say "mutmut $MUTMUT_VERSION over ${modules[*]} ($JOBS at a time); tests: ${TESTS[*]}"
start=$(date +%s)
# mutmut's progress line is redrawn in place: keep the log, show its last lines
if ! "$MUTMUT" run --max-children "$JOBS" > "$WORK/mutmut-run.log" 2>&1; then
  tail -40 "$WORK/mutmut-run.log" >&2
  echo "mutmut run failed (log: $WORK/mutmut-run.log)" >&2
  exit 1
fi
elapsed=$(( $(date +%s) - start ))

"$PY" - "$elapsed" "${modules[@]}" <<'EOF'
import json
import sys
from collections import Counter
from pathlib import Path

from mutmut.stats import status_by_exit_code

elapsed, modules = int(sys.argv[1]), sys.argv[2:]
print(f"\nmutation score (killed / total), {elapsed // 60} min {elapsed % 60} s")
grand = Counter()
for rel in modules:
    meta = Path("mutants") / f"{rel}.meta"
    codes = json.loads(meta.read_text())["exit_code_by_key"] if meta.exists() else {}
    status = {k: status_by_exit_code[v] for k, v in codes.items()}
    c = Counter(status.values())
    grand.update(c)
    total = len(status)
    killed = c["killed"]
    pct = f"{100 * killed / total:5.1f}%" if total else "   - "
    other = ", ".join(f"{n} {s}" for s, n in sorted(c.items()) if s != "killed")
    print(f"  {rel:40s} {killed:5d} / {total:<5d} {pct}   {other}")
    for name, s in sorted(status.items()):
        if s != "killed":
            print(f"      {s:10s} {name}")
total = sum(grand.values())
if len(modules) > 1 and total:
    print(f"  {'all':40s} {grand['killed']:5d} / {total:<5d} {100 * grand['killed'] / total:5.1f}%")
print(f"\nsee one mutant: (cd {Path.cwd()} && {Path(sys.executable).parent}/mutmut show NAME)")
EOF
