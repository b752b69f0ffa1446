"""`flask seed` fills the help centre: categories, published articles in
both search indexes (internal ones never public), and ratings on about half
of the solved tickets; the same seed gives the same articles."""

from __future__ import annotations

import random

from sqlalchemy import select

from app.extensions import db
from modules.helpdesk import services
from modules.helpdesk.kb import search
from modules.helpdesk.kb import seed as kb_seed
from modules.helpdesk.kb.models import INTERNAL, Article, ArticleVersion, Category
from modules.helpdesk.models import IN, SOLVED
from modules.helpdesk.surveys.models import Satisfaction
from tests.modules.helpdesk.kb_helpers import count


def _solved_tickets(k: int) -> None:
    from modules.helpdesk import requesters

    person = requesters.find_or_create("dora@example.net", "Dora Donor")
    for i in range(k):
        ticket = services.open_ticket(subject=f"Question {i}", requester=person, email="dora@example.net", team=None)
        services.add_message(ticket, IN, text="Hello")
        ticket.status = SOLVED
    db.session.commit()


def test_seed_adds_published_articles_searchable_and_ratings(ctx, admin):
    _solved_tickets(40)
    kb_seed.seed(1000, random.Random(7), lambda *a: None)
    assert count(Category) == 6
    assert count(Article) == 30 == count(ArticleVersion)
    public_ids = set(db.session.scalars(select(Article.id).where(Article.visibility != INTERNAL)))
    assert {a.id for a in search.public("about your", limit=100)} == public_ids  # every public one, no other
    assert len(search.staff("about your", limit=100)) == 30
    assert 5 <= count(Satisfaction) <= 35
    assert db.session.scalar(select(Satisfaction.rating).where(Satisfaction.rating.is_not(None)).limit(1))
    kb_seed.seed(1000, random.Random(7), lambda *a: None)  # a second run adds no articles
    assert count(Article) == 30
