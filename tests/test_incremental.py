"""A persisted index: batch B cleaned against A decides what cleaning A and B together decides;
only a copy whose source survives in one run and not in the other can differ."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dedupe_docs
from dedupe_docs import pipeline
from dedupe_docs.cli import main
from dedupe_docs.stages.read import read
from tests.helpers.corpus import SEEDS, planted


def provenance(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "provenance.jsonl").read_text().splitlines()]


def without_batch(record: dict) -> dict:
    for r in record["removed"]:
        if r["source"]:
            r["source"].pop("batch", None)
    return record


def batch_runs(
    docs: list[tuple[str, str]], cuts: list[int], root: Path, config: dedupe_docs.Config
) -> list[list[dict]]:
    """The provenance of each batch cleaned with a persisted index, batch by batch."""
    bounds, out = [0, *cuts, len(docs)], []
    for i in range(len(bounds) - 1):
        pipeline.run(docs[bounds[i] : bounds[i + 1]], root / f"out{i}", config, index=root / "i")
        out.append([without_batch(p) for p in provenance(root / f"out{i}")])
    return out


def removed_at(record: dict) -> set[int]:
    return {c for r in record["removed"] for c in range(r["start"], r["end"])}


def explain_differences(mine: list[dict], joint: list[dict], sources: dict[str, dict]) -> None:
    """The documented rule: a batch's decisions are the joint run's; only a copy whose source
    survives in one run and not in the other can differ. Every character that ``mine`` removes
    and ``joint`` keeps lies in a removal citing text that ``sources`` (the other run's records
    by id) removes."""
    for record, other in zip(mine, joint, strict=True):
        for c in sorted(removed_at(record) - removed_at(other)):
            (removal,) = [r for r in record["removed"] if r["start"] <= c < r["end"]]
            source = removal["source"]
            assert source is not None, (record["id"], c, removal)
            gone = removed_at(sources[source["id"]])
            assert gone & set(range(source["start"], source["end"])), (record["id"], removal)


@pytest.mark.parametrize(
    ("seed", "n", "cuts", "expected"),
    [(3, 80, [40], []), (5, 90, [15, 60], ["doc0046"]), (9, 60, [20, 21, 40], [])],
)
def test_each_batch_differs_from_one_run_only_where_a_source_survives_in_one(
    paragraphs: list[str], tmp_path: Path, seed: int, n: int, cuts: list[int], expected: list[str]
) -> None:
    """Earlier batches are never cleaned again: a short line that becomes boilerplate only with
    later documents stays in its batch, and a later copy citing it goes where the joint run,
    having removed the line, keeps the copy (seed 5: ``Share this`` in doc0046)."""
    docs = planted(paragraphs, n, seed=seed)
    runs, bounds = batch_runs(docs, cuts, tmp_path, dedupe_docs.Config()), [0, *cuts, n]
    stored = {p["id"]: p for batch in runs for p in batch}
    earlier_source, differing = set(), []
    for i, mine in enumerate(runs):
        joint = [c.provenance() for c in dedupe_docs.clean(docs[: bounds[i + 1]])]
        theirs = joint[bounds[i] :]
        explain_differences(mine, theirs, {p["id"]: p for p in joint})
        explain_differences(theirs, mine, stored)
        differing += [p["id"] for p, q in zip(mine, theirs, strict=True) if p != q]
        first_id = docs[bounds[i]][0]
        earlier_source |= {
            r["source"]["id"] < first_id for p in mine for r in p["removed"] if r["source"]
        }
    assert earlier_source == {True, False}  # sources in earlier batches and in the same one
    assert differing == expected


@st.composite
def split_corpora(draw: st.DrawFn) -> tuple[int, int, list[int]]:
    """A planted corpus (seed, size) and 1-4 cuts into 2-5 non-empty batches."""
    n = draw(st.integers(12, 40))
    cuts = draw(st.lists(st.integers(1, n - 1), min_size=1, max_size=4, unique=True))
    return draw(st.integers(0, 10_000)), n, sorted(cuts)


def check_batches_against_one_run(
    paragraphs: list[str], case: tuple[int, int, list[int]], boilerplate: bool
) -> None:
    seed, n, cuts = case
    docs = planted(paragraphs, n, seed=seed)
    config = dedupe_docs.Config() if boilerplate else dedupe_docs.Config(boilerplate_max_tokens=0)
    with tempfile.TemporaryDirectory() as root:
        runs = batch_runs(docs, cuts, Path(root), config)
    got = [p for batch in runs for p in batch]
    joint = [c.provenance() for c in dedupe_docs.clean(docs, config)]
    if not boilerplate:
        assert got == joint
        return
    stored, bounds = {p["id"]: p for p in got}, [0, *cuts, n]
    for i, mine in enumerate(runs):
        upto = [c.provenance() for c in dedupe_docs.clean(docs[: bounds[i + 1]], config)]
        explain_differences(mine, upto[bounds[i] :], {p["id"]: p for p in upto})
        explain_differences(upto[bounds[i] :], mine, stored)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=split_corpora(), boilerplate=st.booleans())
def test_random_batches_follow_the_rule(
    paragraphs: list[str], case: tuple[int, int, list[int]], boilerplate: bool
) -> None:
    check_batches_against_one_run(paragraphs, case, boilerplate)


@pytest.mark.slow
@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,  # the same corpora on every run: CI checks what was checked here
    suppress_health_check=[HealthCheck.too_slow],
)
@given(case=split_corpora(), boilerplate=st.booleans())
def test_many_random_batches_follow_the_rule(
    paragraphs: list[str], case: tuple[int, int, list[int]], boilerplate: bool
) -> None:
    check_batches_against_one_run(paragraphs, case, boilerplate)


def test_a_chrome_line_between_copied_passages_in_a_later_batch(paragraphs: list[str]) -> None:
    # doc0013 repeats doc0010's ``Share this`` and then an earlier paragraph of doc0010. In a
    # batch of its own, where doc0010's ``Share this`` is no chrome, the line goes citing it,
    # and it once joined the paragraph's removal into one whose source (doc0010 from the
    # paragraph to the line) did not survive, so the paragraph's lines stayed apart and the
    # line breaks between them were kept. Removals join only where their sources do not go
    # back (found by random batches).
    check_batches_against_one_run(paragraphs, (40, 38, [11]), True)


def test_without_boilerplate_every_batch_equals_one_run_of_all(
    paragraphs: list[str], tmp_path: Path
) -> None:
    """Boilerplate is the one decision a later batch can change (a line becomes chrome once
    enough documents carry it); earlier batches are not revisited, so without it the batches
    together are exactly one run."""
    docs = planted(paragraphs, 90, seed=5)
    config = dedupe_docs.Config(boilerplate_max_tokens=0)
    got = []
    for i, (lo, hi) in enumerate([(0, 15), (15, 60), (60, 90)]):
        pipeline.run(docs[lo:hi], tmp_path / f"o{i}", config, index=tmp_path / "index")
        got += [without_batch(p) for p in provenance(tmp_path / f"o{i}")]
    assert got == [c.provenance() for c in dedupe_docs.clean(docs, config)]


def test_cli_index_and_info(tmp_path: Path) -> None:
    seeds = sorted(SEEDS.glob("*.txt"))
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir(), second.mkdir()
    for p in seeds[:2]:
        (first / p.name).write_text(p.read_text(encoding="utf-8"), encoding="utf-8")
    for p in seeds[2:]:
        (second / p.name).write_text(p.read_text(encoding="utf-8"), encoding="utf-8")
    runner, index = CliRunner(), str(tmp_path / "index")
    for folder, name in [(first, "may"), (second, "june")]:
        result = runner.invoke(
            main,
            [
                "clean",
                str(folder),
                "--out",
                str(tmp_path / name),
                "--index",
                index,
                "--batch",
                name,
            ],
        )
        assert result.exit_code == 0, result.output
    joint = [c.provenance() for c in dedupe_docs.clean(read([SEEDS]))]
    got = provenance(tmp_path / "may") + provenance(tmp_path / "june")
    assert [without_batch(p) for p in got][2:] == joint[2:]
    shown = runner.invoke(main, ["index", "info", index])
    assert shown.exit_code == 0
    assert "batch may: 2 documents" in shown.output
    assert "2 batches in 2 segments, 5 documents" in shown.output
    again = runner.invoke(
        main,
        ["clean", str(first), "--out", str(tmp_path / "x"), "--index", index, "--batch", "may"],
    )
    assert again.exit_code == 1 and "already in the index" in again.output


def test_index_refuses_other_options(tmp_path: Path) -> None:
    pipeline.run([("a", "some text\n")], tmp_path / "a", index=tmp_path / "i")
    with pytest.raises(dedupe_docs.ConfigError, match="shingle_size"):
        pipeline.run(
            [("b", "x\n")], tmp_path / "b", dedupe_docs.Config(shingle_size=6), index=tmp_path / "i"
        )
    with pytest.raises(dedupe_docs.ConfigError, match='`keep="first"`'):
        pipeline.run(
            [("b", "x\n")], tmp_path / "b", dedupe_docs.Config(keep="longest"), index=tmp_path / "i"
        )


def test_a_copy_of_an_earlier_batch_s_near_copy_cites_what_it_copied(tmp_path: Path) -> None:
    """A batch's word-for-word copy of a near copy that an earlier batch removed cites the near
    copy's source, as one run does: the index keeps the sources of near copies too."""
    from tests.test_real_text import NEAR_COPY_COPIED

    joint = [c.provenance() for c in dedupe_docs.clean(NEAR_COPY_COPIED)]
    batches = batch_runs(NEAR_COPY_COPIED, [2], tmp_path, dedupe_docs.Config())
    assert [p for batch in batches for p in batch] == joint
    assert joint[2]["removed"]
