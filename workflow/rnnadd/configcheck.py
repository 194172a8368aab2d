"""Checks on the config files themselves, before they are merged.

YAML quietly keeps the last of two equal keys, so a repeated experiment or a
setting given twice would vanish without a word; this loader refuses them.
"""

from __future__ import annotations

import yaml


class _StrictLoader(yaml.SafeLoader):
    pass


def _mapping(loader, node, deep=False):
    seen = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise ValueError(
                f"{node.start_mark.name}, line {key_node.start_mark.line + 1}: key {key!r} appears twice "
                f"(first on line {seen[key] + 1}); YAML would silently keep only the last")
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def check_config_files(paths) -> None:
    for path in paths:
        with open(path) as handle:
            try:
                yaml.load(handle, Loader=_StrictLoader)
            except yaml.YAMLError as error:
                raise ValueError(f"{path}: not valid YAML ({error})") from None
