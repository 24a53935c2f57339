"""Endpoints translate: sockets and HTTP in, domain calls, frames or JSON out.

Socket endpoints never touch SQL; errors become frames in ``wire.errors`` and JSON in
``http_errors``, each in one place.
"""
