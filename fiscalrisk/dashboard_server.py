"""The dashboard's Voila server with a cap on kernels: ``python -m fiscalrisk.dashboard_server NOTEBOOK ...``.

``fiscalrisk dashboard`` starts this module instead of ``python -m voila``; it takes Voila's own
command line plus ``--DashboardVoila.max_kernels=N``.

Voila gives every page its own kernel (~350 MB with the dashboard loaded) and, unchanged, starts one
for every request: a client reloading the page, or a script, can start kernels until the machine
runs out of memory. Here:

* **At most** ``max_kernels`` **kernels exist at once** — kernels running, kernels starting, and the
  preheated spare (Voila's pool, ``--pool_size``) all count. The count is checked when a kernel is
  about to start (:meth:`pre_start_kernel`, which every start goes through, pooled or not), on the
  server's single event loop, so two requests cannot both take the last place.
* **The spare is reused, never over the cap**: a page takes the preheated kernel when there is one
  (Voila's pool); the pool refills only while there is room, and again as soon as a kernel is shut
  down (page closed, idle kernel culled, kernel died).
* **A page beyond the cap** gets HTTP 503 with a short bilingual "busy, try again in a minute" page
  (:data:`BUSY_PAGE`, ``Retry-After: 60``) at once, without starting anything.
* The access log goes through jupyter_server's ``log_request``, which masks the token in URLs.

Culling of idle kernels is Voila's (jupyter_server's ``MappingKernelManager.cull_*`` options, set by
``fiscalrisk dashboard``); the pooled spare is never culled.
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any

import tornado.web
from traitlets import Integer
from voila import app as voila_app
from voila.app import Voila
from voila.tornado.handler import TornadoVoilaHandler

__all__ = ["BUSY_PAGE", "KernelsBusy", "DashboardVoila", "capped_kernel_manager", "main"]

BUSY_PAGE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>驾驶舱繁忙 · Dashboard busy</title></head>
<body style="font-family: 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif; max-width: 40em; margin: 4em auto; padding: 0 1em; color: #1f2d3d">
<h1 style="font-size: 1.4em">驾驶舱繁忙，请一分钟后再试</h1>
<p>同时打开的驾驶舱页面已达上限。请稍候一分钟再刷新本页。</p>
<h1 lang="en" style="font-size: 1.4em">The dashboard is busy: try again in a minute</h1>
<p lang="en">It is already showing as many pages as it can at once. Please reload this page in a minute.</p>
</body></html>
"""


class KernelsBusy(RuntimeError):
    """A kernel would take the count over ``max_kernels`` (or the server is shutting down)."""


