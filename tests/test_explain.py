"""dedupe-docs explain: each removed span beside its source, with the differences marked."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import attrs
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

import dedupe_docs
from dedupe_docs.cli import main
from dedupe_docs.report import diff
from dedupe_docs.report.explain import Explanation, explain, explain_documents, read_provenance
from dedupe_docs.report.render import render
from tests.helpers.corpus import SEEDS

LETTER_DOC = "000_44233688ec9489a4.txt"


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def seeds_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("explain") / "out"
    assert invoke("clean", str(SEEDS), "--out", str(out))[0] == 0
    return out


def test_report_json_records_the_inputs(seeds_out: Path) -> None:
    report = json.loads((seeds_out / "report.json").read_text())
    assert report["inputs"] == {
        "paths": [str(SEEDS.absolute())],
        "in_memory": 0,
        "text_field": "text",
        "id_field": "id",
        "on_error": "raise",
        "encoding_errors": "strict",
        "encoding": "utf-8",
        "hashes": [report["inputs"]["hashes"][0]],
    }
    assert sorted(report["inputs"]["hashes"][0]) == sorted(p.name for p in SEEDS.glob("*.txt"))
    assert report["version"] == dedupe_docs.__version__
    assert report["config"]["min_tokens"] == 24


def test_explain_shows_the_second_letter_beside_the_first(seeds_out: Path) -> None:
    code, out, err = invoke("explain", str(seeds_out), LETTER_DOC, "--reason", "duplicate")
    assert code == 0, err
    # The second copy of the letter (lines 110-141) repeats the first (lines 78-109), and the two
    # copies are the same text character for character.
    head = re.search(
        rf"^{re.escape(LETTER_DOC)}:110-141 \[(\d+):(\d+)\] duplicate \(passage\), similarity 1\.00 "
        rf"of {re.escape(LETTER_DOC)}:78-109 \[(\d+):(\d+)\] \(identical text\)$",
        out,
        re.MULTILINE,
    )
    assert head, out[:2000]
    text = (SEEDS / LETTER_DOC).read_text(encoding="utf-8")
    start, end, src_start, src_end = map(int, head.groups())
    assert text[start:end] == text[src_start:src_end]
    assert "  Dear Suki," in out
    # The second printing of the bulletin is the first, up to the colon after the quoted span.
    assert re.search(r"^\S+:35-46 .* of \S+:2-13 \[73:2920\] \(identical text\)$", out, re.M)
    assert "{+" not in out and "[-" not in out
    assert "\x1b[" not in out  # piped: plain text, no colour
    assert "boilerplate" not in out


def test_explain_marks_typos_in_a_fuzzy_copy(tmp_path: Path) -> None:
    corpus = tmp_path / "in"
    shutil.copytree(SEEDS, corpus)
    path = corpus / LETTER_DOC
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[109] == "Suki Binning, Chief Executive"  # line 110: start of the second letter
    lines[111] = lines[111].replace("12 May 2019", "12 May 2019.")
    lines[112] = lines[112].replace("Dear Suki", "Dear Sukie")
    path.write_text("\n".join(lines), encoding="utf-8")
    out = tmp_path / "out"
    assert invoke("clean", str(corpus), "--out", str(out))[0] == 0

    found = [
        e
        for e in explain(out, LETTER_DOC, reason="duplicate")
        if e.source_line is not None and e.source_line <= 80 <= e.source_end_line
    ]
    assert len(found) == 1
    e = found[0]
    assert isinstance(e, Explanation) and not e.identical
    assert 0.8 <= e.similarity <= 1.0
    changed = [(e.source_text[a0:a1], e.text[b0:b1]) for _, a0, a1, b0, b1 in e.differences()]
    assert ("", ".") in changed and ("", "e") in changed
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        e.start = 0  # type: ignore[misc]

    code, plain, _ = invoke("explain", str(out), LETTER_DOC)
    assert code == 0
    assert "12 May 2019{+.+}" in plain and "Dear Suki{+e+}," in plain
    code, coloured, _ = invoke("explain", str(out), LETTER_DOC, "--color")
    assert code == 0
    assert "\x1b[" in coloured and "{+" not in coloured
    assert re.search(r"Dear Suki(\x1b\[[0-9;]*m)+e\x1b\[0m,", coloured)


def test_explain_boilerplate_has_no_source(seeds_out: Path) -> None:
    code, out, _ = invoke("explain", str(seeds_out), "--reason", "boilerplate")
    assert code == 0
    assert out.count(" boilerplate (template)\n") == 107
    assert " of " not in out.split("\n", 1)[0]


def test_explain_finds_moved_inputs_only_when_told(tmp_path: Path) -> None:
    corpus = tmp_path / "in"
    shutil.copytree(SEEDS, corpus)
    out = tmp_path / "out"
    assert invoke("clean", str(corpus), "--out", str(out))[0] == 0
    corpus.rename(tmp_path / "moved")
    code, _, err = invoke("explain", str(out))
    assert code == 1
    assert f"{corpus}: input of the run in {out} is missing (moved or deleted?)" in err
    assert "--input" in err
    code, text, _ = invoke("explain", str(out), "--input", str(tmp_path / "moved"))
    assert code == 0 and "duplicate (passage), similarity" in text
    # A source that changed since the run is refused, not explained wrongly.
    (tmp_path / "moved" / LETTER_DOC).write_text("changed\n", encoding="utf-8")
    code, _, err = invoke("explain", str(out), "--input", str(tmp_path / "moved"))
    assert code == 1 and f"{tmp_path / 'moved' / LETTER_DOC}: changed since the run" in err


def test_explain_in_memory_run_needs_the_texts(tmp_path: Path) -> None:
    texts = {"a": "The letter was printed twice.\n", "b": "THE  LETTER was printed twice!\n"}
    out = tmp_path / "out"
    dedupe_docs.run(list(texts.items()), out, dedupe_docs.Config(min_tokens=3))
    with pytest.raises(dedupe_docs.InputError, match="given in memory"):
        list(explain(out))
    (e,) = explain(out, texts=texts)
    assert (e.id, e.source.id, e.text) == ("b", "a", "THE  LETTER was printed twice!")
    cleaned = dedupe_docs.clean(list(texts.items()), min_tokens=3)
    assert list(explain_documents(cleaned, texts)) == [e]


def test_explain_unknown_document(seeds_out: Path) -> None:
    code, _, err = invoke("explain", str(seeds_out), "nope.txt")
    assert code == 1 and "no document 'nope.txt'" in err
    code, _, err = invoke("explain", str(seeds_out / "missing"))
    assert code == 1 and "provenance.jsonl: No such file or directory" in err


def explained(texts: dict[str, str], **options: object) -> list[Explanation]:
    cleaned = dedupe_docs.clean(list(texts.items()), **options)
    return list(explain_documents(cleaned, texts))


LETTER = (
    "Dear members, the branch meeting on the twelfth of May will discuss the pay offer, "
    "the new rota and the closure of the Whitby office; please come if you can.\n"
)


def test_an_upper_cased_copy_shows_no_edit_and_a_typo_shows_one() -> None:
    shouted = "INTRO.\n" + LETTER.upper().replace(" ", "  ")
    (e,) = explained({"a": LETTER, "b": shouted})
    assert e.differences() == [] and not e.identical
    assert (
        render(e, color=False)
        .split("\n")[0]
        .endswith("(same text but for case, spacing, quotes or doubled letters)")
    )
    typo = LETTER.replace("closure", "clsoure").replace("May", "MAY")
    (e,) = explained({"a": LETTER, "b": "Intro.\n" + typo})
    assert [(e.source_text[a0:a1], e.text[b0:b1]) for _, a0, a1, b0, b1 in e.differences()] == [
        ("os", "so")
    ]
    assert "the cl[-os-]{+so+}ure of" in render(e, color=False)


def test_doubled_letters_typographic_quotes_and_rewrapping_are_no_edits() -> None:
    quoted = LETTER.replace("pay offer", "“pay offer”")
    plain = LETTER.replace("pay offer", '"pay offer"')
    doubled = "".join(c if c == "\n" else c + c for c in plain)
    rewrapped = plain.replace(", the new", ",\nthe new").replace("; please", ";\nplease")
    for copy in (doubled, rewrapped):
        (e,) = explained({"a": quoted, "b": "Intro.\n" + copy})
        assert e.differences() == [], copy
    # A changed number and a changed word are real edits.
    (e,) = explained({"a": LETTER, "b": "x\n" + LETTER.replace("Whitby", "Whitley")})
    assert [e.text[b0:b1] for *_, b0, b1 in e.differences()] == ["le"]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "  ",
        "Hello",
        "TThhee  lleetttteerr",
        "a  b\n\nc",
        "100 vs 10",
        "x`y`",
        "--- ...",
        "Z\x1c\x1fz",
        "a apple",
    ],
)
def test_ascii_folding_is_the_general_folding(text: str) -> None:
    assert diff._fold_ascii(text) == diff._fold_any(text)


@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_ascii_folding_is_the_general_folding_for_any_ascii(text: str) -> None:
    assert diff._fold_ascii(text) == diff._fold_any(text)


@given(
    st.text(alphabet="aAbB  \n.,'’“-—0011é", max_size=40),
    st.text(alphabet="aAbB  \n.,'’“-—0011é", max_size=40),
)
def test_differences_cover_both_texts_in_order(old: str, new: str) -> None:
    ops = diff.differences(old, new)
    assert "".join(old[a0:a1] for _, a0, a1, _, _ in ops) == old
    assert "".join(new[b0:b1] for _, _, _, b0, b1 in ops) == new
    for tag, a0, a1, b0, b1 in ops:
        if tag == "equal":
            assert diff.fold(old[a0:a1]).text == diff.fold(new[b0:b1]).text
        else:  # an edit never starts or ends with spacing
            for part in (old[a0:a1], new[b0:b1]):
                assert part == part.strip()


@pytest.fixture(scope="module")
def fuzzy_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeds plus a page that copies the letter with two typos and in capitals."""
    tmp = tmp_path_factory.mktemp("fuzzy")
    corpus = tmp / "in"
    shutil.copytree(SEEDS, corpus)
    (corpus / "x.txt").write_text(
        "Intro.\n" + LETTER + "\nAnd again:\n" + LETTER.upper() + "\n", encoding="utf-8"
    )
    (corpus / "y.txt").write_text(
        "Other.\n" + LETTER.replace("pay", "pya").replace("Whitby", "Whtiby") + "\n",
        encoding="utf-8",
    )
    out = tmp / "out"
    assert invoke("clean", str(corpus), "--out", str(out), "--min-tokens", "8")[0] == 0
    return out


