"""Staff knowledge-base pages under /helpdesk/kb/: articles and their
drafts, versions and diffs, publishing, categories. Reading internal
articles needs kb.view_internal; writing kb.edit; publishing kb.publish."""

from __future__ import annotations

from flask import abort, flash, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app import audit, edits, links
from app.extensions import db
from app.forms import choices
from app.htmx import confirm_page, page_or_fragment, redirect_after_post
from app.ids import as_id
from app.permissions import can, permission_required
from modules.helpdesk.forms import ReplyForm
from modules.helpdesk.kb import articles, diff, feedback, search
from modules.helpdesk.kb.forms import ArticleForm, CategoryForm
from modules.helpdesk.kb.models import INTERNAL, PUBLIC, VISIBILITIES, Article, ArticleVersion, Category
from modules.helpdesk.models import Ticket
from modules.helpdesk.views import bp

VIEW, EDIT, PUBLISH = "helpdesk.view", "kb.edit", "kb.publish"
LIST_LIMIT = 200
RELATED_CHOICES = 500


def readable(article: Article) -> Article:
    if article.visibility == INTERNAL and not can("kb.view_internal"):
        abort(404)
    return article


def _article(article_id: int) -> Article:
    return readable(db.get_or_404(Article, article_id))


@bp.get("/kb/")
@permission_required(VIEW)
def kb():
    query = request.args.get("q", "").strip()[:200]
    category_id = request.args.get("category", type=as_id)
    if query:
        rows = search.staff(query, LIST_LIMIT)
    else:
        stmt = select(Article).order_by(Article.updated_at.desc(), Article.id.desc()).limit(LIST_LIMIT)
        if category_id:
            stmt = stmt.where(Article.category_id == category_id)
        rows = list(db.session.scalars(stmt))
    if not can("kb.view_internal"):
        rows = [a for a in rows if a.visibility == PUBLIC]
    votes = feedback.counts([a.id for a in rows])
    return page_or_fragment("helpdesk/kb/index.html", "helpdesk/kb/_rows.html", articles=rows, query=query,
                            categories=articles.categories(), category_id=category_id, votes=votes,
                            visibilities=VISIBILITIES, limit=LIST_LIMIT)


def article_form(article: Article | None, formdata=..., meta=None) -> ArticleForm:
    """`meta={"csrf": False}`: checked for the API, which has no CSRF token."""
    related = articles.related_ids(article.id) if article else []
    kwargs = {} if formdata is ... else {"formdata": formdata}
    if meta:
        kwargs["meta"] = meta
    form = ArticleForm(obj=article, related=related, **kwargs)
    form.category_id.choices = choices([(None, "No category")] + [(c.id, c.name) for c in articles.categories()])
    others = select(Article.id, Article.title).order_by(Article.title).limit(RELATED_CHOICES)
    if article is not None:
        others = others.where(Article.id != article.id)
    form.related.choices = choices(list(db.session.execute(others).all()))
    return form


def _edit(article: Article | None):
    form = article_form(article, None if request.method == "GET" else ...)
    status = 200
    if request.method == "GET":
        if article is not None:
            form.slug.data = article.slug
            edits.stamp(form)
    elif form.validate_on_submit():
        if article is not None and not edits.settle(form, article, lambda f=None: article_form(article, f)):
            status = 409
        else:
            values = {"title": form.title.data.strip(), "summary": (form.summary.data or "").strip(),
                      "body": form.body.data or "", "category_id": form.category_id.data,
                      "visibility": form.visibility.data, "slug": (form.slug.data or "").strip()}
            user = current_user._get_current_object()
            article, added = articles.save(article, values, user)
            articles.set_related(article, form.related.data or [])
            db.session.commit()
            said = f"Saved version {article.version_number} of “{article.title}”." if added else "Saved."
            if article.is_published and article.has_unpublished_changes:
                said += " Readers still see the published version until you publish this one."
            flash(edits.saved_message(said, form), "success")
            return redirect_after_post(url_for("helpdesk.kb_article", article_id=article.id))
    if form.errors:
        status = 422
    return render_template("helpdesk/kb/form.html", form=form, article=article), status


