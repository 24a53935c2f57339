"""The ES modules a page will import, so its HTML can name them all at once.

The console is plain ES modules without a bundler: the browser learns each level of
imports only after fetching the level above, one round trip per level (five for the
console). ``<link rel="modulepreload">`` for the whole import closure lets it fetch
them in parallel as soon as the HTML arrives. The closure is read from the files
themselves once per process, so a new module needs no list to be kept up to date.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path, PurePosixPath

from chat_server.config.assets import asset_dir

# Static imports and re-exports with a relative specifier: `import x from './a.js'`,
# `import './a.js'`, `export { y } from '../b.js'`. Dynamic import() stays lazy on purpose.
_RELATIVE_IMPORT = re.compile(
    r"""^\s*(?:import|export)\b[^'"]*?(?:\bfrom\s*)?['"](\.{1,2}/[^'"]+\.js)['"]""",
    re.MULTILINE,
)

STATIC_URL = "/console/static/"


@lru_cache(maxsize=8)
def module_preloads(entries: tuple[str, ...]) -> tuple[str, ...]:
    """URLs of every module the ``entries`` (paths under the console's static folder)
    import, directly or not, the entries themselves excluded, in discovery order."""
    root = asset_dir("agent_console") / "static"
    seen: dict[str, None] = {}
    pending = [PurePosixPath(entry) for entry in entries]
    while pending:
        module = pending.pop(0)
        source = _read(root, module)
        for specifier in _RELATIVE_IMPORT.findall(source):
            target = _resolve(module, specifier)
            key = str(target)
            if key not in seen and key not in entries:
                seen[key] = None
                pending.append(target)
    return tuple(STATIC_URL + path for path in seen)


def _read(root: Path, module: PurePosixPath) -> str:
    path = root.joinpath(*module.parts)
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return ""  # a missing module fails in the browser, where its error is seen


def _resolve(module: PurePosixPath, specifier: str) -> PurePosixPath:
    parts: list[str] = list(module.parent.parts)
    for part in PurePosixPath(specifier).parts:
        if part == "..":
            if parts:
                parts.pop()
        elif part != ".":
            parts.append(part)
    return PurePosixPath(*parts)
