"""Service levels: the response-time policy (targets, business hours), the waits that
time each answer, and the warning and breach announcements.

May import: ``runtime``, ``storage``, ``model``, ``observe``. Never: ``chat``, ``stats``,
``web``, sockets, frames (alerts leave as ``model.events.SlaAlerted``).
"""
