"""The Core statements of the hot path, built once.

The commands a socket sends all the time (``hello``, ``page.view``, visibility,
closing) are each one plain function over a Core connection, run by
:meth:`Database.write <chat_server.storage.database.Database.write>`: no ORM, statements built
once, and the rows a command loaded reused for the ``visitor.updated`` it leads
to (:class:`~chat_server.model.rows.Journey`) instead of reading them again.
"""

from __future__ import annotations

from dataclasses import fields

from sqlalchemy import (
    Integer,
    bindparam,
    cast,
    delete,
    func,
    insert,
    null,
    select,
    union_all,
    update,
)

from chat_server.model.rows import PageRecord, VisitorRecord
from chat_server.model.tables import (
    Conversation,
    ConversationStatus,
    PageView,
    SearchKeyword,
    Visitor,
)

VISITOR = Visitor.__table__
PAGE = PageView.__table__
KEYWORD = SearchKeyword.__table__
CONVERSATION = Conversation.__table__

VISITOR_FIELDS = tuple(f.name for f in fields(VisitorRecord))
PAGE_FIELDS = tuple(f.name for f in fields(PageRecord))

VISITOR_BY_ID = select(*(VISITOR.c[name] for name in VISITOR_FIELDS)).where(
    VISITOR.c.id == bindparam("visitor_id")
)
# Locking the visitor orders the commands of its tabs (on several processes too).
LOCK_VISITOR = VISITOR_BY_ID.with_for_update(key_share=True)
VISITOR_ID_BY_TOKEN = select(VISITOR.c.id).where(
    VISITOR.c.token == bindparam("token"), VISITOR.c.site_id == bindparam("site_id")
)
INSERT_VISITOR = insert(VISITOR)
UPDATE_VISITOR = update(VISITOR).where(VISITOR.c.id == bindparam("b_id"))

SELECT_PAGE = select(*(PAGE.c[name] for name in PAGE_FIELDS))
PAGE_BY_ID = SELECT_PAGE.where(PAGE.c.id == bindparam("page_id"))
OPEN_PAGES = SELECT_PAGE.where(
    PAGE.c.visitor_id == bindparam("visitor_id"), PAGE.c.left_at.is_(None)
).order_by(PAGE.c.entered_at)
VISIBLE_PAGE = (
    select(PAGE.c.id)
    .where(
        PAGE.c.visitor_id == bindparam("visitor_id"),
        PAGE.c.left_at.is_(None),
        PAGE.c.visible_since.is_not(None),
    )
    .limit(1)
)
LAST_LEFT_PAGE = (
    SELECT_PAGE.where(PAGE.c.visitor_id == bindparam("visitor_id"), PAGE.c.left_at.is_not(None))
    .order_by(PAGE.c.left_at.desc())
    .limit(1)
)
SUCCESSOR = (
    SELECT_PAGE.where(
        PAGE.c.visitor_id == bindparam("visitor_id"),
        PAGE.c.url == bindparam("url"),
        PAGE.c.left_at.is_(None),
        PAGE.c.id != bindparam("page_id"),
        PAGE.c.entered_at >= bindparam("entered_at"),
        PAGE.c.entered_at >= bindparam("fold_since"),
    )
    .order_by(PAGE.c.entered_at)
    .limit(1)
)
ALL_PAGES = SELECT_PAGE.where(PAGE.c.visitor_id == bindparam("visitor_id")).order_by(
    PAGE.c.entered_at
)
PAGE_COUNT = select(func.count()).where(PAGE.c.visitor_id == bindparam("visitor_id"))
# The latest ``page_limit`` pages (newest first, each with how many pages the visitor
# has in all), then every open page (``pages_total`` NULL): two index reads in one
# statement. An open page among the latest comes twice; the caller keeps one.
_LATEST_PAGES = (
    select(
        *(PAGE.c[name] for name in PAGE_FIELDS),
        PAGE_COUNT.scalar_subquery().label("pages_total"),
    )
    .where(PAGE.c.visitor_id == bindparam("visitor_id"))
    .order_by(PAGE.c.entered_at.desc())
    .limit(bindparam("page_limit", type_=Integer))
    .subquery()
)
LATEST_AND_OPEN_PAGES = union_all(
    select(_LATEST_PAGES),
    select(
        *(PAGE.c[name] for name in PAGE_FIELDS), cast(null(), Integer).label("pages_total")
    ).where(PAGE.c.visitor_id == bindparam("visitor_id"), PAGE.c.left_at.is_(None)),
)
INSERT_PAGE = insert(PAGE)
UPDATE_PAGE = update(PAGE).where(PAGE.c.id == bindparam("b_id"))
DELETE_PAGE = delete(PAGE).where(PAGE.c.id == bindparam("b_id"))

KEYWORDS = (
    select(KEYWORD.c.keyword, KEYWORD.c.source, KEYWORD.c.at)
    .where(KEYWORD.c.visitor_id == bindparam("visitor_id"))
    .order_by(KEYWORD.c.at)
)
INSERT_KEYWORD = insert(KEYWORD)

OPEN_CONVERSATION = (
    select(CONVERSATION)
    .where(
        CONVERSATION.c.visitor_id == bindparam("visitor_id"),
        CONVERSATION.c.status == ConversationStatus.open.value,
    )
    .order_by(CONVERSATION.c.created_at.desc())
    .limit(1)
)
