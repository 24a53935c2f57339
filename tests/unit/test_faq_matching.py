"""The assistant's retrieval measured on questions written the way shoppers write.

``tests/data/assistant/tuning.json`` is what the method and thresholds were chosen on;
``held_out.json`` was never tuned on, and is only measured here. Issue 14's figures:
the share of answerable questions answered with the right entry, the share of
off-topic questions left unanswered, and the share of the answers sent that were wrong
(a wrong entry, or any answer to an off-topic question).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from chat_server.assistant.retrieval.confidence import confident
from chat_server.assistant.retrieval.ranker import FaqDocument, Ranker
from chat_server.assistant.retrieval.terms import stem, terms, verb_root

DATA = Path(__file__).parent.parent / "data" / "assistant"


def rankers() -> dict[str, Ranker]:
    built = {}
    for locale in ("tr", "en"):
        entries = json.loads((DATA / f"faq_{locale}.json").read_text(encoding="utf-8"))
        documents = [
            FaqDocument(item["key"], item["question"], tuple(item["alternates"]), item["answer"])
            for item in entries
        ]
        built[locale] = Ranker(documents, locale)
    return built


@dataclass
class Measured:
    right: int = 0
    wrong: int = 0
    silent: int = 0
    refused_off_topic: int = 0
    answered_off_topic: int = 0

    @property
    def answered_right(self) -> float:
        """Of the answerable questions, the share answered with the right entry."""
        return self.right / (self.right + self.wrong + self.silent)

    @property
    def refused(self) -> float:
        """Of the off-topic questions, the share left unanswered."""
        return self.refused_off_topic / (self.refused_off_topic + self.answered_off_topic)

    @property
    def wrong_answers(self) -> float:
        """Of the answers sent, the share that were wrong."""
        given = self.right + self.wrong + self.answered_off_topic
        return (self.wrong + self.answered_off_topic) / given if given else 0.0


def measure(name: str) -> Measured:
    by_locale = rankers()
    questions = json.loads((DATA / name).read_text(encoding="utf-8"))["questions"]
    measured = Measured()
    for question in questions:
        chosen = confident(by_locale[question["locale"]].rank(question["text"]))
        got = chosen.id if chosen else None
        if question["expected"] is None:
            if got is None:
                measured.refused_off_topic += 1
            else:
                measured.answered_off_topic += 1
        elif got == question["expected"]:
            measured.right += 1
        elif got is None:
            measured.silent += 1
        else:
            measured.wrong += 1
    return measured


def test_the_held_out_questions_meet_issue_14s_targets_where_measured() -> None:
    measured = measure("held_out_2.json")
    # held_out_2.json: written on 2026-12-06, committed before it was measured, never
    # tuned on (112 questions, 95 answerable). Before the verb-root lookup: 70 right
    # (0.737). With it, measured once: 71 right (0.747), 24 left to a person, none
    # wrong; 15 of 17 off-topic refused (0.882); 2 wrong of 73 answers sent (0.027).
    # Issue 14 asks 0.85 answered right: not reached, so that figure is held at what was
    # measured, minus a small margin; the other two meet their targets.
    assert measured.answered_right >= 0.73, measured
    assert measured.refused >= 0.80, measured
    assert measured.wrong_answers <= 0.08, measured


@pytest.mark.parametrize(
    ("name", "right", "refused", "wrong_answers"),
    [
        # tuning.json: 85 of 87 right, 20 of 22 off-topic refused, 2 wrong of 87 sent.
        ("tuning.json", 0.97, 0.90, 0.03),
        # held_out.json, the first held-out set: measured once at 0.794 right, then its
        # misses chose the verb-root lookup, so it is tuning data now: 56 of 68 right,
        # 21 of 21 refused, 4 wrong of 60 sent.
        ("held_out.json", 0.82, 0.95, 0.07),
        # held_out_3.json, a check written before a letter-similarity trial (README):
        # 60 of 78 right, 15 of 17 refused, 3 wrong of 63 sent.
        ("held_out_3.json", 0.76, 0.88, 0.05),
    ],
)
def test_the_tuning_questions_still_score_as_tuned(
    name: str, right: float, refused: float, wrong_answers: float
) -> None:
    measured = measure(name)
    assert measured.answered_right >= right, measured
    assert measured.refused >= refused, measured
    assert measured.wrong_answers <= wrong_answers, measured


def test_a_turkish_verb_form_is_read_by_its_root() -> None:
    assert verb_root("giremiyorum", "tr") == "gir"
    assert verb_root("silmek", "tr") == "sil"
    assert verb_root("gelmis", "tr") == "gel"
    assert verb_root("almak", "tr") is None  # "al": too short a root to look up
    assert verb_root("kargo", "tr") is None
    assert verb_root("sending", "en") is None
    ranker = rankers()["tr"]
    # "Üyeliğimi nasıl silerim?": the infinitive finds the entry's verb by its root.
    assert ranker.query_terms("silmek")[0].keys() == ranker.query_terms("silerim")[0].keys()
    assert ranker.query_terms("silmek")[1] == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("kargom nerde", "kargo_takip"),
        ("iade nasil yapicam", "iade_nasil"),
        ("KAPIDA ÖDEME VARMI", "kapida_odeme"),
        ("taksitle alabilirmiyim", "taksit"),
        ("ne zaman kargoya verilcek", "kargo_sure"),
        ("urunu geri yollamak istiyorum", "iade_nasil"),
        ("vade farksiz kac ay", "taksit"),
        ("bugün hava nasıl", None),
        ("garanti bankasi kredi faizi ne kadar", None),
    ],
)
def test_informal_turkish_finds_its_entry_and_off_topic_finds_none(
    text: str, expected: str | None
) -> None:
    chosen = confident(rankers()["tr"].rank(text))
    assert (chosen.id if chosen else None) == expected


def test_turkish_case_and_letters_fold_to_the_same_terms() -> None:
    assert terms("İADE", "tr") == terms("iade", "tr") == terms("ıade", "tr")
    assert terms("ödeme", "tr") == terms("ODEME", "tr")
    assert terms("kargoyu", "tr") == terms("kargom", "tr") == terms("KARGO", "tr")


def test_an_empty_faq_ranks_nothing() -> None:
    assert Ranker([], "tr").rank("kargom nerede") == []


def test_a_word_the_faq_does_not_use_is_read_as_its_shop_synonym() -> None:
    ranker = rankers()["tr"]
    known, unknown_weight = ranker.query_terms("yollamak")
    assert known and unknown_weight == 0
    assert known.keys() == ranker.query_terms("gondermek")[0].keys()
    assert ranker.query_terms("vadeli")[0].keys() == ranker.query_terms("taksit")[0].keys()


def test_an_infinitive_meets_the_other_forms_of_its_verb() -> None:
    assert stem("gondermek", "tr") == stem("gonderim", "tr") == stem("gonderin", "tr")
