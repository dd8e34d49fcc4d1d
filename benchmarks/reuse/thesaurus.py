"""Synonyms from the WordNet database that Debian's ``wordnet-base`` package ships.

Why WordNet: the obfuscation that text-reuse corpora call "random" replaces words by synonyms
and hypernyms taken from it; a shipped database keeps the generator offline and deterministic.
Install with ``apt-get install wordnet-base`` (files under ``/usr/share/wordnet``).

Two views of the database:

* :meth:`Thesaurus.any_related`: every single-word lemma sharing a synset with the word, in
  any sense and part of speech, plus the lemmas of the noun and verb synsets' direct
  hypernyms (what random obfuscation draws from);
* :meth:`Thesaurus.common_synonyms`: the lemmas of the word's most frequent sense only, for a
  rewording that keeps the meaning (what the paraphrase rules draw from).

Inflected words are reduced to their lemma with WordNet's exception lists and the usual
suffix rules, and a replacement is inflected back the regular way (:func:`inflect`).
"""

from __future__ import annotations

from pathlib import Path

import attrs

WORDNET = Path("usr/share/wordnet")
POS = (("n", "noun"), ("v", "verb"), ("a", "adj"), ("r", "adv"))

# (suffix of the inflected form, suffix of the lemma, part of speech, inflection name)
_RULES: tuple[tuple[str, str, str, str], ...] = (
    ("ies", "y", "n", "plural"),
    ("ches", "ch", "n", "plural"),
    ("shes", "sh", "n", "plural"),
    ("xes", "x", "n", "plural"),
    ("ses", "s", "n", "plural"),
    ("s", "", "n", "plural"),
    ("ies", "y", "v", "third"),
    ("es", "e", "v", "third"),
    ("es", "", "v", "third"),
    ("s", "", "v", "third"),
    ("ied", "y", "v", "past"),
    ("ed", "e", "v", "past"),
    ("ed", "", "v", "past"),
    ("ing", "e", "v", "gerund"),
    ("ing", "", "v", "gerund"),
)


def inflect(lemma: str, form: str) -> str:
    """``lemma`` in the regular ``form`` (``base``, ``plural``, ``third``, ``past``, ``gerund``).

    >>> [inflect("query", f) for f in ("plural", "past", "gerund")]
    ['queries', 'queried', 'querying']
    >>> inflect("store", "gerund"), inflect("match", "third")
    ('storing', 'matches')
    """
    if form == "base":
        return lemma
    if form in ("plural", "third"):
        if lemma.endswith("y") and lemma[-2:-1] not in "aeiou":
            return lemma[:-1] + "ies"
        if lemma.endswith(("s", "x", "z", "ch", "sh")):
            return lemma + "es"
        return lemma + "s"
    if form == "past":
        if lemma.endswith("e"):
            return lemma + "d"
        if lemma.endswith("y") and lemma[-2:-1] not in "aeiou":
            return lemma[:-1] + "ied"
        return lemma + "ed"
    if lemma.endswith("e") and not lemma.endswith("ee"):
        return lemma[:-1] + "ing"
    return lemma + "ing"


@attrs.frozen
class Thesaurus:
    """Synsets of single-word lemmas, indexed by lemma and part of speech."""

    senses: dict[tuple[str, str], tuple[int, ...]]
    """(lemma, pos) → synset ids, most frequent sense first."""
    synsets: dict[int, tuple[str, ...]]
    """synset id → its single-word lemmas."""
    hypernyms: dict[int, tuple[int, ...]]
    """synset id → its direct hypernyms (nouns and verbs)."""
    frequency: dict[tuple[str, str], int]
    """(lemma, pos) → how often its senses were tagged in WordNet's corpus."""
    exceptions: dict[str, tuple[tuple[str, str], ...]]
    """irregular inflected form → (lemma, pos) pairs."""
    irregular: frozenset[tuple[str, str]]
    """(lemma, pos) pairs with an irregular form (never inflected by the suffix rules)."""

    def lemmas(self, word: str) -> list[tuple[str, str, str]]:
        """``(lemma, pos, form)`` readings of a lower-case word, the most frequent first."""
        found: list[tuple[str, str, str]] = []
        for pos, _ in POS:
            if (word, pos) in self.senses:
                found.append((word, pos, "base"))
        irregular = self.exceptions.get(word, ())
        for lemma, pos in irregular:
            if (lemma, pos) in self.senses:
                found.append((lemma, pos, _guess_form(word, pos)))
        if not irregular:
            for suffix, repl, pos, form in _RULES:
                if word.endswith(suffix) and len(word) > len(suffix) + 2:
                    lemma = word[: -len(suffix)] + repl
                    if (lemma, pos) in self.senses and (lemma, pos, form) not in found:
                        found.append((lemma, pos, form))
        found.sort(key=lambda r: -self.frequency.get((r[0], r[1]), 0))
        return found

    def _inflected(self, other: str, pos: str, form: str) -> str | None:
        """``other`` in ``form``, or None where the form is irregular (``keep`` → ``kept``)."""
        if form == "base":
            return other
        if form == "irregular" or (other, pos) in self.irregular:
            return None
        if form in ("plural", "third") and other.endswith("s") and not other.endswith("ss"):
            return None  # a lemma already plural: words, arms
        return inflect(other, form)

    def any_related(self, word: str) -> list[str]:
        """Every synonym or hypernym of ``word`` in any sense, inflected like ``word``."""
        out: list[str] = []
        for lemma, pos, form in self.lemmas(word):
            for synset in self.senses[(lemma, pos)]:
                for sid in (synset, *self.hypernyms.get(synset, ())):
                    for other in self.synsets[sid]:
                        new = self._inflected(other, pos, form)
                        if other != lemma and new and new != word and new not in out:
                            out.append(new)
        return out

    def common_synonyms(self, word: str, known: frozenset[str]) -> list[str]:
        """Synonyms of the most frequent sense of ``word``'s most frequent reading (else of its
        second sense), inflected like ``word``: those in ``known`` or tagged at least twice in
        WordNet's corpus (to avoid rare ones)."""
        readings = self.lemmas(word)
        if not readings:
            return []
        lemma, pos, form = readings[0]
        for synset in self.senses[(lemma, pos)][:2]:
            out = []
            for other in self.synsets[synset]:
                new = self._inflected(other, pos, form)
                if (
                    other != lemma
                    and new
                    and new != word
                    and (new in known or self.frequency.get((other, pos), 0) >= 2)
                ):
                    out.append(new)
            if out:
                return out
        return []


