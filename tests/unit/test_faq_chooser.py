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
    for held_out in ("held_out_2.json", "held_out_9.json", "held_out_10.json"):
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
    everything = tool.totals(by_set, tool.TRAINING_SETS)
    # Measured when the threshold was chosen (assistant-r30): on all eight sets 704 of 783
    # right (0.899), 151 of 172 off-topic refused (0.878), 33 wrong of 737 sent (0.045). The
    # rule it replaces scores 659, 162 and 17 of 676 there, but it was tuned on six of them;
    # on the two it never was (UNTUNED: held_out_7 and held_out_8) it scores 145 of 214
    # right, where the model, trained without each, scores 169 (0.790), 48 of 51 refused,
    # 8 wrong of 177 sent.
    assert everything["answered_right"] >= 0.89, everything
    assert everything["refused_off_topic"] >= 0.87, everything
    assert everything["wrong_answers"] <= 0.05, everything
    assert untuned["right"] >= 165, untuned
    assert untuned["refused_off_topic"] >= 0.92, untuned
    assert untuned["wrong_answers"] <= 0.05, untuned


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
