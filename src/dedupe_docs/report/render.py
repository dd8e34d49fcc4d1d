"""Explanations as text for people and as JSON for scripts: the forms of ``dedupe-docs explain``.

- ``text``: a header line per removed span, then the removed text indented, its edits marked;
- ``line``: one line per removed span, with its edits in a little context (18 MB of input
  explained in about as many lines as it has removed spans);
- ``json``: one JSON object per line, the schema in :func:`to_json`.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from dedupe_docs.report.explain import Explanation

Form = Literal["text", "line", "json"]
FORMS: tuple[Form, ...] = ("text", "line", "json")

CONTEXT = 12
"""Characters of unchanged text shown on each side of an edit in the line form (more to end
on a whole word, up to twice as many)."""
SHOWN_EDITS = 3
"""Edits shown in full on a line; the rest are counted."""
EXCERPT = 60
"""Characters of a boilerplate span shown on its line."""

_REASON_COLOURS = {"duplicate": "yellow", "repeat": "cyan", "boilerplate": "magenta"}
_ANSI = {"red": 31, "green": 32, "yellow": 33, "magenta": 35, "cyan": 36}


def style(
    text: str,
    fg: str | None = None,
    *,
    bold: bool = False,
    underline: bool = False,
    strikethrough: bool = False,
) -> str:
    """``text`` in ANSI terminal colours and attributes, reset after it."""
    codes = [1] * bold + [4] * underline + [9] * strikethrough + ([_ANSI[fg]] if fg else [])
    return "".join(f"\x1b[{c}m" for c in codes) + text + "\x1b[0m"


def format_explanation(e: Explanation, form: Form, *, color: bool = False) -> str:
    """``e`` in one of :data:`FORMS` (``json`` is never coloured)."""
    if form == "json":
        return json.dumps(to_json(e), ensure_ascii=False)
    return render_line(e, color=color) if form == "line" else render(e, color=color)


def render(e: Explanation, *, color: bool) -> str:
    """An explanation as text: a header line, then the removed text indented, with the
    edits from its source marked — ``[-source only-]{+removed copy only+}`` in plain text,
    red struck-through and green underlined on a terminal. A reworded copy is compared word
    by word, and a word of the source found at another place of the copy is marked there as
    moved: ``{~word~}`` (cyan underlined on a terminal)."""
    head = _head(e, color)
    if e.source is not None:
        head += f" ({_sameness(e)})"
    body = _marked(e, color, 0, len(e.text)) if e.differences() else e.text
    indented = "\n".join("  " + line for line in body.strip("\n").split("\n"))
    return f"{head}\n{indented}"


def render_line(e: Explanation, *, color: bool) -> str:
    """An explanation on one line: where, why, the source, and the edits in context.

    >>> from dedupe_docs.report.explain import explain_documents
    >>> import dedupe_docs
    >>> texts = {"a": "The letter was printed twice.\\n", "b": "THE  LETTER was printed twice!\\n"}
    >>> cleaned = dedupe_docs.clean(list(texts.items()), min_tokens=3)
    >>> print(render_line(next(explain_documents(cleaned, texts)), color=False))
    b:1 [0:30] duplicate (passage), similarity 1.00 of a:1 [0:28]: 1 edit: …printed twice{+!+}
    """
    head = _head(e, color)
    if e.source is None:
        return f"{head}: {json.dumps(_excerpt(e.text, EXCERPT), ensure_ascii=False)}"
    edits = e.differences()
    if not edits:
        return f"{head}: {_sameness(e)}"
    shown = []
    for _, _, _, b0, b1 in edits[:SHOWN_EDITS]:
        lo, hi = _words_around(e.text, b0, b1)
        marked = _marked(e, color, lo, hi)
        shown.append(("…" if lo > 0 else "") + marked + ("…" if hi < len(e.text) else ""))
    more = f" (+{len(edits) - SHOWN_EDITS} more)" if len(edits) > SHOWN_EDITS else ""
    return f"{head}: {_sameness(e)}: " + " | ".join(shown).replace("\n", "⏎") + more


def to_json(e: Explanation) -> dict[str, Any]:
    """An explanation as a JSON object (one per line in ``--format json``)::

        {"id": "b", "start": 0, "end": 30, "line": 1, "end_line": 1,
         "reason": "duplicate", "similarity": 1.0,
         "source": {"id": "a", "start": 0, "end": 28, "line": 1, "end_line": 1},
         "identical": false,
         "edits": [{"tag": "replace", "source": [27, 28], "text": [29, 30],
                    "was": ".", "now": "!"}],
         "text": "THE  LETTER was printed twice!"}

    Offsets are code points into the documents (end-exclusive), lines 1-based. ``source`` is
    null for boilerplate and has ``"batch"`` when it lies in an earlier batch of an index;
    ``identical`` is true when the removed text is its source character for character;
    ``edits`` are the real edits (case, spacing, quotes and doubled letters are none), each
    with its range in the source (``source``) and in the removed document (``text``), the
    source's characters (``was``) and the copy's (``now``); ``text`` is the removed text. For a
    copy removed by the ``reworded`` rule the edits are whole words, and ``tag`` may also be
    ``move``: the words ``was`` of the source stand at ``text`` in the copy.
    """
    source: dict[str, Any] | None = None
    if e.source is not None:
        source = {
            "id": e.source.id,
            "start": e.source.start,
            "end": e.source.end,
            "line": e.source_line,
            "end_line": e.source_end_line,
        }
        if e.source.batch is not None:
            source["batch"] = e.source.batch
    src = e.source.start if e.source is not None else 0
    old = e.source_text or ""
    edits = [
        {
            "tag": tag,
            "source": [src + a0, src + a1],
            "text": [e.start + b0, e.start + b1],
            "was": old[a0:a1],
            "now": e.text[b0:b1],
        }
        for tag, a0, a1, b0, b1 in e.differences()
    ]
    return {
        "id": e.id,
        "start": e.start,
        "end": e.end,
        "line": e.line,
        "end_line": e.end_line,
        "reason": e.reason,
        "rule": e.rule,
        "similarity": e.similarity,
        "source": source,
        "identical": e.identical,
        "edits": edits,
        "text": e.text,
    }


def _head(e: Explanation, color: bool) -> str:
    where = _where(e.id, e.line, e.end_line, e.start, e.end)
    reason = style(e.reason, fg=_REASON_COLOURS[e.reason], bold=True) if color else e.reason
    head = f"{style(where, bold=True) if color else where} {reason}"
    if e.rule is not None and e.rule != e.reason:
        head += f" ({e.rule})"
    if e.source is not None:
        src = _where(e.source.id, e.source_line, e.source_end_line, e.source.start, e.source.end)
        sim = "" if e.similarity is None else f", similarity {e.similarity:.2f}"
        head += f"{sim} of {src}"
    return head


_WORD_EDITS = {"move": "moved", "replace": "replaced", "insert": "inserted", "delete": "deleted"}


def _sameness(e: Explanation) -> str:
    edits = e.differences()
    n = len(edits)
    if n and e.by_words:
        tags = [op[0] for op in edits]
        counts = ", ".join(f"{tags.count(t)} {v}" for t, v in _WORD_EDITS.items() if t in tags)
        return f"{n} word edit{'s' * (n > 1)}: {counts}"
    if n:
        return f"{n} edit{'s' * (n > 1)}"
    if e.identical:
        return "identical text"
    return "same text but for case, spacing, quotes or doubled letters"


def _where(doc: str, line: int | None, end_line: int | None, start: int, end: int) -> str:
    lines = f"{line}" if line == end_line else f"{line}-{end_line}"
    return f"{doc}:{lines} [{start}:{end}]"


def _marked(e: Explanation, color: bool, lo: int, hi: int) -> str:
    """The removed text from ``lo`` to ``hi`` with the edits that touch it marked (a deleted
    word between two words of a reworded copy stands apart from them)."""
    old, new = e.source_text or "", e.text
    out = []
    for tag, a0, a1, b0, b1 in e.diff:
        if b1 < lo or b0 > hi or (b0 == b1 and not lo <= b0 <= hi):
            continue
        if tag == "equal":
            out.append(new[max(b0, lo) : min(b1, hi)])
            continue
        if tag == "move":
            moved = new[b0:b1]
            out.append(style(moved, fg="cyan", underline=True) if color else f"{{~{moved}~}}")
            continue
        if a1 > a0:
            gone = old[a0:a1]
            marked = style(gone, fg="red", strikethrough=True) if color else f"[-{gone}-]"
            if e.by_words and b0 == b1:
                space_before = b0 > lo and not new[b0 - 1].isspace()
                space_after = b0 < min(hi, len(new)) and not new[b0].isspace()
                marked = " " * space_before + marked + " " * space_after
            out.append(marked)
        if b1 > b0:
            added = new[b0:b1]
            out.append(
                style(added, fg="green", underline=True, bold=True) if color else f"{{+{added}+}}"
            )
    return "".join(out)


def _words_around(text: str, start: int, end: int) -> tuple[int, int]:
    """About ``CONTEXT`` characters on each side of ``start:end``, widened to whole words."""
    lo, hi = max(0, start - CONTEXT), min(len(text), end + CONTEXT)
    while lo > max(0, start - 2 * CONTEXT) and not text[lo - 1].isspace():
        lo -= 1
    while hi < min(len(text), end + 2 * CONTEXT) and not text[hi].isspace():
        hi += 1
    return lo, hi


def _excerpt(text: str, size: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= size else flat[: size - 1] + "…"
