"""`fiscalrisk verify` on hostile bundles: nothing is written or read outside its temporary folder.

Each hostile bundle is a real bundle rewritten with :mod:`zipfile`. Paths that would climb out of
verify's temporary folder are aimed at files under pytest's ``tmp_path`` (the temporary folder itself
is placed under ``tmp_path``), so a failing check never touches a real file.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest

from fiscalrisk import cli, export, runner
from fiscalrisk.data.limits import InputLimits

SENTINEL = b"# an existing file that verify must leave alone\n"
YAML = b"language: en\n"


@pytest.fixture(scope="module")
def bundle(report_run, tmp_path_factory) -> Path:
    return export.export_run(report_run.out_dir, tmp_path_factory.mktemp("hostile") / "run.zip", figures=False)


@pytest.fixture
def commands(monkeypatch):
    monkeypatch.setattr(cli, "_EXTENSIONS", [runner.register, export.register])


@pytest.fixture
def temp_root(tmp_path, monkeypatch) -> Path:
    """The folder verify's temporary folder is made in: ``params/../../x.yaml`` lands in it."""
    root = tmp_path / "tmproot"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    return root


def rewrite(bundle: Path, dest: Path, *, add=(), replace=None) -> Path:
    """A copy of ``bundle`` with entries replaced (name -> bytes) and added ((name or ZipInfo, bytes))."""
    replace = replace or {}
    with zipfile.ZipFile(bundle) as src, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, replace.get(info.filename, src.read(info.filename)))
        for name, data in add:
            dst.writestr(name, data)
    return dest


def with_extra(bundle: Path, dest: Path, extra: list[str], add=()) -> Path:
    with zipfile.ZipFile(bundle) as z:
        inputs = json.loads(z.read("inputs.json"))
    inputs.setdefault("params", {})["extra"] = extra
    return rewrite(bundle, dest, add=add, replace={"inputs.json": json.dumps(inputs).encode("utf-8")})


