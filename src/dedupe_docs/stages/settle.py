"""Settle the removals: restore any removal whose source did not survive, and join neighbouring
removals into the spans that are written out.

Removals are decided block by block, so a copy may cite text that is itself removed (the source
of a source, or a passage cut by a removal); the contract is that every removed duplicate points
at text in the cleaned corpus, which :func:`settle` restores until it holds. :func:`merge_removals`
then joins neighbouring removals of one reason and source where the joined source still survives.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import attrs
import numpy as np

from dedupe_docs.stages.decide import BOILERPLATE, KEEP, NO_RULE, Units
from dedupe_docs.stages.normalize import tokenize


@attrs.frozen(eq=False)
class Spans:
    """Maximal kept spans per document: a run of kept units with no removal between them."""

    doc: np.ndarray
    start: np.ndarray
    end: np.ndarray

    @staticmethod
    def concat(parts: Sequence[Spans]) -> Spans:
        return Spans(
            *(np.concatenate([getattr(p, f.name) for p in parts]) for f in attrs.fields(Spans))
        )


@attrs.frozen(eq=False)
class Copies:
    """Removed copies whose source survives, as ``(doc, start, end)`` cites ``(src_doc,
    src_start, src_end)`` with ``similarity``, sorted: a copy of one of them cites, for that
    part, what it copied (:func:`settle`), word for word from a word-for-word copy, and from a
    near copy only where it copies the whole of it."""

    doc: np.ndarray
    start: np.ndarray
    end: np.ndarray
    src_doc: np.ndarray
    src_start: np.ndarray
    src_end: np.ndarray
    similarity: np.ndarray

    @staticmethod
    def concat(parts: Sequence[Copies]) -> Copies:
        return Copies(
            *(np.concatenate([getattr(p, f.name) for p in parts]) for f in attrs.fields(Copies))
        )

    def columns(self) -> list[np.ndarray]:
        """The copies as integer columns, for a file of integer rows: the similarity's bits."""
        ints = [getattr(self, f.name) for f in attrs.fields(Copies)[:-1]]
        return [*ints, self.similarity.astype(np.float64).view(np.int64)]

    @staticmethod
    def from_columns(columns: Sequence[np.ndarray]) -> Copies:
        """The copies that :meth:`columns` gave."""
        *ints, bits = columns
        return Copies(*ints, np.ascontiguousarray(bits, dtype=np.int64).view(np.float64))

    @staticmethod
    def of(units: Units, rows: np.ndarray | None = None) -> Copies:
        """The copies among ``units`` (``rows`` of them), all taken as sound."""
        pick = (units.reason != KEEP) & (units.src_doc >= 0)
        if rows is not None:
            keep = np.zeros(len(pick), dtype=bool)
            keep[rows] = True
            pick &= keep
        at = np.flatnonzero(pick)
        return Copies(
            *(getattr(units, f.name)[at].astype(np.int64) for f in attrs.fields(Copies)[:-1]),
            units.similarity[at].astype(np.float64),
        )


def kept_spans(units: Units) -> Spans:
    kept = units.reason == KEEP
    idx = np.flatnonzero(kept)
    if len(idx) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return Spans(empty, empty, empty)
    new = np.ones(len(idx), dtype=bool)
    new[1:] = (idx[1:] != idx[:-1] + 1) | (units.doc[idx[1:]] != units.doc[idx[:-1]])
    first, last = idx[new], idx[np.append(new[1:], True)]
    return Spans(units.doc[first], units.start[first], units.end[last])


def joined_kept(units: Units) -> Units:
    """``units`` with each run of consecutive kept units of a document joined into one, from
    the first one's start to the last one's end. :func:`settle` and :func:`merge_removals`
    read nothing else of kept units (their runs are the kept spans), so they give the same
    from far fewer units: what a decision task hands back when the driver settles."""
    kept = units.reason == KEEP
    joins = np.zeros(len(kept), dtype=bool)
    joins[1:] = kept[1:] & kept[:-1] & (units.doc[1:] == units.doc[:-1])
    if not joins.any():
        return units
    first = np.flatnonzero(~joins)
    last = np.append(first[1:], len(kept)) - 1
    return attrs.evolve(units.take(first), end=units.end[last])


