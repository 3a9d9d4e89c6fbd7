"""audit_entry and report: the audit log and the moderation queue

Every admin and moderation action is recorded in audit_entry; the items other nodes
report (ActivityPub Flag) wait in report until an admin resolves them.

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-02

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('audit_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('who', sa.String(length=300), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('target', sa.String(length=500), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index('ix_audit_entry_action_id', ['action', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entry_at'), ['at'], unique=False)

    op.create_table('report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_iri', sa.String(length=500), nullable=False),
    sa.Column('reporter_iri', sa.String(length=500), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=True),
    sa.Column('item_iri', sa.String(length=500), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('resolution', sa.String(length=16), nullable=True),
    sa.Column('resolved_by', sa.String(length=300), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.create_index('ix_report_activity_item', ['activity_iri', 'item_iri'], unique=True)
        batch_op.create_index(batch_op.f('ix_report_item_id'), ['item_id'], unique=False)
        batch_op.create_index('ix_report_state_id', ['state', 'id'], unique=False)



def downgrade():
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.drop_index('ix_report_state_id')
        batch_op.drop_index(batch_op.f('ix_report_item_id'))
        batch_op.drop_index('ix_report_activity_item')

    op.drop_table('report')
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_entry_at'))
        batch_op.drop_index('ix_audit_entry_action_id')

    op.drop_table('audit_entry')
