"""The stages over a corpus held in memory: sign → index → detect → decide → settle → emit.

Every driver comes down to this sequence. The incremental driver plugs in through
:class:`Prior` (the earlier documents a batch repeats, put first with their decisions frozen);
the bounded driver runs the same stage functions batch by batch over files.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

import attrs
import numpy as np

from dedupe_docs.config import Config
from dedupe_docs.drivers.documents import StoredDocs
from dedupe_docs.drivers.texts import Lengths, TextStore
from dedupe_docs.runtime import workers
from dedupe_docs.runtime.memory import release_memory
from dedupe_docs.runtime.progress import Clock, Progress, counted, stage, text_bytes
from dedupe_docs.stages import decide, emit, reworded, settle, sign
from dedupe_docs.stages.boilerplate import (
    boilerplate_keys,
    boilerplate_set,
    sentence_rows,
    template_blocks,
)
from dedupe_docs.stages.detect import align, block_edges
from dedupe_docs.stages.index import (
    first_occurrences,
    first_occurrences_by_range,
    first_occurrences_from_files,
    first_slice,
    position_dtype,
)
from dedupe_docs.types import CleanedDocument, Document


class Prior(Protocol):
    """Earlier documents that a batch is cleaned after (a persisted index), as the in-memory
    driver sees them: they come first, their decisions are frozen, and only the batch comes out.
    """

    docs: list[Document]
    batches: list[str]
    signed: sign.Signed | None

    def observe(self, signed: sign.Signed, first: np.ndarray) -> None:
        """Called with the joined corpus's signatures and first occurrences."""

    def boilerplate_set(
        self,
        keys: np.ndarray,
        blk_doc: np.ndarray,
        sentences: tuple[np.ndarray, np.ndarray],
        config: Config,
    ) -> np.ndarray:
        """The boilerplate keys (with the counted sentences' keys), counted over every batch."""
        ...

    def freeze(self, units: decide.Units) -> tuple[decide.Units, np.ndarray, settle.Copies]:
        """The earlier documents' stored units joined with the batch's, the schedule of
        :func:`settle.settle` and the earlier documents' copies with their sources."""
        ...

    def record(self, units: decide.Units, restored: np.ndarray) -> None:
        """Called with the settled units and the round each was restored in."""


def clean(
    docs: list[Document],
    config: Config,
    timings: dict[str, float],
    progress: Progress | None = None,
    prior: Prior | None = None,
) -> list[CleanedDocument]:
    """The stages over ``docs``; with ``prior`` (a persisted index), the earlier documents that
    ``docs`` repeat come first, with their decisions frozen, and only ``docs`` come out."""
    return [c for chunk in clean_chunks(docs, config, timings, progress, prior) for c in chunk]


EMIT_CHUNK = 1024
"""Documents built at a time, so that writing them overlaps the building of the next."""


def clean_chunks(
    docs: list[Document],
    config: Config,
    timings: dict[str, float],
    progress: Progress | None = None,
    prior: Prior | None = None,
) -> Iterator[list[CleanedDocument]]:
    """:func:`clean`, its output built ``EMIT_CHUNK`` documents at a time (the time between
    chunks, which their consumer takes, is not counted in ``timings``)."""
    yield from chunks(decisions(docs, config, timings, progress, prior), timings)


def chunks(made: Decided, timings: dict[str, float]) -> Iterator[list[CleanedDocument]]:
    """The output of ``made`` built on the driver ``EMIT_CHUNK`` documents at a time."""
    clock = Clock(timings)
    ids = made.ids
    made = made.fetched()
    for lo in range(made.first, len(made.docs), EMIT_CHUNK):
        cleaned = made.assemble(lo, min(lo + EMIT_CHUNK, len(made.docs)), ids)
        clock.lap("emit")
        yield cleaned
        clock.skip()


@attrs.frozen(eq=False)
class Decided:
    """A corpus's decisions, all that building its output needs: the documents (the frozen
    earlier ones of a persisted index first), the removed spans and kept spans of every
    document, and the earlier batch of each frozen document. Documents ``first..`` come out."""

    docs: Sequence[Document]
    """(A :class:`StoredDocs` when tasks read them: :func:`read_decisions`.)"""
    first: int
    removed: decide.Units
    spans: settle.Spans
    """(Both handles when tasks settled them: :func:`read_decisions`.)"""
    batches: list[str] | None = None
    lengths: np.ndarray = attrs.field(factory=lambda: np.zeros(0, np.int64))
    """Each document's length in characters."""
    store: Any = None
    """The texts, shared in the object store, when the documents' own were let go."""
    texts: Any = None
    """The value of ``store``, once fetched (:meth:`fetched`)."""

    @property
    def ids(self) -> list[str]:
        if isinstance(self.docs, StoredDocs):
            return self.docs.id_list()
        return [doc.id for doc in self.docs]

    def assemble(self, d0: int, d1: int, ids: list[str] | None = None) -> list[CleanedDocument]:
        """The cleaned documents ``d0..d1`` of these decisions, fetched (:meth:`fetched`)
        (``ids``: every document's, when known)."""
        ids = self.ids if ids is None else ids
        docs = self.docs[d0:d1]
        if self.texts is not None:  # the driver let the texts go: read back from the store
            texts = self.texts.texts(d0, d1)
            docs = [attrs.evolve(d, text=t) for d, t in zip(docs, texts, strict=True)]
        return emit.assemble(docs, d0, ids, self.removed, self.spans, self.batches)

    def fetched(self) -> Decided:
        """These decisions with the values of the handles on them (the removals, the kept
        spans, the texts) fetched from the object store once, for :meth:`assemble` to build
        the output a chunk at a time: not each value made anew for each chunk (the removals
        and kept spans joined from their parts, the texts' stores gathered)."""
        removed, spans = self.removed, self.spans
        if not isinstance(removed, decide.Units):
            removed, spans = workers.value(removed, "ray"), workers.value(spans, "ray")
        texts = self.texts
        if self.store is not None and texts is None:
            texts = workers.value(self.store, "ray")
        return attrs.evolve(self, removed=removed, spans=spans, texts=texts)


