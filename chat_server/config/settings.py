"""Configuration: the only module that reads the environment.

Every setting comes from a ``CHAT_*`` variable; command-line flags override them.
A bad value raises :class:`SettingsError` naming the variable, which the CLI turns
into one line on stderr and exit status 2.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from chat_server.config.flags import read_flag
from chat_server.config.mail_settings import MailSettingError, MailSettings, load_mail_settings
from chat_server.config.outbox_settings import (
    OutboxSettingError,
    OutboxSettings,
    load_outbox_settings,
)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class SettingsError(ValueError):
    """A configuration value is unusable; ``variable`` names it."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    redis_url: str | None
    geoip_db: Path | None
    trusted_proxies: tuple[Network, ...]
    secret_key: str
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    db_pool_size: int = 10
    log_format: str = "plain"  # CHAT_LOG_FORMAT: "plain" or "json" (one object per line)
    log_level: str = "info"  # CHAT_LOG_LEVEL: one of LOG_LEVELS (uvicorn's names)
    # Tunables below are not in the contract; tests shorten them.
    visitor_grace_seconds: float = 3.0
    visitor_left_seconds: float = 60.0
    visit_timeout_seconds: float = 30 * 60
    jobs_interval_seconds: float = 0.25
    stats_fold_seconds: float = 10.0  # how often closed waits are folded into the stats rollups
    send_queue_size: int = 512
    sse_ping_seconds: float = 15.0  # CHAT_SSE_PING_SECONDS: comment lines keeping proxies open
    routing_sweep_seconds: float = 2.0  # a routing pass at least this often, besides triggers
    requeue_grace_seconds: float = 60.0  # an offline assignee keeps waiting chats this long
    scope_refresh_seconds: float = 2.0  # how often an agent socket re-reads its agent's sites
    hello_timeout_seconds: float = 10.0  # a visitor socket without hello is closed
    public_url: str | None = None  # CHAT_PUBLIC_URL; https:// turns on HSTS and Secure cookies
    metrics_token: str | None = None  # CHAT_METRICS_TOKEN; when set /metrics wants it as Bearer
    session_check_seconds: float = 2.0  # how often open agent sockets re-check their session
    auth_frame_seconds: float = 5.0  # an agent socket without cookie must send auth this soon
    mail: MailSettings = field(
        default_factory=MailSettings
    )  # CHAT_SMTP_URL, CHAT_INBOUND_SMTP...: see mail_settings
    outbox: OutboxSettings = field(default_factory=OutboxSettings)  # CHAT_OUTBOX_*, CHAT_WEBHOOK_*
    uploads: str = "files"  # CHAT_UPLOADS: "files" (under data_dir/uploads) or "database"
    upload_max_bytes: int = 10 * 1024 * 1024  # CHAT_UPLOAD_MAX_BYTES (at most 64 MiB)
    uploads_per_hour: int = 20  # CHAT_UPLOADS_PER_HOUR: files one visitor may upload an hour
    # CHAT_ASSISTANT_EMBEDDINGS: "on" (default) or "off"; off, the FAQ assistant matches
    # by words only, without the sentence-embedding model (assistant/retrieval/semantic.py)
    # or the answer model that weighs it (assistant/retrieval/chooser.py)
    assistant_embeddings: bool = True

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def https(self) -> bool:
        return self.public_url is not None and self.public_url.startswith("https://")


def parse_trusted_proxies(value: str) -> tuple[Network, ...]:
    networks = []
    for entry in value.split(","):
        entry = entry.strip()
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise SettingsError(
                "CHAT_TRUSTED_PROXIES", f"{entry!r} is not an IP address or CIDR"
            ) from None
    return tuple(networks)


def _database_url(value: str | None, data_dir: Path) -> str:
    if not value:
        return f"sqlite+aiosqlite:///{data_dir / 'chat.db'}"
    try:
        url = make_url(value)
    except ArgumentError:
        raise SettingsError("CHAT_DATABASE_URL", f"{value!r} is not a database URL") from None
    if url.drivername not in ("sqlite+aiosqlite", "postgresql+asyncpg"):
        raise SettingsError(
            "CHAT_DATABASE_URL",
            f"driver {url.drivername!r} is not supported; use sqlite+aiosqlite:// or postgresql+asyncpg://",
        )
    return value


