"""inbox_message: drop the actor_iri and origin indexes

Nothing queries inbox messages by actor or origin, and every delivery paid for keeping
both indexes up to date (a third of the INSERT on SQLite; bench/bench_federation.py).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('inbox_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inbox_message_origin'))
        batch_op.drop_index(batch_op.f('ix_inbox_message_actor_iri'))


def downgrade():
    with op.batch_alter_table('inbox_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inbox_message_actor_iri'), ['actor_iri'], unique=False)
        batch_op.create_index(batch_op.f('ix_inbox_message_origin'), ['origin'], unique=False)
