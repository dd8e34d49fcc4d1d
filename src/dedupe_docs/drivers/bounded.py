"""Bounded memory (``max_memory``): the same stages over batches of documents, with the
corpus-wide arrays in files, for corpora larger than the memory of the machine.

Three passes, each holding one batch (or one group of hash ranges) at a time:

1. **sign**: read and sign a batch; append its token rows to the token file and its texts
   (each at a fixed width) to the text file, write its shingles as ``(hash, position)`` rows
   grouped by hash range.
2. **index**: per group of hash ranges, find each shingle's first occurrence in the rows of
   every batch; keep only the tokens whose shingle occurred before, sorted by position.
3. **clean**: per batch, detect, decide and emit. The first copy survives, so every source lies
   in this batch or an earlier one. Only the stretches of the token file around the tokens
   that the batch's shingles first occurred at are read (what detection and verification look
   at), one after the other into columns reused from batch to batch (a :class:`_Window` maps
   corpus positions to them), the text file gives the passages of the documents cited, and the
   kept spans of earlier documents, appended to files, settle removals whose source was
   removed.

The output is that of the in-memory run (the tests compare the two). ``keep="longest"`` turns
passages around onto earlier batches, and a persisted index replays whole corpora: neither
works batch by batch.
"""

from __future__ import annotations

import contextlib
import pickle
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

import attrs
import numpy as np

from dedupe_docs.config import Config
from dedupe_docs.drivers.texts import CODECS
from dedupe_docs.drivers.texts import encode as _encode
from dedupe_docs.errors import OutputError
from dedupe_docs.runtime import memory, storage, workers
from dedupe_docs.runtime.progress import Clock, Progress, stage
from dedupe_docs.stages import boilerplate, decide, emit, settle, sign
from dedupe_docs.stages.detect import align, block_edges
from dedupe_docs.stages.index import RANGE_BITS, first_in_rows, range_rows
from dedupe_docs.stages.kernels import (
    CONTINUE_TOKENS,
    FOLLOW_TOKENS,
    gather_tokens_kernel,
    window_positions_kernel,
)
from dedupe_docs.stages.settle import Copies, Spans
from dedupe_docs.types import CleanedDocument, Document

TOKEN = np.dtype(
    [
        ("tok_hash", np.uint64),
        ("tok_exact", np.uint64),
        ("tok_start", np.int32),
        ("tok_end", np.int32),
        ("lead", np.int8),
        ("tail", np.int8),
        ("tok_sentence", np.uint8),
    ]
)
"""A row of the token file: what sources are looked up in (``lead`` and ``tail``: see
:func:`dedupe_docs.stages.detect.block_edges`). Rows rather than a file per column, so that a
stretch of tokens is one page fault to read, not seven."""
BASELINE = 256 << 20
"""Bytes a run holds beside its batch: Python, NumPy, the compiled kernels, rapidfuzz, the
command line and what the driver keeps per document (benchmarks/bounded.py measures it)."""
BYTES_PER_CHAR = 100
"""Peak bytes a batch holds per character of text, at its largest stage (benchmarks/bounded.py)."""
BYTES_PER_ROW = 48
"""Peak bytes per shingle row of a group of hash ranges while its first occurrences are found:
a hash and a position (16), the first occurrences (8) and the kernel's table (up to 12) and
positions (4 per row), then the rows written (24 per repeated row)."""
WRITE_ROWS = 1 << 16
"""Rows of first occurrences written to a group's file at a time."""
GAP_TOKENS = 64
"""Tokens between two stretches of a column file read in one call rather than two."""
PAD_TOKENS = 8
"""Zero tokens between two stretches in a batch's columns."""
READ_GAP = 1024
"""Rows between two stretches of the token file read in one ``pread`` rather than two."""
STAGING_ROWS = 1 << 18
"""Token rows (26 bytes each) of the staging buffer that stretches of the token file are read
into before they are copied into place."""
CLEAN_BATCH_CHARS: int | None = None
"""Characters of text per batch of documents cleaned together; None sizes the batches from
``max_memory`` (its budget over ``BYTES_PER_CHAR``, at least 1 Mi characters). The output does
not depend on it."""