def _guess_form(word: str, pos: str) -> str:
    """The inflection of an irregular form, by its ending (``carried`` is past, ``mice`` is
    not regular at all)."""
    if pos == "v" and word.endswith("ing"):
        return "gerund"
    if pos == "v" and word.endswith("ed"):
        return "past"
    if word.endswith("s"):
        return "plural" if pos == "n" else "third"
    return "irregular"


def _single(lemma: str) -> str | None:
    """A data-file lemma as a plain lower-case word, or None for a multi-word one."""
    lemma = lemma.split("(", 1)[0]  # adjective markers: long(a)
    if "_" in lemma or "-" in lemma or not lemma.isalpha() or not lemma.islower():
        return None
    return lemma


def load(root: Path = Path("/")) -> Thesaurus:
    """Read WordNet's index, data and exception files under ``root``.

    Raises FileNotFoundError naming the package when they are missing.
    """
    base = root / WORDNET
    if not (base / "data.noun").is_file():
        raise FileNotFoundError(f"{base}: no WordNet database (apt-get install wordnet-base)")
    senses: dict[tuple[str, str], tuple[int, ...]] = {}
    synsets: dict[int, tuple[str, ...]] = {}
    hypernyms: dict[int, tuple[int, ...]] = {}
    frequency: dict[tuple[str, str], int] = {}
    exceptions: dict[str, list[tuple[str, str]]] = {}
    for code, name in POS:
        offset_id = {"n": 0, "v": 1, "a": 2, "r": 3}[code]
        with (base / f"data.{name}").open(encoding="latin-1") as fh:
            for line in fh:
                if line.startswith(" "):
                    continue
                fields = line.split(" | ", 1)[0].split()
                sid = int(fields[0]) * 4 + offset_id
                count = int(fields[3], 16)
                words = [_single(fields[4 + 2 * i]) for i in range(count)]
                synsets[sid] = tuple(w for w in words if w)
                at = 4 + 2 * count
                pointers = int(fields[at])
                hyper = []
                for k in range(pointers):
                    symbol, target, pos = fields[at + 1 + 4 * k : at + 4 + 4 * k]
                    if symbol == "@" and pos == code:
                        hyper.append(int(target) * 4 + offset_id)
                if hyper:
                    hypernyms[sid] = tuple(hyper)
        with (base / f"index.{name}").open(encoding="latin-1") as fh:
            for line in fh:
                if line.startswith(" "):
                    continue
                fields = line.split()
                lemma = _single(fields[0])
                if lemma is None:
                    continue
                n_synsets = int(fields[2])
                tagged = int(fields[5 + int(fields[3])])
                ids = tuple(int(x) * 4 + offset_id for x in fields[-n_synsets:])
                senses[(lemma, code)] = ids
                frequency[(lemma, code)] = tagged
        with (base / f"{name}.exc").open(encoding="latin-1") as fh:
            for line in fh:
                form, *lemmas = line.split()
                for lemma in lemmas:
                    exceptions.setdefault(form, []).append((lemma, code))
    return Thesaurus(
        senses=senses,
        synsets=synsets,
        hypernyms=hypernyms,
        frequency=frequency,
        exceptions={k: tuple(v) for k, v in exceptions.items()},
        irregular=frozenset(lp for pairs in exceptions.values() for lp in pairs),
    )
