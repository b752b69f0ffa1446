"""Demo data of the help centre for `flask seed`, called at the end of the
helpdesk's seed (modules/helpdesk/seed.py): knowledge-base categories and
published articles (a tenth internal), scaled to the contacts asked for
(`n // 500`, between 30 and 1,000), and satisfaction ratings on about half
of the solved tickets, so the statistics page has something to show.

Articles go in through the ORM in chunks (a thousand at most: seconds) and
into both search indexes; ratings through `app.bulk_insert`."""

from __future__ import annotations

import random
import secrets

from sqlalchemy import select

from app.bulk_insert import insert_rows
from app.extensions import db
from app.models.base import utcnow
from modules.helpdesk.kb import render, search
from modules.helpdesk.kb.models import INTERNAL, PUBLIC, Article, ArticleVersion, Category
from modules.helpdesk.models import CLOSED, SOLVED, Ticket
from modules.helpdesk.surveys.models import Satisfaction

CATEGORIES = {
    "Giving and receipts": ("receipt", "donation", "gift", "Gift Aid", "tax statement", "refund"),
    "Regular giving": ("direct debit", "monthly gift", "standing order", "bank details", "payment date"),
    "Events and volunteering": ("event ticket", "volunteer shift", "fundraising pack", "sponsorship form"),
    "Your account and data": ("address", "email preferences", "newsletter", "personal data", "password"),
    "School office": ("term dates", "absence", "school trip", "uniform", "lunch money"),
    "About us": ("opening hours", "annual report", "contact details", "complaints"),
}
QUESTIONS = ("How do I change my {t}?", "Where is my {t}?", "Can I get a copy of my {t}?",
             "What happens to my {t}?", "Updating your {t}", "Problems with a {t}", "Cancelling a {t}",
             "Everything about the {t}")
STEPS = ("Sign in to the help centre and open *My requests*.", "Write to us with your supporter number.",
         "We answer within two working days.", "Keep the reference number in the subject of your email.",
         "Your bank may take up to ten days to show the change.", "We post a paper copy if you ask for one.")
CHUNK = 200


def _body(rng: random.Random, topic: str) -> str:
    steps = rng.sample(STEPS, 3)
    return (f"## About your {topic}\n\nThis article explains what to do about your **{topic}**.\n\n"
            + "\n".join(f"{i}. {s}" for i, s in enumerate(steps, 1))
            + f"\n\nStill stuck? [Ask us](/help/new) and mention your {topic}.\n")


def articles(n: int, rng: random.Random, progress) -> int:
    if db.session.scalar(select(Article.id).limit(1)) is not None:
        return 0
    cats = []
    for position, name in enumerate(CATEGORIES):
        cat = Category(name=name, slug=render.slugify(name), description=f"Answers about {name.lower()}.",
                       position=position)
        db.session.add(cat)
        cats.append(cat)
    db.session.flush()
    total = max(30, min(1000, n // 500))
    now, made, slugs = utcnow(), 0, set()
    while made < total:
        rows = []
        for _ in range(min(CHUNK, total - made)):
            cat = cats[made % len(cats)]
            topic = rng.choice(CATEGORIES[cat.name])
            title = rng.choice(QUESTIONS).format(t=topic)
            slug = base = render.slugify(title)
            k = 1
            while slug in slugs:
                k += 1
                slug = f"{base}-{k}"
            slugs.add(slug)
            body = _body(rng, topic)
            summary = f"What to do about your {topic}, step by step."
            rows.append(Article(slug=slug, category_id=cat.id, visibility=INTERNAL if rng.random() < 0.1 else PUBLIC,
                                title=title, summary=summary, body=body, version_number=1, published_number=1,
                                pub_title=title, pub_summary=summary, pub_html=render.to_html(body),
                                published_at=now, created_at=now, updated_at=now))
            made += 1
        db.session.add_all(rows)
        db.session.flush()
        db.session.add_all([ArticleVersion(article_id=a.id, number=1, title=a.title, summary=a.summary, body=a.body,
                                           author_name="Demo data", created_at=now) for a in rows])
        for a in rows:
            search.reindex(a)
        db.session.commit()
        progress(made, total, "knowledge-base articles")
    return made


def ratings(rng: random.Random, progress) -> int:
    """Ratings on about half of the solved and closed tickets (none when there are some already)."""
    if db.session.scalar(select(Satisfaction.id).limit(1)) is not None:
        return 0
    rows = db.session.execute(select(Ticket.id, Ticket.assignee_id, Ticket.team_id, Ticket.solved_at).where(
        Ticket.status.in_((SOLVED, CLOSED)))).all()
    out = []
    for ticket_id, agent_id, team_id, solved_at in rows:
        if rng.random() < 0.5:
            continue
        answered = rng.random() < 0.7
        rating = ("good" if rng.random() < 0.8 else "bad") if answered else None
        sent = solved_at or utcnow()
        out.append((ticket_id, secrets.token_urlsafe(24), agent_id, team_id, sent, rating,
                    rng.choice(("", "", "Thank you!", "Quick and kind.", "Took a while.")) if answered else "",
                    sent if answered else None))
    insert_rows(Satisfaction.__table__, ("ticket_id", "key", "agent_id", "team_id", "sent_at", "rating", "comment",
                                         "rated_at"), out)
    db.session.commit()
    progress(len(out), len(out), "satisfaction ratings")
    return len(out)


def seed(n: int, rng: random.Random, progress) -> None:
    articles(n, rng, progress)
    ratings(rng, progress)
