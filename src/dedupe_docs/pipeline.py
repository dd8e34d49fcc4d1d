"""clean(): the one orchestration function, read → segment → shingle → index → detect →
decide → emit, plus run() which also writes an output folder."""

from __future__ import annotations

import functools
import gc
import itertools
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import attrs
import numpy as np

from . import __version__, _io, decide, emit, formats, sign, spill, workers
from .config import Config
from .detect import align, block_edges
from .errors import ConfigError, DedupeError, OutputError
from .index import first_occurrences, first_occurrences_by_range, first_occurrences_from_files
from .progress import Clock, Progress, stage
from .read import DocumentLike, EncodingErrors, OnError, input_size, read, read_all, stream
from .types import REASONS, CleanedDocument, Document

if TYPE_CHECKING:
    from .incremental import Prior

log = logging.getLogger("dedupe_docs")


F = TypeVar("F", bound=Callable[..., Any])


def _without_gc(func: F) -> F:
    """``func`` with Python's cyclic garbage collector paused while it runs: a run makes
    millions of small objects (documents, spans) that hold no cycles, and the collector's
    passes over them took about 4% of a run's time. Nothing is lost: the collector runs again
    afterwards."""

    @functools.wraps(func)
    def paused(*args: Any, **kwargs: Any) -> Any:
        if not gc.isenabled():
            return func(*args, **kwargs)
        gc.disable()
        try:
            return func(*args, **kwargs)
        finally:
            gc.enable()

    return paused  # type: ignore[return-value]


def make_config(config: Config | None = None, **overrides: Any) -> Config:
    """A Config from a base and keyword overrides; a bad value raises ConfigError."""
    try:
        return (config or Config()).evolve(**overrides) if overrides else (config or Config())
    except (TypeError, ValueError) as exc:
        raise ConfigError(str(exc)) from exc


@_without_gc
def clean(
    documents: Iterable[DocumentLike] | DocumentLike,
    config: Config | None = None,
    **overrides: Any,
) -> list[CleanedDocument]:
    """Remove duplicate passages, repeats and boilerplate; return every document cleaned.

    ``documents`` may be paths (files, folders of ``*.txt``, ``.jsonl``), ``(id, text)`` pairs,
    dicts with ``id`` and ``text``, or :class:`Document` objects. Options come from ``config``
    and keyword overrides (any :class:`Config` field).

    >>> text = "Hello world, this is it.\\n"
    >>> a, b = clean([("a", text), ("b", text)], min_tokens=3)
    >>> b.text, b.removed[0].reason, b.removed[0].source.id
    ('', 'duplicate', 'a')
    """
    config = make_config(config, **overrides)
    if config.max_memory is not None:
        return [c for batch in spill.clean_batches(read(documents), config, {}) for c in batch]
    return _clean(read(documents), config, {})


def _clean(
    docs: list[Document],
    config: Config,
    timings: dict[str, float],
    progress: Progress | None = None,
    prior: Prior | None = None,
) -> list[CleanedDocument]:
    """The stages over ``docs``; with ``prior`` (a persisted index), the earlier documents that
    ``docs`` repeat come first, with their decisions frozen, and only ``docs`` come out."""
    return [c for chunk in _clean_chunks(docs, config, timings, progress, prior) for c in chunk]


EMIT_CHUNK = 1024
"""Documents built at a time, so that writing them overlaps the building of the next."""


