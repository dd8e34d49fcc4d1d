"""Sentences copied on their own into other text, in scripts with and without spaces: a
sentence pasted after a line that ends without a mark (a label, a line cut short), a
Chinese or Japanese sentence run into the text before it, exact or with case and spacing
changed, goes and cites its source; a set phrase that recurs in many documents inside
unique text stays, and so does the end of a sentence whose first words differ."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

import dedupe_docs
from dedupe_docs import pipeline
from tests.helpers import invariants

RU_WORDS = [
    "система",
    "файл",
    "каталог",
    "пользователь",
    "параметр",
    "значение",
    "строка",
    "команда",
    "вывод",
    "запись",
    "процесс",
    "сигнал",
    "память",
    "устройство",
    "раздел",
    "ключ",
    "журнал",
    "сеть",
    "адрес",
    "порт",
    "служба",
    "ядро",
    "модуль",
    "буфер",
    "очередь",
    "таблица",
    "поле",
    "индекс",
    "запрос",
    "ответ",
]
RU_SENTENCE = (
    "Пользователь, чья учётная запись была заблокирована, должен обратиться к системному "
    "администратору, если хочет снова работать с системой."
)
ZH_CHARS = "数据文件目录用户参数设置字符命令输出记录进程信号内存设备分区密钥日志网络地址端口服务"
ZH_SENTENCE = "解码时，除了 Base32 字母表中的字符以外，输入数据中还可能会有换行符，它们都被忽略。"
JA_CHARS = "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろ"
JA_SENTENCE = (
    "各 keyword をシェル形式のワイルドカードを含むパターンとして解釈し、一致するものを表示します。"
)


def ru_line(rng: random.Random, words: int = 9) -> str:
    return " ".join(rng.choice(RU_WORDS) for _ in range(words))


def cjk_line(rng: random.Random, chars: str, n: int = 30) -> str:
    return "".join(rng.choice(chars) for _ in range(n))


def corpus(make_line, n_docs: int = 6, lines: int = 8, seed: int = 0) -> list[list[str]]:
    rng = random.Random(seed)
    return [[make_line(rng) for _ in range(lines)] for _ in range(n_docs)]


def fuzz(sentence: str, spaced: bool) -> str:
    """Case changed and two spaces added: between words, or anywhere in text without spaces."""
    chars = list(sentence.upper() if spaced else sentence)
    for at in (len(chars) // 3, 2 * len(chars) // 3):
        if spaced:
            at = [i for i, c in enumerate(chars) if c == " "][at // 8]
        chars.insert(at, " ")
    return "".join(chars)


def run(
    docs: list[list[str]], **options
) -> tuple[dict[str, str], dict[str, dedupe_docs.CleanedDocument]]:
    texts = {f"d{i}": "\n".join(lines) + "\n" for i, lines in enumerate(docs)}
    cleaned = dedupe_docs.clean(list(texts.items()), **options)
    invariants.check(texts, cleaned, dedupe_docs.Config(**options).threshold)
    return texts, {c.id: c for c in cleaned}


def removed_text(texts: dict[str, str], cleaned, doc: str) -> list[tuple[str, str | None]]:
    text = texts[doc]
    return [
        ("".join(text[r.start : r.end].split()), r.source and r.source.id)
        for r in cleaned[doc].removed
    ]


CASES = {
    "ru": (lambda rng: ru_line(rng), RU_SENTENCE, " ", True),
    "zh": (lambda rng: cjk_line(rng, ZH_CHARS), ZH_SENTENCE, "", False),
    "ja": (lambda rng: cjk_line(rng, JA_CHARS), JA_SENTENCE, "", False),
}


@pytest.mark.parametrize("fuzzed", [False, True], ids=["exact", "fuzzed"])
@pytest.mark.parametrize("lang", sorted(CASES))
@pytest.mark.parametrize("max_memory", [None, "300M"], ids=["memory", "bounded"])
def test_a_sentence_pasted_after_unmarked_text_goes(
    lang: str, fuzzed: bool, max_memory: str | None
) -> None:
    make_line, sentence, sep, spaced = CASES[lang]
    docs = corpus(make_line)
    docs[1].insert(3, sentence)  # the first occurrence: a line of its own
    copy = fuzz(sentence, spaced) if fuzzed else sentence
    docs[4][5] = docs[4][5] + sep + copy  # a later document: after a line with no full stop
    texts, cleaned = run(docs, max_memory=max_memory)
    gone = removed_text(texts, cleaned, "d4")
    assert gone == [("".join(copy.split()), "d1")]
    assert cleaned["d4"].removed[0].rule in ("short-copy", "passage")
    assert not cleaned["d1"].removed
    # the line it was pasted after stays whole
    assert docs[4][5][: len(docs[4][5]) - len(copy) - len(sep)] in cleaned["d4"].text


def test_a_set_phrase_in_many_documents_stays() -> None:
    """A phrase of eight words set as a sentence of its own inside the unique text of most
    documents is no copy of its first occurrence."""
    phrase = "See the manual page of the tool itself."
    rng = random.Random(3)
    words = [
        "alpha",
        "beta",
        "gamma",
        "delta",
        "omega",
        "sigma",
        "kappa",
        "lambda",
        "theta",
        "zeta",
        "iota",
        "rho",
        "tau",
    ]
    docs = []
    for _ in range(12):
        text = [" ".join(rng.choice(words) for _ in range(12)) + "." for _ in range(4)]
        text.insert(2, phrase)
        docs.append([" ".join(text)])
    _, cleaned = run(docs)
    assert all(not c.removed for c in cleaned.values())


def test_the_end_of_a_sentence_whose_start_differs_stays() -> None:
    """Parallel text: ``X also accepts ...`` beside ``Y also accepts ...`` after a line that
    ends without a mark; the copied words start inside a sentence in the source too."""
    tail = "also accepts the following command line arguments for the connection parameters."
    rng = random.Random(5)
    docs = corpus(lambda r: ru_line(r), n_docs=4, seed=rng.randrange(100))
    docs[0][2] = "clusterdb " + tail
    docs[2][4] = "createdb " + tail
    _, cleaned = run(docs)
    assert not cleaned["d2"].removed


@pytest.mark.parametrize("lang", sorted(CASES))
def test_a_pasted_sentence_goes_in_a_later_batch_of_a_persisted_index(
    lang: str, tmp_path: Path
) -> None:
    """Cleaned against a persisted index, the later batch removes what one run removes."""
    make_line, sentence, sep, spaced = CASES[lang]
    docs = corpus(make_line)
    docs[1].insert(3, sentence)
    docs[4][5] = docs[4][5] + sep + fuzz(sentence, spaced)
    named = [(f"d{i}", "\n".join(lines) + "\n") for i, lines in enumerate(docs)]
    config = dedupe_docs.Config()
    for i, part in enumerate((named[:3], named[3:])):
        pipeline.run(part, tmp_path / f"out{i}", config, index=tmp_path / "index")
    lines = (tmp_path / "out1" / "provenance.jsonl").read_text(encoding="utf-8").splitlines()
    batch = {p["id"]: p for p in map(json.loads, lines)}
    joint = {c.id: c.provenance() for c in dedupe_docs.clean(named, config)}
    for doc in ("d3", "d4", "d5"):
        mine = [
            (r["start"], r["end"], r["source"] and r["source"]["id"]) for r in batch[doc]["removed"]
        ]
        theirs = [
            (r["start"], r["end"], r["source"] and r["source"]["id"]) for r in joint[doc]["removed"]
        ]
        assert mine == theirs
    assert [r["source"]["id"] for r in batch["d4"]["removed"]] == ["d1"]
