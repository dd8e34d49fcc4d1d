"""Generate a text-reuse corpus: source documents, suspicious documents with pasted passages,
and the gold alignment of every case.

The shape follows the standard text-alignment corpora: documents of real prose (here from
:mod:`benchmarks.reuse.pool`), hard-wrapped at a width of their own (or one paragraph a line);
passages of 50-1,000 words, whole sentences, cut from a source document and pasted into a
suspicious document at a sentence boundary in the middle of one of its paragraphs, where they
are re-wrapped with the surrounding text. Each suspicious document holds one kind of reuse
(one to three cases, from any sources) or none:

* ``verbatim``: the passage as it was (its paragraph breaks kept in half the cases);
* ``random``: random word operations (:func:`obfuscate.random_operations`);
* ``paraphrase``: rule-based rewording (:func:`obfuscate.paraphrase`);
* ``summary``: a compressed selection of sentences of a 300-1,000-word passage; its gold
  source span is the whole passage.

A case's gold is ``{"id", "start", "end", "kind", "source": {"id", "start", "end"}}``: the
pasted text in the suspicious document and the passage in the source, as code-point offsets,
end-exclusive, from the first to the last character of a word. Sources never overlap, so
every source character belongs to at most one case. Everything is drawn from one
``random.Random`` seeded with ``seed``: the same pool, thesaurus and seed give the same corpus.
"""

from __future__ import annotations

import itertools
import math
import random
import re
from collections import Counter
from typing import Any

import attrs

from benchmarks.reuse import obfuscate
from benchmarks.reuse.thesaurus import Thesaurus

KINDS = ("verbatim", "random", "paraphrase", "summary")
"""Reuse kinds, one per suspicious document."""

Record = dict[str, Any]
Sentence = list[str]
Paragraph = list[Sentence]

WIDTHS = (0, 0, 0, 0, 0, 60, 70, 72, 76, 80)
"""Wrap widths a document is drawn from; 0 is one paragraph a line."""

_ABBREVIATIONS = frozenset(("e.g.", "i.e.", "etc.", "vs.", "cf.", "mr.", "dr.", "no.", "fig."))
_END = re.compile(r"[.!?][)\"'’”]*$")


def sentences(paragraph: str) -> Paragraph:
    """A paragraph split into sentences of words (after ``.``, ``!`` or ``?`` followed by a
    capital, a digit or an opening quote, except after a known abbreviation).

    >>> sentences("It works. See e.g. Table 2. Done!")
    [['It', 'works.'], ['See', 'e.g.', 'Table', '2.'], ['Done!']]
    """
    words = paragraph.split()
    out: Paragraph = []
    current: Sentence = []
    for i, word in enumerate(words):
        current.append(word)
        nxt = words[i + 1] if i + 1 < len(words) else ""
        if not nxt or (
            _END.search(word)
            and word.lower() not in _ABBREVIATIONS
            and (nxt[:1].isupper() or nxt[:1].isdigit() or nxt[:1] in "\"'“‘(")
        ):
            out.append(current)
            current = []
    return out


def layout(paragraphs: list[list[str]], width: int) -> tuple[str, list[tuple[int, int]]]:
    """Paragraphs of words as text: greedily wrapped at ``width`` (0: one line each),
    separated by a blank line, ending in a newline. Returns the text and each word's
    ``(start, end)``, in order.

    >>> layout([["a", "bb", "c"], ["d"]], 4)
    ('a bb\\nc\\n\\nd\\n', [(0, 1), (2, 4), (5, 6), (8, 9)])
    """
    parts: list[str] = []
    spans: list[tuple[int, int]] = []
    pos = 0
    for p, words in enumerate(paragraphs):
        if p:
            parts.append("\n")
            pos += 1
        column = 0
        for i, word in enumerate(words):
            if i:
                sep = "\n" if width and column + 1 + len(word) > width else " "
                parts.append(sep)
                pos += 1
                column = 0 if sep == "\n" else column + 1
            parts.append(word)
            spans.append((pos, pos + len(word)))
            pos += len(word)
            column += len(word)
        parts.append("\n")
        pos += 1
    return "".join(parts), spans


