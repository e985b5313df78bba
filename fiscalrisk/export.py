"""Reproducible bundles of a report run: ``fiscalrisk export`` and ``fiscalrisk verify``.

``export_run(OUT, BUNDLE.zip)`` packs the output of ``fiscalrisk report`` into one deterministic zip
(sorted entries, fixed time stamps and permissions: the same run gives the same bytes)::

    ro-crate-metadata.json      RO-Crate 1.1 (JSON-LD) describing every file and the run
    manifest.json               the run's manifest (status per region, versions, kernel)
    inputs.json                 input tables: file names, SHA-256, row counts; the data directory
    params/                     the params files the scan layered (defaults, regions, extra files)
    params-resolved.yaml        the parameters as resolved by the scan
    environment.lock            exact versions of every installed distribution (importlib.metadata)
    scan/                       findings (csv, parquet), assessed, pefa, pefa_scores, scores, manifest,
                                and the values/, series/ and reference/ tables the reports read
    index.html                  the regions' index
    reports/<region>/           report.ipynb (executed), report.html, findings.xlsx
    figures/<region>-<name>.svg and .png   every chart, rendered by vl-convert from its Vega-Lite spec

``verify_bundle(BUNDLE.zip, data_dir=None)`` re-runs the scan from the bundle's recorded inputs and
parameters: the data directory (recorded, or ``--data``) must have the recorded fingerprints —
otherwise it says which tables differ and stops (exit 2) — and the new findings must be
byte-identical to the bundle's (exit 0); if not, it says what differs (exit 1).

A bundle is untrusted input: ``verify`` extracts nothing by name. It checks every entry first and
refuses the bundle (exit 2, naming the entry) if a name is absolute, holds ``..``, a backslash or a
NUL, is a symbolic link, is under ``params/`` but not a flat ``NAME.yaml``, or if the entries expand
beyond ``input.max_uncompressed_bytes`` (one entry: ``input.max_compression_ratio``). It reads the
content into memory and writes only checked params names into its temporary folder; the extra params
files recorded in ``inputs.json`` must be params files of the bundle.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import re
import stat
import tempfile
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PureWindowsPath
from typing import Any

from fiscalrisk.version import __version__

__all__ = ["VerifyResult", "export_run", "verify_bundle", "environment_lock", "ro_crate", "register"]

_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
#: Scan tables compared by ``verify`` (findings first: the one the verdict is about).
COMPARED = ("findings.csv", "assessed.csv", "pefa.csv", "pefa_scores.csv", "scores.csv")

_MEDIA = {
    ".csv": "text/csv",
    ".parquet": "application/vnd.apache.parquet",
    ".json": "application/json",
    ".yaml": "application/yaml",
    ".ipynb": "application/x-ipynb+json",
    ".html": "text/html",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".lock": "text/plain",
}


def environment_lock() -> str:
    """``name==version`` of every installed distribution, sorted (a pip-style lock of this env)."""
    from importlib import metadata

    seen: dict[str, str] = {}
    for dist in metadata.distributions():
        name = dist.metadata.get("Name")
        if name:
            seen.setdefault(name.lower().replace("_", "-"), dist.version)
    return "".join(f"{n}=={v}\n" for n, v in sorted(seen.items()))


def _figures(nb_path: Path) -> Iterator[tuple[str, dict[str, Any], str]]:
    """(name, Vega-Lite spec, SVG) of every figure in an executed report notebook."""
    import nbformat

    nb = nbformat.read(nb_path, as_version=4)
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data") or {}
            spec = next((v for k, v in data.items() if k.startswith("application/vnd.vegalite")), None)
            name = ((out.get("metadata") or {}).get("fiscalrisk") or {}).get("figure")
            if spec is not None and name:
                yield str(name), dict(spec), str(data.get("image/svg+xml", ""))


def _render_png(spec: Mapping[str, Any]) -> bytes:
    import vl_convert as vlc
    from altair.utils._importers import vl_version_for_vl_convert

    return vlc.vegalite_to_png(json.dumps(spec), vl_version=vl_version_for_vl_convert(), scale=2)


def ro_crate(files: Mapping[str, bytes], manifest: Mapping[str, Any], inputs: Mapping[str, Any]) -> dict[str, Any]:
    """RO-Crate 1.1 metadata (JSON-LD) for the bundle's ``files``: each file with its media type,
    size and SHA-256, the input tables as contextual entities, and the scan and report runs as
    ``CreateAction``s of the fiscalrisk ``SoftwareApplication``."""
    run = manifest.get("run") or {}
    as_of = run.get("as_of") or ""
    software = {"@id": "#fiscalrisk", "@type": "SoftwareApplication", "name": "fiscalrisk",
                "version": __version__,
                "description": "Risk monitoring for local public finance (budget, payments, procurement, "
                               "contracts, projects, assets, e-seals, internal control)"}
    graph: list[dict[str, Any]] = [
        {"@id": "ro-crate-metadata.json", "@type": "CreativeWork",
         "conformsTo": {"@id": "https://w3id.org/ro/crate/1.1"}, "about": {"@id": "./"}},
    ]
    parts = sorted(files)
    root = {
        "@id": "./", "@type": "Dataset",
        "name": f"fiscalrisk regional reports as of {as_of}",
        "description": "Executed regional risk reports, the scan they read, its parameters, input "
                       "fingerprints and the software environment, packed to be re-checked with "
                       "`fiscalrisk verify`.",
        "datePublished": as_of,
        "hasPart": [{"@id": p} for p in parts],
        "mentions": [{"@id": "#scan"}, {"@id": "#reports"}],
    }
    graph.append(root)
    input_ids = []
    for table, entry in sorted((inputs.get("tables") or {}).items()):
        iid = f"#input-{table}"
        input_ids.append({"@id": iid})
        ent = {"@id": iid, "@type": "Dataset", "name": f"input table {table}",
               "identifier": f"sha256:{entry.get('sha256', '')}"}
        if entry.get("files"):
            ent["description"] = "source file(s): " + ", ".join(entry["files"])
        if entry.get("rows") is not None:
            ent["size"] = f"{entry['rows']} rows"
        graph.append(ent)
    scan_files = [{"@id": p} for p in parts if p.startswith("scan/")]
    report_files = [{"@id": p} for p in parts if p.startswith(("reports/", "figures/")) or p == "index.html"]
    params_files = [{"@id": p} for p in parts if p.startswith("params")]
    graph.append({"@id": "#scan", "@type": "CreateAction", "name": f"fiscalrisk scan as of {as_of}",
                  "instrument": {"@id": "#fiscalrisk"},
                  "object": input_ids + params_files, "result": scan_files})
    graph.append({"@id": "#reports", "@type": "CreateAction", "name": "fiscalrisk report (papermill per region)",
                  "instrument": {"@id": "#fiscalrisk"}, "object": scan_files, "result": report_files,
                  "actionStatus": {"@id": "http://schema.org/CompletedActionStatus"
                                   if not (manifest.get("summary") or {}).get("failed")
                                   else "http://schema.org/FailedActionStatus"}})
    graph.append(software)
    for p in parts:
        data = files[p]
        ext = Path(p).suffix
        graph.append({"@id": p, "@type": "File", "name": Path(p).name, "contentSize": str(len(data)),
                      "encodingFormat": _MEDIA.get(ext, "application/octet-stream"),
                      "sha256": hashlib.sha256(data).hexdigest()})
    return {"@context": "https://w3id.org/ro/crate/1.1/context", "@graph": graph}


def _write_zip(files: Mapping[str, bytes], path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            z.writestr(info, files[name])
    tmp.replace(path)


def export_run(out_dir: str | os.PathLike[str], bundle: str | os.PathLike[str], *, figures: bool = True) -> Path:
    """Pack the report run in ``out_dir`` into the zip ``bundle`` (see the module docstring)."""
    import yaml

    out = Path(out_dir)
    manifest_path = out / "manifest.json"
    if not manifest_path.is_file():
        raise FileNotFoundError(f"{out}: not a report run (no manifest.json); run `fiscalrisk report` first")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    if manifest.get("kind") != "fiscalrisk report":
        raise ValueError(f"{out}: manifest.json is not the manifest of a fiscalrisk report run")
    files: dict[str, bytes] = {"manifest.json": manifest_path.read_bytes()}
    scan_dir = out / "scan"
    for f in sorted(scan_dir.iterdir()):
        if f.is_file():
            files[f"scan/{f.name}"] = f.read_bytes()
    scan_manifest = json.loads((scan_dir / "manifest.json").read_text(encoding="utf-8"))
    from fiscalrisk.scan import ScanDirError, scan_file_names

    try:  # the values, series and reference tables the reports read (scan format 2), as listed
        listed = [n for n in scan_file_names(scan_manifest) if "/" in n]
    except ScanDirError:
        listed = []
    for name in listed:
        if (scan_dir / name).is_file():
            files[f"scan/{name}"] = (scan_dir / name).read_bytes()
    params_dir = out / "params"
    if params_dir.is_dir():
        for f in sorted(params_dir.iterdir()):
            if f.is_file():
                files[f"params/{f.name}"] = f.read_bytes()
    files["params-resolved.yaml"] = yaml.safe_dump(
        {"params": scan_manifest.get("params"), "params_by_region": scan_manifest.get("params_by_region") or {}},
        allow_unicode=True, sort_keys=True).encode("utf-8")
    inputs = {
        "data_dir": (manifest.get("run") or {}).get("data_dir"),
        "as_of": scan_manifest.get("as_of"),
        "tables": scan_manifest.get("inputs") or {},
        "params": manifest.get("params") or {},
    }
    files["inputs.json"] = (json.dumps(inputs, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")
    files["environment.lock"] = environment_lock().encode("utf-8")
    if (out / "index.html").is_file():
        files["index.html"] = (out / "index.html").read_bytes()
    from fiscalrisk.staging import safe_child

    for region in sorted(manifest.get("regions") or {}):
        # the code names a folder read and the zip entries reports/<region>/...: a code, nothing else
        rdir = safe_child(out, region, "region code in manifest.json")
        for name in ("report.ipynb", "report.html", "findings.xlsx"):
            if (rdir / name).is_file():
                files[f"reports/{region}/{name}"] = (rdir / name).read_bytes()
        if figures and (rdir / "report.ipynb").is_file() and (manifest["regions"][region].get("status") == "ok"):
            for name, spec, svg in _figures(rdir / "report.ipynb"):
                files[f"figures/{name}.svg"] = svg.encode("utf-8")
                files[f"figures/{name}.png"] = _render_png(spec)
    crate = ro_crate(files, manifest, inputs)
    files["ro-crate-metadata.json"] = (json.dumps(crate, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    path = Path(bundle)
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_zip(files, path)
    return path


# ---------------------------------------------------------------------------------------- verify
@dataclass
class VerifyResult:
    """The verdict of :func:`verify_bundle`: ``status`` is identical, different or inputs_differ."""

    status: str
    data_dir: str
    differences: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return {"identical": 0, "different": 1}.get(self.status, 2)


def _describe_findings_diff(recorded: bytes, rerun: bytes, limit: int = 20) -> list[str]:
    """Which findings appear, disappear or change between two findings.csv files."""
    import pandas as pd

    a = pd.read_csv(io.BytesIO(recorded), dtype="str", keep_default_na=False)
    b = pd.read_csv(io.BytesIO(rerun), dtype="str", keep_default_na=False)
    lines: list[str] = []
    if list(a.columns) != list(b.columns):
        return [f"findings.csv: columns differ: bundle {list(a.columns)}, re-run {list(b.columns)}"]
    ia, ib = a.set_index("finding_id"), b.set_index("finding_id")
    only_a = sorted(set(ia.index) - set(ib.index))
    only_b = sorted(set(ib.index) - set(ia.index))
    both = sorted(set(ia.index) & set(ib.index))
    changed = []
    for fid in both:
        ra, rb = ia.loc[[fid]].iloc[0], ib.loc[[fid]].iloc[0]
        cols = [c for c in ia.columns if ra[c] != rb[c]]
        if cols:
            changed.append((fid, cols, ra, rb))
    if only_a:
        lines.append(f"findings.csv: {len(only_a)} finding(s) in the bundle but not in the re-run: "
                     + ", ".join(only_a[:limit]) + (" …" if len(only_a) > limit else ""))
    if only_b:
        lines.append(f"findings.csv: {len(only_b)} finding(s) in the re-run but not in the bundle: "
                     + ", ".join(only_b[:limit]) + (" …" if len(only_b) > limit else ""))
    for fid, cols, ra, rb in changed[:limit]:
        lines.append(f"findings.csv: finding {fid} ({ra['indicator']} {ra['subject_id']}) differs in "
                     + "; ".join(f"{c}: bundle {ra[c]!r}, re-run {rb[c]!r}" for c in cols))
    if len(changed) > limit:
        lines.append(f"findings.csv: … and {len(changed) - limit} more changed finding(s)")
    if not lines:
        lines.append("findings.csv: same findings, but the bytes differ (row order or number formatting)")
    return lines


#: The name of a params file in a bundle's flat ``params/`` folder: ``defaults.yaml``,
#: ``<region_code>.yaml``, ``extra-<n>.yaml`` (the extra params files, in order).
_PARAMS_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}\.yaml")
_PARAMS_NAME_TEXT = ("a plain params file directly in params/, named NAME.yaml with NAME of letters, digits, "
                     "'-' and '_' (at most 64), no sub-folder")
_ENTRY_TEXT = "a relative path of names separated by '/', as `fiscalrisk export` writes"
#: Entries smaller than this are not held to ``input.max_compression_ratio`` (tiny files prove nothing).
_RATIO_FLOOR = 1024**2


def _path_problem(name: str) -> str | None:
    """Why ``name`` (a zip entry or a recorded path) could name a file outside its folder, or None."""
    if "\x00" in name:
        return "it contains a NUL character"
    if "\\" in name:
        return "it contains a backslash"
    if name.startswith("/") or "//" in name or PureWindowsPath(name).drive:
        return "it is an absolute path"
    if ".." in name.split("/"):
        return "it contains '..' as a path component"
    return None


def _entry_problem(info: zipfile.ZipInfo) -> tuple[str, str] | None:
    """(what is wrong, what was expected) for a bundle entry verify must not read, or None."""
    name = info.filename
    problem = _path_problem(name)
    if problem:
        return problem, _PARAMS_NAME_TEXT if name.startswith("params/") else _ENTRY_TEXT
    if stat.S_ISLNK(info.external_attr >> 16):
        return "it is a symbolic link", "a regular file"
    if name.startswith("params/"):
        rest = name[len("params/"):]
        if not rest:
            return "it is empty after 'params/'", _PARAMS_NAME_TEXT
        if not _PARAMS_NAME.fullmatch(rest):
            return "it is not a plain params file", _PARAMS_NAME_TEXT
    return None


def _read_bundle(bundle: str | os.PathLike[str]) -> tuple[dict[str, Any], dict[str, Any], dict[str, bytes],
                                                           dict[str, bytes]]:
    """(inputs, manifest, recorded scan tables, params files by checked name), read into memory.

    Every entry is checked before anything is read: a name that is absolute, holds ``..``, a
    backslash or a NUL, a symbolic link, a duplicate, anything under ``params/`` but a flat
    ``NAME.yaml``, or entries expanding beyond ``input.max_uncompressed_bytes`` in all (or one entry
    beyond ``input.max_compression_ratio``) refuse the whole bundle with a ValueError naming the entry.
    """
    from fiscalrisk.data.limits import InputLimits

    limits = InputLimits.from_params()
    limit, ratio = int(limits.max_uncompressed_bytes), float(limits.max_compression_ratio)
    with zipfile.ZipFile(bundle) as z:
        infos = z.infolist()
        seen: set[str] = set()
        total = 0
        for info in infos:
            name = info.filename
            refused = _entry_problem(info)
            if refused is None and name in seen:
                refused = "it appears twice", "each entry once"
            if refused:
                raise ValueError(f"{bundle}: refused entry {name!r}: {refused[0]}; expected {refused[1]}")
            seen.add(name)
            total += info.file_size
            if total > limit:
                raise ValueError(f"{bundle}: refused entry {name!r}: with it the bundle expands to {total:,} bytes, "
                                 f"over the limit of {limit:,} bytes (input.max_uncompressed_bytes); expected "
                                 "a bundle within the limit (raise it with a params file for a larger bundle)")
            if info.file_size > _RATIO_FLOOR and info.file_size > ratio * max(info.compress_size, 1):
                raise ValueError(f"{bundle}: refused entry {name!r}: it expands {info.file_size:,} bytes from "
                                 f"{info.compress_size:,} ({info.file_size / max(info.compress_size, 1):,.0f}×), "
                                 f"over the limit of {ratio:g}× (input.max_compression_ratio); expected an "
                                 "ordinary file, not a decompression bomb")
        for required in ("inputs.json", "manifest.json", "scan/findings.csv"):
            if required not in seen:
                raise ValueError(f"{bundle}: not a fiscalrisk bundle ({required} is missing)")
        budget = [limit]

        def read(name: str) -> bytes:
            # at most what is left of the limit, whatever the entry's header says
            try:
                with z.open(name) as f:
                    data = f.read(budget[0] + 1)
            except (RuntimeError, NotImplementedError) as exc:  # encrypted, unknown compression
                raise ValueError(f"{bundle}: refused entry {name!r}: {exc}; expected a plain deflated file") from None
            if len(data) > budget[0]:
                raise ValueError(f"{bundle}: refused entry {name!r}: it expands beyond the limit of {limit:,} "
                                 "bytes (input.max_uncompressed_bytes); expected a bundle within the limit")
            budget[0] -= len(data)
            return data

        inputs = json.loads(read("inputs.json"))
        manifest = json.loads(read("manifest.json"))
        recorded = {n: read(f"scan/{n}") for n in COMPARED if f"scan/{n}" in seen}
        params = {n[len("params/"):]: read(n) for n in sorted(seen) if n.startswith("params/")}
    for what, value in (("inputs.json", inputs), ("manifest.json", manifest)):
        if not isinstance(value, dict):
            raise ValueError(f"{bundle}: refused entry {what!r}: expected a JSON object")
    return inputs, manifest, recorded, params


def _checked_extra(bundle: str | os.PathLike[str], inputs: Mapping[str, Any], params: Mapping[str, bytes]) -> list[str]:
    """``params.extra`` of ``inputs.json``: names of params files present in the bundle's ``params/``."""
    info = inputs.get("params") or {}
    if not isinstance(info, dict):
        raise ValueError(f"{bundle}: refused inputs.json params {info!r}: expected an object")
    extra = info.get("extra") or []
    expected = f"names of params files in the bundle's params/ ({_PARAMS_NAME_TEXT})"
    if not isinstance(extra, list):
        raise ValueError(f"{bundle}: refused inputs.json params.extra {extra!r}: expected a list of {expected}")
    names = []
    for name in extra:
        problem = "it is not a string" if not isinstance(name, str) else _path_problem(name)
        if problem is None and not _PARAMS_NAME.fullmatch(name):
            problem = "it is not a plain params file name"
        if problem is None and name not in params:
            problem = "the bundle's params/ has no such file"
        if problem:
            raise ValueError(f"{bundle}: refused inputs.json params.extra entry {name!r}: {problem}; "
                             f"expected {expected}")
        names.append(name)
    return names


