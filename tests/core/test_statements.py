"""app.statements.built_once: a statement is built on first use for each
shape, then the same statement runs with new bound parameters."""

from __future__ import annotations

from sqlalchemy import bindparam, select

from app.extensions import db
from app.models import Role
from app.statements import built_once


def test_each_shape_is_built_once_and_runs_with_new_parameters(app):
    builds = []

    @built_once
    def role_by_key(ordered: bool):
        builds.append(ordered)
        query = select(Role.key).where(Role.key.in_(bindparam("keys", expanding=True)))
        return query.order_by(Role.key) if ordered else query

    with app.app_context():
        assert role_by_key(True) is role_by_key(True)
        assert db.session.scalars(role_by_key(True), {"keys": ["staff", "admin"]}).all() == ["admin", "staff"]
        assert db.session.scalars(role_by_key(True), {"keys": ["manager"]}).all() == ["manager"]
        assert sorted(db.session.scalars(role_by_key(False), {"keys": ["admin"]})) == ["admin"]
    assert builds == [True, False]
