"""Latency of the assistant's FAQ search over 1,000 entries (issue 14).

    python -m bench.faq_search [--entries 1000] [--rounds 5] [--evaluate held_out_12.json ...]
                               [--no-embeddings]

Builds a site with ``--entries`` FAQ entries (the 64 of ``tests/data/assistant/`` and
variants of them naming products and categories, half Turkish, half English) in a real
SQLite database, then asks every question of the tuning and held-out sets ``--rounds``
times through :func:`chat_server.assistant.matching.best_answer`, the function the
assistant and ``GET /api/v1/faq/search`` call (the version check query included). The
first question pays for building the lexical index; it is reported apart, and so is the
time until the entries' sentence embeddings are ready (computed in a thread meanwhile;
the questions are timed once they are). ``--no-embeddings`` measures the lexical ranker
alone (``CHAT_ASSISTANT_EMBEDDINGS=off``). Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from chat_server.admin.sites import create_site
from chat_server.assistant import faq_import, matching
from chat_server.assistant.retrieval.chooser import decide
from chat_server.assistant.retrieval.ranker import FaqDocument, Ranker
from chat_server.assistant.retrieval.semantic import SemanticIndex
from chat_server.config.settings import Settings, load_settings
from chat_server.model.scope import Scope
from chat_server.realtime.bus import MemoryBus
from chat_server.realtime.presence import MemoryPresence
from chat_server.runtime.state import Runtime
from chat_server.security.tokens import Signer
from chat_server.storage.database import Database
from chat_server.storage.migrate import upgrade_to_head

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "assistant"
PRODUCTS = {
    "tr": ["koltuk", "lamba", "halı", "kupa", "nevresim", "ayakkabı", "ceket", "saat"],
    "en": ["sofa", "lamp", "rug", "mug", "duvet", "shoes", "jacket", "watch"],
}


def entries(count: int) -> list[dict[str, Any]]:
    base = {
        locale: json.loads((DATA / f"faq_{locale}.json").read_text(encoding="utf-8"))
        for locale in ("tr", "en")
    }
    made: list[dict[str, Any]] = []
    for number in range(count):
        locale = "tr" if number % 2 == 0 else "en"
        item = base[locale][(number // 2) % len(base[locale])]
        product = PRODUCTS[locale][number % len(PRODUCTS[locale])]
        suffix = "" if number < 2 * len(base[locale]) else f" ({product} {number})"
        made.append(
            {
                "locale": locale,
                "question": item["question"] + suffix,
                "answer": item["answer"],
                "alternates": item["alternates"],
            }
        )
    return made


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


async def measure(count: int, rounds: int, settings: Settings) -> dict[str, Any]:
    db = Database(settings)
    rt = Runtime(settings, db, MemoryBus(), MemoryPresence(), Signer(settings.secret_key))
    try:
        site = await create_site(rt, "FAQ bench", [])
        scope = Scope("bench", "admin", None)
        rows = faq_import.parse(json.dumps(entries(count)).encode(), "application/json")
        await faq_import.import_entries(rt, scope, site.id, rows)
        questions = [
            question
            for name in ("tuning.json", "held_out.json")
            for question in json.loads((DATA / name).read_text(encoding="utf-8"))["questions"]
        ]
        started = time.perf_counter()
        await matching.best_answer(rt, site.id, "tr", "kargom nerde")
        await matching.best_answer(rt, site.id, "en", "where is my parcel")
        first_ms = (time.perf_counter() - started) * 1000 / 2
        await matching.embeddings_built()
        embeddings_s = time.perf_counter() - started
        timings: list[float] = []
        for _ in range(rounds):
            for question in questions:
                started = time.perf_counter()
                await matching.best_answer(rt, site.id, question["locale"], question["text"])
                timings.append((time.perf_counter() - started) * 1000)
    finally:
        await db.dispose()
    return {
        "entries": count,
        "questions": len(timings),
        "first_question_ms_with_index_build": round(first_ms, 1),
        "embeddings": settings.assistant_embeddings,
        "embeddings_ready_s_after_first_question": (
            round(embeddings_s, 1) if settings.assistant_embeddings else None
        ),
        "search_ms": {
            "mean": round(statistics.fmean(timings), 2),
            "p50": round(percentile(timings, 0.5), 2),
            "p95": round(percentile(timings, 0.95), 2),
            "p99": round(percentile(timings, 0.99), 2),
            "max": round(max(timings), 2),
        },
        "target_p99_ms": 300,
    }


#: What became of one question: answered with the right entry, with a wrong one, left to a
#: person; an off-topic one left unanswered, or answered.
OUTCOMES = ("right", "wrong", "silent", "refused", "answered_off_topic")


def outcome(expected: str | None, got: str | None) -> str:
    """One of :data:`OUTCOMES` for a question expecting ``expected`` that got ``got``."""
    if expected is None:
        return "refused" if got is None else "answered_off_topic"
    if got == expected:
        return "right"
    return "silent" if got is None else "wrong"


def shares(counts: dict[str, int]) -> dict[str, float | None]:
    """Issue 14's figures from the counts of :data:`OUTCOMES`: the share of answerable
    questions answered with the right entry, of off-topic questions left unanswered, and of
    the answers sent that were wrong (a wrong entry, or any answer to an off-topic one)."""
    answerable = counts["right"] + counts["wrong"] + counts["silent"]
    off_topic = counts["refused"] + counts["answered_off_topic"]
    sent = counts["right"] + counts["wrong"] + counts["answered_off_topic"]
    wrong = counts["wrong"] + counts["answered_off_topic"]
    return {
        "answered_right": round(counts["right"] / answerable, 3) if answerable else None,
        "refused_off_topic": round(counts["refused"] / off_topic, 3) if off_topic else None,
        "wrong_answers": round(wrong / sent, 3) if sent else 0.0,
    }


def evaluate(name: str, embeddings: bool) -> dict[str, Any]:
    """:func:`shares` on one question set of ``tests/data/assistant``, with the
    assistant's own ranker, embeddings and answer model."""
    rankers = {}
    semantic: dict[str, SemanticIndex] = {}
    for locale in ("tr", "en"):
        items = json.loads((DATA / f"faq_{locale}.json").read_text(encoding="utf-8"))
        documents = [
            FaqDocument(item["key"], item["question"], tuple(item["alternates"]), item["answer"])
            for item in items
        ]
        rankers[locale] = Ranker(documents, locale)
        if embeddings:
            semantic[locale] = SemanticIndex(documents)
    counts = dict.fromkeys(OUTCOMES, 0)
    for question in json.loads((DATA / name).read_text(encoding="utf-8"))["questions"]:
        locale = question["locale"]
        got = decide(rankers[locale], semantic.get(locale), question["text"]).chosen
        counts[outcome(question["expected"], got)] += 1
    return {"set": name, **counts, **shares(counts)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--evaluate",
        metavar="SET",
        action="append",
        default=[],
        help="also score a question set, e.g. held_out_12.json (a held-out set); repeatable",
    )
    parser.add_argument("--no-embeddings", action="store_true", help="the lexical ranker alone")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="faq-bench-") as folder:
        settings = load_settings(
            {
                "CHAT_DATA_DIR": folder,
                "CHAT_DATABASE_URL": f"sqlite+aiosqlite:///{folder}/b.db",
                "CHAT_ASSISTANT_EMBEDDINGS": "off" if args.no_embeddings else "on",
            }
        )
        upgrade_to_head(settings)
        result = asyncio.run(measure(args.entries, args.rounds, settings))
    if args.evaluate:
        result["evaluations"] = [evaluate(name, not args.no_embeddings) for name in args.evaluate]
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
