"""Known misses found while testing reliability: visible here until fixed (xfail is strict)."""

from __future__ import annotations

import pytest

import dedupe_docs

P = (
    "The quick committee read the minutes of the last meeting twice, and then voted to "
    "print the whole bulletin again for the members who had missed the first printing."
)


@pytest.mark.xfail(
    reason="detect: a third copy after a short unique line is not found", strict=True
)
def test_third_copy_after_a_short_unique_line_is_removed() -> None:
    text = "".join(p + "\n" for p in [P, "first unique line", P, "second unique line", P])
    (doc,) = dedupe_docs.clean([("a", text)])
    assert doc.text.count(P) == 1  # today: 2 (the copy after 'second unique line' stays)