def _write_params(pdir: Path, params: Mapping[str, bytes]) -> None:
    """Write the params files into the new, empty folder ``pdir``, each under its checked name only."""
    root = pdir.resolve()
    for name, content in params.items():
        if not _PARAMS_NAME.fullmatch(name):
            raise ValueError(f"refused params file {name!r}: expected {_PARAMS_NAME_TEXT}")
        target = pdir / name
        with open(target, "xb") as f:  # a new file: never an existing one, never through a link
            f.write(content)
        if target.resolve().parent != root:
            raise ValueError(f"refused params file {name!r}: written outside {pdir} (to {target.resolve()})")


def verify_bundle(bundle: str | os.PathLike[str], data_dir: str | os.PathLike[str] | None = None) -> VerifyResult:
    """Re-run the bundle's scan from its recorded inputs and parameters, and compare (see module).

    A hostile bundle is refused (ValueError naming the entry) before anything is written or re-run;
    see :func:`_read_bundle` and :func:`_checked_extra`.
    """
    from fiscalrisk.inputs import load_or_explain
    from fiscalrisk.runner import environ_set, source_digest
    from fiscalrisk.scan import scan, write_scan

    inputs, manifest, recorded, params = _read_bundle(bundle)
    extra_names = _checked_extra(bundle, inputs, params)
    environment = manifest.get("environment") or {}
    recorded_dir = inputs.get("data_dir")
    if recorded_dir is not None and (not isinstance(recorded_dir, str) or "\x00" in recorded_dir):
        raise ValueError(f"{bundle}: refused inputs.json data_dir {recorded_dir!r}: expected the path of a directory")
    data = Path(data_dir or inputs.get("data_dir") or "")
    if not str(data_dir or inputs.get("data_dir") or "") or not data.is_dir():
        raise FileNotFoundError(f"data directory {data} not found; pass --data DIR")
    dataset = load_or_explain(str(data))
    expected = {t: e.get("sha256") for t, e in (inputs.get("tables") or {}).items() if e.get("sha256")}
    actual = dict(dataset.fingerprints)
    problems = []
    for table in sorted(set(expected) | {t for t in actual if t in (inputs.get("tables") or {})}):
        if expected.get(table) != actual.get(table):
            problems.append(f"{table}: recorded sha256 {str(expected.get(table))[:16]}…, "
                            f"found {str(actual.get(table))[:16] if actual.get(table) else 'no such table'}…")
    extra_tables = sorted(set(actual) - set(inputs.get("tables") or {}))
    problems += [f"{t}: present in {data} but not among the recorded inputs" for t in extra_tables]
    if problems:
        return VerifyResult("inputs_differ", str(data), problems)

    with tempfile.TemporaryDirectory(prefix="fiscalrisk-verify-") as tmp:
        pdir = Path(tmp) / "params"
        pdir.mkdir()
        _write_params(pdir, params)
        extra = [str(pdir / n) for n in extra_names]
        with environ_set("FISCALRISK_PARAMS_DIR", str(pdir)):
            result = scan(dataset, as_of=inputs.get("as_of"), files=tuple(extra))
        out = write_scan(result, Path(tmp) / "scan")
        differences: list[str] = []
        for name, before in recorded.items():
            after = (out / name).read_bytes() if (out / name).is_file() else b""
            if before != after:
                if name == "findings.csv":
                    differences += _describe_findings_diff(before, after)
                else:
                    differences.append(f"{name}: differs (bundle sha256 {hashlib.sha256(before).hexdigest()[:16]}…, "
                                       f"re-run {hashlib.sha256(after).hexdigest()[:16]}…)")
    notes = []
    if environment.get("fiscalrisk") != __version__:
        notes.append(f"the bundle was made with fiscalrisk {environment.get('fiscalrisk')}, this is {__version__}")
    recorded_source = environment.get("fiscalrisk_source_sha256")
    if recorded_source and recorded_source != source_digest():
        notes.append("fiscalrisk's source code differs from the code that made the bundle "
                     f"(source sha256 {recorded_source[:16]}…, now {source_digest()[:16]}…)")
    return VerifyResult("identical" if not differences else "different", str(data), differences, notes)


