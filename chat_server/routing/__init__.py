"""Routing: who answers which conversation.

Owns agent status (``status``), the database decision that assigns a waiting
conversation to the least-loaded online agent with room (``assignment``: one
assignment per transaction, rows locked so that processes never assign a
conversation twice or overfill an agent), the queue shoppers see with its
estimate (``queue``), claims and transfers (``claims``), and the loop that runs a
routing pass after each relevant change and every ``CHAT_ROUTING_SWEEP_SECONDS``
(``router``).

May import: ``chat``, ``sla``, ``runtime``, ``storage``, ``model``, ``wire`` views,
``observe``. Never: ``web``, ``delivery``, sockets, frames.
"""
