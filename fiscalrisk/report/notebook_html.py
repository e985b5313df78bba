"""A notebook as one HTML page that opens offline: its charts as inline SVG, nothing fetched.

nbconvert's ``lab`` template loads require.js, MathJax and Mermaid from cdnjs and, when the notebook
holds widget state, the widget manager from jsdelivr; an Altair chart drawn by the offline
``JupyterChart`` (:func:`fiscalrisk.report.charts.enable_offline_renderer`) is a widget, so a plain
export shows an empty box where the chart was. :class:`OfflineHTMLExporter` is the ``lab`` template
without those scripts, and without the widget outputs and the widget state (which only a live kernel
or the network could draw): the static rendition every chart of the notebooks carries beside the
interactive one (:func:`fiscalrisk.report.charts.show`) is what the page shows.

From the command line::

    jupyter nbconvert --to fiscalrisk.report.notebook_html.OfflineHTMLExporter notebooks/explore.ipynb

or in Python :func:`export_notebook`.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

from nbconvert import HTMLExporter

__all__ = ["OFFLINE_TEMPLATE", "OfflineHTMLExporter", "export_notebook", "notebook_html"]

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"

#: The lab template without its network scripts: require.js, the widget manager, MathJax, Mermaid.
OFFLINE_TEMPLATE = """\
{%- extends 'index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
"""

_TEMPLATE_NAME = "fiscalrisk_notebook_offline.html.j2"


class OfflineHTMLExporter(HTMLExporter):
    """nbconvert's HTML exporter (``lab`` template) for offline reading (see the module docstring)."""

    export_from_notebook = "HTML (offline)"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from jinja2 import DictLoader

        kwargs.setdefault("template_name", "lab")
        kwargs.setdefault("extra_loaders", [DictLoader({_TEMPLATE_NAME: OFFLINE_TEMPLATE})])
        kwargs.setdefault("template_file", _TEMPLATE_NAME)
        super().__init__(*args, **kwargs)

    def from_notebook_node(self, nb: Any, resources: Any = None, **kw: Any) -> tuple[str, dict[str, Any]]:
        return super().from_notebook_node(strip_widgets(nb), resources, **kw)


def strip_widgets(nb: Any) -> Any:
    """A copy of ``nb`` without widget outputs and widget state: a static page cannot draw them, and the
    state of an offline chart widget carries the whole Vega bundle (about 0.9 MB) for nothing."""
    nb = copy.deepcopy(nb)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        cell.outputs = [o for o in cell.get("outputs", [])
                        if not (o.get("output_type") in ("display_data", "execute_result")
                                and WIDGET_VIEW in o.get("data", {}))]
    return nb


def notebook_html(nb: Any, *, code: bool = True, title: str = "") -> str:
    """``nb`` (a notebook node or a path) as an offline HTML page; ``code=False`` leaves out the input
    cells and prompts (what ``--no-input`` does)."""
    import nbformat

    if isinstance(nb, (str, os.PathLike)):
        path = Path(nb)
        nb = nbformat.read(path, as_version=4)
        title = title or path.stem
    exporter = OfflineHTMLExporter(exclude_input=not code, exclude_input_prompt=not code,
                                   exclude_output_prompt=not code)
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title or "notebook"}})
    return body


def export_notebook(path: str | os.PathLike[str], out: str | os.PathLike[str] | None = None, *,
                    code: bool = True) -> Path:
    """Write ``path`` (an executed ``.ipynb``) as an offline HTML page: ``out``, by default beside it with
    the suffix ``.html``."""
    src = Path(path)
    target = Path(out) if out is not None else src.with_suffix(".html")
    target.write_text(notebook_html(src, code=code), encoding="utf-8")
    return target
