"""History search: messages and visitors found by words, Turkish-aware, per dialect.

Owns the folding of text for search (``folding``: pure; Turkish case rules, then
diacritics stripped, so ``İADE``, ``iade`` and ``ıade`` are one word and ``odeme``
finds ``ödeme``), the index kept beside the messages (``index``: one INSERT in the
message's own transaction; SQLite FTS5 or a PostgreSQL ``tsvector`` table, the one
place with dialect SQL for search), and the query a caller's scope allows
(``queries``: prefix match on each word, newest first, snippets from the original).

May import: ``runtime``, ``storage``, ``model``, ``observe``, ``config``. Never:
``chat``, ``visitors``, ``admin``, ``web``, sockets, frames.
"""
