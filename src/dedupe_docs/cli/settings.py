"""Options from a TOML file (``dedupe-docs clean --config FILE.toml``).

Keys are :class:`~dedupe_docs.Config` field names (``min_tokens``) or the matching command-line
option names with dashes (``min-tokens``), plus the run options ``text-field``, ``id-field``,
``encoding``, ``dolma-attributes``, ``drop-empty``, ``output-parts`` and ``storage-options`` (a
table). An unknown key is an error that names
it. Options given explicitly on the command line override the file.
"""

from __future__ import annotations

import difflib
import re
import sys
from pathlib import Path
from typing import Any

import attrs

from dedupe_docs.config import Config
from dedupe_docs.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

CONFIG_FIELDS = frozenset(f.name for f in attrs.fields(Config))
_OPTION = re.compile(r"`(\w+)(?:=(\w+|\"[^\"]*\"|'[^']*'))?`")
"""An option named in a library message: `` `max_memory` `` or `` `keep="first"` ``."""
RUN_OPTIONS = frozenset(
    {
        "text_field",
        "id_field",
        "encoding",
        "dolma_attributes",
        "drop_empty",
        "output_parts",
        "storage_options",
    }
)


def read_settings(path: str | Path) -> dict[str, Any]:
    """The options of a TOML file, keyed by Config field / run option name (underscores).

    A ``[clean]`` table, if present, is read instead of the top level, so one file can hold
    the options of several tools.
    """
    return _read(Path(path))[0]


def _read(path: Path) -> tuple[dict[str, Any], dict[str, str]]:
    """:func:`read_settings`, and each option's key as the file writes it (``min-tokens`` or
    ``min_tokens``), by which its errors name it."""
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except OSError as exc:
        raise ConfigError(f"{path}: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    if isinstance(data.get("clean"), dict):
        data = data["clean"]
    settings: dict[str, Any] = {}
    keys: dict[str, str] = {}
    for key, value in data.items():
        name = key.replace("-", "_")
        if name not in CONFIG_FIELDS | RUN_OPTIONS:
            raise ConfigError(f"{path}: unknown option {key!r}{_nearest(key)}")
        if name in settings:
            raise ConfigError(f"{path}: option {key!r} is given twice")
        _check_run_option(path, name, key, value)
        settings[name], keys[name] = value, key
    return settings, keys


def _nearest(key: str) -> str:
    """``; did you mean 'min-tokens'?`` for the known option nearest ``key``, spelt with
    underscores where ``key`` is, else with dashes; else the list of options."""
    sep = "_" if "_" in key else "-"
    known = sorted(k.replace("_", sep) for k in CONFIG_FIELDS | RUN_OPTIONS)
    near = difflib.get_close_matches(key.replace("-", "_").replace("_", sep), known, n=1)
    return f"; did you mean {near[0]!r}?" if near else f" (known: {', '.join(known)})"


def _as_written(message: str, keys: dict[str, str]) -> str:
    """``message`` with each option it names in backquotes (`` `max_memory` ``,
    `` `keep="first"` ``) spelt as the file writes its key (``max-memory``,
    ``keep = "first"``): a message about the file names what the user wrote there."""

    def key(match: re.Match[str]) -> str:
        name, value = match.groups()
        written = keys.get(name, name)
        return written if value is None else f"{written} = {value}"

    return _OPTION.sub(key, message)


def _check_run_option(path: Path, name: str, flag: str, value: Any) -> None:
    """Refuse a run option of the wrong TOML type (Config checks its own fields); ``flag`` is
    its key as the file writes it."""
    if name in ("text_field", "id_field", "encoding") and not isinstance(value, str):
        raise ConfigError(f"{path}: {flag} must be a string (got {value!r})", name)
    if name in ("dolma_attributes", "drop_empty") and not isinstance(value, bool):
        raise ConfigError(f"{path}: {flag} must be true or false (got {value!r})", name)
    if name == "output_parts" and (
        isinstance(value, bool) or not isinstance(value, int) or value < 1
    ):
        raise ConfigError(
            f"{path}: {flag} must be a whole number of 1 or more (got {value!r})", name
        )
    if name == "storage_options" and not isinstance(value, dict):
        raise ConfigError(f"{path}: {flag} must be a table (got {value!r})", name)


def load_config(path: str | Path, base: Config | None = None) -> Config:
    """A Config with the options of a TOML file applied (run options are ignored here).

    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "dd.toml"
    >>> _ = f.write_text('min-tokens = 12\\nunit = "paragraph"\\n')
    >>> c = load_config(f)
    >>> c.min_tokens, c.unit
    (12, 'paragraph')
    """
    settings, keys = _read(Path(path))
    fields = {k: v for k, v in settings.items() if k in CONFIG_FIELDS}
    try:
        return (base or Config()).evolve(**fields)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{path}: {_as_written(str(exc), keys)}") from exc
