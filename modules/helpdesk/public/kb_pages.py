"""The public knowledge base: the home page with categories and search,
category pages, articles, "was this helpful?". Only published public
articles are ever shown here; an internal or unpublished one is a 404."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from sqlalchemy import func, select

from app.extensions import db
from app.htmx import is_htmx
from app.links import external_url
from app.permissions import public
from modules.helpdesk.kb import articles, feedback, search
from modules.helpdesk.kb.models import PUBLIC, Article, Category
from modules.helpdesk.public import bp
from modules.helpdesk.public.render import not_found, page

LATEST = 8
PER_CATEGORY = 100


def _public_articles():
    return select(Article).where(Article.visibility == PUBLIC, Article.published_number.is_not(None))


@bp.get("/")
@public
def home():
    counts = dict(db.session.execute(_public_articles().with_only_columns(Article.category_id, func.count())
                                     .group_by(Article.category_id)).all())
    cats = [c for c in articles.categories() if counts.get(c.id)]
    latest = db.session.scalars(_public_articles().order_by(Article.published_at.desc()).limit(LATEST)).all()
    return page("helpdesk/help/home.html", categories=cats, counts=counts, latest=latest)


@bp.get("/search")
@public
def search_page():
    query = request.args.get("q", "").strip()[:200]
    found = search.public(query) if query else []
    template = "helpdesk/help/_search_results.html" if is_htmx() else "helpdesk/help/search.html"
    return page(template, query=query, found=found)


@bp.get("/categories/<slug>")
@public
def category(slug: str):
    cat = db.session.scalar(select(Category).where(Category.slug == slug))
    if cat is None:
        return not_found("There is no such category.")
    rows = db.session.scalars(_public_articles().where(Article.category_id == cat.id)
                              .order_by(Article.pub_title).limit(PER_CATEGORY)).all()
    if not rows:
        return not_found("There is no such category.")
    return page("helpdesk/help/category.html", category=cat, articles=rows)


def _public_article(slug: str) -> Article | None:
    return db.session.scalar(_public_articles().where(Article.slug == slug))


@bp.get("/articles/<slug>")
@public
def article(slug: str):
    found = _public_article(slug)
    if found is None:
        return not_found("There is no such article, or it is not published.")
    form_key = request.args.get("from", "")
    if feedback.valid_key(form_key):
        feedback.opened(form_key, found.id)
        db.session.commit()
    else:
        form_key = ""
    return page("helpdesk/help/article.html", article=found, related=articles.related(found, public_only=True),
                form_key=form_key, voted=request.args.get("voted"),
                canonical=external_url("help.article", slug=found.slug))  # BASE_URL, never the Host header


@bp.post("/articles/<slug>/helpful")
@public
def helpful(slug: str):
    found = _public_article(slug)
    if found is None:
        return not_found("There is no such article, or it is not published.")
    answer = request.form.get("helpful")
    if answer in ("yes", "no"):
        counted = feedback.vote(found.id, answer == "yes", request.remote_addr or "")
        db.session.commit()
        if is_htmx():
            return page("helpdesk/help/_thanks_vote.html", counted=counted)
        flash("Thank you for telling us." if counted else "Thank you: we already have your answer.", "success")
    return redirect(url_for("help.article", slug=slug, voted="1") + "#helpful", 303)


@bp.post("/articles/<slug>/answered")
@public
def answered(slug: str):
    """"This answered my question": the request is not needed (a deflection)."""
    found = _public_article(slug)
    if found is None:
        return not_found("There is no such article, or it is not published.")
    feedback.answered(request.form.get("form_key", ""), found.id)
    db.session.commit()
    return page("helpdesk/help/answered.html", article=found)