def capped_kernel_manager(base: type) -> type:
    """Voila's kernel manager class ``base`` (``VoilaKernelManager``, with the preheated pool) with the cap.

    Its parent (the :class:`DashboardVoila` app) gives ``max_kernels``.
    """

    class DashboardKernelManager(base):  # type: ignore[misc, valid-type]
        def __init__(self, **kwargs: Any) -> None:
            # Pool tasks that hold a place but have not started their kernel yet (the pool starts
            # them after a delay): counted, so that no other start can take their place meanwhile.
            self._unstarted: set[asyncio.Task[Any]] = set()
            self._closing = False
            super().__init__(**kwargs)  # fills the pool: needs the two attributes above

        @property
        def max_kernels(self) -> int:
            return max(1, int(getattr(self.parent, "max_kernels", 8)))

        def kernel_count(self) -> int:
            """Kernels running or starting, plus pool places waiting to start one."""
            # a start that failed stays in _pending_kernels with its task done: no process, no place
            starting = {kid for kid, task in self._pending_kernels.items() if not task.done()}
            return len(set(self._kernels) | starting) + len(self._unstarted)

        def pre_start_kernel(self, kernel_name: str | None, kwargs: Any) -> Any:
            # Every kernel start passes here, synchronously before the kernel is registered as
            # pending: the check and the registration cannot interleave with another request.
            if self._closing:
                raise KernelsBusy("the dashboard is shutting down")
            try:
                task = asyncio.current_task()
            except RuntimeError:
                task = None
            if task is not None and task in self._unstarted:
                self._unstarted.discard(task)  # its place becomes the kernel it starts now
            elif self.kernel_count() >= self.max_kernels:
                raise KernelsBusy(f"{self.kernel_count()} kernels already; the cap is {self.max_kernels}")
            return super().pre_start_kernel(kernel_name, kwargs)

        def fill_if_needed(self, delay: float | None = None, notebook_name: str | None = None,
                           **kwargs: Any) -> None:
            """Voila's pool refill, limited to the room under the cap."""
            if self._closing:
                return
            pool = self._pools.get(notebook_name, [])
            room = self.max_kernels - self.kernel_count()
            if room <= 0:
                self.log.info("Kernel pool of %s not refilled: %d kernels, the cap", notebook_name,
                              self.kernel_count())
                return
            before = set(pool)
            saved = self.kernel_pools_config
            default = dict(saved.get("default", {}))
            wanted = int(saved.get(notebook_name, default).get("pool_size", default.get("pool_size", 1)))
            if wanted - len(pool) > room:
                limit = len(pool) + room
                self.kernel_pools_config = {**saved, "default": {**default, "pool_size": limit},
                                            notebook_name: {**saved.get(notebook_name, default), "pool_size": limit}}
            try:
                super().fill_if_needed(delay=delay, notebook_name=notebook_name, **kwargs)
            finally:
                self.kernel_pools_config = saved
            for task in self._pools.get(notebook_name, []):
                if task not in before and not task.done():
                    self._unstarted.add(task)
                    task.add_done_callback(self._unstarted.discard)

        def remove_kernel(self, kernel_id: str) -> Any:
            km = super().remove_kernel(kernel_id)
            if km is not None and not self._closing and getattr(self, "notebook_path", None) is not None:
                # room again: refill the pool (after this step; shutdown_kernel is still unwinding)
                try:
                    asyncio.get_running_loop().call_soon(self._refill)
                except RuntimeError:
                    pass
            return km

        def _refill(self) -> None:
            if not self._closing and self.get_pool_size(self.notebook_path) == 0:
                self.fill_if_needed(notebook_name=self.notebook_path)

        async def wait_for_spare(self, notebook_name: str, timeout: float) -> None:
            """Wait (up to ``timeout`` s) for a pooled kernel that is still starting, if that is all
            there is: Voila hands a page the preheated kernel only once one has started, and would
            otherwise start another kernel for it."""
            pool = getattr(self, "_pools", {}).get(notebook_name) or []
            if pool and not self.notebook_data.get(notebook_name) and not pool[0].done():
                await asyncio.wait([pool[0]], timeout=timeout)

        async def shutdown_all(self, *args: Any, **kwargs: Any) -> None:
            self._closing = True
            await super().shutdown_all(*args, **kwargs)

    return DashboardKernelManager


class BusyAwareVoilaHandler(TornadoVoilaHandler):
    """Voila's page handler; a page that would take a kernel over the cap gets :data:`BUSY_PAGE`, 503."""

    @tornado.web.authenticated
    async def get(self, path: str | None = None) -> None:
        wait_for_spare = getattr(self.kernel_manager, "wait_for_spare", None)
        if not path and self.notebook_path and wait_for_spare is not None:
            await wait_for_spare(self.notebook_path, timeout=120)
        try:
            await super().get(path=path)
        except KernelsBusy as exc:
            if self._headers_written:
                raise
            self.log.warning("Page refused (HTTP 503): %s", exc)
            self.clear()
            self.set_status(503)
            self.set_header("Content-Type", "text/html; charset=UTF-8")
            self.set_header("Cache-Control", "no-store")
            self.set_header("Retry-After", "60")
            self.finish(BUSY_PAGE)


class DashboardVoila(Voila):
    """Voila with :func:`capped_kernel_manager` and :class:`BusyAwareVoilaHandler`."""

    max_kernels = Integer(8, config=True, help="Most kernels at once, the preheated spare included.")

    aliases = {**Voila.aliases, "max_kernels": "DashboardVoila.max_kernels"}

    def init_settings(self) -> dict[str, Any]:
        # Voila builds its kernel manager class (the preheated pool on top of the configured base)
        # inside init_settings with voila.app.voila_kernel_manager_factory; the cap subclasses the
        # class that factory returns, for this one call.
        make = voila_app.voila_kernel_manager_factory

        @functools.wraps(make)
        def factory(*args: Any, **kwargs: Any) -> type:
            return capped_kernel_manager(make(*args, **kwargs))

        voila_app.voila_kernel_manager_factory = factory
        try:
            settings = super().init_settings()
        finally:
            voila_app.voila_kernel_manager_factory = make
        from jupyter_server.log import log_request

        settings["log_function"] = functools.partial(log_request, record_prometheus_metrics=False)
        return settings

    def init_handlers(self) -> list[Any]:
        handlers = []
        for spec in super().init_handlers():
            if isinstance(spec, tuple) and len(spec) > 1 and spec[1] is TornadoVoilaHandler:
                spec = (spec[0], BusyAwareVoilaHandler, *spec[2:])
            handlers.append(spec)
        return handlers


def main(argv: list[str] | None = None) -> None:
    DashboardVoila.launch_instance(argv)


if __name__ == "__main__":
    main()
