"""Inputs read by the engine's tasks, a partition each: on Ray the driver never holds the
corpus's texts, nor an object per document.

The driver lists the inputs (paths and sizes, not contents: :func:`read.listing`) and cuts
them into partitions of consecutive shards of about ``PART_BYTES``; an uncompressed JSON lines
file larger than that is cut into ranges of bytes, a partition each (a range holds the lines
that start in it; tasks first count the newlines before each range, so that its records are
numbered as the local engine numbers them). A task reads its partition as the local reader
reads those files (the same errors, ``on_error`` and ``encoding_errors``), signs its
documents, and returns what the driver needs (:class:`Part`: NumPy columns of its documents,
the errors met and after which document) and, left in the object store (the driver holds
references), the documents' ids, their places, paths and records without their text
(:class:`~dedupe_docs.drivers.documents.Columns`, which the output tasks read by range), the
texts as a :class:`TextStore` (which the decide and output tasks read) and the signed arrays.
The driver goes through the partitions in corpus order as the local reader goes through the
documents: it raises the first error that one raises, refuses duplicate ids (found by their
hashes), fills the hashes and shards read, and joins the signed arrays.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import os
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
import numpy as np

from dedupe_docs.config import Config
from dedupe_docs.drivers.documents import Columns, Paths, StoredDocs, id_hashes, joined_ids
from dedupe_docs.drivers.texts import TextStore, TextStores
from dedupe_docs.errors import InputError
from dedupe_docs.formats.shards import COMPRESSIONS
from dedupe_docs.runtime import storage, workers
from dedupe_docs.runtime.progress import Clock, Progress, log_stage, stage, text_bytes
from dedupe_docs.runtime.remote import RemotePath
from dedupe_docs.stages import boilerplate, sign
from dedupe_docs.stages.detect import block_edges
from dedupe_docs.stages.index import TASK_BITS, first_occurrence_groups, part_groups
from dedupe_docs.stages.read import DocumentLike, Failed, Piece, listing, read_pieces

PART_BYTES: int | None = None
"""Bytes of input per read task; None sizes the partitions from the inputs and ``jobs`` (a
quarter of a job's share, within 1 MiB and 64 MiB). The output does not depend on it."""
SIGN_CHARS = 1 << 20
"""Characters a read task signs at a time (see ``memory._sign_stage``)."""

Partition = tuple[Piece | Failed, ...]


@attrs.frozen(eq=False)
class Corpus:
    """The inputs as the tasks read them: the documents (kept by the read tasks, the driver
    holding handles and their paths), each one's length in characters, the joined
    signatures, the index, the page templates, the texts (shared: a handle on Ray) and the
    errors of the inputs skipped."""

    docs: StoredDocs
    lengths: np.ndarray
    signed: sign.Signed
    """Where each document's tokens and blocks start; the other columns are handles
    (:func:`workers.stream_kept`) on the joined columns, which the driver never fetches, and
    no shingles (the index tasks took them from the read tasks)."""
    edges: Any
    """A handle on the block edges of every token (:func:`block_edges`)."""
    first: Any
    """A handle on the index, by groups of hash ranges (:func:`first_occurrence_groups`)."""
    boilerplate: np.ndarray
    """The page templates' keys, sorted (:func:`boilerplate.boilerplate_set`)."""
    store: Any
    errors: list[InputError]


@attrs.frozen(eq=False)
class Part:
    """What a read task hands the driver of what it read: the errors met and after which
    document (``events``), the documents and errors each piece gave and its file's hash
    (``pieces``), each document's id hash (:func:`id_hashes`), length in characters and path
    (:class:`Paths`), the UTF-8 bytes of its texts, and where each document's tokens and
    blocks start. Its documents' ids, places, paths and records (:class:`Columns`), their
    texts and their other signed arrays stay in the object store."""

    events: list[tuple[int, Failed]]
    pieces: list[tuple[int, int, str | None]]
    id_hash: np.ndarray
    chars: np.ndarray
    paths: Paths
    utf8: int
    doc_tokens: np.ndarray
    doc_blocks: np.ndarray

    @property
    def n_docs(self) -> int:
        return len(self.id_hash)


def applies(inputs: Sequence[DocumentLike], config: Config) -> bool:
    """Whether tasks read ``inputs`` (on Ray, files only, ``reuse="exact"`` and no work
    folder; the caller checks that there is no persisted index and no ``max_memory``). A
    ``memory://`` file lives in the driver's process only: the driver reads it."""
    files = all(
        isinstance(item, (str, os.PathLike)) and not os.fspath(item).startswith("memory://")
        for item in inputs
    )
    return config.engine == "ray" and files and config.work_dir is None and config.reuse == "exact"


def read(
    inputs: list[DocumentLike],
    options: Mapping[str, Any],
    config: Config,
    timings: dict[str, float],
    progress: Progress | None = None,
    size: int = 0,
) -> Corpus:
    """Read, sign, share and index ``inputs`` on the engine's tasks (``options``: those of
    :func:`read.stream`, whose ``hashes`` and ``shards`` are filled as reading fills them;
    ``size``: about how many bytes they hold, for progress)."""
    started = time.perf_counter()
    steps = listing(inputs, options)
    sizes = [_file_size(s.shard.path) if isinstance(s, Piece) else 0 for s in steps]
    target = PART_BYTES or min(1 << 26, max(1 << 20, sum(sizes) // (4 * config.jobs)))
    split = options.get("encoding_errors") != "skip-file"  # else a bad byte drops a whole file
    parts = _numbered(_partitions(steps, sizes, target, split), config)
    text_field = options.get("text_field", "text")
    shared = (dict(options, hashes=None, shards=None), text_field, config.evolve(jobs=1))
    window, groups = 2 * config.jobs, 1 << TASK_BITS
    done = workers.stream_kept(_read_part, parts, shared, window, config.engine, 4 + 2 * groups)
    gather = _Gather(options, progress, max(size, 1), config.engine)
    stores, signs, rows, keys = [], [], [], []
    with contextlib.closing(done):  # closed on a failure: the tasks under way cancelled
        for (part, (ids, columns, texts, signed, *grouped)), pieces in zip(
            done, parts, strict=False
        ):
            gather.add(part, pieces, ids, columns)
            stores.append(texts)
            signs.append(signed)
            rows.append(grouped[:groups])
            keys.append(grouped[groups:])
    signed, edges = _joined(signs, gather, config)
    del signs
    timings["read"] = round(time.perf_counter() - started, 4)  # signing included
    log_stage("read", timings["read"], documents=gather.n_docs)
    clock = Clock(timings)
    stage(progress, "index")
    by_group = [workers.joined([r[g] for r in rows], list, config.engine) for g in range(groups)]
    del rows
    first = workers.joined(
        first_occurrence_groups(by_group, gather.bases, gather.remaps, config), list, config.engine
    )
    del by_group
    starts = np.zeros(len(stores) + 1, np.int64)
    np.cumsum([len(k) if k is not None else n for k, n in gather.kept], out=starts[1:])
    kept = [k for k, _ in gather.kept]
    make = functools.partial(TextStores, first=starts, kept=kept)
    store = workers.joined(stores, make, config.engine)
    clock.lap("index", shingles=gather.tokens)
    boilerplate = _templates(keys, gather, config)
    ids = workers.joined(gather.ids, functools.partial(joined_ids, kept=kept), config.engine)
    paths = Paths.concat(gather.paths)
    docs = StoredDocs(ids, gather.columns, starts, kept, paths)
    lengths = np.concatenate([np.zeros(0, np.int64), *gather.chars])
    return Corpus(docs, lengths, signed, edges, first, boilerplate, store, gather.errors)


SIGNED = (
    *(n for n in sign.TOKEN_COLUMNS if n != "shingles"),
    *sign.BLOCK_COLUMNS,
)
"""The joined columns that stay in the object store, an object each."""


def _joined(signs: list[Any], gather: _Gather, config: Config) -> tuple[sign.Signed, Any]:
    """The read tasks' signatures (``signs``: handles) joined by tasks, a column each (so that
    no task holds more than one joined column), the columns and the block edges left in the
    object store: the driver's :class:`sign.Signed` holds only where each document's tokens
    and blocks start, and handles."""
    shared = (workers.joined(signs, list, config.engine), gather.runs)
    window = 2 * config.jobs
    done = workers.stream_kept(_join_column, list(SIGNED), shared, window, config.engine)
    columns = dict(zip(SIGNED, [k for _, (k,) in done], strict=True))
    edges_of = (columns["blk_t0"], columns["blk_t1"], gather.tokens)
    (_, (edges,)), *_ = list(workers.stream_kept(_edges, [edges_of], None, 1, config.engine))
    signed = sign.Signed(
        doc_tokens=np.concatenate([*gather.doc_tokens, [gather.tokens]]).astype(np.int64),
        doc_blocks=np.concatenate([*gather.doc_blocks, [gather.blocks]]).astype(np.int64),
        shingles=np.zeros(0, np.uint64),
        **columns,
    )
    return signed, edges


def _join_column(
    shared: tuple[list[sign.Signed], list[list[tuple[int, int]]]], name: str
) -> tuple[None, np.ndarray]:
    """A join task: column ``name`` of the runs of documents kept of every part, joined in
    order (block token ranges re-based)."""
    parts, runs = shared
    pieces = [getattr(sign.sign([], Config()), name)]  # its dtype, when nothing is kept
    tokens = 0
    for part, kept in zip(parts, runs, strict=True):
        column = getattr(part, name)
        for a, b in kept:
            t0, t1 = int(part.doc_tokens[a]), int(part.doc_tokens[b])
            if name.startswith("tok_"):
                pieces.append(column[t0:t1])
            else:
                piece = column[int(part.doc_blocks[a]) : int(part.doc_blocks[b])]
                moved = name in ("blk_t0", "blk_t1")
                pieces.append((piece + (tokens - t0)).astype(piece.dtype) if moved else piece)
            tokens += t1 - t0
    return None, np.concatenate(pieces)


def _edges(
    _: None, item: tuple[np.ndarray, np.ndarray, int]
) -> tuple[None, tuple[np.ndarray, np.ndarray]]:
    """The block edges of every token of the corpus (``memory._block_edges``), from its joined
    block token ranges."""
    blk_t0, blk_t1, tokens = item
    nonempty = blk_t1 > blk_t0
    return None, block_edges(blk_t0[nonempty], blk_t1[nonempty], 0, tokens)


def _templates(keys: list[list[Any]], gather: _Gather, config: Config) -> np.ndarray:
    """The page templates' keys, counted by tasks over groups of their top bits (each group
    taking its keys of every part: ``keys``, handles), a part's documents numbered as in the
    corpus (-1: dropped)."""
    numbers, base = [], 0
    for kept, n in gather.kept:
        at = np.arange(n) if kept is None else kept
        number = np.full(n, -1, np.int64)
        number[at] = np.arange(base, base + len(at))
        base += len(at)
        numbers.append(number)
    shared = (numbers, gather.n_docs, config)
    groups = range(1 << TASK_BITS)
    items = [workers.joined([k[g] for k in keys], list, config.engine) for g in groups]
    found = workers.pmap(_group_templates, items, shared, config.jobs, config.engine)
    return boilerplate.joined_templates(found)


def _group_templates(
    shared: tuple[list[np.ndarray], int, Config], runs: list[boilerplate.KeyRows]
) -> np.ndarray:
    numbers, n_docs, config = shared
    return boilerplate.group_templates(runs, numbers, n_docs, config)


def _file_size(path: Path | RemotePath) -> int:
    try:
        return path.size() if isinstance(path, RemotePath) else path.stat().st_size
    except OSError:  # reading it reports it
        return 0


def _splits(piece: Piece, size: int, target: int, split: bool) -> bool:
    name = piece.shard.path.name
    return (
        split
        and piece.shard.kind == "jsonl"
        and not name.endswith(COMPRESSIONS)
        and (size > target)
    )


def _partitions(
    steps: list[Piece | Failed], sizes: list[int], target: int, split: bool
) -> list[Partition]:
    """``steps`` cut into partitions of about ``target`` bytes, in order: consecutive shards,
    or a range of bytes of a large JSON lines file (``before`` not yet known)."""
    parts: list[Partition] = []
    current: list[Piece | Failed] = []
    held = 0
    for step, size in zip(steps, sizes, strict=True):
        if isinstance(step, Piece) and _splits(step, size, target, split):
            if current:
                parts.append(tuple(current))
                current, held = [], 0
            cuts = [*range(0, size, target), None]  # the last range reads to the end
            parts += [(attrs.evolve(step, start=a, end=b),) for a, b in itertools.pairwise(cuts)]
            continue
        current.append(step)
        held += size
        if held >= target:
            parts.append(tuple(current))
            current, held = [], 0
    if current:
        parts.append(tuple(current))
    return parts


def _numbered(parts: list[Partition], config: Config) -> list[Partition]:
    """``parts`` with the newlines before each range of a file counted by tasks (a range's
    ``before``: those of its file's ranges before it)."""
    ranges = [p[0] for p in parts if isinstance(p[0], Piece) and not p[0].whole]
    items = [(r.shard.path, max(r.start - 1, 0), r.end - 1) for r in ranges if r.end is not None]
    counts = iter(workers.pmap(_newlines, items, None, config.jobs, config.engine))
    numbered: list[Partition] = []
    before = 0
    for part in parts:
        piece = part[0]
        if isinstance(piece, Piece) and not piece.whole:
            before = 0 if piece.start == 0 else before
            numbered.append((attrs.evolve(piece, before=before),))
            before += next(counts) if piece.end is not None else 0
        else:
            numbered.append(part)
    return numbered


def _newlines(_: None, item: tuple[Path | RemotePath, int, int]) -> int:
    """The newlines in bytes ``start..end`` of a file."""
    path, start, end = item
    count = 0
    with storage.open_binary(path) as stream:
        stream.seek(start)
        left = end - start
        while left > 0:
            chunk = stream.read(min(left, 1 << 22))
            if not chunk:
                break
            count += chunk.count(b"\n")
            left -= len(chunk)
    return count


def _read_part(shared: tuple[Mapping[str, Any], str, Config], pieces: Partition) -> tuple[Any, ...]:
    """Read, sign and store one partition: the read task. Returns what the driver needs
    (:class:`Part`), the documents' ids, their other columns (:class:`Columns`: the records
    without their text), the texts, the signed arrays but the shingles, the shingle rows of
    each group of hash ranges (:func:`part_groups`) and the page template keys of each group
    of their top bits (:func:`boilerplate.key_groups`)."""
    options, text_field, config = shared
    found = read_pieces(pieces, options)
    texts = [doc.text for doc in found.docs]
    chars = [len(t) for t in texts]
    signed = (
        sign.concat(
            [sign.sign(texts[b.start : b.stop], config) for b in sign.batches(chars, SIGN_CHARS)]
        )
        if texts
        else sign.sign([], config)
    )
    store = TextStore.of(texts)
    utf8 = sum(text_bytes(t) for t in texts)
    del texts
    docs = found.docs
    ids = [doc.id for doc in docs]
    records = [None if d.record is None else {**d.record, text_field: None} for d in docs]
    columns = Columns(found.wheres, [doc.path for doc in docs], records)
    groups = part_groups(signed.shingles)
    blk_doc = np.repeat(np.arange(signed.n_docs), np.diff(signed.doc_blocks))
    keys = boilerplate.key_groups(
        boilerplate.boilerplate_keys(signed, config),
        blk_doc,
        boilerplate.sentence_rows(signed),
        TASK_BITS,
    )
    signed = attrs.evolve(signed, shingles=np.zeros(0, np.uint64))
    part = Part(
        found.events,
        found.pieces,
        id_hashes(ids),
        np.array(chars, np.int64),
        Paths.of(docs),
        utf8,
        signed.doc_tokens,
        signed.doc_blocks,
    )
    return part, ids, columns, store, signed, *groups, *keys


class _Gather:
    """Goes through the partitions' results in corpus order as :func:`read.stream` goes
    through the documents (see the module's docstring). A duplicate id is found by the hashes
    of the ids; only the ids and places of the documents whose hash was met before are
    fetched, to tell a duplicate from a collision and to name the earlier one."""

    def __init__(
        self, options: Mapping[str, Any], progress: Progress | None, size: int, engine: str
    ) -> None:
        self.on_error = options.get("on_error", "raise")
        self.hashes, self.shards = options.get("hashes"), options.get("shards")
        self.engine = engine
        self.n_docs = 0
        self.ids: list[Any] = []  # each part's ids and columns (handles on Ray)
        self.columns: list[Any] = []
        self.chars: list[np.ndarray] = []  # each part's documents kept, their lengths
        self.paths: list[Paths] = []
        self.errors: list[InputError] = []
        self.kept: list[tuple[np.ndarray | None, int]] = []
        self.seen = np.zeros(0, np.uint64)  # the hashes of the ids kept so far, sorted
        self.seen_at = np.zeros(0, np.int64)  # the corpus number of each
        self.tokens = self.blocks = 0  # joined so far
        self.doc_tokens: list[np.ndarray] = []  # where each document's tokens start in the corpus
        self.doc_blocks: list[np.ndarray] = []
        self.runs: list[list[tuple[int, int]]] = []  # each part's runs of documents kept
        self.bases: list[int] = []  # each part's first token in the corpus
        self.remaps: list[np.ndarray | None] = []  # or each of its tokens' (-1: dropped)
        self.file: tuple[str, int, int] | None = None  # the records file read: docs, errors
        self.progress, self.size, self.read = progress, size, 0

    def fail(self, error: InputError) -> None:
        if self.on_error == "raise":
            raise error
        self.errors.append(error)

    def add(self, part: Part, pieces: Partition, ids: Any, columns: Any) -> None:
        n = part.n_docs
        hashes = part.id_hash
        _, first = np.unique(hashes, return_index=True)
        again = np.ones(n, bool)
        again[first] = False  # met before in this part
        met = np.isin(hashes, self.seen) | np.isin(hashes, hashes[again])
        earlier = self._earlier(hashes[met]) if met.any() else {}
        own = workers.value(ids, self.engine) if met.any() else []
        wheres = workers.value(columns, self.engine).wheres if met.any() else []
        events = iter(part.events)
        event = next(events, None)
        kept: list[int] = []
        for i in range(n + 1):
            while event is not None and event[0] == i:
                if event[1].fatal:
                    raise event[1].error
                self.errors.append(event[1].error)
                event = next(events, None)
            if i == n:
                break
            if met[i]:
                doc_id, where = own[i], wheres[i]
                also = earlier.get(doc_id)
                if also is not None:
                    msg = f"duplicate document id {doc_id!r} (also in {also})"
                    code = int(part.paths.code[i])
                    path = part.paths.names[code] if code >= 0 else None
                    hint = "ids must be unique across all inputs" if path else None
                    self.fail(InputError(where, msg, hint=hint))
                    continue
                earlier[doc_id] = where
            kept.append(i)
        self.files(pieces, part.pieces)
        every = len(kept) == n
        at = np.arange(n) if every else np.array(kept, np.int64)
        self.kept.append((None if every else at, n))
        self.ids.append(ids)
        self.columns.append(columns)
        self._seen(hashes[at])
        self.chars.append(part.chars[at])
        self.paths.append(part.paths.taken(at))
        doc_tokens, doc_blocks = part.doc_tokens, part.doc_blocks
        self.bases.append(self.tokens)
        remap = None if every else np.full(int(doc_tokens[-1]), -1, np.int64)
        runs = []
        for a, b in _runs(kept) if not every else [(0, n)] * bool(kept):
            t0, t1 = int(doc_tokens[a]), int(doc_tokens[b])
            if remap is not None:
                remap[t0:t1] = np.arange(self.tokens, self.tokens + t1 - t0)
            self.doc_tokens.append(doc_tokens[a:b] - t0 + self.tokens)
            self.doc_blocks.append(doc_blocks[a:b] - doc_blocks[a] + self.blocks)
            self.tokens += t1 - t0
            self.blocks += int(doc_blocks[b] - doc_blocks[a])
            runs.append((a, b))
        self.runs.append(runs)
        self.remaps.append(remap)
        self.read += part.utf8
        stage(self.progress, "read", self.read, max(self.size, self.read))

    def _seen(self, hashes: np.ndarray) -> None:
        """Note the ids of the documents just kept (``hashes``), numbered on in the corpus."""
        numbers = np.arange(self.n_docs, self.n_docs + len(hashes))
        self.n_docs += len(hashes)
        merged = np.concatenate([self.seen, hashes])
        order = np.argsort(merged, kind="stable")
        self.seen, self.seen_at = merged[order], np.concatenate([self.seen_at, numbers])[order]

    def _earlier(self, hashes: np.ndarray) -> dict[str, str]:
        """The ids of the documents kept so far whose hash is one of ``hashes``, each with
        where it is (fetched from the parts that hold them)."""
        lo = np.searchsorted(self.seen, hashes, "left")
        hi = np.searchsorted(self.seen, hashes, "right")
        found = [self.seen_at[a:b] for a, b in zip(lo.tolist(), hi.tolist(), strict=True)]
        numbers = np.unique(np.concatenate([np.zeros(0, np.int64), *found]))
        starts = np.cumsum([0] + [len(k) if k is not None else n for k, n in self.kept])
        parts = np.searchsorted(starts, numbers, "right") - 1
        earlier: dict[str, str] = {}
        for p in np.unique(parts).tolist():
            k = self.kept[p][0]
            local = numbers[parts == p] - int(starts[p])
            ids = workers.value(self.ids[p], self.engine)
            wheres = workers.value(self.columns[p], self.engine).wheres
            for i in (local if k is None else k[local]).tolist():
                earlier[ids[i]] = wheres[i]
        return earlier

    def files(self, pieces: Partition, counts: list[tuple[int, int, str | None]]) -> None:
        """The hashes and shards of the files read, as the local reader records them."""
        read = [p for p in pieces if isinstance(p, Piece)]
        for piece, (n_docs, n_errors, digest) in zip(read, counts, strict=False):
            shard = piece.shard
            if digest is not None and self.hashes is not None:
                if piece.folder:
                    self.hashes[piece.input][shard.rel] = digest
                else:
                    self.hashes[piece.input] = digest
            if shard.kind == "text" or self.shards is None:
                continue
            if piece.start == 0:
                self.shards.setdefault(shard.rel, []).append(shard)
                self.file = (shard.rel, 0, 0)
            assert self.file is not None
            rel, docs, errors = self.file
            self.file = (rel, docs + n_docs, errors + n_errors)
            last = piece.end is None
            if last and docs + n_docs == 0 and errors + n_errors > 0:  # all skipped: no output
                self.shards[rel].remove(shard)
                if not self.shards[rel]:
                    del self.shards[rel]


def _runs(kept: list[int]) -> Iterator[tuple[int, int]]:
    """The runs of consecutive numbers in ``kept``, as ranges.

    >>> list(_runs([0, 1, 3, 4, 5, 8]))
    [(0, 2), (3, 6), (8, 9)]
    """
    for _, run in itertools.groupby(enumerate(kept), lambda x: x[1] - x[0]):
        found = [k for _, k in run]
        yield found[0], found[-1] + 1
