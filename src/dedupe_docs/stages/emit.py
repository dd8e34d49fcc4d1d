"""Decisions → cleaned text, provenance records and the output folder.

The cleaned text is the kept spans joined by the whitespace that separated them: at each cut
the whitespace on the side that held the larger break (a blank line beats a newline), so the
output keeps the document's paragraph shape and its own newline style.
"""

from __future__ import annotations

import contextlib
import os
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import attrs
import numpy as np

from dedupe_docs._version import __version__
from dedupe_docs.errors import OutputError
from dedupe_docs.formats import output
from dedupe_docs.formats.parts import PartsPlan, PartWriter
from dedupe_docs.formats.records import RecordLayout, dolma_attributes, record_writer
from dedupe_docs.formats.shards import ATTRIBUTES, Shard, ShardWriter, is_empty
from dedupe_docs.runtime import storage
from dedupe_docs.runtime.remote import RemotePath
from dedupe_docs.stages.decide import REASON_NAMES, RULE_NAMES, Units
from dedupe_docs.stages.settle import Spans
from dedupe_docs.types import REASONS, CleanedDocument, Document, Kept, Removal, SourceRef

if TYPE_CHECKING:
    from dedupe_docs.config import Config


def build(
    doc: Document,
    removals: Sequence[Removal],
    cuts: Sequence[tuple[int, int, int, int, int, int]],
    tail: int,
) -> CleanedDocument:
    """Assemble the cleaned text of ``doc`` from its kept spans, each given with the two
    whitespace runs that may join it to the text before it (see :func:`_cuts`), and the
    end of the whitespace after the last one."""
    text = doc.text
    pieces: list[str] = []
    kept: list[Kept] = []
    out = 0
    for start, end, a0, a1, b0, b1 in cuts:
        sep = text[a0:a1]
        if b0 != a0 or b1 != a1:
            other = text[b0:b1]
            if other != sep and _breaks(other) > _breaks(sep):
                sep = other
        pieces += (sep, text[start:end])
        out += len(sep)
        kept.append(Kept(start, end, out, out + end - start))
        out += end - start
    if cuts:
        pieces.append(text[cuts[-1][1] : tail])
    return CleanedDocument(
        doc.id, "".join(pieces), len(text), tuple(kept), tuple(removals), doc.path, doc.record
    )


def assemble(
    docs: Sequence[Document],
    first: int,
    ids: Sequence[str],
    removed: Units,
    spans: Spans,
    batches: Sequence[str] | None = None,
) -> list[CleanedDocument]:
    """One CleanedDocument per document of ``docs`` (numbered ``first`` on in the corpus), from
    decision arrays that may hold other documents too; ``ids`` names every document a source
    may lie in, ``batches`` the earlier batch of each of the first documents (a persisted
    index's)."""
    n = len(docs)
    numbers = np.arange(first, first + n + 1)
    span_at = np.searchsorted(spans.doc, numbers).tolist()
    removed_at = np.searchsorted(removed.doc, numbers)
    lo, hi = span_at[0], span_at[-1]
    mine = slice(int(removed_at[0]), int(removed_at[-1]))
    rows = zip(
        removed.start[mine].tolist(),
        removed.end[mine].tolist(),
        removed.reason[mine].tolist(),
        removed.src_doc[mine].tolist(),
        removed.src_start[mine].tolist(),
        removed.src_end[mine].tolist(),
        removed.similarity[mine].tolist(),
        removed.rule[mine].tolist(),
        strict=True,
    )
    removals = [
        Removal(
            a,
            e,
            REASON_NAMES[r],
            SourceRef(ids[sd], ss, se, batches[sd] if batches and sd < len(batches) else None)
            if sd >= 0
            else None,
            None if sim != sim else sim,
            RULE_NAMES[rule],
        )
        for a, e, r, sd, ss, se, sim, rule in rows
    ]
    doc_removals = (removed_at - removed_at[0]).tolist()
    cuts, tails = _cuts(
        spans.doc[lo:hi],
        spans.start[lo:hi],
        spans.end[lo:hi],
        removed.doc[mine],
        removed.start[mine],
        removed.end[mine],
    )
    return [
        build(
            doc,
            removals[doc_removals[d] : doc_removals[d + 1]],
            cuts[span_at[d] - lo : span_at[d + 1] - lo],
            tails[span_at[d + 1] - lo - 1] if span_at[d + 1] > span_at[d] else 0,
        )
        for d, doc in enumerate(docs)
    ]


