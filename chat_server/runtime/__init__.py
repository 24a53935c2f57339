"""What a running installation holds (``state.Runtime``) and the one order every change
follows (``delivery.deliver``: commit, acknowledge, publish).

Below the domain, above storage and the bus: may import ``storage``, ``realtime``,
``security``, ``wire``, ``model``, ``tracking``, ``config`` and ``observe``.
"""
