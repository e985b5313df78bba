"""The YAML files people write (params, rule sets, column mappings), read without anchors or aliases."""

from __future__ import annotations

from typing import Any

import yaml

__all__ = ["load_yaml_text"]


def load_yaml_text(text: str, kind: str = "params") -> Any:
    """``yaml.safe_load`` of a file people write (params, column mappings), refusing anchors and aliases.

    An alias repeats a subtree without its text, so a few lines can stand for billions of values ("billion
    laughs"); no params or mapping file needs one. The events are checked before anything is built: the
    first anchor or alias raises a :class:`yaml.MarkedYAMLError` whose ``problem`` is "<kind> files may not
    use YAML anchors/aliases" and whose ``problem_mark`` gives its line and column.
    """
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise yaml.composer.ComposerError(
                None, None, f"{kind} files may not use YAML anchors/aliases", event.start_mark
            )
    return yaml.safe_load(text)