_NO_END = 1 << 62
"""A slice end past any text: ``text[i:_NO_END]`` is ``text[i:]``."""


def _cuts(
    doc: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    rem_doc: np.ndarray,
    rem_start: np.ndarray,
    rem_end: np.ndarray,
) -> tuple[list[tuple[int, int, int, int, int, int]], list[int]]:
    """For each kept span (sorted, maximal: a removal lies between two of one document), the
    span, and two whitespace runs as ``(a0, a1, b0, b1)``: the one before the span (after the
    last removal) and the one after the span before (before the first removal); the joined
    text keeps the run with more line breaks. A document's first span keeps the text before
    it unless a removal lies there. Also the end of the whitespace after each span (the next
    removal's start, else the end of the text)."""
    key = lambda d, offset: (d.astype(np.int64) << 32) | offset  # noqa: E731
    removal_keys = key(rem_doc, rem_start)
    firsts = np.ones(len(doc), dtype=bool)
    firsts[1:] = doc[1:] != doc[:-1]
    prev_end = np.concatenate(([0], end[:-1]))
    before = np.searchsorted(removal_keys, key(doc, start))
    after_prev = np.searchsorted(removal_keys, key(doc, prev_end))
    following = np.searchsorted(removal_keys, key(doc, end))
    if len(rem_doc):
        last = np.maximum(before - 1, 0)
        a0 = np.where(firsts, 0, rem_end[last])
        open_start = firsts & ((before == 0) | (rem_doc[last] != doc))
        a1 = np.where(firsts & ~open_start, 0, start)
        b0 = np.where(firsts, a0, prev_end)
        b1 = np.where(firsts, a1, rem_start[np.minimum(after_prev, len(rem_doc) - 1)])
        at = np.minimum(following, len(rem_doc) - 1)
        tails = np.where((following < len(rem_doc)) & (rem_doc[at] == doc), rem_start[at], _NO_END)
    else:
        a0 = b0 = np.zeros(len(doc), dtype=np.int64)
        a1 = b1 = start
        tails = np.full(len(doc), _NO_END)
    columns = (start, end, a0, a1, b0, b1)
    return list(zip(*(c.tolist() for c in columns), strict=True)), tails.tolist()


def _breaks(whitespace: str) -> int:
    """Line breaks in a whitespace run (``\r\n`` counts once)."""
    return whitespace.count("\n") + whitespace.count("\r") - whitespace.count("\r\n")


PIECES = ".pieces"
"""The folder, inside the output being written, where emit tasks leave their pieces."""
JOINED = ("provenance.jsonl", "attributes.jsonl", "clean.jsonl")
"""The files of JSON lines (uncompressed) that take lines from every part of the corpus:
emit tasks write their share of each as a piece, placed at its offset in the file."""


@attrs.frozen(eq=False)
class PiecePlan:
    """What an emit task writes of its documents (:func:`write_piece`), as :class:`Writer`
    takes it: into ``folder`` (the output folder being written: a local path, on a cluster one
    every node shares), with the records' ``layout``, the ``shards`` read and the numbered
    ``parts`` (their boundaries and format already known)."""

    folder: str
    text_field: str = "text"
    drop_empty: bool = False
    attributes: bool = False
    layout: RecordLayout | None = None
    shards: Mapping[str, Sequence[Shard]] | None = None
    parts: PartsPlan | None = None


@attrs.frozen
class Piece:
    """What an emit task wrote for documents ``first..first + documents``: its share of each
    file of ``joined`` (``provenance.jsonl``, ``attributes.jsonl``, an uncompressed records
    file), at ``<base>.<name>``; whether it opened the records file; the ``clean/`` text files,
    shards and last numbered part it wrote whole in place; its totals for the report."""

    first: int
    documents: int
    base: str
    joined: tuple[str, ...]
    records: bool
    files: int
    shards: frozenset[str]
    last_part: int
    totals: Totals
    sizes: tuple[int, ...]
    """The bytes of each piece file of ``joined``."""


