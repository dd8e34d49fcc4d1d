"""Obfuscations of a copied passage: random word operations, paraphrase, and summary.

Why these three: they are the reuse kinds of the standard text-alignment corpora besides
verbatim copies. "Random" obfuscation is what those corpora generate automatically (words
shuffled within a few positions, inserted, deleted, replaced by WordNet synonyms or
hypernyms); it reads badly but leaves the words of the source around. Paraphrase stands in for
round-trip machine translation, done here by rules instead of a network service: synonym swaps
of the most frequent sense, phrase and function-word changes, contractions, and clause
reordering; the text stays readable and keeps its meaning. A summary keeps a few of the
passage's sentences, compressed, then lightly paraphrased.

Every function takes its ``random.Random`` and is deterministic given it.
"""

from __future__ import annotations

import random
import re

from benchmarks.reuse.thesaurus import Thesaurus

Words = list[str]
"""A passage as whitespace-separated words, punctuation attached."""

_PARTS = re.compile(r"^([^\w]*)(\w(?:[\w'’-]*\w)?)([^\w]*)$")


def split_word(word: str) -> tuple[str, str, str] | None:
    """``(leading punctuation, core, trailing punctuation)``, or None when the word is not a
    plain word (code, numbers, mixed punctuation)."""
    m = _PARTS.match(word)
    if m is None or not m.group(2).isalpha():
        return None
    return m.group(1), m.group(2), m.group(3)


def recase(new: str, old: str) -> str:
    """``new`` in the case pattern of ``old`` (lower, Title or UPPER)."""
    if old.isupper() and len(old) > 1:
        return new.upper()
    if old[:1].isupper():
        return new[:1].upper() + new[1:]
    return new


def replace_core(word: str, new: str) -> str:
    """``word`` with its core replaced by ``new`` (case and punctuation kept)."""
    parts = split_word(word)
    if parts is None:
        return word
    lead, core, trail = parts
    return lead + recase(new, core) + trail


# --------------------------------------------------------------------------- random


def random_operations(
    words: Words,
    rng: random.Random,
    thesaurus: Thesaurus,
    vocabulary: list[str],
    intensity: float,
) -> Words:
    """About ``intensity × len(words)`` random operations: a word moved 1-3 positions, a word
    from ``vocabulary`` inserted, a word deleted, a word replaced by a WordNet synonym or
    hypernym (any sense)."""
    out = list(words)
    for _ in range(max(1, round(intensity * len(words)))):
        op = rng.choices(("shuffle", "insert", "delete", "replace"), (3, 2, 2, 3))[0]
        i = rng.randrange(len(out))
        if op == "shuffle":
            j = min(len(out) - 1, i + rng.randint(1, 3))
            out.insert(j, out.pop(i))
        elif op == "insert":
            out.insert(i, rng.choice(vocabulary))
        elif op == "delete" and len(out) > 5:
            del out[i]
        elif op == "replace":
            for k in range(4):  # a few tries for a word with related words
                at = (i + 7 * k) % len(out)
                parts = split_word(out[at])
                related = thesaurus.any_related(parts[1].lower()) if parts else []
                if related:
                    out[at] = replace_core(out[at], rng.choice(related))
                    break
    return out


# --------------------------------------------------------------------------- paraphrase