def _clean_chunks(
    docs: list[Document],
    config: Config,
    timings: dict[str, float],
    progress: Progress | None = None,
    prior: Prior | None = None,
) -> Iterator[list[CleanedDocument]]:
    """:func:`_clean`, its output built ``EMIT_CHUNK`` documents at a time (the time between
    chunks, which their consumer takes, is not counted in ``timings``)."""
    clock = Clock(timings)
    frozen = prior.docs if prior is not None else []
    docs = [*frozen, *docs]
    texts = [doc.text for doc in docs]
    files: list[Path] = []
    if prior is not None and prior.signed is not None:
        signed = prior.signed
    else:
        signed, files, bases = _sign_stage(texts, config, progress)
    clock.lap("sign")
    stage(progress, "index")
    if files:  # the signed batches are files: index tasks read their hash range of each
        first = first_occurrences_from_files(files, bases, config.jobs, config.engine)
    elif config.engine == "ray":
        bits = INDEX_BITS if INDEX_BITS is not None else 4
        first = first_occurrences_by_range(signed.shingles, bits, config.jobs, config.engine)
    else:
        first = first_occurrences(signed.shingles, config.jobs)
    if prior is not None:
        prior.observe(signed, first)
    signed = attrs.evolve(signed, shingles=np.zeros(0, np.uint64))  # not needed past the index
    clock.lap("index")
    stage(progress, "detect")
    aligned = align(
        first,
        signed.doc_tokens,
        signed.tok_hash,
        _block_edges(signed),
        k=config.shingle_size,
        min_tokens=config.min_tokens,
        max_gap=config.max_gap,
        keep=config.keep,
        jobs=config.jobs,
    )
    del first
    clock.lap("detect")
    stage(progress, "decide")
    keys = decide.boilerplate_keys(signed, config)
    blk_doc = np.repeat(np.arange(len(docs)), np.diff(signed.doc_blocks))
    if prior is not None:
        boilerplate = prior.boilerplate_set(keys, blk_doc, config)
    else:
        boilerplate = decide.boilerplate_set(keys, blk_doc, len(docs), config)
    units = _decide(signed, texts, aligned, boilerplate, keys, config)
    lengths = np.array([len(t) for t in texts], dtype=np.int64)
    if prior is not None:
        units, schedule = prior.freeze(units)
        restored = np.empty(len(units.doc), dtype=np.int64)
        units, spans = decide.settle(units, lengths, schedule, restored)
        prior.record(units, restored)
    else:
        units, spans = decide.settle(units, lengths)
    removed = decide.merge_removals(units, spans, lengths)
    clock.lap("decide")
    ids = [doc.id for doc in docs]
    batches = prior.batches if prior is not None else None
    for lo in range(len(frozen), len(docs), EMIT_CHUNK):
        chunk = docs[lo : lo + EMIT_CHUNK]
        cleaned = emit.assemble(chunk, lo, ids, removed, spans, batches)
        clock.lap("emit")
        yield cleaned
        clock.skip()


def sign_all(texts: list[str], config: Config, progress: Progress | None = None) -> sign.Signed:
    """The map stage over a corpus: batches signed on the engine, joined in order."""
    return _sign_stage(texts, config, progress)[0]


