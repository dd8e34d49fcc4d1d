"""The library's API: :func:`clean` documents in memory, :func:`clean_records` (dicts in,
dicts out) and :func:`run`, which also writes an output folder. Each picks a driver: in memory,
in bounded memory (``max_memory``), or against a persisted index."""

from __future__ import annotations

import collections
import contextlib
import functools
import gc
import logging
import os
import re
import shutil
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import attrs
import numpy as np

from dedupe_docs.config import Config
from dedupe_docs.drivers import memory, reads, warmup
from dedupe_docs.drivers.documents import Paths, StoredDocs
from dedupe_docs.errors import ConfigError, DedupeError, InputError, OutputError
from dedupe_docs.formats import output, records, shards
from dedupe_docs.formats.parts import PartsPlan, part_bounds
from dedupe_docs.formats.records import output_records, record_document
from dedupe_docs.runtime import memory as process_memory
from dedupe_docs.runtime import ray_engine, remote, storage
from dedupe_docs.runtime.progress import Progress, Stages, counted, log_stage, stage, text_bytes
from dedupe_docs.runtime.remote import RemotePath, is_url
from dedupe_docs.stages import emit
from dedupe_docs.stages.emit import Totals
from dedupe_docs.stages.read import (
    DocumentLike,
    EncodingErrors,
    Hashes,
    OnError,
    Shards,
    as_inputs,
    input_size,
    read,
    remote_listing,
    stream,
)
from dedupe_docs.types import CleanedDocument, Document

if TYPE_CHECKING:
    from dedupe_docs.drivers import incremental

log = logging.getLogger("dedupe_docs")


F = TypeVar("F", bound=Callable[..., Any])


