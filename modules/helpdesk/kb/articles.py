"""What the knowledge-base pages share: saving an article's draft (a new
version when it changed), publishing a version, withdrawing it, related
articles. Every change is audited and keeps the search indexes in step."""

from __future__ import annotations

from sqlalchemy import delete, or_, select

from app import audit
from app.extensions import db
from app.models.base import utcnow
from modules.helpdesk.kb import render, search
from modules.helpdesk.kb.models import PUBLIC, Article, ArticleVersion, Category, RelatedArticle

MAX_RELATED = 10


def unique_slug(model, text: str, own_id: int | None = None) -> str:
    base = render.slugify(text)
    slug, n = base, 1
    while True:
        taken = db.session.scalar(select(model.id).where(model.slug == slug))
        if taken is None or taken == own_id:
            return slug
        n += 1
        slug = f"{base[:render.SLUG_MAX - 4]}-{n}"


def save(article: Article | None, values: dict, user) -> tuple[Article, bool]:
    """Save the draft; a change of title, summary or body adds a version.
    Returns the article and whether a version was added."""
    created = article is None
    if created:
        article = Article(slug=unique_slug(Article, values.get("slug") or values["title"]), version_number=0)
        db.session.add(article)
    before = {k: getattr(article, k) for k in ("title", "summary", "body", "category_id", "visibility", "slug")}
    slug = values.pop("slug", None)
    for key, value in values.items():
        setattr(article, key, value)
    if slug and not created and slug != article.slug:
        article.slug = unique_slug(Article, slug, article.id)
    db.session.flush()
    content_changed = created or any(before[k] != getattr(article, k) for k in ("title", "summary", "body"))
    if content_changed:
        article.version_number += 1
        db.session.add(ArticleVersion(article_id=article.id, number=article.version_number, title=article.title,
                                      summary=article.summary, body=article.body, author_id=user.id,
                                      author_name=user.name))
    article.updated_at = utcnow()
    if created:
        audit.record(audit.CREATE, article, user=user, summary=f"Wrote the article “{article.title}”")
    else:
        changes = {k: (v, getattr(article, k)) for k, v in before.items() if v != getattr(article, k)}
        if changes:
            audit.record(audit.UPDATE, article, user=user, changes=changes,
                         summary=f"Changed the article “{article.title}”")
    search.reindex(article)
    return article, content_changed


def publish(article: Article, number: int, user) -> ArticleVersion:
    """Make version `number` what readers see."""
    version = db.session.scalar(select(ArticleVersion).where(ArticleVersion.article_id == article.id,
                                                             ArticleVersion.number == number))
    if version is None:
        raise LookupError(number)
    before = article.published_number
    article.published_number = version.number
    article.pub_title, article.pub_summary = version.title, version.summary
    article.pub_html = render.to_html(version.body)
    article.published_at = utcnow()
    audit.record(audit.UPDATE, article, user=user, changes={"published_number": (before, version.number)},
                 summary=f"Published version {version.number} of “{version.title}”")
    search.reindex(article)
    return version


def withdraw(article: Article, user) -> None:
    before = article.published_number
    article.published_number = None
    article.pub_title = article.pub_summary = article.pub_html = ""
    article.published_at = None
    audit.record(audit.UPDATE, article, user=user, changes={"published_number": (before, None)},
                 summary=f"Withdrew the article “{article.title}” from readers")
    search.reindex(article)


def remove(article: Article, user) -> None:
    audit.record(audit.DELETE, article, user=user, changes={"title": (article.title, None)},
                 summary=f"Deleted the article “{article.title}”")
    search.unindex(article.id)
    db.session.delete(article)


def related_ids(article_id: int) -> list[int]:
    rows = db.session.execute(select(RelatedArticle.article_id, RelatedArticle.related_id).where(
        or_(RelatedArticle.article_id == article_id, RelatedArticle.related_id == article_id))).all()
    return sorted({b if a == article_id else a for a, b in rows})


def set_related(article: Article, ids: list[int]) -> None:
    ids = [i for i in dict.fromkeys(ids) if i != article.id][:MAX_RELATED]
    db.session.execute(delete(RelatedArticle).where(or_(RelatedArticle.article_id == article.id,
                                                        RelatedArticle.related_id == article.id)))
    for other in ids:
        low, high = sorted((article.id, other))
        db.session.add(RelatedArticle(article_id=low, related_id=high))


def related(article: Article, *, public_only: bool) -> list[Article]:
    ids = related_ids(article.id)
    if not ids:
        return []
    query = select(Article).where(Article.id.in_(ids))
    if public_only:
        query = query.where(Article.visibility == PUBLIC, Article.published_number.is_not(None))
    return list(db.session.scalars(query.order_by(Article.title)))


def versions(article: Article) -> list[ArticleVersion]:
    return list(db.session.scalars(select(ArticleVersion).where(ArticleVersion.article_id == article.id)
                                   .order_by(ArticleVersion.number.desc())))


def categories() -> list[Category]:
    return list(db.session.scalars(select(Category).order_by(Category.position, Category.name)))
