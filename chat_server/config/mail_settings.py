"""E-mail settings: outgoing SMTP, the sender, the inbound listener and the mail delays.

Read from ``CHAT_*`` variables by :func:`load_mail_settings`, which
:func:`chat_server.config.settings.load_settings` calls; a bad value raises
:class:`~chat_server.config.settings.SettingsError` naming the variable.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

from chat_server.config.flags import read_flag


class MailSettingError(ValueError):
    """A mail setting is unusable; ``variable`` names it (re-raised as SettingsError)."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable
        self.problem = problem


@dataclass(frozen=True)
class SmtpServer:
    """Where outgoing mail goes: ``smtp://user:pass@host:port``, ``smtps://`` or
    ``?starttls=true``."""

    host: str
    port: int
    username: str | None = None
    password: str | None = None
    #: Implicit TLS from the first byte (``smtps://``, usually port 465).
    use_tls: bool = False
    #: Upgrade a plain connection with STARTTLS (``?starttls=true``).
    start_tls: bool = False
    #: Accept a self-signed certificate (``?verify=false``; for tests and private relays).
    verify: bool = True
    timeout_seconds: float = 30.0


@dataclass(frozen=True)
class InboundListen:
    host: str
    port: int


@dataclass(frozen=True)
class MailSettings:
    smtp: SmtpServer | None = None
    mail_from: str = "chat@localhost"
    inbound: InboundListen | None = None
    inbound_domain: str | None = None
    #: A message left while no agent is online is e-mailed to the shop this long after
    #: it (later ones within the delay ride along), well inside the contract's 60 s.
    shop_notice_delay_seconds: float = 30.0
    #: At most one shop e-mail per conversation in this window.
    shop_throttle_seconds: float = 600.0
    #: An agent's reply the visitor has not seen for this long is e-mailed to the visitor.
    unseen_reply_seconds: float = 120.0
    #: How often the missed-conversation sweep looks for first waits that ended unanswered.
    missed_sweep_seconds: float = 5.0
    #: Transcripts a visitor may ask for per day.
    transcripts_per_day: int = 3

    @property
    def enabled(self) -> bool:
        return self.smtp is not None


def parse_smtp_url(value: str) -> SmtpServer:
    variable = "CHAT_SMTP_URL"
    parts = urlsplit(value)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise MailSettingError(variable, "is not an smtp:// or smtps:// URL")
    try:
        port = parts.port
    except ValueError:
        raise MailSettingError(variable, "has a bad port") from None
    options = {key.lower(): values[-1].lower() for key, values in parse_qs(parts.query).items()}
    unknown = set(options) - {"starttls", "verify", "timeout"}
    if unknown:
        raise MailSettingError(variable, f"unknown option {sorted(unknown)[0]!r}")
    start_tls = _flag(variable, "starttls", options.get("starttls", ""))
    verify = _flag(variable, "verify", options.get("verify", "true"))
    use_tls = parts.scheme == "smtps"
    if use_tls and start_tls:
        raise MailSettingError(variable, "smtps:// and starttls=true exclude each other")
    timeout = 30.0
    if "timeout" in options:
        try:
            timeout = float(options["timeout"])
        except ValueError:
            raise MailSettingError(variable, "timeout is not a number") from None
    return SmtpServer(
        host=parts.hostname,
        port=port or (465 if use_tls else 587 if start_tls else 25),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        use_tls=use_tls,
        start_tls=start_tls,
        verify=verify,
        timeout_seconds=timeout,
    )


def _flag(variable: str, name: str, raw: str) -> bool:
    value = read_flag(raw)
    if value is not None:
        return value
    raise MailSettingError(variable, f"{name}={raw!r} is not true or false")


def parse_inbound(value: str) -> InboundListen:
    variable = "CHAT_INBOUND_SMTP"
    host, separator, port_text = value.rpartition(":")
    host = host.strip("[]")
    if not separator or not host or not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise MailSettingError(variable, f"{value!r} is not host:port")
    return InboundListen(host, int(port_text))


def _address(variable: str, value: str) -> str:
    if "@" not in value or any(character.isspace() for character in value.split("<")[-1]):
        raise MailSettingError(variable, f"{value!r} is not an e-mail address")
    return value


def load_mail_settings(
    env: Mapping[str, str], number: Callable[[str, float], float]
) -> MailSettings:
    """``number(name, default)`` reads a positive number (the settings' own reader)."""
    smtp_url = env.get("CHAT_SMTP_URL") or ""
    inbound = env.get("CHAT_INBOUND_SMTP") or ""
    domain = (env.get("CHAT_INBOUND_DOMAIN") or "").strip().lower() or None
    if domain is not None and (
        "@" in domain or "." not in domain.strip(".") or any(c.isspace() for c in domain)
    ):
        raise MailSettingError("CHAT_INBOUND_DOMAIN", f"{domain!r} is not a domain name")
    if inbound and domain is None:
        raise MailSettingError("CHAT_INBOUND_DOMAIN", "is needed when CHAT_INBOUND_SMTP is set")
    return MailSettings(
        smtp=parse_smtp_url(smtp_url) if smtp_url else None,
        mail_from=_address("CHAT_MAIL_FROM", env.get("CHAT_MAIL_FROM") or "chat@localhost"),
        inbound=parse_inbound(inbound) if inbound else None,
        inbound_domain=domain,
        shop_notice_delay_seconds=number("CHAT_MAIL_SHOP_DELAY_SECONDS", 30.0),
        shop_throttle_seconds=number("CHAT_MAIL_SHOP_THROTTLE_SECONDS", 600.0),
        unseen_reply_seconds=number("CHAT_MAIL_UNSEEN_REPLY_SECONDS", 120.0),
        missed_sweep_seconds=number("CHAT_MAIL_MISSED_SWEEP_SECONDS", 5.0),
        transcripts_per_day=int(number("CHAT_MAIL_TRANSCRIPTS_PER_DAY", 3)),
    )
