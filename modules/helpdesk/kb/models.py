"""Knowledge-base tables: categories, articles, their versions, related
articles, "was this helpful?" votes and the suggestions a customer opened
from the new-ticket form (for deflection counts).

An article's editable fields (title, summary, body, category, visibility)
are its draft. Each save that changes them adds an immutable
`ArticleVersion`; publishing points `published_number` at one. The public
site only ever reads the published version's columns copied onto the
article (`pub_*`), so a draft in progress is never shown."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import UTCDateTime, utcnow

PUBLIC, INTERNAL = "public", "internal"
VISIBILITIES = {PUBLIC: "Public: on the help site", INTERNAL: "Internal: staff only"}


class Category(db.Model):
    __tablename__ = "helpdesk_kb_category"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    slug: Mapped[str] = mapped_column(String(140), unique=True)
    description: Mapped[str] = mapped_column(String(500), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)


class Article(db.Model):
    __tablename__ = "helpdesk_kb_article"
    __table_args__ = (Index("ix_helpdesk_kb_article_public", "visibility", "published_number", "category_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(140), unique=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("helpdesk_kb_category.id", ondelete="SET NULL"))
    visibility: Mapped[str] = mapped_column(String(10), default=INTERNAL)
    # The draft: what the edit form shows and saves.
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(300), default="")  # the meta description
    body: Mapped[str] = mapped_column(Text, default="")  # Markdown
    version_number: Mapped[int] = mapped_column(Integer, default=0)  # the latest version saved
    # What readers see: the published version, copied here (None: never published / withdrawn).
    published_number: Mapped[int | None] = mapped_column(Integer)
    pub_title: Mapped[str] = mapped_column(String(200), default="")
    pub_summary: Mapped[str] = mapped_column(String(300), default="")
    pub_html: Mapped[str] = mapped_column(Text, default="")  # rendered and sanitised once, at publishing
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    category: Mapped[Category | None] = relationship(lazy="joined")

    @property
    def is_published(self) -> bool:
        return self.published_number is not None

    @property
    def has_unpublished_changes(self) -> bool:
        return self.published_number != self.version_number


class ArticleVersion(db.Model):
    __tablename__ = "helpdesk_kb_version"
    __table_args__ = (UniqueConstraint("article_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("helpdesk_kb_article.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    author_name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RelatedArticle(db.Model):
    """A link between two articles, shown on both (stored once, lower id first)."""

    __tablename__ = "helpdesk_kb_related"

    article_id: Mapped[int] = mapped_column(ForeignKey("helpdesk_kb_article.id", ondelete="CASCADE"),
                                            primary_key=True)
    related_id: Mapped[int] = mapped_column(ForeignKey("helpdesk_kb_article.id", ondelete="CASCADE"),
                                            primary_key=True, index=True)


class Feedback(db.Model):
    """One "was this helpful?" answer. Anonymous; rate-limited per address."""

    __tablename__ = "helpdesk_kb_feedback"
    __table_args__ = (Index("ix_helpdesk_kb_feedback_article", "article_id", "helpful"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("helpdesk_kb_article.id", ondelete="CASCADE"))
    helpful: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SuggestionOpen(db.Model):
    """A customer opened a suggested article from the new-ticket form whose
    form session is `form_key`. It is a deflection when they said it answered
    their question, or when no ticket came from that form session within
    `deflection_minutes` (see kb/deflection.py)."""

    __tablename__ = "helpdesk_kb_suggestion_open"
    __table_args__ = (UniqueConstraint("form_key", "article_id"),
                      Index("ix_helpdesk_kb_suggestion_open_at", "opened_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    form_key: Mapped[str] = mapped_column(String(64), index=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("helpdesk_kb_article.id", ondelete="CASCADE"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered: Mapped[bool] = mapped_column(Boolean, default=False)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("helpdesk_ticket.id", ondelete="SET NULL"))