def _redis_url(value: str | None) -> str | None:
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("redis", "rediss", "unix") or not (parts.hostname or parts.path):
        raise SettingsError("CHAT_REDIS_URL", f"{value!r} is not a redis:// URL")
    try:
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise SettingsError("CHAT_REDIS_URL", f"{value!r} has a bad port") from None
    return value


#: The free city database (DB-IP City Lite, CC BY 4.0) that `make setup` and the Docker
#: image put in the package (chat_server/data) or an operator in CHAT_DATA_DIR.
BUNDLED_GEOIP_NAME = "dbip-city-lite.mmdb"


def _geoip_db(value: str | None, data_dir: Path) -> Path | None:
    if value is None:
        package_data = Path(__file__).resolve().parent.parent / "data"
        for bundled in (data_dir / BUNDLED_GEOIP_NAME, package_data / BUNDLED_GEOIP_NAME):
            if bundled.is_file():
                return bundled
        return None
    if value == "":
        return None
    path = Path(value)
    if not path.is_file() or not os.access(path, os.R_OK):
        raise SettingsError("CHAT_GEOIP_DB", f"{value!r} is not a readable file")
    return path


LOG_FORMATS = ("text", "json", "plain")  # "plain" is what round one called "text"
LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")


def _log_format(value: str | None) -> str:
    if not value:
        return "plain"
    if value not in LOG_FORMATS:
        raise SettingsError("CHAT_LOG_FORMAT", f"{value!r} is not one of {', '.join(LOG_FORMATS)}")
    return "plain" if value == "text" else value


def _log_level(value: str | None) -> str:
    if not value:
        return "info"
    if value.lower() not in LOG_LEVELS:
        raise SettingsError("CHAT_LOG_LEVEL", f"{value!r} is not one of {', '.join(LOG_LEVELS)}")
    return value.lower()


def _public_url(value: str | None) -> str | None:
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SettingsError("CHAT_PUBLIC_URL", f"{value!r} is not an http:// or https:// URL")
    try:
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise SettingsError("CHAT_PUBLIC_URL", f"{value!r} has a bad port") from None
    return value.rstrip("/")


#: What the server creates is its owner's alone: the database, the secret key and
#: uploads hold personal data or open every account.
OWNER_ONLY_UMASK = 0o077


def keep_private(data_dir: Path) -> None:
    """Make ``data_dir`` and everything in it owner-only, now and for what comes.

    Sets the process umask (files created later get 0600, folders 0700, whoever
    creates them: SQLite, uploads, the secret key) and takes group and other
    rights off what an older version left readable. A shared folder such as
    ``/tmp`` (sticky or world-writable) is left as it is: only what is created
    from now on is private there.
    """
    os.umask(OWNER_ONLY_UMASK)
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder_mode = data_dir.stat().st_mode
    if folder_mode & (stat.S_ISVTX | stat.S_IWOTH):
        return
    for folder, subfolders, files in os.walk(data_dir):
        for name in [folder, *(os.path.join(folder, entry) for entry in subfolders + files)]:
            mode = os.lstat(name).st_mode
            if mode & 0o077 and not stat.S_ISLNK(mode):
                os.chmod(name, stat.S_IMODE(mode) & 0o700)


def _secret_key(value: str | None, data_dir: Path) -> str:
    if value:
        return value
    path = data_dir / "secret_key"
    try:
        if path.is_file():
            return path.read_text().strip()
        data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(key)
        return key
    except FileExistsError:
        return path.read_text().strip()
    except OSError as exc:
        raise SettingsError(
            "CHAT_DATA_DIR", f"cannot keep the secret key in {data_dir}: {exc}"
        ) from None


def _uploads(value: str | None) -> str:
    if value in (None, "", "files", "database"):
        return value or "files"
    raise SettingsError("CHAT_UPLOADS", f'{value!r}: use "files" or "database"')


