"""member accounts: sign-up and invitation states, digest choice, mail requests counted,
outgoing mail

Accounts that existed before are active. Sign-in attempts recorded before are sign-ins.

Revision ID: 0008
Revises: 0004
Create Date: 2026-12-02

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('state', sa.String(length=24), nullable=False, server_default='active')
        )
        batch_op.add_column(
            sa.Column('digest', sa.String(length=8), nullable=False, server_default='never')
        )
    with op.batch_alter_table('signin_attempt', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('action', sa.String(length=16), nullable=False, server_default='signin')
        )
    op.create_table('outgoing_mail',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('to_address', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('outgoing_mail', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outgoing_mail_next_at'), ['next_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outgoing_mail_state'), ['state'], unique=False)


def downgrade():
    with op.batch_alter_table('outgoing_mail', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outgoing_mail_state'))
        batch_op.drop_index(batch_op.f('ix_outgoing_mail_next_at'))
    op.drop_table('outgoing_mail')
    with op.batch_alter_table('signin_attempt', schema=None) as batch_op:
        batch_op.drop_column('action')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('digest')
        batch_op.drop_column('state')
