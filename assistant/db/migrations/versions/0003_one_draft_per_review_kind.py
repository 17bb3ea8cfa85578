"""one reply draft (and one follow-up) per review

Two processors of the same review (a restarted service and a batch, a redelivered job) may both reach the
drafting step; the database, not timing, decides that only one draft is stored.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("draft", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_draft_review_kind", ["review_id", "kind"])


def downgrade() -> None:
    with op.batch_alter_table("draft", schema=None) as batch_op:
        batch_op.drop_constraint("uq_draft_review_kind", type_="unique")
