"""Deciding and rendering each e-mail from the database, inside one transaction.

Each function locks the conversation, reads what is not yet e-mailed, marks it as
e-mailed in the thread and returns the :class:`~chat_server.mail.letters.Letter`
to send (or why not): the caller enqueues the letter in the same transaction, so a
message is e-mailed once, and the outbox sends it however long the SMTP server is
away.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import Connection, Row, select

from chat_server.config.mail_settings import MailSettings
from chat_server.mail.letters import Letter, line, render
from chat_server.mail.threads import next_headers, reply_address, save_thread, thread_of
from chat_server.mail.wording import pick_locale, words_for
from chat_server.model.tables import Conversation, Message, Site, Visitor

CONVERSATION = Conversation.__table__  # type: ignore[attr-defined]
MESSAGE = Message.__table__  # type: ignore[attr-defined]
SITE = Site.__table__  # type: ignore[attr-defined]
VISITOR = Visitor.__table__  # type: ignore[attr-defined]

ShopReason = Literal["offline", "missed"]


@dataclass(frozen=True)
class Later:
    """Not now: the shop was e-mailed about this conversation too recently."""

    due_at: datetime


@dataclass(frozen=True)
class Scene:
    conversation: Row[Any]
    site: Row[Any]
    visitor: Row[Any]
    thread: dict[str, Any]


def _scene(connection: Connection, conversation_id: str, now: datetime) -> Scene | None:
    conversation = connection.execute(
        select(CONVERSATION)
        .where(CONVERSATION.c.id == conversation_id)
        .with_for_update(key_share=True)
    ).first()
    if conversation is None:
        return None
    site = connection.execute(select(SITE).where(SITE.c.id == conversation.site_id)).first()
    visitor = connection.execute(
        select(VISITOR).where(VISITOR.c.id == conversation.visitor_id)
    ).first()
    if site is None or visitor is None:
        return None
    thread = thread_of(connection, conversation.id, site.id, visitor.id, now)
    return Scene(conversation, site, visitor, thread)


def _messages(
    connection: Connection, conversation_id: str, after_seq: int, author_kind: str | None = None
) -> list[Row[Any]]:
    query = (
        select(MESSAGE)
        .where(
            MESSAGE.c.conversation_id == conversation_id,
            MESSAGE.c.seq > after_seq,
            MESSAGE.c.internal == False,  # noqa: E712
        )
        .order_by(MESSAGE.c.seq)
    )
    if author_kind is not None:
        query = query.where(MESSAGE.c.author_kind == author_kind)
    return list(connection.execute(query))


def console_link(settings_public_url: str | None, conversation_id: str) -> str | None:
    if not settings_public_url:
        return None
    return f"{settings_public_url}/console/#/conversations/{conversation_id}"


def shop_notice(
    connection: Connection,
    conversation_id: str,
    reason: ShopReason,
    settings: MailSettings,
    public_url: str | None,
    now: datetime,
) -> Letter | Later | None:
    """The shop's e-mail about a conversation: every public message not yet e-mailed."""
    scene = _scene(connection, conversation_id, now)
    if scene is None or not scene.site.notify_emails:
        return None
    thread = scene.thread
    if reason == "missed" and (thread["shop_offline_mailed"] or thread["shop_missed_mailed"]):
        return None
    last = thread["shop_mailed_at"]
    throttle = timedelta(seconds=settings.shop_throttle_seconds)
    if last is not None and now - last < throttle:
        return Later(last + throttle)
    messages = _messages(connection, conversation_id, thread["shop_mailed_seq"])
    if not messages:
        return None
    locale = pick_locale(scene.site.locale)
    w = words_for(locale)
    first = thread["shop_mailed_seq"] == 0
    key = reason if first else "more"
    subject, text, html = render(
        "shop_notice",
        locale,
        f"{key}_subject",
        scene.site.name,
        scene.site.color,
        intro=w[f"{key}_intro"],
        visitor_name=scene.visitor.name,
        visitor_email=scene.visitor.email,
        console_url=console_link(public_url, conversation_id),
        # The shop reads about the visitor: its lines are the visitor's, not "You".
        messages=[_line(message, {**w, "you": w["visitor"]}) for message in messages],
    )
    headers = next_headers(connection, thread, settings)
    save_thread(
        connection,
        thread,
        shop_mailed_seq=messages[-1].seq,
        shop_mailed_at=now,
        shop_offline_mailed=thread["shop_offline_mailed"] or reason == "offline",
        shop_missed_mailed=thread["shop_missed_mailed"] or reason == "missed",
    )
    return Letter(
        to=list(scene.site.notify_emails),
        subject=subject,
        text=text,
        html=html,
        message_id=headers.message_id,
        in_reply_to=headers.in_reply_to,
        references=headers.references,
        reply_to=scene.visitor.email,
    )


def _line(message: Row[Any], w: dict[str, str]) -> Any:
    return line(message.author_kind, message.author_name, message.text, message.created_at, w)


def _conversation_locale(scene: Scene) -> str:
    return pick_locale(scene.conversation.locale, scene.site.locale)


def visitor_reply(
    connection: Connection,
    conversation_id: str,
    settings: MailSettings,
    now: datetime,
) -> Letter | None:
    """The shopper's e-mail of agent replies not yet e-mailed nor seen."""
    scene = _scene(connection, conversation_id, now)
    if scene is None or not scene.visitor.email:
        return None
    after = scene.thread["visitor_mailed_seq"]
    seen = scene.conversation._mapping.get("visitor_seen_seq")
    if isinstance(seen, int):
        after = max(after, seen)
    replies = _messages(connection, conversation_id, after, "agent")
    if not replies:
        return None
    letter = _to_visitor(
        connection,
        scene,
        settings,
        "reply",
        [_line(m, words_for(_conversation_locale(scene))) for m in replies],
    )
    save_thread(connection, scene.thread, visitor_mailed_seq=replies[-1].seq)
    return letter


def transcript(
    connection: Connection,
    conversation_id: str,
    settings: MailSettings,
    now: datetime,
) -> Letter | None:
    """Every public message of the conversation, to the visitor's address."""
    scene = _scene(connection, conversation_id, now)
    if scene is None or not scene.visitor.email:
        return None
    w = words_for(_conversation_locale(scene))
    messages = _messages(connection, conversation_id, 0)
    return _to_visitor(connection, scene, settings, "transcript", [_line(m, w) for m in messages])


def _to_visitor(
    connection: Connection, scene: Scene, settings: MailSettings, kind: str, lines: list[Any]
) -> Letter:
    locale = _conversation_locale(scene)
    w = words_for(locale)
    name = f" {scene.visitor.name}" if scene.visitor.name else ""
    reply_to = reply_address(scene.thread, settings)
    subject, text, html = render(
        "visitor_reply",
        locale,
        f"{kind}_subject",
        scene.site.name,
        scene.site.color,
        intro=w["reply_intro"].format(name=name) if kind == "reply" else w["transcript_intro"],
        hint=w["reply_hint"] if reply_to else None,
        messages=lines,
    )
    headers = next_headers(connection, scene.thread, settings)
    return Letter(
        to=[scene.visitor.email],
        subject=subject,
        text=text,
        html=html,
        message_id=headers.message_id,
        in_reply_to=headers.in_reply_to,
        references=headers.references,
        reply_to=reply_to,
    )