def test_explain_line_form_has_one_line_per_removed_span(fuzzy_out: Path) -> None:
    spans = sum(len(p.removed) for p in read_provenance(fuzzy_out))
    code, out, err = invoke("explain", str(fuzzy_out), "--format", "line")
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) == spans > 100
    (upper,) = [line for line in lines if line.startswith("x.txt:5 ")]
    assert upper.endswith(": same text but for case, spacing, quotes or doubled letters")
    (typos,) = [line for line in lines if line.startswith("y.txt:")]
    assert typos.endswith(
        ": 2 edits: …discuss the p[-ay-]{+ya+} offer, the new… | …closure of the Wh[-it-]{+ti+}by office; please…"
    )
    assert "\x1b[" not in out
    code, coloured, _ = invoke("explain", str(fuzzy_out), "y.txt", "--format", "line", "--color")
    assert code == 0 and "\x1b[" in coloured and coloured.count("\n") == 1


def test_explain_json_lines_follow_the_schema(fuzzy_out: Path) -> None:
    code, out, err = invoke("explain", str(fuzzy_out), "--format", "json", "--color")
    assert code == 0, err
    assert "\x1b[" not in out  # never coloured
    records = [json.loads(line) for line in out.splitlines()]
    assert len(records) == sum(len(p.removed) for p in read_provenance(fuzzy_out))
    keys = {"id", "start", "end", "line", "end_line", "reason", "rule", "similarity", "source"}
    keys |= {"identical", "edits", "text"}
    assert all(set(r) == keys for r in records)
    texts = {p.name: p.read_text(encoding="utf-8") for p in (fuzzy_out.parent / "in").glob("*.txt")}
    for r in records:
        assert texts[r["id"]][r["start"] : r["end"]] == r["text"]
        if r["reason"] == "boilerplate":
            assert r["source"] is None and r["edits"] == []
            continue
        src = r["source"]
        assert set(src) == {"id", "start", "end", "line", "end_line"}
        for edit in r["edits"]:
            assert texts[src["id"]][slice(*edit["source"])] == edit["was"]
            assert texts[r["id"]][slice(*edit["text"])] == edit["now"]
    (typos,) = [r for r in records if r["id"] == "y.txt"]
    assert [(e["was"], e["now"]) for e in typos["edits"]] == [("ay", "ya"), ("it", "ti")]
    code, out, _ = invoke("explain", str(fuzzy_out), "x.txt", "--format", "json")
    assert {json.loads(line)["id"] for line in out.splitlines()} == {"x.txt"}


