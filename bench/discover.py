"""What to request, read from the seeded data inside the app (run as
`python -m bench.discover OUT.json IMPORT_MATCHES` in the run's environment).

Writes JSON: the contact count, a keyset cursor ~90% through the list,
the rarest and the commonest name by how many contacts the quick search
really finds, contact ids spread over the table, a contact with a busy
timeline, existing emails for the import's matching rows, and the pipeline,
marketing and helpdesk modules' pages when they are enabled.
"""

from __future__ import annotations

import json
import sys
from urllib.parse import urlencode

from sqlalchemy import func, select

from wsgi import app

SAMPLE_IDS = 50
CANDIDATES = 8


def _name_counts(Contact) -> dict[str, int]:
    """Single-word first and last names of live people, folded as search folds them, and how often."""
    from app.extensions import db
    from modules.contacts.lists.search import fold

    counts: dict[str, int] = {}
    for column in (Contact.first_name, Contact.last_name):
        rows = db.session.execute(select(column, func.count()).where(Contact.deleted_at.is_(None), column != "")
                                  .group_by(column)).all()
        for name, n in rows:
            words = fold(name).split()
            if len(words) == 1 and len(words[0]) >= 3:
                counts[words[0]] = counts.get(words[0], 0) + n
    return counts


def _matches(term: str) -> int:
    from app.extensions import db
    from modules.contacts.lists.search import matching_ids

    ids = matching_ids(term).subquery()
    return db.session.scalar(select(func.count()).select_from(ids)) or 0


def search_terms(Contact) -> dict:
    """The rare and the common search word, judged by the search's own match
    count (a prefix search for "ann" also finds "anna")."""
    by_count = sorted(_name_counts(Contact).items(), key=lambda item: (item[1], item[0]))
    rare = [(term, _matches(term)) for term, _ in by_count[:CANDIDATES]]
    common = [(term, _matches(term)) for term, _ in by_count[-CANDIDATES:]]
    rare_term, rare_n = min((c for c in rare if c[1] > 0), key=lambda c: (c[1], c[0]))
    common_term, common_n = max(common, key=lambda c: (c[1], c[0]))
    return {"rare": {"term": rare_term, "matches": rare_n}, "common": {"term": common_term, "matches": common_n}}


def deep_cursor(Contact, total: int) -> dict:
    """The list URL after the row 90% through the default sort (name, id),
    in the cursor format of modules/contacts/lists/queries.py: after=ID:SORT_NAME."""
    from app.extensions import db

    position = int(total * 0.9)
    row = db.session.execute(select(Contact.id, Contact.sort_name).where(Contact.deleted_at.is_(None))
                             .order_by(Contact.sort_name, Contact.id).offset(position).limit(1)).one()
    return {"path": "/contacts/?" + urlencode({"after": f"{row.id}:{row.sort_name}"}), "position": position}


def spread_ids(Contact) -> list[int]:
    from app.extensions import db

    ids = db.session.scalars(select(Contact.id).where(Contact.deleted_at.is_(None)).order_by(Contact.id)).all()
    step = max(1, len(ids) // SAMPLE_IDS)
    return list(ids[::step][:SAMPLE_IDS])


def busy_timeline(Activity, ids: list[int]) -> int:
    """Of the sampled contacts, the one with the most timeline entries."""
    from app.extensions import db

    row = db.session.execute(select(Activity.contact_id, func.count()).where(Activity.contact_id.in_(ids))
                             .group_by(Activity.contact_id).order_by(func.count().desc(), Activity.contact_id)
                             .limit(1)).first()
    return row[0] if row else ids[0]


def import_matches(Contact, wanted: int, total: int) -> list[list[str]]:
    """Up to `wanted` existing people's (email, first, last), spread over the
    table (every n-th id, so a million contacts are not all read)."""
    from app.extensions import db

    step = max(1, total // max(1, wanted * 2))
    rows = db.session.execute(select(Contact.email, Contact.first_name, Contact.last_name)
                              .where(Contact.deleted_at.is_(None), Contact.kind == "person",
                                     Contact.email.is_not(None), Contact.id % step == 0)
                              .order_by(Contact.id)).all()
    seen, unique = set(), []
    for email, first, last in rows:
        if email.lower() not in seen:
            seen.add(email.lower())
            unique.append([email, first, last])
    n = min(wanted, len(unique))
    return [unique[i * len(unique) // n] for i in range(n)]


def api_token() -> str | None:
    """A token of the bench's administrator for the API scenarios (None without one)."""
    from app.api import tokens
    from app.extensions import db
    from app.models import User
    from bench.database import ADMIN_EMAIL

    user = db.session.scalar(select(User).where(User.email == ADMIN_EMAIL))
    if user is None:
        return None
    _, secret = tokens.create(user, "bench", None, 2)
    db.session.commit()
    return secret


def gift_count(state) -> int | None:
    """How many gifts the data holds (issue 13's targets are at 5,000,000), None without pipeline."""
    from app.extensions import db

    if "pipeline" not in {m.name for m in state.enabled}:
        return None
    from modules.pipeline.models import Gift

    return db.session.scalar(select(func.count()).select_from(Gift))


def main(out: str, wanted_matches: int) -> None:
    from app.extensions import db
    from bench.helpdesk_pages import discover as helpdesk_pages
    from bench.marketing_pages import discover as marketing_pages
    from bench.pipeline_pages import discover as pipeline_pages
    from bench.report_pages import discover as report_pages
    from bench.widget_pages import discover as widget_pages
    from modules.contacts.models import Activity, Contact

    with app.app_context():
        total = db.session.scalar(select(func.count()).select_from(Contact).where(Contact.deleted_at.is_(None)))
        ids = spread_ids(Contact)
        state = app.extensions["steward"]
        found = {
            "contacts": total,
            "dialect": db.engine.dialect.name,
            "modules": [m.name for m in state.enabled[1:]],
            "deep": deep_cursor(Contact, total),
            "search": search_terms(Contact),
            "contact_ids": ids,
            "timeline_id": busy_timeline(Activity, ids),
            "import_matches": import_matches(Contact, wanted_matches, total),
            "pipeline": pipeline_pages(app) if "pipeline" in {m.name for m in state.enabled} else None,
            "api_token": api_token(),
            "reports": report_pages(app),
            "marketing": marketing_pages(app),
            "helpdesk": helpdesk_pages(app),
            "gifts": gift_count(state),
            "widgets": widget_pages(app),
        }
    with open(out, "w", encoding="utf-8") as f:
        json.dump(found, f, indent=1)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