def decisions(
    docs: list[Document],
    config: Config,
    timings: dict[str, float],
    progress: Progress | None = None,
    prior: Prior | None = None,
    *,
    let_go: str | None = None,
) -> Decided:
    """The stages before emit over ``docs``, as :func:`clean` runs them.

    With ``let_go`` (on Ray, without ``prior``, ``reuse="exact"``: the name of the records'
    text field), once the texts are in the object store the driver lets them go: each
    document of ``docs`` is replaced in place by one with an empty text (a record's text field
    None), so that the driver holds no text; :func:`emit_pieces` has its tasks read the texts
    back from the store (``Decided.store``)."""
    clock = Clock(timings)
    frozen = prior.docs if prior is not None else []
    caller = docs
    docs = [*frozen, *docs]
    texts: list[str] | Lengths = [doc.text for doc in docs]
    files: list[Path] = []
    # On Ray the texts go to the tasks once, as one array read by offset (see drivers/texts.py),
    # put into the object store at once: the driver keeps only the reference
    store = workers.share(TextStore.of(texts), "ray") if config.engine == "ray" else None
    kept = None
    if let_go is not None:
        assert store is not None and prior is None and config.reuse == "exact"
        texts = Lengths([len(t) for t in texts], [text_bytes(t) for t in texts])
        caller[:] = [_without_text(doc, let_go) for doc in caller]
        docs = caller
        kept = store
        release_memory()  # the texts' memory back to the system before the signed columns
    if prior is not None and prior.signed is not None:
        signed = prior.signed
        bases = np.zeros(0, np.int64)
    else:
        signed, files, bases = _sign_stage(texts, config, progress, store)
    clock.lap("sign", documents=len(docs), tokens=len(signed.tok_start))
    if store is not None and prior is None:
        signed = set_aside(signed, config)
    index = [_index(signed, files, bases, config, progress)]
    if prior is not None:
        prior.observe(signed, index[0])
    clock.lap("index", shingles=len(signed.shingles))
    signed = attrs.evolve(signed, shingles=np.zeros(0, np.uint64))  # not needed past the index
    made = _signed_decisions(
        docs, len(frozen), texts, signed, index, config, timings, progress, prior, store
    )
    return attrs.evolve(made, store=kept)


def read_decisions(
    held: list[Any], config: Config, timings: dict[str, float], progress: Progress | None = None
) -> Decided:
    """:func:`decisions` of a corpus that tasks read, signed and indexed
    (:class:`~dedupe_docs.drivers.reads.Corpus`: the documents without their text, their
    lengths, the signatures, the index, and the texts shared in the object store, which the
    output tasks read too). ``held`` is a list of the one corpus, emptied: no reference is
    left to what the driver lets go on the way (the index after detection, the token
    columns it does not read)."""
    corpus = held.pop()
    clock = Clock(timings)
    s = corpus.signed
    n_docs = s.n_docs
    parts = _parts(s, 2 * config.jobs) if config.keep == "first" else [(0, n_docs)]
    stage(progress, "detect", 0, n_docs)
    shared = (
        corpus.first,
        s.doc_tokens,
        s.tok_hash,
        s.tok_exact,
        corpus.edges,
        s.tok_start,
        s.tok_end,
        s.tok_sentence,
        corpus.boilerplate,
        config.evolve(jobs=1),
    )
    done = workers.stream_kept(_align_kept, parts, shared, 2 * config.jobs, config.engine)
    counts, aligned = [], []
    for count, (part,) in done:
        counts.append(count)
        aligned.append(part)
    stage(progress, "detect", n_docs, n_docs)
    clock.lap("detect", aligned_tokens=sum(counts))
    if config.keep == "first":  # each decision task takes its documents' alignment
        items = [(d, a, int(s.doc_tokens[d[0]])) for d, a in zip(parts, aligned, strict=True)]
    else:  # one alignment of the whole corpus
        items = [(d, aligned[0], 0) for d in _parts(s, max(2 * config.jobs, 2))]
    stage(progress, "decide", 0, n_docs)
    shared = (s, corpus.store, corpus.boilerplate, config.evolve(jobs=1))
    decided = workers.stream_kept(_decide_kept, items, shared, 2 * config.jobs, config.engine)
    blocks, units = 0, []
    for n, (part,) in decided:
        blocks += n
        units.append(part)
    stage(progress, "decide", n_docs, n_docs)
    n_removed, removed, spans = _settle_parts(units, corpus.lengths, corpus.store, config)
    clock.lap("decide", blocks=blocks, removed_spans=n_removed)
    return Decided(corpus.docs, 0, removed, spans, None, corpus.lengths, corpus.store)


