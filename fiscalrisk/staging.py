"""Staged writes of an output folder: one lock, recovery, leftovers, the swap, a path guard, a full disk.

Every command that writes an output folder ``X`` (``fiscalrisk scan --out X``, ``report --out X``,
``sample --out X``) goes through :class:`StagedOutput`, in this order:

1. **Lock.** ``fcntl.flock`` (exclusive, non-blocking) on the lock file ``.X.lock`` beside ``X``, which
   holds the holder's PID and command line. A second run does not wait: it stops at once with a
   :class:`~fiscalrisk.errors.UserError` naming the folder and the PID holding it (the command line
   exits 2), so a cron job never queues behind a stuck run and the operator knows whom to ask. The
   lock is held until the new output is in place (or the staged write failed) and the lock file is
   then removed; one left by a killed run is harmless (the kernel released its lock) and is reused.
2. **Recovery.** If ``X`` is missing and ``.X.old-<PID>`` folders exist (a run killed between the two
   renames of the swap), the newest is renamed back to ``X``, and a line on stderr says so.
3. **Cleaning.** Leftovers of dead runs beside ``X`` are removed: ``.X.tmp-<PID>``,
   ``.X.partial-<PID>`` and ``.X.old-<PID>`` whose PID is not a running process (or is this process),
   and, for writers that ask for it, the ``.X.<8 characters>`` folders of the older ``mkdtemp``
   staging that the writer recognises. Nothing with another name is ever touched.
4. **Check.** The writer's own check of ``X`` (e.g. refuse to replace a folder that is not a previous
   output), now that no other run can change it.
5. **Stage.** The writer fills ``.X.<kind>-<PID>``; :meth:`StagedOutput.commit` swaps it in with two
   renames (``X → .X.old-<PID>``, stage ``→ X``) and removes the old one last. A failure removes the
   stage and leaves the previous ``X`` as it was.

A full disk (``ENOSPC``, ``EDQUOT``) while staging becomes :class:`DiskFullError`, a user error
"the disk is full: could not write X": the stage is removed and the previous output stays intact.

:func:`safe_child` joins a name taken from data (a region or unit code) onto an output folder, and
refuses names that are not codes (:data:`fiscalrisk.data.limits.SAFE_CODE`) or would leave the folder.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import shlex
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from fiscalrisk.errors import UserError

__all__ = [
    "STAGE_KINDS",
    "DiskFullError",
    "OutputBusyError",
    "StagedOutput",
    "UnsafeNameError",
    "check_code",
    "clean_leftovers",
    "disk_full_message",
    "is_disk_full",
    "lock_path",
    "recover",
    "safe_child",
    "swap_into_place",
]

#: Kinds of hidden sibling folders a writer may leave beside its output: ``tmp`` (scan, sample),
#: ``partial`` (report) — the stages — and ``old`` (the previous output during the swap).
STAGE_KINDS = ("tmp", "partial", "old")
_DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT})
_MKDTEMP_NAME = re.compile(r"[a-z0-9_]{8}")  # tempfile.mkdtemp's random part


class DiskFullError(UserError):
    """The disk (or the user's quota) is full: the output could not be written; the previous one is kept."""

    def __init__(self, folder: str | os.PathLike[str], errno_: int = errno.ENOSPC) -> None:
        self.folder = Path(folder)
        self.errno = errno_
        super().__init__(f"the disk is full: could not write {self.folder} (the previous output, if any, "
                         "is unchanged; free some space and run again)")


class OutputBusyError(UserError):
    """Another run holds the output folder's lock."""


class UnsafeNameError(UserError):
    """A name taken from data cannot name a file or folder under the output."""


# ------------------------------------------------------------------------------------ path guard
def check_code(name: object, what: str = "code") -> str:
    """``name`` if it is a code that can name a file or folder (``SAFE_CODE``); else :class:`UnsafeNameError`."""
    # imported here: the command line starts without loading pandas
    from fiscalrisk.data.limits import SAFE_CODE, SAFE_CODE_TEXT

    if not isinstance(name, str) or not SAFE_CODE.fullmatch(name):
        raise UnsafeNameError(f"{what} {name!r} cannot name a file or folder: expected {SAFE_CODE_TEXT}")
    return name


def safe_child(root: str | os.PathLike[str], name: object, what: str = "code") -> Path:
    """``root / name`` for a name taken from data, refused unless it is a code staying inside ``root``.

    Raises :class:`UnsafeNameError` (a user error) when ``name`` is not ``[A-Za-z0-9_-]{1,64}`` or
    the resolved path (symbolic links followed) is not strictly inside the resolved ``root``.
    """
    code = check_code(name, what)
    base = Path(root)
    child = base / code
    resolved_root = base.resolve()
    resolved = child.resolve()
    if resolved == resolved_root or not resolved.is_relative_to(resolved_root):
        raise UnsafeNameError(f"{what} {code!r} would write outside {base} (to {resolved}); refused")
    return child


# ------------------------------------------------------------------------------------ full disk
def is_disk_full(exc: BaseException | None) -> bool:
    """Whether ``exc`` (or an exception it was raised from) says the disk or the quota is full."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, DiskFullError):
            return True
        if isinstance(exc, OSError):
            if exc.errno in _DISK_FULL:
                return True
            # some writers (pyarrow) raise an OSError without errno, with the system's message
            if exc.errno is None and any(os.strerror(n) in str(exc) for n in _DISK_FULL):
                return True
        exc = exc.__cause__ or exc.__context__
    return False


def disk_full_message(exc: BaseException, folder: str | os.PathLike[str] | None = None) -> str:
    """The user-facing message for a full disk: "the disk is full: could not write <folder>"."""
    if isinstance(exc, DiskFullError):
        return str(exc)
    where = folder if folder is not None else getattr(exc, "filename", None)
    return f"the disk is full: could not write {where if where else 'the output'}"


def _errno_of(exc: BaseException) -> int:
    while exc is not None:
        if isinstance(exc, OSError) and exc.errno in _DISK_FULL:
            return int(exc.errno)
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    return errno.ENOSPC


# ------------------------------------------------------------------------------------------ lock
def lock_path(out: str | os.PathLike[str]) -> Path:
    """The lock file of the output folder ``out``: ``.X.lock`` beside it."""
    out = Path(out)
    return out.parent / f".{out.name}.lock"


def _holder(path: Path) -> tuple[str, str]:
    """(PID, command) written in a lock file, as far as they can be read."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = f.read(4096).splitlines()
    except OSError:
        lines = []
    pid = lines[0].strip() if lines and lines[0].strip().isdigit() else "unknown"
    command = lines[1].strip() if len(lines) > 1 else ""
    return pid, command


class _Lock:
    """An exclusive ``flock`` on ``.X.lock``, taken without waiting; the file is removed on release."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.path = lock_path(out)
        self.fd: int | None = None

    def acquire(self) -> None:
        for _ in range(20):
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o644)
            except OSError as exc:
                if exc.errno != errno.ELOOP:
                    raise
                raise UserError(f"{self.path} (the lock of {self.out}) is a symbolic link; "
                                "remove it and run again") from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                pid, command = _holder(self.path)
                raise OutputBusyError(
                    f"{self.out} is being written by another run (PID {pid}"
                    + (f": {command}" if command else "")
                    + f"); its lock is {self.path}. Wait for it to finish (or stop it), then run again"
                ) from None
            except BaseException:
                os.close(fd)
                raise
            # the holder before us may have removed the file after we opened it: lock the file in place
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(self.path, follow_symlinks=False))
            except FileNotFoundError:
                same = False
            if not same:
                os.close(fd)
                continue
            self.fd = fd
            try:
                command = " ".join(shlex.quote(a) for a in sys.argv)[:1000]
                os.ftruncate(fd, 0)
                os.write(fd, f"{os.getpid()}\n{command}\n".encode("utf-8", "replace"))
            except BaseException:
                self.release()
                raise
            return
        raise OutputBusyError(f"{self.out}: could not take its lock {self.path} (it keeps being replaced)")

    def release(self) -> None:
        fd, self.fd = self.fd, None
        if fd is None:
            return
        with contextlib.suppress(OSError):
            if os.path.samestat(os.fstat(fd), os.stat(self.path, follow_symlinks=False)):
                self.path.unlink()
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


# ----------------------------------------------------------------------------- leftovers, recovery
def _leftover_pattern(out: Path) -> re.Pattern[str]:
    return re.compile(rf"\.{re.escape(out.name)}\.({'|'.join(STAGE_KINDS)})-([0-9]{{1,10}})")


def _pid_running(pid: int) -> bool:
    """Whether ``pid`` is a running process other than this one (a leftover of this process can go)."""
    if pid <= 0 or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    except (OverflowError, ValueError, OSError):
        return False
    return True


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def _leftovers(out: Path) -> list[tuple[str, int, Path]]:
    """(kind, PID, path) of every ``.X.<kind>-<PID>`` beside ``out``."""
    pattern = _leftover_pattern(out)
    found = []
    with contextlib.suppress(FileNotFoundError):
        for entry in out.parent.iterdir():
            m = pattern.fullmatch(entry.name)
            if m:
                found.append((m.group(1), int(m.group(2)), entry))
    return sorted(found, key=lambda t: t[2].name)


def recover(out: str | os.PathLike[str], *, log: Callable[[str], None] | None = None) -> Path | None:
    """If ``out`` is missing and ``.X.old-*`` folders exist, rename the newest back to ``out``.

    Run under the lock. Returns the folder restored from, or None. The newest is the one modified
    last (ties: the higher PID).
    """
    out = Path(out)
    if out.exists() or out.is_symlink():
        return None
    olds = [(p.stat().st_mtime_ns, pid, p) for kind, pid, p in _leftovers(out)
            if kind == "old" and p.is_dir() and not p.is_symlink()]
    if not olds:
        return None
    _, _, newest = max(olds)
    newest.rename(out)
    (log or _stderr)(f"fiscalrisk: {out} was missing after an interrupted run; restored the previous "
                     f"output from {newest.name}")
    return newest


def clean_leftovers(out: str | os.PathLike[str], *,
                    legacy: Callable[[Path], bool] | None = None) -> list[Path]:
    """Remove the leftovers of dead runs beside ``out``; returns what was removed.

    ``.X.tmp-<PID>``, ``.X.partial-<PID>``, ``.X.old-<PID>`` whose PID is not a running process (or is
    this process); with ``legacy``, also the ``.X.<8 characters of mkdtemp>`` folders for which
    ``legacy(folder)`` is true. Run under the lock; nothing else is touched.
    """
    out = Path(out)
    removed: list[Path] = []
    for _, pid, path in _leftovers(out):
        if not _pid_running(pid):
            _remove(path)
            removed.append(path)
    if legacy is not None:
        prefix = f".{out.name}."
        with contextlib.suppress(FileNotFoundError):
            for entry in sorted(out.parent.iterdir()):
                rest = entry.name[len(prefix):] if entry.name.startswith(prefix) else ""
                if (_MKDTEMP_NAME.fullmatch(rest) and entry.is_dir() and not entry.is_symlink()
                        and legacy(entry)):
                    shutil.rmtree(entry)
                    removed.append(entry)
    return removed


def swap_into_place(stage: str | os.PathLike[str], out: str | os.PathLike[str]) -> None:
    """Replace ``out`` by the complete ``stage`` with two renames (the old one removed last).

    If the second rename fails, the previous ``out`` is put back. A run killed between the two
    renames leaves ``.X.old-<PID>``, which the next run restores (:func:`recover`).
    """
    stage, out = Path(stage), Path(out)
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    if old.exists() or old.is_symlink():
        _remove(old)
    if out.exists() or out.is_symlink():
        out.rename(old)
    try:
        stage.rename(out)
    except BaseException:
        if (old.exists() or old.is_symlink()) and not (out.exists() or out.is_symlink()):
            old.rename(out)
        raise
    with contextlib.suppress(OSError):
        _remove(old)


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)


# ----------------------------------------------------------------------------------- the write
class StagedOutput:
    """One staged write of the output folder ``out`` (see the module docstring).

    As a context manager (scan, sample)::

        with StagedOutput(out, kind="tmp", check=check) as stage:
            ...write the files into stage...
        # swapped into place on a normal exit; removed, previous output kept, on an exception

    or step by step (report): ``stage = s.open()``, then ``s.commit()``, or ``s.abort(exc)`` in an
    ``except`` block followed by ``raise`` (``abort`` raises :class:`DiskFullError` itself for a full disk).

    ``check(out)`` runs under the lock after recovery and cleaning, before the stage is made.
    ``legacy(folder)`` says whether a ``.X.<mkdtemp name>`` folder is a leftover of the writer.
    """

    def __init__(self, out: str | os.PathLike[str], *, kind: str = "tmp",
                 check: Callable[[Path], object] | None = None,
                 legacy: Callable[[Path], bool] | None = None) -> None:
        if kind not in STAGE_KINDS or kind == "old":
            raise ValueError(f"StagedOutput: kind must be 'tmp' or 'partial', got {kind!r}")
        self.out = Path(out)
        self.kind = kind
        self.check = check
        self.legacy = legacy
        self.stage: Path | None = None
        self._lock: _Lock | None = None

    def open(self) -> Path:
        """Lock, recover, clean, check, and make the empty stage folder; returns it."""
        if self._lock is not None:
            raise RuntimeError("StagedOutput: already open")
        lock = _Lock(self.out)
        try:
            self.out.parent.mkdir(parents=True, exist_ok=True)
            lock.acquire()
            recover(self.out)
            clean_leftovers(self.out, legacy=self.legacy)
            if self.check is not None:
                self.check(self.out)
            stage = self.out.parent / f".{self.out.name}.{self.kind}-{os.getpid()}"
            stage.mkdir()
        except BaseException as exc:
            lock.release()
            if is_disk_full(exc) and not isinstance(exc, DiskFullError):
                raise DiskFullError(self.out, _errno_of(exc)) from exc
            raise
        self._lock, self.stage = lock, stage
        return stage

    def commit(self) -> Path:
        """Swap the complete stage into place and release the lock; returns ``out``."""
        if self.stage is None or self._lock is None:
            raise RuntimeError("StagedOutput: commit without open")
        swap_into_place(self.stage, self.out)
        self.stage = None
        self._release()
        return self.out

    def abort(self, exc: BaseException | None = None) -> None:
        """Remove the stage and release the lock; for a full disk, raise :class:`DiskFullError` from ``exc``."""
        if self.stage is not None:
            shutil.rmtree(self.stage, ignore_errors=True)
            self.stage = None
        self._release()
        if exc is not None and is_disk_full(exc):
            if isinstance(exc, DiskFullError) and exc.folder == self.out:
                return
            raise DiskFullError(self.out, _errno_of(exc)) from exc

    def _release(self) -> None:
        lock, self._lock = self._lock, None
        if lock is not None:
            lock.release()

    def __enter__(self) -> Path:
        return self.open()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if exc is None:
            try:
                self.commit()
            except BaseException as failure:
                self.abort(failure)
                raise
        else:
            self.abort(exc)
