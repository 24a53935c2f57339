"""Credentials: password hashing, signed tokens and console sessions, CSRF, origins,
and the login limiter. No database, no sockets: may import ``model`` and ``config``.
"""
