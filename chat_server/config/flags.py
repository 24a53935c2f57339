"""The words an on/off setting may be written with, for every ``CHAT_*`` variable and
option that takes one (each caller names its own variable in the error)."""

from __future__ import annotations

TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("", "0", "false", "no", "off")


def read_flag(raw: str) -> bool | None:
    """True or False for a flag word, None for anything else."""
    if raw in TRUE_WORDS:
        return True
    if raw in FALSE_WORDS:
        return False
    return None