def _without_gc(func: F) -> F:
    """``func`` with Python's cyclic garbage collector paused while it runs: a run makes
    millions of small objects (documents, spans) that hold no cycles, and the collector's
    passes over them cost a few percent of a run's time. Nothing is lost: the collector runs again
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


ConfigLike = Config | Mapping[str, Any]
"""A :class:`Config`, or a mapping of its options (``{"unit": "paragraph"}``, as in a TOML
table), read as ``Config(**mapping)``."""


def make_config(config: ConfigLike | None = None, **overrides: Any) -> Config:
    """A Config from a base (a Config or a mapping of its options) and keyword overrides,
    ready to run; a bad value, an unknown option or a base of another type raises ConfigError,
    and so does ``engine="ray"`` without Ray installed."""
    if isinstance(config, Mapping):
        config = Config(**{str(k): v for k, v in config.items()})
    elif config is not None and not isinstance(config, Config):
        kind = type(config).__name__
        msg = f"`config` must be a Config or a mapping of its options, not {kind} {config!r}"
        raise ConfigError(msg, "config")
    try:
        made = (config or Config()).evolve(**overrides) if overrides else (config or Config())
    except ConfigError:
        raise
    except (TypeError, ValueError) as exc:
        raise ConfigError(str(exc)) from exc
    if made.engine == "ray":  # up front, not after the inputs are read
        ray_engine.check()
    return made


@_without_gc
def clean(
    documents: Iterable[DocumentLike] | DocumentLike,
    config: ConfigLike | None = None,
    *,
    index: str | os.PathLike[str] | None = None,
    batch: str | None = None,
    **overrides: Any,
) -> list[CleanedDocument]:
    """Remove duplicate passages, repeats and boilerplate; return every document cleaned.

    ``documents`` may be paths (files, folders and globs of ``.txt``, JSON lines and Parquet
    files), ``(id, text)`` pairs, dicts with ``id`` and ``text``, or :class:`Document` objects.
    Options come from ``config`` (a :class:`Config`, or a mapping of its options) and keyword
    overrides (any :class:`Config` field). With
    ``index`` (a folder), the documents are cleaned against every batch in it and then added to
    it as batch ``batch``, as :func:`run` does; the index is locked meanwhile, so processes that
    share it take turns.

    >>> text = "Hello world, this is it.\\n"
    >>> a, b = clean([("a", text), ("b", text)], min_tokens=3)
    >>> b.text, b.removed[0].reason, b.removed[0].source.id
    ('', 'duplicate', 'a')
    """
    config = make_config(config, **overrides)
    if index is None:
        return _clean_all(read(documents), config)
    if config.max_memory is not None:
        raise ConfigError("`max_memory` cannot add to a persisted index (`index`)")
    docs = read(documents)
    from dedupe_docs.drivers import incremental  # a persisted index only: imported on demand

    with storage.locked(Path(index)):
        cleaned, update = incremental.clean(Path(index), docs, config, {}, None, batch)
        update()
    return cleaned


@_without_gc
def clean_records(
    records: Iterable[Mapping[str, Any]],
    config: ConfigLike | None = None,
    *,
    text_field: str = "text",
    id_field: str | None = "id",
    **overrides: Any,
) -> list[dict[str, Any]]:
    """Clean records (dicts, a Hugging Face ``datasets.Dataset``, any iterable of mappings).

    Returns new dicts in the same order with ``text_field`` replaced by the cleaned text and every
    other field untouched. With ``id_field=None`` the records are numbered ``"0"``, ``"1"``, ...

    >>> line = "Hello world, this is it.\\n"
    >>> rows = [{"text": line, "n": 1}, {"text": line, "n": 2}]
    >>> clean_records(rows, id_field=None, min_tokens=3)
    [{'text': 'Hello world, this is it.\\n', 'n': 1}, {'text': '', 'n': 2}]
    """
    if isinstance(records, (str, bytes, Mapping)) or not isinstance(records, Iterable):
        kind = f"{type(records).__name__} {records!r}"[:200]
        raise InputError("records", f"{kind} is not an iterable of records (mappings)")
    if id_field is None:
        key = "\0position"  # a field name no real record has
        records = list(records)
        for n, r in enumerate(records):
            if not isinstance(r, Mapping):
                raise InputError(f"record {n}", f"{type(r).__name__} {r!r} is not a mapping")
        docs = [
            record_document({**r, key: n}, f"record {n}", None, text_field, key)
            for n, r in enumerate(records)
        ]
        docs = [attrs.evolve(d, record=_drop(d.record, key)) for d in docs]
    else:
        docs = read(list(records), text_field=text_field, id_field=id_field)
    cleaned = _clean_all(docs, make_config(config, **overrides))
    return list(output_records(cleaned, text_field))


def _drop(record: dict[str, Any] | None, key: str) -> dict[str, Any]:
    return {k: v for k, v in (record or {}).items() if k != key}


def _clean_all(docs: list[Document], config: Config) -> list[CleanedDocument]:
    """``docs`` cleaned in memory, or batch by batch within ``config.max_memory``."""
    if config.max_memory is not None:
        from dedupe_docs.drivers import bounded  # bounded memory only: imported on demand

        return [c for batch in bounded.clean_batches(docs, config, {}) for c in batch]
    return memory.clean(docs, config, {})


@_without_gc
def run(
    inputs: Iterable[DocumentLike],
    out: str | os.PathLike[str],
    config: ConfigLike | None = None,
    *,
    overwrite: bool = False,
    text_field: str = "text",
    id_field: str | None = "id",
    dolma_attributes: bool = False,
    progress: Progress | None = None,
    index: str | os.PathLike[str] | None = None,
    batch: str | None = None,
    on_error: OnError = "raise",
    encoding_errors: EncodingErrors = "strict",
    allow_empty: bool = False,
    encoding: str = "utf-8",
    drop_empty: bool = False,
    storage_options: Mapping[str, Any] | None = None,
    output_parts: int | None = None,
) -> dict[str, Any]:
    """Clean ``inputs`` and write the output folder ``out`` atomically; return the report.

    Inputs are files, folders and globs of shards (``.txt``, JSON lines, Parquet), read as
    :func:`~dedupe_docs.read` says (``encoding`` for text files; records without ``id_field``
    get ids from their file and line). Records are written back in their own format: those of
    a single input file to ``out/clean.jsonl`` (or ``.parquet``), any other run's shard by
    shard to ``out/clean/<relative path>`` (see :mod:`dedupe_docs.formats.shards`);
    ``dolma_attributes`` also writes the removed spans as Dolma attributes; ``drop_empty``
    writes no document that cleaning left empty (its provenance stays; the report counts them
    as ``dropped_empty``); ``progress`` is called as ``progress(stage, done, total)`` while the
    run goes on, in bytes of text for ``read`` and ``sign`` and documents for ``detect``,
    ``decide`` and ``write``, every stage ending with ``done == total`` (a first run's
    ``compile`` comes first). With ``index`` (a folder), the inputs are cleaned against every
    batch in it and then added to it as batch ``batch``. With ``on_error="skip"`` bad files and
    records are skipped and listed in the report's ``errors``; any failure to write leaves no
    ``out`` and no temporary folder behind. No documents read from inputs that hold files is an
    InputError (a folder of files of no kind that is read), unless ``allow_empty``.

    Inputs and ``out`` may be URLs of any filesystem fsspec knows (``s3://bucket/crawl/``,
    ``gs://``, ``hdfs://``, ``memory://``; the extra ``s3``), read and written through it with
    ``storage_options`` (else the client's standard credentials: for S3 the ``AWS_*``
    environment variables, ``AWS_ENDPOINT_URL`` included); see :mod:`dedupe_docs.runtime.remote`
    for how an output there is made visible whole. With ``output_parts`` (N), every document's
    record goes to one of N numbered part files ``out/clean/part-00000.jsonl`` (or the inputs'
    ``.gz``/``.zst``/``.bz2``, or ``.parquet``), split in corpus order by count (see
    :mod:`dedupe_docs.formats.parts`); the provenance stays one file.
    """
    config = make_config(config)
    if not isinstance(out, (str, os.PathLike)):
        kind = f"{type(out).__name__} {out!r}"
        msg = f"`out` must be a folder path or URL (a str or os.PathLike), not {kind}"
        raise ConfigError(msg, "out")
    if output_parts is not None and (
        isinstance(output_parts, bool) or not isinstance(output_parts, int) or output_parts < 1
    ):
        msg = f"`output_parts` must be a whole number of 1 or more, not {output_parts!r}"
        raise ConfigError(msg, "output_parts")
    remote_out = is_url(os.fspath(out))
    target = RemotePath.of(os.fspath(out), storage_options) if remote_out else Path(out)
    out = target  # type: ignore[assignment]
    index = None if index is None else Path(index)
    timings: dict[str, float] = {}
    inputs = list(as_inputs(inputs, pairs=False))  # a tuple of inputs, as the CLI gives
    _check_out(target, inputs, overwrite)
    progress = Stages(progress) if progress is not None else None
    warmup.compile_kernels(config, progress)
    if config.engine == "ray":  # started here: ray.init keeps the frames under way alive (a
        ray_engine.init()  # cycle), and this one holds nothing that the run lets go
    started = time.perf_counter()
    sized = progress is not None or (index is None and config.max_memory is None)
    size = input_size(inputs, text_field, storage_options) if sized else 0
    if index is None:
        config = _within_memory(config, size)
    layout = shards.record_layout(inputs, storage_options)
    hashes: Hashes = {}
    read_shards: Shards = {}
    options = {
        "text_field": text_field,
        "id_field": id_field,
        "on_error": on_error,
        "encoding_errors": encoding_errors,
        "encoding": encoding,
        "jobs": config.jobs,
        "hashes": hashes,
        "shards": read_shards,
        "storage_options": storage_options,
    }
    read_count = _Count()
    update: incremental.Update | None = None
    made: memory.Decided | None = None  # with emit tasks: the decisions they write out
    cuts = None
    batches: Iterable[list[CleanedDocument]]
    if config.max_memory is not None:  # read, clean and write batch by batch
        if index is not None:
            raise ConfigError("`max_memory` cannot add to a persisted index (`index`)")
        documents, errors = _read(inputs, options)
        documents = counted(read_count.of(documents), "sign", progress, size, _size)
        spill = None if remote_out else target.absolute().parent  # type: ignore[union-attr]
        from dedupe_docs.drivers import bounded  # bounded memory only: imported on demand

        batches = bounded.clean_batches(documents, config, timings, progress, spill)
        n_docs = None
    elif index is None and reads.applies(inputs, config):  # tasks read, sign and share
        held = [reads.read(inputs, options, config, timings, progress, size)]
        docs, errors = held[0].docs, held[0].errors  # handles on the documents, their paths
        n_docs = len(docs)
        cuts = _emit_cuts(config, target, layout, read_shards, output_parts, docs.paths)
        made = memory.read_decisions(held, config, timings, progress)  # empties held
        batches = []
        if cuts is None:  # the driver writes the output, reading the texts from the store
            batches, made = memory.chunks(made, timings), None
    else:
        documents, errors = _read(inputs, options)
        docs = list(counted(documents, "read", progress, size, _size))
        timings["read"] = round(time.perf_counter() - started, 4)
        log_stage("read", timings["read"], documents=len(docs))
        n_docs = len(docs)
        if index is None:  # where Ray tasks may cut the output, if they write it
            cuts = _emit_cuts(config, target, layout, read_shards, output_parts, docs)
        if index is not None:
            from dedupe_docs.drivers import incremental  # a persisted index only

            cleaned, update = incremental.clean(index, docs, config, timings, progress, batch)
            batches = [cleaned]
        elif cuts is not None:
            let_go = text_field if config.reuse == "exact" else None  # texts in the store only
            made = memory.decisions(docs, config, timings, progress, let_go=let_go)
            batches = []
        else:  # built a chunk at a time, written as they come
            batches = memory.clean_chunks(docs, config, timings, progress)
    totals = Totals(drop_empty)
    run_mark = output.mark()
    folder: Any
    if isinstance(target, RemotePath):
        folder = remote.atomic_folder(
            target, overwrite=overwrite, owned=output.not_ours, mark=run_mark
        )
    else:
        folder = storage.atomic_folder(target, overwrite=overwrite, owned=output.not_ours)
    parts = None
    if output_parts is not None:
        parts = PartsPlan(
            output_parts,
            (lambda: n_docs) if n_docs is not None else read_count.total,
            layout,
            read_shards,
            id_field or "id",
        )
    try:
        with (
            folder as tmp,
            emit.Writer(
                tmp,
                text_field=text_field,
                layout=layout,
                dolma_attributes=dolma_attributes,
                jobs=config.jobs,
                drop_empty=drop_empty,
                shards=read_shards,
                parts=parts,
            ) as writer,
        ):
            chunks = iter(batches)
            writing = 0.0  # seconds spent writing documents, not building them
            if made is not None:  # tasks write pieces of the output, joined here in order
                began = time.perf_counter()
                if parts is not None:  # known before the tasks write their parts
                    parts.layout  # noqa: B018
                else:
                    paths = docs.paths if isinstance(docs, StoredDocs) else Paths.of(docs)
                    writer.claim(_claims(paths, layout))
                plan = emit.PiecePlan(
                    str(tmp), text_field, drop_empty, dolma_attributes, layout, read_shards, parts
                )
                emitted = memory.emit_pieces(made, plan, config, cuts)
                # tasks copy the pieces into place; on a failure the emit tasks under way are
                # cancelled first, then the copying waited for
                with memory.Placing(config) as placing, contextlib.closing(emitted) as pieces:
                    for piece in pieces:
                        writer.add_piece(piece, placing)
                        totals.merge(piece.totals)
                        stage(progress, "write", totals.documents, n_docs)
                shutil.rmtree(Path(tmp) / emit.PIECES, ignore_errors=True)
                timings["emit"] = round(time.perf_counter() - began, 4)
            try:
                for cleaned in chunks:
                    began = time.perf_counter()
                    writer.add(cleaned)
                    writing += time.perf_counter() - began
                    totals.add(cleaned)
                    if n_docs is not None:  # else the batches report their own progress
                        stage(progress, "write", totals.documents, n_docs)
            finally:  # a failure here ends the generator now, with its work files
                getattr(chunks, "close", lambda: None)()
            if totals.documents == 0 and not allow_empty:
                _refuse_empty(inputs, errors, storage_options)
            stage(progress, "write", totals.documents, totals.documents)
            log_stage("emit", timings.get("emit", 0.0), documents=totals.documents)
            began = time.perf_counter()
            report = {**run_mark, **totals.report(config, timings)}
            report["inputs"] = records.describe_inputs(
                inputs,
                text_field=text_field,
                id_field=id_field,
                on_error=on_error,
                encoding_errors=encoding_errors,
                encoding=encoding,
                hashes=hashes,
            )
            if index is not None:  # where explain finds the sources in earlier batches
                report["index"] = {"path": str(Path(index).absolute())}
            report["errors"] = [e.to_json() for e in errors]
            if parts is not None:
                report["parts"] = parts.describe()
            report["outputs"] = writer.finish(report)
    except BaseException as exc:
        if update is not None:  # the index stays as it was, and closed
            update.discard()
        if isinstance(exc, OSError) and not isinstance(exc, (DedupeError, ValueError)):
            msg = f"{out}: cannot write the output: {storage.describe(exc)}; nothing was written"
            raise OutputError(msg) from exc
        raise
    if update is not None:
        report["index"] = {**report["index"], **update()}
    log_stage("write", writing + time.perf_counter() - began, documents=totals.documents)
    if progress is not None:
        progress.finish()
    return report


def _emit_cuts(
    config: Config,
    target: Path | RemotePath,
    layout: records.RecordLayout,
    read_shards: Shards,
    output_parts: int | None,
    docs: Paths | list[Document],
) -> np.ndarray | None:
    """Where Ray tasks writing the output (:func:`memory.emit_pieces`) may cut the documents
    (``docs``, or only their :class:`Paths`): where no file spans the cut but the files of
    JSON lines the driver joins (provenance, Dolma attributes, an uncompressed records file).
    So at part boundaries with ``output_parts``, between shards (a ``clean/`` text file is a
    shard of its own), and nowhere when the records go to one compressed or Parquet file.
    None when the driver writes the output, as on the local engine: not on Ray, an output
    named by URL (the tasks write into the output folder: on a cluster it must be a path every
    node shares), or inputs the driver would refuse to write (two shards or text files at one
    output path, a shard met twice), so that its error is the local engine's."""
    if config.engine != "ray" or isinstance(target, RemotePath):
        return None
    paths = docs if isinstance(docs, Paths) else Paths.of(docs)
    n = len(paths)
    if output_parts is not None:
        return np.array(part_bounds(n, output_parts))
    # the shard of each document whose record goes to its shard's output (-1: none)
    rel = np.where(paths.record & layout.shards, paths.code, -1)
    changed = np.ones(n, bool)
    changed[1:] = rel[1:] != rel[:-1]
    starts = np.flatnonzero((rel >= 0) & changed)
    runs = paths.named(rel[starts])
    if len(runs) != len(set(runs)):  # a shard met twice
        return None
    for name in runs:
        if len({str(s.path.resolve()) for s in read_shards.get(name, ())}) != 1:
            return None
    try:
        emit._Paths().add(_claims(paths, layout))
    except OutputError:
        return None
    files = paths.named(paths.code[~paths.record & (paths.code >= 0)])
    if len({*files, *runs}) != len(files) + len(runs):
        return None
    one_file = not layout.shards and layout.name not in emit.JOINED  # compressed or Parquet
    if one_file and paths.record.any():
        return np.array([0, n])
    allowed = np.ones(n + 1, dtype=bool)
    allowed[1:n][(rel[1:] >= 0) & (rel[1:] == rel[:-1])] = False
    return np.flatnonzero(allowed)


def _claims(paths: Paths, layout: records.RecordLayout) -> list[str]:
    """The paths below ``clean/`` that the documents' outputs take (``paths``: theirs), as
    :class:`emit.Writer` claims them: text files, and shards when records are written back
    shard by shard."""
    codes = paths.code[(paths.code >= 0) & (layout.shards | ~paths.record)]
    _, first = np.unique(codes, return_index=True)
    return paths.named(codes[np.sort(first)])


def _size(doc: Document) -> int:
    return text_bytes(doc.text)


READ_KINDS = ".txt, .jsonl, .json (also .gz, .zst, .bz2) and .parquet"


def _refuse_empty(
    inputs: list[DocumentLike],
    errors: list[InputError],
    storage_options: Mapping[str, Any] | None = None,
) -> None:
    """Raise an InputError naming the first input that holds data yet gave no document."""
    hint = "`allow_empty=True` allows an empty run"
    for item in inputs:
        if not isinstance(item, (str, os.PathLike)):
            continue
        if is_url(item):
            listed = remote_listing(str(item), storage_options)
            if not any(size for _, size in listed):
                continue
            if errors:
                why = f"every file or record was skipped ({len(errors)} errors)"
            elif not any(shards.kind_of(rel) for rel, _ in listed):
                why = f"it holds no {READ_KINDS} file"
            else:
                why = "its files hold no document"
            raise InputError(str(item), f"no documents read: {why}", hint=hint)
        path = Path(item)
        if path.is_dir() or shards.is_glob(path):
            files = _files(path)
            if not any(p.stat().st_size for p in files):
                continue  # nothing to read: nothing to complain about
            if errors:
                why = f"every file or record was skipped ({len(errors)} errors)"
            elif not any(shards.kind_of(p.name) for p in files):
                kinds = collections.Counter(_kind(p) for p in files)
                held = ", ".join(f"{n} {k} file{'s' * (n > 1)}" for k, n in kinds.most_common(3))
                why = f"it holds {held}; a folder is read for its {READ_KINDS} files"
            else:
                why = "its files hold no document"
        elif path.is_file() and path.stat().st_size > 0:
            why = f"every record was skipped ({len(errors)} errors)" if errors else "it is empty"
        else:
            continue
        raise InputError(str(item), f"no documents read: {why}", hint=hint)


def _files(path: Path) -> list[Path]:
    """The files below a folder, or those a glob matches and below the folders it matches."""
    found = [p for _, p in shards.expand_glob(str(path))] if shards.is_glob(path) else [path]
    files: list[Path] = []
    for p in found:
        if p.is_dir():
            files += [f for f in p.rglob("*") if f.is_file()]
        elif p.is_file():
            files.append(p)
    return files


def _kind(path: Path) -> str:
    """``.csv``, ``.xml.gz``: the suffix a file is known by, or its name."""
    compressed = path.suffix in (*shards.COMPRESSIONS, ".xz")
    return "".join(path.suffixes[-2:] if compressed else path.suffixes[-1:]) or path.name


IN_MEMORY_BYTES = 14
"""Peak bytes of memory that cleaning in memory takes per byte of input text, with some room
(benchmarks/RESULTS.md records the measured peaks)."""


def _within_memory(config: Config, size: int) -> Config:
    """``config`` bounded to half the memory available when, without a bound, cleaning inputs
    of ``size`` bytes of text looks like it would need more than that: a corpus
    larger than memory is cleaned in batches (the same output, more slowly) instead of running
    out of memory."""
    free = process_memory.available_memory()
    if config.max_memory is not None or free is None:
        return config
    if IN_MEMORY_BYTES * size <= free:
        return config
    why = f"the inputs hold about {_megabytes(size)} of text, too much to clean in memory"
    why += f" ({_megabytes(free)} available)"
    if config.keep != "first" or config.engine != "local" or config.reuse != "exact":
        log.warning(
            '%s; batches need `keep="first"`, `reuse="exact"` and the local engine: cleaning in'
            " memory anyway",
            why,
        )
        return config
    bound = max(free // 2, 256 << 20)
    log.warning(
        "%s: cleaning in batches within %s (`max_memory` sets the bound)", why, _megabytes(bound)
    )
    return config.evolve(max_memory=bound)


def _megabytes(size: int) -> str:
    return f"{size / 1e6:,.0f} MB"


def _read(inputs: list[DocumentLike], options: dict[str, Any]) -> Any:
    """:func:`stream` of ``inputs``; a bad option raises ConfigError."""
    try:
        return stream(inputs, **options)
    except ValueError as exc:
        if isinstance(exc, DedupeError):
            raise
        raise ConfigError(str(exc)) from exc


def _check_out(out: Path | RemotePath, inputs: list[DocumentLike], overwrite: bool) -> None:
    """Refuse an output folder inside an input folder or holding an input; for a glob, inside
    a folder it matches or holding a file it matches, or anywhere below its base if it
    reaches any depth (``**``): a rerun would read the output."""
    if isinstance(out, RemotePath):
        _check_remote_out(out, inputs, overwrite)
        return
    target = out.absolute().resolve()
    paths: list[str | os.PathLike[str]] = []
    for item in inputs:
        if isinstance(item, (str, os.PathLike)) and shards.is_glob(item):
            pattern = os.fspath(item)
            paths += [path for _, path in shards.expand_glob(pattern)]
            base = shards.glob_base(pattern).absolute().resolve()
            if shards.recursive(pattern) and (target == base or base in target.parents):
                msg = f"{out}: output folder is inside the folder glob {item} reads"
                raise OutputError(f"{msg} (choose another output folder)")
        elif isinstance(item, (str, os.PathLike)):
            paths.append(item)
    for item in paths:
        source = Path(item).absolute().resolve()
        if Path(item).is_dir() and (target == source or source in target.parents):
            msg = (
                f"{out}: output folder is inside input folder {item} (choose another output folder)"
            )
            raise OutputError(msg)
        if target == source or target in source.parents:
            msg = f"{out}: output folder would hold input {item} (choose another output folder)"
            raise OutputError(msg)
    storage.check_replace(out.absolute(), overwrite=overwrite, owned=output.not_ours)


def _check_remote_out(out: RemotePath, inputs: list[DocumentLike], overwrite: bool) -> None:
    """:func:`_check_out` for an output folder named by URL: inputs are compared by their
    URLs (a glob by its fixed start), then the folder as :func:`remote.check_replace` says."""
    mine = out.url.rstrip("/") + "/"
    for item in inputs:
        if not is_url(item):
            continue
        url = str(item)
        if shards.is_glob(url):
            url = url[: re.search(r"[*?[]", url).start()].rpartition("/")[0]  # type: ignore[union-attr]
        theirs = url.rstrip("/") + "/"
        if mine.startswith(theirs):
            msg = f"{out}: output folder is inside input {item} (choose another output folder)"
            raise OutputError(msg)
        if theirs.startswith(mine):
            msg = f"{out}: output folder would hold input {item} (choose another output folder)"
            raise OutputError(msg)
    remote.check_replace(out, overwrite=overwrite, owned=output.not_ours)


class _Count:
    """Counts the documents an iterator yields, and knows when it has ended: the total of a
    run read while it is cleaned, which numbered parts need before their first document."""

    def __init__(self) -> None:
        self.n, self.ended = 0, False

    def of(self, documents: Iterable[Document]) -> Iterator[Document]:
        for doc in documents:
            self.n += 1
            yield doc
        self.ended = True

    def total(self) -> int:
        if not self.ended:  # a driver that writes before it has read every document
            raise RuntimeError("the number of documents is not known before they are all read")
        return self.n