def edits_on_words(old: str, new: str, context: tuple[str, str] = ("", "")) -> list[tuple]:
    """The edits of :func:`diff.word_differences` as ``(tag, source words, copy words)``."""
    return [
        (tag, old[a0:a1], new[b0:b1])
        for tag, a0, a1, b0, b1 in diff.word_differences(old, new, context)
        if tag != "equal"
    ]


def test_word_differences_mark_whole_words() -> None:
    """A synonym is one replaced word, a shuffled word one moved word, and an inserted or
    deleted word one edit each; case, quotes and doubled letters are no difference."""
    old = "The archive keeps every letter that the committee received."
    assert edits_on_words(old, old.replace("keeps", "retains")) == [("replace", "keeps", "retains")]
    assert edits_on_words(old, old.replace("keeps every", "every keeps")) == [
        ("move", "every", "every")
    ]
    assert edits_on_words(old, old.replace("that the", "that, later, the").upper()) == [
        ("insert", "", ", LATER,")
    ]
    assert edits_on_words(old, old.replace("every ", "")) == [("delete", "every", "")]
    # Two neighbouring words moved together are one edit; a replaced run of words is one.
    assert edits_on_words("a b c d e f", "a d e b c f") == [("move", "d e", "d e")]
    assert edits_on_words(old, old.replace("keeps every", "holds on to each")) == [
        ("replace", "keeps every", "holds on to each")
    ]
    # The punctuation around a quoted span matches, but is never deleted.
    assert edits_on_words("the letter", "The Letter.", ("", ".")) == []
    assert edits_on_words("the letter", "the letter", (". ", ".")) == []


