"""Options from a TOML file (``dedupe-docs clean --config FILE.toml``).

Keys are :class:`~dedupe_docs.Config` field names (``min_tokens``) or the matching command-line
option names with dashes (``min-tokens``), plus the run options ``text-field``, ``id-field`` and
``dolma-attributes``. An unknown key is an error that names it. Options given explicitly on the
command line override the file.
"""

from __future__ import annotations

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
RUN_OPTIONS = frozenset({"text_field", "id_field", "dolma_attributes"})


def read_settings(path: str | Path) -> dict[str, Any]:
    """The options of a TOML file, keyed by Config field / run option name (underscores).

    A ``[clean]`` table, if present, is read instead of the top level, so one file can hold
    the options of several tools.
    """
    path = Path(path)
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
    for key, value in data.items():
        name = key.replace("-", "_")
        if name not in CONFIG_FIELDS | RUN_OPTIONS:
            known = ", ".join(sorted(k.replace("_", "-") for k in CONFIG_FIELDS | RUN_OPTIONS))
            raise ConfigError(f"{path}: unknown option {key!r} (known: {known})")
        if name in settings:
            raise ConfigError(f"{path}: option {key!r} is given twice")
        settings[name] = value
    return settings


def load_config(path: str | Path, base: Config | None = None) -> Config:
    """A Config with the options of a TOML file applied (run options are ignored here).

    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "dd.toml"
    >>> _ = f.write_text('min-tokens = 12\\nunit = "paragraph"\\n')
    >>> c = load_config(f)
    >>> c.min_tokens, c.unit
    (12, 'paragraph')
    """
    settings = read_settings(path)
    fields = {k: v for k, v in settings.items() if k in CONFIG_FIELDS}
    try:
        return (base or Config()).evolve(**fields)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc
