"""Conversations and their messages: commands, Core statements, queries, the
transition table.

May import: ``sla``, ``runtime``, ``storage``, ``model``, ``wire`` views, ``observe``.
Never: ``web``, sockets, frames.
"""