def _switch(variable: str, value: str | None, default: bool) -> bool:
    if value in (None, ""):
        return default
    flag = read_flag(value.lower())
    if flag is not None:
        return flag
    raise SettingsError(variable, f'{value!r}: use "on" or "off"')


def _mail_settings(env: Mapping[str, str], number: Callable[[str, float], float]) -> MailSettings:
    try:
        return load_mail_settings(env, number)
    except MailSettingError as exc:
        raise SettingsError(exc.variable, exc.problem) from None


def _outbox_settings(
    env: Mapping[str, str], number: Callable[[str, float], float]
) -> OutboxSettings:
    try:
        return load_outbox_settings(env, number)
    except OutboxSettingError as exc:
        raise SettingsError(exc.variable, exc.problem) from None


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    data_dir = Path(env.get("CHAT_DATA_DIR") or "./var").resolve()
    try:
        keep_private(data_dir)
    except OSError as exc:
        raise SettingsError("CHAT_DATA_DIR", f"cannot create {data_dir}: {exc}") from None

    def number(name: str, default: float) -> float:
        raw = env.get(name)
        if raw is None or raw == "":
            return default
        try:
            value = float(raw)
        except ValueError:
            raise SettingsError(name, f"{raw!r} is not a number") from None
        if value <= 0:
            raise SettingsError(name, "must be positive")
        return value

    return Settings(
        data_dir=data_dir,
        database_url=_database_url(env.get("CHAT_DATABASE_URL"), data_dir),
        redis_url=_redis_url(env.get("CHAT_REDIS_URL")),
        geoip_db=_geoip_db(env.get("CHAT_GEOIP_DB"), data_dir),
        trusted_proxies=parse_trusted_proxies(env.get("CHAT_TRUSTED_PROXIES", "127.0.0.1,::1")),
        secret_key=_secret_key(env.get("CHAT_SECRET_KEY"), data_dir),
        db_pool_size=int(number("CHAT_DB_POOL_SIZE", 10)),
        log_format=_log_format(env.get("CHAT_LOG_FORMAT")),
        log_level=_log_level(env.get("CHAT_LOG_LEVEL")),
        visitor_grace_seconds=number("CHAT_VISITOR_GRACE_SECONDS", 3.0),
        visitor_left_seconds=number("CHAT_VISITOR_LEFT_SECONDS", 60.0),
        visit_timeout_seconds=number("CHAT_VISIT_TIMEOUT_SECONDS", 30 * 60),
        jobs_interval_seconds=number("CHAT_JOBS_INTERVAL_SECONDS", 0.25),
        stats_fold_seconds=number("CHAT_STATS_FOLD_SECONDS", 10.0),
        send_queue_size=int(number("CHAT_SEND_QUEUE_SIZE", 512)),
        sse_ping_seconds=number("CHAT_SSE_PING_SECONDS", 15.0),
        routing_sweep_seconds=number("CHAT_ROUTING_SWEEP_SECONDS", 2.0),
        requeue_grace_seconds=number("CHAT_REQUEUE_GRACE_SECONDS", 60.0),
        scope_refresh_seconds=number("CHAT_SCOPE_REFRESH_SECONDS", 2.0),
        hello_timeout_seconds=number("CHAT_HELLO_TIMEOUT_SECONDS", 10.0),
        public_url=_public_url(env.get("CHAT_PUBLIC_URL")),
        metrics_token=env.get("CHAT_METRICS_TOKEN") or None,
        session_check_seconds=number("CHAT_SESSION_CHECK_SECONDS", 2.0),
        auth_frame_seconds=number("CHAT_AUTH_FRAME_SECONDS", 5.0),
        mail=_mail_settings(env, number),
        outbox=_outbox_settings(env, number),
        uploads=_uploads(env.get("CHAT_UPLOADS")),
        upload_max_bytes=int(min(number("CHAT_UPLOAD_MAX_BYTES", 10 * 1024 * 1024), 64 << 20)),
        uploads_per_hour=int(number("CHAT_UPLOADS_PER_HOUR", 20)),
        assistant_embeddings=_switch(
            "CHAT_ASSISTANT_EMBEDDINGS", env.get("CHAT_ASSISTANT_EMBEDDINGS"), True
        ),
    )
