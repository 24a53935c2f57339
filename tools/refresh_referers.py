"""Refresh the referrer table from Snowplow's maintained `referers.yml`.

    .venv/bin/python tools/refresh_referers.py                 # download the newest
    .venv/bin/python tools/refresh_referers.py --from FILE     # a referers.yml you have

Writes `chat_server/data/referers.yml` (upstream's file, unchanged: GPL-3.0, see
`chat_server/data/REFERERS-LICENSE.md`) and `chat_server/data/referers.json`, the same
table as JSON, which is what the server loads (no YAML parser at run time). Our own
additions (Turkish shops, Yandex's Turkish domains, ...) are not in these files: they
live in `chat_server/tracking/referrer_table.py` and survive a refresh.
Needs PyYAML (a dev dependency). Run the tracking tests after: `pytest tests/tracking`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

UPSTREAM = (
    "https://raw.githubusercontent.com/snowplow-referer-parser/referer-parser/"
    "master/resources/referers.yml"
)
DATA = Path(__file__).resolve().parent.parent / "chat_server" / "data"
MEDIA = ("unknown", "email", "social", "search", "paid", "chatbot")


def convert(text: str, source: str) -> dict[str, Any]:
    """The JSON document for a referers.yml: {"source", "sha256", "retrieved", "media"}."""
    loaded = yaml.safe_load(text)
    if not isinstance(loaded, dict) or "search" not in loaded:
        raise ValueError("not a referers.yml: no 'search' section")
    media: dict[str, dict[str, dict[str, list[str]]]] = {}
    for medium, providers in loaded.items():
        if medium not in MEDIA:
            raise ValueError(f"unknown medium {medium!r}: read the file and extend MEDIA")
        media[medium] = {
            str(name): {
                "domains": [str(d).lower() for d in entry.get("domains") or ()],
                "parameters": [str(p) for p in entry.get("parameters") or ()],
            }
            for name, entry in (providers or {}).items()
        }
    return {
        "source": source,
        "sha256": hashlib.sha256(text.encode()).hexdigest(),
        "retrieved": datetime.now(UTC).date().isoformat(),
        "media": media,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="source", type=Path, help="a local referers.yml")
    parser.add_argument("--dest", type=Path, default=DATA)
    args = parser.parse_args(argv)
    if args.source is not None:
        text, origin = args.source.read_text(encoding="utf-8"), UPSTREAM
    else:
        with urllib.request.urlopen(UPSTREAM, timeout=60) as response:
            text, origin = response.read().decode("utf-8"), UPSTREAM
    document = convert(text, origin)
    (args.dest / "referers.yml").write_text(text, encoding="utf-8")
    (args.dest / "referers.json").write_text(
        json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
    counts = {medium: len(names) for medium, names in document["media"].items()}
    print(f"referers.json from {origin}: {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