def _survives(
    spans: Spans, doc: np.ndarray, start: np.ndarray, end: np.ndarray, doc_base: np.ndarray
) -> np.ndarray:
    """Whether each ``[start, end)`` of ``doc`` lies inside one kept span."""
    if len(spans.doc) == 0:
        return np.zeros(len(doc), dtype=bool)
    keys = doc_base[spans.doc] + spans.start
    query = doc_base[np.maximum(doc, 0)] + start
    i = np.searchsorted(keys, query, side="right") - 1
    safe = np.maximum(i, 0)
    return (i >= 0) & (spans.doc[safe] == doc) & (spans.end[safe] >= end)


def settle(
    units: Units,
    doc_lengths: np.ndarray,
    min_tokens: int,
    chars: Callable[[int, int, int], str],
    schedule: np.ndarray | None = None,
    earlier: Spans | None = None,
    earlier_copies: Copies | None = None,
) -> tuple[Units, Spans, np.ndarray]:
    """Restore removals whose source does not survive inside one kept span, until none is left;
    returns the units, their kept spans and each unit's history (the round from which it is
    kept: 0 from the start, -1 never).

    Restoring only adds kept text, so the loop ends; the result satisfies the contract's
    invariant that every removed duplicate points at text in the cleaned corpus. A
    word-for-word copy whose source survives only at one end is trimmed to that end
    (:func:`_trim`; ``chars(doc, start, end)`` reads the texts) rather than restored, when what
    survives holds about a passage (``min_tokens`` tokens). Without a
    ``schedule`` one round does it: a source that survives keeps surviving as text is restored.
    ``earlier`` adds the kept spans of documents before ``units`` that sources may lie in, as
    they were before any settling (restored text would let a source split by a removal
    survive, which the joint round does not), and ``earlier_copies`` their copies as
    settled: a copy whose source went in part as such a copy cites that part's
    source instead (:func:`_recite`), where it would be restored.

    A persisted index replays earlier batches: ``schedule`` pins units to their recorded
    history (per unit: -2 where the rules apply, else the round from which it is kept, -1 for
    never).
    """
    doc_base = np.concatenate(([0], np.cumsum(doc_lengths + 1)))
    units = attrs.evolve(
        units, **{f.name: getattr(units, f.name).copy() for f in attrs.fields(Units)}
    )
    plan = np.full(len(units.doc), -2, np.int64) if schedule is None else schedule.copy()
    last = int(plan.max(initial=0))
    history = np.where(units.reason == KEEP, 0, -1)
    rounds = 0
    while True:
        pinned = np.flatnonzero(plan >= -1)
        when = plan[pinned]
        units.reason[pinned] = np.where((when >= 0) & (when <= rounds), KEEP, BOILERPLATE)
        spans = kept_spans(units)
        sourced = np.flatnonzero(units.src_doc >= 0)
        sourced = sourced[units.reason[sourced] != KEEP]
        surviving = spans if earlier is None else Spans.concat([earlier, spans])
        ok = _survives(
            surviving,
            units.src_doc[sourced],
            units.src_start[sourced],
            units.src_end[sourced],
            doc_base,
        )
        lost = sourced[~ok]
        free = lost[plan[lost] == -2]
        free = free[
            (units.end[free] - units.start[free] <= WORDS_READ)
            & (units.src_end[free] - units.src_start[free] <= WORDS_READ)
        ]
        copies = Copies.of(units, sourced[ok])
        if earlier_copies is not None:
            copies = Copies.concat([earlier_copies, copies])
        recited, rest = _recite(units, free, copies, surviving, doc_base, chars)
        if recited:  # cited through their sources' own removals: what survives is found again
            units, plan, history = _insert(units, plan, history, rest, -1)
            continue
        pieces = _trim(units, free, surviving, doc_base, min_tokens, chars)
        if len(pieces):  # trimmed: the kept spans grew, and what survives is found again
            kept = _kept_rows(units, pieces)
            units, plan, history = _insert(units, plan, history, kept, rounds)
            continue
        if len(lost) == 0 and rounds >= last:
            return units, spans, history
        units.reason[lost] = KEEP
        rounds += 1
        history[lost] = rounds


