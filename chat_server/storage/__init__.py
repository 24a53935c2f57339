"""The database: engines, sessions, group-committed writes and migrations.

Dialect choices (SQLite pragmas, PostgreSQL pools and locks) live here and in
``stats.sql``, nowhere else. May import ``model``, ``config`` and ``observe``; never the
domain, the bus or the wire.
"""
