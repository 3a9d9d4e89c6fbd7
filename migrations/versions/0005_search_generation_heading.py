"""search: the index's generation, a ranking heading on PostgreSQL, an index of item columns

`search_index_state`: one row whose generation moves with every change a search shows
(`server.search.generation`), so that facet counts and the atlas can be kept until then.
PostgreSQL: `search_index.heading`, the title and summary part of each document (weights
A and B, taken from the document as it is), ranked instead of the whole document.
`ix_item_search`: the columns a search reads of each matching item, by id.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02

"""
import secrets

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

COLUMNS = ("id", "status", "hidden", "kind", "language", "license", "actor_id", "published_at")


def upgrade():
    op.execute(
        "CREATE TABLE search_index_state (id INTEGER PRIMARY KEY, generation BIGINT NOT NULL, "
        "token VARCHAR(32) NOT NULL)"
    )
    op.execute(
        sa.text("INSERT INTO search_index_state (id, generation, token) VALUES (1, 0, :token)")
        .bindparams(token=secrets.token_hex(16))
    )
    # Not in batch mode: on SQLite a batch may copy the table, losing the index's trigger.
    op.create_index("ix_item_search", "item", list(COLUMNS), unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE search_index ADD COLUMN heading TSVECTOR")
        op.execute("UPDATE search_index SET heading = ts_filter(document, '{a,b}')")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE search_index DROP COLUMN heading")
    op.drop_index("ix_item_search", table_name="item")
    op.execute("DROP TABLE search_index_state")
