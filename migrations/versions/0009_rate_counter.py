"""rate_counter: rate-limit counters shared by the web processes

One row per (limit, group, client) key: the requests counted in the current window and
when that window ends (seconds since the epoch); UNLOGGED on PostgreSQL. Written by
`server.models.rate_limit.SqlStorage` when no Redis is configured.

Revision ID: 0009
Revises: 0004
Create Date: 2026-12-02

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'rate_counter',
        sa.Column('key', sa.String(length=255), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('resets_at', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('key'),
    )
    with op.batch_alter_table('rate_counter', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rate_counter_resets_at'), ['resets_at'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        # Counters need no write-ahead log: a hit's commit does not wait for the disk.
        op.execute('ALTER TABLE rate_counter SET UNLOGGED')


def downgrade():
    with op.batch_alter_table('rate_counter', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rate_counter_resets_at'))
    op.drop_table('rate_counter')
