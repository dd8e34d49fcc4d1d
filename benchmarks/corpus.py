"""Deterministic generator of planted-duplicate corpora built from real prose.

Why: precision and recall need a ground truth. Every planted copy is recorded in ``gold.jsonl``
(copy span, source span, noise kind); everything else is unique prose from ``prose.py``, plus
"trap" paragraphs that share short common phrases (gold: nothing to remove), and "mosaic"
paragraphs assembled from sentences of earlier documents plus new ones (gold: each copied sentence
is a duplicate of its source; the new sentences, kind ``mosaic_new``, must stay). Documents are
written one at a time, so a 1 GB corpus never sits in memory. Past the unique prose a machine
offers (18.5 MB on the machine of ``RESULTS.md``, most of it Debian's docs; the installed
packages alone give several MB, more than the 2 MB gate corpus needs), later "generations"
remap content words through a seeded vocabulary permutation: same sentence shapes and word
statistics, new (still unique) text. The unplanted corpus (``planted=False``) does not remap:
it ends where the pool ends.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import re
import shutil
import zlib
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks import noise
from benchmarks.prose import build_pool

KINDS = [*noise.NOISE, "inserted_sentence", "repeat", "near_copy_doc", "mosaic"]
NEGATIVE = ("trap", "mosaic_new")  # gold spans that must be kept: removing them is a false positive
MIN_WORDS = 25
MOSAIC_WORDS = (12, 20)  # words in a sentence a mosaic copies
VERSION = 4  # bump when the output of the generator changes
POOL_VERSION = 3  # bump when prose.py's selection changes (part of the corpus parameters)
_WORD = re.compile(r"\w+")
_ALPHA = re.compile(r"[^\W\d_]{4,}")
_STOP_WORDS = (  # frequent long words kept as they are when remapping generations
    "that this with from have which will were when there their they been into than then them"
    " what other also only some such more most must each does your these those used uses"
    " here where would could should about after before over under very same like just"
)
_STOP = frozenset(_STOP_WORDS.split())


def _words(text: str) -> int:
    return len(_WORD.findall(text))


@dataclass
class Source:
    doc: str
    start: int
    end: int
    text: str


@dataclass
class _Doc:
    id: str
    parts: list[str] = field(default_factory=list)
    size: int = 0
    gold: list[dict[str, object]] = field(default_factory=list)
    eligible: list[Source] = field(default_factory=list)
    blocks: list[Source] = field(default_factory=list)

    def add(self, text: str, glue: bool = False) -> tuple[int, int]:
        if self.parts:
            sep = "\n" if glue else "\n\n"
            self.parts.append(sep)
            self.size += len(sep)
        start = self.size
        self.parts.append(text)
        self.size += len(text)
        return start, self.size


def _remap(lines: list[str], gen: int, vocab: list[str]) -> list[str]:
    def sub(m: re.Match[str]) -> str:
        w = m[0]
        low = w.lower()
        if low in _STOP:
            return w
        new = vocab[zlib.crc32(f"{gen}:{low}".encode()) % len(vocab)]
        if w.isupper():
            return new.upper()
        return new.capitalize() if w[0].isupper() else new

    return [_ALPHA.sub(sub, line) for line in lines]


def _paragraph_stream(pool: list[list[str]], reuse: bool) -> Iterator[list[str]]:
    yield from pool
    if not reuse:
        return
    vocab = sorted({w.lower() for p in pool for x in p for w in _ALPHA.findall(x)} - _STOP)
    gen = 1
    while True:
        for p in pool:
            yield _remap(p, gen, vocab)
        gen += 1


class Generator:
    """Writes one corpus; ``planted=False`` gives unique prose only (the false-positive check)."""

    def __init__(
        self, pool: list[list[str]], seed: int, planted: bool = True, mosaics: bool = True
    ) -> None:
        self.rng = random.Random(seed)
        self.planted = planted
        self.mosaics = mosaics  # without them, the same corpus as generator version 3
        self.paras = _paragraph_stream(pool, reuse=planted)
        self.reservoir: list[Source] = []
        self.pure: deque[list[Source]] = deque(maxlen=30)
        self.headings: set[int] = set()
        self.copied_sentences: set[tuple[str, int]] = set()
        self.phrases = [self._phrase() for _ in range(40)] if planted else []

    def _next(self) -> list[str]:
        return next(self.paras)

    def _phrase(self) -> str:
        words = " ".join(self._next()).split()
        n = self.rng.randint(6, 10)
        i = self.rng.randrange(max(1, len(words) - n))
        return " ".join(words[i : i + n]).strip(".,;:") or "see the documentation"

    def _heading(self) -> str:
        while True:
            words = self._next()[0].split()[: self.rng.randint(2, 6)]
            text = " ".join(words).rstrip(".,;:")
            key = zlib.crc32(" ".join(text.casefold().split()).encode())
            if text and key not in self.headings:
                self.headings.add(key)
                return text

    def _render(self, lines: list[str]) -> str:
        r = self.rng.random()
        if r < 0.6 or len(lines) == 1:
            return "\n".join(lines)
        return noise.wrap("\n".join(lines), 0 if r < 0.85 else self.rng.randint(60, 80))

    def _unique(self, doc: _Doc) -> None:
        text = self._render(self._next())
        start, end = doc.add(text)
        src = Source(doc.id, start, end, text)
        doc.blocks.append(src)
        if _words(text) >= MIN_WORDS:
            doc.eligible.append(self._maybe_part(src))

    def _maybe_part(self, src: Source) -> Source:
        """Sometimes a source is a run of consecutive lines of a long paragraph, not all of it."""
        lines = src.text.split("\n")
        if len(lines) < 6 or self.rng.random() < 0.7:
            return src
        for _ in range(10):
            i = self.rng.randrange(len(lines) - 3)
            j = self.rng.randrange(i + 3, len(lines) + 1)
            if _words(" ".join(lines[i:j])) >= MIN_WORDS:
                start = src.start + sum(len(x) + 1 for x in lines[:i])
                text = "\n".join(lines[i:j])
                return Source(src.doc, start, start + len(text), text)
        return src

    def _take(self, pool: list[Source], kind: str) -> Source | None:
        for _ in range(30):
            if not pool:
                return None
            i = self.rng.randrange(len(pool))
            src = pool[i]
            ok = True
            if "sentence" in kind:  # >= 3 sentences, and >= MIN_WORDS left after a drop
                sents = noise.sentences(src.text)
                longest = max((_words(x) for x in sents[1:-1]), default=0)
                ok = len(sents) >= 3 and _words(src.text) - longest >= MIN_WORDS
            if kind == "typographic":
                ok = bool(re.search(r"[\"'-]", src.text))
            if ok:
                pool[i] = pool[-1]
                pool.pop()
                return src
        return None

    def _plant(self, doc: _Doc, src: Source, kind: str, glue: bool) -> None:
        exclude: list[list[int]] = []
        if kind == "inserted_sentence":
            sents = noise.sentences(src.text)
            k = self.rng.randrange(1, len(sents))
            width = noise.width_of(src.text)
            fresh = noise.sentences(" ".join(self._next()))
            new = next((s for s in fresh if len(s.split()) >= 6), " ".join(fresh))
            head = noise.wrap(" ".join(sents[:k]), width)
            tail = noise.wrap(" ".join(sents[k:]), width)
            start, end = doc.add(f"{head}\n{new}\n{tail}", glue)
            exclude.append([start + len(head) + 1, start + len(head) + 1 + len(new)])
        elif kind in ("repeat", "near_copy_doc"):
            light = self.rng.choice(["exact", "exact", "spacing_punct", "case"])
            start, end = doc.add(noise.NOISE[light](src.text, self.rng), glue)
        else:
            start, end = doc.add(noise.NOISE[kind](src.text, self.rng), glue)
        source = {"id": src.doc, "start": src.start, "end": src.end}
        doc.gold.append({"id": doc.id, "start": start, "end": end, "kind": kind,
                         "source": source, "exclude": exclude})

    def _trap(self, doc: _Doc) -> None:
        sents = noise.sentences(" ".join(self._next()))
        for phrase in self.rng.sample(self.phrases, self.rng.randint(1, 2)):
            sents.insert(self.rng.randrange(len(sents) + 1), phrase[:1].upper() + phrase[1:] + ".")
        start, end = doc.add(self._render(noise.wrap(" ".join(sents), 0).split("\n")))
        doc.gold.append({"id": doc.id, "start": start, "end": end, "kind": "trap", "source": None,
                         "exclude": []})

    def _mosaic(self, doc: _Doc) -> None:
        """A paragraph of 2-4 sentences that stood in earlier documents (each from a different
        one) and 1-2 new sentences, in random order: original text built from copied sentences,
        as on the web. Falls back to a unique paragraph when the reservoir has too few."""
        rng = self.rng
        picks: list[Source] = []
        want = rng.randint(2, 4)
        for _ in range(20 * want):
            if len(picks) == want or not self.reservoir:
                break
            src = self.reservoir[rng.randrange(len(self.reservoir))]
            if src.doc in {p.doc for p in picks}:
                continue
            cands = [(s, e) for s, e in noise.sentence_spans(src.text)
                     if MOSAIC_WORDS[0] <= _words(src.text[s:e]) <= MOSAIC_WORDS[1]
                     and src.text[s].isupper() and src.text[e - 1] in ".!?"
                     and (src.doc, src.start + s) not in self.copied_sentences]
            if cands:
                s, e = rng.choice(cands)
                self.copied_sentences.add((src.doc, src.start + s))
                picks.append(Source(src.doc, src.start + s, src.start + e, src.text[s:e]))
        if len(picks) < 2:
            self._unique(doc)
            return
        fresh = [x for x in noise.sentences(" ".join(self._next())) if len(x.split()) >= 6]
        parts: list[Source | str] = [*picks, *fresh[: rng.randint(1, 2)]]
        rng.shuffle(parts)
        flat = [" ".join((x.text if isinstance(x, Source) else x).split()) for x in parts]
        joined = " ".join(flat)
        width = 0 if rng.random() < 0.6 else rng.randint(60, 80)
        text = noise.wrap(joined, width)
        assert len(text) == len(joined)  # wrapping only turns spaces into newlines
        start, _ = doc.add(text)
        for part, piece in zip(parts, flat, strict=True):
            end = start + len(piece)
            if isinstance(part, Source):
                source = {"id": part.doc, "start": part.start, "end": part.end}
                doc.gold.append({"id": doc.id, "start": start, "end": end, "kind": "mosaic",
                                 "source": source, "exclude": []})
            else:
                doc.gold.append({"id": doc.id, "start": start, "end": end, "kind": "mosaic_new",
                                 "source": None, "exclude": []})
            start = end + 1

    def document(self, doc_id: str) -> _Doc:
        doc = _Doc(doc_id)
        rng = self.rng
        target = int(math.exp(rng.uniform(math.log(2_000), math.log(40_000))))
        if self.planted and self.pure and rng.random() < 0.04:
            for src in self.pure[rng.randrange(len(self.pure))]:
                self._plant(doc, src, "near_copy_doc", False)
            return doc
        pure = not self.planted or rng.random() < 0.15
        while doc.size < target:
            r = rng.random()
            if r < 0.08:
                start, end = doc.add(self._heading())
                doc.blocks.append(Source(doc.id, start, end, doc.parts[-1]))
            elif pure or r < (0.59 if self.mosaics else 0.63):
                self._unique(doc)
            elif r < 0.63:
                self._mosaic(doc)
            elif r < 0.70:
                self._trap(doc)
            elif r < 0.74:
                if doc.eligible and rng.random() < 0.5:
                    src: Source | None = doc.eligible.pop()  # a repeat in a row
                else:
                    src = self._take(doc.eligible, "repeat")
                if src:
                    self._plant(doc, src, "repeat", False)
            else:
                kind = rng.choice([*noise.NOISE, "inserted_sentence"])
                src = self._take(self.reservoir, kind)
                if src:
                    self._plant(doc, src, kind, glue=rng.random() < 0.2)
        if pure:
            self.pure.append(doc.blocks)
        self.reservoir.extend(doc.eligible)
        while len(self.reservoir) > 20_000:
            self.reservoir[rng.randrange(len(self.reservoir))] = self.reservoir[-1]
            self.reservoir.pop()
        return doc


def generate(out: Path, size: int, seed: int = 0, planted: bool = True, jsonl: bool = False,
             pool_path: Path | None = None, mosaics: bool = True) -> dict[str, object]:
    """Write ``out/docs/**.txt`` (and ``out/corpus.jsonl``), ``out/gold.jsonl``, ``out/meta.json``.

    Reuses an existing corpus when ``meta.json`` says it was made with the same parameters.
    """
    params = {"size": size, "seed": seed, "planted": planted, "jsonl": jsonl, "version": VERSION,
              "pool": POOL_VERSION, "mosaics": mosaics}
    meta_path = out / "meta.json"
    if meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if meta.get("params") == params:
            return meta
    cap = min(max(size, 2_000_000), 64_000_000)  # the pool is a fixed-order prefix: cache per cap
    pool = build_pool(pool_path or out.parent / f"pool-v{POOL_VERSION}-{cap}.txt", cap)
    gen = Generator(pool, seed, planted, mosaics)
    sha = hashlib.sha256()
    counts: dict[str, int] = dict.fromkeys([*KINDS, *NEGATIVE], 0)
    total = ndocs = 0
    docs_dir = out / "docs"
    shutil.rmtree(docs_dir, ignore_errors=True)  # never mix in files of an older corpus
    meta_path.unlink(missing_ok=True)
    docs_dir.mkdir(parents=True)
    with (out / "gold.jsonl").open("w", encoding="utf-8") as gold_f, \
            (out / "corpus.jsonl").open("w", encoding="utf-8") if jsonl else _Null() as jf:
        while total < size:
            doc_id = f"{ndocs // 1000:03d}/{ndocs:06d}.txt"
            try:
                doc = gen.document(doc_id)
            except StopIteration:
                break
            text = "".join(doc.parts) + "\n"
            path = docs_dir / doc_id
            path.parent.mkdir(exist_ok=True)
            data = text.encode("utf-8")
            path.write_bytes(data)
            if jf is not None:
                jf.write(json.dumps({"id": doc_id, "text": text}, ensure_ascii=False) + "\n")
            sha.update(doc_id.encode() + b"\0" + data)
            for g in doc.gold:
                counts[str(g["kind"])] += 1
                line = json.dumps(g) + "\n"
                gold_f.write(line)
                sha.update(line.encode())
            total += len(data)
            ndocs += 1
    meta = {"params": params, "bytes": total, "documents": ndocs, "planted": counts,
            "sha256": sha.hexdigest()}
    meta_path.write_text(json.dumps(meta, indent=1) + "\n")
    return meta


class _Null:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None
