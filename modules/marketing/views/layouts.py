"""Admin: campaign layouts, the frame around every campaign's body, edited
in the core template editor (format, merge-field picker, live preview) and
checked on save."""

from __future__ import annotations

from flask import flash, render_template, request, url_for
from markupsafe import Markup
from sqlalchemy import func, select, update

from app import audit, edits
from app.extensions import db
from app.htmx import is_htmx, redirect_after_post
from app.permissions import permission_required
from app.templating import editor
from modules.marketing import rendering, template_checks
from modules.marketing.campaign_forms import LayoutForm
from modules.marketing.campaign_models import Layout
from modules.marketing.views import bp

ADMIN = "marketing.admin"


def field_groups() -> list[editor.FieldGroup]:
    return editor.field_groups(rendering.LAYOUT_FIELDS)


def _page(form: LayoutForm, layout: Layout | None, status: int = 200, preview=None):
    return render_template("marketing/layout_form.html", form=form, layout=layout, field_groups=field_groups(),
                           preview=preview), status


@bp.get("/layouts")
@permission_required(ADMIN)
def layouts():
    rows = db.session.scalars(select(Layout).order_by(Layout.name)).all()
    return render_template("marketing/layouts.html", layouts=rows)


def _check(form: LayoutForm, layout: Layout | None) -> bool:
    ok = form.validate_on_submit()
    name = (form.name.data or "").strip()
    if name:
        taken = select(Layout.id).where(func.lower(Layout.name) == name.lower())
        if layout is not None:
            taken = taken.where(Layout.id != layout.id)
        if db.session.execute(taken.limit(1)).first():
            form.name.errors.append(f"Another layout is named “{name}”.")
            ok = False
    if form.body.data and form.format.data in ("markdown", "html"):
        found = template_checks.problems(form.body.data, form.format.data, layout=True)
        if found:
            form.body.errors.extend(found)
            ok = False
    return ok


def _make_default(layout: Layout) -> None:
    db.session.execute(update(Layout).where(Layout.id != layout.id).values(is_default=False))
    layout.is_default = True


@bp.route("/layouts/new", methods=["GET", "POST"])
@permission_required(ADMIN)
def layout_new():
    form = LayoutForm()
    if request.method == "GET":
        base = db.session.scalar(select(Layout).order_by(Layout.is_default.desc(), Layout.id).limit(1))
        if base is not None:  # start from the default rather than a blank page
            form.body.data, form.format.data = base.body, base.format
        return _page(form, None)
    if not _check(form, None):
        return _page(form, None, 422)
    layout = Layout(name=form.name.data.strip(), body=form.body.data, format=form.format.data)
    db.session.add(layout)
    db.session.flush()
    if form.is_default.data:
        _make_default(layout)
    audit.record(audit.CREATE, layout, summary=f"Added the campaign layout {layout.name}")
    db.session.commit()
    flash(f"The layout {layout.name} is saved.", "success")
    return redirect_after_post(url_for("marketing.layout_edit", layout_id=layout.id))


@bp.route("/layouts/<int:layout_id>", methods=["GET", "POST"])
@permission_required(ADMIN)
def layout_edit(layout_id: int):
    layout = db.get_or_404(Layout, layout_id)

    def stored_form(formdata=None):
        return LayoutForm(obj=layout) if formdata is ... else LayoutForm(obj=layout, formdata=formdata)

    form = stored_form(None if request.method == "GET" else ...)
    if request.method == "GET":
        edits.stamp(form)
        return _page(form, layout)
    if form.validate_on_submit() and not edits.settle(form, layout, stored_form):
        return _page(form, layout, 409)
    if not _check(form, layout):
        return _page(form, layout, 422)
    changes = audit.diff(layout, {"name": form.name.data.strip(), "format": form.format.data,
                                  "body": form.body.data})
    if form.is_default.data and not layout.is_default:
        _make_default(layout)
        changes["is_default"] = (False, True)
    if "body" in changes:
        changes["body"] = (f"{len(changes['body'][0])} characters", f"{len(changes['body'][1])} characters")
    if changes:
        audit.record(audit.UPDATE, layout, summary=f"Edited the campaign layout {layout.name}", changes=changes)
    db.session.commit()
    flash(edits.saved_message(f"The layout {layout.name} is saved." if changes else "Nothing changed.", form),
          "success")
    return redirect_after_post(url_for("marketing.layout_edit", layout_id=layout.id))


@bp.post("/layouts/preview")
@permission_required(ADMIN)
def layout_preview():
    layout = db.session.get(Layout, request.args.get("layout_id", type=int) or 0)
    form = LayoutForm()
    body = form.body.data or ""
    found = template_checks.problems(body, form.format.data, layout=True) if form.format.data in (
        "markdown", "html") else []
    context = {**rendering.sample_context(), "content": Markup("<p>The campaign's body goes here.</p>")}
    result = editor.preview(body, form.format.data, context, problems=found, note="With sample values.")
    if is_htmx():
        return editor.preview_fragment(result)
    return _page(form, layout, 200, preview=result)
