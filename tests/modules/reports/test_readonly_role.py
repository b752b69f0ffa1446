"""`flask reports readonly-role`: on PostgreSQL a role that reads the
reporting views (no trashed or erased contacts) and nothing else, checked
by connecting as that role; on SQLite, an explanation."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import ProgrammingError

from app.extensions import db
from app.models.base import utcnow
from modules.contacts.models import Contact
from tests.modules.reports import data

ROLE = "steward_test_reporting"
PASSWORD = "s3cret:it's"  # a colon and a quote, to prove the quoting


@pytest.fixture
def pg_role(app):
    yield
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            return
        with db.engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA IF EXISTS reporting CASCADE"))
            if conn.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": ROLE}).scalar():
                database = conn.execute(sa.text("SELECT current_database()")).scalar()
                conn.execute(sa.text(f'REVOKE ALL ON DATABASE "{database}" FROM {ROLE}'))
                conn.execute(sa.text(f"DROP ROLE {ROLE}"))


def invoke(app, password=PASSWORD):
    return app.test_cli_runner().invoke(args=["reports", "readonly-role", "--name", ROLE, "--password", password])


def as_role(app, password=PASSWORD) -> sa.Engine:
    url = sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"]).set(username=ROLE, password=password)
    return sa.create_engine(url, poolclass=sa.pool.NullPool)


def test_the_role_reads_the_reporting_views_and_nothing_else(app, pg_role):
    with app.app_context():
        ids = data.build()
        db.session.get(Contact, ids["Ben"]).deleted_at = utcnow()  # trashed (erased ones are trashed too)
        db.session.commit()
        dialect = db.engine.dialect.name
    result = invoke(app)
    if dialect != "postgresql":
        assert result.exit_code == 1
        assert "for PostgreSQL only" in result.output
        return
    assert result.exit_code == 0, result.output
    assert "reporting.contacts" in result.output and "reporting.gifts" in result.output
    engine = as_role(app)
    with engine.connect() as conn:
        names = set(conn.execute(sa.text("SELECT display_name FROM reporting.contacts")).scalars())
        assert {"Ann Donor", "Cat Donor"} <= names and not any(n.startswith("Ben") for n in names)
        total, anonymous_donor = conn.execute(sa.text(
            "SELECT sum(amount), count(*) FILTER (WHERE contact_id IS NULL) FROM reporting.gifts")).one()
        assert total == Decimal("390.00") and anonymous_donor == 2  # Ben's two gifts, without Ben
        columns = set(conn.execute(sa.text(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'reporting'")).scalars())
        assert not columns & {"email", "phone", "birth_date", "notes", "password_hash", "token"}
    # Schema-qualified: without them the tables are not even found (no usage of the schema).
    for forbidden in ("SELECT password_hash FROM public.core_user", "SELECT * FROM public.core_user",
                      "SELECT * FROM public.contacts_contact", "SELECT * FROM public.reports_report",
                      "SELECT * FROM public.core_api_token", "SELECT * FROM public.alembic_version"):
        with engine.connect() as conn, pytest.raises(ProgrammingError, match="permission denied"):
            conn.execute(sa.text(forbidden))
    with engine.connect() as conn, pytest.raises(ProgrammingError, match="permission denied"):
        conn.execute(sa.text("CREATE TABLE reporting.mine (id int)"))
    engine.dispose()
    # Run again with a new password: the role is updated, the old password no longer works.
    assert invoke(app, "another one").exit_code == 0
    with pytest.raises(sa.exc.OperationalError):
        as_role(app).connect()
    with as_role(app, "another one").connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM reporting.gifts")).scalar() == 6


def test_a_bad_role_name_is_refused(app, pg_role):
    result = app.test_cli_runner().invoke(args=["reports", "readonly-role", "--name", "x; DROP TABLE y",
                                                "--password", "p"])
    assert result.exit_code != 0
    with app.app_context():
        postgres = db.engine.dialect.name == "postgresql"
    assert ("lower-case letters" if postgres else "for PostgreSQL only") in result.output