def _settle_parts(
    parts: list[Any], lengths: np.ndarray, texts: Any, config: Config
) -> tuple[int, Any, Any]:
    """:func:`settle.settle` and :func:`settle.merge_removals` of the units of consecutive
    ranges of whole documents (``parts``: handles, the units left in the object store), by
    tasks over the ranges, pass by pass (:func:`settle.settle_pass`, given the kept spans and
    the :func:`settle.surviving_copies` of the whole corpus, joined in the object store;
    ``texts``: a handle on what has ``chars(doc, start, end)``): the driver holds only handles
    and counts. Returns how many removals there are, and the merged removals and the kept
    spans of the whole corpus, each joined into one object (handles on Ray)."""
    engine, window = config.engine, 2 * config.jobs
    parts = list(parts)
    if not parts:  # no documents (an empty input, allowed)
        return 0, decide.Units.empty(), settle.kept_spans(decide.Units.empty())

    def kept(func: Any, items: list[Any], shared: Any, n: int = 1) -> list[Any]:
        return [k for _, k in workers.stream_kept(func, items, shared, window, engine, n)]

    def one(concat: Any, handles: list[Any]) -> Any:
        """The values of ``handles`` concatenated by one task, as one object that the tasks
        of a wave map as it is (not each concatenating them anew)."""
        ((joined,),) = kept(_concat, [(concat, workers.joined(handles, list, engine))], None)
        return joined

    # the decision tasks' ranges joined into fewer, larger ones (a task each and its kept
    # spans): a pass over a range is the same whatever its documents, and each wave below
    # costs the driver a task per range
    groups = _ranges(np.arange(1, len(parts) + 1), SETTLE_RANGES * config.jobs)
    ranges = [workers.joined(parts[a:b], list, engine) for a, b in groups]
    made = kept(_joined_units, ranges, None, 2)
    parts, spans = [units for units, _ in made], [part_spans for _, part_spans in made]
    while True:
        every = one(settle.Spans.concat, spans)
        shared_every = (every, lengths)
        found = list(workers.stream_kept(_copies_of, parts, shared_every, window, engine))
        if not any(n_lost for (n_lost, _), _ in found):  # settled: the pass would change nothing
            break
        reads = [i for i, ((_, n_free), _) in enumerate(found) if n_free]
        if reads:  # a pass over the ranges it reads (the others stay as they are in it)
            copies = one(settle.Copies.concat, [k for _, (k,) in found])
            shared = (every, copies, lengths, config.min_tokens, texts)
            items = [parts[i] for i in reads]
            done = list(workers.stream_kept(_settle_pass, items, shared, window, engine, 2))
            recited = [r > 0 for (r, _), _ in done]
            trimmed = [n > 0 for (_, n), _ in done]
            if any(recited) or any(trimmed):  # the ranges that changed take their new units
                changed = recited if any(recited) else trimmed
                for i, c, (_, (units, part_spans)) in zip(reads, changed, done, strict=True):
                    if c:
                        parts[i], spans[i] = units, part_spans
                continue
        lost = [i for i, ((n_lost, _), _) in enumerate(found) if n_lost]
        items = [parts[i] for i in lost]
        restored = kept(_restore, items, shared_every, 2)
        for i, (units, part_spans) in zip(lost, restored, strict=True):
            parts[i], spans[i] = units, part_spans
    merged = list(workers.stream_kept(_merge_part, parts, (every, lengths), window, engine))
    removed = one(decide.Units.concat, [k for _, (k,) in merged])
    return sum(n for n, _ in merged), removed, every  # (the spans as the last pass found them)


def _concat(_: None, item: tuple[Any, list[Any]]) -> tuple[None, Any]:
    """A task: ``concat`` of the values of ``parts`` (``item``), as one object."""
    concat, parts = item
    return None, concat(parts)


def _joined_units(_: None, parts: list[decide.Units]) -> tuple[None, decide.Units, settle.Spans]:
    """A task: the units of consecutive ranges joined, and their kept spans."""
    units = decide.Units.concat(parts)
    return None, units, settle.kept_spans(units)


def _copies_of(
    shared: tuple[settle.Spans, np.ndarray], units: decide.Units
) -> tuple[tuple[int, int], settle.Copies]:
    """:func:`settle.pass_work` of a range's units: how many removals it loses and how many
    of those a pass reads; the copies it cites through."""
    n_lost, n_free, copies = settle.pass_work(units, *shared)
    return (n_lost, n_free), copies


