"""Where the non-Python parts (widget, console, migrations) live.

A wheel carries them under ``chat_server/_assets``; a source checkout or an
editable install has them beside the package.
"""

from __future__ import annotations

from pathlib import Path

# This module lives in chat_server/config/: the package is one level up.
_PACKAGE = Path(__file__).resolve().parent.parent


def asset_dir(name: str) -> Path:
    for candidate in (_PACKAGE / "_assets" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"the {name!r} assets are missing from this installation")
