"""The outbox: what must leave the server because of a committed change (an e-mail, a
webhook delivery), written in the change's own transaction and sent later, retried
until it goes, by exactly one process.

``items`` writes items (``enqueue``), ``reactions`` is the registry of reactors the
storage layer calls inside every committed change, ``handlers`` the registry of senders
per kind, ``dispatcher`` the background task that claims, sends and retries, and
``availability`` the one notion of "no agent of the site is online".

Domain layer, below ``chat``: may import ``runtime``, ``storage``, ``realtime``,
``wire`` (not ``wire.outbound``), ``model``, ``config`` and ``observe``.
"""
