"""Seed → extend: align the tokens of later copies with the first occurrence of their text.

Every repeated shingle is a seed pointing at its first occurrence. Seeds whose source advances
with the target form a run (one diagonal); runs from the same source document are chained
across small gaps (a typo, a dropped or inserted sentence) into a passage. A passage that aligns
at least ``min_tokens`` tokens marks each aligned target token with its source token; scattered
common phrases never chain that far, so they align nothing. Verification happens per block, in
:mod:`dedupe_docs.stages.decide`.
"""

from __future__ import annotations

import itertools

import numpy as np

from dedupe_docs.runtime import workers
from dedupe_docs.stages.boilerplate import formulas_among
from dedupe_docs.stages.index import position_dtype
from dedupe_docs.stages.kernels import (
    FRAGMENT_CHARS,
    SHORT_SENTENCE_TOKENS,
    block_edges_kernel,
    chain_kernel,
    continue_kernel,
    exact_kernel,
    extend_kernel,
    mark_kernel,
    may_stand_kernel,
    runs_kernel,
    short_line_seeds_kernel,
    short_lines_kernel,
    whole_lines_kernel,
)
from dedupe_docs.stages.sign import sentence_keys


def block_edges(
    starts: np.ndarray, ends: np.ndarray, lo: int, hi: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per token ``lo..hi``: how far it lies after the start of its block and how far the
    block runs past it, clipped to a few tokens (int8): whether a passage copies whole source
    blocks, from two tokens of per-token columns instead of a search of every block.
    ``starts`` and ``ends`` are the first and end token of the non-empty blocks, ascending,
    from the last one that starts before ``lo`` on."""
    return block_edges_kernel(starts, ends, lo, hi)  # type: ignore[no-any-return]


def align(
    first: np.ndarray,
    doc_offsets: np.ndarray,
    token_hashes: np.ndarray,
    exact_hashes: np.ndarray,
    edges: tuple[np.ndarray, np.ndarray],
    *,
    spans: tuple[np.ndarray, np.ndarray],
    sentences: np.ndarray,
    formulas: np.ndarray,
    k: int,
    min_tokens: int,
    max_gap: int,
    keep: str = "first",
    base: int = 0,
    jobs: int = 1,
) -> np.ndarray:
    """Source token of every token from ``base`` on (``-1`` where it repeats nothing).

    ``first`` holds, per token from ``base`` on, the token where the shingle starting there
    first occurs (the token itself when it is the first, or starts no shingle); ``doc_offsets``
    the first token of each document (plus the total at the end); ``token_hashes`` lets
    passages grow token by token past their outermost shingles, and ``exact_hashes`` (digits
    kept) a short run go on along its neighbour's source; ``edges`` holds
    :func:`block_edges` of every token, ``spans`` where each token starts and ends in its
    document and ``sentences`` where sentences open and close (:attr:`Signed.tok_sentence`);
    ``formulas`` (sorted) the keys of sentences that stand in many documents
    (:func:`dedupe_docs.stages.boilerplate.boilerplate_set`), whose short copies are no
    passages. The last six cover the corpus up to the end of ``first``: a batch of it needs
    its sources, which come before it. With ``keep="longest"`` (the whole corpus only) a
    passage whose later copy spans more tokens is turned around, so the later, more complete
    copy is the one that survives.

    With ``jobs`` above 1 the tokens are cut at document boundaries into parts aligned on
    threads: a passage never leaves its target document, so the parts cannot interact (except
    with ``keep="longest"``, which writes at sources: that runs as one part).
    """
    if keep == "longest" and base:
        raise ValueError('keep="longest" turns passages around: it aligns whole corpora only')
    # Each part fills its own slice (first touch); positions are int32 where they fit.
    aligned = np.empty(len(first), dtype=position_dtype(base + len(first)))
    cuts = _parts(doc_offsets, base, base + len(first), 1 if keep == "longest" else 4 * jobs)

    def part(_: None, cut: tuple[int, int]) -> None:
        lo, hi = cut[0] - base, cut[1] - base
        columns = (doc_offsets, token_hashes, exact_hashes, edges, spans, sentences, formulas, k)
        columns += (min_tokens, max_gap, keep)
        _align(aligned[lo:hi], first[lo:hi], cut[0], *columns)

    workers.tmap(part, list(itertools.pairwise(cuts)), None, jobs)
    if keep == "longest":
        _follow(aligned)
    return aligned


def _parts(doc_offsets: np.ndarray, lo: int, hi: int, parts: int) -> list[int]:
    """About ``parts`` equal token ranges covering ``lo..hi``, cut at document starts."""
    wanted = np.linspace(lo, hi, parts + 1)[1:-1]
    starts = doc_offsets[np.searchsorted(doc_offsets, wanted)]  # ends with the total
    inner = [int(s) for s in starts if lo < s < hi]
    return sorted({lo, *inner, hi})


def _align(
    aligned: np.ndarray,
    first: np.ndarray,
    base: int,
    doc_offsets: np.ndarray,
    token_hashes: np.ndarray,
    exact_hashes: np.ndarray,
    edges: tuple[np.ndarray, np.ndarray],
    spans: tuple[np.ndarray, np.ndarray],
    sentences: np.ndarray,
    formulas: np.ndarray,
    k: int,
    min_tokens: int,
    max_gap: int,
    keep: str,
) -> None:
    """:func:`align` of one part: the source token of the part's tokens, into ``aligned``."""
    aligned.fill(-1)
    # A short line's own shingle (no other that it starts) meets a copy of that line only:
    # it is no seed of a passage, and aligns the line alone, after marking.
    lead, tail = edges
    starts, ends = spans
    lines = short_line_seeds_kernel(first, base, lead, starts, ends, doc_offsets, k)
    if len(lines):
        first = first.copy()
        first[lines[:, 0] - base] = lines[:, 0]
    t_start, t_end, s_start, s_end = runs_kernel(first, k, base, token_hashes, doc_offsets)
    if len(t_start) == 0:
        if keep == "first":
            short_lines_kernel(aligned, base, exact_hashes, lines)
        return
    t_doc = np.searchsorted(doc_offsets, t_start, side="right") - 1
    s_doc = np.searchsorted(doc_offsets, s_start, side="right") - 1
    # A run whose source runs on into its own target ends where the target starts: what is
    # left copies the text before it (a sentence said twice in a row), and nothing is left of
    # periodic text ("ha ha ha"). Only an unclipped run may lean on its neighbours.
    over = np.where(t_doc == s_doc, np.maximum(s_end - t_start, 0), 0)
    t_end, s_end = t_end - over, s_end - over
    # A lone matching shingle is too weak to start a passage: it counts only beside a run of
    # the same source on (almost) the same diagonal, as between the typos of a noisy copy.
    long_enough = (t_end - t_start) >= min(k + 1, min_tokens)
    near = np.zeros(len(t_start), dtype=bool)
    if len(t_start) > 1:
        close = (
            (t_doc[1:] == t_doc[:-1])
            & (s_doc[1:] == s_doc[:-1])
            & (np.abs(np.diff(s_start - t_start)) <= 2)
            & (t_start[1:] - t_end[:-1] <= max_gap)
        )
        near[1:] |= close & long_enough[:-1]
        near[:-1] |= close & long_enough[1:]
    # A lone shingle that is a whole line on both sides may be a short copy of that line.
    whole_line = (over == 0) & (lead[t_start] == 0) & (tail[t_end - 1] == 0)
    whole_line &= (lead[s_start] == 0) & (tail[s_end - 1] == 0)
    useful = long_enough | whole_line | (near & (over == 0))
    table = np.stack([t_doc, s_doc, t_start, t_end, s_start, s_end], axis=1)[useful]
    run_chain, strength, first_segment, last_segment, closed = chain_kernel(table, max_gap, k)
    order = np.argsort(run_chain, kind="stable")  # runs grouped by passage, in target order
    runs = np.ascontiguousarray(table[order, 2:])
    bounds = np.searchsorted(run_chain[order], np.arange(len(strength) + 1))
    strength, grown, edited = extend_kernel(
        runs,
        bounds,
        strength,
        first_segment,
        last_segment,
        token_hashes,
        doc_offsets,
        *edges,
        min_tokens,
        max_gap,
    )
    # Passages that count, and short ones that may copy a sentence of their own (negative).
    marked = np.flatnonzero((strength >= min_tokens) | (strength < 0))
    # Stronger passages are marked last, so they win where two overlap; ties in closing order.
    marked = marked[np.lexsort((closed[marked], strength[marked]))]
    # The shortest passages (fewer tokens than a sentence copied on its own needs: a sentence
    # long only by its characters, maybe) are marked last, and only where nothing else is
    # aligned: a phrase first seen elsewhere does not cut a longer copy short.
    fragment = (strength[marked] < 0) & (strength[marked] > -SHORT_SENTENCE_TOKENS)
    fragments, marked = marked[fragment], marked[~fragment]
    # and only those long enough by their characters to copy such a sentence
    chars = ends[runs[bounds[fragments + 1] - 1, 1] - 1] - starts[runs[bounds[fragments], 0]]
    fragments = fragments[chars >= FRAGMENT_CHARS]
    # and only those that copy a whole sentence or a whole line, as deciding keeps no other
    fragments = fragments[may_stand_kernel(runs, bounds, fragments, sentences, *edges)]
    # and none that copies a formula (a sentence that stands in many documents) whole
    first, end = runs[bounds[fragments], 0], runs[bounds[fragments + 1] - 1, 1]
    fragments = fragments[~formulas_among(sentence_keys(exact_hashes, first, end), formulas)]
    strong = (strength[marked] >= min_tokens).astype(np.int64)
    # Whole blocks copied as whole blocks rank above, unless a first or last word differs: a
    # parallel line (``autoconf ...`` for ``autoupdate ...``) gives way to the line it copies.
    strong += strong & whole_lines_kernel(runs, bounds, marked, *edges) & ~edited[marked]
    mark_kernel(aligned, base, runs, bounds, marked, strong, grown, keep == "longest")
    strong = np.zeros(len(fragments), dtype=np.int64)
    mark_kernel(aligned, base, runs, bounds, fragments, strong, grown, keep == "longest", True)
    if keep == "first":
        continue_kernel(aligned, base, exact_hashes, lead, doc_offsets, min_tokens)
        every_run = np.stack([t_start, t_end, s_start], axis=1)
        exact_kernel(aligned, base, exact_hashes, doc_offsets, every_run, lead, tail, min_tokens)
        short_lines_kernel(aligned, base, exact_hashes, lines)


def _follow(aligned: np.ndarray, rounds: int = 8) -> None:
    """Point tokens whose source was turned around at that source's own source."""
    for _ in range(rounds):
        has = np.flatnonzero(aligned >= 0)
        onward = aligned[aligned[has]]
        moved = onward >= 0
        if not moved.any():
            break
        aligned[has[moved]] = onward[moved]
    aligned[aligned == np.arange(len(aligned))] = -1
