"""Handing a conversation from the assistant to people, and the visitor's feedback.

A hand-over posts a system message ("Connecting you to a person") and opens the
wait at that moment; routing then takes the conversation like a new one (its
``MessagePosted`` with a changed waiting state wakes the router). "Yes" to
"Did this help?" marks the conversation as helped; "No" hands it over.
Each command commits, then returns the events that announce it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Connection, select

from chat_server.assistant.phrases import detect_locale, phrase
from chat_server.chat import queries, statements
from chat_server.chat.bot_posting import BotReply, hand_over, mark_helpful, store_bot_messages
from chat_server.model.errors import NotFound
from chat_server.model.events import ConversationChanged, DomainEvent
from chat_server.model.tables import AuthorKind, Conversation, Site
from chat_server.runtime.state import Runtime


@dataclass
class AssistantOutcome:
    """What the assistant committed, with the events that announce it."""

    events: list[DomainEvent] = field(default_factory=list)


def conversation_locale(conversation: Conversation, site: Site, detected: str | None) -> str:
    """The conversation's language (the widget's, section 14), else the one detected in
    the visitor's text, else the site's."""
    chosen = getattr(conversation, "locale", None) or detected or site.locale
    return chosen if chosen in ("tr", "en") else "en"


def bot_name(site: Site, locale: str) -> str:
    return phrase(locale, "name", site=site.name)


def _visitor_sees(conversation: Conversation) -> ConversationChanged:
    """The widget learns the assistant's state (its buttons) from conversation.updated."""
    return ConversationChanged(conversation, None, True)


async def hand_over_to_people(
    rt: Runtime,
    conversation_id: str,
    reason_id: str,
    locale: str,
    unhelpful: bool = False,
    said_by_bot: tuple[str, str] | None = None,
) -> AssistantOutcome:
    """Pass the conversation to the agents; nothing when the assistant no longer has it.
    ``reason_id`` (the message or request that asked) makes a repeat harmless. The
    message is "Connecting you to a person" from the system, or ``said_by_bot``
    (the assistant's name and its words)."""
    by_bot, text = said_by_bot if said_by_bot else (None, phrase(locale, "connecting"))

    def write(connection: Connection) -> list[DomainEvent]:
        posted = hand_over(
            connection, conversation_id, f"handover:{reason_id}", text, unhelpful, by_bot
        )
        if posted is None or posted.duplicate:
            return []
        return [*posted.events, _visitor_sees(posted.conversation)]

    return AssistantOutcome(await rt.db.write(write))


async def say(
    rt: Runtime, conversation_id: str, name: str, replies: list[BotReply]
) -> AssistantOutcome:
    """Post the assistant's messages; the widget hears of the conversation's new state."""
    stored = await rt.db.write(
        lambda connection: store_bot_messages(connection, conversation_id, name, replies)
    )
    events: list[DomainEvent] = []
    for posted in stored:
        events.extend(posted.events)
    if stored and not stored[-1].duplicate:
        events.append(_visitor_sees(stored[-1].conversation))
    return AssistantOutcome(events)


async def helped(
    rt: Runtime, site: Site, conversation: Conversation, locale: str, reason_id: str
) -> AssistantOutcome:
    """The visitor said the answer helped: remember it and say so (once per answer)."""
    marked = await rt.db.write(
        lambda connection: mark_helpful(connection, conversation.id, conversation.visitor_id)
    )
    if not marked:
        return AssistantOutcome()
    reply = BotReply(f"glad:{reason_id}", phrase(locale, "glad"))
    return await say(rt, conversation.id, bot_name(site, locale), [reply])


async def _open_conversation(rt: Runtime, visitor_id: str) -> Conversation:
    conversation = await queries.open_conversation_for(rt, visitor_id)
    if conversation is None:
        raise NotFound("conversation_not_found", "there is no open conversation")
    return conversation


async def _written_in(rt: Runtime, conversation: Conversation, site: Site) -> str:
    """The language of the visitor's latest message (a button carries no text)."""
    message = statements.MESSAGE
    query = (
        select(message.c.text)
        .where(
            message.c.conversation_id == conversation.id,
            message.c.author_kind == AuthorKind.visitor.value,
        )
        .order_by(message.c.seq.desc())
        .limit(1)
    )
    text = await rt.db.read(lambda connection: connection.execute(query).scalar())
    return detect_locale(text or "", site.locale)


async def request_person(
    rt: Runtime, site: Site, visitor_id: str, locale_hint: str | None
) -> AssistantOutcome:
    """The visitor's "Talk to a person" (``assistant.handover``)."""
    conversation = await _open_conversation(rt, visitor_id)
    if not conversation.handled_by_bot:
        return AssistantOutcome()
    locale = conversation_locale(
        conversation, site, locale_hint or await _written_in(rt, conversation, site)
    )
    reason = f"request:{conversation.last_seq}"
    return await hand_over_to_people(rt, conversation.id, reason, locale)


async def feedback(
    rt: Runtime,
    site: Site,
    visitor_id: str,
    helpful: bool,
    seq: int | None,
    locale_hint: str | None,
) -> AssistantOutcome:
    """The visitor's Yes / No to "Did this help?" (``assistant.feedback``); a reply to
    an older question (``seq`` not the one awaiting) changes nothing."""
    conversation = await _open_conversation(rt, visitor_id)
    awaiting = conversation.bot_feedback_seq
    if not conversation.handled_by_bot or awaiting is None or seq not in (None, awaiting):
        return AssistantOutcome()
    locale = conversation_locale(
        conversation, site, locale_hint or await _written_in(rt, conversation, site)
    )
    reason = f"feedback:{conversation.bot_feedback_seq}"
    if helpful:
        return await helped(rt, site, conversation, locale, reason)
    return await hand_over_to_people(rt, conversation.id, reason, locale, unhelpful=True)
