"""The outside: the Starlette app, the ``chat-server`` command, the scheduler of periodic
jobs, and the endpoints (sockets, REST API, console pages, demo).

The top layer: may import everything below; nothing imports it.
"""
