"""E-mail out and in (issue 13 part B): notices to the shop, unseen replies and
transcripts to the shopper, and replies by e-mail back into the conversation.

Owns the mail thread of a conversation (reply token, what was e-mailed), the Jinja2
templates (Turkish and English, HTML and text), sending with ``aiosmtplib`` from the
outbox, and the ``aiosmtpd`` listener for replies. A domain package: it may import
``outbox``, ``visitors``, ``chat``, ``runtime``, ``model`` and
``config``; never ``web``, ``delivery``, ``wire.outbound`` nor an HTTP or WebSocket
library.
"""
