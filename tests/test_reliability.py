"""Differential tests on generated corpora: the same documents as a folder of ``.txt`` files,
as JSONL and as Parquet give the same cleaned texts and provenance; ``--keep-going`` with bad
records injected keeps every valid record, in order, cleaned as if the bad ones were absent;
``explain`` and the HTML report succeed on every run ``clean`` completed, whatever its inputs
and options, and explain every removed span against the text that was cleaned."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dedupe_docs
from dedupe_docs import Config, pipeline
from tests.helpers.corpus import prose_paragraphs

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

POOL = [" ".join(p.split()[:30]) for p in prose_paragraphs()[:12]]
CONFIG = Config(min_tokens=8, shingle_size=4)


@st.composite
def corpora(draw: st.DrawFn, max_docs: int = 6) -> list[tuple[str, str]]:
    """Documents of paragraphs from a small pool (so copies are common), with line or blank
    line separators and now and then a typo, named ``dNNN.txt``."""
    n = draw(st.integers(1, max_docs))
    docs = []
    for i in range(n):
        picks = draw(st.lists(st.integers(0, len(POOL) - 1), min_size=1, max_size=4))
        paras = []
        for k in picks:
            text = POOL[k]
            if draw(st.booleans()) and draw(st.booleans()):
                at = draw(st.integers(0, len(text) - 1))
                text = text[:at] + "x" + text[at + 1 :]
            paras.append(text)
        sep = draw(st.sampled_from(["\n", "\n\n"]))
        docs.append((f"d{i:03d}.txt", sep.join(paras) + "\n"))
    return docs


def write_all(folder: Path, docs: list[tuple[str, str]]) -> dict[str, Path]:
    """The corpus as a folder of .txt files, a JSONL file and a Parquet file."""
    txt = folder / "txt"
    txt.mkdir()
    for doc_id, text in docs:
        (txt / doc_id).write_bytes(text.encode("utf-8"))
    rows = [{"id": i, "text": t} for i, t in docs]
    jsonl = folder / "in.jsonl"
    jsonl.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    parquet = folder / "in.parquet"
    pq.write_table(pa.Table.from_pylist(rows), parquet, row_group_size=2)
    return {"txt": txt, "jsonl": jsonl, "parquet": parquet}


def cleaned(out: Path, kind: str) -> tuple[list[tuple[str, str]], list[dict]]:
    """(id, cleaned text) of every document in corpus order, and the provenance records."""
    prov = [json.loads(x) for x in (out / "provenance.jsonl").read_bytes().splitlines()]
    if kind == "txt":
        texts = [(p["id"], (out / "clean" / p["id"]).read_bytes().decode()) for p in prov]
    elif kind == "jsonl":
        lines = (out / "clean.jsonl").read_bytes().splitlines()
        texts = [(r["id"], r["text"]) for r in map(json.loads, lines)]
    else:
        texts = [(r["id"], r["text"]) for r in pq.read_table(out / "clean.parquet").to_pylist()]
    return texts, prov


def same_result_in_every_format(docs: list[tuple[str, str]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        inputs = write_all(Path(tmp), docs)
        results = {}
        for kind, path in inputs.items():
            out = Path(tmp) / f"out-{kind}"
            pipeline.run([path], out, CONFIG)
            results[kind] = cleaned(out, kind)
        assert results["txt"] == results["jsonl"] == results["parquet"]
        assert [i for i, _ in results["txt"][0]] == [i for i, _ in docs]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(corpora())
def test_txt_jsonl_and_parquet_give_the_same_output(docs: list[tuple[str, str]]) -> None:
    same_result_in_every_format(docs)


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(corpora(max_docs=40))
def test_txt_jsonl_and_parquet_give_the_same_output_on_bigger_corpora(
    docs: list[tuple[str, str]],
) -> None:
    same_result_in_every_format(docs)


BAD_JSONL = ["{oops", '{"id": "bad"}', '{"id": "bad2", "text": 5}', "[1]"]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(corpora(), st.data())
def test_keep_going_keeps_every_valid_record_in_order(
    docs: list[tuple[str, str]], data: st.DataObject
) -> None:
    bad_at = data.draw(st.sets(st.integers(0, len(docs)), min_size=1, max_size=3))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        lines, rows = [], []
        for i, (doc_id, text) in enumerate([*docs, (None, "")]):
            if i in bad_at:
                lines.append(data.draw(st.sampled_from(BAD_JSONL)))
                rows.append({"id": f"bad{i}", "text": None})
            if doc_id is not None:
                lines.append(json.dumps({"id": doc_id, "text": text}))
                rows.append({"id": doc_id, "text": text})
        jsonl, parquet = folder / "in.jsonl", folder / "in.parquet"
        jsonl.write_text("\n".join(lines) + "\n", encoding="utf-8")
        pq.write_table(pa.Table.from_pylist(rows), parquet, row_group_size=2)
        expected = [c.text for c in pipeline.clean(docs, CONFIG)]
        for kind, path in (("jsonl", jsonl), ("parquet", parquet)):
            out = folder / f"out-{kind}"
            report = pipeline.run([path], out, CONFIG, on_error="skip")
            texts, _ = cleaned(out, kind)
            assert [i for i, _ in texts] == [i for i, _ in docs]
            assert [t for _, t in texts] == expected
            assert len(report["errors"]) == len(bad_at)


@st.composite
def runs(draw: st.DrawFn, max_docs: int = 6) -> dict:
    """A corpus in one input format with the run options that change how it is read or
    written: a bad record skipped with ``on_error="skip"``, bytes that are not UTF-8 read
    with ``encoding_errors="replace"``, numbered output parts, bounded memory, or its first
    documents cleaned in an earlier batch of a persisted index."""
    return {
        "docs": draw(corpora(max_docs)),
        "kind": draw(st.sampled_from(["txt", "jsonl", "parquet"])),
        "bad_at": draw(st.none() | st.integers(0, max_docs)),
        "undecodable": draw(st.booleans()),
        "parts": draw(st.none() | st.integers(1, 3)),
        "bounded": draw(st.booleans()) and draw(st.booleans()),
        "earlier": draw(st.integers(0, 2)),  # documents cleaned first into a persisted index
    }


def write_run(
    folder: Path, case: dict, docs: list[tuple[str, str]]
) -> tuple[Path, dict[str, str], dict]:
    """``docs`` written in the format of ``case`` in ``folder``, the text of every document
    that a run reads from it (by id, as decoded), and the options of the run."""
    kind = case["kind"]
    folder.mkdir()
    raw = [(i, t.encode("utf-8")) for i, t in docs]
    if case["undecodable"] and kind == "txt":  # a Latin-1 byte in the first document
        raw[0] = (raw[0][0], raw[0][1].replace(b" ", b" caf\xe9 ", 1))
    texts = {i: b.decode("utf-8", "replace") for i, b in raw}
    options: dict = {"encoding_errors": "replace"} if case["undecodable"] else {}
    bad = case["bad_at"] is not None
    if bad:
        options["on_error"] = "skip"
    if case["parts"] is not None and kind != "txt":
        options["output_parts"] = case["parts"]
    at = min(case["bad_at"] or 0, len(raw))
    if kind == "txt":
        path = folder / "txt"
        path.mkdir()
        for doc_id, data in raw:
            (path / doc_id).write_bytes(data)
        if bad:  # not UTF-8 even with replacement: a NUL byte marks a binary file
            (path / f"d{at:03d}-bad.txt").write_bytes(b"\x00\xff\xfe binary")
    elif kind == "jsonl":
        path = folder / "in.jsonl"
        lines = [json.dumps({"id": i, "text": t}) for i, t in docs]
        if bad:
            lines.insert(at, "{oops")
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    else:
        path = folder / "in.parquet"
        rows: list[dict] = [{"id": i, "text": t} for i, t in docs]
        if bad:
            rows.insert(at, {"id": "bad", "text": None})
        pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=2)
    return path, texts, options


def explain_and_report_every_run(case: dict) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        docs, texts = case["docs"], {}
        index = None
        if case["earlier"] and len(docs) > case["earlier"] and not case["bounded"]:
            index = folder / "index"
            first = case["earlier"]
            plain = {**case, "bad_at": None, "undecodable": False}
            path, texts, _ = write_run(folder / "first", plain, docs[:first])
            pipeline.run([path], folder / "out-first", CONFIG, index=index)
            docs = docs[first:]
        path, more, options = write_run(folder / "second", case, docs)
        texts.update(more)
        config = CONFIG.evolve(max_memory="256M") if case["bounded"] else CONFIG
        out = folder / "out"
        report = pipeline.run([path], out, config, index=index, **options)
        assert len(report["errors"]) == (case["bad_at"] is not None)
        provenance = [json.loads(x) for x in (out / "provenance.jsonl").read_bytes().splitlines()]
        removed = [(p["id"], r["start"], r["end"]) for p in provenance for r in p["removed"]]
        explained = list(dedupe_docs.explain(out))
        assert [(e.id, e.start, e.end) for e in explained] == removed
        for e in explained:
            assert e.text == texts[e.id][e.start : e.end]
            if e.source is not None:
                assert e.source_text == texts[e.source.id][e.source.start : e.source.end]
        page = dedupe_docs.write_html(out, folder / "report.html").read_text(encoding="utf-8")
        assert page.startswith("<!") and all(p["id"] in page for p in provenance)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(runs())
def test_explain_and_report_succeed_on_every_run_clean_completed(case: dict) -> None:
    explain_and_report_every_run(case)


@pytest.mark.slow
@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(runs(max_docs=30))
def test_explain_and_report_succeed_on_every_run_clean_completed_on_more_runs(case: dict) -> None:
    explain_and_report_every_run(case)
