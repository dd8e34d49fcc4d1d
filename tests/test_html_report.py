"""The HTML report: self-contained, escaped, and rendered by a real browser (headless Chromium)."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from dedupe_docs.cli import main
from dedupe_docs.report.explain import read_provenance
from dedupe_docs.report.html import render_html
from tests.helpers.corpus import SEEDS

CHROMIUM = next(
    (shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)),
    None,
)
PLANTED = (
    "<script>document.title = 'PWNED'</script> "
    '<img src="x" onerror="document.body.dataset.pwned = 1"> '
    "</script><script>document.body.dataset.pwned = 2</script> <!-- "
)
PARAGRAPH = (
    "This planted paragraph is shared by two pages of the test corpus so that its second copy is "
    "removed as a duplicate and shown in the report, markup and all, as plain text."
)


LONG_NAME = "x3_a_page_with_a_long_name_that_holds_no_space_at_all_" + "0123456789" * 3 + ".txt"
LONG_URL = "https://example.org/" + "/".join(["a-path-without-any-space"] * 8)


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The seeds plus two planted pages with hostile markup and one with a typo-ridden copy, a
    long name and a long address; the output folder and its report."""
    tmp = tmp_path_factory.mktemp("html")
    corpus = tmp / "in"
    shutil.copytree(SEEDS, corpus)
    (corpus / "x1_planted.txt").write_text(f"{PLANTED}\n{PARAGRAPH}\n", encoding="utf-8")
    # The hostile name is the copy's: a document that lost text is always in the tables.
    (corpus / "x2_<b>planted<i>.txt").write_text(
        f"Intro.\n{PARAGRAPH} {PLANTED}\n", encoding="utf-8"
    )
    (corpus / LONG_NAME).write_text(
        f"Intro.\n{PARAGRAPH.replace('second', 'secnod').upper()}\n{LONG_URL}\n", encoding="utf-8"
    )
    out = tmp / "out"
    assert invoke("clean", str(corpus), "--out", str(out))[0] == 0
    page = tmp / "report.html"
    code, _, err = invoke("report", str(out), "--html", str(page))
    assert code == 0 and f"wrote {page}" in err
    return out, page


def removed_spans(out: Path) -> int:
    return sum(len(p.removed) for p in read_provenance(out))


def test_page_is_self_contained_and_escapes_documents(report: tuple[Path, Path]) -> None:
    out, page = report
    text = page.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", text)  # nothing to fetch
    assert "@import" not in text and "url(" not in text
    # Exactly the two script elements of the page: the JSON data block and the inline script.
    assert text.count("<script") == 2 and text.count("</script>") == 2
    data = text.split('<script type="application/json" id="dd-data">', 1)[1].split("</script>")[0]
    assert "<" not in data and ">" not in data
    decoded = json.loads(data)
    assert any(PLANTED in t for t in decoded["texts"])
    assert sum(len(d["removed"]) for d in decoded["docs"]) == removed_spans(out)
    # The static summary escapes what it quotes (the hostile file name is in the tables).
    assert html.escape("x2_<b>planted<i>.txt") in text.split("<script")[0]
    assert "<b>planted" not in text
    assert "Content-Security-Policy" in text


def test_render_html_without_removals() -> None:
    import dedupe_docs

    cleaned = dedupe_docs.clean([("a", "Only one document.\n")])
    page = render_html(cleaned, {"a": "Only one document.\n"})
    assert "Nothing was removed." in page


