"""The text store Ray tasks read documents from: every width, whole and by slice."""

from __future__ import annotations

from dedupe_docs.drivers.texts import TextStore

TEXTS = ["plain ascii\n", "", "café, naïve\n", "emoji 😀 beyond the BMP\n", "lone \ud800 surrogate"]


def test_texts_come_back_whole_and_by_slice() -> None:
    store = TextStore.of(TEXTS)
    assert store.width.tolist() == [1, 1, 2, 4, 4]
    assert store.texts(0, len(TEXTS)) == TEXTS
    assert store.texts(2, 4) == TEXTS[2:4]
    for d, text in enumerate(TEXTS):
        assert store.length(d) == len(text)
        for a, e in [(0, len(text)), (1, 5), (3, 3), (len(text) - 2, len(text) + 7)]:
            assert store.chars(d, max(a, 0), min(e, len(text))) == text[max(a, 0) : e]


def test_a_view_owns_its_range_and_slices_the_others() -> None:
    view = TextStore.of(TEXTS).view(2, 4)
    assert len(view) == len(TEXTS)
    assert view[2] == TEXTS[2] and view[3] == TEXTS[3]
    assert isinstance(view[3], str) and not isinstance(view[0], str)
    assert view[0][2:9] == TEXTS[0][2:9]
    assert view[4][:] == TEXTS[4] and view[4][3:100] == TEXTS[4][3:]
    assert TextStore.of([]).texts(0, 0) == []
