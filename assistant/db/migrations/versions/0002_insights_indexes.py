"""insights and export indexes

Trends filter reviews by when they were written (`coalesce(review_created_at, created_at)`, the expression
`assistant.domain.insights.sql.occurred_at` renders), with and without a business; both indexes also carry
every column the weekly aggregates read, so SQLite answers from the index alone instead of visiting the wide
rows. The export and the response-time figures read approved drafts by approval time.

Revision ID: 0002
Revises: 0001
"""

from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

OCCURRED = sa.text("coalesce(review_created_at, created_at)")


def upgrade() -> None:
    op.create_index('ix_review_occurred', 'review',
                    [OCCURRED, 'business', 'source', 'review_created_at', 'created_at'], unique=False)
    op.create_index('ix_review_business_occurred', 'review',
                    ['business', OCCURRED, 'source', 'review_created_at', 'created_at'], unique=False)
    op.create_index('ix_draft_status_decided', 'draft', ['status', 'decided_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_draft_status_decided', table_name='draft')
    op.drop_index('ix_review_business_occurred', table_name='review')
    op.drop_index('ix_review_occurred', table_name='review')
