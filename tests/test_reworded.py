"""Reworded copies (``reuse="paraphrase"``): found with the right source and cut out of the
line they were pasted into, kept by the default mode; unrelated texts on one topic stay."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dedupe_docs
from dedupe_docs.report.explain import explain_documents
from dedupe_docs.report.render import render
from dedupe_docs.stages import reworded
from tests.helpers.clihelp import invoke
from tests.helpers.corpus import prose_paragraphs
from tests.helpers.invariants import check

SOURCE = (
    "The archive keeps every letter that the branch committee received during the dispute, "
    "sorted by the date on which it arrived. Members who want to read the correspondence "
    "should ask the secretary for a copy, because the original papers are fragile and cannot "
    "leave the office. Each request is recorded in a ledger together with the name of the "
    "member, the reason for the request and the date on which the copy was returned to the "
    "archive."
)
SOURCE_DOC = (
    "Minutes of the spring meeting, held in the upstairs room of the library.\n"
    + SOURCE
    + "\nThe meeting closed at nine with a vote of thanks to the chair.\n"
)
COPIES = {
    "shuffled": (
        "The archive every keeps letter that the committee branch received during the dispute, "
        "by sorted the date on it which arrived. Members who to want read the correspondence "
        "should the ask secretary for a copy, because the papers original are fragile and "
        "leave cannot the office. Each request is in recorded a ledger together with the of "
        "name the member, the for reason the request and the date on the which copy was "
        "returned to archive the."
    ),
    "synonyms": (
        "The archive retains every letter that the branch committee received during the "
        "conflict, sorted by the date on which it arrived. Members who wish to read the "
        "correspondence should ask the secretary for a copy, since the original papers are "
        "delicate and cannot leave the office. Each request is logged in a ledger together "
        "with the name of the member, the reason for the request and the date on which the "
        "copy was given back to the archive."
    ),
}


def _inserted_and_deleted(text: str) -> str:
    """Every sixth word dropped and a word inserted three words later: no five words in a
    row stay, so no shingle of the default mode survives."""
    extra = ["still", "really", "often", "later", "also", "quite"]
    out = []
    for i, word in enumerate(text.split()):
        if i % 6 == 2:
            continue
        out.append(word)
        if i % 6 == 5:
            out.append(extra[i // 6 % len(extra)])
    return " ".join(out)


COPIES["inserted and deleted"] = _inserted_and_deleted(SOURCE)
BEFORE = (
    "The weather at the coast was mild this spring, and the fishing boats went out early "
    "most mornings. "
)
AFTER = " The harbour master expects a busy summer season with many visiting yachts."


@pytest.mark.parametrize("kind", sorted(COPIES))
def test_a_reworded_copy_pasted_into_a_line_goes_citing_its_source(kind: str) -> None:
    """The copy goes from its first word to its last, the line's own sentences stay, and the
    removal cites the source passage; the default mode keeps the copy."""
    copy = COPIES[kind]
    target = BEFORE + copy + AFTER + "\n"
    docs = [("a", SOURCE_DOC), ("b", target)]
    exact = dedupe_docs.clean(docs)
    assert exact[1].text == target and not exact[1].removed
    cleaned = dedupe_docs.clean(docs, reuse="paraphrase")
    check(dict(docs), cleaned, reworded.THRESHOLD)
    (removal,) = cleaned[1].removed
    start = len(BEFORE)
    end = start + len(copy)
    assert removal.reason == "duplicate" and removal.rule == "reworded"
    assert removal.source is not None and removal.source.id == "a"
    assert start <= removal.start <= start + 5 and end - 5 <= removal.end <= end
    assert removal.similarity is not None and removal.similarity >= reworded.THRESHOLD
    source_start = SOURCE_DOC.index(SOURCE)
    assert source_start <= removal.source.start <= source_start + 10
    assert source_start + len(SOURCE) - 20 <= removal.source.end <= source_start + len(SOURCE)
    assert cleaned[1].text == BEFORE + AFTER.lstrip() + "\n"
    assert cleaned[0].text == SOURCE_DOC


def test_unrelated_texts_on_one_topic_stay() -> None:
    """A text on the same subject, sharing many of its words, is no copy."""
    other = (
        "The branch committee met in the office to discuss the dispute with the employer. The "
        "secretary read the letters aloud, and members asked whether the archive should be "
        "opened to the press. After a long debate the committee decided to keep the "
        "correspondence private until the dispute was settled, and the date of the next "
        "meeting was recorded in the ledger with the names of the members who asked for a "
        "copy of the original papers.\n"
    )
    cleaned = dedupe_docs.clean([("a", SOURCE_DOC), ("b", other)], reuse="paraphrase")
    assert not cleaned[1].removed


def test_code_and_short_template_sentences_stay() -> None:
    """Two compiler messages that differ in names only, and a one-sentence template, are not
    reworded copies (not prose; too short)."""
    first = (
        "error[E0502]: cannot borrow `s` as mutable because it is also borrowed as immutable\n"
        "  --> src/main.rs:18:5\n   |\n16 |     let word = first_word(&s);\n"
        "   |                           -- immutable borrow occurs here\n"
        "18 |     s.clear(); // error!\n   |     ^^^^^^^^^ mutable borrow occurs here\n"
        '20 |     println!("the first word is: {}", word);\n'
        "   |                                       ---- immutable borrow later used here\n"
    )
    second = (
        "error[E0502]: cannot borrow `v` as mutable because it is also borrowed as immutable\n"
        "  --> src/main.rs:6:5\n   |\n4 |     let first = &v[0];\n"
        "   |                  - immutable borrow occurs here\n"
        "6 |     v.push(6);\n   |     ^^^^^^^^^ mutable borrow occurs here\n"
        '8 |     println!("The first element is: {}", first);\n'
        "   |                                          ----- immutable borrow later used here\n"
    )
    template = "The full documentation for {} is maintained as a Texinfo manual on this site.\n"
    docs = [("a", first + template.format("cmp")), ("b", second + template.format("diff3"))]
    cleaned = dedupe_docs.clean(docs, reuse="paraphrase")
    assert not cleaned[1].removed


def test_prose_on_one_subject_loses_little() -> None:
    """Distinct paragraphs of the Python reference (one subject, one style, many shared
    words): the new mode removes next to nothing the default mode keeps (one paragraph, the
    asynchronous generator's, that rewords the generator's)."""
    paragraphs = prose_paragraphs()
    docs = [(f"d{i:03d}", "\n\n".join(paragraphs[i : i + 5]) + "\n") for i in range(0, 250, 5)]
    exact = dedupe_docs.clean(docs)
    cleaned = dedupe_docs.clean(docs, reuse="paraphrase")
    check(dict(docs), cleaned, reworded.THRESHOLD)
    extra = sum(len(c.text) for c in exact) - sum(len(c.text) for c in cleaned)
    changed = sum(a.text != b.text for a, b in zip(exact, cleaned, strict=True))
    assert changed <= 1 and 0 <= extra < 0.02 * sum(len(t) for _, t in docs)


def _reword(text: str, rng: random.Random, pool: list[str]) -> str:
    """Words moved a place or two, dropped, or inserted from ``pool`` (about one in five)."""
    words = text.split()
    out: list[str] = []
    for word in words:
        roll = rng.random()
        if roll < 0.05:
            continue
        out.append(word)
        if roll > 0.95:
            out.append(rng.choice(pool))
    for _ in range(len(out) // 10):
        i = rng.randrange(max(len(out) - 2, 1))
        j = min(i + rng.randint(1, 2), len(out) - 1)
        out[i], out[j] = out[j], out[i]
    return " ".join(out)


@st.composite
def reused(draw: st.DrawFn) -> list[tuple[str, str]]:
    """Documents of real paragraphs, some holding reworded copies of earlier paragraphs
    pasted between two sentences of their own, on one line or re-wrapped."""
    rng = random.Random(draw(st.integers(0, 2**32)))
    paragraphs = PARAGRAPHS
    pool = " ".join(rng.sample(paragraphs, 5)).split()
    docs: list[list[str]] = []
    for _ in range(draw(st.integers(2, 5))):
        parts = []
        for _ in range(draw(st.integers(1, 4))):
            earlier = [p for d in docs for p in d]
            own = rng.choice(paragraphs)
            if earlier and rng.random() < 0.5:
                copy = " ".join(rng.choice(earlier).split()[: rng.randint(30, 200)])
                cut = own.find(". ") + 2 if ". " in own else len(own)
                own = own[:cut] + _reword(copy, rng, pool) + " " + own[cut:]
            if rng.random() < 0.5:  # re-wrapped at some width
                width, line, lines = rng.randint(50, 90), "", []
                for word in own.split():
                    if line and len(line) + 1 + len(word) > width:
                        lines.append(line)
                        line = word
                    else:
                        line = f"{line} {word}".strip()
                own = "\n".join([*lines, line])
            parts.append(own)
        docs.append(parts)
    return [(f"doc{i:02d}", "\n\n".join(parts) + "\n") for i, parts in enumerate(docs)]


PARAGRAPHS = prose_paragraphs()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reused(), st.sampled_from(["line", "paragraph"]), st.integers(1, 2))
def test_invariants_hold_with_reworded_copies(
    docs: list[tuple[str, str]], unit: str, jobs: int
) -> None:
    """The provenance invariants hold in the new mode (a reworded removal's similarity is at
    least ``reworded.THRESHOLD``), and the output is the same on more threads."""
    cleaned = dedupe_docs.clean(docs, unit=unit, reuse="paraphrase")
    check(dict(docs), cleaned, reworded.THRESHOLD)
    again = dedupe_docs.clean(docs, unit=unit, reuse="paraphrase", jobs=jobs)
    assert [c.provenance() for c in again] == [c.provenance() for c in cleaned]


def test_the_option_is_checked_and_refused_where_it_cannot_run(tmp_path: object) -> None:
    with pytest.raises(dedupe_docs.ConfigError, match="did you mean 'paraphrase'"):
        dedupe_docs.Config(reuse="paraphrse")
    with pytest.raises(dedupe_docs.ConfigError, match="reuse"):
        dedupe_docs.Config(reuse="paraphrase", max_memory="1G")
    with pytest.raises(dedupe_docs.ConfigError, match="reuse"):
        dedupe_docs.clean([("a", SOURCE_DOC)], index=f"{tmp_path}/index", reuse="paraphrase")


def test_the_command_line_option_and_explain(tmp_path: Path) -> None:
    """``--reuse paraphrase`` on the command line removes the reworded copy (rule
    ``reworded``), and ``explain`` shows it beside its source; the default keeps it."""
    corpus = tmp_path / "in"
    corpus.mkdir()
    (corpus / "a.txt").write_text(SOURCE_DOC, encoding="utf-8")
    (corpus / "b.txt").write_text(BEFORE + COPIES["synonyms"] + AFTER + "\n", encoding="utf-8")
    for mode, removed in (("exact", 0), ("paraphrase", 1)):
        out = tmp_path / mode
        assert invoke("clean", str(corpus), "--out", str(out), "--reuse", mode, "-q")[0] == 0
        rows = [json.loads(line) for line in (out / "provenance.jsonl").read_text().splitlines()]
        assert len(rows[1]["removed"]) == removed
    (record,) = rows[1]["removed"]
    assert record["rule"] == "reworded" and record["source"]["id"] == "a.txt"
    out = str(tmp_path / "paraphrase")
    code, shown, _ = invoke("explain", out, "--rule", "reworded")
    assert code == 0, shown
    head, body = shown.split("\n", 1)
    assert head.startswith("b.txt:1 [") and "duplicate (reworded)" in head
    assert head.endswith("of a.txt:2 [73:510] (7 word edits: 7 replaced)")
    assert re.findall(r"\[-([^]]*)-\]\{\+([^}]*)\+\}", body) == SYNONYMS
    assert "The archive [-keeps-]{+retains+} every letter" in body
    code, shown, _ = invoke("explain", out, "--rule", "reworded", "--format", "line")
    assert code == 0 and shown.count("\n") == 1
    assert shown.rstrip().endswith(
        ": 7 word edits: 7 replaced: The archive [-keeps-]{+retains+} every letter… | "
        "…received during the [-dispute-]{+conflict+}, sorted by the… | "
        "…Members who [-want-]{+wish+} to read the… (+4 more)"
    )
    code, shown, _ = invoke("explain", out, "--rule", "reworded", "--format", "json")
    (row,) = [json.loads(line) for line in shown.splitlines()]
    assert [(e["tag"], e["was"], e["now"]) for e in row["edits"]] == [
        ("replace", was, now) for was, now in SYNONYMS
    ]
    source = (corpus / "a.txt").read_text(encoding="utf-8")
    for edit in row["edits"]:
        assert source[slice(*edit["source"])] == edit["was"]
    # The HTML report's side-by-side pair marks the same whole words.
    page = tmp_path / "report.html"
    assert invoke("report", out, "--html", str(page))[0] == 0
    data = page.read_text(encoding="utf-8").split('id="dd-data">', 1)[1].split("</script>")[0]
    docs = json.loads(data)["docs"]
    (span,) = docs[1]["removed"]
    copy = (corpus / "b.txt").read_text(encoding="utf-8")[span[0] : span[1]]
    quoted = source[span[4] : span[5]]
    assert [(quoted[a0:a1], copy[b0:b1], moved) for a0, a1, b0, b1, moved in span[7]] == [
        (was, now, 0) for was, now in SYNONYMS
    ]


SYNONYMS = [
    ("keeps", "retains"),
    ("dispute", "conflict"),
    ("want", "wish"),
    ("because", "since"),
    ("fragile", "delicate"),
    ("recorded", "logged"),
    ("returned", "given back"),
]
"""The words the ``synonyms`` copy replaced, in order."""
SHUFFLED = [
    "every",
    "committee",
    "by",
    "it",
    "to",
    "the",
    "papers",
    "leave",
    "in",
    "of",
    "for",
    "the",
    "archive",
]
"""The words of the ``shuffled`` copy found at another place than in the source (of each pair
of swapped words, the one the longest common run of words leaves out)."""


@pytest.mark.parametrize("kind", sorted(COPIES))
def test_explain_shows_a_reworded_copy_word_by_word(kind: str) -> None:
    """``explain`` compares a reworded copy on words: a synonym is one replaced word, a word
    moved a place or two one moved word, an inserted or a dropped word one edit; no edit cuts
    a word, and the shuffled copy is all moves."""
    texts = {"a": SOURCE_DOC, "b": BEFORE + COPIES[kind] + AFTER + "\n"}
    (e,) = explain_documents(dedupe_docs.clean(list(texts.items()), reuse="paraphrase"), texts)
    assert e.rule == "reworded" and e.by_words
    edits = [(tag, e.source_text[a0:a1], e.text[b0:b1]) for tag, a0, a1, b0, b1 in e.differences()]
    if kind == "synonyms":
        assert edits == [("replace", was, now) for was, now in SYNONYMS]
    elif kind == "shuffled":
        assert edits == [("move", word, word) for word in SHUFFLED]
        shown = render(e, color=False)
        assert "(13 word edits: 13 moved)" in shown.split("\n")[0]
        assert "The archive {~every~} keeps letter that the {~committee~} branch" in shown
    else:
        words = SOURCE.split()
        dropped = [w.rstrip(".,") for i, w in enumerate(words) if i % 6 == 2]
        dropped[3] = "arrived."  # the full stop after it goes with it
        assert [was for tag, was, _ in edits if tag == "delete"] == dropped
        extra = ["still", "really", "often", "later", "also", "quite"]
        assert [now for tag, _, now in edits if tag == "insert"] == [
            extra[i // 6 % 6] for i in range(len(words)) if i % 6 == 5
        ]
        assert {tag for tag, _, _ in edits} == {"insert", "delete"}
        assert "sorted [-by-] the date" in render(e, color=False)
