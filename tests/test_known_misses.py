"""Misses found while testing reliability, kept as regression tests."""

from __future__ import annotations

import dedupe_docs

P = (
    "The quick committee read the minutes of the last meeting twice, and then voted to "
    "print the whole bulletin again for the members who had missed the first printing."
)


def test_third_copy_after_a_short_unique_line_is_removed() -> None:
    text = "".join(p + "\n" for p in [P, "first unique line", P, "second unique line", P])
    (doc,) = dedupe_docs.clean([("a", text)])
    assert doc.text.count(P) == 1
