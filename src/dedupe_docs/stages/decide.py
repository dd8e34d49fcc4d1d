"""Blocks → keep or drop, with a reason: duplicate, repeat or boilerplate.

A block is a duplicate when most of its own tokens are aligned to one source and the copy
verifies: when every token is aligned, in order, and equal with digits kept, that is proven by
the hashes alone (one compiled pass over the corpus); otherwise rapidfuzz compares the folded
texts, every such passage of the corpus in one batch. A block that is only partly a duplicate
is split into sentences and only the duplicate sentences go. A block equal to the block before
it is a repeat; a short block that stands in a run of a page template
(:func:`dedupe_docs.stages.boilerplate.template_blocks`) is boilerplate.
:func:`dedupe_docs.stages.settle.settle` then restores any removal whose source did not
survive, until nothing changes.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from typing import Any

import attrs
import numpy as np
import regex
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA, Levenshtein

from dedupe_docs.config import Config
from dedupe_docs.runtime.arrays import range_indices
from dedupe_docs.stages.boilerplate import formulas_among
from dedupe_docs.stages.kernels import (
    EDGE_CHARS,
    SENTENCE_END,
    SHORT_COPY_CHARS,
    SHORT_COPY_TOKENS,
    SHORT_LINE_TOKENS,
    SHORT_SENTENCE_TOKENS,
    block_copies_kernel,
    copy_sources_kernel,
    span_tokens_kernel,
)
from dedupe_docs.stages.normalize import verification_forms
from dedupe_docs.stages.segment import sentences
from dedupe_docs.stages.sign import Signed, block_hashes, sentence_keys

KEEP, DUPLICATE, REPEAT, BOILERPLATE = 0, 1, 2, 3
_DIGITS_AND_MARKS = regex.compile(r"\d+|[^\w\s]")
_DIGIT_RUNS = regex.compile(r"\d+")
_UNSPACED = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}]")
"""Letters of the scripts that write no spaces between words (a word there is a clause)."""
_FIRST_WORD = regex.compile(r"\p{L}[\p{L}\p{M}]*")
_FULL_STOP = ".!?…。！？"  # marks that end a sentence (not a clause, as ``;`` and ``:`` do)
REASON_NAMES = {DUPLICATE: "duplicate", REPEAT: "repeat", BOILERPLATE: "boilerplate"}
NO_RULE, PASSAGE, SHORT_COPY, TEMPLATE, REPEATED, REWORDED = 0, 1, 2, 3, 4, 5
RULE_NAMES = {
    PASSAGE: "passage",
    SHORT_COPY: "short-copy",
    TEMPLATE: "template",
    REPEATED: "repeat",
    REWORDED: "reworded",
}
"""Which rule removed a unit (see :data:`dedupe_docs.types.RULES`)."""
Aligned = tuple[np.ndarray, int]
"""The source token of each token from a base token on (-1: none), and that base."""


@attrs.frozen(eq=False)
class Units:
    """Every block (or sentence of a split block) with its decision, sorted by document and
    offset. Source columns are -1 and similarity NaN where there is no source."""

    doc: np.ndarray
    start: np.ndarray
    end: np.ndarray
    reason: np.ndarray
    src_doc: np.ndarray
    src_start: np.ndarray
    src_end: np.ndarray
    similarity: np.ndarray
    rule: np.ndarray  # RULE_NAMES' codes; NO_RULE where kept

    def take(self, index: np.ndarray) -> Units:
        return Units(*(getattr(self, f.name)[index] for f in attrs.fields(Units)))

    @staticmethod
    def concat(parts: Sequence[Units]) -> Units:
        return Units(
            *(np.concatenate([getattr(p, f.name) for p in parts]) for f in attrs.fields(Units))
        )

    @staticmethod
    def empty() -> Units:
        """No units (a corpus of no documents)."""
        none = np.zeros(0, dtype=np.int64)
        code = np.zeros(0, dtype=np.int8)
        return Units(none, none, none, code, none, none, none, np.zeros(0), code)


def decide(
    s: Signed,
    texts: Sequence[str],
    aligned: np.ndarray,
    template: np.ndarray,
    config: Config,
    base: int = 0,
    *,
    common: np.ndarray,
) -> Units:
    """Decide every block of ``s`` (``aligned`` covers its tokens from ``base`` on;
    ``template``: whether each block stands in a page template, from
    :func:`dedupe_docs.stages.boilerplate.template_blocks`; ``common``: the sorted keys that
    stand in enough documents, :func:`sentence_keys` among them).

    ``s`` may be a batch seen through corpus-wide token columns: its blocks index those
    columns, ``doc_blocks`` counts no block for the documents before the batch, and ``texts``
    looks up any document by its number in the corpus."""
    n_blocks = len(s.blk_start)
    blk_doc = np.repeat(np.arange(s.n_docs), np.diff(s.doc_blocks))
    t0, t1 = s.blk_t0, s.blk_t1
    ntok = t1 - t0
    # Fast path: every token aligned, in order, equal with digits kept → similarity 1.
    covered, src_doc, src_start, src_end = block_copies_kernel(
        aligned, base, s.tok_exact, s.tok_start, s.tok_end, s.doc_tokens, t0, t1
    )
    fast = src_doc >= 0
    reason = np.where(fast, DUPLICATE, KEEP).astype(np.int8)
    similarity = np.where(fast, 1.0, np.nan)
    # Slow path: partly aligned or fuzzy blocks, whole or by sentences, all verified at once.
    candidates = np.flatnonzero((covered > 0) & ~fast)
    whole, parts, check_parts = _requests(
        s, texts, (aligned, base), blk_doc, covered, candidates, config
    )
    check = np.concatenate([np.ones(len(whole.block), dtype=bool), check_parts])
    sentence = np.concatenate([np.zeros(len(whole.block), dtype=bool), np.ones_like(check_parts)])
    requests = _Requests.concat([whole, parts])
    found = _verify(s, texts, (aligned, base), requests, (check, sentence), config)
    hit = np.flatnonzero(found.reason[: len(whole.block)] == DUPLICATE)
    copies = whole.block[hit]
    reason[copies], src_doc[copies], src_start[copies], src_end[copies], similarity[copies] = (
        DUPLICATE,
        found.src_doc[hit],
        found.src_start[hit],
        found.src_end[hit],
        found.similarity[hit],
    )
    sentence_units = found.take(np.arange(len(whole.block), len(found.doc)))
    # A block aligned whole that does not verify whole (its sentences copy other places, or
    # in another order) is tried sentence by sentence.
    missed = whole.block[found.reason[: len(whole.block)] != DUPLICATE]
    if config.split_sentences and len(missed):
        more, more_check = _sentence_requests(s, texts, (aligned, base), blk_doc, missed, config)
        more_units = _verify(
            s, texts, (aligned, base), more, (more_check, np.ones_like(more_check)), config
        )
        order = np.argsort(np.concatenate([parts.block, more.block]), kind="stable")
        parts = _Requests.concat([parts, more]).take(order)
        sentence_units = Units.concat([sentence_units, more_units]).take(order)
    # Runs of copies in document order, blocks and sentences together: a passage that runs on
    # over a line break is one run, however its lines are cut.
    copied = sentence_units.reason == DUPLICATE
    part_tokens = parts.t1 - parts.t0
    rows, at_row, at_part, n_units = _places(n_blocks, parts.block)

    def in_order(column: np.ndarray, part_column: np.ndarray) -> np.ndarray:
        out = np.empty(n_units, dtype=np.result_type(column, part_column))
        out[at_row], out[at_part] = column[rows], part_column
        return out

    follow_memo = _FollowMemo()  # what the texts say, asked again each round

    def runs(follows: bool = False, lines: bool = True) -> np.ndarray:
        """Per unit, the tokens of its run of copies of one source (``follows``: of copies
        that make one passage there, see :func:`_following_copies`, with ``lines``)."""
        columns = (
            in_order(reason == DUPLICATE, sentence_units.reason == DUPLICATE),
            in_order(blk_doc, sentence_units.doc),
            in_order(src_doc, sentence_units.src_doc),
            in_order(ntok, part_tokens),
        )
        if not follows:
            return _run_tokens(*columns)
        spans = (
            in_order(s.blk_start, sentence_units.start),
            in_order(s.blk_end, sentence_units.end),
            in_order(src_start, sentence_units.src_start),
            in_order(src_end, sentence_units.src_end),
        )
        # Only sentences and lines too short to be copies of their own, in runs shorter than
        # a passage, are held to these figures: links are looked for in such runs alone.
        alone = in_order(ntok < SHORT_COPY_TOKENS, np.ones(len(part_tokens), dtype=bool))
        duplicate = columns[0] & _in_short_runs(*columns, alone, config.min_tokens)
        follows = _following_copies(texts, duplicate, *columns[1:3], *spans, lines, follow_memo)
        return _run_tokens(*columns, follows)

    sources = (src_doc, src_start, src_end)
    locations = (blk_doc, s.blk_start, s.blk_end)
    part_sources = (sentence_units.src_doc, sentence_units.src_start, sentence_units.src_end)
    part_locations = (sentence_units.doc, sentence_units.start, sentence_units.end)
    # Copies that are no copies go: a changed word, other symbols, a short line that differs.
    # A copied sentence in a run shorter than a passage needs SHORT_SENTENCE_TOKENS, its own
    # with the rest of it where the copy wraps it over lines or ``e.g.`` cuts it short, or its
    # run's (sentences copied one after the other from consecutive lines of one source: short
    # lines joined into a paragraph; see _following_copies), as a fragment of a few words is
    # no copy; the rest of such a sentence on a line of its own is no short line either (a
    # mosaic's sentence wrapped otherwise than its source); and it must be a whole sentence:
    # the end of a sentence whose first words differ is parallel text (``createdb also
    # accepts ...`` beside ``clusterdb also accepts ...``), not a copy. What goes may leave
    # runs shorter than a passage behind, where the copies left must meet the tests of short
    # runs: rounds go on until none goes (a parallel page's option list leaves its heading
    # with another program's name alone). After the first round a fuzzy copy is held to its
    # words only, not to the tests of short lines and sentences, which only exact text passes
    # (a copy typed with typos would lose line after line as one with a mangled word goes).
    # A verdict depends only on its unit's run figures, which only shrink: after the first, a
    # round checks the units whose figures changed (a short line held up by its sentence,
    # when that sentence goes).
    blocks = np.flatnonzero(reason == DUPLICATE)
    pieces = np.flatnonzero(sentence_units.reason == DUPLICATE)
    wrong = _unlike_symbols(texts, blocks[similarity[blocks] == 1.0], locations, sources)
    lone = _unlike_symbols(
        texts, pieces[sentence_units.similarity[pieces] == 1.0], part_locations, part_sources
    )
    block_run = np.zeros(n_blocks, dtype=np.int64)
    block_run[rows] = runs()[at_row]
    in_short_run = block_run < config.min_tokens
    checked_short = np.zeros(len(part_tokens), dtype=bool)  # the figures a piece was checked with
    checked_few = np.zeros(len(part_tokens), dtype=bool)
    sentence_run = np.zeros(n_blocks, dtype=np.int64)
    checked_in_sentence = np.zeros(n_blocks, dtype=bool)  # the figure a line was checked with
    # Sentences long by their characters count on their own whatever their runs: what makes
    # one depends on the piece and its source alone, so it is read once, not every round.
    maybe_long = np.flatnonzero(
        (sentence_units.reason == DUPLICATE) & (part_tokens < SHORT_SENTENCE_TOKENS)
    )
    long = np.zeros(len(part_tokens), dtype=bool)
    long[maybe_long] = _long_sentences(
        s, texts, maybe_long, sentence_units, (parts.t0, parts.t1), common
    )
    first = True
    while True:
        sentence_run[rows] = runs(follows=True, lines=False)[at_row]
        in_sentence = sentence_run >= SHORT_SENTENCE_TOKENS
        if not first:  # a line held up by its sentence is checked again when that goes
            left = checked_in_sentence & ~in_sentence & (reason == DUPLICATE)
            blocks = np.union1d(blocks, np.flatnonzero(left))
        fuzzy = blocks[similarity[blocks] < 1.0]
        short = blocks[(ntok[blocks] < config.min_tokens) & (first | (similarity[blocks] == 1))]
        checked_in_sentence[short] = in_sentence[short]
        wrong = functools.reduce(
            np.union1d,
            (
                wrong,
                fuzzy[_reworded_units(texts, fuzzy, locations, sources, in_short_run)],
                _unlike_short_copies(
                    s, texts, blk_doc, short, (in_short_run, in_sentence), sources
                ),
                _lone_line_pieces(s, texts, blk_doc, (aligned, base), short, sources, common)
                if first
                else short[:0],
            ),
        )
        reason[wrong], src_doc[wrong], src_start[wrong], src_end[wrong] = KEEP, -1, -1, -1
        similarity[wrong] = math.nan
        part_short = runs()[at_part] < config.min_tokens  # with the blocks that stayed copies
        few = (runs(follows=True)[at_part] < SHORT_SENTENCE_TOKENS) & ~long
        copied = sentence_units.reason == DUPLICATE
        changed = (part_short != checked_short) | (few != checked_few)
        pieces = np.flatnonzero(copied & (changed | first))
        checked_short[pieces], checked_few[pieces] = part_short[pieces], few[pieces]
        fuzzy = pieces[sentence_units.similarity[pieces] < 1.0]
        exact = sentence_units.similarity[pieces] == 1.0
        short_pieces = pieces[part_short[pieces] & (first | exact)]
        lone = functools.reduce(
            np.union1d,
            (
                lone,
                short_pieces[few[short_pieces]],
                short_pieces[~_whole_sentences(texts, short_pieces, part_locations, part_sources)],
                fuzzy[_reworded_units(texts, fuzzy, part_locations, part_sources, part_short)],
            ),
        )
        sentence_units.reason[lone], sentence_units.src_doc[lone] = KEEP, -1
        sentence_units.src_start[lone], sentence_units.src_end[lone] = -1, -1
        sentence_units.similarity[lone] = math.nan
        block_run[rows] = runs()[at_row]
        now_short = (block_run < config.min_tokens) & ~in_short_run & (reason == DUPLICATE)
        in_short_run |= now_short
        blocks, first = np.flatnonzero(now_short), False
        if not len(wrong) and not len(lone):
            break
        wrong, lone = wrong[:0], lone[:0]
    cut = np.unique(parts.block[sentence_units.reason == DUPLICATE])
    # Page templates go whatever else they repeat; then repeats, where no duplicate was found.
    undecided = reason == KEEP
    undecided[cut] = False
    in_template = template.copy()
    in_template[cut] = False
    for b in np.flatnonzero(in_template).tolist():
        if not _continues_sentence(
            texts[int(blk_doc[b])],
            s,
            b,
            blk_doc,
            reason,
            bool(ntok[b] > config.boilerplate_max_tokens),
        ):
            reason[b], src_doc[b], src_start[b], src_end[b], similarity[b] = (
                BOILERPLATE,
                -1,
                -1,
                -1,
                math.nan,
            )
            undecided[b] = False
    same = np.zeros(n_blocks, dtype=bool)
    if n_blocks > 1 and len(s.tok_hash):
        # Cheap filter (same length, same first and last token), then whole-sequence hashes.
        h, first, last = s.tok_hash, np.minimum(t0, len(s.tok_hash) - 1), np.maximum(t1 - 1, 0)
        maybe = (ntok[1:] == ntok[:-1]) & (ntok[1:] > 0) & (blk_doc[1:] == blk_doc[:-1])
        maybe &= (h[first[1:]] == h[first[:-1]]) & (h[last[1:]] == h[last[:-1]])
        cand = np.flatnonzero(maybe) + 1
        this = block_hashes(h, t0[cand], t1[cand])
        same[cand] = this == block_hashes(h, t0[cand - 1], t1[cand - 1])
    run_first = np.maximum.accumulate(np.where(same, 0, np.arange(n_blocks)))
    repeats = np.flatnonzero(same & (reason == KEEP) & undecided).tolist()
    firsts = run_first[repeats].tolist()
    blocks = [_block_text(texts, s, blk_doc, b) for b in repeats]
    first_blocks = [_block_text(texts, s, blk_doc, p) for p in firsts]
    sims = _similarities(blocks, first_blocks, config).tolist()
    # A block that differs only in its numbers or symbols (a table row, a counter, the
    # operators ``<`` and ``>`` of a list) is not a repeat.
    marks = _DIGITS_AND_MARKS.findall
    for b, p, block, first_block, sim in zip(
        repeats, firsts, blocks, first_blocks, sims, strict=True
    ):
        if not math.isnan(sim) and marks(block) == marks(first_block):
            reason[b], src_doc[b], src_start[b], src_end[b], similarity[b] = (
                REPEAT,
                blk_doc[b],
                s.blk_start[p],
                s.blk_end[p],
                sim,
            )
    # The rule of a duplicate: a passage when its run of copied units reaches min_tokens.
    copied = sentence_units.reason == DUPLICATE
    final_runs = runs()
    block_run[:] = 0  # blocks cut into sentences get their rules from their sentences
    block_run[rows] = final_runs[at_row]
    rule = _rules(reason, block_run, config)
    sentence_units = attrs.evolve(
        sentence_units, rule=_rules(sentence_units.reason, final_runs[at_part], config)
    )
    units = Units(
        blk_doc,
        s.blk_start,
        s.blk_end,
        reason,
        src_doc,
        src_start,
        src_end,
        similarity,
        rule,
    )
    in_cut = np.flatnonzero(np.isin(parts.block, cut))
    units, unit_blocks = _with_sentences(units, parts.block[in_cut], sentence_units.take(in_cut))

    def copies_elsewhere(unit: int, source: int) -> bool:
        """Whether a token of ``unit`` is aligned with a document other than ``source``."""
        d = int(units.doc[unit])
        lo = int(s.doc_tokens[d])
        starts = s.tok_start[lo : s.doc_tokens[d + 1]]
        # One search in the column's own dtype: a scalar of another casts the whole column.
        bounds = np.array([units.start[unit], units.end[unit]], dtype=starts.dtype)
        at, to = (lo + np.searchsorted(starts, bounds)).tolist()
        tokens = aligned[at - base : to - base]
        tokens = tokens[tokens >= 0]
        return bool((np.searchsorted(s.doc_tokens, tokens, side="right") - 1 != source).any())

    grown = continue_over_typos(texts, units, unit_blocks, config.threshold, copies_elsewhere)
    for unit, neighbour in grown.tolist():
        units.rule[unit] = units.rule[neighbour]
    return units


def _rules(reason: np.ndarray, run_tokens: np.ndarray, config: Config) -> np.ndarray:
    """Per unit, the rule that removed it, from its reason and its run's tokens."""
    passage = np.where(run_tokens >= config.min_tokens, PASSAGE, SHORT_COPY)
    rule = np.where(reason == DUPLICATE, passage, NO_RULE)
    rule = np.where(reason == BOILERPLATE, TEMPLATE, rule)
    return np.where(reason == REPEAT, REPEATED, rule).astype(np.int8)


