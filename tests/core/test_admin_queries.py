"""Admin lists run a bounded number of queries, whatever the number of rows."""

from __future__ import annotations

import pytest

from app import audit, mail
from app.extensions import db
from app.jobs import enqueue
from app.models import Invitation, Role
from app.models.base import utcnow
from tests.conftest import counted_queries, make_user


def _add_rows(app, n: int, start: int) -> None:
    with app.app_context():
        staff = db.session.scalar(db.select(Role).where(Role.key == "staff"))
        for i in range(start, start + n):
            audit.record(audit.UPDATE, object_type="thing", object_id=i, summary=f"Entry {i}", actor="x@example.org")
            mail.send(f"r{i}@example.org", f"Message {i}", "Body")
            enqueue("core.deliver_mail", f"Job {i}", {"ids": []})
            db.session.add(Invitation(email=f"i{i}@example.org", role=staff, token_hash=f"{i:064}",
                                      expires_at=utcnow()))
        db.session.commit()
    for i in range(start, start + n):
        make_user(app, f"u{i}@example.org", "staff", f"User {i}")


@pytest.mark.parametrize("path", ["/admin/users", "/admin/audit", "/admin/outbox", "/admin/jobs", "/admin/roles"])
def test_list_pages_use_the_same_number_of_queries_for_5_or_60_rows(app, admin_client, path):
    _add_rows(app, 5, 0)
    admin_client.get(path)  # warm up caches of the app, not of the request
    with counted_queries(app) as few:
        assert admin_client.get(path).status_code == 200
    _add_rows(app, 55, 5)
    with counted_queries(app) as many:
        html = admin_client.get(path).get_data(as_text=True)
    assert len(many) == len(few), "\n".join(many)
    assert len(many) <= 15
    if path == "/admin/outbox":
        assert not any("core_mail_attachment" in statement for statement in many)  # no blobs on the list
    if path != "/admin/roles":
        assert 'rel="next"' in html
