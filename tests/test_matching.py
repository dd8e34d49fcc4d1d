"""Matching: every kind of noise is caught; similar-but-different text is kept."""

from __future__ import annotations

import random

import pytest

import dedupe_docs
from tests.helpers.invariants import check
from tests.helpers.noise import KINDS


def run(docs: list[tuple[str, str]], **options):
    cleaned = dedupe_docs.clean(docs, **options)
    check(dict(docs), cleaned, dedupe_docs.Config(**options).threshold)
    return {c.id: c for c in cleaned}


def removed_text(doc_text: str, c: dedupe_docs.CleanedDocument) -> str:
    return "".join(doc_text[r.start : r.end] for r in c.removed)


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("where", ["across", "within"])
def test_noisy_copy_is_removed(paragraphs, kind: str, where: str) -> None:
    rng = random.Random(kind)
    original = paragraphs[10:14]
    copy = "\n".join(KINDS[kind](p, rng) for p in original[1:3])
    first = "\n".join(original) + "\n"
    second = paragraphs[20] + "\n" + copy + "\n" + paragraphs[21] + "\n"
    docs = [("a", first), ("b", second)] if where == "across" else [("a", first + second)]
    out = run(docs)
    target = docs[-1][1]
    gone = removed_text(target, out[docs[-1][0]])
    start = target.rindex(copy)
    copy_chars = sum(not ch.isspace() for ch in copy)
    assert sum(not ch.isspace() for ch in gone) >= 0.95 * copy_chars, (kind, gone[:200])
    kept = out[docs[-1][0]].text
    assert paragraphs[20] in kept and paragraphs[21] in kept
    assert all(r.source and r.source.id == "a" for r in out[docs[-1][0]].removed)
    covered = sum(
        not target[i].isspace()
        for r in out[docs[-1][0]].removed
        for i in range(max(r.start, start), min(r.end, start + len(copy)))
    )
    assert covered >= 0.95 * copy_chars


def test_inserted_sentence_stays_and_the_rest_goes(paragraphs) -> None:
    source = paragraphs[30]
    words = source.split()
    half = len(words) // 2
    while not words[half - 1].endswith("."):
        half += 1
        if half >= len(words):
            pytest.skip("no sentence break in the middle")
    new = "This sentence was written for this test and appears nowhere else in the corpus at all."
    copy = " ".join(words[:half]) + " " + new + " " + " ".join(words[half:])
    out = run([("a", source + "\n"), ("b", paragraphs[31] + "\n" + copy + "\n")])
    assert new in out["b"].text
    assert " ".join(words[:half]) not in out["b"].text


def test_unique_line_between_duplicated_paragraphs_stays(paragraphs) -> None:
    p, q = paragraphs[40], paragraphs[41]
    out = run([("a", f"{p}\n{q}\n"), ("b", f"{p}\nA short unique line.\n{q}\n")])
    assert out["b"].text == "A short unique line.\n"


def test_partly_duplicate_line_loses_only_the_copied_sentences(paragraphs) -> None:
    p = next(p for p in paragraphs[50:] if p.endswith("."))
    own = "Our own sentence says something new about the weather in the hills today."
    out = run([("a", p + "\n"), ("b", p + " " + own + "\n")])
    assert out["b"].text.strip() == own


def test_tables_of_different_numbers_are_not_duplicates() -> None:
    rng = random.Random(1)
    rows = ["Region", "North", "South", "East", "West", "Centre", "Coast", "Hills"]

    def table() -> str:
        return "\n".join(
            f"{r} {rng.randint(100, 999)} {rng.randint(100, 999)} {rng.randint(10, 99)}"
            for r in rows * 3
        )

    out = run([("a", table() + "\n"), ("b", table() + "\n")])
    assert not out["b"].removed


def test_template_sentences_are_not_duplicates() -> None:
    things = [
        "file",
        "directory",
        "symbolic link",
        "mount point",
        "socket",
        "named pipe",
        "block device",
    ]

    def doc(ts):
        return "\n".join(
            f"Return True if the path points to an existing {t}, False otherwise." for t in ts
        )

    out = run([("a", doc(things[:4]) + "\n"), ("b", doc(things[4:]) + "\n")])
    assert not out["b"].removed


