"""The names other packages imported from here before ``security`` was split by concept.

New code imports from the concept's module (``passwords``, ``tokens``, ``otp``,
``limits``, ``origins``); this keeps the older import sites working.
"""

from __future__ import annotations

from chat_server.security.origins import normalise_origin, origin_allowed
from chat_server.security.passwords import hash_password, verify_password
from chat_server.security.tokens import Signer, csrf_matches

__all__ = [
    "Signer",
    "csrf_matches",
    "hash_password",
    "normalise_origin",
    "origin_allowed",
    "verify_password",
]
