"""Numbered output parts (``output_parts=N``): every document's record in one of N part files,
``clean/part-00000.jsonl`` to ``clean/part-<N-1>.jsonl``, as datatrove and Spark write theirs, so
that a reader given the folder (``pyarrow.dataset``, ``datasets.load_dataset``) sees one
dataset.

**Boundaries.** The documents are split in corpus order into N contiguous parts by count, the
way ``datasets.Dataset.shard(n, i, contiguous=True)`` splits: of D documents, part i holds
documents ``i * (D // N) + min(i, D % N)`` on, the first ``D % N`` parts one more than the others.
By count, not by size: the boundaries then depend only on the number of documents read, not
on what cleaning removed, so every engine and driver (in memory, ``max_memory``, Ray) cuts the
same parts, and the provenance of part i is the run of lines its ``first`` and ``documents``
give in ``report.json`` ``parts``. A document that ``drop_empty`` does not write still counts
for the boundaries. All N parts are written, an empty one too.

**Format.** The parts take the format of the records read: JSON lines with the inputs'
compression (``.gz``, ``.zst`` or ``.bz2`` when they all share it, else none), or Parquet with
the inputs' schema when every input is Parquet of one schema. Inputs of both formats cannot
share parts (a Parquet column type may have no JSON form). A document read from a text file,
or given in memory without a record, is written as ``{"id": ..., "text": ...}`` (the run's id
and text field names).

**Provenance** stays one file, ``provenance.jsonl``, line n for document n: the commands that
read a run back (``explain``, ``report``) and the HTML report read it whole, and a part's lines
are found from ``report.json``. Dolma attributes, which Dolma pairs with documents file by file,
go to matching parts, ``attributes/dedupe_docs/part-00000.jsonl``.
"""

from __future__ import annotations

import bisect
import contextlib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

import attrs

from dedupe_docs.errors import OutputError
from dedupe_docs.formats.records import (
    RecordLayout,
    dolma_attributes,
    parquet_schema,
    record_writer,
)
from dedupe_docs.formats.shards import ATTRIBUTES, COMPRESSIONS, Shard
from dedupe_docs.runtime import storage
from dedupe_docs.runtime.remote import RemotePath
from dedupe_docs.types import CleanedDocument

PART_DIGITS = 5


def part_bounds(n_docs: int, n_parts: int) -> list[int]:
    """The first document of each part, then the number of documents: part i holds documents
    ``bounds[i]`` to ``bounds[i + 1] - 1``.

    >>> part_bounds(10, 3), part_bounds(2, 4)
    ([0, 4, 7, 10], [0, 1, 2, 2, 2])
    """
    div, mod = divmod(n_docs, n_parts)
    return [i * div + min(i, mod) for i in range(n_parts + 1)]


def part_name(i: int, layout: RecordLayout, n: int = 1) -> str:
    """The file name of part ``i`` of ``n`` in ``layout``'s format: five digits, or as many as
    the last part needs, so that the names sort in part order.

    >>> part_name(3, RecordLayout("jsonl", suffix=".zst")), part_name(0, RecordLayout("parquet"))
    ('part-00003.jsonl.zst', 'part-00000.parquet')
    >>> part_name(7, RecordLayout(), 200_000)
    'part-000007.jsonl'
    """
    ext = ".parquet" if layout.kind == "parquet" else f".jsonl{layout.suffix}"
    digits = max(PART_DIGITS, len(str(n - 1)))
    return f"part-{i:0{digits}d}{ext}"


