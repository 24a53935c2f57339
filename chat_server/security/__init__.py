"""Credentials, with no database and no sockets: may import ``model`` and ``config``.

- ``passwords``: Argon2 hashes, checked in a worker thread behind a small semaphore;
- ``tokens``: signed API tokens and console cookies (each names a stored session), CSRF;
- ``otp``: TOTP second factor (RFC 6238);
- ``limits``: failed-login limits per address and per account, over a pluggable counter;
- ``origins``: widget origins, and the agent socket's own-origin check;
- ``sockets``: which credentials this process's open agent sockets hold, to close them
  when a session is revoked;
- ``auth``: older import names, re-exported.
"""