def write_piece(
    plan: PiecePlan,
    docs: Sequence[Document],
    first: int,
    ids: Sequence[str],
    removed: Units,
    spans: Spans,
) -> Piece:
    """Build the cleaned documents ``docs`` (numbered ``first`` on in the corpus) and write
    them with a :class:`Writer` of the output folder, except that the lines it would add to
    the files every document shares (``JOINED``) go to piece files, placed one after another
    in corpus order (:meth:`Writer.add_piece`). A text file, a shard's output and a numbered part
    are written whole in place, so the documents must hold whole shards and parts (and all
    the records when they go to one compressed or Parquet file): then the output is what one
    :class:`Writer` writes of the corpus, byte for byte. A task run again (its worker lost)
    writes the same files again."""
    if not Path(plan.folder).is_dir():  # never made again: only the run's own folder is removed
        raise OutputError(f"{plan.folder}: the output folder being written is gone")
    cleaned = assemble(docs, first, ids, removed, spans)
    totals = Totals(plan.drop_empty)
    totals.add(cleaned)
    pieces = Path(plan.folder) / PIECES
    pieces.mkdir(exist_ok=True)
    base = f"{pieces}/{first:012d}"
    with Writer(
        Path(plan.folder),
        text_field=plan.text_field,
        layout=plan.layout,
        dolma_attributes=plan.attributes,
        drop_empty=plan.drop_empty,
        shards=plan.shards,
        parts=plan.parts,
        piece=base,
        first=first,
    ) as writer:
        writer.add(cleaned)
        return writer.piece_done(first, len(cleaned), totals)


Placement = tuple[str, str, int]
"""A piece file, the file it goes into and where in it: ``(piece, target, offset)``."""


def place(placements: Sequence[Placement]) -> None:
    """Copy each piece file into its file at its offset (in the kernel where it can), then
    delete it: what :meth:`Writer.add_piece` leaves to its placer (Ray tasks).
    The target files exist (the writer opened them); the pieces of one file may be placed in
    any order, by any process, and again: a piece that is gone was placed whole before it was
    deleted (a task run again after its worker was lost)."""
    for piece, target, offset in placements:
        try:
            f = open(piece, "rb")  # noqa: PTH123, SIM115
        except FileNotFoundError:
            continue
        with f, open(target, "r+b") as g:  # noqa: PTH123
            src, dst = f.fileno(), g.fileno()
            left = os.fstat(src).st_size
            at = 0
            while left > 0:
                n = _copy_range(src, dst, left, at, offset + at)
                if n == 0:
                    raise OutputError(f"{piece}: shorter than when it was written")
                at += n
                left -= n
        Path(piece).unlink()


def _copy_range(src: int, dst: int, count: int, at: int, offset: int) -> int:
    """Copy up to ``count`` bytes of ``src`` from ``at`` to ``dst`` at ``offset``, in the
    kernel where it can (Linux); how many were copied."""
    if hasattr(os, "copy_file_range"):
        try:  # 0 where a file system copies nothing this way: copied here (0 again at its end)
            n = os.copy_file_range(src, dst, count, at, offset)
        except OSError:  # not between these files (file systems, kernel): copied here
            n = 0
        if n:
            return n
    return os.pwrite(dst, os.pread(src, min(count, 1 << 22), at), offset)


