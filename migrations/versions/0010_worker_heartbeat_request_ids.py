"""worker_heartbeat; request ids on inbox messages and outbox activities

Workers beat in the database so /healthz sees them from any host; an activity keeps the id
of the request that brought or published it, so the worker's log lines carry it.

Revision ID: 0010
Revises: 0004
Create Date: 2026-12-02

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'worker_heartbeat',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=300), nullable=False),
        sa.Column('host', sa.String(length=255), nullable=False),
        sa.Column('pid', sa.Integer(), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('beat_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('name'),
    )
    with op.batch_alter_table('worker_heartbeat', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_worker_heartbeat_beat_at'), ['beat_at'], unique=False)
    with op.batch_alter_table('inbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_id', sa.String(length=100), nullable=True))
    with op.batch_alter_table('outbox_activity', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_id', sa.String(length=100), nullable=True))


def downgrade():
    with op.batch_alter_table('outbox_activity', schema=None) as batch_op:
        batch_op.drop_column('request_id')
    with op.batch_alter_table('inbox_message', schema=None) as batch_op:
        batch_op.drop_column('request_id')
    with op.batch_alter_table('worker_heartbeat', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_worker_heartbeat_beat_at'))
    op.drop_table('worker_heartbeat')
