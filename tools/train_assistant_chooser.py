"""Train the assistant's answer model (``chat_server/assistant/retrieval/chooser.py``).

    python -m tools.train_assistant_chooser [--check] [--cross-validate]

Reads the FAQ files and the training question sets of ``tests/data/assistant``
(:data:`TRAINING_SETS`; never ``held_out_2.json`` or ``held_out_12.json``, see their
README), gathers both readings of every question (``retrieval.evidence``), labels each
candidate right or not, fits the model and writes ``chooser_model.pkl``. The fit is
deterministic: the same code and data give the same model
(``tests/unit/test_faq_chooser.py`` checks the shipped one).
``--cross-validate`` prints, for each training set, what a model trained on the others
does on it, at :data:`chooser.THRESHOLD`, and the totals over :data:`UNTUNED`, the sets the
word ranker was never tuned on, and over :data:`WRITTEN_AS_HELD_OUT`, those of them
written like a held-out set: how the settings and the threshold were chosen (on the
others the ranker knows the questions' words, which makes it look surer than it is on
new questions).
``--check`` only says whether the shipped model is the one this code trains.
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import sklearn
from sklearn.ensemble import HistGradientBoostingClassifier

from bench.faq_search import OUTCOMES, outcome, shares
from chat_server.assistant.retrieval import chooser
from chat_server.assistant.retrieval.evidence import FEATURES, candidate_features, gather
from chat_server.assistant.retrieval.ranker import FaqDocument, Ranker
from chat_server.assistant.retrieval.semantic import SemanticIndex

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "assistant"
TRAINING_SETS = (
    "tuning.json",
    "held_out.json",
    "held_out_3.json",
    "held_out_4.json",
    "held_out_5.json",
    "held_out_6.json",
    "held_out_7.json",
    "held_out_8.json",
    "held_out_9.json",
    "held_out_10.json",
    "training_extra_a.json",
    "training_extra_b.json",
    "held_out_11.json",
)
#: The training sets whose questions the word ranker's vocabulary and rules never saw
#: (those after ``held_out_6.json``).
UNTUNED = TRAINING_SETS[TRAINING_SETS.index("held_out_7.json") :]
#: Those of them written as the held-out sets are (3 Turkish questions an entry, 15
#: English, 25 off-topic): the closest estimate of a new held-out set.
WRITTEN_AS_HELD_OUT = tuple(name for name in UNTUNED if name.startswith("held_out_"))
#: Chosen by leave-one-set-out figures on the training sets (``--cross-validate``).
PARAMETERS: dict[str, Any] = {
    "max_iter": 400,
    "learning_rate": 0.05,
    "max_leaf_nodes": 31,
    "min_samples_leaf": 20,
    "l2_regularization": 1.0,
    "early_stopping": False,
    "random_state": 0,
}

Question = dict[str, Any]
Rows = list[tuple[str, list[float]]]


def documents(locale: str) -> list[FaqDocument]:
    entries = json.loads((DATA / f"faq_{locale}.json").read_text(encoding="utf-8"))
    return [
        FaqDocument(item["key"], item["question"], tuple(item["alternates"]), item["answer"])
        for item in entries
    ]


@cache
def readers() -> dict[str, tuple[Ranker, SemanticIndex]]:
    return {
        locale: (Ranker(documents(locale), locale), SemanticIndex(documents(locale)))
        for locale in ("tr", "en")
    }


def questions(name: str) -> list[Question]:
    found: list[Question] = json.loads((DATA / name).read_text(encoding="utf-8"))["questions"]
    return found


def candidates(question: Question) -> Rows:
    ranker, semantic = readers()[question["locale"]]
    evidence = gather(ranker, semantic, question["text"])
    return candidate_features(evidence) if evidence else []


@cache
def read_set(name: str) -> list[tuple[Question, Rows]]:
    return [(question, candidates(question)) for question in questions(name)]


def table(names: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    rows: list[list[float]] = []
    labels: list[int] = []
    for name in names:
        for question, found in read_set(name):
            for entry, features in found:
                rows.append(features)
                labels.append(int(entry == question["expected"]))
    return np.asarray(rows, dtype=np.float64), np.asarray(labels)


def fit(names: Sequence[str] = TRAINING_SETS) -> HistGradientBoostingClassifier:
    rows, labels = table(names)
    return HistGradientBoostingClassifier(**PARAMETERS).fit(rows, labels)


def chosen(fitted: Any, found: Rows, threshold: float = chooser.THRESHOLD) -> str | None:
    if not found:
        return None
    scores = chooser.probabilities([features for _, features in found], fitted)
    best = max(range(len(found)), key=scores.__getitem__)
    return found[best][0] if scores[best] >= threshold else None


def figures(fitted: Any, name: str, threshold: float = chooser.THRESHOLD) -> dict[str, int]:
    counts = dict.fromkeys(OUTCOMES, 0)
    for question, found in read_set(name):
        counts[outcome(question["expected"], chosen(fitted, found, threshold))] += 1
    return counts


def cross_validate(
    thresholds: Sequence[float] = (chooser.THRESHOLD,),
) -> dict[float, dict[str, dict[str, int]]]:
    """Per threshold, each training set's figures with a model trained on the others."""
    found: dict[float, dict[str, dict[str, int]]] = {threshold: {} for threshold in thresholds}
    for name in TRAINING_SETS:
        fitted = fit([other for other in TRAINING_SETS if other != name])
        for threshold in thresholds:
            found[threshold][name] = figures(fitted, name, threshold)
    return found


