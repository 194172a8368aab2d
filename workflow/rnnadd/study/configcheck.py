"""Checks on the config files themselves, and on the merged config's shape.

YAML quietly keeps the last of two equal keys, so a repeated experiment or a
setting given twice would vanish without a word; this loader refuses them.

The schema check reports one short line that starts with the offending key
(``defaults.learnig_rate: ...``) and says what is allowed, instead of
jsonschema's dump of the schema and the whole config.
"""

from __future__ import annotations

import functools
import io
import os

import yaml


# libyaml's loader where PyYAML has it (ten times faster, the same marks);
# Snakemake has already read each file with its own loader before this check.
class _StrictLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
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


def yaml_problem(path, error: yaml.YAMLError, text: str = "") -> str:
    """A YAML error in one line: the file, where, and what (a tab gets its own words)."""
    mark = getattr(error, "problem_mark", None)
    where = f"{path}, line {mark.line + 1}, column {mark.column + 1}" if mark is not None else str(path)
    problem = getattr(error, "problem", None) or str(error).strip().splitlines()[0]
    lines = text.splitlines()
    at = lines[mark.line][mark.column:mark.column + 1] if mark is not None and mark.line < len(lines) else ""
    if "'\\t'" in problem or at == "\t":  # libyaml's words do not show the character
        return f"{where}: not valid YAML: a tab character; YAML indents with spaces only"
    context = getattr(error, "context", None)
    return f"{where}: not valid YAML: {problem}" + (f" ({context})" if context else "")


def read_config_file(path, loader=yaml.SafeLoader) -> dict:
    """One config file as a mapping, or a ValueError whose message is one line naming the file.

    What Snakemake's own reading of ``--configfile`` ends in a traceback or a
    message without the file's name for: missing, a folder, binary, not YAML
    (a tab, an unclosed bracket), empty, or not a mapping (a list).
    """
    if not os.path.lexists(path):
        raise ValueError(f"{path}: no such config file")
    if os.path.isdir(path):
        raise ValueError(f"{path}: is a folder, not a config file")
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except UnicodeDecodeError:
        raise ValueError(f"{path}: not a text file (a config file is YAML or JSON)") from None
    except OSError as error:
        raise ValueError(f"{path}: cannot be read ({error.strerror})") from None
    if "\0" in text:
        raise ValueError(f"{path}: not a text file (a config file is YAML or JSON)")
    try:
        stream = io.StringIO(text)
        stream.name = str(path)  # so that a mark names the file
        value = yaml.load(stream, Loader=loader)
    except yaml.YAMLError as error:
        raise ValueError(yaml_problem(path, error, text)) from None
    if value is None:
        raise ValueError(f"{path}: is empty; a config file is a mapping of keys such as seeds, experiments")
    if not isinstance(value, dict):
        raise ValueError(f"{path}: holds a {type(value).__name__}, not a mapping of keys (seeds, experiments, ...)")
    return value


def check_config_files(paths) -> None:
    """Each file readable as a mapping, with no key given twice; ValueError naming the file."""
    for path in paths:
        read_config_file(path, loader=_StrictLoader)


def _key(parts) -> str:
    """``defaults.lr``, ``seeds[0]``, ``experiments.fig06_lr.sweep.lr[2]``."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _schema_message(error) -> str:
    where = _key(error.absolute_path)
    if error.validator == "additionalProperties" and error.validator_value is False:
        allowed = list(error.schema.get("properties", {}))
        extra = sorted(str(k) for k in error.instance if k not in allowed)[0]
        key = f"{where}.{extra}" if where else extra
        return f"{key}: unknown key ({extra!r} was unexpected); allowed keys are: {', '.join(allowed)}"
    if "propertyNames" in error.schema_path:
        # The error is about a key of the mapping at `where`, not a value.
        key = f"{where}.{error.instance}" if where else str(error.instance)
        hint = error.schema.get("description")
        return f"{key}: name not allowed, {error.message}" + (f" ({hint})" if hint else "")
    return f"{where or 'config'}: {error.message}"


@functools.lru_cache(maxsize=4)
def _validator(schema_path: str, modified_ns: int):
    import jsonschema

    with open(schema_path) as handle:
        return jsonschema.Draft202012Validator(yaml.load(handle, Loader=_StrictLoader))


def check_schema(config, schema_path) -> None:
    """Validate the merged config against the JSON schema; raise ValueError naming the key."""
    import jsonschema

    # Read once per process (the tests check many configs), again if the file changes.
    validator = _validator(str(schema_path), os.stat(schema_path).st_mtime_ns)
    error = jsonschema.exceptions.best_match(validator.iter_errors(config))
    if error is not None:
        raise ValueError(_schema_message(error))


# Free text: a title such as "2024" stays a string.
_TEXT_KEYS = {"title", "caption", "label", "labels"}


def command_line_values(values, key=None):
    """`--config` values read as YAML in a file would be.

    Snakemake reads `--config seeds=[0]` with YAML's base loader, which keeps
    every scalar a string (['0']); mappings are merged key by key into the
    config, lists replace. This turns each such string into what the same
    text means in a config file (0, 0.01, true), except free text.
    """
    if key in _TEXT_KEYS:
        return values
    if isinstance(values, dict):
        return {k: command_line_values(v, k) for k, v in values.items()}
    if isinstance(values, list):
        return [command_line_values(v) for v in values]
    if isinstance(values, str) and values:
        try:
            parsed = yaml.safe_load(values)
        except yaml.YAMLError:
            return values
        if isinstance(parsed, (bool, int, float)) or parsed is None:
            return parsed
    return values
