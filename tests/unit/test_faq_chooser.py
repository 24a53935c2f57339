"""The assistant's answer model (``retrieval.chooser``): the shipped one is the one its
tool trains, what it does on questions it was not trained on, and the ranker's own rule
when there is no model or no embeddings.

The honest estimate on the training sets is leave-one-set-out (each set answered by a
model trained on the others); the fresh held-out sets are measured in
``test_faq_matching.py``.
"""

from __future__ import annotations

from typing import Any

from chat_server.assistant.retrieval import chooser
from chat_server.assistant.retrieval.confidence import confident
from chat_server.assistant.retrieval.evidence import FEATURES, candidate_features, gather
from tools import train_assistant_chooser as tool


def totals(figures: dict[str, dict[str, int]]) -> dict[str, int]:
    summed = dict.fromkeys(("right", "wrong", "silent", "refused", "answered_off_topic"), 0)
    for counts in figures.values():
        for key, value in counts.items():
            summed[key] += value
    return summed


def test_the_shipped_model_is_the_one_the_tool_trains_from_this_code() -> None:
    shipped: dict[str, Any] = tool.saved()
    assert tuple(shipped["features"]) == FEATURES
    assert tuple(shipped["trained_on"]) == tool.TRAINING_SETS
    assert "held_out_2.json" not in tool.TRAINING_SETS
    assert "held_out_9.json" not in tool.TRAINING_SETS
    # A model trained again here decides every training question as the shipped one does
    # (a change to the ranker, the embeddings or the features without training again
    # would not).
    fitted = tool.fit()
    for name in tool.TRAINING_SETS:
        for _, found in tool.read_set(name):
            assert tool.chosen(fitted, found) == tool.chosen(shipped["model"], found)
    assert tool.same_model(fitted, shipped["model"], tolerance=1e-6)


def test_each_training_set_answered_by_a_model_trained_on_the_others() -> None:
    figures = tool.cross_validate()
    summed = totals(figures)
    answerable = summed["right"] + summed["wrong"] + summed["silent"]
    off_topic = summed["refused"] + summed["answered_off_topic"]
    sent = summed["right"] + summed["wrong"] + summed["answered_off_topic"]
    # Measured when the threshold was chosen (assistant-r30): 704 of 783 right (0.899),
    # 151 of 172 off-topic refused (0.878), 33 wrong of 737 sent (0.045). The rule it
    # replaced scores 659, 162 and 17 of 676 on the same sets, but those were tuned on
    # all of them; on the two it was never tuned on (held_out_7 and held_out_8) it scores
    # 145 of 214 right where the model, trained without each, scores 169.
    assert summed["right"] / answerable >= 0.89, summed
    assert summed["refused"] / off_topic >= 0.87, summed
    assert (summed["wrong"] + summed["answered_off_topic"]) / sent <= 0.05, summed
    unseen = figures["held_out_7.json"]["right"] + figures["held_out_8.json"]["right"]
    assert unseen >= 165, figures


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