def chromium(page: Path, fragment: str, tmp: Path, *extra: str) -> str:
    run = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
            f"--user-data-dir={tmp / 'profile'}",
            "--virtual-time-budget=5000",
            *extra,
            page.absolute().as_uri() + fragment,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return run.stdout


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_report_renders_in_headless_chromium(report: tuple[Path, Path], tmp_path: Path) -> None:
    out, page = report
    dom = chromium(page, "#all", tmp_path, "--dump-dom")
    # The inline script ran: every document is rendered, every removed span marked once.
    assert dom.count('<mark class="rm r-') == removed_spans(out) > 100
    assert dom.count('<section class="doc"') == 8
    assert dom.count('class="src"') == sum(
        1 for p in read_provenance(out) for r in p.removed if r.source
    )
    assert 'href="#doc=0&amp;at=' in dom  # removed spans link to their source
    # The planted markup is shown as text and never ran.
    assert "<title>dedupe-docs report</title>" in dom and "PWNED" not in dom.split("<body")[0]
    assert "data-pwned" not in dom
    assert "&lt;script&gt;document.title = 'PWNED'&lt;/script&gt;" in dom
    assert '&lt;img src="x" onerror=' in dom
    assert dom.count("<img") == 0 and dom.count("<script") == 2
    # The copy with a typo is shown beside its source, only the typo marked (not its capitals).
    assert dom.count('<div class="pair">') >= 1
    assert "SEC<ins>NO</ins>D COPY" in dom and "sec<del>on</del>d copy" in dom

    # One document opened from the index, scrolled to a source span.
    dom = chromium(page, "#doc=0&at=12771-22727", tmp_path, "--dump-dom")
    assert dom.count('<section class="doc"') == 1
    assert '<span class="target">Suki Binning, Chief Executive' in dom
    assert dom.count('<mark class="rm r-') == len(read_provenance(out)[0].removed)

    shot = Path(os.environ.get("DEDUPE_DOCS_SCREENSHOT_DIR", tmp_path)) / "report.png"
    chromium(page, "", tmp_path, f"--screenshot={shot}", "--window-size=1280,1400")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000


LAYOUT_PROBE = """<!DOCTYPE html>
<meta charset="utf-8">
<body>
<script>
// Each frame: does its page scroll sideways, and where do the two boxes of each pair sit?
const frames = %s, results = [];
for (const [width, src] of frames) {
  const f = document.createElement("iframe");
  f.style.cssText = "border:0;height:900px;width:" + width + "px";
  f.onload = () => setTimeout(() => {
    const d = f.contentDocument, root = d.documentElement;
    const boxes = [...d.querySelectorAll(".pair")].map(
      p => [...p.children].map(c => { const r = c.getBoundingClientRect();
                                     return [r.left, r.top, r.width, r.bottom]; }));
    results.push({width, src, scroll: root.scrollWidth, client: root.clientWidth, boxes});
    if (results.length === frames.length) document.body.dataset.layout = JSON.stringify(results);
  }, 200);
  f.src = src;
  document.body.append(f);
}
</script>
"""


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_report_reads_at_phone_width(report: tuple[Path, Path], tmp_path: Path) -> None:
    """At 420 px nothing scrolls sideways and the boxes of a pair stack at full width; at
    1280 px they stand side by side. A screenshot of the document is taken at each width."""
    out, page = report
    doc = next(i for i, p in enumerate(read_provenance(out)) if p.id == LONG_NAME)
    views = ["", f"#doc={doc}", "#all"]
    frames = [[w, page.absolute().as_uri() + v] for w in (420, 1280) for v in views]
    probe = tmp_path / "probe.html"
    probe.write_text(LAYOUT_PROBE % json.dumps(frames), encoding="utf-8")
    dom = chromium(probe, "", tmp_path, "--allow-file-access-from-files", "--dump-dom")
    found = re.search(r'data-layout="([^"]*)"', dom)
    assert found, dom[-2000:]
    layout = json.loads(html.unescape(found[1]))
    assert len(layout) == len(frames)
    for view in layout:
        assert view["scroll"] <= view["client"], view  # no sideways scrolling
        if view["src"].endswith(".html"):  # the summary
            assert not view["boxes"], view
        elif view["src"].endswith(f"#doc={doc}"):  # the page with the typo
            assert len(view["boxes"]) == 1, view
        else:  # every document
            assert view["boxes"], view
        for removed, source in view["boxes"]:
            if view["width"] == 420:  # one above the other, each nearly as wide as the page
                assert source[0] == removed[0] and source[1] >= removed[3], view
                assert min(removed[2], source[2]) > 0.9 * view["client"] - 30, view
            else:  # side by side
                assert source[1] == removed[1] and source[0] >= removed[0] + removed[2], view

    shots = Path(os.environ.get("DEDUPE_DOCS_SCREENSHOT_DIR", tmp_path))
    for width in (420, 1280):
        shot = shots / f"report-{width}px.png"
        chromium(
            page, f"#doc={doc}", tmp_path, f"--screenshot={shot}", f"--window-size={width},900"
        )
        png = shot.read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and int.from_bytes(png[16:20], "big") == width
