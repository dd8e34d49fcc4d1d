"""Reworded copies (``reuse="paraphrase"``): passages whose words were shuffled within a few
places, inserted, dropped or replaced by synonyms.

Shingles of five tokens in a row do not survive such edits, so this stage seeds on something
that does, in the shape of the text-alignment systems that do well on reworded copies:

1. **Words.** Each token is case-folded and cut to its first ``STEM`` letters (a crude stem:
   ``returns`` and ``returned`` are one word); stop words, numbers and one-letter tokens are
   dropped. What is left is each document's stream of content words.
2. **Seeds.** From every window of ``WINDOW`` consecutive content words, the sorted bags of
   three of them that hold the first word (a bag survives any order inside the window, and
   one word inserted, dropped or replaced), hashed to 64 bits. Like the shingle index, every
   bag points at its first occurrence in corpus order; a bag that stands more than
   ``COMMON`` times is a stock phrase, not evidence. A seed pairs a content word with the
   first occurrence of one of its bags in an earlier document.
3. **Passages.** A document's seeds into one source document are cut into clusters where
   two consecutive seeds lie more than ``GAP`` content words apart, alternately along the
   target and along the source, until no cut is left; a cluster with seeds at
   ``MIN_SEEDS`` target words or more is a candidate passage (the target and source spans
   from the first to the last word seeded).
4. **Verification.** A candidate is grown word by word past its outermost seeds and trimmed
   to words both sides hold; it counts when it holds ``MIN_WORDS`` content words that the
   exact stages kept, reads as prose (``SYMBOLS``), and the Dice coefficient of the two
   spans' content words (as multisets) reaches ``THRESHOLD`` (more for short passages: two
   texts on one topic share words, but not most of them); where the source span is
   ``COMPRESSION`` times longer than the passage (a summary: pieces merged across up to
   ``SUMMARY_GAP`` source words), the share of the passage's words that the source holds,
   times ``SUMMARY_SCALE``, counts when higher. Passages of one target that
   overlap keep the one covering more words; the rest are clipped or dropped, and so is text
   that an exact removal cites.
5. **Cuts.** The target span, with the punctuation clinging to its last word, is cut out of
   the blocks the exact stages kept, at the white space nearest its edges inside a line, and
   removed as a duplicate citing the source span with its score as its similarity.

Nothing that the exact stages decided changes; :func:`dedupe_docs.stages.settle.settle`
then restores any removal whose source did not survive, as for every other removal.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Sequence

import attrs
import numpy as np
import regex

from dedupe_docs.config import Config
from dedupe_docs.runtime.progress import BATCH, Progress, stage
from dedupe_docs.stages.decide import DUPLICATE, KEEP, NO_RULE, REWORDED, Units
from dedupe_docs.stages.sign import Signed

STEM = 6
"""Letters a word is cut to before it is compared (``configure``/``configured``: ``config``)."""
WINDOW = 4
"""Content words in a seed's window: its bags of three survive one edit and any order in it."""
COMMON = 20
"""A bag standing more often than this in the corpus is a stock phrase and seeds nothing."""
GAP = 10
"""Content words between two seeds beyond which a cluster is cut (along either text)."""
MIN_SEEDS = 5
"""Seeded target words a cluster needs to be a candidate passage."""
THRESHOLD = 0.55
"""Dice coefficient of the content words of a passage and its source from which a long
passage (``LONG`` content words or more) is a copy; also the least similarity a reworded
removal carries."""
SHORT_THRESHOLD = 0.8
"""The Dice coefficient a passage of ``MIN_WORDS`` content words needs: two short texts
on one topic share a larger share of their words by chance. Between the two lengths the
bar falls linearly."""
LONG = 60
EXTEND = 4
"""Content words an edge of a passage may move outward in one step of its extension."""
LEAD = 3
"""Stop words before the first content word of a passage that go with it (``in the`` archive)."""
SYMBOLS = 0.1
"""The largest share of punctuation and symbols among the characters of a reworded passage
(prose has about 0.03; code and program output 0.15 and more)."""
MIN_WORDS = 20
"""Content words (about 40 words of prose) a reworded passage needs: a sentence or two of
template text (``The full documentation for X is maintained as a Texinfo manual``) is
similar across documents without being a copy."""
"""Content words from which a passage needs ``THRESHOLD`` only."""
MERGE_GAP = 40
SUMMARY_GAP = 150
"""Content words the source may skip between two pieces of one passage: a summary keeps some
sentences of its source and leaves out the ones between."""
COMPRESSION = 1.5
"""How many times longer than the passage its source span must be to be read as a summary."""
SUMMARY_SCALE = 0.8
"""A summary's score: this share of the passage's content words that its source holds (a
summary holds few of its source's words, so Dice would say little)."""
"""Content words between two verified pieces of one passage beyond which they stay apart."""