@bp.route("/kb/new", methods=["GET", "POST"])
@permission_required(EDIT)
def kb_new():
    return _edit(None)


@bp.route("/kb/<int:article_id>/edit", methods=["GET", "POST"])
@permission_required(EDIT)
def kb_edit(article_id: int):
    return _edit(_article(article_id))


@bp.get("/kb/<int:article_id>")
@permission_required(VIEW)
def kb_article(article_id: int):
    article = _article(article_id)
    yes, no = feedback.counts([article.id])[article.id]
    from modules.helpdesk.kb.render import to_html

    return render_template("helpdesk/kb/article.html", article=article, draft_html=to_html(article.body),
                           versions=articles.versions(article), related=articles.related(article, public_only=False),
                           helpful=yes, unhelpful=no, visibilities=VISIBILITIES)


@bp.get("/kb/<int:article_id>/versions/<int:number>")
@permission_required(VIEW)
def kb_version(article_id: int, number: int):
    article = _article(article_id)
    versions = {v.number: v for v in articles.versions(article)}
    version = versions.get(number) or abort(404)
    against = request.args.get("against", type=as_id)
    if against is None:
        against = max((n for n in versions if n < number), default=None)
    old = versions.get(against) if against is not None else None
    return render_template("helpdesk/kb/version.html", article=article, version=version, old=old,
                           lines=diff.lines(old.body if old else "", version.body),
                           fields=diff.fields(old, version), numbers=sorted(versions, reverse=True))


@bp.post("/kb/<int:article_id>/publish")
@permission_required(PUBLISH)
def kb_publish(article_id: int):
    article = _article(article_id)
    number = request.form.get("number", type=as_id) or article.version_number
    try:
        version = articles.publish(article, number, current_user._get_current_object())
    except LookupError:
        abort(404)
    db.session.commit()
    where = " on the help site" if article.visibility == PUBLIC else " for staff (it is internal)"
    flash(f"Published version {version.number} of “{version.title}”{where}.", "success")
    return redirect_after_post(url_for("helpdesk.kb_article", article_id=article.id))


@bp.post("/kb/<int:article_id>/withdraw")
@permission_required(PUBLISH)
def kb_withdraw(article_id: int):
    article = _article(article_id)
    articles.withdraw(article, current_user._get_current_object())
    db.session.commit()
    flash(f"“{article.title}” is no longer published. Its versions are kept.", "success")
    return redirect_after_post(url_for("helpdesk.kb_article", article_id=article.id))


@bp.route("/kb/<int:article_id>/delete", methods=["GET", "POST"])
@permission_required(EDIT)
def kb_delete(article_id: int):
    """GET asks (the article's title, how many versions go with it); POST deletes."""
    article = _article(article_id)
    title = article.title
    if request.method == "POST":
        articles.remove(article, current_user._get_current_object())
        db.session.commit()
        flash(f"Deleted the article “{title}” and its versions.", "success")
        return redirect_after_post(url_for("helpdesk.kb"))
    where = " It disappears from the help site too." if article.is_published and article.visibility == PUBLIC else ""
    return confirm_page(f"Delete “{title}”?",
                        f"The article and its {article.version_number} version(s) will be deleted.{where} "
                        "To take it off the help site but keep it, withdraw it instead.",
                        "Delete the article", url_for("helpdesk.kb_article", article_id=article.id))


# Categories -----------------------------------------------------------------------------

@bp.get("/kb/categories")
@permission_required(EDIT)
def kb_categories():
    return render_template("helpdesk/kb/categories.html", categories=articles.categories())


