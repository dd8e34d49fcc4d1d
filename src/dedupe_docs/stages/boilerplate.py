"""Page templates: the keys under which a short block recurs as part of a site's chrome, and
which of them stand in enough documents to make a template.

A navigation bar, a footer or a ``Reply`` under every comment is no duplicate of one source:
it is a run of lines that keeps its order or its place from page to page. Each short block
gets keys (:func:`boilerplate_keys`), the keys that stand in enough documents make the
template set (:func:`boilerplate_set`; a persisted or bounded run adds the counts of
:func:`key_doc_counts` up over batches and picks with :func:`template_keys`),
:func:`template_blocks` finds the short blocks that stand in a template's run of lines, and
:func:`dedupe_docs.stages.decide.decide` removes them.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Sequence

import attrs
import numpy as np

from dedupe_docs.config import Config
from dedupe_docs.runtime.arrays import distinct, in_sorted
from dedupe_docs.stages.kernels import COUNTED, SENTENCE_OPENS
from dedupe_docs.stages.normalize import mix64
from dedupe_docs.stages.sign import Signed, block_hashes, sentence_keys

TEMPLATE_EDGE = 1
"""Blocks this close to the start or the end of a document (the first and the last line) may
anchor a template by their place alone (a navigation bar under the title, a footer)."""
INNER_SHARE = 0.6
"""The share of all documents in which a short line one in from the start or the end keeps
its place (the ``Prev Up Next`` bar above a page's last line) to be part of the template: a
line there that a few pages share (``Note`` above a page's last sentence) is content. A key
that stands in this share of all documents anchors a run of a template."""
MANY_SHARE = 0.5
"""The share of all documents in which a short line must stand many times each to be part of
the template: ``Reply`` under every comment of half the pages is chrome, ``Note`` standing
three times in some pages of a manual is content."""
PREV, MANY = 0, 4
"""The key columns of a line with the line before it, and of a line that stands many times
in its document."""
INNER = slice(5, 7)
"""The key columns of a place one in from the start and from the end (:data:`INNER_SHARE`)."""
ANYWHERE = 7
"""The key column of a line wherever it stands: a page's own line inside a template goes only
when it stands in other pages too (a title in the breadcrumbs that the sidebar lists)."""
TITLE_TOKENS = 16
"""A line longer than a short line, up to this many tokens (a page's title in a sidebar or its
breadcrumbs: ``Where to go from here``), is the template's when the template holds it on both
sides (the lines before and after it recur with it, or it is the page's own line between two
linked stretches and stands in other pages too), beside a short line of the template, in a run
of mostly short lines (:func:`template_blocks`). A longer line is a sentence: it links no
run."""
TITLE_DOCS = 2
"""A longer line's links to the lines on both sides (or, for a page's own line, the line
itself) must stand in this many times the documents a short line's need
(:func:`boilerplate_needed`): the entries of a table of contents that a few pages list in
their text, in the same order as a page's own contents in its sidebar, are content."""
_STRONG = np.uint64(0x2545F4914F6CDD1D)
_WIDE = np.uint64(0x3C6EF372FE94F82B)


def boilerplate_keys(s: Signed, config: Config) -> np.ndarray:
    """Per block, the keys under which a short block recurs as part of a page template (0:
    none), one column each: the block with the block before it, with the block after it, its
    place from the start and from the end of its document (at the edges), the block as one
    that stands many times in its document, and its place one in from the start and from the
    end (:data:`INNER`, which must recur in most documents), and the block wherever it stands
    (:data:`ANYWHERE`, which anchors nothing). The first column is filled for longer lines too,
    up to :data:`TITLE_TOKENS` (a title; a sentence links nothing): it links a line to the line
    before it, and the links that recur make the runs of a template (:func:`template_blocks`);
    such a line gets the last column too.

    A site's chrome is a run of lines that recurs in the same order from page to page, or a
    line that keeps its place (a navigation bar, a footer); a short line that recurs alone
    inside unique text (``Note``, ``else:``) is content, and never gets a key that recurs.
    Lines are compared exactly (case folded, digits and punctuation kept: ``dict¶`` is not
    ``dict``), through the hash of their exact tokens and their length.
    """
    n = len(s.blk_t0)
    size = s.blk_t1 - s.blk_t0
    keys = np.zeros((n, 8), dtype=np.uint64)
    if n == 0 or config.boilerplate_max_tokens == 0:
        return keys
    short = (size > 0) & (size <= config.boilerplate_max_tokens)
    at_short = np.flatnonzero(short)
    line = _sums(s.tok_exact, s.blk_t0, s.blk_t1)  # longer lines only link: their tokens' sum
    line[at_short] = block_hashes(s.tok_exact, s.blk_t0[at_short], s.blk_t1[at_short])
    line[size > max(TITLE_TOKENS, config.boilerplate_max_tokens)] = 0  # a sentence links none
    with np.errstate(over="ignore"):
        line = np.where(line != 0, mix64(line ^ (s.blk_end - s.blk_start).astype(np.uint64)), 0)
    blk_doc = np.repeat(np.arange(len(s.doc_blocks) - 1), np.diff(s.doc_blocks))
    at = np.arange(n)
    lead = at - s.doc_blocks[blk_doc]
    tail = s.doc_blocks[blk_doc + 1] - 1 - at
    pair = np.zeros(n + 1, dtype=np.uint64)  # pair[b]: blocks b - 1 and b
    with np.errstate(over="ignore"):
        joined = mix64(line[:-1] * np.uint64(0x9E3779B97F4A7C15) ^ line[1:])
        pair[1:n] = np.where((line[:-1] != 0) & (line[1:] != 0) & (lead[1:] > 0), joined, 0)
        keys[:, 0], keys[:, 1] = pair[:n], np.where(tail > 0, pair[1:], 0)
        from_start = mix64(line ^ (lead.astype(np.uint64) + 1))  # the line at its place
        from_end = mix64(line ^ ~tail.astype(np.uint64))
        keys[:, 2] = np.where(lead < TEMPLATE_EDGE, from_start, 0)
        keys[:, 3] = np.where(tail < TEMPLATE_EDGE, from_end, 0)
        keys[:, 4] = np.where(_recurs_in_document(line, blk_doc), mix64(line ^ _MANY), 0)
        keys[:, 5] = np.where(lead == TEMPLATE_EDGE, from_start, 0)
        keys[:, 6] = np.where(tail == TEMPLATE_EDGE, from_end, 0)
        keys[:, ANYWHERE] = mix64(line ^ _ANYWHERE)
    link, anywhere = keys[:, PREV].copy(), keys[:, ANYWHERE].copy()
    keys[~(short & (line != 0))] = 0
    keys[:, PREV] = link
    titled = (size > config.boilerplate_max_tokens) & (size <= TITLE_TOKENS) & (line != 0)
    keys[titled, ANYWHERE] = anywhere[titled]
    return keys


def sentence_rows(s: Signed) -> tuple[np.ndarray, np.ndarray]:
    """The keys (:func:`~dedupe_docs.stages.sign.sentence_keys`) of the sentences of ``s``
    that are counted over the documents (``COUNTED`` in :attr:`Signed.tok_sentence`:
    :func:`~dedupe_docs.stages.sign.counted_sentences`), each with its document. Counted with
    the template keys (:func:`boilerplate_set`, :func:`key_groups`), a sentence that stands
    in twice as many documents as a template line needs is marked in the template set: a
    formula (:func:`formulas_among`) that deciding never takes for a copy of its own."""
    opens = np.flatnonzero(s.tok_sentence & SENTENCE_OPENS)
    ends = np.append(opens[1:], len(s.tok_sentence))
    counted = (s.tok_sentence[opens] & COUNTED) != 0
    starts, ends = opens[counted], ends[counted]
    docs = np.searchsorted(s.doc_tokens, starts, side="right") - 1
    return sentence_keys(s.tok_exact, starts, ends), docs


def _sums(tokens: np.ndarray, first: np.ndarray, last: np.ndarray) -> np.ndarray:
    """Per block, the sum of its token hashes with its token count mixed in (0 for a block
    without tokens): a line's key where only the line before and after it read it, one
    cumulative sum for the whole corpus where :func:`block_hashes` costs one pass per token."""
    with np.errstate(over="ignore"):
        total = np.concatenate([np.zeros(1, np.uint64), np.cumsum(tokens, dtype=np.uint64)])
        count = (last - first).astype(np.uint64)
        sums = mix64((total[last] - total[first]) ^ (count * np.uint64(0xD6E8FEB86659FD93)))
    return np.where(last > first, sums | np.uint64(1), 0)


_MANY = np.uint64(0x5BD1E9955BD1E995)
_ANYWHERE = np.uint64(0x94D049BB133111EB)
TEMPLATE_REPEATS = 3
"""A short line that stands this many times in one document (``Reply`` under every comment)
is that document's chrome when enough documents share the habit."""


def _recurs_in_document(line: np.ndarray, blk_doc: np.ndarray) -> np.ndarray:
    """Per block, whether its line stands at least ``TEMPLATE_REPEATS`` times in its document."""
    order = np.lexsort((line, blk_doc))
    a, b = line[order], blk_doc[order]
    new = np.ones(len(a), dtype=bool)
    new[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
    group = np.cumsum(new) - 1
    out = np.empty(len(a), dtype=bool)
    out[order] = np.bincount(group)[group] >= TEMPLATE_REPEATS
    return out


def boilerplate_set(
    keys: np.ndarray,
    blk_doc: np.ndarray,
    sentences: tuple[np.ndarray, np.ndarray],
    n_docs: int,
    config: Config,
) -> np.ndarray:
    """Sorted template keys (:func:`boilerplate_keys`, and the keys of counted sentences
    with their documents: :func:`sentence_rows`) that stand in at least
    ``boilerplate_min_docs`` documents and in at least ``boilerplate_min_share`` of all
    documents."""
    if config.boilerplate_max_tokens == 0:
        return np.zeros(0, dtype=np.uint64)
    values, counts = merged_counts(key_doc_counts(keys, blk_doc), key_doc_counts(*sentences))
    return template_keys(values, counts, keys[:, INNER], keys[:, MANY], n_docs, config)


def merged_counts(*counted: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct keys and their documents, of several :func:`key_doc_counts` of
    disjoint documents (their counts added up)."""
    keys = np.concatenate([k for k, _ in counted])
    counts = np.concatenate([c for _, c in counted])
    order = np.argsort(keys, kind="stable")
    keys, counts = keys[order], counts[order]
    new = np.ones(len(keys), dtype=bool)
    new[1:] = keys[1:] != keys[:-1]
    starts = np.flatnonzero(new)
    return keys[starts], (np.add.reduceat(counts, starts) if len(keys) else counts)


def template_keys(
    values: np.ndarray,
    counts: np.ndarray,
    inner: np.ndarray,
    many: np.ndarray,
    n_docs: int,
    config: Config,
) -> np.ndarray:
    """Those of the keys ``values`` (with the documents ``counts`` each stands in, out of
    ``n_docs``) that make a template: ``boilerplate_needed`` documents, for the keys of a
    place one in from an edge (any of ``inner``) ``INNER_SHARE`` of all documents too, and
    for the keys of a line that stands many times in its document (any of ``many``)
    ``MANY_SHARE``. Each key that stands in ``INNER_SHARE`` of all documents is there a
    second time, marked (:func:`_strong`): it anchors a run of a template
    (:func:`template_blocks`)."""
    base = boilerplate_needed(n_docs, config)
    needed = np.full(len(values), base)
    inner_needed = max(base, math.ceil(INNER_SHARE * n_docs))
    needed[np.isin(values, inner[inner != 0])] = inner_needed
    needed[np.isin(values, many[many != 0])] = max(base, math.ceil(MANY_SHARE * n_docs))
    strong = _strong(values[counts >= inner_needed])
    wide = _strong(values[counts >= TITLE_DOCS * base], _WIDE)
    return functools.reduce(np.union1d, (values[counts >= needed], strong, wide))


def formulas_among(keys: np.ndarray, template: np.ndarray) -> np.ndarray:
    """Per sentence key (:func:`~dedupe_docs.stages.sign.sentence_keys`, counted with the
    template keys: :func:`sentence_rows`), whether it is a formula, too common to be a copy
    on its own: it stands in ``TITLE_DOCS`` times the documents a template line needs (its
    mark ``_WIDE`` in ``template``, :func:`template_keys`). A line of a template has the
    lines around it to tell it; a sentence has only its count, so the count must be
    stronger: a message copied into two other pages is copied each time."""
    return in_sorted(_strong(keys, _WIDE), template)


def _strong(keys: np.ndarray, mark: np.uint64 = _STRONG) -> np.ndarray:
    """The marked form of ``keys`` (0 stays 0): in the template set when the key stands in
    ``INNER_SHARE`` of all documents (or, marked ``_WIDE``, in ``TITLE_DOCS`` times the
    documents a key needs)."""
    with np.errstate(over="ignore"):
        return np.where(keys != 0, mix64(keys ^ mark), 0)


def template_blocks(
    keys: np.ndarray, template: np.ndarray, tokens: np.ndarray, config: Config
) -> np.ndarray:
    """Per block (:func:`boilerplate_keys` of whole documents, ``tokens`` tokens each), whether
    it is a short block (or a title: :data:`TITLE_TOKENS`) that stands in a run of a page
    template, for ``template`` (:func:`template_keys`).

    A run is a stretch of lines of one document each linked to the line before it by a pair
    of lines that recurs (a key of the first column in ``template``). A run is a template's
    when it holds an anchor: a line at its place at an edge or one in from it, a line that
    stands many times in its documents, or any key that stands in ``INNER_SHARE`` of all
    documents (a site's navigation, sidebar, breadcrumbs and footer hang together and touch
    the page's edges or recur on most pages). Two short lines that recur together in a few
    pages (a table header, ``Filename: src/main.rs`` above ``fn main() {``, a list of
    options) are content, not chrome. One line of a page's own between two linked stretches
    (its title in the breadcrumbs or the sidebar) does not break a run, and is part of it
    when it stands in other pages too (:data:`ANYWHERE`). A longer line up to
    :data:`TITLE_TOKENS` (a title in a sidebar) is part of a run when its links on both sides
    stand in :data:`TITLE_DOCS` times the documents a key needs, or when it is a page's own line
    (both its links broken) between two linked stretches that stands in that many documents
    too; and only beside a short line of the run, in a run with at least as many short lines
    as longer ones (a licence wrapped into lines of ten words, copied into many files, is no
    template: its first copy stays). Whether a longer line runs on into the next as a sentence
    is decide's to read (:func:`dedupe_docs.stages.decide.decide`).
    """
    n = len(keys)
    if n == 0 or len(template) == 0:
        return np.zeros(n, dtype=bool)
    hit = in_sorted(keys, template) & (keys != 0)
    if not hit.any():  # a set of formulas only (sentence keys): no line is a template's
        return np.zeros(n, dtype=bool)
    anchor = hit[:, 2:ANYWHERE].any(axis=1) | np.isin(_strong(keys[:, :ANYWHERE]), template).any(
        axis=1
    )
    link = hit[:, PREV].copy()
    own = np.zeros(n, dtype=bool)  # both its links broken, the stretches around it linked
    if n > 3:
        own[1:-2] = (keys[1:-2, PREV] != 0) & (keys[2:-1, PREV] != 0) & link[:-3] & link[3:]
    link[own] = True
    link[1:][own[:-1]] = True
    run = np.cumsum(~link) - 1  # a new run wherever the link to the line before breaks
    anchored = np.zeros(int(run[-1]) + 1, dtype=bool)
    anchored[run[anchor]] = True
    short = (tokens > 0) & (tokens <= config.boilerplate_max_tokens)
    in_run = short & (hit[:, :ANYWHERE].any(axis=1) | (own & hit[:, ANYWHERE]))
    titled = (tokens > config.boilerplate_max_tokens) & (tokens <= TITLE_TOKENS)
    wide = np.isin(_strong(keys[:, [PREV, ANYWHERE]], _WIDE), template)
    both = np.zeros(n, dtype=bool)  # linked to the line before and to the line after
    both[:-1] = wide[:-1, 0] & wide[1:, 0]
    alone = own & ~hit[:, PREV]  # its own line: the links on both sides broken
    alone[:-1] &= ~hit[1:, PREV]
    longer = titled & (both | (alone & wide[:, 1]))
    # A run of navigation is mostly short lines, and a title in it stands beside one; a text
    # wrapped into lines of a few words each (a licence copied into many files) is not a
    # template for its longer lines.
    in_run &= anchored[run]
    beside = np.zeros(n, dtype=bool)
    beside[1:] = in_run[:-1] & (keys[1:, PREV] != 0)  # the line before, of the same document
    beside[:-1] |= in_run[1:] & (keys[1:, PREV] != 0)
    longer &= beside
    shorts = np.bincount(run, weights=in_run, minlength=len(anchored))
    longs = np.bincount(run, weights=longer, minlength=len(anchored))
    in_run |= longer & (shorts[run] >= longs[run])
    return in_run & anchored[run]


def key_doc_counts(keys: np.ndarray, blk_doc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct non-zero keys (of every column of ``keys``) and the number of documents
    each stands in (a persisted index adds these up over batches)."""
    if keys.ndim == 2:
        keys, blk_doc = keys.ravel(), np.repeat(blk_doc, keys.shape[1])
    has = keys != 0
    key, doc = keys[has], blk_doc[has]
    span = int(doc.max()) - int(doc.min()) + 1 if len(doc) else 1
    if len(key) * span >= 1 << 63:  # too many to pack a pair in an int64: sort them as pairs
        order = np.lexsort((doc, key))
        key, doc = key[order], doc[order]
        new_key = np.ones(len(key), dtype=bool)
        new_key[1:] = key[1:] != key[:-1]
        new_pair = new_key.copy()
        new_pair[1:] |= doc[1:] != doc[:-1]
        group = np.cumsum(new_key) - 1
        return key[new_key], np.bincount(group[new_pair], minlength=int(new_key.sum()))
    # Sorted by key (an unstable sort: a few times faster than a lexsort of the pairs), then
    # each key's number and the document packed in one int64, the distinct pairs sorted out.
    order = np.argsort(key)
    key, doc = key[order], doc[order]
    new_key = np.ones(len(key), dtype=bool)
    new_key[1:] = key[1:] != key[:-1]
    group = np.cumsum(new_key) - 1
    pairs = distinct(group * span + (doc - (doc.min() if len(doc) else 0)))
    return key[new_key], np.bincount(pairs // span, minlength=int(new_key.sum()))


def key_groups(
    keys: np.ndarray, blk_doc: np.ndarray, sentences: tuple[np.ndarray, np.ndarray], bits: int
) -> list[KeyRows]:
    """The non-zero keys of a run of documents (:func:`boilerplate_keys`, each block's
    document in ``blk_doc``, and the counted sentences' keys with their documents:
    :func:`sentence_rows`) cut into ``2**bits`` groups by their top bits, in order: what a
    task that counts one group (:func:`group_templates`) takes of every run. The template keys
    of each group, joined in group order, are :func:`boilerplate_set`'s."""
    docs = np.repeat(blk_doc, keys.shape[1])
    inner_docs = np.repeat(blk_doc, INNER.stop - INNER.start)
    flat, inner, many = keys.ravel(), keys[:, INNER].ravel(), keys[:, MANY]
    has, inner_has, many_has = flat != 0, inner != 0, many != 0
    every = np.concatenate([flat[has], sentences[0]])
    rows = _by_top_bits(every, np.concatenate([docs[has], sentences[1]]), bits)
    inner_rows = _by_top_bits(inner[inner_has], inner_docs[inner_has], bits)
    many_rows = _by_top_bits(many[many_has], blk_doc[many_has], bits)
    return [KeyRows(*a, *b, *c) for a, b, c in zip(rows, inner_rows, many_rows, strict=True)]


@attrs.frozen(eq=False)
class KeyRows:
    """The keys of one group of top bits in a run of documents, each with its document in
    the run: every key, the keys of a place one in from an edge (:data:`INNER`) and the keys
    of a line that stands many times in its document (:data:`MANY`)."""

    keys: np.ndarray
    docs: np.ndarray
    inner: np.ndarray
    inner_docs: np.ndarray
    many: np.ndarray
    many_docs: np.ndarray


def _by_top_bits(
    keys: np.ndarray, docs: np.ndarray, bits: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    top = (keys >> np.uint64(64 - bits)).astype(np.int64) if bits else np.zeros(len(keys), int)
    order = np.argsort(top, kind="stable")
    bounds = np.searchsorted(top[order], np.arange((1 << bits) + 1))
    keys, docs = keys[order], docs[order]
    return [(keys[a:b], docs[a:b]) for a, b in itertools.pairwise(bounds.tolist())]


def group_templates(
    runs: Sequence[KeyRows], docs: Sequence[np.ndarray], n_docs: int, config: Config
) -> np.ndarray:
    """The template keys (sorted) among one group's keys of every run of documents
    (:func:`key_groups`), ``docs`` giving each run's documents their number in the corpus
    (-1: a document left out of it), out of ``n_docs``. A key's group holds its marked form
    (:func:`_strong`) only by chance: the marked keys are put back with their own group by
    :func:`joined_templates`."""
    if config.boilerplate_max_tokens == 0:
        return np.zeros(0, dtype=np.uint64)
    empty = np.zeros(0, np.uint64)
    keys, at, inner, many = [empty], [np.zeros(0, np.int64)], [empty], [empty]
    for run, number in zip(runs, docs, strict=True):
        doc, inner_doc, many_doc = number[run.docs], number[run.inner_docs], number[run.many_docs]
        keys.append(run.keys[doc >= 0])
        at.append(doc[doc >= 0])
        inner.append(run.inner[inner_doc >= 0])
        many.append(run.many[many_doc >= 0])
    values, counts = key_doc_counts(np.concatenate(keys), np.concatenate(at))
    inner_keys, many_keys = np.concatenate(inner), np.concatenate(many)
    return template_keys(values, counts, inner_keys, many_keys, n_docs, config)


def joined_templates(groups: Sequence[np.ndarray]) -> np.ndarray:
    """The template keys of every group (:func:`group_templates`) as one sorted set: a key's
    marked form falls in any group."""
    return np.unique(np.concatenate([np.zeros(0, np.uint64), *groups]))


def boilerplate_needed(n_docs: int, config: Config) -> int:
    """Documents a short block must stand in, out of ``n_docs``, to be boilerplate."""
    return max(config.boilerplate_min_docs, math.ceil(config.boilerplate_min_share * n_docs))
