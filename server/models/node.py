"""Node-wide settings that admins change in the web interface."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.models.base import LangMapType, UTCDateTime, utcnow
from vocab.terms import CC_BY_SA_4


class NodeSettings(db.Model):
    """The one row of settings of this node: name, description, licence, languages."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[dict[str, str]] = mapped_column(LangMapType, default=dict)
    default_license: Mapped[str] = mapped_column(String(300), default=CC_BY_SA_4)
    languages: Mapped[list[str]] = mapped_column(JSON, default=lambda: ["fr", "en"])
    harvest_federated: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def main_language(self) -> str:
        return (self.languages or ["fr"])[0]

    @classmethod
    def get(cls) -> NodeSettings:
        """Return the settings row, creating it with defaults when missing."""
        row = db.session.get(cls, 1)
        if row is None:
            row = cls(id=1, languages=["fr", "en"], default_license=CC_BY_SA_4, description={})
            db.session.add(row)
            db.session.flush()
        return row
