"""Admin: users and invitations."""

from __future__ import annotations

from sqlalchemy import or_

from app.extensions import db
from app.models import User


def search_users(query: str, limit: int) -> list[tuple[str, str, str]]:
    from flask import url_for

    like = f"%{query.lower()}%"
    rows = db.session.scalars(db.select(User).where(or_(User.email.like(like), User.name.ilike(like)))
                              .order_by(User.name).limit(limit))
    return [(u.name, url_for("admin.users"), f"{u.email} · {u.role.name}") for u in rows]
