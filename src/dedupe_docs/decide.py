"""Blocks → keep or drop, with a reason: duplicate, repeat or boilerplate.

A block is a duplicate when most of its own tokens are aligned to one source and the folded
texts verify with rapidfuzz; a block that is only partly a duplicate is split into sentences and
only the duplicate sentences go. A block equal to the block before it is a repeat. A short block
that stands in many documents is boilerplate. Sources must survive: :func:`settle` restores any
removal whose source was itself removed, until nothing changes.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

import attrs
import numpy as np
from rapidfuzz import fuzz

from .config import Config
from .normalize import _POWERS, mix64, verification_form
from .segment import sentences
from .types import Removal, SourceRef


@attrs.frozen(eq=False)
class CorpusView:
    """What deciding one document needs to see of the whole corpus (global token arrays)."""

    ids: Sequence[str]
    texts: Sequence[str]
    doc_offsets: np.ndarray  # first global token of each document, plus the total
    starts: np.ndarray  # code-point start of every token, per its own document
    ends: np.ndarray
    aligned: np.ndarray  # source token of every token, or -1
    boilerplate: frozenset[int]  # keys of short blocks that are boilerplate


def block_token_ranges(starts: np.ndarray, blocks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First and end token index (local) of every block; tokens never cross blocks."""
    return np.searchsorted(starts, blocks[:, 0]), np.searchsorted(starts, blocks[:, 1])


def block_hashes(token_hashes: np.ndarray, first: np.ndarray, last: np.ndarray) -> np.ndarray:
    """Order-sensitive hash of each block's token sequence (0 for a block without tokens)."""
    out = np.zeros(len(first), dtype=np.uint64)
    nonempty = np.flatnonzero(last > first)
    if len(nonempty) == 0:
        return out
    counts = (last - first)[nonempty]
    offsets = np.cumsum(counts) - counts
    position = np.arange(int(counts.sum())) - np.repeat(offsets, counts)
    index = np.repeat(first[nonempty], counts) + position
    with np.errstate(over="ignore"):
        weighted = token_hashes[index] * _POWERS[np.minimum(position, len(_POWERS) - 1)]
        sums = np.add.reduceat(weighted, offsets)
    out[nonempty] = mix64(sums ^ counts.astype(np.uint64))
    return out


def decide_document(
    d: int,
    blocks: np.ndarray,
    hashes: np.ndarray,
    boilerplate_keys: np.ndarray,
    view: CorpusView,
    config: Config,
) -> list[Removal]:
    """The removals of document ``d`` (before sources are settled)."""
    text = view.texts[d]
    base = int(view.doc_offsets[d])
    starts = view.starts[base : int(view.doc_offsets[d + 1])]
    first, last = block_token_ranges(starts, blocks)
    aligned = view.aligned[base : base + len(starts)]
    removals: list[Removal] = []
    previous: tuple[int, int] | None = None  # (hash, index) of the first block of a repeat run
    for i, (bs, be) in enumerate(blocks.tolist()):
        a, b = int(first[i]), int(last[i])
        h = int(hashes[i])
        if b > a:
            covered = np.count_nonzero(aligned[a:b] >= 0)
            if covered:
                found = _duplicates(d, bs, be, a, b, covered, view, config)
                if found:
                    removals.extend(found)
                    previous = None
                    continue
            if int(boilerplate_keys[i]) in view.boilerplate:
                removals.append(Removal(bs, be, "boilerplate"))
                continue
            if previous is not None and previous[0] == h:
                ps, pe = (int(x) for x in blocks[previous[1]])
                similarity = _similarity(text[bs:be], text[ps:pe], config.threshold)
                if similarity is not None:
                    source = SourceRef(view.ids[d], ps, pe)
                    removals.append(Removal(bs, be, "repeat", source, similarity))
                    continue
            previous = (h, i)
        else:
            previous = None
    return removals


def _duplicates(
    d: int, bs: int, be: int, a: int, b: int, covered: int, view: CorpusView, config: Config
) -> list[Removal]:
    """The block as one duplicate, or its duplicate sentences, or nothing.

    A block whose every sentence is aligned goes whole; otherwise, when sentences may be split,
    only the aligned sentences go (an inserted sentence is new text and stays).
    """
    base = int(view.doc_offsets[d])
    whole = covered >= config.block_coverage * (b - a)
    parts: list[tuple[int, int, int, int]] = []
    if config.split_sentences and covered < b - a:
        starts = view.starts[base + a : base + b]
        for ss, se in sentences(view.texts[d], bs, be):
            sa = base + a + int(np.searchsorted(starts, ss))
            sb = base + a + int(np.searchsorted(starts, se))
            if sb > sa:
                parts.append((ss, se, sa, sb))
    aligned = [
        np.count_nonzero(view.aligned[sa:sb] >= 0) >= config.block_coverage * (sb - sa)
        for _, _, sa, sb in parts
    ]
    if whole and (len(parts) < 2 or all(aligned)):
        removal = _verified(d, bs, be, base + a, base + b, view, config)
        return [removal] if removal is not None else []
    found = []
    for (ss, se, sa, sb), ok in zip(parts if len(parts) > 1 else [], aligned, strict=False):
        removal = _verified(d, ss, se, sa, sb, view, config) if ok else None
        if removal is not None:
            found.append(removal)
    return found


