"""`flask reports readonly-role`: a PostgreSQL role for outside reporting
tools (Metabase, Superset) that reads the documented views in the schema
`reporting` and nothing else.

The views run with their owner's rights (the app's database user), so the
role needs no right on any table: it can SELECT from reporting.* only.
They leave out trashed and erased contacts (an erased contact is a trashed
one whose personal data is gone), and hold no password hash, token,
session, email address, phone number, birth date or note. A gift or an
opportunity of a contact no longer live keeps its amount, without the
contact. Amounts are decimals (the tables keep whole hundredths). The
views of a module's tables are made only when its tables exist
(pipeline is optional)."""

from __future__ import annotations

import re

from sqlalchemy import inspect, text

SCHEMA = "reporting"
ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

# name -> (tables it needs, SELECT). The columns are the documented ones (docs/reports.md).
VIEWS = {
    "contacts": (("contacts_contact",), """
        SELECT c.id, c.kind, c.display_name, c.sort_name, c.city, c.postcode, c.country,
               c.email_opt_in, c.source, c.household_id, c.created_at, c.updated_at
        FROM contacts_contact c WHERE c.deleted_at IS NULL"""),
    "contact_tags": (("contacts_contact_tag", "contacts_tag"), """
        SELECT ct.contact_id, t.name AS tag
        FROM contacts_contact_tag ct JOIN contacts_tag t ON t.id = ct.tag_id
        WHERE ct.contact_id IN (SELECT id FROM contacts_contact WHERE deleted_at IS NULL)"""),
    "gifts": (("pipeline_gift", "pipeline_fund", "pipeline_appeal"), """
        SELECT g.id,
               CASE WHEN g.contact_id IN (SELECT id FROM contacts_contact WHERE deleted_at IS NULL)
                    THEN g.contact_id END AS contact_id,
               (g.amount / 100.0)::numeric(14, 2) AS amount, g.currency, g.received_on,
               f.name AS fund, a.name AS appeal,
               g.payment_method, g.anonymous, g.in_kind
        FROM pipeline_gift g
        LEFT JOIN pipeline_fund f ON f.id = g.fund_id
        LEFT JOIN pipeline_appeal a ON a.id = g.appeal_id"""),
    "opportunities": (("pipeline_opportunity", "pipeline_pipeline", "pipeline_stage"), """
        SELECT o.id,
               CASE WHEN o.contact_id IN (SELECT id FROM contacts_contact WHERE deleted_at IS NULL)
                    THEN o.contact_id END AS contact_id,
               p.name AS pipeline, s.name AS stage, o.name,
               (o.amount / 100.0)::numeric(14, 2) AS amount, o.currency,
               o.expected_close, o.closed_on, o.created_at
        FROM pipeline_opportunity o
        JOIN pipeline_pipeline p ON p.id = o.pipeline_id
        JOIN pipeline_stage s ON s.id = o.stage_id"""),
    "funds": (("pipeline_fund",), "SELECT id, name, code, active FROM pipeline_fund"),
}


class NotPostgres(Exception):
    pass


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def create_views(connection) -> list[str]:
    """(Re)create the reporting views the installed tables allow; their names."""
    tables = set(inspect(connection).get_table_names())
    connection.execute(text(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}"))
    made = []
    for name, (needs, select) in VIEWS.items():
        connection.execute(text(f"DROP VIEW IF EXISTS {SCHEMA}.{name}"))
        if set(needs) <= tables:
            connection.execute(text(f"CREATE VIEW {SCHEMA}.{name} AS {select}"))
            made.append(name)
    return made


def ensure_role(connection, role: str, password: str) -> list[str]:
    """Create or update `role` (LOGIN, the given password) and let it read
    the reporting views only. Returns the views it can read."""
    if connection.dialect.name != "postgresql":
        raise NotPostgres("The read-only reporting role is for PostgreSQL only: SQLite has no roles "
                          "(copy the database file for an outside tool instead).")
    if not ROLE_NAME.match(role):
        raise ValueError("A role name is lower-case letters, digits and underscores (at most 63).")
    views = create_views(connection)
    found = connection.execute(text("SELECT rolsuper OR rolcreaterole OR rolcreatedb OR rolbypassrls "
                                    "FROM pg_roles WHERE rolname = :r"), {"r": role}).first()
    if found is not None and found[0]:
        raise ValueError(f"The role {role} exists with more rights than reading: choose another name.")
    verb = "ALTER" if found is not None else "CREATE"
    connection.execute(text(f"{verb} ROLE {role} LOGIN PASSWORD {_literal(password)}"
                            .replace(":", r"\:")))  # a colon in the password is not a bind parameter
    database = connection.execute(text("SELECT current_database()")).scalar()
    connection.execute(text(f'GRANT CONNECT ON DATABASE "{database}" TO {role}'))
    connection.execute(text(f"REVOKE ALL ON SCHEMA public FROM {role}"))
    connection.execute(text(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}"))
    connection.execute(text(f"GRANT USAGE ON SCHEMA {SCHEMA} TO {role}"))
    connection.execute(text(f"REVOKE ALL ON ALL TABLES IN SCHEMA {SCHEMA} FROM {role}"))
    for view in views:
        connection.execute(text(f"GRANT SELECT ON {SCHEMA}.{view} TO {role}"))
    return views