PHRASES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("in order to", ("to", "so as to")),
    ("however", ("but", "nevertheless", "still")),
    ("therefore", ("so", "thus", "hence")),
    ("thus", ("so", "therefore")),
    ("because", ("since", "as")),
    ("although", ("though", "even though")),
    ("for example", ("for instance", "e.g.")),
    ("for instance", ("for example",)),
    ("such as", ("like", "including")),
    ("many", ("numerous", "a lot of", "lots of")),
    ("a lot of", ("many", "plenty of")),
    ("often", ("frequently", "commonly")),
    ("usually", ("typically", "normally", "generally")),
    ("typically", ("usually", "normally")),
    ("only", ("just", "solely")),
    ("very", ("really", "quite", "highly")),
    ("also", ("too", "as well", "additionally")),
    ("whether", ("if",)),
    ("which", ("that",)),
    ("must", ("should", "has to")),
    ("should", ("ought to",)),
    ("can", ("may", "could")),
    ("cannot", ("may not", "can not")),
    ("will", ("shall", "is going to")),
    ("in addition", ("moreover", "furthermore", "besides")),
    ("moreover", ("in addition", "furthermore")),
    ("furthermore", ("moreover", "also")),
    ("instead of", ("rather than",)),
    ("rather than", ("instead of",)),
    ("each", ("every",)),
    ("every", ("each",)),
    ("some", ("certain", "several")),
    ("if", ("when", "provided that", "in case")),
    ("when", ("whenever", "once", "if")),
    ("while", ("whereas", "although")),
    ("so that", ("in order that", "such that")),
    ("is used to", ("serves to", "is employed to")),
    ("makes it possible to", ("lets you", "allows you to")),
    ("allows", ("lets", "enables", "permits")),
    ("need to", ("have to", "must")),
    ("there are", ("we have", "you will find")),
    ("it is", ("it's", "this is")),
    ("is not", ("isn't", "is never")),
    ("does not", ("doesn't", "won't")),
    ("do not", ("don't", "never")),
    ("are not", ("aren't",)),
    ("will not", ("won't",)),
    ("that is", ("that's", "i.e.")),
    ("isn't", ("is not",)),
    ("doesn't", ("does not",)),
    ("don't", ("do not",)),
    ("can't", ("cannot", "can not")),
    ("won't", ("will not",)),
    ("it's", ("it is",)),
    ("the following", ("these", "the next")),
    ("a number of", ("several", "various")),
    ("in this case", ("here", "then")),
    ("at the same time", ("simultaneously", "concurrently")),
    ("as well as", ("and", "along with")),
    ("is called", ("is known as", "is named")),
    ("it is possible to", ("you can", "one can")),
    ("is able to", ("can",)),
    ("in the case of", ("for", "in case of")),
    ("due to", ("because of", "owing to")),
    ("by default", ("unless configured otherwise", "out of the box")),
    ("at least", ("no less than", "a minimum of")),
    ("at most", ("no more than", "a maximum of")),
    ("more than", ("over", "in excess of")),
    ("less than", ("under", "fewer than")),
    ("so", ("therefore", "thus")),
    ("but", ("however", "yet")),
    ("in the", ("within the", "inside the")),
    ("the same", ("identical", "the very same")),
    ("particularly", ("especially", "notably")),
    ("especially", ("particularly", "in particular")),
    ("similar", ("comparable", "alike")),
    ("different", ("distinct", "various")),
    ("important", ("significant", "essential")),
    ("possible", ("feasible", "doable")),
)
"""Phrase → rewordings (function words, discourse markers, contractions); matched as whole
words, case-insensitively."""

_PHRASE = re.compile(
    r"\b(" + "|".join(re.escape(p) for p, _ in sorted(PHRASES, key=lambda x: -len(x[0]))) + r")\b",
    re.IGNORECASE,
)
_PHRASE_MAP = dict(PHRASES)

_SUBORDINATE = "if|when|although|because|since|unless|while|after|before|once|whenever"
_LEAD_CLAUSE = re.compile(rf"^({_SUBORDINATE}) ([^,;:]{{8,}}), ([^;:]{{12,}})\.$", re.IGNORECASE)
_TAIL_CLAUSE = re.compile(
    rf"^([^,;:]{{12,}}?),? ({_SUBORDINATE}|so that|whereas) ([^,;:]{{8,}})\.$", re.IGNORECASE
)
_LEAD_PHRASE = re.compile(
    r"^(In|For|On|At|By|With|During|After|Before|Without|Unlike|Like|Under|Within) "
    r"([^,;:]{3,50}), ([^;:]{12,})\.$"
)
_COORD = re.compile(r"^([^;:]{20,}?), (and|but) ([^;:]{20,})\.$")


def _lower_first(text: str) -> str:
    """The first letter lowered unless the first word is an acronym, ``I`` or a name-like
    mixed-case word."""
    first = text.split(" ", 1)[0]
    if first.isupper() or first == "I" or any(ch.isupper() for ch in first[1:]):
        return text
    return text[:1].lower() + text[1:]


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def reorder_clauses(sentence: str, rng: random.Random) -> str:
    """One clause reordering where a pattern fits: a leading subordinate clause or adverbial
    moved to the end, a trailing subordinate clause moved to the front, or two coordinated
    clauses swapped; else the sentence unchanged."""
    m = _LEAD_CLAUSE.match(sentence)
    if m:
        conj, sub, main = m.groups()
        return f"{_upper_first(main)} {conj.lower()} {_lower_first(sub)}."
    m = _LEAD_PHRASE.match(sentence)
    if m:
        prep, phrase, main = m.groups()
        return f"{_upper_first(main)} {prep.lower()} {phrase}."
    m = _TAIL_CLAUSE.match(sentence)
    if m and len(m.group(1).split()) >= 4:
        main, conj, sub = m.groups()
        return f"{_upper_first(conj)} {sub}, {_lower_first(main)}."
    m = _COORD.match(sentence)
    if m and rng.random() < 0.5:
        left, conj, right = m.groups()
        if conj == "and":
            return f"{_upper_first(right)}, and {_lower_first(left)}."
    return sentence


_GENITIVE = re.compile(r"\bthe ([a-z]{3,}) of the ([a-z]{3,})\b(?!['’])")
_RELATIVE = re.compile(r"\b(that|which) (is|are|was|were) ([a-z]{3,}ed)\b")


def _restructure(sentence: str, rng: random.Random, rate: float) -> str:
    """Phrase-structure changes a translation makes: ``the end of the word`` → ``the word's
    end``, ``the value that is returned`` → ``the value returned``."""

    def genitive(m: re.Match[str]) -> str:
        return f"the {m.group(2)}'s {m.group(1)}" if rng.random() < rate else m.group(0)

    def relative(m: re.Match[str]) -> str:
        return m.group(3) if rng.random() < rate else m.group(0)

    return _RELATIVE.sub(relative, _GENITIVE.sub(genitive, sentence))


