"""Knowledge-base articles: /kb/articles. Read with helpdesk.view as the
staff knowledge base is; internal articles only with kb.view_internal
(others get a 404, as on the pages). Written with kb.edit, checked by the
article form and saved by kb/articles.save, which keeps every version.
Publishing stays on the pages (kb.publish): readers see the published
version until someone publishes the new one."""

from __future__ import annotations

import marshmallow as ma
from flask import url_for
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import fields as f
from marshmallow import validate as v
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.api import lists, problems, writes
from app.api.lists import ListArgs
from app.extensions import db
from app.permissions import can, permission_required
from modules.contacts.api.schemas import ID
from modules.helpdesk.kb import articles
from modules.helpdesk.kb.models import INTERNAL, PUBLIC, VISIBILITIES, Article

INTERNAL_VIEW = "kb.view_internal"
blp = Blueprint("api_helpdesk_kb", __name__, description="Knowledge-base articles")


class ArticleSchema(ma.Schema):
    class Meta:
        name = "Article"

    id = f.Integer(dump_only=True)
    title = f.String(validate=v.Length(max=200), metadata={"description": "The draft's title (required)."})
    slug = f.String(validate=v.Length(max=120), metadata={"description": "The end of its web address."})
    summary = f.String(validate=v.Length(max=300))
    body = f.String(validate=v.Length(max=200_000), metadata={"description": "The draft, in Markdown."})
    category_id = f.Integer(allow_none=True, strict=True, validate=ID)
    visibility = f.String(validate=v.OneOf(list(VISIBILITIES)),
                          metadata={"description": "public: on the help site; internal: staff only."})
    version_number = f.Integer(dump_only=True)
    published = f.Boolean(dump_only=True)
    published_number = f.Integer(dump_only=True, allow_none=True)
    published_title = f.String(dump_only=True)
    published_html = f.String(dump_only=True, metadata={"description": "What readers see, sanitised."})
    published_at = f.AwareDateTime(dump_only=True, allow_none=True)
    updated_at = f.AwareDateTime(dump_only=True)


