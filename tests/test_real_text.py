"""What real pages and files hold, in miniature: site templates, short copied lines, licence
paragraphs that run on into later copies, headings that repeat a table of contents."""

from __future__ import annotations

import random
import textwrap
from pathlib import Path

import dedupe_docs
from dedupe_docs.stages import decide
from tests.helpers.corpus import SEEDS, licence_variant_copied

P1 = (
    "Permission is hereby granted, free of charge, to any person obtaining a copy of this "
    "software and associated documentation files, to deal in the Software without restriction."
)
P2 = (
    "The above copyright notice and this permission notice shall be included in all copies or "
    "substantial portions of the Software, whatever form they take and wherever they are kept."
)
P3 = (
    "In no event shall the authors or copyright holders be liable for any claim, damages or "
    "other liability, whether in an action of contract, tort or otherwise, arising from it."
)


def debian(*paragraphs: str) -> str:
    """Paragraphs wrapped at 70 columns with a leading space, separated by `` .`` lines."""
    wrapped = [textwrap.fill(p, 70, initial_indent=" ", subsequent_indent=" ") for p in paragraphs]
    return "\n .\n".join(wrapped) + "\n"


def removed(doc: dedupe_docs.CleanedDocument, text: str) -> list[tuple[str, str | None]]:
    """(removed text with spacing folded, the id it cites) of every removal."""
    return [
        (" ".join(text[r.start : r.end].split()), r.source and r.source.id) for r in doc.removed
    ]


def test_a_passage_that_runs_on_into_a_later_copy_cites_each_first_copy() -> None:
    a, b = debian(P1, P2), debian(P2, P3)
    c = debian("A new sentence that no other file holds, written for this file.", P2, P3)
    out = dedupe_docs.clean([("a", a), ("b", b), ("c", c)])
    assert "new sentence" in out[2].text
    assert P2.split()[3] not in out[2].text and "liable" not in out[2].text
    cited = {src for _, src in removed(out[2], c)}
    assert cited == {"a", "b"}


def test_a_whole_short_line_copied_is_a_duplicate() -> None:
    line = "See the section below for differences between macros and functions."
    a = f"First file opens with its own words.\n{line}\nAnd closes with more of them.\n"
    b = f"Second file has other words here.\n{line}\nThen something else entirely.\n"
    out = dedupe_docs.clean([("a", a), ("b", b)])
    assert line in out[0].text and line not in out[1].text
    assert removed(out[1], b) == [(line, "a")]
    assert "Second file" in out[1].text and "something else" in out[1].text


def test_a_line_of_a_few_long_words_copied_is_a_duplicate() -> None:
    # Five words, 47 characters: long enough to be a copy, though shorter than six tokens.
    line = "Изменяет номер домашнего телефона пользователя."
    a = f"Первая страница руководства.\n{line}\nЕщё одна строка первой страницы.\n"
    b = f"Вторая страница о другом.\n{line.upper()}\nИ последняя строка второй.\n"
    out = dedupe_docs.clean([("a", a), ("b", b)])
    assert removed(out[1], b) == [(line.upper(), "a")]
    assert out[1].removed[0].rule == "short-copy"


def test_a_short_line_of_five_short_words_is_no_copy() -> None:
    line = "Show the help and exit."  # five tokens, fewer than 40 characters
    a = f"The first page opens here.\n{line}\nIt closes with its own words.\n"
    b = f"The second page is about other things.\n{line}\nAnd ends its own way.\n"
    out = dedupe_docs.clean([("a", a), ("b", b)])
    assert out[1].removed == ()


def test_the_end_of_a_sentence_whose_start_differs_is_no_short_copy() -> None:
    # Parallel pages: the same example sentence about another object; cutting it would leave
    # "To remove user joe" standing alone.
    a = (
        "Examples\nTo destroy the database demo using the server on host eden, port 5000, with "
        "verification and a peek at the underlying command:\n$ dropdb -p 5000 -h eden -i demo\n"
    )
    b = (
        "Examples\nTo remove user joe using the server on host eden, port 5000, with "
        "verification and a peek at the underlying command:\n$ dropuser -p 5000 -h eden -i joe\n"
    )
    out = dedupe_docs.clean([("a", a), ("b", b)])
    assert out[1].removed == ()


def test_lines_that_differ_only_in_their_operators_are_not_copies() -> None:
    listing = (
        "The support function returns:\n"
        "if !sub and less, return val <= (base + offset)\n"
        "if !sub and !less, return val >= (base + offset)\n"
        "if sub and less, return val <= (base - offset)\n"
        "if sub and !less, return val >= (base - offset)\n"
    )
    out = dedupe_docs.clean([("btree", listing)])
    assert out[0].removed == ()


def test_a_paragraph_copied_with_typos_in_its_first_and_last_words_is_a_copy() -> None:
    para = (
        "Default implementation of mapping the log record into a dictionary that is sent as "
        "the CGI data to the server; override it in your own class. Contributed by Glasner."
    )
    typed = para.replace("Default", "Defalut").replace("Glasner", "Glanser")
    a = f"The handler of the first page.\n{para}\nIts own closing words follow here.\n"
    b = f"Another page about logging.\n{typed}\nAnd different closing words.\n"
    out = dedupe_docs.clean([("a", a), ("b", b)])
    assert removed(out[1], b) == [(typed, "a")]


HANDLERS = (
    "Handlers are called in the order they have been registered.\n"
    "Note handlers can also be registered with the first and the last hooks.\n"
    "All handlers registered with the first hook are called before handlers registered\n"
    "with the plain hook which are called before handlers registered\n"
    "with the last hook of the chain.\n"
)


def test_a_copy_runs_on_over_lines_whose_typos_cut_its_shingles() -> None:
    # Two typos side by side at a line's end stop the passage there; the lines after it hold
    # as many words as the source's, each differing by a typo or not at all.
    typed = HANDLERS.replace("registered\nwith the plain", "regisetred\nwith the plain")
    typed = typed.replace("hook which are called", "hook whcih are clled")
    typed = typed.replace("the last hook of", "the lats hook of")
    a = f"Signals of the first application.\n\n{HANDLERS}\nThe end of the first page.\n"
    b = f"Another page about signals.\n\n{typed}\nAnd a different ending here.\n"
    out = dedupe_docs.clean([("a", a), ("b", b)])
    assert removed(out[1], b) == [(" ".join(typed.split()), "a")]


