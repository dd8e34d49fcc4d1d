"""Every knob of the pipeline, with its default, in one validated place.

A bad value raises :class:`~dedupe_docs.errors.ConfigError` naming the option (its ``option``
attribute holds the field name, so the command line can name its own flag instead).
"""

from __future__ import annotations

import ast
import difflib
import functools
import itertools
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import attrs

from dedupe_docs.errors import ConfigError

Unit = Literal["line", "paragraph"]
Policy = Literal["first", "longest"]
Engine = Literal["local", "ray"]
Reuse = Literal["exact", "paraphrase"]


_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*", re.IGNORECASE)


def parse_size(size: int | str | None) -> int | None:
    """Bytes from a number or a size such as ``512M``, ``1.5G`` or ``2GiB`` (powers of 1024).

    >>> parse_size("1G"), parse_size("300MB"), parse_size(4096)
    (1073741824, 314572800, 4096)
    """
    if size is None or (isinstance(size, int) and not isinstance(size, bool)):
        return size
    match = _SIZE.fullmatch(str(size)) if isinstance(size, str) else None
    if not match:
        raise ConfigError(f"`max_memory`: not a size: {size!r} (such as 512M or 2G)", "max_memory")
    number, unit = match.groups()
    return int(float(number) * 1024 ** " kmgt".index(unit.lower() or " "))


Check = Callable[[Any, "attrs.Attribute[Any]", Any], None]


def _fail(attribute: attrs.Attribute[Any], message: str) -> None:
    raise ConfigError(f"`{attribute.name}` {message}", attribute.name)


