"""Time-based one-time passwords (RFC 6238: SHA-1, 30-second steps, 6 digits)."""

from __future__ import annotations

import pyotp

ISSUER = "Kervan Chat"


def new_otp_secret() -> str:
    return pyotp.random_base32()


def otp_uri(secret: str, account: str) -> str:
    """The ``otpauth://`` URI an authenticator app reads (usually from a QR code)."""
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=ISSUER)


def otp_matches(secret: str, code: str | None) -> bool:
    """The code of this step or of the step before or after (clocks drift a little)."""
    if not isinstance(code, str):
        return False
    digits = code.strip().replace(" ", "")
    if len(digits) != 6 or not digits.isdigit():
        return False
    return pyotp.TOTP(secret).verify(digits, valid_window=1)
