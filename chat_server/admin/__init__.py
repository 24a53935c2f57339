"""Running the shop: sites and their settings, agent accounts, personal data (export,
erase) and retention.

Domain: may import ``visitors``, ``stats``, ``chat``, ``sla`` and the layers below them;
never ``web`` or sockets.
"""
