"""The pure-Python passage detector that :mod:`dedupe_docs.stages.detect` compiled: the reference its
kernels are tested against (tests/test_detect.py). Same algorithm, one loop per run.

(Original module docstring follows.)

Every repeated shingle is a seed pointing at its first occurrence. Seeds whose source advances
with the target form a run (one diagonal); runs from the same source document are chained
across small gaps (a typo, a dropped or inserted sentence) into a passage. A passage that aligns
at least ``min_tokens`` tokens marks each aligned target token with its source token; scattered
common phrases never chain that far, so they align nothing. Verification happens per block, in
:mod:`dedupe_docs.stages.decide`.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterable

import numpy as np

from dedupe_docs.stages.boilerplate import formulas_among
from dedupe_docs.stages.kernels import (
    CONTINUE_TOKENS,
    FOLLOW_TOKENS,
    FRAGMENT_CHARS,
    MAY_CLOSE,
    MAY_OPEN,
    SHORT_COPY_CHARS,
    SHORT_COPY_TOKENS,
    SHORT_LINE_TOKENS,
    SHORT_SENTENCE_TOKENS,
)
from dedupe_docs.stages.sign import sentence_keys


def align(
    positions: np.ndarray,
    sources: np.ndarray,
    doc_offsets: np.ndarray,
    token_hashes: np.ndarray,
    exact_hashes: np.ndarray,
    blocks: tuple[np.ndarray, np.ndarray],
    *,
    spans: tuple[np.ndarray, np.ndarray],
    sentences: np.ndarray,
    formulas: np.ndarray,
    k: int,
    min_tokens: int,
    max_gap: int,
    keep: str = "first",
) -> np.ndarray:
    """Source token of every corpus token (``-1`` where it repeats nothing).

    ``positions`` holds the global token index of each shingle's first token, ascending;
    ``sources`` the global token index of that shingle's first occurrence; ``doc_offsets`` the
    first global token index of each document (plus the total at the end); ``token_hashes``
    lets passages grow token by token past their outermost shingles, ``exact_hashes`` (digits
    kept) a short run go on along its neighbour's source; ``blocks`` holds the first
    and end token of every non-empty block, ascending; ``spans`` where each token starts and
    ends in its document; ``sentences`` the sentence bits of every token; ``formulas`` the keys
    of sentences that stand in many documents. With
    ``keep="longest"`` a passage whose later copy spans more tokens is turned around, so the
    later, more complete copy is the one that survives.
    """
    total = int(doc_offsets[-1])
    aligned = np.full(total, -1, dtype=np.int64)
    lines, sources = _short_line_seeds(positions, sources, blocks, spans, k)
    sources = _follow_diagonals(positions, sources, token_hashes, doc_offsets, k)
    seeds = np.flatnonzero(sources != positions)
    if len(seeds) == 0:
        if keep == "first":
            _short_lines(aligned, exact_hashes, lines)
        return aligned
    tp, sp = positions[seeds], sources[seeds]
    diag = sp - tp
    new_run = np.ones(len(seeds), dtype=bool)
    new_run[1:] = (tp[1:] != tp[:-1] + 1) | (diag[1:] != diag[:-1])
    run_first = np.flatnonzero(new_run)
    run_last = np.append(run_first[1:], len(seeds)) - 1
    t_start, s_start = tp[run_first], sp[run_first]
    t_end = tp[run_last] + k
    s_end = sp[run_last] + k
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
    near = np.zeros(len(run_first), dtype=bool)
    if len(run_first) > 1:
        close = (
            (t_doc[1:] == t_doc[:-1])
            & (s_doc[1:] == s_doc[:-1])
            & (np.abs(np.diff(s_start - t_start)) <= 2)
            & (t_start[1:] - t_end[:-1] <= max_gap)
        )
        near[1:] |= close & long_enough[:-1]
        near[:-1] |= close & long_enough[1:]
    # A lone shingle that is a whole line on both sides may be a short copy of that line.
    firsts, lasts = set(blocks[0].tolist()), set(blocks[1].tolist())
    whole_line = np.array(
        [
            o == 0 and {ts, ss} <= firsts and {te, se} <= lasts
            for o, ts, te, ss, se in zip(over, t_start, t_end, s_start, s_end, strict=True)
        ],
        dtype=bool,
    )
    useful = long_enough | whole_line | (near & (over == 0))
    table = np.stack([t_doc, s_doc, t_start, t_end, s_start, s_end], axis=1)[useful]
    shared = (table, token_hashes, doc_offsets.tolist(), blocks, k, min_tokens, max_gap)
    chains = _passages(shared, (0, len(table)))
    chains.sort(key=lambda c: c[0])  # stronger passages win where two overlap
    # The shortest are marked last, each only where nothing else is aligned yet, and only
    # where its words span enough characters to be a sentence long by its characters, and it
    # copies a whole sentence or a whole line.
    starts, ends = spans
    fragments = [
        c
        for c in chains
        if -SHORT_SENTENCE_TOKENS < c[0] < 0
        and ends[max(r[1] for r in c[1]) - 1] - starts[min(r[0] for r in c[1])] >= FRAGMENT_CHARS
        and _may_stand(c[1], sentences, blocks)
        and not _formula(c[1], exact_hashes, formulas)
    ]
    chains = [c for c in chains if not -SHORT_SENTENCE_TOKENS < c[0] < 0]
    weight = np.zeros(total, dtype=np.int32)
    longest = keep == "longest"
    for strength, chain, back, forward, edited in chains + fragments:
        if strength > -SHORT_SENTENCE_TOKENS and strength < 0:
            span = aligned[min(r[0] for r in chain) : max(r[1] for r in chain)]
            if (span >= 0).any():
                continue
        # Ranks 2 (short), 4 (a passage that counts), 6 (one that copies whole blocks whole,
        # word for word at their edges).
        level = int(min_tokens <= strength)
        level += level and not edited and _block_for_block(chain, *blocks)
        rank = 2 + 2 * level
        if longest and _target_is_longer(chain):
            turned = [(ss, se, ts, te) for ts, te, ss, se in sorted(chain, key=lambda r: r[2])]
            _mark(aligned, weight, turned, (0, 0), None)
        else:
            _mark(aligned, weight, chain, (back, forward), None if longest else rank)
    if keep == "longest":
        _follow(aligned)
    else:
        _continue_short_runs(aligned, exact_hashes, doc_offsets, firsts, min_tokens)
        runs = zip(t_start.tolist(), t_end.tolist(), s_start.tolist(), strict=True)
        _exact_sources(aligned, exact_hashes, doc_offsets.tolist(), runs, blocks, min_tokens)
        _short_lines(aligned, exact_hashes, lines)
    return aligned


def _continue_short_runs(
    aligned: np.ndarray,
    exact: np.ndarray,
    doc_offsets: np.ndarray,
    firsts: set[int],
    min_tokens: int,
) -> None:
    """Short runs (one diagonal of at most ``CONTINUE_TOKENS`` tokens, fewer than
    ``min_tokens`` of them inside any one block) that follow each other inside blocks
    (``firsts``: the first token of every block) for ``min_tokens`` tokens or more go on, one
    by one, along the source of the token before them, or else back along that of the token
    after them, where that source, in one document and before them, holds the same words;
    runs pointed on one after another reach
    ``CONTINUE_TOKENS`` at most past where marking pointed the token before the first."""
    offsets = doc_offsets.tolist()

    def doc_of(t: int) -> int:
        return bisect.bisect_right(offsets, t) - 1

    runs = []  # (start, end) of each diagonal of aligned tokens, in one document
    t = 0
    while t < len(aligned):
        end = t + 1
        if aligned[t] >= 0:
            while end < offsets[doc_of(t) + 1] and aligned[end] == aligned[end - 1] + 1:
                end += 1
            runs.append((t, end))
        t = end
    groups: list[list[tuple[int, int]]] = []
    for start, end in runs:
        # A run across a line break counts by its longest part inside one block.
        parts = [t for t in range(start + 1, end) if t in firsts]
        longest = max(b - a for a, b in itertools.pairwise([start, *parts, end]))
        short = longest < min_tokens and end - start <= CONTINUE_TOKENS
        if not short:
            groups.append([])
            continue
        if groups and groups[-1]:
            last = groups[-1][-1]
            if last[1] == start and start not in firsts:
                groups[-1].append((start, end))
                continue
        groups.append([(start, end)])
    ahead: dict[int, int] = {}  # where a run pointed on ends: how far past marking it points
    for group in groups:
        if sum(end - start for start, end in group) < min_tokens:
            continue
        for start, end in group:
            m, doc = end - start, doc_of(start)
            options = []
            before = ahead.get(start, 0)
            if (
                start - 1 >= offsets[doc]
                and aligned[start - 1] >= 0
                and before + m <= CONTINUE_TOKENS
            ):
                options.append((int(aligned[start - 1]), int(aligned[start - 1]) + 1, True))
            if end < offsets[doc + 1] and aligned[end] >= 0:
                options.append((int(aligned[end]), int(aligned[end]) - m, False))
            for neighbour, at, on in options:
                if at == aligned[start]:
                    break
                src = doc_of(neighbour)
                inside = offsets[src] <= at and at + m <= offsets[src + 1] and at + m <= start
                if inside and (exact[at : at + m] == exact[start:end]).all():
                    aligned[start:end] = np.arange(at, at + m)
                    if on:
                        ahead[end] = before + m
                    break


def _exact_sources(
    aligned: np.ndarray,
    exact: np.ndarray,
    offsets: list[int],
    runs: Iterable[tuple[int, int, int]],
    blocks: tuple[np.ndarray, np.ndarray],
    min_tokens: int,
) -> None:
    """Each run of seeds (target start and end, source start), in order, inside the longest
    stretch around it (up to ``CONTINUE_TOKENS`` past either end) that its source document,
    before the stretch, holds word for word: a stretch of ``min_tokens`` or more where a
    passage aligned some token with another word, or none aligned any, or a stretch of
    ``SHORT_COPY_TOKENS`` or more (``min_tokens`` where fewer) that is one whole block on both
    sides (``blocks``: their first and end tokens) aligned in part or in pieces, not running on
    past its edges, or with other words, points along the run's source; for that last test
    the stretch of a source in another document reaches twice as far."""
    firsts, lasts = set(blocks[0].tolist()), set(blocks[1].tolist())
    least = min(min_tokens, SHORT_COPY_TOKENS)
    for ts, te, ss in runs:
        d = ss - ts
        t_doc = bisect.bisect_right(offsets, ts) - 1
        s_doc = bisect.bisect_right(offsets, ss) - 1
        t_lo, t_hi = offsets[t_doc], offsets[t_doc + 1]
        run = (ts, te, ss)
        lo, hi = _stretch(exact, offsets, run, CONTINUE_TOKENS, (ts, ts))
        if hi - lo < least:
            continue
        taken = aligned[lo:hi].tolist()
        fuzzy = any(a >= 0 and exact[a] != exact[lo + i] for i, a in enumerate(taken))
        free = max(taken) < 0
        if (fuzzy or free) and hi - lo >= min_tokens:
            aligned[lo:hi] = np.arange(lo + d, hi + d)
            continue
        if free:
            continue
        if s_doc != t_doc:  # a whole line may run on past the stretch: twice as far
            lo, hi = _stretch(exact, offsets, run, 2 * CONTINUE_TOKENS, (lo, hi))
        if hi - lo < least:
            continue
        taken = aligned[lo:hi].tolist()
        fuzzy = any(a >= 0 and exact[a] != exact[lo + i] for i, a in enumerate(taken))
        pieces = min(taken) < 0 or len({a - (lo + i) for i, a in enumerate(taken)}) > 1
        # a passage that runs on into the line, or out of it, is no piece of it
        before = aligned[lo - 1] if lo > t_lo else -1
        pieces &= taken[0] < 0 or before < 0 or before != taken[0] - 1
        pieces &= hi == t_hi or taken[-1] < 0 or aligned[hi] != taken[-1] + 1
        line = {lo, lo + d} <= firsts and {hi, hi + d} <= lasts
        line &= not any(t in firsts or t + d in firsts for t in range(lo + 1, hi))
        if line and (fuzzy or pieces):
            aligned[lo:hi] = np.arange(lo + d, hi + d)


def _stretch(
    exact: np.ndarray,
    offsets: list[int],
    run: tuple[int, int, int],
    reach: int,
    at: tuple[int, int],
) -> tuple[int, int]:
    """The stretch ``at`` grown, up to ``reach`` tokens past the run (target start and end,
    source start) on either side, while the run's source document, before the stretch, holds
    the same words."""
    (ts, te, ss), (lo, hi) = run, at
    d = ss - ts
    t_doc = bisect.bisect_right(offsets, ts) - 1
    s_doc = bisect.bisect_right(offsets, ss) - 1
    while lo > max(offsets[t_doc], ts - reach) and lo - 1 + d >= offsets[s_doc]:
        if exact[lo - 1] != exact[lo - 1 + d]:
            break
        lo -= 1
    s_end = min(offsets[s_doc + 1], lo) if s_doc == t_doc else offsets[s_doc + 1]
    while (
        hi < min(offsets[t_doc + 1], te + reach) and hi + d < s_end and exact[hi] == exact[hi + d]
    ):
        hi += 1
    return lo, hi


def _short_lines(aligned: np.ndarray, exact: np.ndarray, lines: list[tuple[int, int, int]]) -> None:
    """Each short line (``lines``: first and end token, source token) that nothing aligned and
    whose source holds its words word for word points there."""
    for t, end, s in lines:
        n = end - t
        if (aligned[t:end] < 0).all() and (exact[t:end] == exact[s : s + n]).all():
            aligned[t:end] = np.arange(s, s + n)


def _short_line_seeds(
    positions: np.ndarray,
    sources: np.ndarray,
    blocks: tuple[np.ndarray, np.ndarray],
    spans: tuple[np.ndarray, np.ndarray],
    k: int,
) -> tuple[list[tuple[int, int, int]], np.ndarray]:
    """The seeds whose shingle is a short line's own (a whole line of 2 to ``k - 1`` tokens
    whose words span ``SHORT_COPY_CHARS`` characters), as (first token, end token, source
    token); and the sources with those seeds taken out (no seed of a passage)."""
    starts, ends = spans
    line_end = dict(zip(blocks[0].tolist(), blocks[1].tolist(), strict=True))
    lines, out = [], sources.copy()
    for i, (t, src) in enumerate(zip(positions.tolist(), sources.tolist(), strict=True)):
        end = line_end.get(t)
        if src == t or end is None or not 2 <= end - t < k:
            continue
        if ends[end - 1] - starts[t] >= SHORT_COPY_CHARS:
            lines.append((t, end, src))
            out[i] = t
    return lines, out


def _follow_diagonals(
    positions: np.ndarray,
    sources: np.ndarray,
    token_hashes: np.ndarray,
    doc_offsets: np.ndarray,
    k: int,
) -> np.ndarray:
    """The sources with each seed that jumps back off its run's diagonal inside the run's source
    document put back on it when the shingle also starts at the next source token (up to
    ``FOLLOW_TOKENS`` past the last seed that points along the diagonal by itself)."""
    out = sources.copy()
    followed = 0
    for i in range(len(positions)):
        t, s = int(positions[i]), int(sources[i])
        starts_run = (
            i + 1 < len(positions) and positions[i + 1] == t + 1 and sources[i + 1] == s + 1
        )
        if (
            s != t
            and i > 0
            and positions[i - 1] == t - 1
            and out[i - 1] != t - 1
            and s != out[i - 1] + 1
        ):
            p = int(out[i - 1]) + 1
            at = int(np.searchsorted(doc_offsets, p - 1, side="right"))
            end = int(doc_offsets[at])
            start = int(doc_offsets[np.searchsorted(doc_offsets, t, side="right") - 1])
            if (
                followed < FOLLOW_TOKENS
                and p < t
                and start < t
                and doc_offsets[at - 1] <= s < end  # a jump back inside the source document
                and not (start <= s and starts_run)  # a paragraph said three times
                and p + k <= end
                and token_hashes[t + k - 1] == token_hashes[p + k - 1]
            ):
                s = p
        followed = followed + 1 if s != sources[i] else 0
        out[i] = s
    return out


def _passages(shared: tuple, piece: tuple[int, int]) -> list[tuple[int, list[Run], int, int]]:
    """Chain, extend and weigh the runs of some target documents (runs in a worker).

    Returns the passages strong enough to count, each with its strength and how many tokens it
    grew at its start and end."""
    table, hashes, bounds, (block_starts, block_ends), k, min_tokens, max_gap = shared
    block_edges = (set(block_starts.tolist()), set(block_ends.tolist()))
    out = []
    runs = table[piece[0] : piece[1]].tolist()
    for strength, first_segment, last_segment, chain in _chain(runs, max_gap, k):
        chain, back, forward = _extend(chain, hashes, bounds, max_gap, block_edges)
        strength = max(strength, first_segment + back, last_segment + forward)
        edited = False
        if strength < min_tokens:
            chain, back, forward, edited = _over_whole_blocks(
                chain, hashes, bounds, (back, forward, max_gap), block_edges
            )
            strength = max(strength, first_segment + back, last_segment + forward)
        if strength < min_tokens:
            total = _aligned_count(chain)
            if total >= min_tokens and _copies_whole_blocks(chain, block_starts, block_ends):
                strength = total
            elif (
                total >= SHORT_LINE_TOKENS and _block_for_block(chain, block_starts, block_ends)
            ) or _whole_blocks_inside(chain, block_starts, block_ends) >= SHORT_COPY_TOKENS:
                strength = min_tokens
            elif total >= SHORT_LINE_TOKENS:
                strength = -total  # marked below every passage that counts
        if strength >= min_tokens or strength < 0:
            out.append((strength, chain, back, forward, edited))
    return out


def _block_for_block(chain: list[Run], starts: np.ndarray, ends: np.ndarray) -> bool:
    """Whether the passage runs from the start of a block to the end of one on both sides."""
    t_first, t_last = min(r[0] for r in chain), max(r[1] for r in chain)
    s_first, s_last = min(r[2] for r in chain), max(r[3] for r in chain)
    firsts, lasts = set(starts.tolist()), set(ends.tolist())
    return {t_first, s_first} <= firsts and {t_last, s_last} <= lasts


def _over_whole_blocks(
    chain: list[Run],
    hashes: np.ndarray,
    bounds: list[int],
    growth: tuple[int, int, int],
    edges: tuple[set[int], set[int]],
) -> tuple[list[Run], int, int, bool]:
    """A weak passage grown over a mismatched first or last word of a block on both sides, and
    then, where it starts and ends at block edges on both sides, over whole blocks before and
    after it that match token for token but for typos (at most one in four: a
    mismatched token between matching ones, or a first or last word), while its growth
    (``growth``: so far at its start and end, and the limit) allows. Returns the chain, the
    growth and whether it stepped over a typo."""
    firsts, ends = edges
    back, forward, limit = growth
    ts, ss = chain[0][0], chain[0][2]
    te, se = chain[-1][1], chain[-1][3]
    t_doc, s_doc = bisect.bisect_right(bounds, ts) - 1, bisect.bisect_right(bounds, ss) - 1
    t_lo, s_lo, t_hi, s_hi = bounds[t_doc], bounds[s_doc], bounds[t_doc + 1], bounds[s_doc + 1]
    typos = False
    second = {ts - 1, ss - 1} <= firsts and not {ts, ss} & firsts  # first words differ
    if back < limit and second and ts - 1 >= t_lo and ss - 1 >= s_lo:
        ts, ss, back, typos = ts - 1, ss - 1, back + 1, True

    def one_block(t: int, s: int, step: int, budget: int) -> tuple[int, int, int] | None:
        """Positions one block on in direction ``step`` (-1 before, +1 after), and typos."""
        pairs = []
        for k in range(budget):
            a, b = (t - 1 - k, s - 1 - k) if step < 0 else (t + k, s + k)
            if not (t_lo <= a < t_hi and s_lo <= b < s_hi):
                return None
            edge_a = a in firsts if step < 0 else a + 1 in ends
            edge_b = b in firsts if step < 0 else b + 1 in ends
            if edge_a != edge_b:
                return None
            pairs.append(bool(hashes[a] == hashes[b]))
            if edge_a:
                break
        else:
            return None
        n = len(pairs)
        for k, ok in enumerate(pairs):
            beside = [pairs[j] for j in (k - 1, k + 1) if 0 <= j < n]
            if not ok and (n == 1 or not all(beside)):
                return None
        misses = pairs.count(False)
        if 4 * misses > n:
            return None
        return (t + step * n, s + step * n, misses)

    while back < limit and ts in firsts and ss in firsts and ts - 1 >= t_lo and ss - 1 >= s_lo:
        found = one_block(ts, ss, -1, limit - back)
        if found is None:
            break
        back, ts, ss = back + ts - found[0], found[0], found[1]
        typos = typos or found[2] > 0
    if s_doc == t_doc:
        s_hi = min(s_hi, ts)
    last_but_one = {te + 1, se + 1} <= ends and not {te, se} & ends  # last words differ
    if forward < limit and last_but_one and te < t_hi and se < s_hi:
        te, se, forward, typos = te + 1, se + 1, forward + 1, True
    while forward < limit and te in ends and se in ends and te < t_hi and se < s_hi:
        found = one_block(te, se, 1, limit - forward)
        if found is None:
            break
        forward, te, se = forward + found[0] - te, found[0], found[1]
        typos = typos or found[2] > 0
    first = (ts, chain[0][1], ss, chain[0][3])
    if len(chain) == 1:
        return [(ts, te, ss, se)], back, forward, typos
    return [first, *chain[1:-1], (chain[-1][0], te, chain[-1][2], se)], back, forward, typos


def _whole_blocks_inside(chain: list[Run], starts: np.ndarray, ends: np.ndarray) -> int:
    """Target tokens of the whole blocks the passage copies as whole blocks once the pieces of
    blocks at its ends are trimmed (0 if none)."""
    firsts, lasts = set(starts.tolist()), set(ends.tolist())
    head = chain[0]
    tail = chain[0]
    for run in chain:
        if run[1] > tail[1]:
            tail = run
    ts = next((t for t in range(head[0], head[1]) if t in firsts), None)
    te = next((t for t in range(tail[1], tail[0], -1) if t in lasts), None)
    if ts is None or te is None or te <= ts:
        return 0
    ss, se = head[2] + (ts - head[0]), tail[3] - (tail[1] - te)
    return te - ts if ss in firsts and se in lasts else 0


def _copies_whole_blocks(chain: list[Run], starts: np.ndarray, ends: np.ndarray) -> bool:
    """Whether the passage's source runs from the start of a block to the end of one.

    A copy of whole blocks with a sentence inserted is split into segments that may each be
    short; a quotation of a sentence or two out of a longer block is not a whole block.
    """
    first = min(r[2] for r in chain)
    last = max(r[3] for r in chain)
    i = int(np.searchsorted(starts, first, side="right")) - 1
    j = int(np.searchsorted(starts, last - 1, side="right")) - 1
    return i >= 0 and j >= 0 and first - starts[i] <= 2 and ends[j] - last <= 2


def _aligned_count(chain: list[Run]) -> int:
    """Target tokens a passage aligns: its runs plus the small gaps bridged between them."""
    count, prev_te, prev_se = 0, None, None
    for ts, te, ss, _se in chain:
        if prev_te is not None and prev_se is not None and 0 < ts - prev_te <= ss - prev_se + 2:
            count += ts - prev_te
        count += te - max(ts, prev_te if prev_te is not None else ts)
        prev_te = te if prev_te is None else max(prev_te, te)
        prev_se = _se if prev_se is None else max(prev_se, _se)
    return count


def _target_is_longer(chain: list[Run]) -> bool:
    target = max(r[1] for r in chain) - min(r[0] for r in chain)
    source = max(r[3] for r in chain) - min(r[2] for r in chain)
    return target > source


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


Run = tuple[int, int, int, int]  # target start, target end, source start, source end


def _chain(runs: object, max_gap: int, overlap: int) -> list[tuple[int, int, int, list[Run]]]:
    """Greedy chaining of runs (in target order) into passages.

    Returns ``(strength, first segment, last segment, runs)`` per passage. Strength is the
    largest number of tokens aligned without inserted text in between: two short quotes with a
    comment between them are not one long passage, but a long copy with a sentence inserted
    still is. The first and last segments are what edge extension may lengthen.
    """
    done: list[tuple[int, int, int, list[Run]]] = []
    # [source doc, target end, source end, runs, segment, strength, first segment, in first]
    active: list[list] = []
    current_doc = -1

    def close(c: list) -> None:
        done.append((c[5], c[6], c[4], c[3]))

    for t_doc, s_doc, ts, te, ss, se in runs:  # type: ignore[attr-defined]
        if t_doc != current_doc:
            for c in active:
                close(c)
            active, current_doc = [], t_doc
        still = []
        for c in active:
            if ts - c[1] <= max_gap:
                still.append(c)
            else:
                close(c)
        active = still
        best, best_skew = None, max_gap + 1
        for c in active:
            if c[0] != s_doc:
                continue
            t_gap, s_gap = ts - c[1], ss - c[2]
            skew = abs(t_gap - s_gap)
            if s_gap > max_gap or s_gap < -overlap or skew > max_gap:
                continue  # too far, or back in the source (a phrase that occurs twice there)
            if skew < best_skew:
                best, best_skew = c, skew
        if best is None:
            active.append([s_doc, te, se, [(ts, te, ss, se)], te - ts, te - ts, te - ts, True])
            continue
        t_gap, s_gap = ts - best[1], ss - best[2]
        added = te - max(ts, best[1])
        if t_gap > max(s_gap, 0) + 2:  # inserted text: a new segment starts
            best[4], best[7] = added, False
        else:
            best[4] += added + max(t_gap, 0)
        if best[7]:
            best[6] = best[4]
        best[5] = max(best[5], best[4])
        best[1], best[2] = max(best[1], te), max(best[2], se)
        best[3].append((ts, te, ss, se))
    for c in active:
        close(c)
    return done


def _extend(
    chain: list[Run],
    hashes: np.ndarray,
    bounds: list[int],
    limit: int,
    edges: tuple[set[int], set[int]],
) -> tuple[list[Run], int, int]:
    """Grow a passage past its outermost shingles, inside the blocks where it starts and ends
    (``edges``: the first token and the end of every block), while tokens match, stepping over
    single mismatched tokens (typos near the edges of a copy). Returns the chain and the
    growth."""
    firsts, ends = edges
    ts, te, ss, se = chain[0]
    t_doc, s_doc = bisect.bisect_right(bounds, ts) - 1, bisect.bisect_right(bounds, ss) - 1
    t_lo, s_lo = bounds[t_doc], bounds[s_doc]
    back = 0
    while back < limit and ts not in firsts:
        if ts - 1 >= t_lo and ss - 1 >= s_lo and hashes[ts - 1] == hashes[ss - 1]:
            ts, ss, back = ts - 1, ss - 1, back + 1
        elif (
            ts - 2 >= t_lo
            and ss - 2 >= s_lo
            and ts - 1 not in firsts
            and hashes[ts - 2] == hashes[ss - 2]
        ):
            ts, ss, back = ts - 2, ss - 2, back + 2
        else:
            break
    first = (ts, te, ss, se)
    ts, te, ss, se = chain[-1] if len(chain) > 1 else first
    t_hi, s_hi = bounds[t_doc + 1], bounds[s_doc + 1]
    if s_doc == t_doc:
        s_hi = min(s_hi, first[0])  # the source may not run into its own copy
    forward = 0
    while forward < limit and te not in ends:
        if te < t_hi and se < s_hi and hashes[te] == hashes[se]:
            te, se, forward = te + 1, se + 1, forward + 1
        elif (
            te + 1 < t_hi
            and se + 1 < s_hi
            and te + 1 not in ends
            and hashes[te + 1] == hashes[se + 1]
        ):
            te, se, forward = te + 2, se + 2, forward + 2
        else:
            break
    if len(chain) == 1:
        return [(first[0], te, first[2], se)], back, forward
    return [first, *chain[1:-1], (ts, te, ss, se)], back, forward


def _mark(
    aligned: np.ndarray,
    weight: np.ndarray,
    chain: list[Run],
    grown: tuple[int, int],
    rank: int | None,
) -> None:
    """Write a passage's token alignment: runs one to one, small equal gaps as substitutions.

    Where passages overlap, a seeded token keeps the higher ``rank`` (6: a passage that
    copies whole blocks whole, 4: another that counts, 2: a short one), then the earliest source (``rank`` None, ``keep="longest"``: the
    longer run's); tokens bridged as a gap or only ``grown`` over at the passage's ends rank
    one below the passage's seeded tokens.
    """
    weak = 1 if rank is None else rank - 1  # the rank of bridged and grown tokens
    prev: Run | None = None
    for i, (ts, te, ss, se) in enumerate(chain):
        if prev is not None:
            gap_t, gap_s = ts - prev[1], ss - prev[3]
            if 0 < gap_t <= gap_s + 2:  # a substitution or deletion, not inserted text
                steps = np.minimum(np.arange(gap_t), max(gap_s - 1, 0))
                free = weight[prev[1] : ts] < weak
                source = prev[3] + steps if gap_s > 0 else np.full(gap_t, prev[3] - 1)
                aligned[prev[1] : ts][free] = source[free]
                weight[prev[1] : ts][free] = weak
        lo = ts + (grown[0] if i == 0 else 0)
        hi = te - (grown[1] if i == len(chain) - 1 else 0)
        for t in range(ts, te):
            src = ss + t - ts
            if lo <= t < hi:
                level = te - ts + 2 if rank is None else rank
                if weight[t] < level or (weight[t] == level and (rank is None or src < aligned[t])):
                    aligned[t], weight[t] = src, level
            elif weight[t] < weak:
                aligned[t], weight[t] = src, weak
        prev = (ts, te, ss, se) if prev is None or te >= prev[1] else prev


def _may_stand(
    chain: list[Run], sentences: np.ndarray, blocks: tuple[np.ndarray, np.ndarray]
) -> bool:
    """Whether a short passage may stand as a copy of its own: its source tokens hold a whole
    sentence of five tokens or more (from a token where one may open to one where one may
    close), or its target tokens a whole block."""
    s_lo, s_hi = min(r[2] for r in chain), max(r[3] for r in chain)
    opens = [t for t in range(s_lo, s_hi) if sentences[t] & MAY_OPEN]
    closes = [t for t in range(s_lo, s_hi) if sentences[t] & MAY_CLOSE]
    if opens and closes and closes[-1] - opens[0] + 1 >= SHORT_LINE_TOKENS:
        return True
    t_lo, t_hi = min(r[0] for r in chain), max(r[1] for r in chain)
    return any(t_lo <= a and b <= t_hi for a, b in zip(*blocks, strict=True))


def _formula(chain: list[Run], exact_hashes: np.ndarray, formulas: np.ndarray) -> bool:
    """Whether the tokens a passage spans in its target are a formula's (their sentence key,
    as the template set ``formulas`` marks the keys of formulas)."""
    first, end = min(r[0] for r in chain), max(r[1] for r in chain)
    key = sentence_keys(exact_hashes, np.array([first]), np.array([end]))
    return bool(formulas_among(key, formulas)[0])
