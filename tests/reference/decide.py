"""The per-block decide that :mod:`dedupe_docs.stages.decide` batched and compiled: the reference its
batched slow path is tested against (tests/test_decide.py). One block at a time, one rapidfuzz
call per comparison; otherwise the same rules.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Sequence

import attrs
import numpy as np
import regex
from rapidfuzz import fuzz

from dedupe_docs.config import Config

# The reason codes, the word-by-word test of a fuzzy copy (rapidfuzz opcodes over folded
# words), and the growth of copies over kept neighbours that differ by typos (a pass over
# finished units).
from dedupe_docs.stages.boilerplate import TITLE_DOCS, boilerplate_needed
from dedupe_docs.stages.decide import (
    BOILERPLATE,
    DUPLICATE,
    KEEP,
    REPEAT,
    continue_over_typos,
    passage_cuts,
    reworded,
)
from dedupe_docs.stages.kernels import (
    SENTENCE_OPENS,
    SHORT_COPY_CHARS,
    SHORT_COPY_TOKENS,
    SHORT_LINE_TOKENS,
    SHORT_SENTENCE_TOKENS,
)
from dedupe_docs.stages.normalize import verification_form
from dedupe_docs.stages.segment import sentences
from dedupe_docs.stages.sign import Signed, block_hashes, sentence_keys

_DIGITS_AND_MARKS = regex.compile(r"\d+|[^\w\s]")
_FIRST_WORD = regex.compile(r"\p{L}[\p{L}\p{M}]*")


@attrs.frozen(eq=False)
class Units:
    """Every block (or sentence of a split block) with its decision, sorted by document and
    offset. Source columns are -1 and similarity NaN where there is no source.

    The reference's own: :class:`dedupe_docs.stages.decide.Units` also records which rule
    removed each unit, which this reference does not decide, so it is compared column by
    column; the reason codes are the product's, imported above."""

    doc: np.ndarray
    start: np.ndarray
    end: np.ndarray
    reason: np.ndarray
    src_doc: np.ndarray
    src_start: np.ndarray
    src_end: np.ndarray
    similarity: np.ndarray

    def take(self, index: np.ndarray) -> Units:
        return Units(*(getattr(self, f.name)[index] for f in attrs.fields(Units)))


