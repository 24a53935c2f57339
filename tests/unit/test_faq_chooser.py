"""The assistant's answer model (``retrieval.chooser``): the shipped one is the one its
tool trains, what it does on questions it was not trained on, and the ranker's own rule
when there is no model or no embeddings.

The honest estimate on the training sets is leave-one-set-out (each set answered by a
model trained on the others); the fresh held-out sets are measured in
``test_faq_matching.py``.
"""

from __future__ import annotations

from typing import Any

import pytest

from chat_server.assistant.retrieval import chooser
from chat_server.assistant.retrieval.confidence import confident
from chat_server.assistant.retrieval.evidence import FEATURES, candidate_features, gather
from chat_server.assistant.retrieval.outside import names_outside
from chat_server.assistant.retrieval.ranker import FaqDocument, Ranker
from tools import train_assistant_chooser as tool


@pytest.mark.timeout(600)
def test_the_shipped_model_is_the_one_the_tool_trains_from_this_code() -> None:
    shipped: dict[str, Any] = tool.saved()
    assert tuple(shipped["features"]) == FEATURES
    assert tuple(shipped["trained_on"]) == tool.TRAINING_SETS
    for held_out in ("held_out_2.json", "held_out_12.json"):
        assert held_out not in tool.TRAINING_SETS
    # A model trained again here decides every training question as the shipped one does
    # (a change to the ranker, the embeddings or the features without training again
    # would not).
    fitted = tool.fit()
    for name in tool.TRAINING_SETS:
        for _, found in tool.read_set(name):
            assert tool.chosen(fitted, found) == tool.chosen(shipped["model"], found)
    assert tool.same_model(fitted, shipped["model"], tolerance=1e-6)


@pytest.mark.timeout(600)
def test_each_training_set_answered_by_a_model_trained_on_the_others() -> None:
    by_set = tool.cross_validate()[chooser.THRESHOLD]
    untuned = tool.totals(by_set, tool.UNTUNED)
    written_as_held_out = tool.totals(by_set, tool.WRITTEN_AS_HELD_OUT)
    everything = tool.totals(by_set, tool.TRAINING_SETS)
    # Measured when the settings were chosen (assistant-r33: thirteen sets, 400 trees of 31
    # leaves, the outside-subject count): on all thirteen 1,151 of 1,372 right (0.839), 304
    # of 377 off-topic refused (0.806), 107 wrong of 1,258 sent (0.085). On the sets the
    # word ranker was never tuned on (UNTUNED) 611 of 803 right (0.761), 210 of 256 refused
    # (0.820), 75 wrong of 686 (0.109; most are training_extra_b.json's English and other
    # companies' questions); on the five of them written as held-out sets are
    # (WRITTEN_AS_HELD_OUT) 441 of 547 right (0.806), 110 of 126 refused (0.873), 32 wrong
    # of 473 (0.068). The model of assistant-r30 (eight sets, 200 trees of 15 leaves)
    # scored 148 of 222 right on held_out_9 and held_out_10, unseen; the one here, trained
    # without each, 170.
    assert everything["answered_right"] >= 0.83, everything
    assert everything["refused_off_topic"] >= 0.80, everything
    assert everything["wrong_answers"] <= 0.09, everything
    assert untuned["right"] >= 605, untuned
    assert untuned["refused_off_topic"] >= 0.81, untuned
    assert untuned["wrong_answers"] <= 0.11, untuned
    assert written_as_held_out["right"] >= 435, written_as_held_out
    assert written_as_held_out["refused_off_topic"] >= 0.87, written_as_held_out
    assert written_as_held_out["wrong_answers"] <= 0.07, written_as_held_out


def test_a_question_naming_a_subject_outside_the_shop_is_counted() -> None:
    ranker = tool.readers()["tr"][0]
    english = tool.readers()["en"][0]
    # Another marketplace, a job application, a salary, a public service, the weather.
    assert names_outside(ranker, "trendyolda iade suresi kac gun") == 1
    assert names_outside(ranker, "aras kargoya İŞ BAŞVURUSU nasil yapilir") == 1
    assert names_outside(ranker, "maasim ne zaman yatar") == 1
    assert names_outside(ranker, "e-Devlet şifremi unuttum") == 1
    assert names_outside(ranker, "hava durumu nasil") == 1
    assert names_outside(english, "job application at amazon") == 2
    # Shop questions name none ("getiriyo" is a verb, not the grocery app).
    for text in ("kargom nerde", "hangi kargo getiriyo", "akbank kartina taksit var mi"):
        assert names_outside(ranker, text) == 0
    assert names_outside(english, "do you take visa or paypal") == 0
    # A shop whose own FAQ writes about careers keeps the word.
    careers = Ranker(
        [FaqDocument("kariyer", "Kariyer sayfaniz var mi?", (), "Kariyer sayfamiz: /is")], "tr"
    )
    assert names_outside(careers, "kariyer firsatlari") == 0
    assert names_outside(careers, "trendyol kariyer firsatlari") == 1
    # A phrase counts from a word's start ("yaris basvurusu" is no job application), and
    # not when one of the FAQ's texts holds it.
    assert names_outside(ranker, "yaris basvurusu nasil yapilir") == 0
    weather = Ranker(
        [FaqDocument("gecikme", "Hava durumu kargoyu geciktirir mi?", (), "Evet, bazen.")], "tr"
    )
    assert names_outside(weather, "hava durumu yuzunden gecikir mi") == 0
    assert names_outside(ranker, "hava durumu yuzunden gecikir mi") == 1


def test_the_model_reads_numbers_about_a_candidate_never_which_entry_it_is() -> None:
    ranker, semantic = tool.readers()["tr"]
    evidence = gather(ranker, semantic, "kargom nerde")
    assert evidence is not None
    rows = candidate_features(evidence)
    assert rows[0][0] == "kargo_takip"
    assert all(len(features) == len(FEATURES) for _, features in rows)
    assert all(isinstance(value, float | int) for _, features in rows for value in features)
    decision = chooser.decide(ranker, semantic, "kargom nerde")
    assert decision.chosen == "kargo_takip"
    assert decision.probability is not None and decision.probability >= chooser.THRESHOLD
    assert decision.listed[0].id == "kargo_takip"


def test_without_embeddings_the_rankers_own_rule_decides() -> None:
    ranker, _ = tool.readers()["tr"]
    for text in ("kargom nerde", "baska renk ile degistirebilir miyim", "bugun hava nasil"):
        decision = chooser.decide(ranker, None, text)
        rule = confident(ranker.rank(text, 5))
        assert decision.chosen == (rule.id if rule else None)
        assert decision.probability is None
    # The paraphrase the rule hands over is the model's to answer.
    assert chooser.decide(ranker, None, "baska renk ile degistirebilir miyim").chosen is None
    semantic = tool.readers()["tr"][1]
    assert chooser.decide(ranker, semantic, "baska renk ile degistirebilir miyim").chosen == (
        "degisim"
    )