def _with_sentences(units: Units, blocks: np.ndarray, parts: Units) -> tuple[Units, np.ndarray]:
    """New columns: ``units``, one per block, with every block of ``blocks`` (ascending, one
    entry per sentence) replaced by its sentences ``parts``; and the block of each row. Blocks
    and their sentences are in corpus order, so each row's place is known without sorting by
    document and offset."""
    kept, at_kept, at_part, n = _places(len(units.doc), blocks)
    row_blocks = np.empty(n, dtype=np.int64)
    row_blocks[at_kept], row_blocks[at_part] = kept, blocks
    columns = []
    for field in attrs.fields(Units):
        old, new = getattr(units, field.name), getattr(parts, field.name)
        column = np.empty(n, dtype=np.result_type(old, new))
        column[at_kept] = old[kept]
        column[at_part] = new
        columns.append(column)
    return Units(*columns), row_blocks


def _places(n_blocks: int, blocks: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Where rows go when every block of ``blocks`` (ascending, one entry per sentence) is
    replaced by its sentences: the blocks that stay, their places, the sentences' places, and
    the number of rows."""
    stays = np.ones(n_blocks, dtype=bool)
    stays[blocks] = False
    kept = np.flatnonzero(stays)
    at_kept = np.arange(len(kept)) + np.searchsorted(blocks, kept)
    at_part = np.arange(len(blocks)) + np.searchsorted(kept, blocks)
    return kept, at_kept, at_part, len(kept) + len(blocks)


_WORDS = regex.compile(r"\w+")
_DOUBLED = regex.compile(r"(\w)\1+")
_ASCII_WORD_CHAR = np.array([chr(c).isalnum() or chr(c) == "_" for c in range(256)])
_ASCII_WORD_OR_JOINT = re.compile(r"\w+|\x00")
_MARKS = regex.compile(r"\p{M}+")
_SPACE = regex.compile(r"\s+")


def _run_tokens(
    duplicate: np.ndarray,
    blk_doc: np.ndarray,
    src_doc: np.ndarray,
    ntok: np.ndarray,
    follows: np.ndarray | None = None,
) -> np.ndarray:
    """Per unit (in document order), the tokens of the run of consecutive duplicate units of
    one document that copy one source document, which the unit belongs to (0 if kept). With
    ``follows`` (per unit, whether its source follows the one before's), only such units run
    on."""
    link = np.zeros(len(duplicate), dtype=bool)
    link[1:] = duplicate[1:] & duplicate[:-1] & (blk_doc[1:] == blk_doc[:-1])
    link[1:] &= src_doc[1:] == src_doc[:-1]
    if follows is not None:
        link &= follows
    run = np.cumsum(~link) - 1
    totals = np.bincount(run, weights=np.where(duplicate, ntok, 0))
    return np.where(duplicate, totals[run], 0).astype(np.int64)


def _in_short_runs(
    duplicate: np.ndarray,
    doc: np.ndarray,
    src_doc: np.ndarray,
    ntok: np.ndarray,
    wanted: np.ndarray,
    min_tokens: int,
) -> np.ndarray:
    """Per unit (in document order), whether its run of copies of one source (see
    :func:`_run_tokens`) is shorter than ``min_tokens`` and holds a ``wanted`` copy."""
    link = np.zeros(len(duplicate), dtype=bool)
    link[1:] = duplicate[1:] & duplicate[:-1] & (doc[1:] == doc[:-1])
    link[1:] &= src_doc[1:] == src_doc[:-1]
    run = np.cumsum(~link) - 1
    totals = np.bincount(run, weights=np.where(duplicate, ntok, 0))
    holds = np.bincount(run, weights=duplicate & wanted) > 0
    return (totals[run] < min_tokens) & holds[run]


def _following_copies(
    texts: Sequence[str],
    duplicate: np.ndarray,
    doc: np.ndarray,
    src_doc: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    src_start: np.ndarray,
    src_end: np.ndarray,
    lines: bool = True,
    memo: _FollowMemo | None = None,
) -> np.ndarray:
    """Per unit (in document order), whether it and the unit before are copies of one source
    document that follow each other there (at most three spaces or marks between them) and
    make one passage: their sources stand on consecutive lines (short lines of a source joined
    into one paragraph; not without ``lines``), or they are one sentence of the copy (a
    sentence wrapped over two lines, or cut short at ``e.g.``; without ``lines``, one that the
    source does not break there): the unit before ends without a mark that ends a sentence,
    or this one starts with a letter in lower case. Such a sentence must end where the units
    that make it up do (:func:`_closes_sentence`): the start of a sentence whose end differs
    is parallel text. Two formulaic sentences that happen to stand together in both places
    stay apart.

    ``memo`` (a :class:`_FollowMemo`) keeps what the texts say about a pair of units and
    where sentences close: deciding asks again each round, about mostly the same pairs."""
    memo = _FollowMemo() if memo is None else memo
    out = np.zeros(len(duplicate), dtype=bool)
    in_sentence = np.zeros(len(duplicate), dtype=bool)  # joined as one sentence of the copy
    gap = src_start[1:] - src_end[:-1]
    maybe = duplicate[1:] & duplicate[:-1] & (doc[1:] == doc[:-1]) & (src_doc[1:] == src_doc[:-1])
    pairs = np.flatnonzero(maybe & (gap >= 0) & (gap <= 3)) + 1
    columns = [c[pairs].tolist() for c in (src_doc, src_start, doc, start, end)]
    columns += [c[pairs - 1].tolist() for c in (src_end, start, end)]
    for i, key in zip(pairs.tolist(), zip(*columns, strict=True), strict=True):
        kind = memo.pairs.get(key)
        if kind is None:
            kind = memo.pairs[key] = _pair_kind(texts, *key)
        if kind == _APART:
            continue
        if kind == _NEW_LINE:
            out[i] = lines
            continue
        in_sentence[i] = out[i] = kind == _ONE_SENTENCE
    chain = np.cumsum(~out) - 1
    for c in np.unique(chain[in_sentence]).tolist():
        first, last = np.searchsorted(chain, [c, c + 1]).tolist()
        at = (int(doc[last - 1]), int(end[last - 1]))
        closes = memo.closes.get(at)
        if closes is None:
            closes = memo.closes[at] = _closes_sentence(texts[at[0]], at[1])
        if not closes:
            out[first + 1 : last] &= ~in_sentence[first + 1 : last]
    return out


@attrs.define
class _FollowMemo:
    """What :func:`_following_copies` found in the texts: the kind of each pair of units (by
    their sources' and their own offsets), and whether a sentence closes at an offset of a
    document."""

    pairs: dict[tuple[int, ...], int] = attrs.Factory(dict)
    closes: dict[tuple[int, int], bool] = attrs.Factory(dict)


_APART, _NEW_LINE, _ONE_SENTENCE, _TWO_SENTENCES = range(4)
"""How a copy stands to the copy before it, of the same source, in :func:`_pair_kind`."""


def _pair_kind(
    texts: Sequence[str],
    src_doc: int,
    src_start: int,
    doc: int,
    start: int,
    end: int,
    src_end_before: int,
    start_before: int,
    end_before: int,
) -> int:
    """How a copy (``doc``, ``start..end``, copying ``src_doc`` from ``src_start`` on) stands
    to the copy before it (``start_before..end_before``, its source ending at
    ``src_end_before``) in :func:`_following_copies`: apart (a letter or digit between their
    sources), on consecutive lines of the source, one sentence of the copy, or two."""
    between = texts[src_doc][src_end_before:src_start]
    if any(c.isalnum() for c in between):
        return _APART
    if "\n" in between:
        return _NEW_LINE
    text = texts[doc]
    word = _WORD_CHARACTER.search(text, start, end)
    tail = text[max(end_before - 8, start_before) : end_before].rstrip().rstrip(_CLOSING)
    one_sentence = tail[-1:] not in SENTENCE_END or (word is not None and word.group().islower())
    return _ONE_SENTENCE if one_sentence else _TWO_SENTENCES


def _closes_sentence(text: str, end: int) -> bool:
    """Whether a sentence ends at ``end`` of ``text``: a mark that ends sentences stands at
    ``end`` (or right after it, with the quotes or brackets that close it), or the line ends
    there and the next line does not go on in lower case."""
    if text[max(end - 8, 0) : end].rstrip().rstrip(_CLOSING)[-1:] in SENTENCE_END:
        return True
    marks = _TRAILING_MARKS.match(text, end).group()
    if any(c in SENTENCE_END for c in marks):
        return True
    rest = text[end + len(marks) : end + len(marks) + 200]
    if rest.lstrip(" \t")[:1] not in ("", "\n", "\r"):
        return False
    word = _WORD_CHARACTER.search(rest)
    return word is None or not word.group().islower()


_CLOSING = "\"'”’»)]"
"""Marks that may close a sentence after its full stop."""
_WORD_CHARACTER = regex.compile(r"\w")


def _unlike_short_copies(
    s: Signed,
    texts: Sequence[str],
    blk_doc: np.ndarray,
    blocks: np.ndarray,
    runs: tuple[np.ndarray, np.ndarray],
    sources: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> np.ndarray:
    """Those of the short duplicate ``blocks`` in a run of copied lines shorter than a passage
    (``runs``: whether in such a run, and whether in a sentence wrapped over lines whose copy
    counts ``SHORT_SENTENCE_TOKENS``) that are not copies after all: such lines are copies only
    line for line, each at least ``SHORT_COPY_TOKENS`` tokens or ``SHORT_COPY_CHARS``
    characters long or the rest of such a sentence (``node as root.``), and the same text with
    case and spacing folded (a line of parallel text differs from its like by a typo's worth
    now and then). Folding symbols and marks away finds candidates, but ``Logging API¶`` (a
    heading) is not the ``Logging API`` of a table of contents, and a signature of two words
    is not a copy of another letter's.
    """
    src_doc, src_start, src_end = sources
    in_short_run, in_sentence = runs
    blocks = blocks[in_short_run[blocks]]
    wrong = np.zeros(len(blocks), dtype=bool)
    for i, b in enumerate(blocks.tolist()):
        line = texts[int(blk_doc[b])][int(s.blk_start[b]) : int(s.blk_end[b])]
        target = _folded(line)
        source, start, end = texts[int(src_doc[b])], int(src_start[b]), int(src_end[b])
        too_short = (
            s.blk_t1[b] - s.blk_t0[b] < SHORT_COPY_TOKENS
            and len(_SPACE.sub(" ", line).strip()) < SHORT_COPY_CHARS
        )
        wrong[i] = (too_short and not in_sentence[b]) or (
            target != _folded(_with_marks(source, start, end))
            and target != _folded(_with_marks(source, start, end, _LINE_LEAD, _LINE_TAIL))
        )
    return blocks[wrong]


def _lone_line_pieces(
    s: Signed,
    texts: Sequence[str],
    blk_doc: np.ndarray,
    aligned: Aligned,
    blocks: np.ndarray,
    sources: tuple[np.ndarray, np.ndarray, np.ndarray],
    common: np.ndarray,
) -> np.ndarray:
    """Those of the duplicate ``blocks`` shorter than ``SHORT_SENTENCE_TOKENS`` that copy
    part of a line on their own, not as a line of a passage wrapped otherwise (its alignment
    runs on into the line before or after, or the source runs on with the word that ends the
    line before or starts the line after), and are no copies: such a line must be a whole
    sentence there, ``SHORT_COPY_CHARS`` long (a page's title is not a copy of its numbered
    entry in a table of contents, nor a short line of a quoted sentence), and no formula that
    stands in many documents (``common``)."""
    src_doc, src_start, src_end = sources
    column, base = aligned
    blocks = blocks[s.blk_t1[blocks] - s.blk_t0[blocks] < SHORT_SENTENCE_TOKENS]
    blocks = blocks[~_runs_on_aligned(column, s.blk_t0[blocks] - base, s.blk_t1[blocks] - base)]
    formulaic = _formulaic(s, common, s.blk_t0[blocks], s.blk_t1[blocks])
    held = np.zeros(len(blocks), dtype=bool)  # held to the test of a sentence long by its chars
    for i, b in enumerate(blocks.tolist()):
        source, start, end = texts[int(src_doc[b])], int(src_start[b]), int(src_end[b])
        if _whole_line(source, start, end):
            continue
        text = texts[int(blk_doc[b])]
        before = _last_word(source[max(start - 64, 0) : start])
        after = _first_word(source[end : end + 64])
        runs_on = (
            before is not None
            and b > 0
            and blk_doc[b - 1] == blk_doc[b]
            and _last_word(text[max(int(s.blk_end[b - 1]) - 64, 0) : int(s.blk_end[b - 1])])
            == before
        ) or (
            after is not None
            and b + 1 < len(blk_doc)
            and blk_doc[b + 1] == blk_doc[b]
            and _first_word(text[int(s.blk_start[b + 1]) : int(s.blk_start[b + 1]) + 64]) == after
        )
        held[i] = not runs_on
    blocks, formulaic = blocks[held], formulaic[held]
    lines = [texts[int(blk_doc[b])][int(s.blk_start[b]) : int(s.blk_end[b])] for b in blocks]
    return blocks[formulaic | ~_long_whole_sentences(lines, texts, blocks, sources)]


def _runs_on_aligned(column: np.ndarray, first: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Per span of fewer than ``SHORT_SENTENCE_TOKENS`` tokens ``first..end`` (indices of
    ``column``), whether it lies in a run of ``SHORT_SENTENCE_TOKENS`` or more tokens aligned
    one after the other (a source token on, or up to three: a typo or a dropped word) that
    runs on past it: a line of a passage wrapped otherwise than its source."""
    w = SHORT_SENTENCE_TOKENS
    size = (end - first)[:, None]
    at = first[:, None] - w + np.arange(3 * w + 1)[None, :]  # each span with w tokens around
    inside = (at >= 0) & (at < len(column))
    values = np.where(inside, column[np.clip(at, 0, max(len(column) - 1, 0))], -1).astype(np.int64)
    follows = (values[:, :-1] >= 0) & (values[:, 1:] > values[:, :-1])
    follows &= values[:, 1:] <= values[:, :-1] + 3  # token k + 1 continues token k
    k = np.arange(follows.shape[1])[None, :]
    whole = ~((k >= w) & (k < w + size - 1) & ~follows).any(axis=1)
    before = np.cumprod(follows[:, w - 1 :: -1], axis=1).sum(axis=1)
    after_at = np.minimum(w + size - 1 + np.arange(w)[None, :], follows.shape[1] - 1)
    after = np.cumprod(np.take_along_axis(follows, after_at, axis=1), axis=1).sum(axis=1)
    total = before + size[:, 0] + after
    return whole & (total >= w) & ((before > 0) | (after > 0))


def _formulaic(s: Signed, common: np.ndarray, first: np.ndarray, last: np.ndarray) -> np.ndarray:
    """Per sentence of tokens ``first..last``, whether it is a formula that stands in many
    documents (:func:`~dedupe_docs.stages.boilerplate.formulas_among` the template set
    ``common``)."""
    if not len(first) or not len(common):
        return np.zeros(len(first), dtype=bool)
    return formulas_among(sentence_keys(s.tok_exact, first, last), common)


# Patterns anchored at the end are searched from the end (``REVERSE``): the same match, not
# tried at every character first.
_WORD_BEFORE = regex.compile(r"(\w+)\W*\Z", regex.REVERSE)
_WORD_AFTER = regex.compile(r"\W*(\w+)")


def _last_word(text: str) -> str | None:
    """The last word of ``text``, case folded (None: none)."""
    found = _WORD_BEFORE.search(text)
    return found.group(1).casefold() if found else None


def _first_word(text: str) -> str | None:
    """The first word of ``text``, case folded (None: none)."""
    found = _WORD_AFTER.match(text)
    return found.group(1).casefold() if found else None


_LIST_NUMBER = regex.compile(r"(?:\A|\n)[ \t]*\(?\d+(?:[.)]\d+)*[.)]?[ \t]*\Z")


def _long_whole_sentences(
    copies: list[str],
    texts: Sequence[str],
    units: np.ndarray,
    sources: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> np.ndarray:
    """Per unit of ``units`` (rows of ``sources``) with its text in ``copies``, too short to
    count by its tokens: whether it is ``SHORT_COPY_CHARS`` long (white space runs counting
    one) and copies a whole sentence of its source, not the entry after a list number (a
    page's title, numbered in a table of contents)."""
    long = np.array(
        [len(_SPACE.sub(" ", copy).strip()) >= SHORT_COPY_CHARS for copy in copies], dtype=bool
    )
    for i in np.flatnonzero(long).tolist():
        source, start = texts[int(sources[0][units[i]])], int(sources[1][units[i]])
        long[i] = not _LIST_NUMBER.search(source[max(start - 16, 0) : start])
    at = np.flatnonzero(long)
    opens, closes = _sentence_edges(texts, units[at], sources)
    long[at] = opens & closes
    return long


def _whole_line(text: Sequence[str] | str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` (from a word to a word) is a whole line of ``text`` but
    for the marks and white space at its ends (``text`` is only sliced)."""
    before = text[max(start - 64, 0) : start]
    lead = _LINE_LEAD.search(before)
    before = before[: len(before) - len(lead.group())] if lead else before
    after = text[end : end + 64]
    tail = _LINE_TAIL.match(after)
    after = after[len(tail.group()) :] if tail else after
    opens = before.endswith("\n") or (not before and start <= 64)
    return opens and (after.startswith("\n") or (not after and len(text[end : end + 65]) < 65))


_LEADING_MARKS = regex.compile(r"[^\w\s]*\Z", regex.REVERSE)
_TRAILING_MARKS = regex.compile(r"[^\w\s]*")
_LINE_LEAD = regex.compile(r"[^\w\n]*\Z", regex.REVERSE)
_LINE_TAIL = regex.compile(r"[^\w\n]*")


def _with_marks(
    text: Sequence[str] | str,
    start: int,
    end: int,
    leading: regex.Pattern[str] = _LEADING_MARKS,
    trailing: regex.Pattern[str] = _TRAILING_MARKS,
) -> str:
    """``text[start:end]`` (a span from a word to a word) with the punctuation that clings to
    its ends: the quotes and full stop of a sentence quoted out of a longer line; with
    ``_LINE_LEAD`` and ``_LINE_TAIL``, the marks and spaces out to its line's ends too (the
    ``©`` of a footer line copied whole). ``text`` is only sliced (a bounded run reads it
    back from a file)."""
    before = text[max(start - 8, 0) : start]
    after = text[end : end + 8]
    lead = leading.search(before)
    tail = trailing.match(after)
    return (lead.group() if lead else "") + text[start:end] + (tail.group() if tail else "")


def _unlike_symbols(
    texts: Sequence[str],
    units: np.ndarray,
    locations: tuple[np.ndarray, np.ndarray, np.ndarray],
    sources: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> np.ndarray:
    """Those of the word-for-word copies ``units`` (rows of ``locations`` and ``sources``)
    whose symbols between their first and last word differ from those of a source of as many
    words (a source span that holds a dropped sentence is not compared): operators,
    currency signs and the like, not punctuation, which copies change freely. ``val <= (base
    + offset)`` is no copy of ``val >= (base - offset)``, though every word is the same."""
    (doc, start, end), (src_doc, src_start, src_end) = locations, sources
    # A source span far longer or shorter than its copy holds other words (a sentence of a
    # long line whose words align all over it): no word-for-word copy, and too big to slice.
    length, src_length = end[units] - start[units], src_end[units] - src_start[units]
    units = units[(src_length <= 2 * length + 64) & (length <= 2 * src_length + 64)]
    rows, targets, found = [], [], []
    columns = [c[units].tolist() for c in (doc, start, end, src_doc, src_start, src_end)]
    for u, d, a, b, sd, sa, sb in zip(units.tolist(), *columns, strict=True):
        target, source = texts[d][a:b], texts[sd][sa:sb]
        if source not in target:  # else the same text lies between the first and last word
            rows.append(u)
            targets.append(target)
            found.append(source)
    # Most other copies hold no symbol on either side: one scan of them all finds those that do.
    pieces = [*targets, *found]
    ends = np.cumsum(np.fromiter(map(len, pieces), dtype=np.int64, count=len(pieces)) + 1)
    joined = "\x00".join(pieces)
    at = np.array([m.start() for m in _SYMBOL.finditer(joined)], dtype=np.int64)
    holds = np.zeros(len(pieces), dtype=bool)
    holds[np.searchsorted(ends, at, side="right")] = True
    wrong = []
    for i in np.flatnonzero(holds[: len(rows)] | holds[len(rows) :]).tolist():
        target, source = targets[i], found[i]
        # The symbols first: most copies keep them, and counting words costs more.
        if _symbols(_without_edge_marks(target)) != _symbols(source) and len(
            _WORDS.findall(target)
        ) == len(_WORDS.findall(source)):
            wrong.append(rows[i])
    return np.array(wrong, dtype=np.int64)


_EDGE_LEAD = regex.compile(r"[\W_]+")
_EDGE_TAIL = regex.compile(r"[\W_]+\Z", regex.REVERSE)


def _without_edge_marks(text: str) -> str:
    r"""``text`` without the marks, spaces and underscores at its start and end: what
    ``regex.sub(r"^[\W_]+|[\W_]+$", "", text)`` gives, without trying the second pattern at
    every character (the tail is searched from the end)."""
    lead = _EDGE_LEAD.match(text)
    start = lead.end() if lead else 0
    tail = _EDGE_TAIL.search(text, start)
    return text[start : tail.start()] if tail else text[start:]


_SYMBOL = regex.compile(r"\p{S}")
_DOUBLED_SYMBOL = regex.compile(r"(\p{S})\1+")


def _symbols(text: str) -> str:
    """The symbols of ``text`` in order, doubled ones squeezed (a copy with every character
    doubled)."""
    return _DOUBLED_SYMBOL.sub(r"\1", "".join(_SYMBOL.findall(text)))


def _whole_sentences(
    texts: Sequence[str],
    units: np.ndarray,
    locations: tuple[np.ndarray, np.ndarray, np.ndarray],
    sources: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """Per unit of ``units`` (rows of ``locations``): whether it is a sentence of its own, or
    runs from a line's start or to its end: a line starts or a sentence ends just before it,
    and a sentence ends at its end or with the marks after it, or its line does. With
    ``sources``, a unit that ends a sentence but starts after text that does not end one is
    whole too where its source, in another document, is a whole sentence: a sentence pasted
    after a label or a line that ends without a mark, not the end of a sentence whose first
    words differ (whose source starts inside a sentence too)."""
    opens, closes = _sentence_edges(texts, units, locations)
    whole = opens & closes
    if sources is not None:
        pasted = closes & ~opens & (sources[0][units] != locations[0][units])
        maybe = np.flatnonzero(pasted)
        source_opens, source_closes = _sentence_edges(texts, units[maybe], sources)
        whole[maybe] = source_opens & source_closes
    return whole


def _long_sentences(
    s: Signed,
    texts: Sequence[str],
    pieces: np.ndarray,
    units: Units,
    tokens: tuple[np.ndarray, np.ndarray],
    common: np.ndarray,
) -> np.ndarray:
    """Per piece of ``pieces`` (rows of ``units``, tokens ``tokens[0]..tokens[1]`` each):
    whether it is a sentence too short to count by its tokens that is long enough by its
    characters (``SHORT_COPY_CHARS``, white space runs counting one: a message of a few long
    Russian words), copied word for word, digits included, from a whole sentence or line of
    another document, and no formula that stands in many documents (``common``)."""
    first, last = tokens[0][pieces], tokens[1][pieces]
    out = np.zeros(len(pieces), dtype=bool)
    maybe = (
        (last - first >= SHORT_LINE_TOKENS)
        & (units.end[pieces] - units.start[pieces] >= SHORT_COPY_CHARS)  # folding only shortens
        & (units.similarity[pieces] == 1.0)
        & (units.src_doc[pieces] != units.doc[pieces])
    )
    at = np.flatnonzero(maybe)
    at = at[~_formulaic(s, common, first[at], last[at])]
    sources = (units.src_doc, units.src_start, units.src_end)
    copies = [
        texts[int(units.doc[u])][int(units.start[u]) : int(units.end[u])] for u in pieces[at]
    ]
    out[at] = _long_whole_sentences(copies, texts, pieces[at], sources)
    return out


def _sentence_edges(
    texts: Sequence[str], units: np.ndarray, locations: tuple[np.ndarray, np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """Per unit of ``units`` (rows of ``locations``): whether a sentence opens where it starts
    and whether one closes where it ends (see :func:`_whole_sentences`)."""
    doc, start, end = locations
    opened = np.zeros(len(units), dtype=bool)
    closed = np.zeros(len(units), dtype=bool)
    for i, u in enumerate(units.tolist()):
        text, a, b = texts[int(doc[u])], int(start[u]), int(end[u])
        head = text[max(a - EDGE_CHARS, 0) : a]
        lead = _LEADING_MARKS.search(head)
        before = head[: len(head) - len(lead.group())] if lead else head
        opens = before.rstrip(" \t")[-1:] in ("", "\n", *SENTENCE_END)
        own = _LEADING_MARKS.search(text[max(a, b - EDGE_CHARS) : b])  # the marks it ends with
        tail = _TRAILING_MARKS.match(text[b : b + EDGE_CHARS])
        marks = tail.group() if tail else ""
        after = text[b + len(marks) : b + len(marks) + EDGE_CHARS].lstrip(" \t")
        marks += own.group() if own else ""
        closed[i] = any(c in SENTENCE_END for c in marks) or after[:1] in ("", "\n")
        opened[i] = opens
    return opened, closed


def _folded(text: str) -> str:
    return _SPACE.sub("", text.casefold())


def _reworded_units(
    texts: Sequence[str],
    units: np.ndarray,
    locations: tuple[np.ndarray, np.ndarray, np.ndarray],
    sources: tuple[np.ndarray, np.ndarray, np.ndarray],
    short: np.ndarray,
) -> np.ndarray:
    """:func:`reworded` of the ``units`` (rows of the document/start/end columns
    ``locations`` and ``sources``), ``short`` where in a run of copies shorter than a passage."""
    (doc, start, end), (src_doc, src_start, src_end) = locations, sources
    # Spans too long to align word by word are left to their similarity (a whole 50 MB line,
    # or a sentence whose aligned words lie all over one): slices of them would not fit.
    small = (end[units] - start[units] <= REWORDED_MAX_CHARS) & (
        src_end[units] - src_start[units] <= REWORDED_MAX_CHARS
    )
    rows = units[small].tolist()
    targets = [texts[int(doc[u])][int(start[u]) : int(end[u])] for u in rows]
    found = [texts[int(src_doc[u])][int(src_start[u]) : int(src_end[u])] for u in rows]
    out = np.zeros(len(units), dtype=bool)
    same = (doc[units] == src_doc[units])[small]
    out[small] = reworded(targets, found, short[units][small], same)
    return out


REWORDED_MAX_CHARS = 50_000
"""Characters from which a fuzzy copy or its source is not checked word by word: aligning the
words costs memory that grows with the product of the two lengths."""


def reworded(
    targets: Sequence[str],
    sources: Sequence[str],
    short: np.ndarray,
    numbered: np.ndarray | None = None,
) -> np.ndarray:
    """Which fuzzy copies say something else than their source, word by word.

    A typo, doubled letters, case and spacing keep a copy; another word does not: ``setup``
    for ``cleanup``, ``five`` for ``three``, ``2020`` for ``2019``. A word is a typo of another
    when at least one edit tells them apart and at most one in three characters, and two at
    most: ``pg_advisory_xact_lock_shared`` names another function than
    ``pg_advisory_lock_shared`` (a run of Chinese, Japanese or Thai text, written without
    spaces, is one word held to its length only). A short copy (``short``: in a run of copies
    shorter than a passage) may not drop or add words; a longer one may (a sentence left
    out). Other words are allowed one in 50, and one for each typo: a copy typed with many
    typos mangles a word beyond recognition now and then,
    while a sentence of parallel documentation differs in its few other words only. Where
    ``numbered`` (a copy from its own document: the items of a list, numbered), a word whose
    numbers differ is another word however close: ``stage 2`` is not ``stage 1``, ``<m2>``
    not ``<m1>`` (typing mangles letters, not numbers; between documents the first
    occurrence a copy points at may be parallel text of another page, the true source later).
    """
    folded = _folded_words([*targets, *sources])
    n = len(targets)
    if numbered is None:
        numbered = np.zeros(n, dtype=bool)
    out = np.zeros(n, dtype=bool)
    for i, (a, b) in enumerate(zip(folded[:n], folded[n:], strict=True)):
        typos = other = 0
        for tag, i1, i2, j1, j2 in Levenshtein.opcodes(a, b):
            if tag == "equal" or (tag != "replace" and not short[i]):
                continue
            x, y = "".join(a[i1:i2]), "".join(b[j1:j2])  # a word split in two is the same word
            edits = max(1, max(len(x), len(y)) // 3)
            spaced = not _UNSPACED.search(x + y)  # words of a script that spaces them
            if spaced:
                edits = min(edits, 2 * max(i2 - i1, j2 - j1))
            if numbered[i] and spaced and _DIGIT_RUNS.findall(x) != _DIGIT_RUNS.findall(y):
                other += max(i2 - i1, j2 - j1)  # another number: ``stage 2`` for ``stage 1``
            elif OSA.distance(x, y) <= edits:
                typos += 1
            else:
                other += max(i2 - i1, j2 - j1)
        out[i] = other > len(a) // 50 + typos
    return out


def _folded_words(texts: Sequence[str]) -> list[list[str]]:
    """The words of each text case-folded, marks dropped and doubled letters and digits
    squeezed (a doubled-letter copy doubles its numbers as well). ASCII texts go joined into
    one string, squeezed by a NumPy mask: a regex call per text costs more than its work.
    """
    out: list[list[str]] = [[] for _ in texts]
    ascii_rows = [i for i, text in enumerate(texts) if text.isascii() and "\x00" not in text]
    joined = np.frombuffer("\x00".join(texts[i] for i in ascii_rows).lower().encode(), np.uint8)
    keep = np.ones(len(joined), dtype=bool)  # a word character equal to the one before goes
    keep[1:] = (joined[1:] != joined[:-1]) | ~_ASCII_WORD_CHAR[joined[1:]]
    words = _ASCII_WORD_OR_JOINT.findall(joined[keep].tobytes().decode())
    row = iter(ascii_rows)
    current = out[next(row)] if ascii_rows else []
    for word in words:
        if word == "\x00":
            current = out[next(row)]
        else:
            current.append(word)
    joined_rows = set(ascii_rows)
    for i, text in enumerate(texts):
        if i not in joined_rows:  # not ASCII, or holding the joint itself
            folded = _MARKS.sub("", unicodedata.normalize("NFKD", text).casefold())
            out[i] = _WORDS.findall(_DOUBLED.sub(r"\1", folded))
    return out


def _block_text(texts: Sequence[str], s: Signed, blk_doc: np.ndarray, b: int) -> str:
    return texts[int(blk_doc[b])][int(s.blk_start[b]) : int(s.blk_end[b])]


def _continues_sentence(
    text: str, s: Signed, b: int, blk_doc: np.ndarray, reason: np.ndarray, longer: bool
) -> bool:
    """Whether block ``b`` is part of a sentence wrapped over lines, not a line of a page
    template: the tail of a sentence from the line before (a fragment such as ``is
    returned.`` recurs in many documents without being boilerplate): its first word is in
    lower case (``reStructuredText`` is a name), the line before ends mid-sentence and did not
    go as a template line itself (no sentence runs on from ``Command-Line Tools`` in a sidebar
    into ``sphinx-build`` under it); or, for a line ``longer`` than a short one (a title
    in a sidebar), the head of a sentence that the next line continues in lower case (``See
    the License for the specific language governing permissions and``, or a clause that ends
    in ``;``)."""
    end = int(s.blk_end[b])
    if longer and b + 1 < len(blk_doc) and blk_doc[b + 1] == blk_doc[b]:
        after = _FIRST_WORD.search(text, int(s.blk_start[b + 1]), int(s.blk_end[b + 1]))
        if after and after.group().islower() and text[end - 1] not in _FULL_STOP:
            return True
    word = _FIRST_WORD.search(text, int(s.blk_start[b]), end)
    if b == 0 or blk_doc[b - 1] != blk_doc[b] or not word or not word.group().islower():
        return False
    if reason[b - 1] == BOILERPLATE:
        return False
    return text[int(s.blk_end[b - 1]) - 1] not in SENTENCE_END


@attrs.frozen(eq=False)
class _Requests:
    """Passages to verify: characters ``start..end`` and tokens ``t0..t1`` of document
    ``doc``, each inside block ``block``."""

    block: np.ndarray
    doc: np.ndarray
    start: np.ndarray
    end: np.ndarray
    t0: np.ndarray
    t1: np.ndarray

    def take(self, index: np.ndarray) -> _Requests:
        return _Requests(*(getattr(self, f.name)[index] for f in attrs.fields(_Requests)))

    @staticmethod
    def concat(parts: Sequence[_Requests]) -> _Requests:
        columns = (
            np.concatenate([getattr(p, f.name) for p in parts]) for f in attrs.fields(_Requests)
        )
        return _Requests(*columns)


def _requests(
    s: Signed,
    texts: Sequence[str],
    aligned: Aligned,
    blk_doc: np.ndarray,
    covered: np.ndarray,
    candidates: np.ndarray,
    config: Config,
) -> tuple[_Requests, _Requests, np.ndarray]:
    """What to verify of the candidate blocks: blocks verified whole, and the sentences of
    blocks verified sentence by sentence, with which of those sentences to check.

    A block whose every sentence is aligned to one source document goes whole; otherwise,
    when sentences may be split, only the aligned sentences go (an inserted sentence is new
    text and stays), each with its own source (a line of sentences from several documents).
    """
    ntok, aligned_count = s.blk_t1[candidates] - s.blk_t0[candidates], covered[candidates]
    whole = aligned_count >= config.block_coverage * ntok
    mixed = np.zeros(len(candidates), dtype=bool)
    if config.split_sentences:
        short = whole & (ntok < config.min_tokens)
        mixed[short] = _several_sources(s, aligned, candidates[short])
    partial = (
        candidates[(aligned_count < ntok) | mixed] if config.split_sentences else candidates[:0]
    )
    parts, parts_aligned = _sentences(
        s, texts, aligned, blk_doc, partial, (config.min_tokens, config.shingle_size)
    )
    size = parts.t1 - parts.t0
    good = (size > 0) & (parts_aligned >= config.block_coverage * size)
    owner = np.searchsorted(candidates, parts.block)
    n_parts = np.bincount(owner, minlength=len(candidates))
    n_good = np.bincount(owner[good], minlength=len(candidates))
    goes_whole = whole & ((n_parts < 2) | ((n_good == n_parts) & ~mixed))
    by_sentence = ~goes_whole & (n_parts >= 2) & (n_good > 0)
    blocks = candidates[goes_whole]
    whole_requests = _Requests(
        blocks,
        blk_doc[blocks],
        s.blk_start[blocks],
        s.blk_end[blocks],
        s.blk_t0[blocks],
        s.blk_t1[blocks],
    )
    rows = np.flatnonzero(by_sentence[owner])
    return whole_requests, parts.take(rows), good[rows]


def _several_sources(s: Signed, aligned: Aligned, blocks: np.ndarray) -> np.ndarray:
    """Per block of ``blocks`` (each with tokens), whether its aligned tokens point into more
    than one document."""
    array, base = aligned
    first, last = s.blk_t0[blocks], s.blk_t1[blocks]
    index, offsets = range_indices(first - base, last - first)
    sources = array[index].astype(np.int64)
    docs = np.searchsorted(s.doc_tokens, sources, side="right") - 1
    lowest = np.minimum.reduceat(np.where(sources >= 0, docs, len(s.doc_tokens)), offsets)
    highest = np.maximum.reduceat(np.where(sources >= 0, docs, -1), offsets)
    return (highest >= 0) & (lowest != highest)


def _sentence_requests(
    s: Signed,
    texts: Sequence[str],
    aligned: Aligned,
    blk_doc: np.ndarray,
    blocks: np.ndarray,
    config: Config,
) -> tuple[_Requests, np.ndarray]:
    """The sentences of those ``blocks`` that have two or more, at least one of them aligned,
    with which of them to check."""
    parts, parts_aligned = _sentences(
        s, texts, aligned, blk_doc, blocks, (config.min_tokens, config.shingle_size)
    )
    size = parts.t1 - parts.t0
    good = (size > 0) & (parts_aligned >= config.block_coverage * size)
    owner = np.searchsorted(blocks, parts.block)
    n_parts = np.bincount(owner, minlength=len(blocks))
    n_good = np.bincount(owner[good], minlength=len(blocks))
    rows = np.flatnonzero(((n_parts >= 2) & (n_good > 0))[owner])
    return parts.take(rows), good[rows]


def _sentences(
    s: Signed,
    texts: Sequence[str],
    aligned: Aligned,
    blk_doc: np.ndarray,
    blocks: np.ndarray,
    lengths: tuple[int, int],
) -> tuple[_Requests, np.ndarray]:
    """Every sentence of the ``blocks``, cut where a passage starts or ends inside it (see
    :func:`passage_cuts`, with ``lengths``), and how many of its tokens are aligned."""
    array, base = aligned
    # The source of each block's tokens, with the token before it and the one after it (-1:
    # none, or in another document), and the document of each: one pass over all the blocks.
    t0, t1 = s.blk_t0[blocks] - base, s.blk_t1[blocks] - base
    doc = blk_doc[blocks]
    index, offsets = range_indices(t0 - 1, t1 - t0 + 2)
    source = array[np.clip(index, 0, max(len(array) - 1, 0))].astype(np.int64)
    first, last = offsets, offsets + t1 - t0 + 1
    source[first] = np.where(np.maximum(s.doc_tokens[doc] - base, 0) < t0, source[first], -1)
    source[last] = np.where(t1 < s.doc_tokens[doc + 1] - base, source[last], -1)
    source_doc = (np.searchsorted(s.doc_tokens, source, side="right") - 1).tolist()
    source_token = source.tolist()
    owner: list[int] = []
    spans: list[tuple[int, int]] = []
    rows = zip(
        blocks.tolist(),
        doc.tolist(),
        s.blk_start[blocks].tolist(),
        s.blk_end[blocks].tolist(),
        (t0 + base).tolist(),
        (t1 + base).tolist(),
        offsets.tolist(),
        strict=True,
    )
    for b, d, start, end, a, z, o in rows:
        found = passage_cuts(
            texts[d],
            sentences(texts[d], start, end),
            (s.tok_start[a:z], s.tok_end[a:z]),
            (source_token[o : o + z - a + 2], source_doc[o : o + z - a + 2]),
            lengths,
        )
        owner.extend([b] * len(found))
        spans.extend(found)
    block = np.array(owner, dtype=np.int64)
    start, end = np.ascontiguousarray(np.array(spans, dtype=np.int64).reshape(-1, 2).T)
    t0, t1, covered = span_tokens_kernel(
        s.tok_start, *aligned, s.blk_t0[block], s.blk_t1[block], start, end
    )
    return _Requests(block, blk_doc[block], start, end, t0, t1), covered


_SPACE_RUN = regex.compile(r"\s+")


def passage_cuts(
    text: str,
    spans: list[tuple[int, int]],
    tokens: tuple[np.ndarray, np.ndarray],
    sources: tuple[list[int], list[int]],
    lengths: tuple[int, int],
) -> list[tuple[int, int]]:
    """``spans`` (the sentences of a block) cut again where a passage starts or ends inside
    one: a copy pasted into the middle of a sentence goes from the word where it starts to
    the word where it ends. ``tokens`` are the block's token start and end offsets and
    ``sources`` the token each is aligned to (-1: none) and that token's document, with the
    token before the block and the one after it at either end. A passage is a run of
    tokens aligned to one document (gaps of up to two tokens bridged), at least ``min_tokens``
    long, or ``shingle_size`` where it runs on contiguously from the block before or into the
    block after (``lengths``: those two; fewer are the tail of a shingle across the line break:
    the word that happens to follow both copies), or ``SHORT_LINE_TOKENS`` where it runs to
    the block's end (a sentence pasted after text that ends without a mark). A cut is made
    at white space between two tokens, so punctuation stays with its word, or, where no space
    separates them, right before a token beside a letter of a script written without spaces
    (Chinese, Japanese: the marks before it stay with the text before)."""
    min_tokens, shingle_size = lengths
    source, docs = sources
    before, after, n = source[0], source[-1], len(source) - 2
    runs: list[list[int]] = []  # [first, last] token of each run, in the block's numbering
    for t in range(n):
        if source[t + 1] < 0:
            continue
        if runs and t - runs[-1][1] <= 3 and docs[t + 1] == docs[runs[-1][1] + 1]:
            runs[-1][1] = t
        else:
            runs.append([t, t])
    starts, ends = tokens
    cuts = []
    for first, last in runs:
        runs_on = (first == 0 and before >= 0 and abs(source[1] - before - 1) <= 2) or (
            last == n - 1 and after >= 0 and abs(after - source[n] - 1) <= 2
        )
        # A shorter run to the block's end may be a sentence pasted after text that ends
        # without a mark: it is cut where it starts (deciding keeps only a whole sentence).
        needed = min(min_tokens, SHORT_LINE_TOKENS) if last == n - 1 else min_tokens
        if last - first + 1 < (shingle_size if runs_on else needed):
            continue
        for t in (first, last + 1):  # the edge before token t
            if 0 < t < n:
                at = int(starts[t])
                space = _SPACE_RUN.search(text, int(ends[t - 1]), at)
                if space:
                    cuts.append(space.span())
                elif _UNSPACED.match(text, at) or _UNSPACED.match(text, int(ends[t - 1]) - 1):
                    cuts.append((at, at))  # Chinese, Japanese: right before the token
    if not cuts:
        return spans
    out = []
    for start, end in spans:
        for cut_start, cut_end in cuts:
            if start < cut_start and cut_end < end:
                out.append((start, cut_start))
                start = cut_end
        out.append((start, end))
    return out


def _verify(
    s: Signed,
    texts: Sequence[str],
    aligned: Aligned,
    requests: _Requests,
    checks: tuple[np.ndarray, np.ndarray],
    config: Config,
) -> Units:
    """Each request as a unit: a duplicate of its majority source document where ``check`` is
    set and the source text, its aligned pieces joined, verifies; else kept. ``checks``:
    ``check``, and whether each request is a sentence (its source may grow over equal words
    at its edges, see :func:`copy_sources_kernel`)."""
    check, sentence = checks
    n = len(requests.doc)
    units = Units(
        requests.doc,
        requests.start,
        requests.end,
        np.full(n, KEEP, dtype=np.int8),
        np.full(n, -1, dtype=np.int64),
        np.full(n, -1, dtype=np.int64),
        np.full(n, -1, dtype=np.int64),
        np.full(n, np.nan),
        np.zeros(n, dtype=np.int8),
    )
    rows = np.flatnonzero(check)
    src_doc, src_start, src_end, piece_at, piece_start, piece_end = copy_sources_kernel(
        *aligned,
        s.tok_start,
        s.tok_end,
        s.tok_hash,
        s.doc_tokens,
        requests.doc[rows],
        requests.t0[rows],
        requests.t1[rows],
        sentence[rows],
    )
    sourced = np.flatnonzero(src_doc >= 0)
    rows = rows[sourced]
    targets = [
        texts[d][a:e]
        for d, a, e in zip(
            requests.doc[rows].tolist(),
            requests.start[rows].tolist(),
            requests.end[rows].tolist(),
            strict=True,
        )
    ]
    at, starts, ends = piece_at.tolist(), piece_start.tolist(), piece_end.tolist()
    sources = []
    for k, m in zip(sourced.tolist(), src_doc[sourced].tolist(), strict=True):
        text, first, last = texts[m], at[k], at[k + 1]
        if last == first + 1:  # most sources are one piece: no list to join
            sources.append(text[starts[first] : ends[first]])
        else:
            sources.append(" ".join([text[starts[i] : ends[i]] for i in range(first, last)]))
    similarity = _similarities(targets, sources, config)
    verified = ~np.isnan(similarity)
    rows, sourced = rows[verified], sourced[verified]
    units.reason[rows] = DUPLICATE
    units.src_doc[rows] = src_doc[sourced]
    units.src_start[rows] = src_start[sourced]
    units.src_end[rows] = src_end[sourced]
    units.similarity[rows] = similarity[verified]
    return units


def _similarities(targets: Sequence[str], sources: Sequence[str], config: Config) -> np.ndarray:
    """rapidfuzz ratio of each pair's verification forms, rounded to 4 places, NaN below the
    threshold. One ``cpdist`` call scores every pair in C++ on ``config.jobs`` threads."""
    a, b = verification_forms(targets), verification_forms(sources)
    cutoff = config.threshold * 100
    scores = process.cpdist(
        a,
        b,
        scorer=fuzz.ratio,
        processor=None,
        score_cutoff=cutoff,
        dtype=np.float64,
        workers=config.jobs,
    )
    return np.array(
        [
            1.0 if x == y else round(score / 100, 4) if score and score >= cutoff else math.nan
            for x, y, score in zip(a, b, scores.tolist(), strict=True)
        ],
        dtype=np.float64,
    )


TYPO_EDGE_MAX_CHARS = 2_000
"""Characters from which a kept unit beside a copy is not compared with its source's
continuation (a line or a sentence is much shorter)."""
TYPO_EDGE_LIKENESS = 70
"""rapidfuzz ratio below which a kept unit beside a copy is not compared word by word with as
many characters of its source's continuation (a copy with typos scores above 90)."""
TYPO_NAME_LETTERS = 6
"""Letters up to which a word one edit from its source's may be a name of its own (``rpad``
for ``lpad``, ``chfn`` for ``chsh``) and counts as a typo only where neither document holds it
elsewhere; one edit in a longer word rarely makes another word."""
TYPO_LONG_WORD = 5
"""Letters from which a word one edit from its source's is a typo however few words stand
beside it (the rest of a copied line may be one mistyped word)."""
TYPO_NAME_REACH = 20_000
"""Characters on either side of a unit in which a short word counts as written elsewhere (the
names of one family stand in one page's section)."""
TYPO_EDGE_MIN_WORDS = 3
"""Words a kept line beside a copy needs to continue it over typos (a line of one or two words
beside a copy is a label, not a line the copy ran on into; the rest of a copied line may be a
word)."""


def _gap_kind(gap: str) -> int:
    """What separates two pieces of text: -1 for more than white space, else how many line
    breaks (at most two: a blank line)."""
    return min(gap.count("\n"), 2) if not gap.strip() else -1


def _words_after(text: str, n: int) -> tuple[int, int] | None:
    """The span of the first ``n`` words of ``text`` past its leading white space, with the
    marks around them up to white space."""
    start = len(text) - len(text.lstrip())
    found = list(itertools.islice(_WORDS.finditer(text, start), n))
    if len(found) < n:
        return None
    end = found[-1].end()
    return start, end + len(_TRAILING_MARKS.match(text[end : end + 8])[0])


_WORDS_BACKWARD = regex.compile(r"(?r)\w+")


def _words_before(text: str, n: int) -> tuple[int, int] | None:
    """The span of the last ``n`` words of ``text`` before its trailing white space, with the
    marks around them up to white space; none where they would start at its first character
    (``text`` is a window: a word there may be cut)."""
    end = len(text.rstrip())
    found = list(itertools.islice(_WORDS_BACKWARD.finditer(text, 0, end), n))
    if len(found) < n or found[-1].start() == 0:
        return None
    start = found[-1].start()
    return start - len(_LEADING_MARKS.search(text[max(0, start - 8) : start])[0]), end


_LETTERS = regex.compile(
    r"[^\W\d_\p{Han}\p{Hiragana}\p{Katakana}\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}]+"
)
"""A word of letters of a script written with spaces between words (a run of Chinese or Thai
letters is a phrase, and one letter more or less in it is another word)."""


def _typo_words(words: list[str], source: list[str], rest_of_line: bool) -> list[str] | None:
    """The words of case-folded ``words`` that are typos of ``source``'s, if those are all that
    differ: as many words, and each that differs a word of letters one edit away from its
    source's (one of them three letters long), at most one word in three unless ``words`` are
    the rest of a copied line and each typo is a long word (``Defalut``: in a word of three
    letters, one letter more or less is as likely another word). A name, a number or a version
    that differs (``1.3`` for ``1.0``, ``row_index`` for ``row_indices``) is other text."""
    if len(words) != len(source):
        return None
    typos = []
    for a, b in zip(words, source, strict=True):
        if a == b:
            continue
        if not (_LETTERS.fullmatch(a) and _LETTERS.fullmatch(b)) or max(len(a), len(b)) < 3:
            return None
        if OSA.distance(a, b) > 1:
            return None
        typos.append(a)
    if not typos:
        return None
    long_typos = rest_of_line and min(len(w) for w in typos) >= TYPO_LONG_WORD
    return typos if 3 * len(typos) <= len(words) or long_typos else None


def _kept_neighbours(
    units: Any, rows: np.ndarray, fuzzy: np.ndarray, blocks: np.ndarray
) -> np.ndarray:
    """Rows ``(unit, neighbour, forward)``: the kept units of the same document right after
    (``forward`` 1) and right before (0) each of ``rows``, at most
    :data:`TYPO_EDGE_MAX_CHARS` long, beside a copy with typos (``fuzzy``) or in the same
    block (``blocks``: a copy cut short inside a line)."""
    out = []
    for step in (1, -1):
        v = rows + step
        inside = (v >= 0) & (v < len(units.doc))
        u, v = rows[inside], v[inside]
        ok = (units.doc[v] == units.doc[u]) & (units.reason[v] == KEEP)
        ok &= units.end[v] - units.start[v] <= TYPO_EDGE_MAX_CHARS
        ok &= fuzzy[u] | (blocks[u] == blocks[v])
        forward = np.full(int(ok.sum()), int(step > 0))
        out.append(np.stack([u[ok], v[ok], forward], axis=1))
    return np.concatenate(out)


def _continuation(
    texts: Sequence[str], units: Any, u: int, v: int, forward: bool
) -> tuple[str, bool, int, int, int, str] | None:
    """Kept unit ``v`` beside removed unit ``u``, and the words that continue ``u``'s source on
    that side, as many as ``v`` has, where white space alone separates each pair alike:
    ``(v's text, whether it shares u's line, its source document, start, end, source
    text)``."""
    text = texts[int(units.doc[u])]
    start, end = int(units.start[v]), int(units.end[v])
    gap = text[int(units.end[u]) : start] if forward else text[end : int(units.start[u])]
    kind = _gap_kind(gap)
    if kind < 0:
        return None
    piece = text[start:end]
    s_doc = int(units.src_doc[u])
    reach = 2 * len(piece) + 64  # as far as the source's continuation may run
    if forward:
        at = int(units.src_end[u])
        stop = at + reach
        if s_doc == int(units.doc[u]):  # the source may not run into its own copy
            stop = min(stop, start)
        window = texts[s_doc][at:stop]
        near = window.lstrip()[: len(piece)]
    else:
        at = max(int(units.src_start[u]) - reach, 0)
        window = texts[s_doc][at : int(units.src_start[u])]
        near = window.rstrip()[-len(piece) :]
    if fuzz.ratio(piece, near) < TYPO_EDGE_LIKENESS:  # most neighbours are other text
        return None
    words = len(_WORDS.findall(piece))
    if words < (TYPO_EDGE_MIN_WORDS if kind else 1):
        return None
    if forward:
        span = _words_after(window, words)
        s_gap = window[: span[0]] if span else ""
    else:
        span = _words_before(window, words)
        s_gap = window[span[1] :] if span else ""
    if span is None or _gap_kind(s_gap) != kind:
        return None
    if s_doc == int(units.doc[u]) and at + span[1] > start:
        return None
    return piece, kind == 0, s_doc, at + span[0], at + span[1], window[span[0] : span[1]]


def _ends_block(v: int, u: int, blocks: np.ndarray) -> bool:
    """Whether unit ``v``, beside ``u``, is the end of its block on the side away from
    ``u``."""
    w = v + 1 if v > u else v - 1
    return not 0 <= w < len(blocks) or blocks[w] != blocks[v]


def _fuzzy_copies(units: Any) -> np.ndarray:
    """Per unit, whether it is a duplicate in a run of one source document (units one after
    the other) that holds a unit with a similarity below 1: a copy typed with typos."""
    copy = (units.reason == DUPLICATE) & (units.src_doc >= 0)
    starts = np.ones(len(copy), dtype=bool)
    starts[1:] = ~copy[:-1] | (units.src_doc[1:] != units.src_doc[:-1])
    starts[1:] |= units.doc[1:] != units.doc[:-1]
    run = np.cumsum(starts) - 1
    fuzzy = np.zeros(int(run[-1]) + 1 if len(run) else 0, dtype=bool)
    fuzzy[run[copy & (units.similarity < 1.0)]] = True
    return copy & fuzzy[run]


NEIGHBOUR_CHARS = 400
"""Characters of the copy beside it that a unit grown over typos is scored with."""


def _with_neighbour(
    texts: Sequence[str], units: Any, u: int, pair: tuple[str, str], after: bool
) -> float:
    """The similarity of a unit grown over typos, scored with (the nearest
    :data:`NEIGHBOUR_CHARS` of) the copy ``u`` it continues, both sides joined alike: a word
    with a typo alone is less than 90 % like its source, the copy it ends is not."""
    piece, source = pair
    own = texts[int(units.doc[u])][int(units.start[u]) : int(units.end[u])]
    cited = texts[int(units.src_doc[u])][int(units.src_start[u]) : int(units.src_end[u])]
    if after:
        a, b = f"{own[-NEIGHBOUR_CHARS:]} {piece}", f"{cited[-NEIGHBOUR_CHARS:]} {source}"
    else:
        a, b = f"{piece} {own[:NEIGHBOUR_CHARS]}", f"{source} {cited[:NEIGHBOUR_CHARS]}"
    x, y = verification_forms([a, b])
    return round(fuzz.ratio(x, y) / 100, 4)


def continue_over_typos(
    texts: Sequence[str],
    units: Any,
    blocks: np.ndarray,
    threshold: float,
    copies_elsewhere: Callable[[int, int], bool],
) -> np.ndarray:
    """Remove kept units that continue a neighbouring copy but for typos; returns them, each
    beside the unit it continues (rows ``(unit, neighbour)``, in the order they were found).
    ``blocks``: the block of each unit; a unit grown goes with a similarity of at least
    ``threshold`` (:func:`_with_neighbour`); ``copies_elsewhere(unit, document)``: whether a
    token of ``unit`` is aligned with another document than ``document``.

    A copy typed with typos loses the shingles of every word a typo hit, so where two or three
    such words fall together at a line's or a sentence's edge its passage stops short and the
    rest of the line stays. A kept unit (a line or a sentence) right beside a removed copy,
    with white space between them as between the same places of the source, is compared with
    the words that continue the source there, as many as it has: it goes as a copy of them
    when it differs word for word by typos only (:func:`_typo_words`), each short one a word
    that neither document holds anywhere else near. Units equal to their source's
    continuation were kept by the other rules on purpose (a short line is no copy), so only
    units with typos go, but for the rest of a line whose copy was cut short inside it where
    the rest's words were first seen in another document (too short a copy of that one to go)
    and the line goes on copying this source word for word. Growing goes on from each unit
    removed, until no neighbour verifies.
    """
    removed: list[tuple[int, int]] = []

    def elsewhere(word: str, d: int, at: int, count: int) -> bool:
        """Whether ``word`` stands more than ``count`` times in document ``d`` within
        :data:`TYPO_NAME_REACH` characters of ``at``."""
        near = texts[d][max(at - TYPO_NAME_REACH, 0) : at + TYPO_NAME_REACH].casefold()
        if near.count(word) <= count:  # a word is found as a substring too
            return False
        pattern = regex.compile(rf"(?<!\w){regex.escape(word)}(?!\w)")
        return sum(1 for _ in itertools.islice(pattern.finditer(near), count + 1)) > count

    fuzzy = _fuzzy_copies(units)
    frontier = np.flatnonzero((units.reason == DUPLICATE) & (units.src_doc >= 0))
    while len(frontier):
        found = []
        for u, v, forward in _kept_neighbours(units, frontier, fuzzy, blocks).tolist():
            pair = _continuation(texts, units, u, v, forward)
            if pair is not None:
                found.append((u, v, *pair))
        pieces, sources = [f[2] for f in found], [f[7] for f in found]
        forms = zip(verification_forms(pieces), verification_forms(sources), strict=True)
        grown = []
        for (u, v, piece, in_line, s_doc, s_start, s_end, source), (a, b) in zip(
            found, forms, strict=True
        ):
            if units.reason[v] != KEEP:
                continue
            if a == b and not (
                in_line and _ends_block(v, u, blocks) and copies_elsewhere(v, s_doc)
            ):
                continue
            own = _WORDS.findall(piece.casefold())
            typos = [] if a == b else _typo_words(own, _WORDS.findall(source.casefold()), in_line)
            if typos is None or any(
                elsewhere(w, s_doc, s_start, 0)
                or elsewhere(w, int(units.doc[v]), int(units.start[v]), own.count(w))
                for w in typos
                if len(w) <= TYPO_NAME_LETTERS
            ):
                continue
            similarity = _with_neighbour(texts, units, u, (piece, source), v > u)
            if similarity < threshold:
                continue
            units.reason[v], units.src_doc[v] = DUPLICATE, s_doc
            units.src_start[v], units.src_end[v] = s_start, s_end
            units.similarity[v] = similarity
            removed.append((v, u))
            grown.append(v)
            fuzzy[v] = True
        frontier = np.array(grown, dtype=np.int64)
    return np.array(removed, dtype=np.int64).reshape(-1, 2)