def decide(
    s: Signed,
    texts: Sequence[str],
    aligned: np.ndarray,
    template: np.ndarray,
    config: Config,
) -> Units:
    """Decide every block of the corpus ``s`` (``aligned`` indexes its tokens)."""
    n_blocks = len(s.blk_start)
    blk_doc = np.repeat(np.arange(s.n_docs), np.diff(s.doc_blocks))
    tok_doc = np.repeat(np.arange(s.n_docs), np.diff(s.doc_tokens))
    t0, t1 = s.blk_t0, s.blk_t1
    ntok = t1 - t0
    has_source = aligned >= 0
    covered = _range_sum(has_source, t0, t1)
    src = np.maximum(aligned, 0)
    # Fast path: every token aligned, in order, equal with digits kept → similarity 1.
    equal = has_source & (s.tok_exact[src] == s.tok_exact)
    step = np.ones(len(aligned), dtype=bool)
    step[1:] = aligned[1:] == aligned[:-1] + 1
    if len(src) == 0:
        src = np.zeros(1, dtype=np.int64)  # no tokens at all: every block is empty
    first_src = src[np.minimum(t0, len(src) - 1)]
    last_src = src[np.clip(t1 - 1, 0, len(src) - 1)]
    fast = (ntok > 0) & (_range_sum(~equal, t0, t1) == 0) & (_range_sum(~step, t0 + 1, t1) == 0)
    fast &= (
        tok_doc[np.minimum(first_src, len(tok_doc) - 1)]
        == tok_doc[np.minimum(last_src, len(tok_doc) - 1)]
        if len(tok_doc)
        else fast
    )
    fast &= ~((last_src >= t0) & (first_src < t1))  # a block cannot repeat itself
    reason = np.zeros(n_blocks, dtype=np.int8)
    src_doc = np.full(n_blocks, -1, dtype=np.int64)
    src_start = np.full(n_blocks, -1, dtype=np.int64)
    src_end = np.full(n_blocks, -1, dtype=np.int64)
    similarity = np.full(n_blocks, np.nan)
    reason[fast] = DUPLICATE
    src_doc[fast] = tok_doc[first_src[fast]]
    src_start[fast] = s.tok_start[first_src[fast]]
    src_end[fast] = s.tok_end[last_src[fast]]
    similarity[fast] = 1.0
    # Slow path: partly aligned or fuzzy blocks, verified one by one.
    pieces: dict[int, list[Found]] = {}  # blocks verified sentence by sentence
    piece_tokens: dict[int, list[int]] = {}
    candidates = np.flatnonzero((covered > 0) & ~fast)
    formulas = formulaic_sentences(s, config)
    checker = _Checker(s, texts, aligned, tok_doc, config, formulas)
    for b, found in _verify_blocks((checker, blk_doc, covered), candidates.tolist()):
        if len(found) == 1 and found[0][1:3] == (int(s.blk_start[b]), int(s.blk_end[b])):
            _, _, _, sd, ss, se, sim = found[0]
            reason[b], src_doc[b], src_start[b], src_end[b], similarity[b] = (
                DUPLICATE,
                sd,
                ss,
                se,
                sim,
            )
        else:
            starts = s.tok_start[int(t0[b]) : int(t1[b])]
            pieces[b] = found
            piece_tokens[b] = [
                int(np.searchsorted(starts, e) - np.searchsorted(starts, a))
                for _, a, e, *_ in found
            ]
    # Runs of copies in document order, blocks and sentences together: (block, piece or -1).
    order = [
        (b, i) for b in range(n_blocks) for i in (range(len(pieces[b])) if b in pieces else [-1])
    ]

    def copy_of(b: int, i: int) -> tuple[bool, int, int, int, int]:
        """Whether a unit is a copy, its source document, tokens and source span."""
        if i < 0:
            return (
                reason[b] == DUPLICATE,
                int(src_doc[b]),
                int(ntok[b]),
                int(src_start[b]),
                int(src_end[b]),
            )
        r, _, _, sd, ss, se, _ = pieces[b][i]
        return r == DUPLICATE, sd, piece_tokens[b][i], ss, se

    def text_of(b: int, i: int) -> tuple[str, int, int]:
        """A unit's document text and its span there."""
        if i < 0:
            return texts[int(blk_doc[b])], int(s.blk_start[b]), int(s.blk_end[b])
        return texts[int(blk_doc[b])], pieces[b][i][1], pieces[b][i][2]

    def links(before: tuple[int, int], unit: tuple[int, int], between: str) -> tuple[bool, bool]:
        """For two copies whose sources follow each other: whether their sources stand on
        consecutive lines, and whether they are one sentence of the copy that the source does
        not break there."""
        text, start, end = text_of(*before)
        last = text[max(end - 8, start) : end].rstrip().rstrip("\"'”’»)]")[-1:]
        text, start, end = text_of(*unit)
        word = regex.search(r"\w", text[start:end])
        one_sentence = last not in ".!?:;…。！？" or (word is not None and word.group().islower())
        return "\n" in between, one_sentence and "\n" not in between

    def closes(unit: tuple[int, int]) -> bool:
        """Whether a sentence ends where ``unit`` does: a mark that ends sentences, or the end
        of its line where the next line does not go on in lower case."""
        text, _, end = text_of(*unit)
        if text[max(end - 8, 0) : end].rstrip().rstrip("\"'”’»)]")[-1:] in ".!?:;…。！？":
            return True
        marks = regex.match(r"[^\w\s]*", text[end:]).group()
        if any(c in ".!?:;…。！？" for c in marks):
            return True
        rest = text[end + len(marks) : end + len(marks) + 200]
        if rest.lstrip(" \t")[:1] not in ("", "\n", "\r"):
            return False
        word = regex.search(r"\w", rest)
        return word is None or not word.group().islower()

    def runs(contiguous: bool = False, lines: bool = True) -> dict[tuple[int, int], int]:
        """Tokens of each unit's run of copies of one source; ``contiguous``: whose sources
        follow each other there (at most three spaces or marks apart) and that make one
        passage: on consecutive lines of the source (with ``lines``), or one sentence of the
        copy, which must end where the run does."""
        link = [False] * len(order)
        sentence = [False] * len(order)
        for k in range(1, len(order)):
            is_copy, m, _, _, end = copy_of(*order[k - 1])
            nxt, nm, _, n_start, _ = copy_of(*order[k])
            if not (
                is_copy and nxt and nm == m and blk_doc[order[k][0]] == blk_doc[order[k - 1][0]]
            ):
                continue
            if not contiguous:
                link[k] = True
                continue
            between = texts[m][end:n_start] if 0 <= n_start - end <= 3 else "x"
            if any(c.isalnum() for c in between):
                continue
            on_lines, sentence[k] = links(order[k - 1], order[k], between)
            link[k] = sentence[k] or (lines and on_lines)
        starts = [k for k in range(len(order)) if not link[k]] + [len(order)]
        for j, k in itertools.pairwise(starts):
            if any(sentence[j + 1 : k]) and not closes(order[k - 1]):
                for x in range(j + 1, k):
                    link[x] = link[x] and not sentence[x]
        run_of: dict[tuple[int, int], int] = {}
        starts = [k for k in range(len(order)) if not link[k]] + [len(order)]
        for j, k in itertools.pairwise(starts):
            is_copy = copy_of(*order[j])[0]
            total = sum(copy_of(*order[x])[2] for x in range(j, k)) if is_copy else 0
            for x in range(j, k):
                run_of[order[x]] = total
        return run_of

    # Copies that are no copies go, blocks and then their sentences: a changed word, or a
    # short line or sentence that differs. What goes may leave runs shorter than a passage
    # behind, where the copies left must meet the tests of short runs: rounds go on until
    # none goes. After the first round the tests of short lines and sentences apply to exact
    # copies only; a fuzzy copy is held to its words.
    first = True
    while True:
        removed_any = False
        run_of = runs()
        sentence_of = runs(contiguous=True, lines=False)
        verdicts = reason.copy()
        not_copies: list[int] = []
        for b in range(n_blocks):
            if verdicts[b] != DUPLICATE:
                continue
            d, m = int(blk_doc[b]), int(src_doc[b])
            target = texts[d][int(s.blk_start[b]) : int(s.blk_end[b])]
            start, end = int(src_start[b]), int(src_end[b])
            source_text = texts[m]
            while (
                start > 0
                and not source_text[start - 1].isspace()
                and not source_text[start - 1].isalnum()
                and source_text[start - 1] != "_"
            ):
                start -= 1
            while (
                end < len(source_text)
                and not source_text[end].isspace()
                and not source_text[end].isalnum()
                and source_text[end] != "_"
            ):
                end += 1
            source = source_text[start:end]
            # Marks and spaces out to the source line's ends (up to 8 characters each side).
            line_start, line_end = src_start[b], src_end[b]
            while (
                line_start > max(src_start[b] - 8, 0)
                and source_text[line_start - 1] != "\n"
                and not (
                    source_text[line_start - 1].isalnum() or source_text[line_start - 1] == "_"
                )
            ):
                line_start -= 1
            while (
                line_end < min(src_end[b] + 8, len(source_text))
                and source_text[line_end] != "\n"
                and not (source_text[line_end].isalnum() or source_text[line_end] == "_")
            ):
                line_end += 1
            line = source_text[line_start:line_end]
            short_run = run_of[(b, -1)] < config.min_tokens
            fold = lambda x: " ".join(x.casefold().split())  # noqa: E731
            changed = (
                similarity[b] < 1.0
                and reworded(
                    [target],
                    [source_text[src_start[b] : src_end[b]]],
                    np.array([short_run]),
                    np.array([m == d]),
                )[0]
            )
            few = ntok[b] < SHORT_COPY_TOKENS and len(fold(target)) < SHORT_COPY_CHARS
            # The rest of a copied sentence wrapped over lines is no short line of its own.
            few = few and sentence_of[(b, -1)] < SHORT_SENTENCE_TOKENS
            too_short = few or fold(target) not in (fold(source), fold(line))
            short = ntok[b] < config.min_tokens
            unlike = similarity[b] == 1.0 and symbols_differ(
                target, source_text[src_start[b] : src_end[b]]
            )
            strict = first or similarity[b] == 1.0
            # A short line copying part of a line on its own (not a line of a passage wrapped
            # otherwise) must be a long whole sentence there.
            lone = (
                first
                and short
                and ntok[b] < SHORT_SENTENCE_TOKENS
                and not whole_line(source_text, int(src_start[b]), int(src_end[b]))
                and not aligned_on(aligned, int(t0[b]), int(t1[b]))
                and not runs_on(texts[d], s, blk_doc, b, source_text, src_start[b], src_end[b])
                and (
                    sentence_key(s, int(t0[b]), int(t1[b])) in formulas
                    or not long_whole_sentence(target, source_text, src_start[b], src_end[b])
                )
            )
            if changed or unlike or lone or (strict and short and short_run and too_short):
                not_copies.append(b)
        removed_any = bool(not_copies)
        for b in not_copies:
            reason[b], src_doc[b], src_start[b], src_end[b], similarity[b] = (
                KEEP,
                -1,
                -1,
                -1,
                np.nan,
            )
        run_of = runs()  # with the blocks that stayed copies
        follow_of = runs(contiguous=True)
        for b, found in pieces.items():
            runs_here = [run_of[(b, i)] for i in range(len(found))]
            follows = [follow_of[(b, i)] for i in range(len(found))]
            now = checker.copies_on_their_own(
                int(blk_doc[b]), found, piece_tokens[b], runs_here, follows, first
            )
            if [f[0] for f in now] != [f[0] for f in found]:
                pieces[b], removed_any = now, True
        first = False
        if not removed_any:
            break
    extra: list[tuple[int, int, int, int, int, int, int, float]] = []
    split: list[int] = []
    for b, found in pieces.items():
        if any(f[0] != KEEP for f in found):
            d = int(blk_doc[b])
            split.append(b)
            extra.extend((d, a, e, r, sd, ss, se, sim) for r, a, e, sd, ss, se, sim in found)
    # Page templates, whatever else they repeat; repeats, where no duplicate was found.
    undecided = reason == KEEP
    if len(split):
        undecided[split] = False
    for b in range(n_blocks):
        if b in split or not template[b]:
            continue
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
                np.nan,
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
    for b in np.flatnonzero(same & (reason == KEEP) & undecided).tolist():
        d, p = int(blk_doc[b]), int(run_first[b])
        text = texts[d]
        block, first = text[s.blk_start[b] : s.blk_end[b]], text[s.blk_start[p] : s.blk_end[p]]
        sim = _similarity(block, first, config.threshold)
        # A block that differs only in its numbers or symbols is not a repeat.
        marks = _DIGITS_AND_MARKS.findall
        if sim is not None and marks(block) == marks(first):
            reason[b], src_doc[b], src_start[b], src_end[b], similarity[b] = (
                REPEAT,
                d,
                s.blk_start[p],
                s.blk_end[p],
                sim,
            )
    units = Units(
        blk_doc,
        s.blk_start.copy(),
        s.blk_end.copy(),
        reason,
        src_doc,
        src_start,
        src_end,
        similarity,
    )
    if split:
        keep_rows = np.ones(n_blocks, dtype=bool)
        keep_rows[split] = False
        units = units.take(np.flatnonzero(keep_rows))
        columns = list(zip(*extra, strict=True))
        added = Units(
            np.array(columns[0], dtype=np.int64),
            np.array(columns[1], dtype=np.int64),
            np.array(columns[2], dtype=np.int64),
            np.array(columns[3], dtype=np.int8),
            np.array(columns[4], dtype=np.int64),
            np.array(columns[5], dtype=np.int64),
            np.array(columns[6], dtype=np.int64),
            np.array(columns[7], dtype=np.float64),
        )
        units = Units(
            *(
                np.concatenate([getattr(units, f.name), getattr(added, f.name)])
                for f in attrs.fields(Units)
            )
        )
        units = units.take(np.lexsort((units.start, units.doc)))
    # The block of each unit: the last block of its document starting at or before it.
    doc_base = np.concatenate(([0], np.cumsum([len(x) + 1 for x in texts])))
    block_keys = doc_base[blk_doc] + s.blk_start
    blocks = np.searchsorted(block_keys, doc_base[units.doc] + units.start, side="right") - 1

    def copies_elsewhere(unit: int, source: int) -> bool:
        inside = (tok_doc == units.doc[unit]) & (s.tok_start >= units.start[unit])
        inside &= s.tok_start < units.end[unit]
        return any(tok_doc[t] != source for t in aligned[inside].tolist() if t >= 0)

    continue_over_typos(texts, units, blocks, config.threshold, copies_elsewhere)
    return units


