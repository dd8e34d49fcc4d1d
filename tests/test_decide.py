"""The batched slow path of decide gives what the one-passage-at-a-time definitions give.

Each compiled kernel and batch function is checked against a plain per-item reference (the
logic the batches replaced) on random corpora and hostile text.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dedupe_docs import normalize

HOSTILE = st.lists(
    st.sampled_from(
        [
            *"aAbB  zZ09.,'-",
            "aa",
            "AaA",
            "\u0301",  # combining acute: at the edge of a text it must not join its neighbour
            "\u00e9",
            "e\u0301",
            "\u0345",  # a mark that casefolds to a letter
            "ß",
            "ﬁ",
            "İ",
            "Σ",
            "ς",
            "Ⅻ",
            "½",
            "日",
            "ภ",
            "𝐀",
            "😀",
            "\x00",
            "\ud800",
        ]
    ),
    max_size=20,
).map("".join)
TEXTS = st.lists(st.one_of(HOSTILE, st.text(alphabet="aAbB .1", max_size=20), st.text()))


@settings(max_examples=500, deadline=None)
@given(TEXTS)
def test_verification_forms_match_one_at_a_time(texts: list[str]) -> None:
    assert normalize.verification_forms(texts) == [normalize.verification_form(t) for t in texts]


def test_verification_forms_keep_texts_apart() -> None:
    texts = ["Sa", "as", "a", "\u0301a", "é", "\u0301", "aa\u0301", "A", "tt", "t", "日本", "本"]
    forms = normalize.verification_forms(texts)
    assert forms == ["sa", "as", "a", "a", "e", "", "a", "a", "t", "t", "日本", "本"]
    assert forms == [normalize.verification_form(t) for t in texts]
    # A text that holds the joint itself is still folded on its own.
    assert normalize.verification_forms(["a\x00a", "bb"]) == ["a", "b"]