_FUNCTION_WORDS = (
    "a about above after again against all also am an and any are as at be because been "
    "before being below between both but by can could did do does doing down during each "
    "few for from further had has have having he her here hers herself him himself his how "
    "i if in into is it its itself just may me might more most must my myself no nor not "
    "now of off on once only or other ought our ours ourselves out over own same shall she "
    "should so some such than that the their theirs them themselves then there these they "
    "this those through to too under until up upon very was we were what when where which "
    "while who whom why will with would you your yours yourself yourselves isn aren wasn "
    "weren doesn don didn hasn haven hadn won wouldn shouldn couldn cannot let via per "
    "within without however therefore thus hence"
)
STOP_WORDS = frozenset(_FUNCTION_WORDS.split())
"""English function words: they carry the syntax that rewording changes, not the content."""

_PUNCT_AFTER = regex.compile(r"[^\w\s]*")
_SPACE = regex.compile(r"\s+")
_WORD = regex.compile(r"\w")
_SENTENCE_END = regex.compile(r"[.!?;:]|\n\s*\n")
_SYMBOL = regex.compile(r"[^\w\s]")
_K = (
    np.uint64(0x9E3779B97F4A7C15),
    np.uint64(0xC2B2AE3D27D4EB4F),
    np.uint64(0x165667B19E3779F9),
)


