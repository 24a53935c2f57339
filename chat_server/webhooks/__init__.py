"""Webhooks (CONTRACT section 10): subscriptions per site, the deliveries committed
changes cause, and the signed POSTs that carry them.

``catalog`` names the events, ``addresses`` refuses private receivers, ``subscriptions``
creates, lists and deletes webhooks within a scope, ``reactor`` turns committed domain
events into outbox items (one per webhook, in the change's transaction), ``sender``
is the outbox handler that signs (Standard Webhooks) and POSTs them, and ``deliveries``
reads a webhook's delivery log.

Domain layer, beside ``admin``: may import ``outbox``, ``runtime``, ``storage``,
``wire.views``, ``model``, ``config`` and ``observe``; never ``web``, ``delivery`` or
``wire.outbound``.
"""