def _sign_stage(
    texts: list[str], config: Config, progress: Progress | None = None
) -> tuple[sign.Signed, list[Path], np.ndarray]:
    """:func:`sign_all`, the batch files in order when there is a ``work_dir``, and the first
    token of each batch (plus the total)."""
    if config.work_dir is not None:  # every node resolves the same absolute path
        config = config.evolve(work_dir=str(Path(config.work_dir).absolute()))
        sign.remove_leftovers(config.work_dir)
    # Batches of a million characters: their temporary arrays (8 bytes per character before
    # the tokens are known) stay below the size that glibc maps afresh for every allocation, so
    # they reuse memory instead of faulting in new pages (sign 1.70-1.76 s -> 1.47 s at 100 MB).
    # Batches that are files (a work folder) are larger: the index tasks open each of them.
    largest = 1 << 22 if config.work_dir is not None else 1 << 20
    size = BATCH_CHARS or min(largest, max(1 << 16, sum(map(len, texts)) // (4 * config.jobs)))
    batches = sign.batches(texts, size)
    stage(progress, "sign", 0, len(batches))
    chars = [sum(len(texts[i]) for i in batch) for batch in batches]
    joiner = sign.Joiner(sum(chars))
    files: list[Path] = []
    if config.engine == "ray":  # a task gets its own texts, not the whole corpus
        items = [[texts[i] for i in batch] for batch in batches]
        if config.work_dir is None:
            parts = workers.pmap(sign.sign_texts, items, config, 1, "ray")
        else:  # tasks hand over files in the shared work folder, not arrays
            files = [Path(p) for p in workers.pmap(sign.sign_to_file, items, config, 1, "ray")]
            parts = [sign.load(path) for path in files]
        for part, n in zip(parts, chars, strict=True):
            joiner.add(part, n)
        del parts
    else:  # each batch joined as it is done, then let go
        done = workers.imap(_sign_batch, batches, (texts, config), config.jobs)
        for (path, part), n in zip(done, chars, strict=True):
            files += [path] if path is not None else []
            joiner.add(part, n)
            del part
    stage(progress, "sign", len(batches), len(batches))
    return joiner.signed(), files, np.array(joiner.bases)


BATCH_CHARS: int | None = None
"""Characters per sign batch (None: from the corpus size and ``jobs``); tests vary it."""
INDEX_BITS: int | None = None
"""Hash ranges of the index stage on Ray, as top bits (None: 4); tests vary it."""


def _decide(
    s: sign.Signed,
    texts: list[str],
    aligned: np.ndarray,
    boilerplate: np.ndarray,
    keys: np.ndarray,
    config: Config,
) -> decide.Units:
    """:func:`decide.decide` over the corpus; with ``jobs`` above 1, in ``2 * jobs`` parts of
    consecutive documents on threads. Much of deciding is Python, but its kernels, NumPy and
    rapidfuzz calls release the GIL, so parts overlap: 0.55-0.79 s -> 0.37-0.52 s at 100 MB on
    2 threads. A block's decision reads only the corpus's arrays and texts, so the parts' units
    joined in order are the corpus's."""
    n_docs = s.n_docs
    if config.jobs <= 1 or n_docs < 2:
        return decide.decide(s, texts, aligned, boilerplate, keys, config)
    share = np.linspace(0, len(s.tok_start), 2 * config.jobs + 1)[1:-1]
    cuts = np.unique(np.concatenate(([0], np.searchsorted(s.doc_tokens, share), [n_docs])))
    parts = list(itertools.pairwise(cuts.tolist()))
    shared = (s, texts, aligned, boilerplate, keys, config.evolve(jobs=1))
    return decide.Units.concat(workers.tmap(_decide_part, parts, shared, config.jobs))


def _decide_part(shared: tuple[Any, ...], docs: tuple[int, int]) -> decide.Units:
    """:func:`decide.decide` of documents ``d0..d1``: their blocks, seen through the corpus's
    token columns."""
    s, texts, aligned, boilerplate, keys, config = shared
    d0, d1 = docs
    b0, b1 = int(s.doc_blocks[d0]), int(s.doc_blocks[d1])
    blocks = slice(b0, b1)
    view = attrs.evolve(  # the other documents have no blocks
        s,
        doc_blocks=np.clip(s.doc_blocks - b0, 0, b1 - b0),
        blk_start=s.blk_start[blocks],
        blk_end=s.blk_end[blocks],
        blk_t0=s.blk_t0[blocks],
        blk_t1=s.blk_t1[blocks],
    )
    return decide.decide(view, texts, aligned, boilerplate, keys[blocks], config)


def _block_edges(s: sign.Signed) -> tuple[np.ndarray, np.ndarray]:
    nonempty = s.blk_t1 > s.blk_t0
    return block_edges(s.blk_t0[nonempty], s.blk_t1[nonempty], 0, len(s.tok_start))


def _sign_batch(shared: tuple[list[str], Config], batch: range) -> tuple[Path | None, sign.Signed]:
    texts, config = shared
    part = [texts[i] for i in batch]
    if config.work_dir is None:
        return None, sign.sign(part, config)
    return sign.stored(config, part)


@_without_gc
def run(
    inputs: Iterable[DocumentLike],
    out: Path,
    config: Config | None = None,
    *,
    overwrite: bool = False,
    text_field: str = "text",
    id_field: str = "id",
    dolma_attributes: bool = False,
    progress: Progress | None = None,
    index: Path | None = None,
    batch: str | None = None,
    on_error: OnError = "raise",
    encoding_errors: EncodingErrors = "strict",
) -> dict[str, Any]:
    """Clean ``inputs`` and write the output folder ``out`` atomically; return the report.

    Record inputs are written back in their own format (see :mod:`dedupe_docs.formats`);
    ``dolma_attributes`` also writes the removed spans as Dolma attributes; ``progress`` is called
    as ``progress(stage, done, total)`` while the run goes on. With ``index`` (a folder), the
    inputs are cleaned against every batch in it and then added to it as batch ``batch``.
    With ``on_error="skip"`` bad files and records are skipped and listed in the report's
    ``errors``; any failure to write leaves no ``out`` and no temporary folder behind.
    """
    config = config or Config()
    timings: dict[str, float] = {}
    started = time.perf_counter()
    inputs = list(inputs)
    _check_out(out, inputs, overwrite)
    if index is None:
        config = _within_memory(config, inputs, text_field)
    layout = formats.record_layout(inputs)
    stage(progress, "read")
    options = {
        "text_field": text_field,
        "id_field": id_field,
        "on_error": on_error,
        "encoding_errors": encoding_errors,
        "jobs": config.jobs,
    }
    update = None
    batches: Iterable[list[CleanedDocument]]
    if config.max_memory is not None:  # read, clean and write batch by batch
        if index is not None:
            raise ConfigError("--max-memory cannot add to a persisted index (--index)")
        documents, errors = _read(stream, inputs, options)
        batches = spill.clean_batches(documents, config, timings, progress, out.absolute().parent)
    else:
        docs, errors = _read(read_all, inputs, options)
        timings["read"] = round(time.perf_counter() - started, 4)
        if index is not None:
            from . import incremental

            cleaned, update = incremental.clean(index, docs, config, timings, progress, batch)
            batches = [cleaned]
        else:  # built a chunk at a time, written as they come
            batches = _clean_chunks(docs, config, timings, progress)
    totals = Totals()
    try:
        with (
            _io.atomic_folder(out, overwrite=overwrite) as tmp,
            emit.Writer(
                tmp,
                text_field=text_field,
                layout=layout,
                dolma_attributes=dolma_attributes,
                jobs=config.jobs,
            ) as writer,
        ):
            chunks = iter(batches)
            try:
                for cleaned in chunks:
                    writer.add(cleaned)
                    totals.add(cleaned)
            finally:  # a failure here ends the generator now, with its work files
                getattr(chunks, "close", lambda: None)()
            stage(progress, "write")
            report = totals.report(config, timings)
            report["inputs"] = formats.describe_inputs(
                inputs, text_field=text_field, id_field=id_field
            )
            report["errors"] = [e.to_json() for e in errors]
            report["outputs"] = writer.finish(report)
    except (DedupeError, ValueError):
        raise
    except OSError as exc:
        msg = f"{out}: cannot write the output: {_io.describe(exc)}; nothing was written"
        raise OutputError(msg) from exc
    if update is not None:
        report["index"] = update()
    return report


IN_MEMORY_BYTES = 14
"""Peak bytes of memory that cleaning in memory takes per byte of input text, with some room
(measured: 10.4 on the 100 MB benchmark corpus, 9.9 at 1 GB, 12.2 on 200 MB of pages of fuzzy
copies)."""


def _within_memory(config: Config, inputs: list[DocumentLike], text_field: str) -> Config:
    """``config`` bounded to half the memory available when, without a bound, cleaning
    ``inputs`` looks like it would need more than that: a corpus larger than memory is
    cleaned in batches (the same output, more slowly) instead of running out of memory."""
    free = _io.available_memory()
    if config.max_memory is not None or free is None:
        return config
    size = input_size(inputs, text_field)
    if IN_MEMORY_BYTES * size <= free:
        return config
    why = f"the inputs hold about {_megabytes(size)} of text, too much to clean in memory"
    why += f" ({_megabytes(free)} available)"
    if config.keep != "first" or config.engine != "local":
        log.warning(
            "%s; batches need --keep first and the local engine: cleaning in memory anyway", why
        )
        return config
    bound = max(free // 2, 256 << 20)
    log.warning(
        "%s: cleaning in batches within %s (--max-memory sets the bound)", why, _megabytes(bound)
    )
    return config.evolve(max_memory=bound)


def _megabytes(size: int) -> str:
    return f"{size / 1e6:,.0f} MB"


def _read(how: Any, inputs: list[DocumentLike], options: dict[str, Any]) -> Any:
    """``how(inputs, **options)`` (:func:`read_all` or :func:`stream`); a bad option raises
    ConfigError."""
    try:
        return how(inputs, **options)
    except ValueError as exc:
        if isinstance(exc, DedupeError):
            raise
        raise ConfigError(str(exc)) from exc


def _check_out(out: Path, inputs: list[DocumentLike], overwrite: bool) -> None:
    target = out.absolute().resolve()
    for item in inputs:
        if not isinstance(item, (str, os.PathLike)):
            continue
        source = Path(item).absolute().resolve()
        if Path(item).is_dir() and (target == source or source in target.parents):
            msg = f"{out}: output folder is inside input folder {item} (choose --out elsewhere)"
            raise OutputError(msg)
        if target == source or target in source.parents:
            msg = f"{out}: output folder would hold input {item} (choose --out elsewhere)"
            raise OutputError(msg)
    if out.exists() and not overwrite and (not out.is_dir() or any(out.iterdir())):
        raise OutputError(f"{out}: output folder exists and is not empty (use --overwrite)")


class Totals:
    """What a run's report adds up over its documents, one batch at a time: documents,
    characters in and out, removed spans and characters by reason."""

    def __init__(self) -> None:
        self.documents = self.chars_in = self.chars_out = self.changed = 0
        self.removed_chars = dict.fromkeys(REASONS, 0)
        self.removed_spans = dict.fromkeys(REASONS, 0)

    def add(self, cleaned: list[CleanedDocument]) -> None:
        self.documents += len(cleaned)
        for c in cleaned:
            self.chars_in += c.length
            self.chars_out += len(c.text)
            self.changed += bool(c.removed)
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
            "timings": timings,
            "config": config.to_json(),
        }