def _category_edit(category: Category | None):
    def stored_form(formdata=None):
        """The form as stored (`formdata=...`: as posted)."""
        return CategoryForm(obj=category) if formdata is ... else CategoryForm(obj=category, formdata=formdata)

    form = stored_form(None if request.method == "GET" else ...)
    status = 200
    if request.method == "GET":
        if category is not None:
            edits.stamp(form)
    elif form.validate_on_submit():
        if category is not None and not edits.settle(form, category, stored_form):
            status = 409
        else:
            name = form.name.data.strip()
            taken = db.session.scalar(select(Category.id).where(Category.name == name))
            if taken and (category is None or taken != category.id):
                form.name.errors.append(f"There is already a category named “{name}”.")
            else:
                values = {"name": name, "description": (form.description.data or "").strip(),
                          "position": form.position.data or 0}
                if category is None:
                    category = Category(slug=articles.unique_slug(Category, name), **values)
                    db.session.add(category)
                    db.session.flush()
                    audit.record(audit.CREATE, category, summary=f"Added the KB category “{name}”")
                else:
                    changes = audit.diff(category, values)
                    if changes:
                        audit.record(audit.UPDATE, category, changes=changes,
                                     summary=f"Changed the KB category “{name}”")
                db.session.commit()
                flash(edits.saved_message(f"Saved the category “{name}”.", form), "success")
                return redirect_after_post(url_for("helpdesk.kb_categories"))
    if form.errors:
        status = 422
    return render_template("helpdesk/kb/category_form.html", form=form, category=category), status


@bp.route("/kb/categories/new", methods=["GET", "POST"])
@permission_required(EDIT)
def kb_category_new():
    return _category_edit(None)


@bp.route("/kb/categories/<int:category_id>", methods=["GET", "POST"])
@permission_required(EDIT)
def kb_category_edit(category_id: int):
    return _category_edit(db.get_or_404(Category, category_id))


# From the reply box ---------------------------------------------------------------------

@bp.get("/kb/lookup")
@permission_required("helpdesk.reply")
def kb_lookup():
    """Articles for an agent's reply. With HTMX: a list under the reply box,
    each with "Insert link" / "Insert text". Without: a page to copy from."""
    query = request.args.get("q", "").strip()[:200]
    ticket_id = request.args.get("ticket", type=as_id)
    found = [a for a in search.staff(query, 10) if a.visibility == PUBLIC or can("kb.view_internal")] if query else []
    return page_or_fragment("helpdesk/kb/lookup.html", "helpdesk/kb/_lookup_results.html", query=query,
                            found=found, ticket_id=ticket_id, public_url=public_url)


@bp.post("/kb/insert")
@permission_required("helpdesk.reply")
def kb_insert():
    """The reply box again, with an article's link or text added (HTMX)."""
    article = _article(request.form.get("article", type=as_id) or 0)
    body = request.form.get("body", "")
    if request.form.get("how") == "text":
        addition = article.body if not article.is_published else _published_markdown(article)
    elif public_url(article):
        addition = f"{article.pub_title}: {public_url(article)}"
    else:
        abort(404)  # internal or unpublished: no page to link to
    body = (body.rstrip() + "\n\n" if body.strip() else "") + addition.strip() + "\n"
    ticket = db.get_or_404(Ticket, request.form.get("ticket", type=as_id) or 0)
    return render_template("helpdesk/_reply_body.html", reply=ReplyForm(formdata=None, body=body), ticket=ticket)


def _published_markdown(article: Article) -> str:
    version = db.session.scalar(select(ArticleVersion).where(ArticleVersion.article_id == article.id,
                                                             ArticleVersion.number == article.published_number))
    return version.body if version else article.body


def public_url(article: Article) -> str:
    """The link an agent sends: the help site's page (from BASE_URL, app/links.py),
    or "" for an article readers cannot open."""
    if article.visibility == PUBLIC and article.is_published:
        return links.external_url("help.article", slug=article.slug)
    return ""