class PartsPlan:
    """How a run's records are cut into ``n`` parts: the boundaries, once ``total()`` (the
    number of documents read) is known, and the format, once the shards read are known (both
    are, by the time the first cleaned document is written)."""

    def __init__(
        self,
        n: int,
        total: Callable[[], int],
        layout: RecordLayout,
        shards: Mapping[str, Sequence[Shard]],
        id_field: str,
    ) -> None:
        self.n, self.total, self.base, self.shards = n, total, layout, shards
        self.id_field = id_field
        self._bounds: list[int] | None = None
        self._layout: RecordLayout | None = None

    @property
    def bounds(self) -> list[int]:
        if self._bounds is None:
            self._bounds = part_bounds(self.total(), self.n)
        return self._bounds

    @property
    def layout(self) -> RecordLayout:
        if self._layout is None:
            self._layout = self._choose()
        return self._layout

    def _choose(self) -> RecordLayout:
        if not self.base.shards:  # one records file (its format), or no file at all
            return attrs.evolve(self.base, shards=False)
        read = {str(s.path): s for group in self.shards.values() for s in group}
        kinds = {s.kind for s in read.values()}
        if not read:
            return RecordLayout()
        if kinds == {"parquet"}:
            files = sorted(read)
            schema = parquet_schema(read[files[0]].path)
            for name in files[1:]:
                other = parquet_schema(read[name].path)
                if not other.equals(schema, check_metadata=False):
                    msg = f"{name}: its Parquet schema differs from that of {files[0]}"
                    raise OutputError(f"{msg}; `output_parts` writes one schema (clean them apart)")
            return RecordLayout("parquet", schema=schema)
        if "parquet" in kinds:
            msg = "the inputs hold Parquet and JSON lines shards; `output_parts` writes one format"
            raise OutputError(f"{msg} (clean them in two runs)")
        suffixes = {next((c for c in COMPRESSIONS if s.rel.endswith(c)), "") for s in read.values()}
        return RecordLayout("jsonl", suffix=suffixes.pop() if len(suffixes) == 1 else "")

    def name(self, i: int) -> str:
        return part_name(i, self.layout, self.n)

    def describe(self) -> list[dict[str, Any]]:
        """What ``report.json`` ``parts`` lists: each part's file, its first document (its
        first line in ``provenance.jsonl``, from 0) and how many documents it holds."""
        b = self.bounds
        return [
            {"file": f"clean/{self.name(i)}", "first": b[i], "documents": b[i + 1] - b[i]}
            for i in range(self.n)
        ]


class PartWriter:
    """Writes cleaned documents, in corpus order, to the parts of a :class:`PartsPlan`: one part
    open at a time, the next opened when the document count reaches its boundary."""

    def __init__(
        self,
        folder: Path | RemotePath,
        plan: PartsPlan,
        text_field: str,
        *,
        attributes: bool = False,
        drop_empty: bool = False,
    ) -> None:
        self.folder, self.plan, self.text_field = folder, plan, text_field
        self.attributes, self.drop_empty = attributes, drop_empty
        self.part = -1  # the part open
        self.n = 0  # documents written (or dropped) so far
        self.stack = contextlib.ExitStack()
        self.add_records: Callable[[Sequence[CleanedDocument]], None] | None = None
        self.attributes_file: IO[bytes] | None = None

    def resume(self, first: int) -> None:
        """Write from document ``first`` on, the first of a part (an emit task's share)."""
        self.part = bisect.bisect_right(self.plan.bounds, first) - 2 if first else -1
        self.n = first

    def add(self, cleaned: Sequence[CleanedDocument]) -> None:
        """Write the next documents of the corpus, each to its part."""
        bounds = self.plan.bounds
        i = 0
        while i < len(cleaned):
            while self.part < 0 or self.n >= bounds[self.part + 1]:
                if self.part + 1 >= self.plan.n:
                    msg = f"more documents than the {bounds[-1]} the parts were cut for"
                    raise RuntimeError(msg)
                self._open(self.part + 1)
            end = min(len(cleaned), i + bounds[self.part + 1] - self.n)
            batch = [self._with_record(c) for c in cleaned[i:end]]
            assert self.add_records is not None
            self.add_records(batch)
            if self.attributes_file is not None:
                for c in batch:
                    self.attributes_file.write(storage.dumps_line(dolma_attributes(c)))
            self.n += end - i
            i = end

    def _with_record(self, c: CleanedDocument) -> CleanedDocument:
        if c.record is not None:
            return c
        return attrs.evolve(c, record={self.plan.id_field: c.id})

    def _open(self, i: int) -> None:
        self.stack.close()
        self.part = i
        name = self.plan.name(i)
        clean = self.folder / "clean"
        clean.mkdir(parents=True, exist_ok=True)
        self.add_records = self.stack.enter_context(
            record_writer(
                clean / name, self.text_field, self.plan.layout, drop_empty=self.drop_empty
            )
        )
        self.attributes_file = None
        if self.attributes:
            where = self.folder / "attributes" / ATTRIBUTES
            where.mkdir(parents=True, exist_ok=True)
            if self.plan.layout.kind == "parquet":
                name = name[: -len(".parquet")] + ".jsonl"
            self.attributes_file = self.stack.enter_context(storage.open_binary(where / name, "wb"))

    def finish(self) -> int:
        """Close the part open and write the parts still to come (empty); return how many
        parts there are."""
        self.stack.close()
        while self.part + 1 < self.plan.n:
            self._open(self.part + 1)
            self.stack.close()
        return self.plan.n

    def close(self) -> None:
        self.stack.close()