def _settle_pass(
    shared: tuple[settle.Spans, settle.Copies, np.ndarray, int, Any], units: decide.Units
) -> tuple[tuple[int, int], decide.Units, settle.Spans]:
    """:func:`settle.settle_pass` of a range's units: how many it cited through copies and
    trimmed; the units so changed and their kept spans."""
    spans, copies, lengths, min_tokens, texts = shared
    recited, trimmed, units, _ = settle.settle_pass(
        units, spans, copies, lengths, min_tokens, texts.chars
    )
    return (recited, trimmed), units, settle.kept_spans(units)


def _restore(
    shared: tuple[settle.Spans, np.ndarray], units: decide.Units
) -> tuple[None, decide.Units, settle.Spans]:
    """A range's units with the removals whose source is lost kept (a pass that neither
    cites through copies nor trims anywhere), and their kept spans."""
    units = settle.restored(units, settle.lost_removals(units, *shared))
    return None, units, settle.kept_spans(units)


def _merge_part(
    shared: tuple[settle.Spans, np.ndarray], units: decide.Units
) -> tuple[int, decide.Units]:
    removed = settle.merge_removals(units, *shared)
    return len(removed.doc), removed


def _align_kept(shared: tuple[Any, ...], docs: tuple[int, int]) -> tuple[int, np.ndarray]:
    """:func:`_align_part` with the index read from its groups (``first_occurrence_groups``):
    how many tokens it aligned, and their alignment."""
    groups, doc_tokens, *rest = shared
    lo, hi = int(doc_tokens[docs[0]]), int(doc_tokens[docs[1]])
    first = first_slice(groups, lo, hi, int(doc_tokens[-1]))
    aligned = _align_part((first, doc_tokens, *rest), docs, base=lo)
    return int(np.count_nonzero(aligned >= 0)), aligned


def _decide_kept(
    shared: tuple[Any, ...], item: tuple[tuple[int, int], np.ndarray, int]
) -> tuple[int, decide.Units]:
    """:func:`decide.decide` of documents ``d0..d1`` of a corpus whose columns all stay in the
    object store, given their alignment (from token ``base`` on); their blocks' template keys
    made here (a block's keys depend on its own document only, and a template's run never
    crosses a document's edge). Returns how many units it decided, and the units with their
    runs of kept units joined (:func:`settle.joined_kept`: they are only settled)."""
    s, store, boilerplate, config = shared
    docs, aligned, base = item
    view = _blocks_of(_taken_back(s), *docs)
    keys = boilerplate_keys(_own_tokens(view, *docs), config)
    template = template_blocks(keys, boilerplate, view.blk_t1 - view.blk_t0, config)
    del keys
    units = decide.decide(
        view, store.view(*docs), aligned, template, config, base, common=boilerplate
    )
    return len(units.doc), settle.joined_kept(units)


def _own_tokens(view: sign.Signed, d0: int, d1: int) -> sign.Signed:
    """``view`` (:func:`_blocks_of` documents ``d0..d1``) with only their exact token hashes,
    its blocks' token ranges moved to match: what :func:`boilerplate_keys` reads of the
    blocks of a range, without a pass over every token of the corpus in each task."""
    t0, t1 = int(view.doc_tokens[d0]), int(view.doc_tokens[d1])
    return attrs.evolve(
        view, tok_exact=view.tok_exact[t0:t1], blk_t0=view.blk_t0 - t0, blk_t1=view.blk_t1 - t0
    )


ASIDE = ("tok_start", "tok_end", "tok_hash")
"""The token columns that only the tasks read (detect and decide): on Ray, with
``keep="first"`` and ``reuse="exact"``, put into the object store once signed, so that the
driver does not hold them (the index and the boilerplate it computes read other columns)."""


def set_aside(s: sign.Signed, config: Config) -> sign.Signed:
    """``s`` with the columns of ``ASIDE`` put into the object store, handles in their place
    (tasks take them back: :func:`_taken_back`), when the driver never reads them."""
    if config.engine != "ray" or config.keep != "first" or config.reuse != "exact":
        return s
    columns = {n: getattr(s, n) for n in ASIDE if isinstance(getattr(s, n), np.ndarray)}
    return attrs.evolve(s, **{n: workers.share(v, "ray") for n, v in columns.items()})


def _taken_back(s: sign.Signed) -> sign.Signed:
    """``s`` with the columns left in the object store (:func:`set_aside`, the read tasks')
    read from it."""
    names = [f.name for f in attrs.fields(sign.Signed)]
    aside = {n: getattr(s, n) for n in names if not isinstance(getattr(s, n), np.ndarray)}
    return attrs.evolve(s, **{n: workers.value(v, "ray") for n, v in aside.items()})


