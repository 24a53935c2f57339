"""The vocabulary every layer shares: tables, hot-path rows, domain errors, domain events.

``tables`` declares the schema (SQLModel); ``rows`` the one slotted shape per table that
the hot paths load and the views read; ``errors`` what a client is told went wrong;
``events`` what a command changed. Pure data: imports nothing of ours but ``config``.
"""