def _swap_phrases(sentence: str, rng: random.Random, rate: float) -> str:
    def one(m: re.Match[str]) -> str:
        found = m.group(0)
        if rng.random() >= rate:
            return found
        new = rng.choice(_PHRASE_MAP[found.lower()])
        return recase(new, found)

    return _PHRASE.sub(one, sentence)


_KEEP = frozenset(
    """about above after again also although always another because been before being below
    between both could does doing done down during each either else even ever from going
    have having here into itself just least less like made make many more most much must
    near need neither never next none only other over same shall should since some such than
    that their them then there these they this those though through thus under unless until
    upon very were what when where whether which while will with within without would
    your""".split()  # noqa: SIM905 (a word list reads best as words)
)
"""Function words a synonym swap leaves alone (WordNet lists some as nouns: ``will``)."""


def _swap_synonyms(
    sentence: str, rng: random.Random, thesaurus: Thesaurus, known: frozenset[str], rate: float
) -> str:
    words = sentence.split(" ")
    for i, word in enumerate(words):
        parts = split_word(word)
        if (
            parts is None
            or len(parts[1]) < 4
            or parts[1].lower() in _KEEP
            or (parts[1][:1].isupper() and i)
        ):
            continue  # function words, and names inside the sentence
        if rng.random() >= rate:
            continue
        synonyms = thesaurus.common_synonyms(parts[1].lower(), known)
        if synonyms:
            words[i] = replace_core(word, rng.choice(synonyms))
    return " ".join(words)


def paraphrase_sentence(
    sentence: str,
    rng: random.Random,
    thesaurus: Thesaurus,
    known: frozenset[str],
    strength: float = 1.0,
) -> str:
    """A rule-based rewording of one sentence: clause reordering, phrase and function-word
    changes, contractions, and synonyms of the most frequent sense; ``strength`` scales the
    rates (1.0: a thorough rewording, about one change every four words)."""
    if rng.random() < 0.7 * strength:
        sentence = reorder_clauses(sentence, rng)
    sentence = _swap_synonyms(sentence, rng, thesaurus, known, min(1.0, 0.55 * strength))
    sentence = _restructure(sentence, rng, min(1.0, 0.7 * strength))
    return _swap_phrases(sentence, rng, min(1.0, 0.5 * strength))


def paraphrase(
    sentences: list[str],
    rng: random.Random,
    thesaurus: Thesaurus,
    known: frozenset[str],
    strength: float = 1.0,
) -> list[str]:
    """Every sentence reworded (:func:`paraphrase_sentence`)."""
    return [paraphrase_sentence(s, rng, thesaurus, known, strength) for s in sentences]


# --------------------------------------------------------------------------- summary

_PARENTHESES = re.compile(r"\s*\([^()]*\)")
_DISCOURSE = re.compile(
    r"^(However|For example|For instance|In addition|Also|Note that|Of course|"
    r"In particular|In this case|Similarly|Likewise|Furthermore|Moreover|Therefore|Thus|"
    r"In other words|Otherwise|Alternatively|Finally|First|Second|Then|Now),? ",
)
_INSERT = re.compile(r", (which|who|where|for example|for instance|such as|e\.g\.|i\.e\.)[^,]*,")
_FILLERS = re.compile(
    r"\b(also|very|really|simply|just|usually|generally|actually|currently|typically|still|"
    r"already|easily|quite|rather|probably|certainly)\b ",
    re.IGNORECASE,
)
_TAIL = re.compile(r"(,| ;|;) (so|but|and|which|because|since|although|whereas) [^;]*\.$")


def compress(sentence: str, rng: random.Random) -> str:
    """A sentence shortened the way a summariser would: parentheses, inserted clauses,
    discourse markers and filler adverbs dropped, and sometimes a trailing clause cut."""
    out = _PARENTHESES.sub("", sentence)
    out = _INSERT.sub("", out)
    m = _DISCOURSE.match(out)
    if m:
        out = _upper_first(out[m.end() :])
    out = _FILLERS.sub("", out)
    if rng.random() < 0.5:
        cut = _TAIL.search(out)
        if cut and cut.start() > 30:
            out = out[: cut.start()] + "."
    return out if len(out.split()) >= 4 else sentence


def summarise(
    sentences: list[str],
    rng: random.Random,
    thesaurus: Thesaurus,
    known: frozenset[str],
    keep: float,
) -> list[str]:
    """About ``keep`` of the sentences (the first always), each compressed, then lightly
    paraphrased."""
    chosen = [s for i, s in enumerate(sentences) if i == 0 or rng.random() < keep]
    if len(chosen) < 2 and len(sentences) > 1:
        chosen.append(sentences[1 + rng.randrange(len(sentences) - 1)])
        chosen.sort(key=sentences.index)
    return paraphrase([compress(s, rng) for s in chosen], rng, thesaurus, known, strength=0.7)