def test_only_typos_continue_a_copy() -> None:
    # Words one edit from their source's, of letters, and not too many: typos. A version, a
    # name with underscores, a word two edits away, a word added: other text.
    def typos(a: str, b: str, rest_of_line: bool = False) -> list[str] | None:
        return decide._typo_words(a.casefold().split(), b.casefold().split(), rest_of_line)

    assert typos("with the plain hook whcih are clled", "with the plain hook which are called") == [
        "whcih",
        "clled",
    ]
    assert typos("New in version 1 0", "New in version 1 3") is None
    assert typos("the row_indices of the table", "the row_index of the table") is None
    assert typos("this relation already exists", "this collation already exists") is None
    assert typos("the hook is called", "the hook is not called") is None
    assert typos("registred", "registered") is None  # one word in one: a label, unless
    assert typos("registred", "registered", rest_of_line=True) == ["registred"]  # a line's rest


def test_a_word_that_stands_elsewhere_in_the_page_is_no_typo() -> None:
    # ``whcih`` is one edit from ``which``, but the page writes it again: a word of its own.
    typed = HANDLERS.replace("registered\nwith the plain", "regisetred\nwith the plain")
    typed = typed.replace("hook which are called", "hook whcih are called")
    a = f"Signals of the first application.\n\n{HANDLERS}\nThe end of the first page.\n"
    b = f"Another page about signals.\n\n{typed}\nThe whcih hook is new.\n"
    out = dedupe_docs.clean([("a", a), ("b", b)])
    assert "with the plain hook whcih are called before handlers registered" in out[1].text


def test_a_short_wrapped_paragraph_copied_with_typos_is_a_copy() -> None:
    # Three typos in 27 words leave one run of shingles, on the second line; the copy keeps
    # its source's line breaks, so it runs on over the first line, typos and all.
    para = (
        "Any opinions, findings, and conclusions or recommendations expressed in this\n"
        "material are those of the author(s) and do not necessarily reflect the\n"
        "views of the sponsors.\n"
    )
    typed = para.replace("findings", "finings").replace("expressed", "expressde")
    typed = typed.replace("material", "amterial")
    a = f"Support of a foundation grant.\n\n{para}\nThe authors of the library.\n"
    b = f"Where the keys are resource names.\n\n{typed}\nThe name of the resource.\n"
    out = dedupe_docs.clean([("a", a), ("b", b)])
    assert removed(out[1], b) == [(" ".join(typed.split()), "a")]


def test_a_short_line_with_one_other_word_is_not_a_copy() -> None:
    a = "Intro to clusterdb.\nShow help about clusterdb command line arguments, and exit.\n"
    b = "Intro to createdb.\nShow help about createdb command line arguments, and exit.\n"
    out = dedupe_docs.clean([("a", a), ("b", b)])
    assert out[1].text == b


def test_a_heading_is_not_its_entry_in_a_table_of_contents() -> None:
    toc = "Contents\nDistribute your theme as a Python package\nUse custom page metadata\n"
    body = "Distribute your theme as a Python package¶\nThemes are packages like any other.\n"
    (out,) = dedupe_docs.clean([("page", toc + body)])
    assert "package¶" in out.text


SIDEBAR = ["Navigation", "Getting started", "User guide", "Extension API", "Changelog"]


def test_a_site_template_goes_and_lone_frequent_lines_stay() -> None:
    words = [
        "apple",
        "river",
        "stone",
        "cloud",
        "lantern",
        "harbor",
        "meadow",
        "violin",
        "copper",
        "saddle",
    ]
    pages = []
    for i in range(8):
        a, b, c = words[i], words[(i + 3) % 10], words[(i + 6) % 10]
        body = [f"The {a} explains how {b} and {c} fit together here.", "Note"]
        body += [f"Without {c}, no {a} would ever reach the {b}."]
        body += ["else:", f"    return compute_{i}(value)"] if i % 2 else []
        pages.append((f"p{i}", "\n".join([*SIDEBAR[:3], f"Page {i}", *SIDEBAR[3:], *body]) + "\n"))
    out = dedupe_docs.clean(pages)
    for doc, (_, text) in zip(out[1:], pages[1:], strict=True):
        lines = doc.text.splitlines()
        assert not set(SIDEBAR) & set(lines), lines
        assert {"Note"} <= set(lines) and text.splitlines()[3] in lines
    odd = [d.text for d in out if d.id in {"p1", "p3", "p5", "p7"}]
    assert all("else:" in t for t in odd)