def words(s: Signed, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """The content words of the corpus: the token each stands at, and a word id per content
    word. Tokens are looked at once per distinct matching form (case, marks and doubled
    letters folded), through its first occurrence, so the cost grows with the vocabulary."""
    if not len(s.tok_hash):
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    forms, first, inverse = np.unique(s.tok_hash, return_index=True, return_inverse=True)
    token_doc = np.searchsorted(s.doc_tokens, first, side="right") - 1
    vocabulary: dict[str, int] = {}
    ids = np.empty(len(forms), dtype=np.int64)
    starts, ends = s.tok_start[first].tolist(), s.tok_end[first].tolist()
    rows = zip(token_doc.tolist(), starts, ends, strict=True)
    for i, (d, a, b) in enumerate(rows):
        word = texts[d][a:b].casefold()
        if len(word) < 2 or word in STOP_WORDS or not word[0].isalpha():
            ids[i] = -1
        else:
            ids[i] = vocabulary.setdefault(word[:STEM], len(vocabulary))
    token_ids = ids[inverse.ravel()]
    at = np.flatnonzero(token_ids >= 0)
    return at, token_ids[at]


def seeds(word: np.ndarray, word_doc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (target content word, source content word): a bag of the target word's window
    first stands at the source word, in an earlier document."""
    n = len(word)
    if n < WINDOW:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    rows = n - WINDOW + 1
    window = np.stack([word[i : i + rows] for i in range(WINDOW)], axis=1).astype(np.uint64)
    same_doc = word_doc[WINDOW - 1 :] == word_doc[:rows]
    # The bags of three holding the window's first word; the bag of the other three is the
    # next window's first bag.
    bags = [(0, 1, 2), (0, 1, 3), (0, 2, 3)]
    hashes = np.empty((rows, len(bags)), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j, bag in enumerate(bags):
            triple = np.sort(window[:, bag], axis=1)
            h = triple[:, 0] * _K[0] ^ triple[:, 1] * _K[1] ^ triple[:, 2] * _K[2]
            h ^= h >> np.uint64(29)
            hashes[:, j] = h * _K[0]
    flat = hashes.ravel()
    valid = np.repeat(same_doc, len(bags))
    position = np.repeat(np.arange(rows), len(bags))[valid]
    flat = flat[valid]
    _, first, inverse, counts = np.unique(
        flat, return_index=True, return_inverse=True, return_counts=True
    )
    source = position[first[inverse]]
    keep = (counts[inverse] <= COMMON) & (word_doc[source] < word_doc[position])
    pairs = np.unique(position[keep].astype(np.int64) * n + source[keep])
    return pairs // n, pairs % n


def clusters(target: np.ndarray, source: np.ndarray) -> list[tuple[int, int, int, int, int]]:
    """Cut the seeds of one target and one source document into clusters (see the module):
    ``(target first, target last, source first, source last, seeded target words)``. Groups
    of seeds are small: plain lists beat NumPy's cost per call here."""
    out = []
    pending = [list(zip(target.tolist(), source.tolist(), strict=True))]
    while pending:
        members = pending.pop()
        for axis in (0, 1):
            members.sort(key=lambda seed: seed[axis])
            cuts = [
                i for i in range(1, len(members)) if members[i][axis] - members[i - 1][axis] > GAP
            ]
            if cuts:
                edges = [0, *cuts, len(members)]
                pending.extend(members[i:j] for i, j in itertools.pairwise(edges))
                break
        else:
            seeded = len({t for t, _ in members})
            if seeded >= MIN_SEEDS:
                ts, ss = [t for t, _ in members], [s for _, s in members]
                out.append((min(ts), max(ts), min(ss), max(ss), seeded))
    return out


def prose(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` reads as prose: at most ``SYMBOLS`` of its characters
    other than white space are punctuation or symbols. Code and program output differ from
    their siblings in names, not in wording (``cannot borrow `v` as mutable``)."""
    chars = _SPACE.sub("", text[start:end])
    return len(_SYMBOL.findall(chars)) <= SYMBOLS * len(chars)


def needed(n: int, min_words: int) -> float:
    """The Dice coefficient a passage of ``n`` content words needs (see ``SHORT_THRESHOLD``)."""
    if n >= LONG or min_words >= LONG:
        return THRESHOLD
    share = (LONG - max(n, min_words)) / (LONG - min_words)
    return THRESHOLD + (SHORT_THRESHOLD - THRESHOLD) * share


def _merged(
    spans: list[tuple[int, int, int, int]], word: np.ndarray
) -> list[tuple[int, int, int, int]]:
    """Clusters of one target and one source (sorted by target) joined where the next starts
    at most ``MERGE_GAP`` content words after the one before ends in the target (and at most
    ``SUMMARY_GAP`` in the source, which a summary skips through), and the joined passage
    still verifies: a passage cut by a stretch of rewording is one passage."""
    out: list[tuple[int, int, int, int]] = []
    for t0, t1, s0, s1 in spans:
        if out:
            p0, p1, q0, q1 = out[-1]
            near = t0 - p1 <= MERGE_GAP and -MERGE_GAP <= s0 - q1 <= SUMMARY_GAP and s1 > q0
            if near:
                joined = (p0, max(p1, t1), min(q0, s0), max(q1, s1))
                if _score(word, *joined) >= THRESHOLD:
                    out[-1] = joined
                    continue
        out.append((t0, t1, s0, s1))
    return out


def _trimmed(word: np.ndarray, t0: int, t1: int, s0: int, s1: int) -> tuple[int, int, int, int]:
    """The passage without the words at its edges that the other side does not hold (a
    seed's window runs a word or two past the copy)."""
    for _ in range(2):
        mine, theirs = word[t0 : t1 + 1].tolist(), word[s0 : s1 + 1].tolist()
        in_source, in_target = set(theirs), set(mine)
        hits = [i for i, w in enumerate(mine) if w in in_source]
        back = [i for i, w in enumerate(theirs) if w in in_target]
        if not hits or not back:
            break
        t0, t1 = t0 + hits[0], t0 + hits[-1]
        s0, s1 = s0 + back[0], s0 + back[-1]
    return t0, t1, s0, s1


def _edges(s: Signed, text: str, at: np.ndarray, a: int, b: int, doc: int) -> tuple[int, int]:
    """The characters of content words ``a..b`` of document ``doc``, with the stop words
    around them inside their sentence (``in the`` archive, archive ``the``: up to ``LEAD`` on
    either side) and the punctuation that clings to the last word."""
    first, last = int(at[a]), int(at[b])
    floor = max(int(at[a - 1]) + 1 if a else 0, int(s.doc_tokens[doc]), first - LEAD)
    while first > floor and not _SENTENCE_END.search(
        text, int(s.tok_end[first - 1]), int(s.tok_start[first])
    ):
        first -= 1
    ceiling = min(int(at[b + 1]) - 1 if b + 1 < len(at) else last + LEAD, last + LEAD)
    ceiling = min(ceiling, int(s.doc_tokens[doc + 1]) - 1)
    while last < ceiling and not _SENTENCE_END.search(
        text, int(s.tok_end[last]), int(s.tok_start[last + 1])
    ):
        last += 1
    end = int(s.tok_end[last])
    return int(s.tok_start[first]), end + len(_PUNCT_AFTER.match(text, end).group())


def _cited(
    units: Units, word_doc: np.ndarray, word_start: np.ndarray, word_end: np.ndarray
) -> np.ndarray:
    """Per content word, whether a removal of ``units`` cites the text it stands in."""
    cited = np.flatnonzero((units.reason != KEEP) & (units.src_doc >= 0))
    out = np.zeros(len(word_doc), dtype=bool)
    if not len(cited):
        return out
    key = word_doc.astype(np.int64) * (1 << 40)
    doc = units.src_doc[cited].astype(np.int64) * (1 << 40)
    first = np.searchsorted(key + word_end, doc + units.src_start[cited], side="right")
    last = np.searchsorted(key + word_start, doc + units.src_end[cited], side="left")
    depth = np.zeros(len(word_doc) + 1, dtype=np.int64)
    np.add.at(depth, first, 1)
    np.add.at(depth, np.maximum(last, first), -1)
    return np.cumsum(depth[:-1]) > 0


def _removed(units: Units, word_doc: np.ndarray, word_start: np.ndarray) -> np.ndarray:
    """Per content word, whether a unit that is not kept holds it."""
    gone = np.flatnonzero(units.reason != KEEP)
    if not len(gone):
        return np.zeros(len(word_doc), dtype=bool)
    lo = units.doc[gone].astype(np.int64) * (1 << 40) + units.start[gone]
    hi = units.doc[gone].astype(np.int64) * (1 << 40) + units.end[gone]
    key = word_doc.astype(np.int64) * (1 << 40) + word_start
    i = np.searchsorted(lo, key, side="right") - 1
    return (i >= 0) & (key < hi[np.maximum(i, 0)])


def _extended(
    word: np.ndarray, word_doc: np.ndarray, t0: int, t1: int, s0: int, s1: int
) -> tuple[int, int, int, int]:
    """The passage grown word by word past its outermost seeds: an edge moves up to
    ``EXTEND`` content words outward to a word that the other side holds near its own edge
    (the copy's last words, where no bag of three survived), until neither edge moves."""
    reach = EXTEND + 2  # how far an edge looks, and moves at most, per step
    t_lo, t_hi = _doc_range(word_doc, t0)
    s_lo, s_hi = _doc_range(word_doc, s0)
    for _ in range(len(word)):
        a = _step(word, t0, -1, t_lo, t_hi, set(word[max(s0 - EXTEND, s_lo) : s0 + 2].tolist()))
        b = _step(word, t1, 1, t_lo, t_hi, set(word[max(s1 - 1, s_lo) : s1 + reach].tolist()))
        c = _step(word, s0, -1, s_lo, s_hi, set(word[max(t0 - EXTEND, t_lo) : t0 + 2].tolist()))
        d = _step(word, s1, 1, s_lo, s_hi, set(word[max(t1 - 1, t_lo) : t1 + reach].tolist()))
        if (a, b, c, d) == (t0, t1, s0, s1):
            break
        t0, t1, s0, s1 = a, b, min(c, s1), max(d, s0)
    return t0, t1, s0, s1


def _doc_range(word_doc: np.ndarray, at: int) -> tuple[int, int]:
    """The content words of the document of content word ``at``."""
    doc = word_doc[at]
    return int(np.searchsorted(word_doc, doc)), int(np.searchsorted(word_doc, doc, "right"))


def _step(word: np.ndarray, edge: int, step: int, lo: int, hi: int, other: set[int]) -> int:
    """The farthest of the ``EXTEND`` words beyond ``edge`` (inside ``lo..hi``) that
    ``other`` holds, else ``edge``."""
    for j in range(EXTEND, 0, -1):
        at = edge + step * j
        if lo <= at < hi and int(word[at]) in other:
            return at
    return edge


def _score(word: np.ndarray, t0: int, t1: int, s0: int, s1: int) -> float:
    """The Dice coefficient of a passage and its source span, or, where the source is
    ``COMPRESSION`` times longer or more (a summary), the share of the passage's words that
    the source holds, scaled down by ``SUMMARY_SCALE``."""
    a, b = word[t0 : t1 + 1], word[s0 : s1 + 1]
    score = dice(a, b)
    if len(b) >= COMPRESSION * len(a):
        common = Counter(a.tolist()) & Counter(b.tolist())
        score = max(score, SUMMARY_SCALE * sum(common.values()) / len(a))
    return score


def dice(a: np.ndarray, b: np.ndarray) -> float:
    """Dice coefficient of two multisets of word ids."""
    if not len(a) or not len(b):
        return 0.0
    common = Counter(a.tolist()) & Counter(b.tolist())
    return 2 * sum(common.values()) / (len(a) + len(b))


def passages(
    s: Signed,
    texts: Sequence[str],
    units: Units,
    config: Config,
    progress: Progress | None = None,
) -> list[tuple[int, int, int, int, int, int, float]]:
    """Verified reworded passages, as ``(doc, start, end, source doc, source start, source
    end, similarity)`` in characters, sorted by document and start, not overlapping. A
    passage needs ``MIN_WORDS`` content words that ``units`` keep. ``progress`` hears of stage
    ``reworded`` in documents: the candidates are verified document by document, which is
    where the time goes."""
    n_docs = len(texts)
    stage(progress, "reworded", 0, n_docs)
    at, word = words(s, texts)
    if not len(at):
        return []
    word_doc = np.searchsorted(s.doc_tokens, at, side="right") - 1
    removed = _removed(units, word_doc, s.tok_start[at])
    target, source = seeds(word, word_doc)
    if not len(target):
        return []
    t_doc, s_doc = word_doc[target], word_doc[source]
    order = np.lexsort((source, target, s_doc, t_doc))
    target, source, t_doc, s_doc = target[order], source[order], t_doc[order], s_doc[order]
    new = np.ones(len(target), dtype=bool)
    new[1:] = (t_doc[1:] != t_doc[:-1]) | (s_doc[1:] != s_doc[:-1])
    bounds = np.append(np.flatnonzero(new), len(target))
    # Seeds into a source of which the exact stages removed every seeded word need no second
    # look (a corpus full of verbatim copies).
    kept = np.add.reduceat((~removed[target]).astype(np.int64), bounds[:-1])
    wanted = np.repeat((kept >= MIN_SEEDS) & (np.diff(bounds) >= MIN_SEEDS), np.diff(bounds))
    # Clusters are first cut along the target, so they lie inside runs of seeds less than GAP
    # apart: runs seeding fewer than MIN_SEEDS words (chance bags shared by two documents)
    # are dropped here, in one pass over all seeds.
    cut = new.copy()
    cut[1:] |= np.diff(target) > GAP
    fresh = cut.copy()
    fresh[1:] |= target[1:] != target[:-1]
    run = np.cumsum(cut) - 1
    seeded = np.bincount(run, weights=fresh)[run] >= MIN_SEEDS
    keep = np.flatnonzero(wanted & seeded)
    pieces = np.split(keep, np.flatnonzero(np.diff(run[keep]) != 0) + 1) if len(keep) else []
    min_words = MIN_WORDS
    found: list[tuple[int, int, int, int, int, float]] = []  # by target words
    by_pair = itertools.groupby(
        pieces, key=lambda piece: int(np.searchsorted(bounds, piece[0], "right"))
    )
    reported = 0
    for _, runs in by_pair:
        runs = list(runs)
        lo = int(runs[0][0])
        if int(t_doc[lo]) >= reported + BATCH:  # the documents before this one are done
            reported = int(t_doc[lo])
            stage(progress, "reworded", reported, n_docs)
        doc_end = int(np.searchsorted(word_doc, word_doc[target[lo]], "right")) - 1
        src_end = int(np.searchsorted(word_doc, word_doc[source[lo]], "right")) - 1
        spans = sorted(
            (t0, min(t1 + WINDOW - 1, doc_end), s0, min(s1 + WINDOW - 1, src_end))
            for piece in runs
            for t0, t1, s0, s1, _ in clusters(target[piece], source[piece])
        )
        for t0, t1, s0, s1 in _merged(spans, word):
            t0, t1, s0, s1 = _extended(word, word_doc, *_trimmed(word, t0, t1, s0, s1))
            if t1 - t0 + 1 < min_words:
                continue
            score = _score(word, t0, t1, s0, s1)
            start, end = int(s.tok_start[at[t0]]), int(s.tok_end[at[t1]])
            if score >= needed(t1 - t0 + 1, min_words) and prose(texts[int(t_doc[lo])], start, end):
                found.append((t0, t1, s0, s1, int(word_doc[s0]), score))
    # Overlapping passages of one target: the one covering more words wins, the others are
    # clipped to what it leaves (and dropped when too little is left). Text that an exact
    # removal cites stays too: a verbatim copy of it would lose its source.
    found.sort(key=lambda p: (-(p[1] - p[0]), p[0], p[4]))
    taken = _cited(units, word_doc, s.tok_start[at], s.tok_end[at])
    chosen = []
    for t0, t1, s0, s1, doc, score in found:
        free = np.flatnonzero(~taken[t0 : t1 + 1]) + t0
        if len(free) < min_words:
            continue
        runs = np.split(free, np.flatnonzero(np.diff(free) > 1) + 1)
        longest = max(runs, key=len)
        if np.count_nonzero(~removed[longest]) < min_words:
            continue
        a, b = int(longest[0]), int(longest[-1])
        if (a, b) != (t0, t1):  # clipped: its source share scales with it
            share = (s1 - s0) / max(t1 - t0, 1)
            s0, s1 = s0 + round((a - t0) * share), s0 + round((b - t0) * share)
            score = dice(word[a : b + 1], word[s0 : s1 + 1])
            if score < needed(b - a + 1, min_words):
                continue
        taken[a : b + 1] = True
        chosen.append((a, b, s0, s1, doc, score))
    out = []
    for a, b, s0, s1, doc, score in chosen:
        d = int(word_doc[a])
        start, end = _edges(s, texts[d], at, a, b, d)
        s_start, s_end = _edges(s, texts[doc], at, s0, s1, doc)
        similarity = math.floor(score * 10_000) / 10_000
        out.append((d, start, end, doc, s_start, s_end, similarity))
    out.sort()
    return out


def apply(units: Units, texts: Sequence[str], found: Sequence[tuple[int, ...]]) -> Units:
    """``units`` with the ``found`` passages cut out of their kept units (at white space inside
    a line) and removed as duplicates. Units already removed stay removed; the copies of the
    same source document inside a passage become part of it (rule ``reworded``), so that
    the passage is one removal."""
    if not found:
        return units
    keys = units.doc.astype(np.int64) * (1 << 40) + units.start
    by_unit: dict[int, list[tuple[int, ...]]] = {}
    rule = units.rule.copy()
    for p in found:
        p_doc, p_start, p_end, p_src = int(p[0]), int(p[1]), int(p[2]), int(p[3])
        lo = max(int(np.searchsorted(keys, p_doc * (1 << 40) + p_start, "right")) - 1, 0)
        hi = int(np.searchsorted(keys, p_doc * (1 << 40) + p_end, "left"))
        for u in range(lo, hi):
            if units.doc[u] != p_doc or units.end[u] <= p_start:
                continue
            if units.reason[u] == KEEP:
                by_unit.setdefault(u, []).append(p)
            elif units.reason[u] == DUPLICATE and units.src_doc[u] == p_src:
                rule[u] = REWORDED
    units = attrs.evolve(units, rule=rule)
    rows: list[tuple[int, int, int, int, int, int, int, float, int]] = []
    changed = np.zeros(len(units.doc), dtype=bool)
    for u, hits in sorted(by_unit.items()):
        pieces = _cut(texts[int(units.doc[u])], int(units.start[u]), int(units.end[u]), hits)
        if pieces is None:
            continue
        changed[u] = True
        rows.extend((int(units.doc[u]), *piece) for piece in pieces)
    if not rows:
        return units
    stay = np.flatnonzero(~changed)
    new = list(zip(*rows, strict=True))
    columns = []
    for field, values in zip(attrs.fields(Units), new, strict=True):
        old = getattr(units, field.name)
        columns.append(np.concatenate([old[stay], np.array(values, dtype=old.dtype)]))
    order = np.lexsort((columns[1], columns[0]))
    return Units(*(c[order] for c in columns))


def _cut(
    text: str, u0: int, u1: int, hits: Sequence[tuple[int, ...]]
) -> list[tuple[int, int, int, int, int, int, float, int]] | None:
    """The pieces of the kept unit ``u0..u1`` with the passages ``hits`` (sorted) cut out:
    ``(start, end, reason, source doc, source start, source end, similarity, rule)``. A passage
    edge inside the unit moves to the nearest white space outward; kept pieces without a word
    character join the removal next to them. None when nothing is cut."""
    pieces: list[tuple[int, int, int, int, int, int, float, int]] = []
    cursor = u0
    for _, p_start, p_end, src_doc, src_start, src_end, sim in hits:
        a, b = max(cursor, int(p_start)), min(u1, int(p_end))
        if a >= b:
            continue
        if a > cursor:  # cut at the last white space before the passage starts
            spaces = list(_SPACE.finditer(text, cursor, a))
            a = spaces[-1].end() if spaces else cursor
        if b < u1:  # and at the first white space after it ends
            space = _SPACE.search(text, b, u1)
            b = space.start() if space else u1
        if a >= b or not _WORD.search(text, a, b):
            continue
        head_end = cursor + len(text[cursor:a].rstrip())
        if _WORD.search(text, cursor, head_end):
            pieces.append((cursor, head_end, KEEP, -1, -1, -1, math.nan, NO_RULE))
        elif pieces and pieces[-1][2] == DUPLICATE and pieces[-1][3] == src_doc:
            a = pieces[-1][0]  # joins the removal before it
            pieces.pop()
        else:
            a = cursor
        source = (int(src_doc), int(src_start), int(src_end))
        pieces.append((a, b, DUPLICATE, *source, float(sim), REWORDED))
        space = _SPACE.match(text, b, u1)
        cursor = space.end() if space else b
    if not pieces:
        return None
    if cursor < u1:
        if _WORD.search(text, cursor, u1):
            pieces.append((cursor, u1, KEEP, -1, -1, -1, math.nan, NO_RULE))
        else:
            last = pieces.pop()
            pieces.append((last[0], u1, *last[2:]))
    return pieces


def find(
    s: Signed,
    texts: Sequence[str],
    units: Units,
    config: Config,
    progress: Progress | None = None,
) -> Units:
    """``units`` with the corpus's reworded copies removed (see the module); ``progress``
    hears of stage ``reworded``, in documents, ending with all of them done."""
    found = apply(units, texts, passages(s, texts, units, config, progress))
    stage(progress, "reworded", len(texts), len(texts))
    return found