def _verified(
    d: int, bs: int, be: int, ga: int, gb: int, view: CorpusView, config: Config
) -> Removal | None:
    """A duplicate removal of text[bs:be] (tokens ga..gb) if its source verifies."""
    sources = view.aligned[ga:gb]
    sources = sources[sources >= 0]
    docs = np.searchsorted(view.doc_offsets, sources, side="right") - 1
    values, counts = np.unique(docs, return_counts=True)
    m = int(values[np.argmax(counts)])
    tokens = np.unique(sources[docs == m])
    s_text = view.texts[m]
    s_start, s_end = int(view.starts[tokens[0]]), int(view.ends[tokens[-1]])
    if m == d and s_end > bs and s_start < be:
        return None  # a block cannot repeat itself
    breaks = np.flatnonzero(np.diff(tokens) != 1) + 1
    pieces = [
        s_text[int(view.starts[p[0]]) : int(view.ends[p[-1]])] for p in np.split(tokens, breaks)
    ]
    similarity = _similarity(view.texts[d][bs:be], " ".join(pieces), config.threshold)
    if similarity is None:
        return None
    return Removal(bs, be, "duplicate", SourceRef(view.ids[m], s_start, s_end), similarity)


def _similarity(target: str, source: str, threshold: float) -> float | None:
    """rapidfuzz ratio of the verification forms, or None below the threshold."""
    a, b = verification_form(target), verification_form(source)
    if a == b:
        return 1.0
    score = fuzz.ratio(a, b, processor=None, score_cutoff=threshold * 100)
    return round(score / 100, 4) if score and score >= threshold * 100 else None


def kept_spans(text: str, removals: Sequence[Removal]) -> list[tuple[int, int]]:
    """The maximal non-blank ranges of ``text`` between removals (trimmed of whitespace)."""
    spans = []
    pos = 0
    for r in [*removals, Removal(len(text), len(text), "repeat")]:
        s, e = pos, r.start
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            spans.append((s, e))
        pos = max(pos, r.end)
    return spans


def settle(
    removals: list[list[Removal]], ids: Sequence[str], texts: Sequence[str]
) -> tuple[list[list[Removal]], list[list[tuple[int, int]]]]:
    """Restore removals whose source does not survive in one kept span, until none is left.

    Restoring only adds kept text, so the loop ends; what it returns satisfies the contract's
    invariant that every removed duplicate points at text in the cleaned corpus.
    """
    index = {doc_id: n for n, doc_id in enumerate(ids)}
    kept = [kept_spans(t, r) for t, r in zip(texts, removals, strict=True)]
    while True:
        changed = False
        for d, doc_removals in enumerate(removals):
            good = [r for r in doc_removals if _survives(r, kept, index)]
            if len(good) != len(doc_removals):
                removals[d] = good
                kept[d] = kept_spans(texts[d], good)
                changed = True
        if not changed:
            return removals, kept


def _survives(r: Removal, kept: list[list[tuple[int, int]]], index: dict[str, int]) -> bool:
    if r.source is None:
        return True
    spans = kept[index[r.source.id]]
    i = bisect.bisect_right(spans, (r.source.start, float("inf"))) - 1
    return i >= 0 and spans[i][0] <= r.source.start and r.source.end <= spans[i][1]


def merge_adjacent(
    text: str, removals: list[Removal], kept: dict[str, list[tuple[int, int]]]
) -> list[Removal]:
    """Join neighbouring removals with the same reason and source document (only whitespace
    between), when the joined source still lies inside one kept span."""
    merged: list[Removal] = []
    for r in removals:
        last = merged[-1] if merged else None
        if (
            last is not None
            and last.reason == r.reason
            and not text[last.end : r.start].strip()
            and _same_source_doc(last, r)
        ):
            joined = _join(last, r)
            if joined.source is None or _survives(
                joined, [kept[joined.source.id]], {joined.source.id: 0}
            ):
                merged[-1] = joined
                continue
        merged.append(r)
    return merged


def _same_source_doc(a: Removal, b: Removal) -> bool:
    if a.source is None or b.source is None:
        return a.source is None and b.source is None
    return a.source.id == b.source.id


def _join(a: Removal, b: Removal) -> Removal:
    if a.source is None or b.source is None:
        return Removal(a.start, b.end, a.reason)
    source = SourceRef(
        a.source.id, min(a.source.start, b.source.start), max(a.source.end, b.source.end)
    )
    wa, wb = a.end - a.start, b.end - b.start
    similarity = round(((a.similarity or 0) * wa + (b.similarity or 0) * wb) / (wa + wb), 4)
    return Removal(a.start, b.end, a.reason, source, similarity)
