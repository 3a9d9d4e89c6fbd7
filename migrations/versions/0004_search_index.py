"""search_index: the full-text index of items

SQLite: an FTS5 table of stemmed, accent-folded text (rowid = item id) and a trigger that
drops an item's row with the item. PostgreSQL: a tsvector per item (french/english per
language of each text), a GIN index on it, the row deleted with its item. Filled by
`commons reindex`, kept current by the session listener of `server.search.listener`.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

SQLITE = (
    "CREATE VIRTUAL TABLE search_index USING fts5("
    "title, summary, body, other, tokenize = 'unicode61 remove_diacritics 2')",
    "CREATE TRIGGER search_index_item_deleted AFTER DELETE ON item "
    "BEGIN DELETE FROM search_index WHERE rowid = old.id; END",
)
POSTGRESQL = (
    "CREATE TABLE search_index (item_id INTEGER PRIMARY KEY "
    "REFERENCES item (id) ON DELETE CASCADE, document TSVECTOR NOT NULL)",
    "CREATE INDEX ix_search_index_document ON search_index USING GIN (document)",
)


def upgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    for statement in SQLITE if sqlite else POSTGRESQL:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS search_index_item_deleted")
    op.execute("DROP TABLE IF EXISTS search_index")
