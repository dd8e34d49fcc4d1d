"""Every knob of the pipeline, with its default, in one validated place."""

from __future__ import annotations

import re
from typing import Any, Literal

import attrs
from attrs import validators as v

Unit = Literal["line", "paragraph"]
Policy = Literal["first", "longest"]
Engine = Literal["local", "ray"]


_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*", re.IGNORECASE)


def parse_size(size: int | str | None) -> int | None:
    """Bytes from a number or a size such as ``512M``, ``1.5G`` or ``2GiB`` (powers of 1024).

    >>> parse_size("1G"), parse_size("300MB"), parse_size(4096)
    (1073741824, 314572800, 4096)
    """
    if size is None or isinstance(size, int):
        return size
    match = _SIZE.fullmatch(str(size))
    if not match:
        raise ValueError(f"not a size: {size!r} (such as 512M or 2G)")
    number, unit = match.groups()
    return int(float(number) * 1024 ** " kmgt".index(unit.lower() or " "))


@attrs.frozen(kw_only=True)
class Config:
    """Options of a cleaning run. Defaults favour keeping unique text over catching every copy."""

    shingle_size: int = attrs.field(default=5, validator=[v.ge(2), v.le(32)])
    """Tokens per shingle. Smaller finds shorter copies and more chance matches."""
    min_tokens: int = attrs.field(default=24, validator=v.ge(1))
    """A duplicate passage must align at least this many tokens with its source."""
    threshold: float = attrs.field(default=0.9, validator=[v.ge(0.0), v.le(1.0)])
    """Minimum similarity (rapidfuzz ratio on folded text, digits kept) to remove a block."""
    block_coverage: float = attrs.field(default=0.8, validator=[v.gt(0.0), v.le(1.0)])
    """Share of a block's tokens that must be aligned to its source for it to be removed."""
    max_gap: int = attrs.field(default=30, validator=v.ge(0))
    """Largest gap, in tokens, bridged inside one passage (a typo, a dropped sentence)."""
    unit: Unit = attrs.field(default="line", validator=v.in_(("line", "paragraph")))
    """Block unit: a non-blank line, or a paragraph (text between blank lines)."""
    split_sentences: bool = attrs.field(default=True, validator=v.instance_of(bool))
    """Cut only the duplicate sentences out of a block that is partly a duplicate."""
    keep: Policy = attrs.field(default="first", validator=v.in_(("first", "longest")))
    """Which copy survives: the first in corpus order, or the most complete one."""
    boilerplate_max_tokens: int = attrs.field(default=4, validator=v.ge(0))
    """Blocks of at most this many tokens may be boilerplate (0 turns boilerplate off)."""
    boilerplate_min_docs: int = attrs.field(default=3, validator=v.ge(2))
    """A short block is boilerplate when it stands in at least this many documents..."""
    boilerplate_min_share: float = attrs.field(default=0.01, validator=[v.ge(0.0), v.le(1.0)])
    """...and in at least this share of all documents (chrome recurs on most pages of a site)."""
    jobs: int = attrs.field(default=1, validator=v.ge(1))
    """Worker threads for signing, the index and verification."""
    engine: Engine = attrs.field(default="local", validator=v.in_(("local", "ray")))
    """Where the stages run: threads on this machine, or Ray tasks (a cluster)."""
    work_dir: str | None = attrs.field(default=None, validator=v.optional(v.instance_of(str)))
    """A folder for the signed batches (shared by all nodes with Ray): a rerun after a crash
    loads the batches already signed instead of signing them again."""

    max_memory: int | None = attrs.field(
        default=None, converter=lambda size: parse_size(size), validator=v.optional(v.ge(256 << 20))
    )
    """Bytes of memory to stay near: the corpus is cleaned in batches, with its corpus-wide
    arrays in files (in ``work_dir``, else beside the output). The output is the same."""

    def __attrs_post_init__(self) -> None:
        if self.max_memory is not None:
            from .spill import check

            check(self)

    def evolve(self, **changes: Any) -> Config:
        """A copy with some options changed (validated like the original)."""
        return attrs.evolve(self, **changes)

    def to_json(self) -> dict[str, object]:
        return attrs.asdict(self)