@given(
    st.lists(st.sampled_from(["a", "B", "b", "cc", "c", ",", "d'e", "é"]), max_size=12),
    st.lists(st.sampled_from(["a", "b", "C", "c", ".", ",", "d'e", "e"]), max_size=12),
    st.sampled_from([" ", "  ", "\n"]),
)
def test_word_differences_account_for_every_word_once(
    old_words: list[str], new_words: list[str], sep: str
) -> None:
    """The copy's text is tiled in order; each word of either text lies in exactly one
    opcode; edits hold whole words; an equal opcode holds the same words, folded."""
    old, new = " ".join(old_words), sep.join(new_words)
    ops = diff.word_differences(old, new)
    assert "".join(new[b0:b1] for *_, b0, b1 in ops) == new
    words = diff._WORD
    for text, side in ((old, 1), (new, 3)):
        for m in words.finditer(text):
            holding = [op for op in ops if op[side] <= m.start() and m.end() <= op[side + 1]]
            assert len(holding) == 1, (old, new, m.group(), ops)
    for tag, a0, a1, b0, b1 in ops:
        if tag == "equal":
            assert [diff.fold(w).text for w in words.findall(old[a0:a1])] == [
                diff.fold(w).text for w in words.findall(new[b0:b1])
            ]
        else:
            for text, lo, hi in ((old, a0, a1), (new, b0, b1)):
                spans = [m.span() for m in words.finditer(text)]
                if hi > lo:  # from the start of a word to the end of a word
                    assert lo in {s for s, _ in spans} and hi in {e for _, e in spans}