def _verify_blocks(
    shared: tuple[_Checker, np.ndarray, np.ndarray], blocks: Sequence[int]
) -> list[tuple[int, list[Found]]]:
    """The slow path for some blocks (runs in a worker): each block with what was found."""
    checker, blk_doc, covered = shared
    s, out = checker.s, []
    for b in blocks:
        t0, t1 = int(s.blk_t0[b]), int(s.blk_t1[b])
        start, end = int(s.blk_start[b]), int(s.blk_end[b])
        found = checker.duplicates(int(blk_doc[b]), start, end, t0, t1, int(covered[b]))
        if found is not None:
            out.append((b, found))
    return out


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
        if after and after.group().islower() and text[end - 1] not in ".!?…。！？":
            return True
    word = _FIRST_WORD.search(text, int(s.blk_start[b]), end)
    if b == 0 or blk_doc[b - 1] != blk_doc[b] or not word or not word.group().islower():
        return False
    if reason[b - 1] == BOILERPLATE:
        return False
    return text[int(s.blk_end[b - 1]) - 1] not in ".!?:;…。！？"


def _range_sum(mask: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Number of True values of ``mask`` in each ``[lo, hi)`` (0 where hi <= lo)."""
    cum = np.concatenate(([0], np.cumsum(mask, dtype=np.int64)))
    lo = np.minimum(lo, hi)
    return cum[hi] - cum[lo]


Found = tuple[
    int, int, int, int, int, int, float
]  # reason, start, end, src doc, src start, src end, sim


@attrs.define
class _Checker:
    """The slow path: rapidfuzz verification and sentence-level cuts for one block at a time."""

    s: Signed
    texts: Sequence[str]
    aligned: np.ndarray
    tok_doc: np.ndarray
    config: Config
    formulas: set[int]

    def duplicates(
        self, d: int, bs: int, be: int, a: int, b: int, covered: int
    ) -> list[Found] | None:
        """The block as one duplicate, or its sentences each kept or removed, or None.

        A block whose every sentence is aligned to one source document goes whole;
        otherwise, when sentences may be split, only the aligned sentences go (an inserted
        sentence is new text and stays), each with its own source.
        """
        config = self.config
        whole = covered >= config.block_coverage * (b - a)
        sources = self.aligned[a:b]
        mixed = (
            whole
            and b - a < config.min_tokens
            and len(set(self.tok_doc[sources[sources >= 0]].tolist())) > 1
        )
        parts: list[tuple[int, int, int, int]] = []
        if config.split_sentences and (covered < b - a or mixed):
            parts = self.sentence_parts(d, bs, be, a, b)
        ok = [self.aligned_enough(sa, sb) for _, _, sa, sb in parts]
        if whole and (len(parts) < 2 or (all(ok) and not mixed)):
            found = self.verified(d, bs, be, a, b)
            if found or not config.split_sentences:
                return [found] if found else None
            # Aligned whole, not verified whole: tried sentence by sentence.
            if not parts:
                parts = self.sentence_parts(d, bs, be, a, b)
                ok = [self.aligned_enough(sa, sb) for _, _, sa, sb in parts]
        if len(parts) < 2 or not any(ok):
            return None
        out = []
        for (ss, se, sa, sb), good in zip(parts, ok, strict=True):
            found = self.verified(d, ss, se, sa, sb, sentence=True) if good else None
            out.append(found or (KEEP, ss, se, -1, -1, -1, float("nan")))
        return out if any(f[0] != KEEP for f in out) else None

    def copies_on_their_own(
        self,
        d: int,
        found: list[Found],
        ntok: list[int],
        runs: list[int],
        follows: list[int],
        first: bool,
    ) -> list[Found]:
        """The sentences of one block, those kept that are no copies after all: in a run of
        copies shorter than a passage (``runs``: the tokens of the run each one is in), fewer
        than ``SHORT_SENTENCE_TOKENS`` tokens of its own (``ntok``) and in its run of copies
        that make one passage (``follows``: a sentence wrapped over lines counts whole), or not
        a whole sentence (these two for exact copies only after the ``first`` round), reworded
        (strictly so in such a run), or with other symbols than a word-for-word source."""
        out = list(found)
        for i, (r, ss, se, sd, s_start, s_end, sim) in enumerate(found):
            if r != DUPLICATE:
                continue
            short_run = runs[i] < self.config.min_tokens
            source = self.texts[sd][s_start:s_end]
            changed = (
                sim < 1.0
                and reworded(
                    [self.texts[d][ss:se]], [source], np.array([short_run]), np.array([sd == d])
                )[0]
            )
            piece = self.texts[d][ss:se]
            unlike = sim == 1.0 and symbols_differ(piece, source)
            opens, closes = sentence_edges(self.texts[d], ss, se)
            # A sentence pasted after text that ends without a mark is whole where its source,
            # in another document, is a whole sentence.
            pasted = closes and not opens and sd != d
            whole = (opens and closes) or (
                pasted and whole_sentence(self.texts[sd], s_start, s_end)
            )
            fragment = short_run and not whole
            few = max(ntok[i], follows[i]) < SHORT_SENTENCE_TOKENS
            # A sentence long by its characters counts on its own, copied word for word from a
            # whole sentence of another document.
            lo = int(self.s.doc_tokens[d])
            starts = self.s.tok_start[lo : int(self.s.doc_tokens[d + 1])]
            first_token = lo + int(np.searchsorted(starts, ss))
            last_token = lo + int(np.searchsorted(starts, se))
            few = few and not (
                ntok[i] >= SHORT_LINE_TOKENS
                and sim == 1.0
                and sd != d
                and long_whole_sentence(piece, self.texts[sd], s_start, s_end)
                and sentence_key(self.s, first_token, last_token) not in self.formulas
            )
            strict = first or sim == 1.0
            if changed or unlike or (strict and (fragment or (short_run and few))):
                out[i] = (KEEP, ss, se, -1, -1, -1, float("nan"))
        return out

    def sentence_parts(
        self, d: int, bs: int, be: int, a: int, b: int
    ) -> list[tuple[int, int, int, int]]:
        """The sentences of text[bs:be] (tokens a..b): characters and tokens of each."""
        starts = self.s.tok_start[a:b]
        doc_tokens = self.s.doc_tokens
        before = int(self.aligned[a - 1]) if a > doc_tokens[d] else -1
        after = int(self.aligned[b]) if b < doc_tokens[d + 1] else -1
        sources = [before, *self.aligned[a:b].tolist(), after]
        spans = passage_cuts(
            self.texts[d],
            sentences(self.texts[d], bs, be),
            (starts, self.s.tok_end[a:b]),
            (sources, (np.searchsorted(doc_tokens, sources, "right") - 1).tolist()),
            (self.config.min_tokens, self.config.shingle_size),
        )
        # One searchsorted in the array's own dtype: a Python int against int32 offsets
        # makes NumPy cast the whole array per call (hours on a 50 MB line).
        at = np.searchsorted(starts, np.array(spans, dtype=starts.dtype).reshape(-1, 2))
        return [
            (ss, se, sa, sb) for (ss, se), (sa, sb) in zip(spans, (a + at).tolist(), strict=True)
        ]

    def aligned_enough(self, sa: int, sb: int) -> bool:
        covered = np.count_nonzero(self.aligned[sa:sb] >= 0)
        return sb > sa and covered >= self.config.block_coverage * (sb - sa)

    def verified(
        self, d: int, bs: int, be: int, a: int, b: int, sentence: bool = False
    ) -> Found | None:
        """A duplicate of text[bs:be] (tokens a..b) if its majority source verifies (a
        ``sentence``'s source grows over equal tokens at its edges)."""
        sources = self.aligned[a:b]
        places = np.flatnonzero(sources >= 0) + a
        sources = sources[sources >= 0]
        docs = self.tok_doc[sources]
        m = int(docs[0])
        if docs[-1] != m or not (docs == m).all():
            values, counts = np.unique(docs, return_counts=True)
            m = int(values[np.argmax(counts)])
            sources, places = sources[docs == m], places[docs == m]
        increasing = bool((np.diff(sources) > 0).all())
        tokens = sources if increasing else np.unique(sources)
        if m == d and tokens[-1] >= a and tokens[0] < b:
            return None  # a block cannot repeat itself
        if sentence and increasing and m != d:
            # The source grows over the sentence's tokens beside it aligned elsewhere that
            # equal its neighbours.
            h, lo, hi = self.s.tok_hash, self.s.doc_tokens[m], self.s.doc_tokens[m + 1]
            head = tail = 0
            while (
                places[0] - head > a
                and tokens[0] - head > lo
                and self.aligned[places[0] - head - 1] >= 0
                and h[places[0] - head - 1] == h[tokens[0] - head - 1]
            ):
                head += 1
            while (
                places[-1] + tail + 1 < b
                and tokens[-1] + tail + 1 < hi
                and self.aligned[places[-1] + tail + 1] >= 0
                and h[places[-1] + tail + 1] == h[tokens[-1] + tail + 1]
            ):
                tail += 1
            tokens = np.concatenate(
                (
                    np.arange(tokens[0] - head, tokens[0]),
                    tokens,
                    np.arange(tokens[-1] + 1, tokens[-1] + tail + 1),
                )
            )
        starts, ends = self.s.tok_start, self.s.tok_end
        s_start, s_end = int(starts[tokens[0]]), int(ends[tokens[-1]])
        cuts = np.flatnonzero(np.diff(tokens) != 1)
        firsts = [int(tokens[0]), *(tokens[cuts + 1].tolist())]
        lasts = [*(tokens[cuts].tolist()), int(tokens[-1])]
        s_text = self.texts[m]
        pieces = [s_text[starts[f] : ends[e]] for f, e in zip(firsts, lasts, strict=True)]
        sim = _similarity(self.texts[d][bs:be], " ".join(pieces), self.config.threshold)
        return None if sim is None else (DUPLICATE, bs, be, m, s_start, s_end, sim)


def _similarity(target: str, source: str, threshold: float) -> float | None:
    """rapidfuzz ratio of the verification forms, or None below the threshold."""
    a, b = verification_form(target), verification_form(source)
    if a == b:
        return 1.0
    score = fuzz.ratio(a, b, processor=None, score_cutoff=threshold * 100)
    return round(score / 100, 4) if score and score >= threshold * 100 else None


def symbols_differ(target: str, source: str) -> bool:
    """Whether a word-for-word copy (``target``, trimmed to its first and last word) holds
    other symbols (Unicode category S, doubled ones counted once) than a ``source`` of as many
    words."""
    if len(re.findall(r"\w+", target)) != len(re.findall(r"\w+", source)):
        return False
    words = [i for i, ch in enumerate(target) if ch.isalnum()]
    if words:
        target = target[words[0] : words[-1] + 1]

    def symbols(text: str) -> list[str]:
        found = [ch for ch in text if unicodedata.category(ch).startswith("S")]
        return [ch for ch, _ in itertools.groupby(found)]

    return symbols(target) != symbols(source)


def whole_sentence(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` stands as a sentence (or runs from its line's start or to
    its end): past the marks before it, a line starts or a sentence ends (spaces and tabs
    skipped); and a sentence-ending mark ends it, or follows it, or its line ends after it."""
    opens, closes = sentence_edges(text, start, end)
    return opens and closes


def sentence_edges(text: str, start: int, end: int) -> tuple[bool, bool]:
    """Whether a sentence opens where ``text[start:end]`` starts, and whether one closes where
    it ends (see :func:`whole_sentence`)."""
    ends = ".!?:;…。！？"
    i = start
    while i > max(start - 8, 0) and not text[i - 1].isspace() and not text[i - 1].isalnum():
        i -= 1
    j = i
    while j > max(start - 8, 0) and text[j - 1] in " \t":
        j -= 1
    opens = j == max(start - 8, 0) or text[j - 1] == "\n" or text[j - 1] in ends
    k = end
    while k > max(start, end - 8) and not text[k - 1].isspace() and not text[k - 1].isalnum():
        k -= 1
    m = end
    while m < min(end + 8, len(text)) and not text[m].isspace() and not text[m].isalnum():
        m += 1
    rest = text[m : m + 8].lstrip(" \t")
    return opens, any(c in ends for c in text[k:m]) or rest[:1] in ("", "\n")


def whole_line(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` is its line, but for marks and spaces at either end."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    outside = text[line_start:start] + text[end:line_end]
    return not any(ch.isalnum() or ch == "_" for ch in outside)


def runs_on(
    text: str, s: Signed, blk_doc: np.ndarray, b: int, source: str, start: int, end: int
) -> bool:
    """Whether the source's word before ``start`` ends the line before block ``b``, or its
    word after ``end`` starts the line after (case folded)."""
    words_before = re.findall(r"\w+", source[max(start - 64, 0) : start])
    words_after = re.findall(r"\w+", source[end : end + 64])
    if words_before and b > 0 and blk_doc[b - 1] == blk_doc[b]:
        line = re.findall(r"\w+", text[s.blk_start[b - 1] : s.blk_end[b - 1]])
        if line and line[-1].casefold() == words_before[-1].casefold():
            return True
    if words_after and b + 1 < len(blk_doc) and blk_doc[b + 1] == blk_doc[b]:
        line = re.findall(r"\w+", text[s.blk_start[b + 1] : s.blk_end[b + 1]])
        if line and line[0].casefold() == words_after[0].casefold():
            return True
    return False


def long_whole_sentence(copy: str, source: str, start: int, end: int) -> bool:
    """Whether ``copy`` has ``SHORT_COPY_CHARS`` characters (a run of white space counting
    one) and ``source[start:end]`` is a whole sentence, not an entry after a list number."""
    if len(" ".join(copy.split())) < SHORT_COPY_CHARS:
        return False
    line_start = source.rfind("\n", 0, start) + 1
    if re.fullmatch(r"[ \t]*\(?\d+(?:[.)]\d+)*[.)]?[ \t]*", source[line_start:start]):
        return False
    return whole_sentence(source, start, end)


def sentence_key(s: Signed, first: int, last: int) -> int:
    return int(sentence_keys(s.tok_exact, np.array([first]), np.array([last]))[0])


def formulaic_sentences(s: Signed, config: Config) -> set[int]:
    """Keys of the sentences (tokens between two that open one in ``s.tok_sentence``) of 5-11
    tokens that stand in twice as many documents as a template line needs: formulas, never
    short copies."""
    if config.boilerplate_max_tokens == 0:
        return set()
    opens = [*np.flatnonzero(s.tok_sentence & SENTENCE_OPENS).tolist(), len(s.tok_sentence)]
    docs_of: dict[int, set[int]] = {}
    for a, b in itertools.pairwise(opens):
        chars = int(s.tok_end[b - 1]) - int(s.tok_start[a])
        if SHORT_LINE_TOKENS <= b - a < SHORT_SENTENCE_TOKENS and chars >= SHORT_COPY_CHARS - 8:
            doc = int(np.searchsorted(s.doc_tokens, a, side="right")) - 1
            docs_of.setdefault(sentence_key(s, a, b), set()).add(doc)
    needed = boilerplate_needed(s.n_docs, config)
    return {key for key, docs in docs_of.items() if len(docs) >= TITLE_DOCS * needed}


def aligned_on(aligned: np.ndarray, first: int, end: int) -> bool:
    """Whether tokens ``first..end`` lie in a run of 12 or more tokens or more aligned one
    after the other (a source token on, or up to three) that runs on past them."""
    run = [t for t in range(len(aligned)) if aligned[t] >= 0]
    segments: list[list[int]] = []
    for t in run:
        if segments and segments[-1][-1] == t - 1 and 0 < aligned[t] - aligned[t - 1] <= 3:
            segments[-1].append(t)
        else:
            segments.append([t])
    for seg in segments:
        if seg[0] <= first and end - 1 <= seg[-1]:
            return len(seg) >= SHORT_SENTENCE_TOKENS and (seg[0] < first or seg[-1] >= end)
    return False
