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
from tools import train_assistant_chooser as tool


@pytest.mark.timeout(600)
def test_the_shipped_model_is_the_one_the_tool_trains_from_this_code() -> None:
    shipped: dict[str, Any] = tool.saved()
    assert tuple(shipped["features"]) == FEATURES
    assert tuple(shipped["trained_on"]) == tool.TRAINING_SETS
    for held_out in ("held_out_2.json", "held_out_11.json"):
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
    # Measured when the settings were chosen (assistant-r32, twelve sets, 400 trees of 31
    # leaves): on all twelve 1,049 of 1,261 right (0.832), 279 of 352 off-topic refused
    # (0.793), 104 wrong of 1,153 sent (0.090). On the sets the word ranker was never tuned
    # on (UNTUNED) 511 of 692 right (0.738), 186 of 231 refused (0.805), 70 wrong of 581
    # (0.120; most are training_extra_b.json's English and other companies' questions); on
    # the four of them written as held-out sets are (WRITTEN_AS_HELD_OUT) 341 of 436 right
    # (0.782), 90 of 101 refused (0.891), 23 wrong of 364 (0.063). The model of
    # assistant-r30 (eight sets, 200 trees of 15 leaves) scored 148 of 222 right on
    # held_out_9 and held_out_10, unseen; the one here, trained without each, 162.
    assert everything["answered_right"] >= 0.83, everything
    assert everything["refused_off_topic"] >= 0.79, everything
    assert everything["wrong_answers"] <= 0.09, everything
    assert untuned["right"] >= 505, untuned
    assert untuned["refused_off_topic"] >= 0.80, untuned
    assert untuned["wrong_answers"] <= 0.12, untuned
    assert written_as_held_out["right"] >= 335, written_as_held_out
    assert written_as_held_out["refused_off_topic"] >= 0.89, written_as_held_out
    assert written_as_held_out["wrong_answers"] <= 0.07, written_as_held_out


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
