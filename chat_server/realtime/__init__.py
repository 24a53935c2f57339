"""Live delivery: the bus between processes, this process's sockets by topic (the hub),
presence, rate limits and the lean WebSocket protocol.

``backends`` picks the in-process or the Redis implementations. Carries encoded
frames (``wire.envelope``) and never touches SQL: may import ``wire``, ``model``,
``config`` and ``observe``.
"""