class Writer:
    """Writes the output folder one batch of cleaned documents at a time, in corpus order, so
    a run need not hold the whole cleaned corpus: ``clean/`` files, the records file (or with
    a ``layout`` of shards, each shard's file, see :class:`ShardWriter`), the provenance lines
    and Dolma attributes as batches come, ``report.json`` at :meth:`finish`. With
    ``drop_empty`` a document left empty is not written (its provenance is). With ``jobs``
    above 1 a thread writes each batch while the caller builds the next (writing is mostly
    system calls, which let the builder run).

    Use it as a context manager: leaving the block closes every open stream."""

    def __init__(
        self,
        folder: Path | RemotePath,
        *,
        text_field: str = "text",
        layout: RecordLayout | None = None,
        dolma_attributes: bool = False,
        jobs: int = 1,
        drop_empty: bool = False,
        shards: Mapping[str, Sequence[Shard]] | None = None,
        parts: PartsPlan | None = None,
        piece: str | None = None,
        first: int = 0,
    ) -> None:
        self.folder, self.text_field = folder, text_field
        self.layout = layout or RecordLayout()
        self.drop_empty, self.dolma_attributes = drop_empty, dolma_attributes
        self.paths = _Paths()
        self.streams = contextlib.ExitStack()
        self.piece = piece  # an emit task's: the JOINED files go to pieces named after it
        self.joined: list[str] = []  # the JOINED files opened, in this order
        self.provenance = self._open_joined("provenance.jsonl")
        self.attributes: IO[bytes] | None = None
        self.parted: PartWriter | None = None
        if parts is not None:  # every document to its numbered part
            self.parted = PartWriter(
                folder, parts, text_field, attributes=dolma_attributes, drop_empty=drop_empty
            )
            self.parted.resume(first)
            self.streams.callback(self.parted.close)
            self.layout = attrs.evolve(self.layout, shards=False)
        elif dolma_attributes and not self.layout.shards:  # with shards: once a document needs it
            self.attributes = self._open_joined("attributes.jsonl")
        self.sharded: ShardWriter | None = None
        if self.layout.shards:
            self.sharded = ShardWriter(
                folder,
                text_field,
                {} if shards is None else shards,
                attributes=dolma_attributes,
                drop_empty=drop_empty,
                claim=self.paths.add,
            )
            self.streams.callback(self.sharded.close)
        self.records: Callable[[Sequence[CleanedDocument]], None] | None = None
        self.records_file: IO[bytes] | None = None  # the records file pieces are joined into
        self.pieces_records = False  # whether an emit task opened the records file
        self.placed: dict[str, int] = {}  # the bytes of each JOINED file placed by others
        self.n_files = 0
        self.clean = f"{folder}/clean"
        self.made: set[str] = set()  # folders of clean/ made so far
        self.pool = ThreadPoolExecutor(1, "dedupe-docs-write") if jobs > 1 else None
        self.pending: deque[Future[None]] = deque()

    def __enter__(self) -> Writer:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True)
        self.streams.close()

    def add(self, cleaned: Sequence[CleanedDocument]) -> None:
        """Write a batch of cleaned documents (the next in corpus order)."""
        if self.pool is None:
            self._write(cleaned)
            return
        while len(self.pending) >= 2:  # at most two batches wait: memory stays bounded
            self.pending.popleft().result()
        self.pending.append(self.pool.submit(self._write, cleaned))

    def _open_joined(self, name: str) -> IO[bytes]:
        """Open ``name``, one of ``JOINED``: in an emit task, its piece instead."""
        if self.piece is None:
            return self.streams.enter_context((self.folder / name).open("wb"))
        self.joined.append(name)
        return self.streams.enter_context(open(f"{self.piece}.{name}", "wb"))  # noqa: PTH123

    def piece_done(self, first: int, documents: int, totals: Totals) -> Piece:
        """In an emit task, once its documents are added: close the files and say what was
        written (:class:`Piece`)."""
        self.streams.close()
        return Piece(
            first,
            documents,
            self.piece or "",
            tuple(self.joined),
            self.records is not None,
            self.n_files,
            frozenset(self.sharded.written) if self.sharded is not None else frozenset(),
            self.parted.part if self.parted is not None else -1,
            totals,
            tuple(Path(f"{self.piece}.{name}").stat().st_size for name in self.joined),
        )

    def claim(self, paths: Sequence[str]) -> None:
        """Refuse, up front, ``clean/`` paths that :meth:`add` would refuse (see
        :class:`_Paths`): emit tasks write their files in place."""
        self.paths.add(paths)

    def add_piece(self, piece: Piece, placer: Callable[[list[Placement]], None]) -> None:
        """Take the next piece of the corpus that an emit task wrote (:func:`write_piece`):
        the writer copies none of it, it hands ``placer`` where each of the piece's files goes
        in the output (:func:`place` puts it there and deletes it) and writes nothing to those
        files itself. Once all are placed, the output is what :meth:`add` writes of the same
        documents. Only for a local folder."""
        while self.pending:
            self.pending.popleft().result()
        placements: list[Placement] = []
        for name, size in zip(piece.joined, piece.sizes, strict=True):
            # each file made here (the provenance from the start) before it is placed into
            if name == "attributes.jsonl":
                if self.attributes is None:
                    self.attributes = self._open_joined(name)
            elif name != "provenance.jsonl" and self.records_file is None:
                self.records_file = self._open_joined(name)
            offset = self.placed.get(name, 0)
            placements.append((f"{piece.base}.{name}", str(self.folder / name), offset))
            self.placed[name] = offset + size
        if placements:
            placer(placements)
        self.pieces_records |= piece.records
        self.n_files += piece.files
        if self.sharded is not None:
            self.sharded.written |= piece.shards
        if self.parted is not None:
            self.parted.part = max(self.parted.part, piece.last_part)

    def _write(self, cleaned: Sequence[CleanedDocument]) -> None:
        if self.parted is not None:
            self.parted.add(cleaned)
            self.provenance.writelines(storage.dumps_line(c.provenance()) for c in cleaned)
            return
        records = [c for c in cleaned if c.record is not None]
        rest = cleaned  # the documents whose attributes go to attributes.jsonl
        if self.sharded is not None:  # records read from a file go to its shard's output
            self.sharded.add([c for c in records if c.path is not None])
            records = [c for c in records if c.path is None]
            rest = [c for c in cleaned if c.record is None or c.path is None]
        files = [c for c in cleaned if c.record is None and c.path is not None]
        self.paths.add([c.path for c in files])  # type: ignore[misc]
        if self.drop_empty:
            files = [c for c in files if not is_empty(c)]
        if isinstance(self.folder, RemotePath) and files:  # one request for the batch
            data = {c.path: c.text.encode("utf-8", "surrogatepass") for c in files}
            (self.folder / "clean").write_files(data)  # type: ignore[arg-type]
            files = []
            self.n_files += len(data)
        for c in files:  # os calls on strings: pathlib's objects cost more than the writes
            target = f"{self.clean}/{c.path}"
            parent = target.rpartition("/")[0]
            if parent not in self.made:
                Path(parent).mkdir(parents=True, exist_ok=True)
                self.made.add(parent)
            write_file(target, c.text.encode("utf-8", "surrogatepass"))
        self.n_files += len(files)
        if records:
            if self.records is None:
                target = self.folder / self.layout.name
                if self.piece is not None and self.layout.name in JOINED:  # uncompressed lines
                    self.joined.append(self.layout.name)
                    target = Path(f"{self.piece}.{self.layout.name}")
                self.records = self.streams.enter_context(
                    record_writer(
                        target,
                        self.text_field,
                        self.layout,
                        drop_empty=self.drop_empty,
                    )
                )
            self.records(records)
        self.provenance.writelines(storage.dumps_line(c.provenance()) for c in cleaned)
        if self.dolma_attributes:
            if self.attributes is None and rest:
                self.attributes = self._open_joined("attributes.jsonl")
            if self.attributes is not None:
                self.attributes.writelines(storage.dumps_line(dolma_attributes(c)) for c in rest)

    def finish(self, report: dict[str, Any]) -> list[str]:
        """Close the streams and write ``report.json`` with ``files``, every file the folder
        holds then (what a later run with ``overwrite`` may delete); return the names of the
        outputs."""
        while self.pending:
            self.pending.popleft().result()
        n_shards = self.sharded.finish() if self.sharded is not None else 0
        n_parts = self.parted.finish() if self.parted is not None else 0
        self.streams.close()
        report["files"] = output.listing(self.folder)
        (self.folder / "report.json").write_bytes(
            (storage.dumps(report, indent=2) + "\n").encode("utf-8")
        )
        n_files = self.n_files + n_shards
        written = [f"clean/ ({n_files} files)"] if n_files else []
        if n_parts:
            written.append(f"clean/ ({n_parts} part{'s' * (n_parts > 1)})")
        if self.records is not None or self.pieces_records:
            written.append(self.layout.name)
        written += ["provenance.jsonl", "report.json"]
        if self.attributes is not None:
            written.append("attributes.jsonl")
        if (n_shards or n_parts) and self.dolma_attributes:
            written.append(f"attributes/{ATTRIBUTES}/ ({n_shards or n_parts} files)")
        return written


