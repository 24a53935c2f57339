"""E-mail and webhooks through an outbox (issue 13).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from collections.abc import Sequence

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    _outbox_and_webhooks()
    _mail()


def downgrade() -> None:
    pass


def _outbox_and_webhooks() -> None:
    pass


def _mail() -> None:
    pass
