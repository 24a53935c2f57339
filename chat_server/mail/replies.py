"""What a shopper wrote in a reply e-mail: the new text, without the quoted history.

Pure: takes the raw message bytes. The plain part is preferred; an HTML-only mail is
stripped to text. The text is cut at the first line that starts the quoted earlier
mail or a signature: ``>`` quotes, "On ... wrote:", "... tarihinde ... yazdı:",
Outlook's "-----Original Message-----" / "From:" block, Gmail's forwarded marker,
"-- " signatures and "Sent from my ..." lines.
"""

from __future__ import annotations

import email
import email.policy
import html
import re
from dataclasses import dataclass
from email.message import EmailMessage

_CUT_LINES = [
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        r"^>",
        r"^on\b.{0,300}\bwrote:\s*$",
        r"^.{0,300}\btarihinde\b.{0,300}\byazd[ıi]:\s*$",
        r"^.{0,300}\b(şunu|sunu) yazd[ıi]:\s*$",
        r"^-{2,}\s*(original message|özgün ileti|orijinal mesaj|forwarded message|iletilen ileti)\s*-{2,}",
        r"^_{10,}\s*$",
        r"^(from|kimden):\s.+",
        r"^-- ?$",
        r"^(sent from my|iphone'umdan gönderildi|android için outlook|get outlook for)",
    )
]
#: "On Mon, 1 Dec 2026 at 10:00, Shop <x@y>" may wrap before "wrote:".
_WRAPPED_ATTRIBUTION = re.compile(r"^(on\b|.*\btarihinde\b).{0,300}$", re.IGNORECASE)
_ENDS_ATTRIBUTION = re.compile(r"^.{0,300}\b(wrote|yazdı|yazdi):\s*$", re.IGNORECASE)
_TAGS = re.compile(r"<[^>]+>")
_BLOCK_ENDS = re.compile(r"(?i)<\s*(br|/p|/div|/li|/tr|/h\d)\b[^>]*>")
_DROPPED = re.compile(r"(?is)<(style|script|head|blockquote)\b.*?</\1\s*>")
_GMAIL_QUOTE = re.compile(r'(?is)<div[^>]*class="gmail_quote".*')


@dataclass(frozen=True)
class Reply:
    message_id: str | None
    sender: str | None
    text: str


def parse_reply(raw: bytes) -> Reply:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return Reply(
        message_id=(str(message["Message-ID"]).strip() or None) if message["Message-ID"] else None,
        sender=str(message["From"]) if message["From"] else None,
        text=new_text(body_text(message)),
    )


def body_text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    content = part.get_content()
    if not isinstance(content, str):
        return ""
    if part.get_content_subtype() == "html":
        return html_to_text(content)
    return content


def html_to_text(markup: str) -> str:
    markup = _GMAIL_QUOTE.sub("", markup)
    markup = _DROPPED.sub("", markup)
    markup = _BLOCK_ENDS.sub("\n", markup)
    return html.unescape(_TAGS.sub("", markup))


def new_text(text: str) -> str:
    """The text above the first quoted or signature line, trimmed."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    for index, current in enumerate(lines):
        stripped = current.strip()
        if any(pattern.search(stripped) for pattern in _CUT_LINES):
            break
        following = lines[index + 1].strip() if index + 1 < len(lines) else ""
        if _WRAPPED_ATTRIBUTION.match(stripped) and _ENDS_ATTRIBUTION.match(following):
            break
        kept.append(current.rstrip())
    return "\n".join(kept).strip()
