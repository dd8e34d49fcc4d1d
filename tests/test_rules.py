"""Every removed span records the rule that removed it, and explain and the HTML report show it."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

import dedupe_docs
from dedupe_docs.cli import main
from dedupe_docs.report.explain import explain_documents, read_provenance
from dedupe_docs.report.html import render_html
from dedupe_docs.report.render import render

LETTER = (
    "Dear members, the branch meeting on the twelfth of May will discuss the pay offer, the new "
    "rota for the summer months and the closure of the Whitby office, so please come along."
)
SHORT = "See the section below for differences between macros and functions."
CHROME = ["Home", "Downloads", "Contact us"]


def corpus() -> dict[str, str]:
    """Pages under a shared template: a letter copied whole, a short line copied between unique
    lines, and a line repeated straight after itself."""
    texts = {}
    for i in range(6):
        body = [f"Page {i} talks about its own topic number {i} in words of its own."]
        if i == 1:
            body += [LETTER, "A line only this page holds, about the weather."]
        if i == 3:
            body += ["Something unique comes first here.", SHORT, "And unique words come after it."]
        if i == 4:
            body += [LETTER, SHORT, "Repeated line said twice", "Repeated line said twice"]
        texts[f"p{i}"] = "\n".join([*CHROME, *body, "Copyright the site"]) + "\n"
    return texts


def rules(doc: dedupe_docs.CleanedDocument, text: str) -> list[tuple[str, str | None, str]]:
    return [(r.reason, r.rule, text[r.start : r.end].strip()) for r in doc.removed]


def test_each_removal_names_its_rule() -> None:
    texts = corpus()
    cleaned = {d.id: d for d in dedupe_docs.clean(list(texts.items()))}
    page4 = rules(cleaned["p4"], texts["p4"])
    assert ("duplicate", "passage", LETTER) in page4
    assert ("duplicate", "short-copy", SHORT) in page4
    assert ("repeat", "repeat", "Repeated line said twice") in page4
    assert ("boilerplate", "template", "\n".join(CHROME)) in page4
    assert all(r.rule is not None for d in cleaned.values() for r in d.removed)
    # The rule is part of the provenance record.
    record = cleaned["p4"].provenance()
    assert {r["rule"] for r in record["removed"]} == {"passage", "short-copy", "repeat", "template"}


def test_explain_filters_and_shows_the_rule(tmp_path: Path) -> None:
    texts = corpus()
    folder = tmp_path / "in"
    folder.mkdir()
    for name, text in texts.items():
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    runner = CliRunner()
    assert runner.invoke(main, ["clean", str(folder), "--out", str(out), "-q"]).exit_code == 0
    result = runner.invoke(main, ["explain", str(out), "--rule", "short-copy", "--format", "json"])
    assert result.exit_code == 0, result.output
    spans = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(s["id"], s["rule"], s["text"]) for s in spans] == [("p4.txt", "short-copy", SHORT)]
    line = runner.invoke(main, ["explain", str(out), "p4.txt", "--format", "line", "--no-color"])
    assert "duplicate (short-copy)" in line.stdout and "duplicate (passage)" in line.stdout
    assert "boilerplate (template)" in line.stdout and "repeat (" not in line.stdout
    nothing = runner.invoke(main, ["explain", str(out), "p0.txt", "--rule", "passage"])
    assert "nothing removed for rule passage" in nothing.stderr


def test_html_report_counts_and_labels_each_rule() -> None:
    texts = corpus()
    cleaned = dedupe_docs.clean(list(texts.items()))
    page = render_html(cleaned, texts)
    assert '<table class="rules">' in page
    data = json.loads(
        page.split('<script type="application/json" id="dd-data">')[1].split("</script>")[0]
    )
    assert data["rules"] == ["passage", "short-copy", "template", "repeat", "reworded"]
    p4 = next(d for d in data["docs"] if d["id"] == "p4")
    assert sorted({data["rules"][span[8]] for span in p4["removed"]}) == [
        "passage",
        "repeat",
        "short-copy",
        "template",
    ]


def test_provenance_without_rules_still_reads_and_explains(tmp_path: Path) -> None:
    """Output folders written before rules were recorded explain as before, without a rule."""
    texts = corpus()
    cleaned = dedupe_docs.clean(list(texts.items()))
    lines = []
    for d in cleaned:
        record = d.provenance()
        for r in record["removed"]:  # type: ignore[union-attr]
            del r["rule"]
        lines.append(json.dumps(record))
    (tmp_path / "provenance.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    provenance = read_provenance(tmp_path)
    shown = [render(e, color=False) for e in explain_documents(provenance, texts, doc_id="p4")]
    assert shown and all("(passage)" not in s and "(template)" not in s for s in shown)
