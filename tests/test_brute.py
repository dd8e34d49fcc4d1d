"""Against a brute-force reference: after cleaning, no run of ``min_tokens + 2 * (shingle_size -
1)`` words that the output keeps (inside one kept span) equals a run of words that survives
earlier in the corpus. (At each line break a copy may keep fewer than ``shingle_size`` words:
the tail of a shingle across the break is no evidence that the words after it were copied.)
Small generated corpora of a few dozen words, with exact copies of word runs planted across and
inside documents, lines and sentences."""

from __future__ import annotations

import pytest
import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dedupe_docs

WORDS = [f"{a}{b}" for a in "bcdfghjklm" for b in "aeiou"]  # 50 distinct words per document
CONFIG = dedupe_docs.Config(min_tokens=8, shingle_size=3, boilerplate_max_tokens=0)
_TOKEN = regex.compile(r"\w+")


@st.composite
def corpora(draw: st.DrawFn, copies_of_copies: bool = True) -> list[tuple[str, str]]:
    """3-6 documents of lines of words ending in full stops; into some, a run of an earlier
    document's words is pasted, what was pasted there included (a copy of a copy, or of words
    that a paste split in its source), or only its own words (``copies_of_copies`` False).
    Left out, as a known limit: a copy beside its own source in one document."""
    words: list[list[str]] = []
    own: list[list[str]] = []  # stretches of the documents' own words, copies left out
    for d in range(draw(st.integers(3, 6))):
        # Words of a document's own (distinct, and not another document's): its only repeats
        # are the copies; periodic text ("ha ha ha") is no copy by design.
        mine = [f"{word}{'qxzvwy'[d]}" for word in WORDS]
        doc = draw(st.permutations(mine))[: draw(st.integers(10, len(mine)))]
        if words and draw(st.booleans()):
            source = draw(st.sampled_from(words if copies_of_copies else own))
            start = draw(st.integers(0, max(len(source) - 8, 0)))
            run = source[start : start + draw(st.integers(8, 30))]
            at = draw(st.integers(0, len(doc)))
            own += [doc[:at], doc[at:]]  # each side of the paste is a stretch of own words
            doc = doc[:at] + run + doc[at:]
        else:
            own.append(doc)
        words.append(doc)
    docs = []
    for d, doc in enumerate(words):
        cuts = draw(st.lists(st.integers(1, len(doc)), max_size=len(doc) // 4, unique=True))
        text, last = [], 0
        for cut in sorted(cuts):
            text.append(" ".join(doc[last:cut]) + draw(st.sampled_from([".", ". ", "\n", ".\n"])))
            last = cut
        text.append(" ".join(doc[last:]) + ".\n")
        docs.append((f"d{d}", " ".join(t.strip(" ") for t in text)))
    return docs


def kept_runs(
    text: str, cleaned: dedupe_docs.CleanedDocument, n: int
) -> list[tuple[int, tuple[str, ...]]]:
    """Every run of ``n`` words inside one kept span, with the offset where it starts."""
    out = []
    for k in cleaned.kept:
        found = [(m.start(), m.group()) for m in _TOKEN.finditer(text, k.start, k.end)]
        for i in range(len(found) - n + 1):
            out.append((found[i][0], tuple(w for _, w in found[i : i + n])))
    return out


def check_no_kept_copy(docs: list[tuple[str, str]]) -> None:
    cleaned = dedupe_docs.clean(docs, CONFIG)
    n = CONFIG.min_tokens + 2 * (CONFIG.shingle_size - 1)
    surviving: set[tuple[str, ...]] = set()
    for (doc_id, text), c in zip(docs, cleaned, strict=True):
        runs = kept_runs(text, c, n)
        for at, run in runs:
            assert run not in surviving, (doc_id, at, " ".join(run))
        # Runs of this document count for its own later text once they end before it starts.
        ends = sorted((at + len(" ".join(run)), run) for at, run in runs)
        starts = sorted(runs)
        i = 0
        own: set[tuple[str, ...]] = set()
        for at, run in starts:
            while i < len(ends) and ends[i][0] <= at:
                own.add(ends[i][1])
                i += 1
            assert run not in own, (doc_id, at, " ".join(run), "repeats its own document")
        surviving |= {run for _, run in runs}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(docs=corpora(copies_of_copies=False))
def test_no_kept_run_repeats_surviving_text(docs: list[tuple[str, str]]) -> None:
    check_no_kept_copy(docs)


@pytest.mark.slow
@settings(
    max_examples=20_000,
    deadline=None,
    derandomize=True,  # the same 20,000 corpora on every run: CI checks what was checked here
    suppress_health_check=[HealthCheck.too_slow],
)
@given(docs=corpora(copies_of_copies=False))
def test_no_kept_run_repeats_surviving_text_in_20_000_corpora(
    docs: list[tuple[str, str]],
) -> None:
    check_no_kept_copy(docs)


@pytest.mark.slow
@settings(
    max_examples=8_000,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(docs=corpora())
def test_no_kept_run_repeats_surviving_text_in_8_000_corpora_with_copies_of_copies(
    docs: list[tuple[str, str]],
) -> None:
    check_no_kept_copy(docs)


def test_a_copy_of_a_copy_assembled_from_pieces_of_other_sources() -> None:
    # d2 pastes d1's ``bux cax baq ...`` (itself d0's ``baq ...`` pasted into d1) between its
    # own words: each piece goes there, citing d1 and d0. d3 copies d2's run: its pieces'
    # shingles point at d1 and d0 (the index keeps first occurrences), each piece too short
    # to go on its own; pointed on along d2, where the same words stand, the run goes whole
    # (found in 20,000 corpora with copies of copies).
    check_no_kept_copy(
        [
            ("d0", "baq beq biq boq buq caq ceq ciq coq cuq.\n"),
            ("d1", "bax bex bix box bux cax baq beq biq boq buq caq ceq ciq cex cix cox cux.\n"),
            (
                "d2",
                "baz bez biz caz buz boz cez coz ciz cuz daz diz dez fez duz doz faz bux cax baq beq biq boq buq caq ceq fiz foz gez.\n",
            ),
            (
                "d3",
                "caz buz boz cez coz ciz cuz daz diz dez fez duz doz faz bux cax baq beq biq boq buq caq ceq fiz foz gez bav buv bov cav bev civ biv cuv cov div.\n",
            ),
            (
                "d4",
                "baw bew buw bow biw caw daw ciw cow cuz daz diz dez fez duz doz faz bux cax baq beq biq boq buq caq ceq fiz foz gez cuw.\n",
            ),
        ]
    )


def test_a_copy_of_pieces_across_a_line_break() -> None:
    # d1 keeps d0's words after ``baq``'s line break (too few on either side of it to go);
    # d3 copies d1's run of them with d1's own words around: marking points the middle at d0,
    # the rest at d1, each piece shorter than a passage on its line. Pointed on along d1, the
    # pieces are one passage.
    check_no_kept_copy(
        [
            ("d0", "baq beq biq boq buq caq ceq ciq coq cuq.\n"),
            ("d1", "bax. bex baq\n beq biq boq buq caq ceq ciq bix box bux cax cex cix cox.\n"),
            ("d2", "baz bez biz boz buz caz cez ciz coz cuz.\n"),
            ("d3", "bax bex baq\n beq biq boq buq caq ceq ciq bix box bav bev biv bov buv.\n"),
        ]
    )


def test_a_rewrapped_copy_of_pieces() -> None:
    # d4 copies d1's words that run into d0's, wrapped one word later than in d1: each piece
    # (d1's own words, d0's) is shorter than a passage on its line, so none is marked; d1
    # holds the whole run word for word, so it is one passage from d1.
    check_no_kept_copy(
        [
            ("d0", "baq beq biq boq buq caq ceq ciq coq cuq.\n"),
            (
                "d1",
                "bax. bex. bux cax cex dux fax fex fix fox baq\n beq biq boq buq caq ceq ciq.\n",
            ),
            ("d2", "baz bez biz boz buz caz cez ciz coz cuz.\n"),
            ("d4", "dux fax fex fix fox baq beq\n biq boq buq caq ceq baw bew biw bow buw caw.\n"),
        ]
    )


def test_short_words_one_letter_apart_do_not_continue_a_copy() -> None:
    # ``dix dox`` before a copy of d0's ``duq ...`` are one letter from d0's ``diq doq``: words
    # of three letters that all differ are other words, not typos; taken as typos they went,
    # and d2's copy of d1's line, now citing removed text, came back whole (found by the
    # 20,000-corpus run).
    check_no_kept_copy(
        [
            (
                "d0",
                "baq beq biq boq buq caq ceq ciq coq cuq daq deq diq doq duq faq feq fiq foq fuq gaq geq.\n",
            ),
            (
                "d1",
                "bax bex bix box bux cax cex cix cox cux dax dex. dix dox duq faq feq fiq foq fuq gaq geq.\n",
            ),
            (
                "d2",
                "bax bex bix box bux cax cex cix cox cux dax dex dix baz bez biz boz buz caz cez ciz coz cuz.\n",
            ),
        ]
    )


def test_rest_of_a_line_first_seen_elsewhere_goes_with_the_copy_it_continues() -> None:
    # d2 holds d0's first words cut by its line break (a copy too short to go there); d5's line
    # copies d2 on and on, but its middle's shingles first stood in d0, so its passage from d2
    # was cut before them and the rest of the line stayed, word for word d2's.
    check_no_kept_copy(
        [
            ("d0", "baq beq biq boq buq caq ceq ciq coq cuq.\n"),
            ("d1", "bax bex bix box bux cax cex cix cox cux.\n"),
            (
                "d2",
                "baz bez biz boz buz caz cez ciz coz cuz daz baq beq\n biq boq buq caq ceq ciq coq dez diz doz.\n",
            ),
            (
                "d5",
                "baz bez biz boz buz caz cez ciz coz cuz daz baq beq biq boq buq caq ceq\n ciq coq dez diz doz bay bey biy boy buy cay cey ciy coy cuy.\n",
            ),
        ]
    )


@pytest.mark.parametrize(
    "source",
    [
        "baq beq biq boq buq caq ceq ciq baz bez biz boz buz caz cez ciz coz cuz daz dez.\n",
        # The same words with other marks and line breaks than the copy's.
        "baq. beq biq boq. buq caq ceq ciq.\n baz bez biz boz buz caz cez ciz coz cuz daz dez.\n",
    ],
)
def test_a_copy_of_a_line_whose_source_went_in_part_cites_each_part(source: str) -> None:
    # d3's line copies d2 from ``beq`` on; d2's first words went as a copy of d0, so only
    # d2's ``baz ...`` survives: d3's copy cites d0 for those first words and d2 for the rest.
    docs = [
        ("d0", "baq beq biq boq buq caq ceq ciq coq cuq.\n"),
        ("d1", "bax bex bix box bux cax cex cix cox cux.\n"),
        ("d2", source),
        (
            "d3",
            "beq biq boq buq caq ceq ciq baz bez biz boz buz caz cez ciz coz cuz daz dez bav bev biv bov buv cav cev civ cov cuv.\n",
        ),
    ]
    check_no_kept_copy(docs)
    d3 = docs[3][1]
    cited = [
        (d3[r.start : r.end].strip(), r.source.id if r.source else None)
        for r in dedupe_docs.clean(docs, CONFIG)[3].removed
    ]
    assert cited == [
        ("beq biq boq buq caq ceq ciq", "d0"),
        ("baz bez biz boz buz caz cez ciz coz cuz daz dez", "d2"),
    ]


def test_a_copy_of_a_copy_whose_source_a_removal_splits_cites_it_through_that_removal() -> None:
    # d1 = P + Q, where P went as a copy of d0; d2 and d4 copy the end of P and Q's start,
    # aligned to d1, whose text does not survive whole there: each cites d0 for P's part and
    # d1 for Q's, instead of being restored (which kept d4's copy of d2's words).
    check_no_kept_copy(
        [
            ("d0", "baq beq biq boq buq caq ceq ciq coq cuq.\n"),
            ("d1", "baq beq biq boq buq caq ceq ciq bax bex bix box bux cax cex cix cox cux.\n"),
            (
                "d2",
                "beq biq boq buq caq ceq ciq bax bex baz bez biz boz buz caz cez ciz coz cuz.\n",
            ),
            ("d3", "bav bev biv bov buv cav cev civ cov cuv.\n"),
            (
                "d4",
                "beq biq boq buq caq ceq ciq bax bex baz bez biz baw bew biw bow buw caw cew ciw cow cuw.\n",
            ),
        ]
    )