def prose(i: int, n: int = 3) -> list[str]:
    """``n`` lines of prose of page ``i`` that no other page holds."""
    rng = random.Random(i)
    syllables = ["ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "zu", "pe", "da", "gi"]
    words = ["".join(rng.choices(syllables, k=3)) for _ in range(12 * n)]
    return [" ".join(words[j : j + 12]) + "." for j in range(0, 12 * n, 12)]


def test_short_lines_that_recur_together_or_many_times_in_a_few_pages_are_content() -> None:
    """A code listing's ``Filename: src/main.rs`` above ``fn main() {``, a table header, or
    ``Note`` three times in a page, in a few pages of many: a pair of lines or a line that
    recurs inside unique text is no template (it hangs on no navigation, no edge of a page)."""
    pages = []
    for i in range(12):
        body = prose(i, 4)
        if i % 4 == 0:
            body[1:1] = ["Filename: src/main.rs", "fn main() {", f"    run_{i}();", "}"]
            body[6:6] = ["Column", "Type", f"value_{i}", "integer"]
        if i % 5 == 0:
            body = [line for part in body for line in ("Note", part)]
        pages.append((f"p{i}", "\n".join([f"Chapter {i}", *body, f"Page {i} of 12"]) + "\n"))
    out = dedupe_docs.clean(pages)
    for doc, (_, text) in zip(out, pages, strict=True):
        assert doc.text == text, [r.rule for r in doc.removed]


def test_a_sidebar_goes_with_the_lines_only_a_few_pages_expand_in_it() -> None:
    """The sidebar of most pages hangs together; on the pages of one section it lists that
    section's pages too, some of them longer than a short line, and each such page's
    breadcrumbs name it between two lines of the template: all of it is the template's, but
    for a title that no other page holds."""
    sidebar = ["Site navigation", "Get started", "User guides", "Reference", "Changelog"]
    long = "Writing your first extension for the site, step by step"  # a copied line on later pages
    section = ["Hooks", long, "Events", "Roles"]
    pages = []
    for i in range(10):
        inside = i < 4
        title = section[2 * (i % 2)] if inside else f"Topic {i}"
        side = [*sidebar[:3], *section, *sidebar[3:]] if inside else sidebar
        crumbs = ["Navigation", "Docs »", title, "Quick search"]
        pages.append((f"p{i}", "\n".join([*crumbs, *side, *prose(i)]) + "\n"))
    out = dedupe_docs.clean(pages)
    for i, doc in enumerate(out):  # a title that no other page holds stays
        kept = [long] * (i == 0) + [f"Topic {i}"] * (i >= 4)
        assert doc.text.splitlines() == kept + prose(i), doc.text


def test_a_later_exact_copy_keeps_nothing_of_a_surviving_first_copy(
    paragraphs: list[str],
) -> None:
    # Two paragraphs of ~150 words each, wrapped: the copy of p2 in c runs on into p1.
    prose = [p for p in paragraphs if "+-" not in p and 60 <= len(p.split()) <= 90]
    p1, p2 = (textwrap.fill(" ".join(prose[i : i + 2]), 70) for i in (4, 6))
    a, b, c = p1 + "\n", p2 + "\n\n" + p1 + "\n", p2 + "\n\n" + p1 + "\n"
    out = dedupe_docs.clean([("a", a), ("b", b), ("c", c)])
    assert out[1].text.strip() == p2 and out[2].text.strip() == ""
    assert {r.source.id for r in out[2].removed if r.source} == {"a", "b"}


def test_a_passage_said_three_times_in_a_line_keeps_its_first_time_only() -> None:
    x = " ".join([P1, P3])
    (out,) = dedupe_docs.clean([("a", " ".join([x] * 3) + "\n")])
    assert " ".join(out.text.split()) == x
    assert [(r.start, r.source and r.source.start) for r in out.removed] == [(len(x) + 1, 0)]


def test_parallel_documentation_that_differs_in_a_few_words_is_not_a_copy() -> None:
    setup = (
        "A setup code block. This code is not shown in the output for other builders, but "
        "executed before the doctests of the group(s) it belongs to."
    )
    cleanup = setup.replace("setup", "cleanup").replace("before", "after")
    logs = "Logs a message {} this logger with the specified level, as the logging module does."
    a = f"{setup}\nThe directive takes options.\n{logs.format('on')}\n"
    b = f"{cleanup}\nOther words stand here.\n{logs.format('to')}\n"
    out = dedupe_docs.clean([("a", a), ("b", b)])
    assert out[1].text == b


def test_a_copy_typed_with_typos_is_still_a_copy() -> None:
    line = P1 + " " + P3
    typed = line.replace("granted", "grnated").replace("associated", "asociated")
    typed = typed.replace("liability", "liabilty").replace("copyright", "copyrihgt")
    out = dedupe_docs.clean([("a", f"First.\n{line}\n"), ("b", f"Second.\n{typed}\n")])
    assert out[1].text.strip() == "Second."


def test_a_mosaic_of_earlier_sentences_loses_each_one_and_keeps_its_own() -> None:
    s1 = "The harbour master keeps a ledger of every vessel that enters the bay after sunset."
    s2 = "Our committee agreed that the annual report should list each grant in plain language."
    s3 = "Volunteers repaired the old footbridge with timber donated by a sawmill up the valley."
    docs = [
        ("d1", f"Nothing else in this file repeats anywhere at all. {s1} It closes here.\n"),
        ("d2", f"Facts about the weather fill the second file. {s2} One more remark ends it.\n"),
        ("d3", f"A third file talks of rivers and kites in spring. {s3} Then it stops.\n"),
    ]
    own = "A brand new closing sentence that no other document has ever held."
    out = dedupe_docs.clean([*docs, ("d4", f"{s1} {s2} {s3} {own}\n")])
    assert out[3].text == own + "\n"
    assert [r.source.id for r in out[3].removed if r.source] == ["d1", "d2", "d3"]


def test_a_formulaic_sentence_of_a_few_words_stays_inside_unique_text() -> None:
    note = "See the documentation for more details."
    docs = [
        (f"p{i}", f"Page {i} explains topic number {i} in its own words here. {note} Done {i}.\n")
        for i in range(6)
    ]
    assert [d.text for d in dedupe_docs.clean(docs)] == [text for _, text in docs]


def test_an_exact_copy_of_a_page_that_repeats_itself_loosely_goes_whole() -> None:
    """Seed 001 holds near-repeats of its own sentences: a copy of the page still points at
    the page, not at the earlier near-repeat, and goes whole."""
    page = sorted(SEEDS.glob("001_*.txt"))[0].read_text(encoding="utf-8")
    out = dedupe_docs.clean([("page", page), ("copy", page)])
    assert out[1].text.strip() == ""


def pages(header: str, footer: str, n: int = 6) -> list[tuple[str, str]]:
    """``n`` pages of unique prose between a header and a footer (``{i}``: the page number)."""
    rng = random.Random(0)
    syllables = ["ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "zu", "pe", "da", "gi"]
    out = []
    for i in range(n):
        body = " ".join("".join(rng.choices(syllables, k=4)) for _ in range(40))
        out.append((f"p{i}", f"{header.format(i=i)}\n{body}.\n{footer.format(i=i)}\n"))
    return out


def test_a_footer_of_numbers_goes_on_every_later_page() -> None:
    """Every shingle of ``2024-05-31 00:35:55`` is the same (digits read as 0): the copy's
    seeds point back at the first one, and the run follows its own line instead."""
    docs = pages("Page {i} of the manual", "Last updated 2024-05-31 00:35:55 UTC")
    out = dedupe_docs.clean(docs)
    assert out[0].text == docs[0][1]
    for d in out[1:]:
        assert [(r.reason, r.rule, r.source and r.source.id) for r in d.removed] == [
            ("duplicate", "short-copy", "p0")
        ]
        assert "Last updated" not in d.text


def test_a_footer_line_copied_after_a_line_first_seen_later_cites_its_first_copy() -> None:
    """A run of two copied footer lines whose first line first stood on a later page than the
    second: each line cites a copy that survives, and both go."""
    footer = "Part of the git(1) suite\nLast updated 2024-05-31 00:35:55 UTC"
    docs = pages("Manual page {i}", footer)
    docs[0] = ("p0", docs[0][1].replace("Part of the git(1) suite\n", ""))
    out = dedupe_docs.clean(docs)
    for d in out[2:]:
        assert "Part of the git" not in d.text and "Last updated" not in d.text


def test_a_footer_with_a_leading_symbol_is_a_copied_line() -> None:
    docs = pages(
        "Title {i}", "© Copyright 2007-2023, the Sphinx developers. Created using Sphinx 5.3.0."
    )
    for d in dedupe_docs.clean(docs)[1:]:
        assert "Copyright" not in d.text


def test_a_navigation_bar_above_a_heading_that_numbers_the_page_is_a_copied_line() -> None:
    """The seeds of the bar run on over the line break into the heading's number (``53.4.``):
    the bar is still a whole line copied whole (a stub page: title, bar, heading)."""
    names = ["pg_am", "pg_amop", "pg_cast", "pg_class", "pg_depend", "pg_index"]
    bar = "Prev Up Chapter 53. System Catalogs Home Next"
    docs = [(f"p{i}", f"53.{i}. {n}\n{bar}\n\n53.{i}. {n}\n") for i, n in enumerate(names)]
    out = dedupe_docs.clean(docs)
    assert out[0].text == docs[0][1]
    for i, d in enumerate(out[1:], 1):
        assert d.text == f"53.{i}. {names[i]}\n\n53.{i}. {names[i]}\n"


def test_a_bar_one_line_in_from_the_end_of_most_pages_is_chrome() -> None:
    """``Prev Up Next`` stands above the last line of every page (that line names the pages
    around it, so it differs): it keeps its place on most pages, and goes from all of them."""
    docs = pages("Title {i}", "Prev Up Next\nPage {i} Home Page {i}")
    out = dedupe_docs.clean(docs)
    assert all("Prev Up Next" not in d.text and "Home Page" in d.text for d in out)
    assert all(r.rule == "template" for d in out for r in d.removed)


def test_a_short_line_one_in_from_the_end_of_a_few_pages_stays() -> None:
    docs = pages("Title {i}", "Note\nThe last sentence of page {i} is its own.")
    docs[3:] = [(i, t.replace("Note\n", "")) for i, t in docs[3:]]
    assert [d.text for d in dedupe_docs.clean(docs)] == [t for _, t in docs]


def test_lines_that_differ_in_their_symbols_are_not_repeats() -> None:
    """Tokens are words (``<`` and ``>`` are no tokens): a list of operators, or a table row
    whose signs flip, repeats no line; the same line twice still does."""
    text = "< (bit,bit)\n<= (bit,bit)\n> (bit,bit)\n  3.5 | 4\n-3.5 | -4\nSaid twice\nSaid twice\n"
    out = dedupe_docs.clean([("ops", text)])[0]
    assert [(r.reason, text[r.start : r.end]) for r in out.removed] == [("repeat", "Said twice")]


def test_a_menu_entry_named_in_camel_case_is_no_wrapped_sentence() -> None:
    """A line that starts in lower case after a line that ends mid-sentence may be the tail of
    a wrapped sentence, which is content; ``reStructuredText`` in a menu is a name."""
    docs = pages("Using Sphinx\nreStructuredText\nMarkdown\nPage {i}", "")
    out = dedupe_docs.clean(docs)
    assert all("reStructuredText" not in d.text and "Markdown" not in d.text for d in out)


def test_a_copied_sentence_that_a_line_break_cuts_in_two_is_one_sentence() -> None:
    """Each line holds part of the copied sentence (fewer than 12 words each): together they
    are the sentence, which goes; the new sentences around it stay."""
    copied = "The harbour master keeps a ledger of every vessel that enters the bay after sunset."
    own = "Nothing else in this file repeats anywhere."
    source = ("d1", f"{own} {copied} It closes here.\n")
    target = (
        "d2",
        "A brand new opening that no file holds. The harbour master keeps a ledger\n"
        "of every vessel that enters the bay after sunset. Another new closing line ends it.\n",
    )
    out = dedupe_docs.clean([source, target])
    assert "harbour" not in out[1].text and "vessel" not in out[1].text
    assert "brand new opening" in out[1].text and "new closing line" in out[1].text


def test_short_lines_of_a_source_joined_into_a_paragraph_are_a_copy() -> None:
    # Two lines of 8 and 12 tokens stand one after the other in the source; joined into a
    # paragraph among new sentences they are a copy of 20 tokens, though each is short.
    lines = (
        "See the checkpoint consistency mode class for more details.\n"
        "timeout_s: Timeout in seconds to collecting checkpoint and validation information.\n"
    )
    a = f"Defaults to the validated mode.\n{lines}Defaults to None to wait forever.\n"
    joined = " ".join(lines.split("\n")).strip()
    b = f"Ensures all trials get a fair share of time. {joined}\n\nThis enables the scheduler.\n"
    out = dedupe_docs.clean([("a", a), ("b", b)])
    assert removed(out[1], b) == [(joined, "a")]


def test_short_sentences_side_by_side_in_a_line_of_the_source_are_no_copy() -> None:
    # The same two sentences, side by side inside a line of the source (phrases that recur
    # together), stay: too short on their own (by tokens and by characters), and not lines
    # that were joined.
    pair = "Listed above that you can take. Not all are tested but we aim to."
    a = f"The first page holds many words of its own and then: {pair} And more of them.\n"
    b = f"Another page with its own sentence to begin with. {pair} Then it ends here.\n"
    out = dedupe_docs.clean([("a", a), ("b", b)])
    assert out[1].removed == ()


def test_a_sentence_wrapped_otherwise_than_its_source_goes_with_its_short_last_line() -> None:
    """A copied sentence whose copy breaks its lines elsewhere: its first words end a line of
    other text, a whole line holds its middle and its last words stand alone on a short line
    (``node as root.``, a line too short to be a copy of its own). Together they are the
    sentence, which goes; the new sentences on its lines stay."""
    copied = "The cofactor is the number of arborescences with the specified node as root."
    source = ("d1", f"Nothing else in this file repeats anywhere.\n{copied} It closes here.\n")
    target = (
        "d2",
        "A brand new opening that no file holds. The cofactor\n"
        "is the number of arborescences with the specified\n"
        "node as root.\n"
        "Another new closing line ends it.\n",
    )
    out = dedupe_docs.clean([source, target])
    assert [r.source and r.source.id for r in out[1].removed] == ["d1"]
    assert " ".join(out[1].text.split()) == (
        "A brand new opening that no file holds. Another new closing line ends it."
    )


def test_a_copied_sentence_cut_short_at_an_abbreviation_is_one_sentence() -> None:
    # ``e.g.`` ends a sentence for the splitter; the words after it start in lower case, so
    # the two parts are one copied sentence of 12 words, neither a copy on its own.
    copied = "This is useful e.g. for field validators which are initially class methods."
    source = ("d1", f"Nothing else in this file repeats anywhere. {copied} It closes here.\n")
    target = ("d2", f"A brand new opening that no file holds. {copied} New words end it.\n")
    out = dedupe_docs.clean([source, target])
    assert out[1].text == "A brand new opening that no file holds. New words end it.\n"


def test_a_line_of_sentences_from_two_documents_loses_each_citing_its_own() -> None:
    """A line that holds the end of one copied sentence and the start of another from another
    document is verified sentence by sentence, each against its own source (as a whole it
    would be a poor copy of either)."""
    s1 = "This function can be removed once we return text streams instead of byte streams."
    s2 = "Matches the URL and returns the return value of the view or error handler."
    docs = [
        ("d1", f"Nothing else in this file repeats anywhere at all. {s1} It closes here.\n"),
        ("d2", f"Facts about the weather fill the second file. {s2} One more remark ends it.\n"),
        (
            "d3",
            "See the linked docs for most of the available arguments. This function\n"
            "can be removed once we return text streams instead of byte streams. Matches the\n"
            "URL and returns the return value of the view or error handler.\n",
        ),
    ]
    out = dedupe_docs.clean(docs)
    text = docs[2][1]
    assert [(text[r.start : r.end], r.source and r.source.id) for r in out[2].removed] == [
        (
            "This function\ncan be removed once we return text streams instead of byte streams.",
            "d1",
        ),
        ("Matches the\nURL and returns the return value of the view or error handler.", "d2"),
    ]


def test_a_copied_sentence_keeps_its_first_word_that_the_copy_before_it_shares() -> None:
    """The sentence before the copied one was copied from a document where ``This`` follows
    it too: the word is aligned to that copy, and still belongs to the sentence after it."""
    s1 = "Whether the messages should first pass through a queue before reaching the sink."
    s2 = "This method should parse the individual lines of the block and append them."
    docs = [
        ("d1", f"Nothing else in this file repeats anywhere at all. {s1} This is all.\n"),
        ("d2", f"Facts about the weather fill the second file. {s2} One more remark ends it.\n"),
        ("d3", f"A brand new opening that no file holds. {s1} {s2} New words end it.\n"),
    ]
    out = dedupe_docs.clean(docs)
    text = docs[2][1]
    assert [(text[r.start : r.end], r.source and r.source.id) for r in out[2].removed] == [
        (s1, "d1"),
        (s2, "d2"),
    ]


def test_short_sentences_side_by_side_and_wrapped_in_the_copy_are_no_copy() -> None:
    # Formulaic sentences that stand together in the source stay apart when a line break of
    # the copy falls between them: each ends a sentence, and the next starts a new one.
    pair = "Listed above that you can take.\nNot all are tested but we aim to."
    a = f"The first page holds many words of its own and then: {pair.replace(chr(10), ' ')} Ok.\n"
    b = f"Another page with its own sentence to begin with. {pair} Then it ends here.\n"
    out = dedupe_docs.clean([("a", a), ("b", b)])
    assert out[1].removed == ()


PARALLEL_PAGES = Path(__file__).parent / "data" / "parallel-pages"
"""Three reference pages of PostgreSQL's client programs (``clusterdb``, ``createdb``,
``dropdb``) as a crawler reads them from the ``postgresql-doc`` package's HTML (PostgreSQL
Licence)."""


def test_a_parallel_page_keeps_its_heading_when_its_run_of_copies_falls_short() -> None:
    # The option lists share most lines; those that name the program differ in that name and
    # are no copies. What is left of the heading's run of copies is then shorter than a
    # passage, where ``dropdb accepts ...`` is no copy of ``clusterdb accepts ...`` either.
    out = dedupe_docs.clean([PARALLEL_PAGES])
    assert "dropdb accepts the following command-line arguments:" in out[2].text
    assert "Echo the commands that dropdb generates and sends to the server." in out[2].text


def test_a_copy_of_a_line_that_starts_with_a_removed_copy_cites_what_survives() -> None:
    # d1's line copies P1's first 30 words (removed, citing d0) and goes on with its own Q;
    # d3 copies d1's line from P1's word 10 on. Q survives in d1 only, so d3's copy cites
    # d0 for P1's words (through d1's removal) and d1 for Q, instead of being restored whole
    # (Q kept twice).
    rng = random.Random(3)

    def words(n: int) -> list[str]:
        letters = "abcdefghijklmnopqrstuvwxyz"
        return ["".join(rng.choice(letters) for _ in range(rng.randint(3, 9))) for _ in range(n)]

    p1, q, z = words(40), " ".join(words(30)), " ".join(words(30))
    d0 = " ".join(p1) + ".\n"
    d1 = " ".join(p1[:30]) + " " + q + ".\n"
    d3 = z + " " + " ".join(p1[10:30]) + " " + q + ".\n"
    out = dedupe_docs.clean([("d0", d0), ("d1", d1), ("d3", d3)])
    assert [(d3[r.start : r.end], r.source and r.source.id) for r in out[2].removed] == [
        (" ".join(p1[10:30]) + " ", "d0"),
        (q + ".", "d1"),
    ]


def test_a_sidebar_goes_with_its_longer_titles_and_the_names_in_lower_case_under_a_heading() -> (
    None
):
    """A sidebar on every page lists a title longer than a short line and, under a section's
    heading, tools named in lower case: the longer title is the template's (both lines beside
    it recur with it), and no sentence runs on from ``Command-Line Tools`` into
    ``sphinx-build``."""
    sidebar = [
        "Site navigation",
        "Get started",
        "Where to go from here",
        "Organization of the whole project",
        "User guides",
        "Command-Line Tools",
        "sphinx-build",
        "sphinx-apidoc",
        "Changelog",
    ]
    docs = [(f"p{i}", "\n".join([f"Topic {i}", *sidebar, *prose(i)]) + "\n") for i in range(8)]
    for i, doc in enumerate(dedupe_docs.clean(docs)):
        assert doc.text.splitlines() == [f"Topic {i}", *prose(i)], doc.text


def test_a_page_s_own_longer_title_in_its_breadcrumbs_goes_with_them() -> None:
    """Each page's breadcrumbs end in its own title, which the sidebar of every page lists:
    between two stretches of the template, it is the template's too, longer or not."""
    titles = [f"Chapter {w} of the reference manual" for w in ("one", "two", "three", "four")]
    titles += [f"Appendix {w} of the reference manual" for w in ("one", "two", "three")]
    parts = ["Intro", "Usage", "Tools", "Themes", "Builders", "Domains", "Roles"]
    sidebar = [line for part, title in zip(parts, titles, strict=True) for line in (part, title)]
    docs = []
    for i, title in enumerate(titles):
        crumbs = ["Navigation", "Docs »", title, "Quick search", "Site navigation"]
        docs.append((f"p{i}", "\n".join([*crumbs, *sidebar, "Changelog", *prose(i)]) + "\n"))
    for i, doc in enumerate(dedupe_docs.clean(docs)):
        assert doc.text.splitlines() == prose(i), doc.text


def test_a_section_included_above_the_footer_of_a_few_pages_is_a_copy_not_the_template() -> None:
    """Several manual pages include the same section (short lines between sentences) right
    above the footer that every page ends with: the section is content, its first copy stays
    and the later ones go as copies of it. A sentence links no run of a template."""
    section = [
        "Raw output format",
        "diff --combined file",
        "It is followed by one or more extended header lines that show the modes of the files "
        "and the hashes of the objects they hold in the index.",
        "a tab;",
        "the number of deleted lines;",
        "a newline.",
        "The extra character before the path in the renamed case lets scripts that read this "
        "output tell the old name and the new name apart without any further guessing.",
    ]
    footer = ["GIT", "Part of the git(1) suite"]
    docs = []
    for i in range(8):
        body = prose(i) + (section if i in (2, 4, 6) else [])
        docs.append((f"p{i}", "\n".join([f"git-topic-{i}(1)", *body, *footer]) + "\n"))
    out = dedupe_docs.clean(docs)
    assert all("Part of the git" not in d.text for d in out[1:])
    assert out[2].text.splitlines() == ["git-topic-2(1)", *prose(2), *section]
    for i in (4, 6):
        assert out[i].text.splitlines() == [f"git-topic-{i}(1)", *prose(i)]
        cited = {s for t, s in removed(out[i], docs[i][1]) if t not in footer}
        assert cited == {"p2"}


def test_the_numbered_items_of_a_list_in_one_page_are_not_copies_of_each_other() -> None:
    """Lines of one page that differ only in their numbers (``stage 1``, ``stage 2``) are the
    items of a list, not copies: typing mangles letters, not numbers. A copy in another page
    still goes."""
    items = [
        f"$ git diff -{i} file.txt   # show the differences against stage {i} of the merge here"
        for i in (1, 2, 3, 4)
    ]
    page = "\n".join(["Resolving a merge", *prose(1), *items, *prose(2)]) + "\n"
    copy = "\n".join(["A later page", *prose(3), *items[:3], *prose(4)]) + "\n"
    out = dedupe_docs.clean([("manual", page), ("copy", copy)])
    assert out[0].text == page
    assert out[1].text.splitlines() == ["A later page", *prose(3), *prose(4)]


NAMES = ["Lantern", "Harbor", "Meadow", "Violin", "Copper", "Saddle", "Orchid", "Falcon"]


def test_a_licence_notice_wrapped_into_lines_of_ten_words_ending_many_files_is_a_copy() -> None:
    """A licence notice wrapped into lines of about ten words closes many files: lines that
    recur in order at the files' ends, under short lines of a template, but prose, not a
    template (each longer line runs on into the next, in lower case): the first file keeps it
    and the later ones lose it as copies of it."""
    notice = [
        "END OF TERMS AND CONDITIONS",
        "APPENDIX: How to apply",
        "Copyright [yyyy] [name]",
        "Apache License 2.0",
        'Licensed under the Apache License, Version 2.0 (the "License");',
        "you may not use this file except in compliance with the License.",
        "You may obtain a copy of the License at",
        "    http://www.apache.org/licenses/LICENSE-2.0",
        "Unless required by applicable law or agreed to in writing, software",
        'distributed under the License is distributed on an "AS IS" BASIS,',
        "WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.",
        "See the License for the specific language governing permissions and",
        "limitations under the License.",
    ]
    docs = [
        (f"f{i}", "\n".join([f"Copyright the {name} authors", *notice]) + "\n")
        for i, name in enumerate(NAMES)
    ]
    out = dedupe_docs.clean(docs)
    prose_lines = notice[4:]  # the short lines above it go as a template's, in every file
    assert out[0].text.splitlines()[-len(prose_lines) :] == prose_lines
    for d, (_, text) in zip(out[1:], docs[1:], strict=True):
        assert not set(prose_lines) & set(d.text.splitlines()), d.text
        gone = [r for r in d.removed if r.end > text.index(prose_lines[0])]
        assert gone and all(r.reason == "duplicate" for r in gone), gone


def test_a_copy_of_a_licence_variant_goes_whole() -> None:
    # BSD's disclaimer names ``THE REGENTS`` in the standard text, ``THE COPYRIGHT HOLDERS``
    # and ``HOLDER`` in a later file's variant, which a third file copies wrapped otherwise.
    # The standard text is the earliest source of most of its words, aligned with the copy
    # word for word where they agree and as substitutions where not; the lines around each
    # name stayed. The variant stood earlier word for word, so the copy goes whole.
    docs = licence_variant_copied()
    cleaned = dedupe_docs.clean(docs)
    assert cleaned[2].text.strip() == ""
    assert {source for _, source in removed(cleaned[2], docs[2][1])} == {"BSD", "one"}


def test_a_chinese_line_whose_source_lost_its_first_sentence_goes_after_it() -> None:
    # A man page that says one thing twice in other words (its second line's first sentence
    # goes as a near copy of the first line's), then a page that copies the second line whole,
    # with spaces slipped into its run of Han characters: what survives of the source is short
    # in characters but long in words (each Han character is one), so the copy goes from there.
    first = (
        "如果设置了它，则它必须包含一个有效的 Tcl 列表，给出在自动装载操作中要查找的目录。"
        "在启动期间初始化这个变量为依次包含: 在 TCLLIBPATH 环境变量中列出的目录。"
    )
    said_again = (
        "如果设置了它，则它必须包含一个有效的 Tcl 列表，给出在自动装载操作期间要查找的目录。"
    )
    rest = "必须用 Tcl 格式指定目录，使用“/”作为分隔符而不管是在什么平台上。只在初始化 auto_path 的时候使用这个变量。"
    a = f"auto_path\n{first}\nenv(TCLLIBPATH)\n{said_again}{rest}\ntcl_nonwordchars\n"
    copied = said_again + rest.replace("而不管", "而 不管").replace("初始化", "初始 化")
    b = f"通知系统取消某一个特定的文件系统的所有磁盘配额。\n{copied}\nquotacheck(8)\n"
    out = dedupe_docs.clean([("a", a), ("b", b)])
    assert removed(out[0], a) == [(said_again, "a")]
    gone = [text for text, src in removed(out[1], b) if src == "a"]
    assert gone and "".join(gone[-1].split()) == "".join(rest.split())
    assert "通知系统" in out[1].text


NOTE = (
    "Note: your shell may have its own {} of printenv, which usually supersedes the version "
    "described here. Please refer to your shell's documentation for details about the options "
    "it supports."
)
NEAR_COPY_COPIED = [
    ("echo", f"echo - display a line of text\n{NOTE.format('version')}\nWritten by Brian Fox.\n"),
    ("printenv", f"printenv - print the environment\n{NOTE.format('verison')}\nBy D. MacKenzie.\n"),
    (
        "tail",
        "tail - output the last part of files\nPrint the last ten lines of each file.\n"
        f"{NOTE.format('verison')}\nWith more than one file, precede each with a header.\n",
    ),
]
"""A page with a note, a page with the note typed with a typo (a near copy of it, removed),
and a page that copies the second page's note word for word."""


def test_a_word_for_word_copy_of_a_near_copy_goes_as_near_a_copy_of_its_source() -> None:
    # The third page's note holds the second's word for word, and detection points it there;
    # the second's went as a near copy of the first's, so the third's cites the first's, as
    # near as the second's. Before, it was restored whole, a copy kept.
    out = dedupe_docs.clean(NEAR_COPY_COPIED)
    (typo,) = out[1].removed
    (copy,) = out[2].removed
    assert typo.source is not None and copy.source is not None
    assert (copy.source.id, copy.source.start, copy.source.end) == ("echo", 30, 222)
    assert copy.similarity == typo.similarity < 1.0
    assert "verison" not in out[2].text and "last ten lines" in out[2].text


def test_a_line_copied_from_a_near_copy_whose_words_stood_earlier_in_pieces_goes_whole() -> None:
    # The second page's note is a near copy of the first's (another program's name, a word
    # more); the third copies the second's word for word. Each word of the copy stood first in
    # one of the two, so the marking points it in pieces: to the first page but for the words
    # that only the second holds. Before, only the longest piece went, and the line's first
    # sentence stayed in part; a whole line copied word for word from a whole line now points
    # there, and goes whole, as near a copy of the first page as its source.
    note = "注意：您的 shell 可能内置了自己的 {} 程序版本，它{}会覆盖这里所提及的相应版本。请查阅您的 shell 文档获知它所支持的选项。"
    copied = note.format("printenv", "通常")
    pages = [
        (
            "echo",
            f"echo - 显示一行文本\n{note.format('echo', '')}\n由 Brian Fox 和 Chet Ramey 编写。\n",
        ),
        ("printenv", f"printenv - 显示全部或部分环境变量\n{copied}\n由 David MacKenzie 编写。\n"),
        (
            "tail",
            "tail - output the last part of files\nPrint the last ten lines of each file.\n"
            f"{copied}\nWith more than one file, precede each with a header.\n",
        ),
    ]
    out = dedupe_docs.clean(pages)
    (near,) = out[1].removed
    (copy,) = out[2].removed
    assert removed(out[2], pages[2][1]) == [(copied, "echo")]
    assert copy.similarity == near.similarity < 1.0
    assert "last ten lines" in out[2].text and "header" in out[2].text


def test_a_copy_that_dropped_a_line_stays_one_passage_though_its_last_line_stands_whole() -> None:
    # The copy's last line is a whole line of the source too, but the passage that runs on
    # into it (its first word still on the diagonal of the lines before) is no piece of it.
    a = (
        "Some unique opening words for the first page here.\n\n"
        "The Frucht Graph is the smallest cubical graph whose\n"
        "automorphism group consists only of the identity element [1]_.\n"
        "It has 12 nodes and 18 edges and no nontrivial symmetries.\n"
        "It is planar and Hamiltonian [2]_.\n\nThe closing words of the first page differ.\n"
    )
    b = (
        "Another start that nobody else has written yet.\n\n"
        "The Frucht Graph is the smallest cubical graph whose\n"
        "automorphism group consists only of the identity element [1]_.\n"
        "It is planar and Hamiltonian [2]_.\n\nIf this is True, a new graph is returned.\n"
    )
    out = dedupe_docs.clean([("a", a), ("b", b)])
    ((text, source),) = removed(out[1], b)
    assert text.startswith("The Frucht") and text.endswith("Hamiltonian [2]_.") and source == "a"
    assert out[1].removed[0].rule == "passage"


def test_a_short_line_copied_with_a_space_slipped_into_a_word_is_a_copy() -> None:
    # Shorter than a passage: a whole-line copy, compared with spacing folded; a space slipped
    # into a word (`diff erences`, `GE T`) is spacing too, in any script.
    for line, copy in [
        (
            "See the section below for differences between the macros and the functions.",
            "See the section below for diff erences between the macros and the functions.",
        ),
        (
            "使用一个 http 头(HEAD) 来替换 GET方法.不可以掺入POST 方法",
            "使用一个 http 头(HEAD) 来替换 GE T方法.不可以 掺入POST 方法",
        ),
    ]:
        a = f"The first page opens with its own words.\n{line}\nIt closes with more of them.\n"
        b = f"The second page is about other things.\n{copy}\nAnd ends its own way.\n"
        out = dedupe_docs.clean([("a", a), ("b", b)])
        assert removed(out[1], b) == [(" ".join(copy.split()), "a")]
        assert out[1].removed[0].rule == "short-copy"
        assert "second page" in out[1].text and "own way" in out[1].text


def test_a_copy_of_a_line_whose_parts_went_as_copies_with_words_dropped_cites_them() -> None:
    # The third page's line is a mosaic: its first sentence copies the second page's, its
    # middle the first page's (with the words `缺省连接设置和` dropped: a copy word for word in
    # what it holds, not in its source's span). The fourth page copies the third's line whole;
    # each part cites what the third's copied. Before, the copy of the middle could not be
    # traced word for word and the fourth page kept the whole line.
    cluster = (
        "出现困难的时候，参阅 CLUSTER [cluster(7)] 和 psql(1) 获取有关可能的错误和错误信息的讨论。"
        " 数据库服务器必须在目标主机上运行。同样，任何缺省连接设置和 libpq 前端库使用的环境变量都将得以应用。"
    )
    createdb = (
        "如果出现错误，将会显示后端错误信息。参阅 CREATE DATABASE [create_database(7)] 和 psql(1)"
        " 获取可能信息描述。 数据库服务器必须在目标服务器上运行。同样，前端库 libpq 使用的缺省连接设置和环境变量都将适用。"
    )
    createuser = (
        "如果出现错误，将会显示后端错误信息。参阅 CREATE USER [create_user(7)] 和 psql(1)"
        " 获取可能信息描述。数据库服务器必须在目标主机上运行。 同样，任何 libpq 前端库使用的缺省连接设置和环境变量都将适用。"
    )
    docs = [
        ("clusterdb", cluster + "\n"),
        ("createdb", createdb + "\n用缺省数据库服务器创建一个数据库 demo：\n"),
        ("createuser", createuser + "\n在缺省数据库服务器上创建一个用户 joe：\n"),
        ("pr", "pr - 转换文本文件以便后续打印使用\n" + createuser + "\n"),
    ]
    out = dedupe_docs.clean(docs)
    middle = [(t, s) for t, s in removed(out[2], docs[2][1]) if s == "clusterdb"]
    assert middle and middle[0][0].startswith("数据库服务器必须在目标主机上运行")
    assert out[3].text == "pr - 转换文本文件以便后续打印使用\n"
    assert {s for _, s in removed(out[3], docs[3][1])} == {"createdb", "clusterdb", "createuser"}


def test_a_short_line_copied_with_a_word_split_at_its_edge_is_a_copy() -> None:
    # A space slipped into the first or last word of a short line cuts its shingles there:
    # the copy grows over the word split in two; `fractions` for `functions` is another word.
    line = "See the section below for differences between macros and functions."
    for copy, is_copy in [
        ("See the section below for differences between macros and func tions.", True),
        ("Se e the section below for differences between macros and functions.", True),
        ("See the section below for differences between macros and fractions.", False),
    ]:
        a = f"The first page opens with its own words.\n{line}\nIt closes with more of them.\n"
        b = f"The second page is about other things.\n{copy}\nAnd ends its own way.\n"
        out = dedupe_docs.clean([("a", a), ("b", b)])
        assert removed(out[1], b) == ([(copy, "a")] if is_copy else [])
    chinese = "使用一个 http 头(HEAD) 来替换 GET方法.不可以掺入POST 方法"
    copy = chinese.replace("POST", "POS T")
    a = f"ab - Apache HTTP 服务器性能测试工具\n{chinese}\n-k 启用 HTTP KeepAlive 功能\n"
    b = f"chage - 更改用户密码过期信息\n{copy}\n显示帮助信息并退出。\n"
    out = dedupe_docs.clean([("a", a), ("b", b)])
    assert removed(out[1], b) == [(copy, "a")]


def test_a_sentence_of_a_few_long_words_copied_on_its_own_is_a_copy() -> None:
    # Six Russian words, 50 characters: too few tokens for a passage, long enough to count.
    sentence = "Принудительно меняет пароль, если срок действия истёк."
    a = (
        "Первая страница описывает свою программу подробно и ясно.\n"
        f"Ключ -f задаёт режим работы. {sentence}\n"
        "Других ключей у этой программы нет совсем.\n"
    )
    b = (
        "Вторая страница рассказывает о другой команде системы\n"
        f"и её параметрах {sentence}\n"
        "Остальное описание относится только к ней.\n"
    )
    out = dedupe_docs.clean([("a", a), ("b", b)])
    assert sentence in out[0].text
    assert removed(out[1], b) == [(sentence, "a")]
    assert out[1].removed[0].rule == "short-copy"
    assert "и её параметрах" in out[1].text


def test_a_short_sentence_copied_on_its_own_stays() -> None:
    # Six words but 35 characters: a formula, not a copy.
    sentence = "Other options are passed to gcc."
    a = f"The first page explains its own program.\nRun it with -v to see more. {sentence}\n"
    b = f"The second page is about another tool\nand its options. {sentence}\n"
    out = dedupe_docs.clean([("a", a), ("b", b)])
    assert sentence in out[1].text and not out[1].removed


def test_a_title_that_repeats_a_numbered_entry_of_a_table_of_contents_stays() -> None:
    toc = "\n".join(
        f"{n}. {title}"
        for n, title in enumerate(
            (
                "Getting Started With the Language Today",
                "Managing Growing Projects with Packages, Crates, and Modules",
                "Common Collections Kept in the Standard Library",
            ),
            start=6,
        )
    )
    a = f"Contents\n\n{toc}\n\nThis book teaches the language from its first program on.\n"
    b = (
        "Managing Growing Projects with Packages, Crates, and Modules\n\n"
        "As you write large programs, organizing your code becomes important.\n"
    )
    out = dedupe_docs.clean([("a", a), ("b", b)])
    assert not out[1].removed


def test_a_long_sentence_that_stands_in_many_documents_is_a_formula_and_stays() -> None:
    # 49 characters, nine tokens, a whole sentence in six pages (twice the documents a
    # template line needs): a formula, kept in each.
    formula = "This can be an SQL identifier or a host variable."
    lines = (
        "A cursor name, case sensitive.",
        "The name of a prepared statement.",
        "Names the descriptor to fill.",
        "Which connection to close.",
        "Target of the fetched value.",
        "Where the result goes.",
    )
    docs = [
        (f"p{i}", f"Page {i} opens with words of its own.\n{line} {formula}\nIt ends so.\n")
        for i, line in enumerate(lines)
    ]
    out = dedupe_docs.clean(docs)
    assert all(formula in c.text for c in out)
    # In three pages (copied into two more), it goes from the two later ones.
    out = dedupe_docs.clean(docs[:3])
    assert formula in out[0].text
    assert all(formula not in c.text for c in out[1:])
    # Copied into one more page only, the same kind of sentence goes.
    rare = "This must be the name of an existing host variable."
    a = f"The first page explains one statement.\nIts argument. {rare}\n"
    b = f"The second page explains another one\nand its argument. {rare}\n"
    out = dedupe_docs.clean([("a", a), ("b", b)])
    assert rare in out[0].text and rare not in out[1].text
