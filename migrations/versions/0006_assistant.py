"""The self-service assistant: FAQ entries and unanswered questions (issue 14).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

from collections.abc import Sequence

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    _faq()
    _conversation_assistant()


def downgrade() -> None:
    pass


def _faq() -> None:
    pass


def _conversation_assistant() -> None:
    pass