@attrs.frozen
class Settings:
    """How big the corpus is and how its cases are drawn."""

    source_share: float = 0.7
    """Share of the pool's pages that go to source documents (the rest: suspicious ones)."""
    source_words: tuple[int, int] = (1500, 5000)
    """Words of prose per source document (drawn uniformly)."""
    suspicious_words: tuple[int, int] = (200, 1000)
    """Words of its own prose per suspicious document."""
    joined: int = 8
    """A document's paragraph joins 1 to this many consecutive paragraphs of a page."""
    cases: tuple[int, int] = (1, 4)
    """Cases per suspicious document that has any."""
    negative_share: float = 0.1
    """Share of suspicious documents without any case."""
    passage_words: tuple[int, int] = (50, 1000)
    """Passage length in words, drawn log-uniformly (summaries: their source passage)."""
    summary_words: tuple[int, int] = (300, 1000)
    """Length of the passage a summary is made of."""
    random_intensity: tuple[float, float] = (0.2, 0.45)
    """Random operations per word (drawn uniformly per case)."""
    summary_keep: tuple[float, float] = (0.2, 0.4)
    """Share of a summarised passage's sentences kept."""
    word_boundaries: float = 0.5
    """Share of passages that start and end at any word (the rest: whole sentences)."""
    inside_sentence: float = 0.5
    """Share of passages pasted between any two words of a paragraph (the rest: at a
    sentence boundary)."""


def _documents(
    pages: list[list[str]], rng: random.Random, words: tuple[int, int], joined: int
) -> list[list[Paragraph]]:
    """Consecutive paragraphs grouped into documents of about ``words`` words each; 1 to
    ``joined`` consecutive paragraphs of a page make one paragraph of a document (web pages
    and essays have longer paragraphs than a manual)."""
    docs: list[list[Paragraph]] = []
    current: list[Paragraph] = []
    size, target = 0, rng.randint(*words)
    for page in pages:
        at = 0
        while at < len(page):
            take = rng.randint(1, joined)
            split = sentences(" ".join(page[at : at + take]))
            at += take
            current.append(split)
            size += sum(len(s) for s in split)
            if size >= target:
                docs.append(current)
                current, size, target = [], 0, rng.randint(*words)
    if current and size >= words[0]:
        docs.append(current)
    return docs


@attrs.define
class _Source:
    """A source document's words, where each word ended up, and what was copied already."""

    id: str
    words: list[str]
    paragraph: list[int]  # paragraph index of each word
    sentence_starts: list[int]  # index of each sentence's first word, and the word count
    spans: list[tuple[int, int]]
    used: list[tuple[int, int]] = attrs.Factory(list)  # word ranges already copied

    def passage(self, rng: random.Random, words: int, whole: bool) -> tuple[int, int] | None:
        """A free word range of about ``words`` words, of whole sentences or (``whole`` false)
        starting and ending anywhere; None if there is none."""
        n = len(self.words)
        for _ in range(20):
            if whole:
                k = rng.randrange(len(self.sentence_starts) - 1)
                first = self.sentence_starts[k]
                last = next((x for x in self.sentence_starts[k + 1 :] if x - first >= words), n)
            else:
                first = rng.randrange(n)
                last = min(n, first + words)
            if last - first < min(words, 50) or any(a < last and first < b for a, b in self.used):
                continue
            self.used.append((first, last))
            return first, last
        return None

    def sentences(self, first: int, last: int) -> list[list[str]]:
        """The words ``first:last`` split at sentence starts."""
        cuts = [first, *(x for x in self.sentence_starts if first < x < last), last]
        return [self.words[a:b] for a, b in itertools.pairwise(cuts)]

    def paragraphs(self, first: int, last: int) -> list[list[str]]:
        """The words ``first:last`` split at paragraph breaks."""
        out: list[list[str]] = []
        for i in range(first, last):
            if i == first or self.paragraph[i] != self.paragraph[i - 1]:
                out.append([])
            out[-1].append(self.words[i])
        return out


def _pick(
    rng: random.Random, sources: list[_Source], words: int, whole: bool
) -> tuple[_Source, int, int]:
    for _ in range(50):
        src = rng.choice(sources)
        found = src.passage(rng, words, whole)
        if found:
            return src, *found
    raise ValueError("the pool is too small for the cases asked for")


