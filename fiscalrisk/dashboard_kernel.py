"""The kernel the dashboard's pages run in: an IPython kernel whose errors stay on the server.

A browser talks to its kernel over a websocket and may send any widget (comm) message. In a stock
IPython kernel a message that makes widget code raise comes back to the browser with the full
traceback — frames, source lines, ``site-packages`` paths — by two roads:

* ipywidgets catches the exception and calls the shell's ``showtraceback``, which publishes an
  ``error`` message with the formatted traceback on IOPub, the channel every websocket of the kernel
  receives;
* everything written to ``sys.stderr`` (the ``logging`` records of the comm layer, "Exception opening
  comm with target …" with its traceback, warnings, ``print(file=sys.stderr)``) is forwarded to IOPub
  as a ``stream`` message, and with ``capture_fd_output`` so is anything written to file descriptor 2.

This kernel closes both: :class:`DashboardShell` writes the traceback to the kernel's real stderr (the
dashboard server's log) and publishes only :data:`SHORT_ERROR` in its place; ``sys.stderr`` is the
process's stderr (server log), not a stream to the browser; file descriptors are not captured.
``sys.stdout`` still reaches the page (it is how a notebook cell would print).

``fiscalrisk dashboard`` installs it as the kernelspec :data:`KERNEL_NAME` in its private Jupyter path
(:func:`write_kernelspec`) and names that kernelspec in the notebook it serves.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

__all__ = ["KERNEL_NAME", "SHORT_ERROR", "write_kernelspec", "main"]

KERNEL_NAME = "fiscalrisk-dashboard"
#: What a browser is told when kernel code raises; the details are in the server log.
SHORT_ERROR = "内部错误，详见服务器日志 / internal error; see the server log"

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")


def write_kernelspec(root: Path) -> Path:
    """Write the kernelspec :data:`KERNEL_NAME` under ``root/kernels`` (``root`` goes on ``JUPYTER_PATH``)."""
    target = root / "kernels" / KERNEL_NAME
    target.mkdir(parents=True, exist_ok=True)
    spec = {
        "argv": [sys.executable, "-m", "fiscalrisk.dashboard_kernel", "-f", "{connection_file}"],
        "display_name": "Python 3 (fiscalrisk dashboard)",
        "language": "python",
        "metadata": {"debugger": False},
        # the debugger is off; keep its start-up notice about frozen modules out of the server log
        "env": {"PYDEVD_DISABLE_FILE_VALIDATION": "1"},
    }
    (target / "kernel.json").write_text(json.dumps(spec, indent=1) + "\n", encoding="utf-8")
    return target


def _server_log(text: str) -> None:
    """Write to the kernel process's own stderr: the dashboard server's log, never a browser."""
    stream = sys.__stderr__
    if stream is not None:
        stream.write(text if text.endswith("\n") else text + "\n")
        stream.flush()


class InternalError(Exception):
    """The exception name a browser sees in place of the real one."""


def outstream(session: Any, pub_thread: Any, name: str, **kwargs: Any) -> Any:
    """The kernel's ``sys.stdout`` / ``sys.stderr`` (``IPKernelApp.outstream_class``).

    stdout goes to the front end as usual; stderr is the process's stderr, which the server logs.
    """
    if name == "stderr" and sys.__stderr__ is not None:
        return sys.__stderr__
    from ipykernel.iostream import OutStream

    return OutStream(session, pub_thread, name, **kwargs)


def _kernel_class() -> type:
    from ipykernel.ipkernel import IPythonKernel
    from ipykernel.zmqshell import ZMQInteractiveShell
    from traitlets import Type

    class DashboardShell(ZMQInteractiveShell):
        """Tracebacks to the server log; the front end gets :data:`SHORT_ERROR` only."""

        def _showtraceback(self, etype: type, evalue: BaseException, stb: list[str]) -> None:
            name = getattr(etype, "__name__", str(etype))
            detail = _ANSI.sub("", "\n".join(stb))
            _server_log(f"dashboard kernel: {name} (the browser was told: internal error)\n{detail}")
            super()._showtraceback(InternalError, SHORT_ERROR, [SHORT_ERROR])

    class DashboardKernel(IPythonKernel):
        shell_class = Type(DashboardShell)

    return DashboardKernel


def main(argv: list[str] | None = None) -> None:
    """``python -m fiscalrisk.dashboard_kernel -f CONNECTION_FILE`` (the kernelspec's command)."""
    # Like ipykernel_launcher: the working directory (the served notebook's) is not an import path.
    if sys.path and (sys.path[0] == "" or Path(sys.path[0]) == Path.cwd()):
        del sys.path[0]
    from ipykernel.kernelapp import IPKernelApp

    IPKernelApp.launch_instance(
        argv,
        kernel_class=_kernel_class(),
        outstream_class="fiscalrisk.dashboard_kernel.outstream",
        capture_fd_output=False,
    )


if __name__ == "__main__":
    main()
