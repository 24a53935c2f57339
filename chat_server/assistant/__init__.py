"""The self-service assistant (issue 14): what it knows and how it finds it, and (14B)
how it takes part in conversations.

Knowledge and retrieval: ``faq`` (a site's FAQ entries: list, create, change, delete),
``faq_import`` (CSV or JSON in, all rows or none), ``retrieval/`` (pure: Turkish-aware
terms, BM25 plus typo tolerance, the ranker's confidence rule, sentence embeddings, and
the learned answer model that weighs both readings), ``matching`` (the API the
conversation side calls: :func:`matching.best_answer`, with the per-site index cached
in memory and rebuilt when the entries change, in any process) and ``unanswered``
(questions it could not answer, counted, for managers).

A domain package above ``admin``: may import ``admin``, ``visitors``, ``stats``,
``routing``, ``chat``, ``sla``, ``search``, ``runtime``, ``storage``, ``model``,
``config``, ``observe``. Never: ``web``, ``delivery``, ``wire.outbound``, sockets.
"""
