"""clean(): the one orchestration function, read → segment → shingle → index → detect →
decide → emit, plus run() which also writes an output folder."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from . import __version__, _io, emit
from .config import Config
from .decide import (
    CorpusView,
    block_hashes,
    block_token_ranges,
    decide_document,
    merge_adjacent,
    settle,
)
from .detect import align
from .errors import ConfigError, OutputError
from .index import first_occurrences
from .normalize import Tokens, tokenize, verification_form
from .read import DocumentLike, read
from .segment import segment
from .shingle import shingle
from .types import REASONS, CleanedDocument, Document

log = logging.getLogger("dedupe_docs")


def make_config(config: Config | None = None, **overrides: Any) -> Config:
    """A Config from a base and keyword overrides; a bad value raises ConfigError."""
    try:
        return (config or Config()).evolve(**overrides) if overrides else (config or Config())
    except (TypeError, ValueError) as exc:
        raise ConfigError(str(exc)) from exc


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
    return _clean(read(documents), make_config(config, **overrides), {})


def _clean(
    docs: list[Document], config: Config, timings: dict[str, float]
) -> list[CleanedDocument]:
    clock = _Clock(timings)
    k = config.shingle_size
    tokens: list[Tokens] = [tokenize(doc.text) for doc in docs]
    blocks = [segment(doc.text, config.unit) for doc in docs]
    clock.lap("tokenize")
    counts = np.array([len(t) for t in tokens], dtype=np.int64)
    doc_offsets = np.concatenate(([0], np.cumsum(counts)))
    starts = _concat([t.starts for t in tokens], np.int64)
    ends = _concat([t.ends for t in tokens], np.int64)
    shingles = _concat([shingle(t.hashes, k) for t in tokens], np.uint64)
    positions = _concat(
        [
            off + np.arange(max(n - k + 1, 0))
            for off, n in zip(doc_offsets[:-1], counts, strict=True)
        ],
        np.int64,
    )
    clock.lap("shingle")
    sources = positions[first_occurrences(shingles)]
    clock.lap("index")
    aligned = align(
        positions,
        sources,
        doc_offsets,
        k=k,
        min_tokens=config.min_tokens,
        max_gap=config.max_gap,
        keep=config.keep,
    )
    clock.lap("detect")
    ranges = [block_token_ranges(t.starts, b) for t, b in zip(tokens, blocks, strict=True)]
    hashes = [
        block_hashes(t.hashes, first, last) for t, (first, last) in zip(tokens, ranges, strict=True)
    ]
    keys = [
        _boilerplate_keys(doc, b, last - first, config)
        for doc, b, (first, last) in zip(docs, blocks, ranges, strict=True)
    ]
    view = CorpusView(
        ids=[d.id for d in docs],
        texts=[d.text for d in docs],
        doc_offsets=doc_offsets,
        starts=starts,
        ends=ends,
        aligned=aligned,
        boilerplate=_boilerplate(keys, config),
    )
    removals = [
        decide_document(d, blocks[d], hashes[d], keys[d], view, config) for d in range(len(docs))
    ]
    removals, kept = settle(removals, view.ids, view.texts)
    clock.lap("decide")
    kept_by_id = dict(zip(view.ids, kept, strict=True))
    cleaned = [
        emit.build(doc, merge_adjacent(doc.text, r, kept_by_id), spans)
        for doc, r, spans in zip(docs, removals, kept, strict=True)
    ]
    clock.lap("emit")
    return cleaned


def _boilerplate_keys(
    doc: Document, blocks: np.ndarray, size: np.ndarray, config: Config
) -> np.ndarray:
    """Keys of the document's short blocks: their verification form (digits kept), hashed."""
    short = np.flatnonzero((size > 0) & (size <= config.boilerplate_max_tokens))
    keys = np.zeros(len(blocks), dtype=np.uint64)
    for i in short.tolist():
        form = verification_form(doc.text[blocks[i, 0] : blocks[i, 1]])
        keys[i] = (
            int.from_bytes(hashlib.blake2b(form.encode(), digest_size=8).digest(), "little") | 1
        )
    return keys


def _boilerplate(keys: list[np.ndarray], config: Config) -> frozenset[int]:
    """Keys of short blocks that stand in at least ``boilerplate_min_docs`` documents."""
    if config.boilerplate_max_tokens == 0 or not keys:
        return frozenset()
    per_doc = [np.unique(k[k != 0]) for k in keys]
    values, counts = np.unique(np.concatenate(per_doc), return_counts=True)
    return frozenset(values[counts >= config.boilerplate_min_docs].tolist())


def _concat(arrays: list[np.ndarray], dtype: type) -> np.ndarray:
    return np.concatenate(arrays).astype(dtype, copy=False) if arrays else np.zeros(0, dtype=dtype)


class _Clock:
    def __init__(self, timings: dict[str, float]) -> None:
        self.timings, self.last = timings, time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.timings[stage] = round(self.timings.get(stage, 0.0) + now - self.last, 4)
        self.last = now


def run(
    inputs: Iterable[DocumentLike],
    out: Path,
    config: Config | None = None,
    *,
    overwrite: bool = False,
    text_field: str = "text",
    id_field: str = "id",
) -> dict[str, Any]:
    """Clean ``inputs`` and write the output folder ``out`` atomically; return the report."""
    config = config or Config()
    timings: dict[str, float] = {}
    started = time.perf_counter()
    inputs = list(inputs)
    _check_out(out, inputs, overwrite)
    docs = read(inputs, text_field=text_field, id_field=id_field)
    timings["read"] = round(time.perf_counter() - started, 4)
    cleaned = _clean(docs, config, timings)
    report = make_report(cleaned, config, timings)
    with _io.atomic_folder(out, overwrite=overwrite) as tmp:
        report["outputs"] = emit.write(tmp, cleaned, report, text_field=text_field)
    return report


def _check_out(out: Path, inputs: list[DocumentLike], overwrite: bool) -> None:
    target = out.absolute().resolve()
    for item in inputs:
        if isinstance(item, (str, Path)) and Path(item).is_dir():
            folder = Path(item).absolute().resolve()
            if target == folder or folder in target.parents:
                msg = f"{out}: output folder is inside input folder {item} (choose --out elsewhere)"
                raise OutputError(msg)
    if out.exists() and not overwrite and (not out.is_dir() or any(out.iterdir())):
        raise OutputError(f"{out}: output folder exists and is not empty (use --overwrite)")


def make_report(
    cleaned: list[CleanedDocument], config: Config, timings: dict[str, float]
) -> dict[str, Any]:
    """Totals of a run: documents, characters in and out, removed by reason, timings, config."""
    chars_in = sum(c.length for c in cleaned)
    return {
        "version": __version__,
        "documents": len(cleaned),
        "chars_in": chars_in,
        "chars_out": sum(len(c.text) for c in cleaned),
        "removed_chars": {r: sum(c.removed_chars(r) for c in cleaned) for r in REASONS},
        "removed_spans": {
            r: sum(1 for c in cleaned for x in c.removed if x.reason == r) for r in REASONS
        },
        "documents_changed": sum(1 for c in cleaned if c.removed),
        "timings": timings,
        "config": config.to_json(),
    }