class ArticleQuery(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    published = f.Boolean(load_default=None, metadata={"description": "true: published articles only."})
    visibility = f.String(load_default=None, validate=v.OneOf(list(VISIBILITIES)))
    category_id = f.Integer(load_default=None, validate=ID)


ArticlePage = lists.page_schema(ArticleSchema, "ArticlePage")
ALLOWED = set(ArticleSchema().fields)
FIELDS = ("title", "slug", "summary", "body", "category_id", "visibility")


def show(article: Article) -> dict:
    return {"id": article.id, "title": article.title, "slug": article.slug, "summary": article.summary or "",
            "body": article.body or "", "category_id": article.category_id, "visibility": article.visibility,
            "version_number": article.version_number, "published": article.is_published,
            "published_number": article.published_number, "published_title": article.pub_title or "",
            "published_html": article.pub_html or "", "published_at": article.published_at,
            "updated_at": article.updated_at}


def load(article_id: int) -> Article:
    article = db.session.get(Article, article_id)
    if article is None or (article.visibility == INTERNAL and not can(INTERNAL_VIEW)):
        problems.abort_with(404, "Not found", f"There is no article {article_id}.")
    return article


def _checked(data: dict, article: Article | None) -> dict:
    """The values to save, checked by the article page's form."""
    from modules.helpdesk.kb.views import article_form

    posted = MultiDict({"title": data.get("title") or "", "slug": data.get("slug") or "",
                        "summary": data.get("summary") or "", "body": data.get("body") or "",
                        "category_id": str(data.get("category_id") or ""),
                        "visibility": data.get("visibility") or INTERNAL})
    for related in articles.related_ids(article.id) if article else []:
        posted.add("related", str(related))
    form = article_form(article, posted, meta={"csrf": False})
    if not form.validate():
        problems.invalid({name: list(messages) for name, messages in form.errors.items()})
    return {"title": form.title.data.strip(), "summary": (form.summary.data or "").strip(),
            "body": form.body.data or "", "category_id": form.category_id.data,
            "visibility": form.visibility.data, "slug": (form.slug.data or "").strip()}


@blp.route("/kb/articles")
@permission_required("helpdesk.view")
@blp.arguments(ListArgs, location="query", as_kwargs=False)
@blp.arguments(ArticleQuery, location="query", as_kwargs=False)
@blp.response(200, ArticlePage)
def index(paging, query):
    """Articles, oldest first; internal ones only for kb.view_internal."""
    stmt = select(Article)
    if not can(INTERNAL_VIEW):
        stmt = stmt.where(Article.visibility == PUBLIC)
    return _page(stmt, paging, query)


@blp.route("/kb/internal-articles")
@permission_required(INTERNAL_VIEW)
@blp.arguments(ListArgs, location="query", as_kwargs=False)
@blp.arguments(ArticleQuery, location="query", as_kwargs=False)
@blp.response(200, ArticlePage)
def internal(paging, query):
    """The internal (staff-only) articles alone. Its own route so that a
    token can be given kb.view_internal: a token's scopes are the
    permissions API routes declare."""
    return _page(select(Article).where(Article.visibility == INTERNAL), paging, query)


def _page(stmt, paging, query):
    if query["visibility"]:
        stmt = stmt.where(Article.visibility == query["visibility"])
    if query["published"] is not None:
        stmt = stmt.where(Article.published_number.is_not(None) if query["published"]
                          else Article.published_number.is_(None))
    if query["category_id"] is not None:
        stmt = stmt.where(Article.category_id == query["category_id"])
    rows, cursor = lists.by_id(stmt, Article.id, paging["after"], paging["limit"])
    return lists.envelope([show(a) for a in rows], cursor, paging["fields"], ALLOWED)


@blp.route("/kb/articles", methods=["POST"])
@permission_required("kb.edit")
@writes.write
@blp.doc(parameters=[writes.IDEMPOTENCY_KEY])
@blp.arguments(ArticleSchema, as_kwargs=False)
@blp.response(201, ArticleSchema)
def create(body):
    """A new draft (version 1), not yet published."""
    article, _ = articles.save(None, _checked(body, None), current_user._get_current_object())
    data = show(article)
    return data, 201, {"Location": url_for("api_helpdesk_kb.read", article_id=article.id),
                       "ETag": writes.etag_of(data)}


@blp.route("/kb/articles/<id:article_id>")
@permission_required("helpdesk.view")
@blp.response(200, ArticleSchema)
def read(article_id: int):
    data = show(load(article_id))
    return data, 200, {"ETag": writes.etag_of(data)}


@blp.route("/kb/articles/<id:article_id>", methods=["PATCH"])
@permission_required("kb.edit")
@writes.write
@blp.doc(parameters=[writes.IF_MATCH])
@blp.arguments(ArticleSchema(partial=True), as_kwargs=False)
@blp.response(200, ArticleSchema)
def update(body, article_id: int):
    """Change the draft; a new title, summary or text is a new version."""
    article = load(article_id)
    writes.check_if_match(article, show)
    articles.save(article, _checked({**show(article), **body}, article), current_user._get_current_object())
    data = show(article)
    return data, 200, {"ETag": writes.etag_of(data)}


@blp.route("/kb/articles/<id:article_id>", methods=["DELETE"])
@permission_required("kb.edit")
@writes.write
@blp.doc(parameters=[writes.IF_MATCH])
@blp.response(204)
def delete(article_id: int):
    """Delete the article and its versions (it leaves the help site too), as
    the page's Delete does; to keep it, withdraw it on the page instead."""
    article = load(article_id)
    writes.check_if_match(article, show)
    articles.remove(article, current_user._get_current_object())
    return "", 204
