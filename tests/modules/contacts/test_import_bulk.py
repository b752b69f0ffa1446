"""The import writes its rows with `app.bulk_insert` (tuples straight to the
driver's executemany) instead of SQLAlchemy's insert: the database must hold
exactly what SQLAlchemy's insert would have written, value for value."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import insert

from app import audit, bulk_insert
from app.extensions import db
from app.models import AuditEntry
from modules.contacts.models import Contact, ContactEmail, CustomField, CustomValue, ImportChange, ImportRun

WHEN = datetime(2024, 3, 31, 23, 30, 15, 123456, tzinfo=timezone(timedelta(hours=-5)))


def _raw(table, ids: list[int]) -> list[tuple]:
    """The rows as the driver returns them (no SQLAlchemy type processing), ids left out."""
    columns = [c.name for c in table.c if c.name != "id"]
    sql = (f"SELECT {', '.join(columns)} FROM {table.name} "  # noqa: S608 (names from the model)
           f"WHERE id IN ({', '.join(str(i) for i in ids)}) ORDER BY id")
    return [tuple(row) for row in db.session.connection().exec_driver_sql(sql)]


def _both_ways(table, rows: list[dict]) -> tuple[list[tuple], list[tuple]]:
    """Insert `rows` with SQLAlchemy and again with bulk_insert; each side's stored values."""
    first = db.session.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True),
                               rows).scalars().all()
    columns = tuple(rows[0])
    second = bulk_insert.insert_returning_ids(table, columns, [tuple(r[c] for c in columns) for r in rows])
    assert len(second) == len(rows) and len(set(second)) == len(rows)
    assert not set(first) & set(second)
    return _raw(table, list(first)), _raw(table, second)


def test_contacts_and_their_details_are_stored_as_sqlalchemy_stores_them(app):
    with app.app_context():
        contacts = [
            {"kind": "person", "first_name": "Zoë", "last_name": "Ünïcode", "display_name": "Zoë Ünïcode",
             "sort_name": "unicode zoe", "email": "zoe@example.org", "phone": None, "birth_date": date(1980, 3, 31),
             "do_not_email": True, "do_not_phone": False, "do_not_mail": False, "email_opt_in": "opted_in",
             "created_at": WHEN, "updated_at": datetime(2024, 1, 1, tzinfo=UTC), "owner_id": None},
            {"kind": "organisation", "first_name": "", "last_name": "", "display_name": "Café Ltd",
             "sort_name": "cafe ltd", "email": None, "phone": "+441632960001", "birth_date": None,
             "do_not_email": False, "do_not_phone": True, "do_not_mail": True, "email_opt_in": "unknown",
             "created_at": datetime(2024, 6, 1, 12, 0), "updated_at": WHEN, "owner_id": None},
        ]
        old, new = _both_ways(Contact.__table__, contacts)
        assert old == new
        contact_id = db.session.scalar(db.select(Contact.id).limit(1))
        old, new = _both_ways(ContactEmail.__table__, [
            {"contact_id": contact_id, "email": "a@example.org", "label": "", "is_primary": True},
            {"contact_id": contact_id, "email": "b@example.org", "label": "work", "is_primary": False}])
        assert old == new
        field = CustomField(key="k", label="K", type="number", kinds=["person"], choices=[], position=1, active=True)
        db.session.add(field)
        db.session.flush()
        old, new = _both_ways(CustomValue.__table__, [
            {"contact_id": contact_id, "field_id": field.id, "value_text": None, "value_number": Decimal("12.3400"),
             "value_date": None, "value_bool": None},
            {"contact_id": contact_id, "field_id": field.id, "value_text": "Gold", "value_number": None,
             "value_date": date(2020, 2, 29), "value_bool": True}])
        assert old == new
        db.session.rollback()


def test_json_columns_keep_null_and_nested_values_as_sqlalchemy_writes_them(app):
    with app.app_context():
        run = ImportRun(filename="f.csv", data=b"x", status="running")
        db.session.add(run)
        db.session.flush()
        old, new = _both_ways(ImportChange.__table__, [
            {"import_id": run.id, "contact_id": None, "action": "created", "before": None},
            {"import_id": run.id, "contact_id": None, "action": "updated",
             "before": {"fields": {"birth_date": {"date": "1980-03-31"}, "notes": "Ünï \"quoted\""},
                        "emails": [["a@example.org", "", True]], "custom": {}}}])
        assert old == new
        db.session.rollback()


def test_record_many_writes_what_record_writes(app):
    with app.app_context():
        changes = {"first_name": ("Ann", "Anne"), "birth_date": (date(1980, 1, 2), None), "tags": ("", {"x"})}
        one = audit.record(audit.UPDATE, object_type="contacts_contact", object_id=7, summary="Updated Ann",
                           changes=changes, actor="cli")
        two = audit.record(audit.CREATE, object_type="contacts_contact", object_id=8, summary="Created Bob",
                           actor="cli")
        db.session.flush()
        before = db.session.scalar(db.select(db.func.max(AuditEntry.id)))
        assert audit.record_many(audit.UPDATE, "contacts_contact", [(7, "Updated Ann", changes)], actor="cli") == 1
        assert audit.record_many(audit.CREATE, "contacts_contact", [(8, "Created Bob", None)], actor="cli") == 1
        assert audit.record_many(audit.CREATE, "contacts_contact", [], actor="cli") == 0
        many = db.session.scalars(db.select(AuditEntry.id).where(AuditEntry.id > before).order_by(AuditEntry.id)).all()
        assert len(many) == 2
        table = AuditEntry.__table__
        strip = [i for i, c in enumerate(c for c in table.c if c.name != "id") if c.name == "at"]

        def without_time(rows):
            return [tuple(v for i, v in enumerate(row) if i not in strip) for row in rows]

        assert without_time(_raw(table, many)) == without_time(_raw(table, [one.id, two.id]))
        db.session.rollback()


def test_record_many_saves_pending_record_entries_first(app):
    """Entries added with `record` before a `record_many` keep their place in the log."""
    with app.app_context():
        audit.record(audit.DELETE, object_type="contacts_contact", object_id=1, summary="first", actor="cli")
        audit.record_many(audit.DELETE, "contacts_contact", [(2, "second", None)], actor="cli")
        summaries = db.session.scalars(db.select(AuditEntry.summary).order_by(AuditEntry.id)).all()
        assert summaries[-2:] == ["first", "second"]
        db.session.rollback()


def test_a_column_with_a_computed_default_must_be_given(app):
    """Core would call `utcnow()` for a missing `at`; bulk_insert refuses instead of storing NULL."""
    with app.app_context(), pytest.raises(ValueError, match="core_audit.at has a computed default"):
        bulk_insert.insert_rows(AuditEntry.__table__, ("action", "summary"), [("create", "x")])