def symlink(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


def refused(argv: list[str], capsys) -> str:
    """Run the CLI, check it refused (exit 2, one error line, no traceback) and return stderr."""
    code = cli.main(argv)
    captured = capsys.readouterr()
    assert code == 2, captured
    assert "Traceback" not in captured.err + captured.out
    assert captured.err.startswith("error: ")
    assert "identical" not in captured.out
    return captured.err


def test_entry_climbing_out_of_params_is_refused_and_writes_nothing(bundle, tmp_path, temp_root, commands, capsys):
    target = temp_root / "x.yaml"  # where params/../../x.yaml lands from <temp_root>/fiscalrisk-verify-*/params
    target.write_bytes(SENTINEL)
    hostile = rewrite(bundle, tmp_path / "dotdot.zip", add=[("params/../../x.yaml", YAML)])
    err = refused(["verify", str(hostile)], capsys)
    assert "params/../../x.yaml" in err and ".." in err
    assert target.read_bytes() == SENTINEL


def test_absolute_entry_under_params_is_refused_and_writes_nothing(bundle, tmp_path, temp_root, commands, capsys):
    target = tmp_path / "outside" / "x.yaml"
    target.parent.mkdir()
    target.write_bytes(SENTINEL)
    created = tmp_path / "outside" / "new.yaml"
    name, new = f"params/{target}", f"params/{created}"  # params//.../x.yaml: an absolute path after params/
    assert name.startswith("params//")
    hostile = rewrite(bundle, tmp_path / "absolute.zip", add=[(name, YAML), (new, YAML)])
    err = refused(["verify", str(hostile)], capsys)
    assert name in err and "absolute" in err
    assert target.read_bytes() == SENTINEL
    assert not created.exists()


@pytest.mark.parametrize("name", ["params/link.yaml", "reports/330521/link"])
def test_symlink_entry_is_refused(bundle, tmp_path, temp_root, commands, capsys, name):
    target = tmp_path / "secret.yaml"
    target.write_bytes(SENTINEL)
    hostile = rewrite(bundle, tmp_path / "symlink.zip", add=[(symlink(name), str(target).encode())])
    err = refused(["verify", str(hostile)], capsys)
    assert name in err and "symbolic link" in err
    assert target.read_bytes() == SENTINEL
    assert not any(p.is_symlink() for p in temp_root.rglob("*"))


@pytest.mark.parametrize("name", [
    "params/sub/x.yaml",          # a sub-folder: the params folder is flat
    "params/notes.txt",           # not a .yaml file
    "params/.hidden.yaml",        # not NAME.yaml with a plain name
    "params/",                    # empty after params/
    "params\\..\\x.yaml",         # a backslash
    "C:/x.yaml",                  # a drive: absolute on Windows
])
def test_entry_that_is_not_a_plain_params_file_is_refused(bundle, tmp_path, temp_root, commands, capsys, name):
    hostile = rewrite(bundle, tmp_path / "odd.zip", add=[(name, YAML)])
    err = refused(["verify", str(hostile)], capsys)
    assert repr(name) in err or name in err
    assert "expected" in err
    assert list(temp_root.iterdir()) == []  # refused before any temporary folder was made


@pytest.mark.parametrize("kind", ["absolute", "dotdot", "nul", "missing", "not_a_list"])
def test_params_extra_naming_anything_but_a_bundled_params_file_is_refused(
        bundle, tmp_path, temp_root, commands, capsys, monkeypatch, kind):
    outside = temp_root / "x.yaml"  # what ../../x.yaml names from the temporary params folder
    outside.write_bytes(b"{}\n")
    extra = {"absolute": [str(outside)], "dotdot": ["../../x.yaml"], "nul": ["defaults.yaml\x00x"],
             "missing": ["extra-9-missing.yaml"], "not_a_list": str(outside)}[kind]
    hostile = with_extra(bundle, tmp_path / "extra.zip", extra)
    read: list[str] = []
    from fiscalrisk import params as params_module

    load_yaml = params_module.load_yaml
    monkeypatch.setattr(params_module, "load_yaml", lambda p: (read.append(str(p)), load_yaml(p))[1])
    err = refused(["verify", str(hostile)], capsys)
    assert "params.extra" in err and "expected" in err
    if kind != "nul":
        assert (str(extra[0]) if isinstance(extra, list) else extra) in err
    assert not any(Path(p).resolve() == outside.resolve() for p in read)


def test_params_extra_naming_a_bundled_params_file_is_accepted(bundle, tmp_path, commands, capsys):
    extra = [{"name": "extra-1-local.yaml", "data": b"{}\n"}]
    hostile = with_extra(bundle, tmp_path / "ok.zip", [e["name"] for e in extra],
                         add=[(f"params/{e['name']}", e["data"]) for e in extra])
    assert cli.main(["verify", str(hostile)]) == 0
    assert "identical" in capsys.readouterr().out


def test_entry_expanding_too_much_is_refused(bundle, tmp_path, temp_root, commands, capsys):
    ratio = InputLimits.from_params().max_compression_ratio
    hostile = rewrite(bundle, tmp_path / "bomb.zip", add=[("reports/330521/padding.bin", bytes(16 * 1024**2))])
    err = refused(["verify", str(hostile)], capsys)
    assert "reports/330521/padding.bin" in err and f"{ratio:g}" in err


def test_bundle_larger_than_the_limit_is_refused(bundle, tmp_path, temp_root, commands, capsys, monkeypatch):
    with zipfile.ZipFile(bundle) as z:
        total = sum(i.file_size for i in z.infolist())
    limit = total - 1
    monkeypatch.setattr(InputLimits, "from_params",
                        classmethod(lambda cls, params=None: cls(max_uncompressed_bytes=limit)))
    err = refused(["verify", str(bundle)], capsys)
    assert f"{limit:,}" in err and "bytes" in err
    with zipfile.ZipFile(bundle) as z:
        assert any(i.filename in err for i in z.infolist())


def test_command_line_refuses_without_traceback(bundle, tmp_path):
    root = tmp_path / "tmproot"
    root.mkdir()
    target = root / "x.yaml"
    target.write_bytes(SENTINEL)
    hostile = rewrite(bundle, tmp_path / "dotdot.zip", add=[("params/../../x.yaml", YAML)])
    exe = Path(sys.executable).with_name("fiscalrisk")
    argv = [str(exe)] if exe.is_file() else [sys.executable, "-m", "fiscalrisk.cli"]
    env = {**os.environ, "TMPDIR": str(root)}
    proc = subprocess.run([*argv, "verify", str(hostile)], capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "params/../../x.yaml" in proc.stderr
    assert target.read_bytes() == SENTINEL
