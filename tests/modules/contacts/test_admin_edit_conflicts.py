"""Two people editing the same custom field, tag, relationship type, task,
timeline entry or saved segment (issue 15, part 1): different fields merge,
the same field comes back as a conflict with who changed it and what, and a
form without a token saves as before (tests/conflict_table.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.dates import org_zone
from app.extensions import db
from app.models import User
from app.models.base import utcnow
from modules.contacts.activity import tasks_service, timeline
from modules.contacts.models import Activity, CustomField, RelationshipType, Segment, Tag, Task
from modules.contacts.people import records
from tests.conflict_table import Case, check_clash, check_merge, check_no_token


def _add(app, record, read_one):
    """Store `record`; read() gives `read_one(row)` of it afresh."""
    with app.app_context():
        db.session.add(record)
        db.session.commit()
        kind, record_id = type(record), record.id

    def read(app):
        with app.app_context():
            return read_one(db.session.get(kind, record_id))

    return record_id, read


def _ada():
    return db.session.scalar(db.select(User).where(User.email == "admin@example.org"))


def _field(app):
    field_id, read = _add(app, CustomField(key="year", label="Year group", type="choice", kinds=["person"],
                                           choices=["Y1", "Y2"], position=1, active=True),
                          lambda f: {"label": f.label, "kinds": sorted(f.kinds), "choices": f.choices,
                                     "active": f.active})
    return f"/contacts/admin/fields/{field_id}", read


def _tag(app):
    tag_id, read = _add(app, Tag(name="Volunteer", colour="blue"), lambda t: {"name": t.name, "colour": t.colour})
    return f"/contacts/admin/tags/{tag_id}", read


def _type(app):
    type_id, read = _add(app, RelationshipType(a_to_b="mentor of", b_to_a="mentee of"),
                         lambda r: {"a_to_b": r.a_to_b, "b_to_a": r.b_to_a})
    return f"/contacts/admin/relationship-types/{type_id}", read


def _task(app):
    with app.app_context():
        task = tasks_service.create({"title": "Call back", "notes": "", "due_date": None, "assignee_id": None,
                                     "contact_id": None}, user=_ada())
        db.session.commit()
        task_id = task.id

    def read(app):
        with app.app_context():
            task = db.session.get(Task, task_id)
            return {"title": task.title, "notes": task.notes,
                    "due_date": task.due_date.isoformat() if task.due_date else None}

    return f"/contacts/tasks/{task_id}/edit", read, "task-"


def _entry(app):
    with app.app_context():
        contact = records.create("person", {"first_name": "Grace", "last_name": "Hopper"}, None)
        db.session.flush()
        entry = timeline.log(contact.id, {"kind": "note", "subject": "Met at the fair", "body": "Keen",
                                          "occurred_at": utcnow() - timedelta(days=2, seconds=17)}, user=_ada())
        db.session.commit()
        entry_id = entry.id

    def read(app):
        with app.app_context():
            entry = db.session.get(Activity, entry_id)
            return {"kind": entry.kind, "subject": entry.subject, "body": entry.body,
                    "occurred_at": entry.occurred_at.astimezone(org_zone()).strftime("%Y-%m-%dT%H:%M")}

    return f"/contacts/entries/{entry_id}/edit", read, f"entry{entry_id}-"


def _segment(app):
    with app.app_context():
        owner = _ada().id
    segment_id, read = _add(app, Segment(name="Donors", description="", shared=True, filters={}, owner_id=owner),
                            lambda s: {"name": s.name, "description": s.description, "shared": s.shared})
    return f"/contacts/segments/{segment_id}/edit", read


CASES = [
    Case("custom-field", _field,
         theirs={"label": "School year"}, mine={"kinds": ["person", "household"]},
         merged={"label": "School year", "kinds": ["household", "person"], "choices": ["Y1", "Y2"]},
         clash="choices", their_value="Y1\nY2\nY3", my_value="Y1\nY2\nY4", stored="choices",
         their_stored=["Y1", "Y2", "Y3"], my_stored=["Y1", "Y2", "Y4"], their_shown="Y1\nY2\nY3"),
    Case("custom-field-kinds", _field,
         theirs={"active": []}, mine={"label": "School year"},
         merged={"label": "School year", "active": False},
         clash="kinds", their_value=["organisation"], my_value=["person", "household"], stored="kinds",
         their_stored=["organisation"], my_stored=["household", "person"], their_shown="Organisations"),
    Case("tag", _tag,
         theirs={"name": "Volunteers"}, mine={"colour": "green"},
         merged={"name": "Volunteers", "colour": "green"},
         clash="colour", their_value="pink", my_value="teal", stored="colour",
         their_stored="pink", my_stored="teal", their_shown="Pink"),
    Case("relationship-type", _type,
         theirs={"a_to_b": "coach of"}, mine={"b_to_a": "coached by"},
         merged={"a_to_b": "coach of", "b_to_a": "coached by"},
         clash="b_to_a", their_value="pupil of", my_value="student of", stored="b_to_a",
         their_stored="pupil of", my_stored="student of", their_shown="pupil of"),
    Case("task", _task,
         theirs={"title": "Call back soon"}, mine={"notes": "Ask about the gala"},
         merged={"title": "Call back soon", "notes": "Ask about the gala"},
         clash="due_date", their_value="2027-01-10", my_value="2027-01-12", stored="due_date",
         their_stored="2027-01-10", my_stored="2027-01-12", their_shown="2027-01-10"),
    # Ada moves the time: Sam's untouched time (shown to the minute) is no change of his.
    Case("timeline-entry", _entry,
         theirs={"occurred_at": "2026-11-30T10:30"}, mine={"body": "Keen to volunteer"},
         merged={"occurred_at": "2026-11-30T10:30", "body": "Keen to volunteer", "subject": "Met at the fair"},
         clash="kind", their_value="call", my_value="meeting", stored="kind",
         their_stored="call", my_stored="meeting", their_shown="Call"),
    # The same, in the timeline's inline editor (HTMX): a 204 after saving, the fragment on a clash.
    Case("timeline-entry-inline", _entry,
         theirs={"subject": "Met at the autumn fair"}, mine={"occurred_at": "2026-11-29T09:05"},
         merged={"occurred_at": "2026-11-29T09:05", "subject": "Met at the autumn fair"},
         clash="body", their_value="Keen to help", my_value="Keen to give", stored="body",
         their_stored="Keen to help", my_stored="Keen to give", their_shown="Keen to help",
         headers={"HX-Request": "true"}),
    Case("segment", _segment,
         theirs={"name": "Major donors"}, mine={"shared": []},
         merged={"name": "Major donors", "shared": False},
         clash="description", their_value="Gave this year", my_value="Gave last year", stored="description",
         their_stored="Gave this year", my_stored="Gave last year", their_shown="Gave this year"),
]
IDS = [c.id for c in CASES]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_changes_to_different_fields_are_both_stored(app, case):
    check_merge(app, case)


@pytest.mark.parametrize("choice", ["mine", "theirs"])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_the_same_field_changed_by_both_is_a_conflict(app, case, choice):
    check_clash(app, case, choice)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_a_form_without_a_token_saves_last_as_before(app, case):
    check_no_token(app, case)
