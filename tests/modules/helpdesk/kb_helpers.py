"""Shared helpers of the knowledge-base, portal and survey tests."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import User
from modules.helpdesk.kb import articles
from modules.helpdesk.kb.models import INTERNAL, PUBLIC, Category


def author() -> User:
    return db.session.scalar(select(User).order_by(User.id)) or _user()


def _user() -> User:
    from tests.conftest import make_user

    return make_user(db.get_app() if hasattr(db, "get_app") else None)


def category(name: str = "Giving and receipts") -> Category:
    found = db.session.scalar(select(Category).where(Category.name == name))
    if found:
        return found
    cat = Category(name=name, slug=articles.unique_slug(Category, name), description=f"About {name.lower()}")
    db.session.add(cat)
    db.session.flush()
    return cat


def article(title: str, body: str, *, visibility: str = PUBLIC, publish: bool = True, summary: str = "",
            cat: Category | None = None, user=None):
    user = user or author()
    made, _ = articles.save(None, {"title": title, "summary": summary, "body": body,
                                   "category_id": (cat or category()).id, "visibility": visibility}, user)
    if publish:
        articles.publish(made, made.version_number, user)
    db.session.flush()
    return made


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


__all__ = ["INTERNAL", "PUBLIC", "article", "author", "category", "count"]
