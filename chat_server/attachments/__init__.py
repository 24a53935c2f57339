"""Attachments: files a visitor or an agent sends with a message (issue 15).

Owns judging an upload by its bytes (``sniff``: JPEG, PNG, WebP, GIF or PDF, and a
safe file name), re-encoding pictures without their metadata and drawing thumbnails
(``images``), keeping the bytes in files under ``CHAT_DATA_DIR/uploads`` or in the
database (``store``), taking an upload in (``uploads``), attaching uploads to a
message inside its transaction (``claims``), who may download a file (``access``)
and erasing files with their visitor or conversation (``erase``).

May import: ``runtime``, ``storage``, ``realtime`` (the shared rate limiter),
``model``, ``config``, ``observe``. Never: ``chat``, ``visitors``, ``admin``,
``web``, sockets, frames.
"""
