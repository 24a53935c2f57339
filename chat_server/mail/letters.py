"""Rendering an e-mail: the Jinja2 templates filled in, as a :class:`Letter`.

A letter is plain data (it travels in an outbox item's payload as JSON), rendered
from the database when it is decided, so the outbox only has to send it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from chat_server.mail.wording import words_for

_ENVIRONMENT = Environment(
    loader=PackageLoader("chat_server.mail", "templates"),
    autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)
DEFAULT_COLOR = "#2563eb"


@dataclass(frozen=True)
class Letter:
    to: list[str]
    subject: str
    text: str
    html: str
    message_id: str
    #: The thread: the mail this one answers, and every earlier one of the conversation.
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    reply_to: str | None = None

    def to_payload(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Letter:
        return cls(**{key: payload[key] for key in cls.__dataclass_fields__ if key in payload})


@dataclass(frozen=True)
class Line:
    """One message as an e-mail shows it."""

    author: str
    text: str
    at: str
    from_visitor: bool


def line(
    author_kind: str, author_name: str | None, text: str, at: datetime, w: dict[str, str]
) -> Line:
    default = {"visitor": w["you"], "agent": w["agent"]}.get(author_kind, w["system"])
    return Line(
        author_name or default, text, at.strftime("%Y-%m-%d %H:%M UTC"), author_kind == "visitor"
    )


def text_colour_on(color: str) -> str:
    """Black or white, whichever reads better on ``color`` (WCAG contrast)."""
    hex_digits = color.lstrip("#")
    if len(hex_digits) == 3:
        hex_digits = "".join(digit * 2 for digit in hex_digits)
    try:
        red, green, blue = (int(hex_digits[index : index + 2], 16) / 255 for index in (0, 2, 4))
    except ValueError:
        return "#ffffff"

    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    luminance = 0.2126 * channel(red) + 0.7152 * channel(green) + 0.0722 * channel(blue)
    return "#000000" if (luminance + 0.05) / 0.05 > 1.05 / (luminance + 0.05) else "#ffffff"


def safe_colour(color: str | None) -> str:
    if color and color.startswith("#") and len(color) in (4, 7):
        if all(character in "0123456789abcdefABCDEF" for character in color[1:]):
            return color
    return DEFAULT_COLOR


def render(
    template: str, locale: str, subject_key: str, site: str, color: str | None, **context: Any
) -> tuple[str, str, str]:
    """(subject, text, html) of ``template`` (``shop_notice`` or ``visitor_reply``)."""
    w = words_for(locale)
    colour = safe_colour(color)
    values = {
        "w": w,
        "locale": locale,
        "site": site,
        "color": colour,
        "color_text": text_colour_on(colour),
        "footer": w["footer"].format(site=site),
        "subject": w[subject_key].format(site=site),
        **context,
    }
    text = _ENVIRONMENT.get_template(f"{template}.txt.j2").render(values)
    html = _ENVIRONMENT.get_template(f"{template}.html.j2").render(values)
    return values["subject"], text, html