def _signed_decisions(
    docs: list[Document],
    n_frozen: int,
    texts: list[str] | Lengths,
    signed: sign.Signed,
    index: list[np.ndarray],
    config: Config,
    timings: dict[str, float],
    progress: Progress | None,
    prior: Prior | None,
    store: Any,
) -> Decided:
    """The stages of :func:`decisions` after the index (``index``: a list of it, emptied, so
    that it is let go after detection)."""
    clock = Clock(timings)
    # The template set first: detection leaves out short copies of its formulas.
    keys = boilerplate_keys(signed, config)
    blk_doc = np.repeat(np.arange(len(docs)), np.diff(signed.doc_blocks))
    sentences = sentence_rows(signed)
    if prior is not None:
        boilerplate = prior.boilerplate_set(keys, blk_doc, sentences, config)
    else:
        boilerplate = boilerplate_set(keys, blk_doc, sentences, len(docs), config)
    del sentences
    template = template_blocks(keys, boilerplate, signed.blk_t1 - signed.blk_t0, config)
    del keys
    first = index.pop()
    aligned = _align(first, signed, boilerplate, config, progress)
    del first
    clock.lap("detect", aligned_tokens=int(np.count_nonzero(aligned >= 0)))
    units = _decide(signed, texts, aligned, (template, boilerplate), config, progress, store)
    if config.reuse == "paraphrase":  # a stage of its own in the timings
        clock.lap("decide")
        units = reworded.find(signed, texts, units, config, progress)
        clock.lap("reworded", removed_units=int(np.count_nonzero(units.rule == decide.REWORDED)))
    chars = texts.chars if isinstance(texts, Lengths) else [len(t) for t in texts]
    held = [units]
    del units
    read = _reader(texts, store)
    del store
    lengths = np.array(chars, dtype=np.int64)
    return _settled(docs, n_frozen, held, lengths, read, prior, config, clock)


def _settled(
    docs: list[Document],
    n_frozen: int,
    held: list[decide.Units],
    lengths: np.ndarray,
    read: Callable[[int, int, int], str],
    prior: Prior | None,
    config: Config,
    clock: Clock,
) -> Decided:
    """The decisions of the units in ``held`` settled (:func:`settle.settle`, ``read``
    reading the texts), the removals merged. ``held`` is emptied, so that the units as
    decided are let go once settled."""
    units = held.pop()
    if prior is not None:
        units, schedule, copies = prior.freeze(units)
        units, spans, restored = settle.settle(
            units, lengths, config.min_tokens, read, schedule, earlier_copies=copies
        )
        prior.record(units, restored)
    else:
        units, spans, _ = settle.settle(units, lengths, config.min_tokens, read)
    removed = settle.merge_removals(units, spans, lengths)
    clock.lap("decide", blocks=len(units.doc), removed_spans=len(removed.doc))
    batches = prior.batches if prior is not None else None
    return Decided(docs, n_frozen, removed, spans, batches, lengths)


def _reader(texts: list[str] | Lengths, store: Any) -> Callable[[int, int, int], str]:
    """``read(doc, start, end)``: characters of a text, from the object store where the driver
    let the texts go."""
    if isinstance(texts, Lengths):
        return lambda d, start, end: workers.value(store, "ray").chars(d, start, end)
    return lambda d, start, end: texts[d][start:end]


def _index(
    signed: sign.Signed,
    files: list[Path],
    bases: np.ndarray,
    config: Config,
    progress: Progress | None,
) -> np.ndarray:
    """The index stage: where each token's shingle first occurs."""
    stage(progress, "index")
    if files:  # the signed batches are files: index tasks read their hash range of each
        return first_occurrences_from_files(files, bases, config.jobs, config.engine)
    if config.engine == "ray":
        return first_occurrences_by_range(
            signed.shingles, RAY_INDEX_BITS, config.jobs, config.engine
        )
    return first_occurrences(signed.shingles, config.jobs)


def _without_text(doc: Document, field: str) -> Document:
    """``doc`` with an empty text, and its record (a copy) with None in the text field."""
    record = None if doc.record is None else {**doc.record, field: None}
    return attrs.evolve(doc, text="", record=record)


def sign_all(texts: list[str], config: Config, progress: Progress | None = None) -> sign.Signed:
    """The map stage over a corpus: batches signed on the engine, joined in order."""
    return _sign_stage(texts, config, progress)[0]


