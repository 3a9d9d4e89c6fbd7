"""peer_health: failing_since, when the current run of failures began

The circuit breaker opens on a run of failures over time, not on the number of failures
in one batch: it needs to know how long the origin has been failing.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('peer_health', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failing_since', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('peer_health', schema=None) as batch_op:
        batch_op.drop_column('failing_since')
