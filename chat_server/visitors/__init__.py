"""Visitors: who they are, their visits, page views and dwell time, contact details,
erasure, automatic invitations; and what agents hear of them (``visitor.updated``,
``visitor.left`` as events, delivered through ``runtime.delivery``).

The rules of visits, dwell and reconnects are in :mod:`.rules`; the hot-path
commands run Core statements built once (:mod:`.statements`) over the row shapes of
``model.rows``.

May import: ``chat``, ``runtime``, ``storage``, ``model``, ``tracking``, ``wire`` views.
Never: ``web``, sockets, frames.
"""
