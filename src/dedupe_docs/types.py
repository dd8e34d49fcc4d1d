"""The small frozen records that flow between the stages and out of the library."""

from __future__ import annotations

from typing import Any, Literal

import attrs

Reason = Literal["duplicate", "repeat", "boilerplate"]
REASONS: tuple[Reason, ...] = ("duplicate", "repeat", "boilerplate")
Rule = Literal["passage", "short-copy", "template", "repeat", "reworded"]
RULES: dict[Rule, str] = {
    "passage": "a passage of at least min_tokens aligned tokens repeats earlier text",
    "short-copy": "a whole line or sentence shorter than a passage is a verified copy",
    "template": "a short line of a page template that recurs across many documents",
    "repeat": "a block equal to the block just before it",
    "reworded": "a passage of earlier text with its words shuffled, changed or replaced "
    '(reuse="paraphrase")',
}
"""The rule that removed a span (``reason`` says what it is, ``rule`` which test found it):
duplicates are passages, short copies or reworded passages, boilerplate is a page template."""


@attrs.frozen
class Document:
    """One input document. ``text`` is decoded exactly (no newline folding).

    ``path`` is the relative output path for text-file input, and for a record read from a file
    the relative path of that file (its shard); ``record`` holds the other fields of a
    JSONL/Parquet record so they can be written back untouched.
    """

    id: str
    text: str
    path: str | None = None
    record: dict[str, Any] | None = attrs.field(default=None, eq=False, repr=False)


@attrs.frozen
class SourceRef:
    """Where the text a removed span repeats lives: a document id and code-point offsets."""

    id: str
    start: int
    end: int
    batch: str | None = None  # the earlier batch of a persisted index that holds the source

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {"id": self.id, "start": self.start, "end": self.end}
        if self.batch is not None:
            out["batch"] = self.batch
        return out


@attrs.frozen
class Removal:
    """A removed range of the source text and why it was removed.

    Offsets are code points into the decoded source, end-exclusive.
    """

    start: int
    end: int
    reason: Reason
    source: SourceRef | None = None  # None for boilerplate
    similarity: float | None = None
    rule: Rule | None = None  # None only for provenance written before rules were recorded

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "start": self.start,
            "end": self.end,
            "reason": self.reason,
            "source": self.source.to_json() if self.source else None,
            "similarity": self.similarity,
        }
        if self.rule is not None:
            out["rule"] = self.rule
        return out


@attrs.frozen
class Kept:
    """A range of the source kept verbatim, and where it sits in the cleaned text."""

    start: int
    end: int
    out_start: int
    out_end: int

    def to_json(self) -> list[int]:
        return [self.start, self.end, self.out_start, self.out_end]


@attrs.frozen
class CleanedDocument:
    """The cleaned text of one document plus the provenance of every character."""

    id: str
    text: str
    length: int
    kept: tuple[Kept, ...]
    removed: tuple[Removal, ...]
    path: str | None = None
    record: dict[str, Any] | None = attrs.field(default=None, eq=False, repr=False)

    def provenance(self) -> dict[str, object]:
        """The provenance record of the output contract (one line of provenance.jsonl)."""
        return {
            "id": self.id,
            "length": self.length,
            "kept": [k.to_json() for k in self.kept],
            "removed": [r.to_json() for r in self.removed],
        }

    def removed_chars(self, reason: Reason | None = None) -> int:
        """How many source characters were removed (for one reason, or in all)."""
        return sum(r.end - r.start for r in self.removed if reason in (None, r.reason))
