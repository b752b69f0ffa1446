"""Knowledge-base search, through the core's full-text service
(app/fulltext.py: FTS5 on SQLite, tsvector on PostgreSQL) with contacts'
folding, so "Réçu" finds "recu" on both databases.

Two indexes, so the public site can never find an internal article:
`helpdesk_kb_fts` holds published public articles only (what /help/ and the
new-ticket suggestions search); `helpdesk_kb_staff_fts` holds every article,
its published text and its draft (what agents search). `reindex(article)`
keeps both in step and is called whenever an article is saved, published,
withdrawn or deleted."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.fulltext import Index
from modules.contacts.lists.search import fold
from modules.helpdesk.kb.models import PUBLIC, Article
from modules.helpdesk.kb.render import plain

PUBLIC_INDEX = Index("helpdesk_kb_fts")
STAFF_INDEX = Index("helpdesk_kb_staff_fts")
MAX_TERMS = 8
# Words too common to suggest anything: a customer's sentence is searched
# for any of its words, so these would match every article.
STOP = frozenset("""a an and are as at be but by can do does for from get got had has have how i if in into is it
    its me my no not of on or our please so that the their them then there this to us was we what when where which
    who why will with you your hi hello thanks thank help""".split())


def _published_words(article: Article) -> str:
    import re
    from html import unescape

    text = re.sub(r"<[^>]+>", " ", article.pub_html or "")
    return fold(" ".join([article.pub_title, article.pub_summary, unescape(text)]))


def reindex(article: Article) -> None:
    if article.is_published and article.visibility == PUBLIC:
        PUBLIC_INDEX.put([(article.id, _published_words(article))])
    else:
        PUBLIC_INDEX.remove([article.id])
    draft = fold(" ".join([article.title, article.summary, plain(article.body)]))
    STAFF_INDEX.put([(article.id, draft + " " + (_published_words(article) if article.is_published else ""))])


def unindex(article_id: int) -> None:
    PUBLIC_INDEX.remove([article_id])
    STAFF_INDEX.remove([article_id])


def terms(query: str, *, drop_common: bool = False) -> list[str]:
    words = fold(query or "").split()
    if drop_common:
        words = [w for w in words if w not in STOP and len(w) > 1]
    return list(dict.fromkeys(words))[:MAX_TERMS]


def _articles(ids: list[int]) -> list[Article]:
    if not ids:
        return []
    found = {a.id: a for a in db.session.scalars(select(Article).where(Article.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def public(query: str, limit: int = 20) -> list[Article]:
    """Published public articles with every word of `query`, best first."""
    found = _articles(PUBLIC_INDEX.search(terms(query), limit))
    return [a for a in found if a.visibility == PUBLIC and a.is_published]  # the index says so; belt and braces


def suggest(subject: str, description: str = "", limit: int = 5) -> list[Article]:
    """Articles for what a customer is writing: any of its uncommon words,
    the subject's first, best first."""
    words = terms(f"{subject} {description}", drop_common=True)
    if not words:
        return []
    found = _articles(PUBLIC_INDEX.search(words, limit, every=False))
    return [a for a in found if a.visibility == PUBLIC and a.is_published]


def staff(query: str, limit: int = 20) -> list[Article]:
    """Every article (internal and drafts too) with every word of `query`."""
    return _articles(STAFF_INDEX.search(terms(query), limit))