def _integer(lo: int, hi: int | None = None) -> Check:
    """An int (not a bool, not a float) in ``[lo, hi]``."""

    def check(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if isinstance(value, bool) or not isinstance(value, int):
            _fail(attribute, f"must be a whole number (got {value!r})")
        if value < lo or (hi is not None and value > hi):
            _fail(attribute, f"must be {_bounds(lo, hi)} (got {value!r})")

    return check


def _number(lo: float, hi: float, *, above: bool = False) -> Check:
    """A real number in ``[lo, hi]`` (``(lo, hi]`` when ``above``)."""

    def check(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            _fail(attribute, f"must be a number (got {value!r})")
        if not (lo < value if above else lo <= value) or value > hi:
            low = f"above {lo}" if above else f"at least {lo}"
            _fail(attribute, f"must be {low} and at most {hi} (got {value!r})")

    return check


def _one_of(*choices: str) -> Check:
    def check(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value not in choices:
            near = difflib.get_close_matches(str(value), choices, n=1)
            hint = f"; did you mean {near[0]!r}?" if near else ""
            _fail(
                attribute, f"must be one of {', '.join(map(repr, choices))} (got {value!r}){hint}"
            )

    return check


def _flag(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, bool):
        _fail(attribute, f"must be true or false (got {value!r})")


def _folder(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and not isinstance(value, str):
        _fail(attribute, f"must be a folder path as a string (got {value!r})")


def _memory(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and value < 256 << 20:
        _fail(attribute, f"must be at least 256M (got {value:,} bytes)")


def _bounds(lo: int, hi: int | None) -> str:
    return f"between {lo} and {hi}" if hi is not None else f"at least {lo}"


@attrs.frozen(kw_only=True)
class Config:
    """Options of a cleaning run. Defaults favour keeping unique text over catching every copy."""

    shingle_size: int = attrs.field(default=5, validator=_integer(2, 32))
    """Tokens per shingle. Smaller finds shorter copies and more chance matches."""
    min_tokens: int = attrs.field(default=24, validator=_integer(1))
    """A duplicate passage must align at least this many tokens with its source."""
    threshold: float = attrs.field(default=0.9, validator=_number(0.0, 1.0))
    """Minimum similarity (rapidfuzz ratio on folded text, digits kept) to remove a block."""
    block_coverage: float = attrs.field(default=0.8, validator=_number(0.0, 1.0, above=True))
    """Share of a block's tokens that must be aligned to its source for it to be removed."""
    max_gap: int = attrs.field(default=30, validator=_integer(0))
    """Largest gap, in tokens, bridged inside one passage (a typo, a dropped sentence)."""
    unit: Unit = attrs.field(default="line", validator=_one_of("line", "paragraph"))
    """Block unit: a non-blank line, or a paragraph (text between blank lines)."""
    split_sentences: bool = attrs.field(default=True, validator=_flag)
    """Cut only the duplicate sentences out of a block that is partly a duplicate."""
    keep: Policy = attrs.field(default="first", validator=_one_of("first", "longest"))
    """Which copy survives: the first in corpus order, or the most complete one."""
    reuse: Reuse = attrs.field(default="exact", validator=_one_of("exact", "paraphrase"))
    """Copies to find: exact or noisy ones (typos, spacing), or also reworded ones (words
    shuffled, inserted, dropped or replaced: ``paraphrase``, in memory only)."""
    boilerplate_max_tokens: int = attrs.field(default=4, validator=_integer(0))
    """Blocks of at most this many tokens may be boilerplate (0 turns boilerplate off)."""
    boilerplate_min_docs: int = attrs.field(default=3, validator=_integer(2))
    """Documents a short block must stand in to be boilerplate (and ``boilerplate_min_share``
    of all documents)."""
    boilerplate_min_share: float = attrs.field(default=0.01, validator=_number(0.0, 1.0))
    """Share of all documents a short block must stand in to be boilerplate (chrome recurs on
    most pages of a site)."""
    jobs: int = attrs.field(default=1, validator=_integer(1))
    """Worker threads for reading, signing, the index, detection and decisions; the output is
    the same for any number."""
    engine: Engine = attrs.field(default="local", validator=_one_of("local", "ray"))
    """Where the stages run: threads on this machine, or Ray tasks (on the cluster at
    ``RAY_ADDRESS``, else on this machine); the output is the same."""
    work_dir: str | None = attrs.field(default=None, validator=_folder)
    """A folder for the signed batches (shared by all nodes with Ray): a rerun after a crash
    loads the batches already signed instead of signing them again."""

    max_memory: int | None = attrs.field(default=None, converter=parse_size, validator=_memory)
    """Memory to stay near, in bytes or as a size (512M, 2G): the corpus is cleaned in batches,
    with its corpus-wide arrays in files (in ``work_dir``, else beside the output); the output
    is the same. Without it, a run whose inputs look too large to clean in memory is bounded
    to half the memory available."""

    def __attrs_post_init__(self) -> None:
        if self.max_memory is not None and self.keep != "first":
            raise ConfigError(
                '`max_memory` needs `keep="first"` (keeping the longest turns passages around)',
                "max_memory",
            )
        if self.max_memory is not None and self.reuse != "exact":
            raise ConfigError(
                '`max_memory` needs `reuse="exact"` (reworded copies are found in memory)',
                "max_memory",
            )
        if self.max_memory is not None and self.engine != "local":
            raise ConfigError("`max_memory` runs on the local engine only", "max_memory")

    def evolve(self, **changes: Any) -> Config:
        """A copy with some options changed (validated like the original)."""
        unknown = sorted(set(changes) - {f.name for f in attrs.fields(Config)})
        if unknown:
            raise ConfigError(unknown_option(unknown[0]), unknown[0])
        return attrs.evolve(self, **changes)

    def to_json(self) -> dict[str, object]:
        return attrs.asdict(self)


_attrs_init = Config.__init__


@functools.wraps(_attrs_init)
def _init(self: Config, *args: Any, **options: Any) -> None:
    """Config's own ``__init__`` behind a check that turns Python's TypeError for a positional
    argument or an unknown option into a ConfigError that names it (and the nearest option)."""
    if args:
        msg = f"`Config` takes its options by name, such as Config(min_tokens=32) (got {args[0]!r})"
        raise ConfigError(msg)
    unknown = sorted(set(options) - {f.name for f in attrs.fields(Config)})
    if unknown:
        raise ConfigError(unknown_option(unknown[0]), unknown[0])
    _attrs_init(self, **options)


Config.__init__ = _init  # type: ignore[method-assign]


@functools.cache
def field_docs() -> dict[str, str]:
    """Each field's docstring (the string below it), on one line, read from this module's
    source (Python keeps no attribute docstrings): the command line's help is written once,
    here."""
    tree = ast.parse(Path(__file__).read_text(encoding="utf-8"))
    body = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Config").body
    return {
        field.target.id: " ".join(doc.value.value.split())
        for field, doc in itertools.pairwise(body)
        if isinstance(field, ast.AnnAssign) and isinstance(field.target, ast.Name)
        if isinstance(doc, ast.Expr) and isinstance(doc.value, ast.Constant)
        if isinstance(doc.value.value, str)
    }


def unknown_option(name: str) -> str:
    """The message for an option ``Config`` does not have, with the nearest one it has."""
    fields = [f.name for f in attrs.fields(Config)]
    near = difflib.get_close_matches(name, fields, n=1)
    return f"unknown option {name!r}" + (f"; did you mean {near[0]!r}?" if near else "")