def write_file(path: str, data: bytes) -> None:
    """Write ``data`` to the file ``path`` (a string: for thousands of small files, pathlib's
    objects cost more than the writes)."""
    with open(path, "wb") as f:  # noqa: PTH123
        f.write(data)


class _Paths:
    """Output paths seen so far, refusing those that could leave ``clean/`` or collide: each
    must be relative, with no empty, ``.`` or ``..`` part and no NUL, and none may be a folder
    of another.

    Paths come from walking input folders, so this only fails for hand-made Documents or for
    two inputs such as ``a.txt`` and ``a.txt/b.txt``.
    """

    def __init__(self) -> None:
        self.files: set[str] = set()
        self.folders: dict[str, str] = {}  # folder → a path inside it

    def add(self, paths: Sequence[str]) -> None:
        for path in paths:
            parts = path.split("/")
            if (
                not path
                or "\x00" in path
                or path.startswith("/")
                or any(part in ("", ".", "..") for part in parts)
            ):
                raise OutputError(f"{path!r}: not a safe relative output path (clean/{path})")
        self.files.update(paths)
        for path in paths:
            parts = path.split("/")
            for i in range(1, len(parts)):
                folder = "/".join(parts[:i])
                self.folders.setdefault(folder, path)
                if folder in self.files:
                    raise OutputError(f"clean/{path}: {folder} is both a file and a folder")
            if path in self.folders:
                inside = self.folders[path]
                raise OutputError(f"clean/{inside}: {path} is both a file and a folder")