# ------------------------------------------------------------------------------------------- CLI
def cmd_export(args: argparse.Namespace) -> int:
    from fiscalrisk.errors import UserError

    try:
        path = export_run(args.out_dir, args.to, figures=not args.no_figures)
    except (FileNotFoundError, ValueError) as exc:
        raise UserError(str(exc)) from None
    with zipfile.ZipFile(path) as z:
        n = len(z.namelist())
    print(f"bundle written: {path} ({n} files, {path.stat().st_size:,} bytes)")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from fiscalrisk.errors import UserError

    try:
        result = verify_bundle(args.bundle, args.data)
    except (FileNotFoundError, ValueError, zipfile.BadZipFile) as exc:
        if type(exc).__name__ in ("ParamsError", "DataError"):
            raise
        raise UserError(str(exc)) from None
    if result.status == "inputs_differ":
        print(f"INPUTS DIFFER: the data in {result.data_dir} is not the data the bundle was made from; "
              "not re-running the scan:")
        for line in result.differences:
            print(f"  {line}")
        return 2
    for note in result.notes:
        print(f"note: {note}")
    if result.status == "identical":
        print(f"identical: the re-run scan of {result.data_dir} reproduces the bundle's findings byte for byte")
        return 0
    print(f"DIFFERENT: the re-run scan of {result.data_dir} does not reproduce the bundle:")
    for line in result.differences:
        print(f"  {line}")
    return 1


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``export`` and ``verify`` subcommands to the ``fiscalrisk`` command's subparsers."""
    p = sub.add_parser(
        "export", help="pack a report run into a reproducible zip (RO-Crate metadata, figures, environment lock)",
        description="Pack OUT (written by `fiscalrisk report`) into one deterministic zip: executed notebooks, "
                    "HTML, findings and scan tables, parameters, input fingerprints, an environment lock, "
                    "figures as PNG and SVG, and ro-crate-metadata.json (RO-Crate 1.1).",
        epilog="example:\n  fiscalrisk export out/reports --to reports-2026-06.zip",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("out_dir", metavar="OUT", help="output directory of `fiscalrisk report`")
    p.add_argument("--to", required=True, metavar="BUNDLE.zip", help="zip file to write")
    p.add_argument("--no-figures", action="store_true", help="leave out the PNG/SVG figure files")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser(
        "verify", help="re-run a bundle's scan and check that its findings are reproduced byte for byte",
        description="Re-run the scan from the bundle's recorded inputs and parameters. Exit 0: the findings "
                    "are byte-identical; 1: they differ (what differs is listed); 2: the data's "
                    "fingerprints differ from the recorded ones (nothing is re-run).",
        epilog="example:\n  fiscalrisk verify reports-2026-06.zip --data /srv/data/2026-06",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("bundle", metavar="BUNDLE.zip", help="a bundle written by `fiscalrisk export`")
    p.add_argument("--data", metavar="DIR", help="data directory (default: the one recorded in the bundle)")
    p.set_defaults(func=cmd_verify)