def clean_batches(
    documents: Iterable[Document],
    config: Config,
    timings: dict[str, float],
    progress: Progress | None = None,
    folder: Path | None = None,
) -> Iterator[list[CleanedDocument]]:
    """Clean ``documents`` in batches, keeping memory near ``config.max_memory``; yield each
    batch's cleaned documents in corpus order.

    The files go to a temporary folder in ``config.work_dir``, else in ``folder``, else in the
    system's temporary folder, and are removed at the end. ``timings`` adds up each stage.
    """
    try:
        yield from _clean_batches(documents, config, timings, progress, folder)
    except OSError as exc:
        where = config.work_dir or folder or tempfile.gettempdir()
        msg = f"{where}: cannot write the work files of `max_memory`: {storage.describe(exc)}"
        raise OutputError(msg) from exc


def _clean_batches(
    documents: Iterable[Document],
    config: Config,
    timings: dict[str, float],
    progress: Progress | None,
    folder: Path | None,
) -> Iterator[list[CleanedDocument]]:
    assert config.max_memory is not None
    budget = max(config.max_memory - BASELINE, 16 << 20)
    chars = CLEAN_BATCH_CHARS or max(1 << 20, budget // BYTES_PER_CHAR)
    parent = config.work_dir or folder
    if parent is not None:
        Path(parent).mkdir(parents=True, exist_ok=True)
    # Freed memory is kept for the next batch (see memory.reused_memory) while the process
    # holds less than three quarters of the bound, and handed back above that.
    clock = Clock(timings, release_above=config.max_memory * 3 // 4)
    with (
        memory.reused_memory(),
        tempfile.TemporaryDirectory(prefix=".dedupe-docs-spill-", dir=parent) as root,
        _Corpus(Path(root), config) as corpus,
    ):
        for batch in _batches(documents, chars):
            corpus.add(batch)
        clock.lap("sign", batches=corpus.n_batches)
        stage(progress, "index")
        corpus.index(budget // BYTES_PER_ROW)
        clock.lap("index", batches=corpus.n_batches)
        for b in range(corpus.n_batches):
            stage(progress, "clean", b, corpus.n_batches)
            yield corpus.clean(b, clock)
            clock.skip()  # the caller's time: writing the batch
        stage(progress, "clean", corpus.n_batches, corpus.n_batches)


def _batches(documents: Iterable[Document], chars: int) -> Iterator[list[Document]]:
    """Consecutive documents of up to ``chars`` characters in all (one larger document makes
    a batch of its own)."""
    batch: list[Document] = []
    size = 0
    for doc in documents:
        if batch and size + len(doc.text) > chars:
            yield batch
            batch, size = [], 0
        batch.append(doc)
        size += len(doc.text)
    if batch:
        yield batch


class _Column:
    """A growing 1-D array (doubling), for what the driver keeps per document."""

    def __init__(self, dtype: type, values: Sequence[int] = ()) -> None:
        self.data = np.array(values, dtype=dtype)
        self.n = len(values)

    def extend(self, values: np.ndarray) -> None:
        if self.n + len(values) > len(self.data):
            grown = np.empty(max(2 * len(self.data), self.n + len(values), 1024), self.data.dtype)
            grown[: self.n] = self.data[: self.n]
            self.data = grown
        self.data[self.n : self.n + len(values)] = values
        self.n += len(values)

    @property
    def values(self) -> np.ndarray:
        return self.data[: self.n]


class _RowFile:
    """Rows of ``width`` integers, the document first, of the batches settled so far, appended
    to a file in corpus order (a few per document: too many to hold for a corpus larger than
    memory), and read back for the documents cited: kept spans ``(doc, start, end)``, and
    copies with their sources (:meth:`Copies.columns`)."""

    def __init__(self, path: Path, width: int) -> None:
        self.path, self.width, self.rows = path, width, 0
        path.touch()

    def add(self, *columns: np.ndarray) -> None:
        with self.path.open("ab") as f:
            np.stack(columns, axis=1).astype(np.int64).tofile(f)
        self.rows += len(columns[0])

    def of(self, docs: np.ndarray) -> list[np.ndarray]:
        """The columns of the rows of ``docs`` (ascending)."""
        if not self.rows or not len(docs):
            return list(np.zeros((self.width, 0), np.int64))
        table = np.memmap(self.path, np.int64, "r", shape=(self.rows, self.width))
        lo = np.searchsorted(table[:, 0], docs, "left")
        hi = np.searchsorted(table[:, 0], docs, "right")
        counts = hi - lo
        rows = np.repeat(lo - np.cumsum(counts) + counts, counts) + np.arange(counts.sum())
        return list(np.array(table[rows].T))


class _KeyCounts:
    """Documents each boilerplate key stands in, added up over batches (documents never span
    batches); batches are merged when they outgrow the merged counts, so merging stays linear."""

    def __init__(self) -> None:
        self.keys, self.counts = np.zeros(0, np.uint64), np.zeros(0, np.int64)
        self.pending: list[tuple[np.ndarray, np.ndarray]] = []

    def add(self, keys: np.ndarray, counts: np.ndarray) -> None:
        self.pending.append((keys, counts))
        if sum(len(k) for k, _ in self.pending) > max(len(self.keys), 1 << 16):
            self.merge()

    def merge(self) -> None:
        self.keys, self.counts = boilerplate.merged_counts((self.keys, self.counts), *self.pending)
        self.pending.clear()


class _Texts(Sequence[str]):
    """Document texts by corpus number: the batch's own in memory, earlier ones as
    :class:`_StoredText` (decide only slices the texts of sources)."""

    def __init__(self, corpus: _Corpus, first: int, texts: list[str]) -> None:
        self.corpus, self.first, self.texts = corpus, first, texts

    def __len__(self) -> int:
        return self.first + len(self.texts)

    def __getitem__(self, d: int) -> str:  # type: ignore[override]
        if d >= self.first:
            return self.texts[d - self.first]
        return _StoredText(self.corpus, d)  # type: ignore[return-value]


@attrs.frozen
class _StoredText:
    """The text of an earlier batch's document, read from the text file a slice at a time."""

    corpus: _Corpus
    doc: int

    def __getitem__(self, where: slice) -> str:
        start, stop, _ = where.indices(int(self.corpus.lengths.values[self.doc]))
        return self.corpus.chars(self.doc, start, max(start, stop))


class _Corpus:
    """The files of one bounded run, and what the driver keeps per document."""

    def __init__(self, root: Path, config: Config) -> None:
        self.root, self.config = root, config
        self.streams = contextlib.ExitStack()
        names = ["tokens", "texts"]
        self.files = {n: self.streams.enter_context((root / f"{n}.bin").open("wb")) for n in names}
        self.ids: list[str] = []
        self.doc_tokens = _Column(np.int64, [0])
        self.lengths = _Column(np.int64)
        self.text_at = _Column(np.int64, [0])  # where each document starts in the text file
        self.width = _Column(np.int8)  # and how many bytes each of its characters takes
        self.batch_docs, self.batch_tokens = [0], [0]
        self.last_block = np.zeros(0, np.int64), np.zeros(0, np.int64)  # the one before a batch
        self.range_bounds: list[np.ndarray] = []
        self.key_counts = _KeyCounts()
        self.inner_keys = _KeyCounts()  # the keys of a place one in from an edge
        self.many_keys = _KeyCounts()  # the keys of a line many times in its document
        self.group_bounds: list[np.ndarray] = []  # per index group: its rows of each batch
        self.columns: dict[str, np.ndarray] = {}  # reused from batch to batch
        self.staging: np.ndarray | None = None
        self.initial, self.final = (
            _RowFile(root / "initial.bin", 3),
            _RowFile(root / "final.bin", 3),
        )
        self.copies = _RowFile(root / "copies.bin", len(attrs.fields(Copies)))
        self.readers: dict[str, BinaryIO] = {}  # the token and text files, after pass 1
        self.boilerplate = np.zeros(0, np.uint64)

    def __enter__(self) -> _Corpus:
        return self

    def __exit__(self, *exc: object) -> None:
        self.streams.close()

    @property
    def n_batches(self) -> int:
        return len(self.range_bounds)

    def path(self, name: str) -> Path:
        return self.root / name

    # Pass 1.

    def add(self, docs: list[Document]) -> None:
        """Sign a batch and write it out."""
        b, config = self.n_batches, self.config
        texts = [d.text for d in docs]
        parts = workers.tmap(
            lambda _shared, r: sign.sign(texts[r.start : r.stop], config),
            sign.batches(texts, max(1, sum(map(len, texts)) // config.jobs)),
            None,
            config.jobs,
        )
        s = sign.concat(parts)
        base = self.batch_tokens[-1]
        nonempty = s.blk_t1 > s.blk_t0
        starts = np.concatenate([self.last_block[0], s.blk_t0[nonempty] + base])
        ends = np.concatenate([self.last_block[1], s.blk_t1[nonempty] + base])
        self.last_block = starts[-1:], ends[-1:]
        lead, tail = block_edges(starts, ends, base, base + len(s.tok_start))
        tokens = np.empty(len(s.tok_start), TOKEN)
        for name in ("tok_hash", "tok_exact", "tok_start", "tok_end", "tok_sentence"):
            tokens[name] = getattr(s, name)
        tokens["lead"], tokens["tail"] = lead, tail
        tokens.tofile(self.files["tokens"])
        del tokens, lead, tail
        rows, bounds = range_rows(s.shingles)
        np.save(self.path(f"rows-{b}.npy"), rows)
        del rows
        keys = boilerplate.boilerplate_keys(s, config)
        blk_doc = np.repeat(np.arange(len(docs)), np.diff(s.doc_blocks))
        self.key_counts.add(*boilerplate.key_doc_counts(keys, blk_doc))
        self.key_counts.add(*boilerplate.key_doc_counts(*boilerplate.sentence_rows(s)))
        self.inner_keys.add(*boilerplate.key_doc_counts(keys[:, boilerplate.INNER], blk_doc))
        self.many_keys.add(*boilerplate.key_doc_counts(keys[:, boilerplate.MANY], blk_doc))
        blocks = {
            n: getattr(s, n) for n in ("doc_blocks", "blk_start", "blk_end", "blk_t0", "blk_t1")
        }
        np.savez(self.path(f"batch-{b}.npz"), keys=keys, **blocks)
        widths = []
        for text in texts:
            width, data = _encode(text)
            self.files["texts"].write(data)
            widths.append(width)
        lengths = np.array([len(t) for t in texts], dtype=np.int64)
        self.text_at.extend(self.text_at.values[-1] + np.cumsum(lengths * widths))
        self.width.extend(np.array(widths, dtype=np.int8))
        with self.path(f"docs-{b}.pkl").open("wb") as f:
            pickle.dump([attrs.evolve(d, text="") for d in docs], f, pickle.HIGHEST_PROTOCOL)
        self.ids += [d.id for d in docs]
        self.doc_tokens.extend(s.doc_tokens[1:] + base)
        self.lengths.extend(lengths)
        self.batch_docs.append(len(self.ids))
        self.batch_tokens.append(base + len(s.tok_start))
        self.range_bounds.append(bounds)

    # Pass 2.

    def index(self, rows_per_group: int) -> None:
        """First occurrences, one group of hash ranges at a time (``jobs`` groups at once)."""
        self.streams.close()
        config = self.config
        self.key_counts.merge()
        if config.boilerplate_max_tokens:
            self.inner_keys.merge()
            self.many_keys.merge()
            counts = self.key_counts
            inner, many = self.inner_keys.keys, self.many_keys.keys
            self.boilerplate = boilerplate.template_keys(
                counts.keys, counts.counts, inner, many, len(self.ids), config
            )
        self.key_counts, self.inner_keys, self.many_keys = _KeyCounts(), _KeyCounts(), _KeyCounts()
        if not self.n_batches:
            return
        per_range = np.sum([np.diff(b) for b in self.range_bounds], axis=0, dtype=np.int64)
        groups = _groups(per_range, max(1, rows_per_group // config.jobs))
        rows_files = [str(self.path(f"rows-{b}.npy")) for b in range(self.n_batches)]
        shared = (rows_files, self.range_bounds, self.batch_tokens[:-1])
        self.group_bounds = workers.tmap(
            self._index_group, list(enumerate(groups)), shared, config.jobs
        )
        for name in rows_files:
            Path(name).unlink()

    def _index_group(
        self,
        shared: tuple[list[str], list[np.ndarray], list[int]],
        job: tuple[int, tuple[int, int]],
    ) -> np.ndarray:
        """Write the ``(token, first occurrence)`` rows of the tokens of a group of hash ranges
        whose shingle occurred before, in token order; return where each batch's rows start."""
        g, (lo, hi) = job
        at, first = first_in_rows(*shared, lo, hi)
        later = np.flatnonzero(first != at)
        at, first = at[later], first[later]
        del later
        order = np.argsort(at, kind="stable")
        with self.path(f"first-{g}.bin").open("wb") as f:
            for s in range(0, len(order), WRITE_ROWS):
                part = order[s : s + WRITE_ROWS]
                np.stack([at[part], first[part]], axis=1).tofile(f)
        return np.searchsorted(at, self.batch_tokens, sorter=order)

    # Pass 3.

    def clean(self, b: int, clock: Clock) -> list[CleanedDocument]:
        """Detect, decide and emit batch ``b``."""
        config = self.config
        d0, d1 = self.batch_docs[b], self.batch_docs[b + 1]
        t0, t1 = self.batch_tokens[b], self.batch_tokens[b + 1]
        first = self._first_occurrences(b)
        window = _Window.of(_source_ranges(first, t0, config))
        columns = self._gather(t1, window)
        base = int(window.positions(np.array([t0]))[0])
        first = window.positions(first)
        doc_tokens = window.positions(self.doc_tokens.values[: d1 + 1])
        with np.load(self.path(f"batch-{b}.npz")) as saved:
            batch = {name: saved[name] for name in saved.files}
        aligned = align(
            first,
            doc_tokens,
            columns["tok_hash"],
            columns["tok_exact"],
            (columns.pop("lead"), columns.pop("tail")),
            spans=(columns["tok_start"], columns["tok_end"]),
            sentences=columns["tok_sentence"],
            formulas=self.boilerplate,
            k=config.shingle_size,
            min_tokens=config.min_tokens,
            max_gap=config.max_gap,
            base=base,
            jobs=config.jobs,
        )
        del first
        clock.lap("detect")
        view = sign.Signed(
            doc_tokens=doc_tokens,
            doc_blocks=np.concatenate([np.zeros(d0, np.int64), batch["doc_blocks"]]),
            blk_start=batch["blk_start"],
            blk_end=batch["blk_end"],
            blk_t0=batch["blk_t0"] + base,
            blk_t1=batch["blk_t1"] + base,
            shingles=np.zeros(0, np.uint64),
            **columns,
        )
        del columns
        with self.path(f"docs-{b}.pkl").open("rb") as f:
            docs: list[Document] = pickle.load(f)
        texts = self.texts(d0, d1)
        docs = [attrs.evolve(doc, text=text) for doc, text in zip(docs, texts, strict=True)]
        sources = _Texts(self, d0, texts)
        tokens = batch["blk_t1"] - batch["blk_t0"]
        template = boilerplate.template_blocks(batch["keys"], self.boilerplate, tokens, config)
        units = decide.decide(
            view, sources, aligned, template, config, base, common=self.boilerplate
        )
        del view, aligned
        lengths = self.lengths.values[:d1]
        initial = settle.kept_spans(units)
        cited = np.unique(units.src_doc[(units.src_doc >= 0) & (units.src_doc < d0)])
        copies = Copies.from_columns(self.copies.of(cited))  # cited through, where a source went
        cited = np.union1d(cited, copies.src_doc)
        units, spans, _ = settle.settle(
            units,
            lengths,
            config.min_tokens,
            lambda d, start, end: sources[d][start:end],
            earlier=Spans(*self.initial.of(cited)),
            earlier_copies=copies,
        )
        self.initial.add(initial.doc, initial.start, initial.end)
        self.copies.add(*Copies.of(units).columns())
        cited = np.unique(units.src_doc[(units.src_doc >= 0) & (units.src_doc < d0)])
        removed = settle.merge_removals(
            units, Spans.concat([Spans(*self.final.of(cited)), spans]), lengths
        )
        self.final.add(spans.doc, spans.start, spans.end)
        clock.lap("decide")
        cleaned = emit.assemble(docs, d0, self.ids, removed, spans)
        clock.lap("emit")
        return cleaned

    def _first_occurrences(self, b: int) -> np.ndarray:
        """Where the shingle of each token of batch ``b`` first occurs, from the index groups."""
        t0, t1 = self.batch_tokens[b], self.batch_tokens[b + 1]
        first = np.arange(t0, t1, dtype=np.int64)
        for g, bounds in enumerate(self.group_bounds):
            lo, hi = int(bounds[b]), int(bounds[b + 1])
            rows = np.fromfile(self.path(f"first-{g}.bin"), np.int64, 2 * (hi - lo), offset=16 * lo)
            first[rows[0::2] - t0] = rows[1::2]
        return first

    def _gather(self, length: int, window: _Window) -> dict[str, np.ndarray]:
        """The stretches of the token file (of ``length`` rows) that ``window`` looks at, one
        after the other, as columns reused from batch to batch (fresh pages cost a page fault
        each: gathering into new arrays per batch took most of the clean pass).

        The stretches, cut into pieces of at most ``STAGING_ROWS`` rows, are read with
        ``pread`` into a staging buffer of that size (pieces less than ``READ_GAP`` rows apart
        in one read), and copied from there into the columns whenever it is full. Not through
        a memory map of the file: a read fault maps the whole cached folio around the page
        touched, far beyond the bound for a batch's few thousand stretches."""
        if not self.columns or len(self.columns["tok_hash"]) < window.size:
            size = max(window.size * 5 // 4, 1 << 16)
            self.columns = {name: np.empty(size, TOKEN[name]) for name in TOKEN.names}
        columns = {name: column[: window.size] for name, column in self.columns.items()}
        if length == 0:
            return columns
        pieces, at = _pieces(window, STAGING_ROWS)
        if self.staging is None or len(self.staging) != STAGING_ROWS:
            self.staging = np.empty(STAGING_ROWS, TOKEN)
        staging, fd = self.staging, self._reader("tokens")
        local = np.empty_like(pieces)  # where each piece lies in staging
        lo = filled = 0  # the first piece not copied yet; the rows of staging read into
        start = end = -1  # the read under way (file rows), to land at staging[filled:]
        for i, (a, b) in enumerate(pieces.tolist()):
            if end >= 0 and a - end <= READ_GAP and filled + b - start <= len(staging):
                end = b
            else:
                filled = self._read(fd, start, end, filled)
                if filled + b - a > len(staging):
                    gather_tokens_kernel(staging, local[lo:i], at[lo : i + 1], *columns.values())
                    lo, filled = i, 0
                start, end = a, b
            local[i] = filled + a - start, filled + b - start
        self._read(fd, start, end, filled)
        gather_tokens_kernel(staging, local[lo:], at[lo:], *columns.values())
        return columns

    def _read(self, fd: int, start: int, end: int, filled: int) -> int:
        """Read rows ``start..end`` of the token file into the staging buffer from row
        ``filled`` on (nothing if ``end`` is negative); return the rows filled."""
        if end < 0:
            return filled
        assert self.staging is not None
        storage.pread_into(fd, self.staging[filled : filled + end - start], start * TOKEN.itemsize)
        return filled + end - start

    def _reader(self, name: str) -> int:
        """The descriptor of work file ``name`` open for reading (once pass 1 has written it)."""
        if name not in self.readers:
            self.readers[name] = self.streams.enter_context(self.path(f"{name}.bin").open("rb"))
        return self.readers[name].fileno()

    def texts(self, d0: int, d1: int) -> list[str]:
        """The texts of documents ``d0..d1``, in one read."""
        at = self.text_at.values[d0 : d1 + 1].tolist()
        data = bytearray(at[-1] - at[0])
        storage.pread_into(self._reader("texts"), data, at[0])
        view, codecs = memoryview(data), [CODECS[w] for w in self.width.values[d0:d1].tolist()]
        return [
            str(view[a - at[0] : b - at[0]], codec, "surrogatepass")
            for a, b, codec in zip(at, at[1:], codecs, strict=False)
        ]

    def chars(self, d: int, start: int, end: int) -> str:
        """Characters ``start..end`` of the text of document ``d``, from the text file."""
        width = int(self.width.values[d])
        data = bytearray((end - start) * width)
        storage.pread_into(self._reader("texts"), data, int(self.text_at.values[d]) + start * width)
        return data.decode(CODECS[width], "surrogatepass")


@attrs.frozen(eq=False)
class _Window:
    """Where the token ranges a batch looks at (``ranges``: ascending disjoint rows of
    ``[start, end)``) lie in its columns: one after the other, ``PAD_TOKENS`` zeros apart,
    from ``at`` on (plus the total).

    Corpus positions map onto them monotonically, keeping distances inside a range. A range
    reaches ``max_gap + 4`` tokens past every seed and source, farther than passages grow and
    chains bridge, so detection and verification see what they would see in columns of the
    whole corpus (the tests compare the outputs)."""

    ranges: np.ndarray
    at: np.ndarray

    @classmethod
    def of(cls, ranges: np.ndarray) -> _Window:
        if not len(ranges):  # a batch without tokens
            ranges = np.zeros((1, 2), np.int64)
        at = np.zeros(len(ranges) + 1, np.int64)
        np.cumsum(ranges[:, 1] - ranges[:, 0] + PAD_TOKENS, out=at[1:])
        at[-1] -= PAD_TOKENS
        return cls(ranges, at)

    @property
    def size(self) -> int:
        return int(self.at[-1])

    def positions(self, tokens: np.ndarray) -> np.ndarray:
        """Where corpus positions ``tokens`` lie in the window; one between two ranges goes to
        the end of the range before it (as a document start there does for detection)."""
        starts, ends = self.ranges[:, 0], self.ranges[:, 1]
        return window_positions_kernel(tokens, starts, ends, self.at)  # type: ignore[no-any-return]


def _pieces(window: _Window, limit: int) -> tuple[np.ndarray, np.ndarray]:
    """The window's ranges cut into pieces of at most ``limit`` rows (a range of none stays
    one piece), and where each piece starts in the window's columns (plus the end)."""
    ranges = window.ranges
    counts = np.maximum(1, -(-(ranges[:, 1] - ranges[:, 0]) // limit))
    of = np.repeat(np.arange(len(ranges)), counts)
    k = np.arange(len(of)) - np.repeat(np.cumsum(counts) - counts, counts)
    starts = ranges[of, 0] + k * limit
    pieces = np.stack([starts, np.minimum(starts + limit, ranges[of, 1])], axis=1)
    return pieces, np.append(window.at[of] + k * limit, window.at[-1])


def _source_ranges(first: np.ndarray, t0: int, config: Config) -> np.ndarray:
    """The token ranges that detection and verification of the batch from token ``t0`` on
    look at: the batch, and around each run of seeds (tokens whose shingle first occurred at
    consecutive tokens) its source, widened by how far passages may grow past their seeds and
    a stretch be read along a run's source (``CONTINUE_TOKENS``, twice that for a whole line:
    see :func:`dedupe_docs.stages.kernels.exact_kernel`)."""
    t1 = t0 + len(first)
    repeated = first != np.arange(t0, t1)
    step = np.diff(first) == 1
    starts = repeated & np.append(True, ~(step & repeated[:-1]))
    ends = repeated & np.append(~(step & repeated[1:]), True)
    reach = config.max_gap + 4  # how far passages grow past their seeds, and then some
    follow = FOLLOW_TOKENS  # how far a run follows its diagonal past its last seed
    stretch = 2 * CONTINUE_TOKENS
    return _union(
        np.append(first[starts] - reach - stretch, t0).clip(0, t1),
        np.append(first[ends] + config.shingle_size + reach + follow + stretch, t1).clip(0, t1),
        gap=GAP_TOKENS,
    )


def _union(starts: np.ndarray, ends: np.ndarray, gap: int = 0) -> np.ndarray:
    """The union of the intervals ``[start, end)``, as sorted disjoint rows, bridging gaps of
    up to ``gap``."""
    order = np.argsort(starts, kind="stable")
    starts, reach = starts[order], np.maximum.accumulate(ends[order])
    new = np.ones(len(starts), dtype=bool)
    new[1:] = starts[1:] > reach[:-1] + gap
    last = np.append(np.flatnonzero(new)[1:] - 1, len(starts) - 1)
    rows = np.stack([starts[new], reach[last]], axis=1)
    return rows[rows[:, 1] > rows[:, 0]]


def _groups(per_range: np.ndarray, rows: int) -> list[tuple[int, int]]:
    """Consecutive hash ranges grouped up to about ``rows`` rows each (a range alone may hold
    more)."""
    groups, lo, size = [], 0, 0
    for r, n in enumerate(per_range.tolist()):
        if size and size + n > rows:
            groups.append((lo, r))
            lo, size = r, 0
        size += n
    groups.append((lo, 1 << RANGE_BITS))
    return groups