class Totals:
    """What a run's report adds up over its documents, one batch at a time: documents,
    characters in and out, removed spans and characters by reason, and with ``drop_empty``
    the documents not written because cleaning left them empty."""

    def __init__(self, drop_empty: bool = False) -> None:
        self.drop_empty = drop_empty
        self.documents = self.chars_in = self.chars_out = self.changed = self.dropped = 0
        self.removed_chars = dict.fromkeys(REASONS, 0)
        self.removed_spans = dict.fromkeys(REASONS, 0)

    def add(self, cleaned: list[CleanedDocument]) -> None:
        self.documents += len(cleaned)
        for c in cleaned:
            self.chars_in += c.length
            self.chars_out += len(c.text)
            self.changed += bool(c.removed)
            # a document with an output (a record or a text file) that cleaning left empty
            if self.drop_empty and (c.record is not None or c.path is not None):
                self.dropped += is_empty(c)
            for r in c.removed:
                self.removed_chars[r.reason] += r.end - r.start
                self.removed_spans[r.reason] += 1

    def report(self, config: Config, timings: dict[str, float]) -> dict[str, Any]:
        """The totals, with the stage ``timings`` and the ``config``."""
        return {
            "version": __version__,
            "documents": self.documents,
            "chars_in": self.chars_in,
            "chars_out": self.chars_out,
            "removed_chars": self.removed_chars,
            "removed_spans": self.removed_spans,
            "documents_changed": self.changed,
            "dropped_empty": self.dropped,
            "timings": timings,
            "config": config.to_json(),
        }

    def merge(self, other: Totals) -> None:
        """Add the totals of another share of the documents (an emit task's)."""
        self.documents += other.documents
        self.chars_in += other.chars_in
        self.chars_out += other.chars_out
        self.changed += other.changed
        self.dropped += other.dropped
        for reason in REASONS:
            self.removed_chars[reason] += other.removed_chars[reason]
            self.removed_spans[reason] += other.removed_spans[reason]