SCRIPTS = {
    "cyrillic": "Вчера вечером мы долго гуляли по старому городу и говорили о книгах, которые прочитали "
    "этой зимой. Потом начался дождь, и нам пришлось зайти в маленькое кафе на углу площади, где "
    "пахло свежим хлебом и крепким чаем. Хозяйка рассказала нам историю этого дома.",
    "greek": "Χθες το βράδυ περπατήσαμε για πολλή ώρα στην παλιά πόλη και μιλήσαμε για τα βιβλία που "
    "διαβάσαμε αυτόν τον χειμώνα. Μετά άρχισε να βρέχει και μπήκαμε σε ένα μικρό καφενείο στη γωνία "
    "της πλατείας, όπου μύριζε φρέσκο ψωμί και δυνατό τσάι.",
    "chinese": "昨天晚上我们在老城里散步了很久，谈论了这个冬天读过的书。后来下起了雨，我们只好走进广场拐角的一家小咖啡馆，"
    "那里弥漫着新鲜面包和浓茶的香味。老板娘给我们讲了这栋房子的历史。",
    "japanese": "昨日の夜、私たちは古い町を長い間歩きながら、この冬に読んだ本について話しました。"
    "その後雨が降り始めたので、広場の角にある小さな喫茶店に入りました。そこは焼きたてのパンと濃いお茶の香りがしました。",
    "thai": "เมื่อคืนนี้เราเดินเล่นในเมืองเก่าเป็นเวลานานและคุยกันเรื่องหนังสือที่อ่านในฤดูหนาวนี้ "
    "หลังจากนั้นฝนก็เริ่มตก เราจึงเข้าไปในร้านกาแฟเล็กๆ ที่มุมจัตุรัส ซึ่งมีกลิ่นขนมปังสดและชาเข้มข้น",
}


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_other_scripts(script: str) -> None:
    text = SCRIPTS[script]
    noisy = (
        KINDS["typos"](text, random.Random(3), rate=0.01)
        if script in ("cyrillic", "greek")
        else text
    )
    other = "Unrelated English text that stands alone in this document and is not a copy."
    out = run(
        [
            ("a", other + "\n" + text + "\n"),
            ("b", "Another unique opening line here.\n" + noisy + "\n"),
        ]
    )
    assert out["b"].text == "Another unique opening line here.\n"


def test_cjk_sentence_is_not_one_token() -> None:
    from dedupe_docs.stages.normalize import tokenize

    assert len(tokenize(SCRIPTS["chinese"])) > 50
    assert len(tokenize(SCRIPTS["thai"])) > 50


def test_doubled_letters_match_clean_copy() -> None:
    from dedupe_docs.stages.normalize import tokenize

    assert list(tokenize("TThhee  lleetttteerr").hashes) == list(tokenize("The letter").hashes)


def test_keep_longest_keeps_the_more_complete_copy(paragraphs) -> None:
    a, b, _c = paragraphs[60:63]
    first = f"{a}\n{b}\n"
    later = f"{a}\nAn extra line that only the second printing has.\n{b}\n"
    out = run([("doc", first + "Middle line.\n" + later)], keep="longest")
    assert "An extra line that only the second printing has." in out["doc"].text
    assert out["doc"].text.count(a) == 1 and out["doc"].text.count(b) == 1
    assert out["doc"].text.index("Middle line.") < out["doc"].text.index(a)


def test_deterministic(paragraphs) -> None:
    docs = [(f"d{i}", "\n".join(paragraphs[i : i + 5])) for i in range(0, 40, 3)]
    first = [c.provenance() for c in dedupe_docs.clean(docs)]
    assert first == [c.provenance() for c in dedupe_docs.clean(docs)]


def test_jobs_give_identical_results(paragraphs) -> None:
    rng = random.Random(5)
    docs = []
    for i in range(40):
        parts = [rng.choice(paragraphs) for _ in range(4)]
        if i and rng.random() < 0.5:
            parts.append(KINDS[rng.choice(sorted(KINDS))](rng.choice(docs)[1].split("\n")[0], rng))
        docs.append((f"d{i:02d}", "\n".join(parts) + "\n"))
    one = [c.provenance() for c in dedupe_docs.clean(docs, jobs=1)]
    two = [c.provenance() for c in dedupe_docs.clean(docs, jobs=2)]
    assert one == two
    assert any(p["removed"] for p in one)