def _sign_stage(
    texts: list[str] | Lengths,
    config: Config,
    progress: Progress | None = None,
    store: Any = None,
) -> tuple[sign.Signed, list[Path], np.ndarray]:
    """:func:`sign_all`, the batch files in order when there is a ``work_dir``, and the first
    token of each batch (plus the total). On Ray, tasks read their texts from ``store`` (a
    :class:`TextStore` shared by :func:`workers.share`; the texts' own when not given), and
    ``texts`` may be only their :class:`Lengths`."""
    if config.work_dir is not None:  # every node resolves the same absolute path
        config = config.evolve(work_dir=str(Path(config.work_dir).absolute()))
        sign.remove_leftovers(config.work_dir)
    # Batches of a million characters: their temporary arrays (8 bytes per character before
    # the tokens are known) stay below the size that glibc maps afresh for every allocation, so
    # they reuse memory instead of faulting in new pages.
    # Batches that are files (a work folder) are larger: the index tasks open each of them.
    largest = 1 << 22 if config.work_dir is not None else 1 << 20
    measured = texts if isinstance(texts, Lengths) else None
    lengths = measured.chars if measured is not None else [len(t) for t in texts]  # type: ignore[union-attr]
    size = SIGN_BATCH_CHARS or min(largest, max(1 << 16, sum(lengths) // (4 * config.jobs)))
    batches = sign.batches(lengths, size)
    chars = [sum(lengths[i] for i in batch) for batch in batches]
    if measured is not None:
        sizes = [sum(measured.utf8[i] for i in batch) for batch in batches]
    else:
        sizes = [sum(text_bytes(texts[i]) for i in batch) for batch in batches]  # type: ignore[arg-type]
    signing = counted(sizes, "sign", progress, sum(sizes), int)  # as each batch is joined
    joiner = sign.Joiner(sum(chars))
    files: list[Path] = []
    if config.engine == "ray":  # a task decodes its own documents of the shared store
        if store is None:
            store = workers.share(TextStore.of(texts), "ray")  # type: ignore[arg-type]
        shared = (store, config)
        items = [(batch.start, batch.stop) for batch in batches]
        if config.work_dir is None:
            parts = workers.pmap(_sign_stored, items, shared, 1, "ray")
        else:  # tasks hand over files in the shared work folder, not arrays
            files = [Path(p) for p in workers.pmap(_sign_stored_to_file, items, shared, 1, "ray")]
            parts = [sign.load(path) for path in files]
        del shared
        for part, n, _ in zip(parts, chars, signing, strict=True):
            joiner.add(part, n)
        del parts
    else:  # each batch joined as it is done, then let go
        assert measured is None, "the local engine signs the texts themselves"
        done = workers.imap(_sign_batch, batches, (texts, config), config.jobs)
        for (path, part), n, _ in zip(done, chars, signing, strict=True):
            files += [path] if path is not None else []
            joiner.add(part, n)
            del part
    return joiner.signed(), files, np.array(joiner.bases)


SIGN_BATCH_CHARS: int | None = None
"""Characters of text per sign batch, a task each; None sizes the batches from the corpus and
``jobs`` (a quarter of a job's share, within 64 Ki and 1 Mi characters, 4 Mi in a work folder).
The output does not depend on it."""
RAY_INDEX_BITS = 4
"""The index stage on Ray splits the shingle hashes into ``2 ** RAY_INDEX_BITS`` ranges by
their top bits, a task each. The output does not depend on it."""


SETTLE_RANGES = 4
"""Ranges of consecutive documents per job that settling on Ray goes through, a task each per
wave (the decision tasks' ranges joined, at most as many as there are). The output does not
depend on it."""
PART_TOKENS = 1 << 21
"""Tokens per part of detect and decide (a part ends at a document's end): a large corpus goes
through those stages in parts, so that their progress can be told."""


def _parts(s: sign.Signed, least: int) -> list[tuple[int, int]]:
    """Ranges of consecutive documents, ``least`` or more (one per ``PART_TOKENS`` tokens),
    of about as many tokens each."""
    n_docs, n_tokens = s.n_docs, int(s.doc_tokens[-1])
    share = np.linspace(0, n_tokens, max(least, n_tokens // PART_TOKENS, 1) + 1)[1:-1]
    cuts = np.unique(np.concatenate(([0], np.searchsorted(s.doc_tokens, share), [n_docs])))
    return list(itertools.pairwise(cuts.tolist()))


def _align(
    first: np.ndarray,
    s: sign.Signed,
    formulas: np.ndarray,
    config: Config,
    progress: Progress | None,
) -> np.ndarray:
    """:func:`align` over the corpus (``formulas``: the template set), a part of its
    documents at a time (passages never leave their target document, so the parts'
    alignments are the corpus's); ``keep="longest"`` turns passages around across the
    corpus, so it aligns the corpus at once. On Ray each part is a task."""
    parts = _parts(s, 1) if config.keep == "first" else [(0, s.n_docs)]
    aligned = np.empty(len(first), dtype=position_dtype(len(first)))
    edges = _block_edges(s)
    stage(progress, "detect", 0, s.n_docs)
    if config.engine == "ray" and config.keep == "first":
        parts = _parts(s, 2 * config.jobs)
        columns = (s.tok_hash, s.tok_exact, edges, s.tok_start, s.tok_end, s.tok_sentence)
        columns += (formulas,)
        shared = (first, s.doc_tokens, *columns, config.evolve(jobs=1))
        for (d0, d1), part in zip(
            parts, workers.pmap(_align_part, parts, shared, 1, "ray"), strict=True
        ):
            aligned[int(s.doc_tokens[d0]) : int(s.doc_tokens[d1])] = part
        stage(progress, "detect", s.n_docs, s.n_docs)
        return aligned
    for d0, d1 in parts:
        lo, hi = int(s.doc_tokens[d0]), int(s.doc_tokens[d1])
        aligned[lo:hi] = align(
            first[lo:hi],
            s.doc_tokens,
            s.tok_hash,
            s.tok_exact,
            edges,
            spans=(s.tok_start, s.tok_end),
            sentences=s.tok_sentence,
            formulas=formulas,
            k=config.shingle_size,
            min_tokens=config.min_tokens,
            max_gap=config.max_gap,
            keep=config.keep,
            base=lo,
            jobs=config.jobs,
        )
        stage(progress, "detect", d1, s.n_docs)
    return aligned


def _decide(
    s: sign.Signed,
    texts: list[str],
    aligned: np.ndarray,
    template: tuple[np.ndarray, np.ndarray],
    config: Config,
    progress: Progress | None = None,
    store: Any = None,
) -> decide.Units:
    """:func:`decide.decide` over the corpus (``template``: whether each block stands in a
    page template, and the keys that stand in enough documents), in parts of consecutive
    documents (at least ``2 * jobs`` with ``jobs`` above 1, on threads; with a ``store``, a
    shared :class:`TextStore`, as Ray tasks). Much of deciding is Python, but its kernels,
    NumPy and rapidfuzz calls release the GIL, so parts overlap. A block's decision reads only
    the corpus's arrays and texts, so the parts' units joined in order are the corpus's."""
    parts = _parts(s, 2 * config.jobs if config.jobs > 1 else 1)
    stage(progress, "decide", 0, s.n_docs)
    if store is not None:  # a task decodes its own documents and slices the passages it cites
        parts = _parts(s, max(2 * config.jobs, 2))
        shared = (s, store, aligned, template, config.evolve(jobs=1))
        done = workers.pmap(_decide_stored, parts, shared, 1, "ray")
        stage(progress, "decide", s.n_docs, s.n_docs)
        return decide.Units.concat(done)
    if len(parts) < 2:
        units = decide.decide(s, texts, aligned, template[0], config, common=template[1])
        stage(progress, "decide", s.n_docs, s.n_docs)
        return units
    shared = (s, texts, aligned, template, config.evolve(jobs=1))
    done = []
    decided = workers.imap(_decide_part, parts, shared, config.jobs)
    for (_, d1), units in zip(parts, decided, strict=True):
        done.append(units)
        stage(progress, "decide", d1, s.n_docs)
    return decide.Units.concat(done)


def _decide_part(shared: tuple[Any, ...], docs: tuple[int, int]) -> decide.Units:
    """:func:`decide.decide` of documents ``d0..d1``: their blocks, seen through the corpus's
    token columns."""
    s, texts, aligned, (template, common), config = shared
    b0, b1 = int(s.doc_blocks[docs[0]]), int(s.doc_blocks[docs[1]])
    view = _blocks_of(s, *docs)
    return decide.decide(view, texts, aligned, template[b0:b1], config, common=common)


def _blocks_of(s: sign.Signed, d0: int, d1: int) -> sign.Signed:
    """``s`` seen as the blocks of documents ``d0..d1`` (the other documents have none),
    through the corpus's token columns."""
    b0, b1 = int(s.doc_blocks[d0]), int(s.doc_blocks[d1])
    blocks = slice(b0, b1)
    return attrs.evolve(
        s,
        doc_blocks=np.clip(s.doc_blocks - b0, 0, b1 - b0),
        blk_start=s.blk_start[blocks],
        blk_end=s.blk_end[blocks],
        blk_t0=s.blk_t0[blocks],
        blk_t1=s.blk_t1[blocks],
    )


def _decide_stored(shared: tuple[Any, ...], docs: tuple[int, int]) -> decide.Units:
    """:func:`_decide_part` with the texts read from a :class:`TextStore`."""
    s, store, *rest = shared
    return _decide_part((_taken_back(s), store.view(*docs), *rest), docs)


def _align_part(shared: tuple[Any, ...], docs: tuple[int, int], base: int = 0) -> np.ndarray:
    """:func:`align` of the tokens of documents ``d0..d1`` (``first`` covering the corpus's
    tokens from ``base`` on)."""
    first, doc_tokens, tok_hash, tok_exact, edges, tok_start, tok_end, *rest = shared
    tok_sentence, formulas, config = rest
    lo, hi = int(doc_tokens[docs[0]]), int(doc_tokens[docs[1]])
    return align(
        first[lo - base : hi - base],
        doc_tokens,
        tok_hash,
        tok_exact,
        edges,
        spans=(tok_start, tok_end),
        sentences=tok_sentence,
        formulas=formulas,
        k=config.shingle_size,
        min_tokens=config.min_tokens,
        max_gap=config.max_gap,
        keep=config.keep,
        base=lo,
        jobs=1,
    )


def _sign_stored(shared: tuple[TextStore, Config], docs: tuple[int, int]) -> sign.Signed:
    store, config = shared
    return sign.sign(store.texts(*docs), config)


def _sign_stored_to_file(shared: tuple[TextStore, Config], docs: tuple[int, int]) -> Path:
    store, config = shared
    return sign.stored(config, store.texts(*docs))[0]


def _block_edges(s: sign.Signed) -> tuple[np.ndarray, np.ndarray]:
    nonempty = s.blk_t1 > s.blk_t0
    return block_edges(s.blk_t0[nonempty], s.blk_t1[nonempty], 0, int(s.doc_tokens[-1]))


def _sign_batch(shared: tuple[list[str], Config], batch: range) -> tuple[Path | None, sign.Signed]:
    texts, config = shared
    part = [texts[i] for i in batch]
    if config.work_dir is None:
        return None, sign.sign(part, config)
    return sign.stored(config, part)


EMIT_PIECE_CHARS = 1 << 24
"""Characters of text per emit task on Ray (a task ends at a document's end; at least ``2 *
jobs`` tasks). The output does not depend on it."""


def emit_pieces(
    made: Decided, plan: emit.PiecePlan, config: Config, cuts: np.ndarray
) -> Iterator[emit.Piece]:
    """The output of ``made`` written by Ray tasks (:func:`emit.write_piece`) over ranges of
    consecutive documents, each beginning at one of ``cuts`` (the documents where a task may
    begin: no output file but those the driver joins spans them), of about as many characters
    each where the cuts allow; the pieces yielded in corpus order as each is done, with at
    most ``2 * jobs`` tasks under way. A task gets its own documents (read by range from the
    read tasks' columns when they kept them: :class:`StoredDocs`); the decisions and the ids
    are put into the object store once."""
    sizes = made.lengths[made.first :]
    n = len(sizes)
    if n == 0:
        return
    wanted = max(2 * config.jobs, int(sizes.sum()) // EMIT_PIECE_CHARS)
    ends = [d1 for _, d1 in _ranges(np.cumsum(sizes), wanted)][:-1]
    cuts = np.append(cuts[(cuts > 0) & (cuts < n)], n)
    bounds = np.unique(np.concatenate(([0], cuts[np.searchsorted(cuts, ends)], [n])))
    ranges = [(made.first + d0, made.first + d1) for d0, d1 in itertools.pairwise(bounds.tolist())]
    docs = made.docs
    if isinstance(docs, StoredDocs):
        items = [(d0, docs.columns(d0, d1)) for d0, d1 in ranges]
        shared = (plan, docs.ids, made.removed, made.spans, made.store)
    else:
        items = [(d0, _columns(docs[d0:d1])) for d0, d1 in ranges]
        shared = (plan, made.ids, made.removed, made.spans, made.store)
    yield from workers.stream(_emit_part, items, shared, 2 * config.jobs, config.engine)


class Placing:
    """The placer of :meth:`emit.Writer.add_piece`: the emit tasks' piece files copied into
    place (:func:`emit.place`) by a task for each piece, started as soon as the driver has
    counted where its files go, so that the driver copies none of the output and each piece
    is deleted soon after it is written (the pieces do not pile up on disk). Leaving the block
    waits for them all, on a failure too (so that none writes into the folder once it is
    removed), whose own error then gives way."""

    def __init__(self, config: Config) -> None:
        self.engine = config.engine
        self.tasks: list[Any] = []

    def __call__(self, placements: list[emit.Placement]) -> None:
        self.tasks.append(workers.submit(_place, placements, None, self.engine))

    def __enter__(self) -> Placing:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        tasks, self.tasks = self.tasks, []
        if kind is None:
            workers.wait(tasks, self.engine)
            return
        with contextlib.suppress(Exception):
            workers.wait(tasks, self.engine)


def _place(_: None, placements: list[emit.Placement]) -> None:
    emit.place(placements)


def _ranges(ends: np.ndarray, n: int) -> list[tuple[int, int]]:
    """``n`` ranges (or fewer) of consecutive items of about equal total size, ``ends`` being
    the cumulative sizes: each nonempty, together all of them.

    >>> _ranges(np.array([1, 2, 3, 10]), 2), _ranges(np.array([], np.int64), 4)
    ([(0, 3), (3, 4)], [])
    """
    if not len(ends):
        return []
    share = np.linspace(0, int(ends[-1]), max(n, 1) + 1)[1:-1]
    cuts = np.unique(np.concatenate(([0], np.searchsorted(ends, share, "right"), [len(ends)])))
    return list(itertools.pairwise(cuts.tolist()))


def _columns(docs: Sequence[Document]) -> tuple[list[str | None], list[Any], list[str]]:
    """The paths, records and texts of ``docs`` (the ids the tasks have), as lists: sent to a
    task without pickling a Document object each, which costs the driver more."""
    return [d.path for d in docs], [d.record for d in docs], [d.text for d in docs]


def _emit_part(shared: tuple[Any, ...], item: tuple[int, tuple[list[Any], ...]]) -> emit.Piece:
    """:func:`emit.write_piece` of one range of documents, given their paths and records
    (and texts, unless the texts are read from the store)."""
    plan, ids, removed, spans, store = shared
    first, (paths, records, *given) = item
    if store is not None:
        texts = store.texts(first, first + len(paths))
    else:
        (texts,) = given
    chosen = ids[first : first + len(paths)]
    docs = [Document(*doc) for doc in zip(chosen, texts, paths, records, strict=True)]
    return emit.write_piece(plan, docs, first, ids, removed, spans)