def _lost_and_kept(
    units: Units, spans: Spans, doc_base: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The removals with a source, split into those whose source does not lie inside one of
    ``spans`` (lost) and those whose source does."""
    sourced = np.flatnonzero(units.src_doc >= 0)
    sourced = sourced[units.reason[sourced] != KEEP]
    ok = _survives(
        spans, units.src_doc[sourced], units.src_start[sourced], units.src_end[sourced], doc_base
    )
    return sourced[~ok], sourced[ok]


def surviving_copies(units: Units, spans: Spans, doc_lengths: np.ndarray) -> Copies:
    """The copies among ``units`` (a range of whole documents) whose source lies
    inside one of ``spans`` (the kept spans of the whole corpus): the range's part of the
    copies that a pass of :func:`settle` cites through (joined in corpus order, the ranges'
    parts are the corpus's)."""
    _, ok = _lost_and_kept(units, spans, np.concatenate(([0], np.cumsum(doc_lengths + 1))))
    return Copies.of(units, ok)


def pass_work(units: Units, spans: Spans, doc_lengths: np.ndarray) -> tuple[int, int, Copies]:
    """How many removals of ``units`` (a range of whole documents) lose their source given
    ``spans`` (the kept spans of the whole corpus), how many of those :func:`settle_pass`
    would read (cite through copies or trim), and the range's :func:`surviving_copies`: a
    range none of whose removals it reads stays as it is in the pass (its lost ones are kept
    where no range cites or trims: :func:`restored` of :func:`lost_removals`), and a pass that
    loses nothing anywhere is settled."""
    lost, ok = _lost_and_kept(units, spans, np.concatenate(([0], np.cumsum(doc_lengths + 1))))
    return len(lost), len(_free(units, lost)), Copies.of(units, ok)


def lost_removals(units: Units, spans: Spans, doc_lengths: np.ndarray) -> np.ndarray:
    """The removals of ``units`` whose source does not lie inside one of ``spans`` (rows)."""
    return _lost_and_kept(units, spans, np.concatenate(([0], np.cumsum(doc_lengths + 1))))[0]


def _free(units: Units, lost: np.ndarray) -> np.ndarray:
    """The removals of ``lost`` short enough for settling to read their words (``WORDS_READ``)."""
    return lost[
        (units.end[lost] - units.start[lost] <= WORDS_READ)
        & (units.src_end[lost] - units.src_start[lost] <= WORDS_READ)
    ]


def settle_pass(
    units: Units,
    spans: Spans,
    copies: Copies,
    doc_lengths: np.ndarray,
    min_tokens: int,
    chars: Callable[[int, int, int], str],
) -> tuple[int, int, Units, np.ndarray]:
    """A pass of :func:`settle`'s loop (without a schedule, ``earlier`` or ``earlier_copies``)
    over the units of a range of whole documents, given the kept spans of the whole corpus
    (``spans``) and its :func:`surviving_copies` (``copies``). Returns how many removals were
    cited through copies (:func:`_recite`) and, where none was, how many pieces were trimmed
    off (:func:`_trim`; else 0), the units so changed (else ``units``), and the removals whose
    source is lost (rows of ``units``).

    Each removal's pass reads only itself, the kept spans, the copies and the texts, so the
    corpus's pass is the ranges' passes: it cites through copies where any range does (the
    ranges that cite none stay as they were), else trims where any range trims, else keeps
    every removal lost (:func:`restored`) where any is, else it is settled."""
    doc_base = np.concatenate(([0], np.cumsum(doc_lengths + 1)))
    lost, _ = _lost_and_kept(units, spans, doc_base)
    free = _free(units, lost)
    if len(free) == 0:
        return 0, 0, units, lost
    changed = attrs.evolve(
        units, **{f.name: getattr(units, f.name).copy() for f in attrs.fields(Units)}
    )
    plan = np.full(len(units.doc), -2, np.int64)
    history = np.zeros(len(units.doc), np.int64)
    recited, rest = _recite(changed, free, copies, spans, doc_base, chars)
    if recited:
        return recited, 0, _insert(changed, plan, history, rest, -1)[0], lost
    pieces = _trim(changed, free, spans, doc_base, min_tokens, chars)
    if len(pieces):
        kept = _kept_rows(changed, pieces)
        return 0, len(pieces), _insert(changed, plan, history, kept, 0)[0], lost
    return 0, 0, units, lost


def restored(units: Units, lost: np.ndarray) -> Units:
    """``units`` with the removals ``lost`` kept (a pass of :func:`settle` that neither cites
    through copies nor trims anywhere)."""
    reason = units.reason.copy()
    reason[lost] = KEEP
    return attrs.evolve(units, reason=reason)


WORDS_READ = 20_000
"""Characters of a copy and of its source, each, up to which settling reads their words to cite
the copy through its source's copies or trim it (a longer one, a run of lines without a
break, is restored: reading it for each round would cost more than the rest of the run)."""


def _trim(
    units: Units,
    rows: np.ndarray,
    spans: Spans,
    doc_base: np.ndarray,
    min_tokens: int,
    chars: Callable[[int, int, int], str],
) -> np.ndarray:
    """Trim removals ``rows`` whose source survives only at one end, a passage of it at least
    (``min_tokens`` tokens, counted as detection counts them: a Han character is one), to that
    end; returns what is trimmed off (rows ``(unit, start, end)``), text to keep beside each.
    A copy of a line that a removed copy starts (``P1 Q``, where ``P1`` went as a copy of an
    earlier page and ``Q`` stays) cites the text that survives (``Q``) and goes,
    where restoring it whole would keep ``Q`` twice. Only a copy equal to its source word for
    word is trimmed, where as many words stand before the cut in both (``chars(doc, start,
    end)`` reads the texts)."""
    pieces: list[tuple[int, int, int]] = []
    if len(rows) == 0 or len(spans.doc) == 0:
        return np.zeros((0, 3), dtype=np.int64)
    keys = doc_base[spans.doc] + spans.start
    for u in rows.tolist():
        s_doc, ss, se = int(units.src_doc[u]), int(units.src_start[u]), int(units.src_end[u])
        start, end = int(units.start[u]), int(units.end[u])
        if units.similarity[u] != 1.0:
            continue
        for at in (se - 1, ss):  # the span that holds the source's last, or first, character
            k = int(np.searchsorted(keys, doc_base[s_doc] + at, side="right")) - 1
            if k < 0 or spans.doc[k] != s_doc or not spans.start[k] <= at < spans.end[k]:
                continue
            k_start, k_end = max(int(spans.start[k]), ss), min(int(spans.end[k]), se)
            if len(tokenize(chars(s_doc, k_start, k_end)).starts) < min_tokens:
                continue
            cut = _cut(
                chars(int(units.doc[u]), start, end),
                chars(s_doc, ss, se),
                k_end - ss if k_end < se else k_start - ss,
            )
            if cut is None:
                continue
            if k_end < se:  # the copy's start stays removed, its end is kept
                pieces.append((u, start + cut, end))
                units.end[u] = start + cut
            else:
                pieces.append((u, start, start + cut))
                units.start[u] = start + cut
            units.src_start[u], units.src_end[u] = k_start, k_end
            break
    return np.array(pieces, dtype=np.int64).reshape(-1, 3)


def _words(text: str, at: int = 0) -> list[tuple[int, int, int]]:
    """The tokens of ``text`` (which starts at ``at``) as detection reads them, each ``(start,
    end, exact hash)``: a Han character is a word, and a space inside a run of them is none."""
    tokens = tokenize(text)
    starts, ends = (tokens.starts + at).tolist(), (tokens.ends + at).tolist()
    return list(zip(starts, ends, tokens.exact.tolist(), strict=True))


def _cut(copy: str, source: str, at: int) -> int | None:
    """Where in ``copy`` to cut it as ``source`` is cut at ``at``, between the same two words
    (right after the first where ``at`` is, else right before the second); None where the
    words differ or ``at`` falls inside a word."""
    words, model = _words(copy), _words(source)
    if [w for *_, w in words] != [w for *_, w in model]:
        return None
    before = sum(1 for _, e, _ in model if e <= at)
    if not 0 < before < len(model) or model[before][0] < at:
        return None
    return words[before - 1][1] if model[before - 1][1] == at else words[before][0]


def _kept_rows(units: Units, pieces: np.ndarray) -> Units:
    """A kept unit for each piece trimmed off (rows ``(unit, start, end)``)."""
    u, n = pieces[:, 0], len(pieces)
    return Units(
        units.doc[u],
        pieces[:, 1],
        pieces[:, 2],
        np.full(n, KEEP, units.reason.dtype),
        np.full(n, -1, units.src_doc.dtype),
        np.full(n, -1, units.src_start.dtype),
        np.full(n, -1, units.src_end.dtype),
        np.full(n, np.nan, units.similarity.dtype),
        np.full(n, NO_RULE, units.rule.dtype),
    )


def _insert(
    units: Units, plan: np.ndarray, history: np.ndarray, rows: Units, rounds: int
) -> tuple[Units, np.ndarray, np.ndarray]:
    """``units`` with ``rows`` in place (sorted by document and offset), and ``plan`` and
    ``history`` to match (``rounds``: the history of the rows)."""
    keys = units.doc.astype(np.int64) * (1 << 40) + units.start
    at = np.searchsorted(keys, rows.doc.astype(np.int64) * (1 << 40) + rows.start, side="right")
    grown = Units(
        *(np.insert(getattr(units, f.name), at, getattr(rows, f.name)) for f in attrs.fields(Units))
    )
    return grown, np.insert(plan, at, -2), np.insert(history, at, rounds)


def _recite(
    units: Units,
    rows: np.ndarray,
    copies: Copies,
    spans: Spans,
    doc_base: np.ndarray,
    chars: Callable[[int, int, int], str],
) -> tuple[int, Units]:
    """Removals ``rows`` (word for word copies) whose source did not survive because parts of
    it went as copies themselves (``copies``), cited part by part: each part of the source
    that survives (``spans``) cites itself, each that went as a copy what it copied, with that
    copy's similarity (a copy of a word-for-word copy of ``A`` is one of ``A``; of a near copy
    of ``A``, as near). Changes each of ``rows`` so cited into its first part; returns how many
    were, and the other parts."""
    out: list[tuple[int, int, int, int, int, int, float]] = []  # unit, start, end, source, sim
    recited = 0
    keys = doc_base[copies.doc] + copies.start
    span_keys = doc_base[spans.doc] + spans.start
    for u in rows.tolist():
        if units.similarity[u] != 1.0:
            continue
        d, start, end = int(units.doc[u]), int(units.start[u]), int(units.end[u])
        s_doc, ss, se = int(units.src_doc[u]), int(units.src_start[u]), int(units.src_end[u])
        words, model = _words(chars(d, start, end)), _words(chars(s_doc, ss, se))
        if [w for *_, w in words] != [w for *_, w in model]:
            continue
        parts = _source_parts(
            [(ss + a, ss + b) for a, b, _ in model],
            s_doc,
            copies,
            keys,
            spans,
            span_keys,
            doc_base,
            chars,
        )
        if parts is None:
            continue
        cuts, first = [], 0
        for n, doc, a, b, sim in parts:
            cuts.append((start + words[first][0], doc, a, b, sim))
            first += n
        pieces = [
            (c[0] if i else start, cuts[i + 1][0] if i + 1 < len(cuts) else end, *c[1:])
            for i, c in enumerate(cuts)
        ]
        (_, head_end, doc, a, b, sim), rest = pieces[0], pieces[1:]
        units.end[u], units.src_doc[u], units.src_start[u], units.src_end[u] = head_end, doc, a, b
        units.similarity[u] = sim
        out += [(u, *p) for p in rest]
        recited += 1
    table = np.array([row[:6] for row in out], dtype=np.int64).reshape(-1, 6)
    u = table[:, 0]
    return recited, Units(
        units.doc[u],
        table[:, 1],
        table[:, 2],
        units.reason[u],
        table[:, 3],
        table[:, 4],
        table[:, 5],
        np.array([row[6] for row in out], dtype=np.float64),
        units.rule[u],
    )


def _source_parts(
    words: list[tuple[int, int]],
    s_doc: int,
    copies: Copies,
    keys: np.ndarray,
    spans: Spans,
    span_keys: np.ndarray,
    doc_base: np.ndarray,
    chars: Callable[[int, int, int], str],
) -> list[tuple[int, int, int, int, float]] | None:
    """The parts of a source whose ``words`` (character spans in ``s_doc``) each lie in a kept
    span or in one of ``copies``: ``(words, doc, start, end, similarity)`` each, what the part
    cites (itself where it is kept, else the source of the copy: word for word in a
    word-for-word copy, and the whole source of a near copy that the part holds whole); None
    where a word lies in neither, or in part of a near copy, or all are kept in one span."""
    if not words:
        return None
    starts, ends = np.array(words, dtype=np.int64).T
    at = doc_base[s_doc] + starts
    k = np.searchsorted(span_keys, at, side="right") - 1
    kept = np.zeros(len(at), dtype=bool)
    if len(span_keys):
        ks = np.maximum(k, 0)
        kept = (k >= 0) & (spans.doc[ks] == s_doc) & (spans.start[ks] <= starts)
        kept &= ends <= spans.end[ks]
    c = np.searchsorted(keys, at, side="right") - 1
    copied = np.zeros(len(at), dtype=bool)
    if len(keys):
        cs = np.maximum(c, 0)
        copied = ~kept & (c >= 0) & (copies.doc[cs] == s_doc) & (copies.start[cs] <= starts)
        copied &= ends <= copies.end[cs]
    if not (kept | copied).all() or (kept.all() and (k == k[0]).all()):
        return None
    group = np.where(kept, 2 * k, 2 * c + 1)
    firsts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    lasts = np.r_[firsts[1:], len(group)] - 1
    parts: list[tuple[int, int, int, int, float]] = []
    for f, e in zip(firsts.tolist(), lasts.tolist(), strict=True):
        if kept[f]:
            parts.append((e - f + 1, s_doc, int(starts[f]), int(ends[e]), 1.0))
            continue
        cf = int(c[f])
        source = (int(copies.src_doc[cf]), int(copies.src_start[cf]), int(copies.src_end[cf]))
        pairs = _word_map(copies, cf, chars) if copies.similarity[cf] == 1.0 else None
        if pairs is None:  # a near copy, or one with words dropped: cited whole, for what it copied
            own = _words(chars(int(copies.doc[cf]), int(copies.start[cf]), int(copies.end[cf])))
            c0 = int(copies.start[cf])
            if not own or (c0 + own[0][0], c0 + own[-1][1]) != (int(starts[f]), int(ends[e])):
                return None
            parts.append((e - f + 1, *source, float(copies.similarity[cf])))
            continue
        a, b = int(starts[f]), int(starts[e])
        if a not in pairs or b not in pairs:
            return None
        parts.append((e - f + 1, source[0], pairs[a][0], pairs[b][1], 1.0))
    docs = np.array([p[1] for p in parts], dtype=np.int64)
    begin = np.array([p[2] for p in parts], dtype=np.int64)
    finish = np.array([p[3] for p in parts], dtype=np.int64)
    return parts if _survives(spans, docs, begin, finish, doc_base).all() else None


def _word_map(
    copies: Copies, c: int, chars: Callable[[int, int, int], str]
) -> dict[int, tuple[int, int]] | None:
    """Where each word of copy ``c`` starts, and the source's span of that word, word for word
    (None where the words differ)."""
    c0, s0 = int(copies.start[c]), int(copies.src_start[c])
    own = _words(chars(int(copies.doc[c]), c0, int(copies.end[c])), c0)
    source = _words(chars(int(copies.src_doc[c]), s0, int(copies.src_end[c])), s0)
    if [w for *_, w in own] != [w for *_, w in source]:
        return None
    return {x: (y0, y1) for (x, *_), (y0, y1, _) in zip(own, source, strict=True)}


def merge_removals(units: Units, spans: Spans, doc_lengths: np.ndarray) -> Units:
    """Join neighbouring removals of one reason and one source document, where the joined source
    still lies inside one kept span; where it does not, those whose sources do not go back
    there (a copied line, then a paragraph from before it in the same source), where theirs
    does. Returns only the removals, sorted."""
    removed = units.take(np.flatnonzero(units.reason != KEEP))
    rows = np.flatnonzero(units.reason != KEEP)
    if len(rows) == 0:
        return removed
    doc_base = np.concatenate(([0], np.cumsum(doc_lengths + 1)))
    joins = np.zeros(len(rows), dtype=bool)
    joins[1:] = (
        (rows[1:] == rows[:-1] + 1)
        & (removed.doc[1:] == removed.doc[:-1])
        & (removed.reason[1:] == removed.reason[:-1])
        & (removed.rule[1:] == removed.rule[:-1])
        & (removed.src_doc[1:] == removed.src_doc[:-1])
    )
    onward = np.zeros(len(rows), dtype=bool)
    onward[1:] = removed.src_start[1:] >= removed.src_start[:-1]
    joins &= onward | _joined_survive(removed, joins, spans, doc_base)
    joins &= _joined_survive(removed, joins, spans, doc_base)  # else they stay apart
    group = np.cumsum(~joins) - 1
    first = np.flatnonzero(~joins)
    n = len(first)
    length = (removed.end - removed.start).astype(np.float64)
    weight = np.bincount(group, weights=length, minlength=n)
    sim = np.bincount(group, weights=np.nan_to_num(removed.similarity) * length, minlength=n)
    similarity = np.where(
        removed.src_doc[first] >= 0, np.round(sim / np.maximum(weight, 1), 4), np.nan
    )
    return Units(
        removed.doc[first],
        removed.start[first],
        np.maximum.reduceat(removed.end, first),
        removed.reason[first],
        removed.src_doc[first],
        np.minimum.reduceat(removed.src_start, first),
        np.maximum.reduceat(removed.src_end, first),
        similarity,
        removed.rule[first],
    )


def _joined_survive(
    removed: Units, joins: np.ndarray, spans: Spans, doc_base: np.ndarray
) -> np.ndarray:
    """Per removal: whether the joined source of its group (``joins``: the removal joins the
    one before it) lies inside one kept span, or the group cites nothing."""
    group = np.cumsum(~joins) - 1
    first = np.flatnonzero(~joins)
    src_start = np.minimum.reduceat(removed.src_start, first)
    src_end = np.maximum.reduceat(removed.src_end, first)
    sourced = removed.src_doc[first] >= 0
    ok = ~sourced | _survives(spans, removed.src_doc[first], src_start, src_end, doc_base)
    return ok[group]  # type: ignore[no-any-return]