def totals(figures_by_set: dict[str, dict[str, int]], names: Sequence[str]) -> dict[str, Any]:
    """The summed counts of ``names`` and issue 14's three shares."""
    summed = dict.fromkeys(OUTCOMES, 0)
    for name in names:
        for key, value in figures_by_set[name].items():
            summed[key] += value
    return {**summed, **shares(summed)}


def saved() -> dict[str, Any]:
    loaded: dict[str, Any] = pickle.loads(chooser.MODEL_FILE.read_bytes())
    return loaded


def same_model(fitted: Any, shipped: Any, tolerance: float = 1e-9) -> bool:
    """Whether two models give every training row the same probability (within
    ``tolerance``: another CPU may round the embeddings' last digits otherwise)."""
    rows, _ = table(TRAINING_SETS)
    mine = chooser.probabilities(rows.tolist(), fitted)
    theirs = chooser.probabilities(rows.tolist(), shipped)
    return bool(np.allclose(mine, theirs, rtol=0, atol=tolerance))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the shipped model")
    parser.add_argument("--cross-validate", action="store_true")
    parser.add_argument(
        "--thresholds", type=float, nargs="+", default=[chooser.THRESHOLD], metavar="P"
    )
    args = parser.parse_args(argv)
    if args.cross_validate:
        report = {
            str(threshold): {
                "sets": by_set,
                "untuned": totals(by_set, UNTUNED),
                "written_as_held_out": totals(by_set, WRITTEN_AS_HELD_OUT),
                "all": totals(by_set, TRAINING_SETS),
            }
            for threshold, by_set in cross_validate(args.thresholds).items()
        }
        print(json.dumps(report, indent=2))
        return 0
    fitted = fit()
    if args.check:
        same = same_model(fitted, saved()["model"])
        print("the shipped model is this code's" if same else "the shipped model is outdated")
        return 0 if same else 1
    payload = {
        "features": list(FEATURES),
        "model": fitted,
        "trained_on": list(TRAINING_SETS),
        "scikit_learn": sklearn.__version__,
    }
    chooser.MODEL_FILE.write_bytes(pickle.dumps(payload, protocol=5))
    print(f"wrote {chooser.MODEL_FILE} ({chooser.MODEL_FILE.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