def generate(
    pool: list[tuple[str, str]],
    thesaurus: Thesaurus,
    seed: int = 1,
    settings: Settings | None = None,
) -> tuple[list[Record], list[Record]]:
    """The corpus from a pool of ``(page, paragraph)``: documents (sources first, then
    suspicious documents; ``{"id", "text", "role", "kind"}``) and the gold cases."""
    cfg = settings or Settings()
    rng = random.Random(f"reuse-{seed}")
    pages: dict[str, list[str]] = {}
    for page, paragraph in pool:
        pages.setdefault(page, []).append(paragraph)
    source_pages: list[list[str]] = []
    own_pages: list[list[str]] = []
    for paragraphs in pages.values():
        (source_pages if rng.random() < cfg.source_share else own_pages).append(paragraphs)
    counts = Counter(w.lower() for _, p in pool for w in p.split() if w.isalpha())
    vocabulary = sorted(counts.elements())
    known = frozenset(w for w, c in counts.items() if c >= 2)

    docs: list[Record] = []
    sources: list[_Source] = []
    for n, paragraphs in enumerate(_documents(source_pages, rng, cfg.source_words, cfg.joined)):
        doc_id = f"source-document{n:05d}.txt"
        text, spans = layout([[w for s in p for w in s] for p in paragraphs], rng.choice(WIDTHS))
        words = [w for p in paragraphs for s in p for w in s]
        where = [i for i, p in enumerate(paragraphs) for s in p for _ in s]
        starts, at = [], 0
        for sentence in (s for p in paragraphs for s in p):
            starts.append(at)
            at += len(sentence)
        sources.append(_Source(doc_id, words, where, [*starts, at], spans))
        docs.append({"id": doc_id, "text": text, "role": "source", "kind": None})

    gold: list[Record] = []
    own_docs = _documents(own_pages, rng, cfg.suspicious_words, cfg.joined)
    for n, paragraphs in enumerate(own_docs):
        doc_id = f"suspicious-document{n:05d}.txt"
        kind = None if rng.random() < cfg.negative_share else KINDS[n % len(KINDS)]
        count = 0 if kind is None else min(len(paragraphs), rng.randint(*cfg.cases))
        inserts: dict[int, tuple[int, Record, list[list[str]]]] = {}
        for p in sorted(rng.sample(range(len(paragraphs)), count)):
            case, pasted = _case(kind or "", sources, rng, cfg, thesaurus, vocabulary, known)
            own = [w for s in paragraphs[p] for w in s]
            if rng.random() < cfg.inside_sentence:  # between any two words
                at = rng.randint(1, len(own) - 1)
                case["inserted"] = "word"
            else:  # at a sentence boundary, inside the paragraph where it has one
                bounds = list(itertools.accumulate(len(s) for s in paragraphs[p]))
                at = rng.choice(bounds[:-1] or [0, bounds[-1]])
                case["inserted"] = "sentence"
            inserts[p] = (at, case, pasted)
        width = rng.choice(WIDTHS)
        tagged: list[list[tuple[str, int | None]]] = []
        cases: list[Record] = []
        for p, para in enumerate(paragraphs):
            own_words = [(w, None) for s in para for w in s]
            if p not in inserts:
                tagged.append(own_words)
                continue
            at, case, pasted = inserts[p]
            tag = len(cases)
            cases.append({**case, "width": width})
            pieces = [[(w, tag) for w in piece] for piece in pasted]
            head, tail = own_words[:at], own_words[at:]
            pieces[0] = head + pieces[0]
            pieces[-1] = pieces[-1] + tail
            tagged.extend(pieces)
        text, spans = layout([[w for w, _ in p] for p in tagged], width)
        tags = [t for p in tagged for _, t in p]
        for tag, case in enumerate(cases):
            where = [spans[i] for i, t in enumerate(tags) if t == tag]
            gold.append({"id": doc_id, "start": where[0][0], "end": where[-1][1], **case})
        docs.append({"id": doc_id, "text": text, "role": "suspicious", "kind": kind})
    return docs, gold


def _case(
    kind: str,
    sources: list[_Source],
    rng: random.Random,
    cfg: Settings,
    thesaurus: Thesaurus,
    vocabulary: list[str],
    known: frozenset[str],
) -> tuple[Record, list[list[str]]]:
    """One case: its gold (without the suspicious span) and the pasted text as paragraphs of
    words."""
    low, high = cfg.summary_words if kind == "summary" else cfg.passage_words
    target = round(math.exp(rng.uniform(math.log(low), math.log(high))))
    whole = rng.random() >= cfg.word_boundaries
    src, first, last = _pick(rng, sources, target, whole)
    case: Record = {
        "kind": kind,
        "source": {"id": src.id, "start": src.spans[first][0], "end": src.spans[last - 1][1]},
        "source_words": last - first,
        "cut": "sentence" if whole else "word",
    }
    if kind == "verbatim":
        if rng.random() < 0.5:  # keep the passage's paragraph breaks
            return case, src.paragraphs(first, last)
        return case, [src.words[first:last]]
    if kind == "random":
        intensity = rng.uniform(*cfg.random_intensity)
        case["intensity"] = round(intensity, 3)
        pasted = obfuscate.random_operations(
            src.words[first:last], rng, thesaurus, vocabulary, intensity
        )
        return case, [pasted]
    texts = [" ".join(s) for s in src.sentences(first, last)]
    if kind == "paraphrase":
        new = obfuscate.paraphrase(texts, rng, thesaurus, known)
    else:
        keep = rng.uniform(*cfg.summary_keep)
        new = obfuscate.summarise(texts, rng, thesaurus, known, keep)
    return case, [" ".join(new).split()]
