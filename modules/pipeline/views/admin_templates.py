"""Receipt templates: the list, the editor (the core's template editor:
Markdown or HTML, a merge-field picker, a live preview; checked on save,
previewed as the real PDF with a sample or a real gift), the
default of each kind, and the receipt settings (address, registration
number, signature, paper size). Checks and previews render in a child
process (app.templating). Letters go out in the organisation's name, so
all of this needs giving.templates, which Staff do not hold by default."""

from __future__ import annotations

from flask import Response, flash, render_template, request, url_for
from sqlalchemy import func, select, update

from app import audit, edits, organisation, settings, templating
from app.extensions import db
from app.htmx import confirm_page, is_htmx, redirect_after_post
from app.ids import as_id
from app.permissions import permission_required
from app.templating import TemplateProblem, editor
from modules.contacts.activity.timeline import local_today
from modules.pipeline.models import Acknowledgement, ReceiptTemplate
from modules.pipeline.receipt_forms import ReceiptSettingsForm, TemplateForm
from modules.pipeline.receipts import checks, fields, letters, options, pdf
from modules.pipeline.views import bp

PERM = "giving.templates"


def _list_page(settings_form: ReceiptSettingsForm, status: int = 200):
    templates = db.session.scalars(select(ReceiptTemplate).order_by(ReceiptTemplate.kind,
                                                                    ReceiptTemplate.is_default.desc(),
                                                                    ReceiptTemplate.name)).all()
    return render_template("pipeline/admin_templates.html", templates=templates, kinds=ReceiptTemplate.KINDS,
                           formats=templating.FORMATS, settings_form=settings_form, paper=options.paper_size()), status


SETTINGS = ("receipts_registration", "receipts_signature", "receipts_paper")


def _settings_form(formdata=None) -> ReceiptSettingsForm:
    """The receipt settings form as stored; `formdata=...`: as posted. Its
    fields are named as the settings are, so the audit log's changed-field
    names say who changed which (app/edits)."""
    kwargs = {} if formdata is ... else {"formdata": formdata}
    return ReceiptSettingsForm(**kwargs, postal_address=settings.get("core", "postal_address"),
                               **{name: options.get(name) for name in SETTINGS})


@bp.get("/receipts/templates/")
@permission_required(PERM)
def receipt_templates():
    form = _settings_form()
    edits.stamp(form)
    return _list_page(form)


@bp.post("/receipts/templates/settings")
@permission_required(PERM)
def receipt_settings():
    form = _settings_form(...)
    if not form.validate_on_submit():
        return _list_page(form, 422)
    if not edits.settle(form, settings.Edited("pipeline"), _settings_form):
        return _list_page(form, 409)
    # The address is the organisation's (a core setting, also in Admin → Organisation).
    changed = settings.put("core", {"postal_address": organisation.clean_address(form.postal_address.data)})
    changed.update(settings.put("pipeline", {
        "receipts_registration": form.receipts_registration.data,
        "receipts_signature": form.receipts_signature.data, "receipts_paper": form.receipts_paper.data}))
    if changed:
        audit.record(audit.UPDATE, object_type="core_setting", object_id="pipeline",
                     summary="Changed the receipt settings", changes=changed)
    db.session.commit()
    flash(edits.saved_message("The receipt settings are saved." if changed else "Nothing changed.", form),
          "success")
    return redirect_after_post(url_for("pipeline.receipt_templates"))


def _name_taken(name: str, template: ReceiptTemplate | None) -> bool:
    query = select(ReceiptTemplate.id).where(func.lower(ReceiptTemplate.name) == name.lower())
    if template is not None:
        query = query.where(ReceiptTemplate.id != template.id)
    return db.session.execute(query.limit(1)).first() is not None


def _check(form: TemplateForm, template: ReceiptTemplate | None, *, saving: bool = True) -> bool:
    """Form rules plus the template checks; errors land on their fields.
    A preview saves nothing, so the name need not be free."""
    ok = form.validate_on_submit()
    if saving and form.name.data and _name_taken(form.name.data, template):
        form.name.errors.append(f"Another template is named “{form.name.data}”.")
        ok = False
    if form.kind.data not in ReceiptTemplate.KINDS:
        return False
    sample = fields.sample(form.kind.data, local_today())
    body_format = form.format.data if form.format.data in templating.FORMATS else None
    for f, fmt in ((form.subject, None), (form.body, body_format)):
        if not f.data:
            continue
        if f is form.body and fmt is None:  # no format to render it in: its own error says so
            found = checks.name_problems(f.data, form.kind.data)
        else:
            found = checks.problems(f.data, form.kind.data, sample, fmt)
        if found:
            f.errors.extend(found)
            ok = False
    return ok


def field_groups() -> list[editor.FieldGroup]:
    """The merge-field picker's list: FIELDS, each group with the kinds of
    letter that have it."""
    return [editor.FieldGroup(group, items, ", ".join(k.replace("_", "-") for k in group_kinds))
            for group, group_kinds, items in fields.FIELDS]


def _editor(form: TemplateForm, template: ReceiptTemplate | None, status: int = 200,
            preview: editor.Preview | None = None):
    return render_template("pipeline/admin_templates_form.html", form=form, template=template,
                           field_groups=field_groups(), kinds=ReceiptTemplate.KINDS, preview=preview), status


def _make_default(template: ReceiptTemplate) -> None:
    db.session.execute(update(ReceiptTemplate).where(ReceiptTemplate.kind == template.kind,
                                                     ReceiptTemplate.id != template.id).values(is_default=False))
    template.is_default = True


def _only_of_kind(template: ReceiptTemplate) -> bool:
    return db.session.scalar(select(func.count(ReceiptTemplate.id))
                             .where(ReceiptTemplate.kind == template.kind)) <= 1


@bp.route("/receipts/templates/new", methods=["GET", "POST"])
@permission_required(PERM)
def receipt_template_new():
    form = TemplateForm()
    if request.method == "GET":
        kind = request.args.get("kind")
        if kind in ReceiptTemplate.KINDS:
            form.kind.data = kind
            base = db.session.scalar(select(ReceiptTemplate).where(ReceiptTemplate.kind == kind)
                                     .order_by(ReceiptTemplate.is_default.desc()).limit(1))
            if base is not None:  # start from the default rather than a blank page
                form.subject.data, form.body.data, form.format.data = base.subject, base.body, base.format
        return _editor(form, None)
    if not _check(form, None):
        return _editor(form, None, 422)
    template = ReceiptTemplate(kind=form.kind.data, name=form.name.data, subject=form.subject.data,
                               body=form.body.data, format=form.format.data, is_default=False)
    db.session.add(template)
    db.session.flush()
    if form.is_default.data or _only_of_kind(template):
        _make_default(template)
    audit.record(audit.CREATE, template, summary=f"Added the receipt template {template.name}")
    db.session.commit()
    flash(f"The template {template.name} is saved.", "success")
    return redirect_after_post(url_for("pipeline.receipt_template_edit", template_id=template.id))


@bp.route("/receipts/templates/<int:template_id>", methods=["GET", "POST"])
@permission_required(PERM)
def receipt_template_edit(template_id: int):
    template = db.get_or_404(ReceiptTemplate, template_id)

    def stored_form(formdata=None):
        """The editor as the stored template fills it; `formdata=...`: as posted."""
        return TemplateForm(obj=template) if formdata is ... else TemplateForm(obj=template, formdata=formdata)

    form = stored_form(None if request.method == "GET" else ...)
    if request.method == "GET":
        edits.stamp(form)
        return _editor(form, template)
    # Merge first, then check what would be saved (the name, the merge fields).
    if form.validate_on_submit() and not edits.settle(form, template, stored_form):
        return _editor(form, template, 409)
    if not _check(form, template):
        return _editor(form, template, 422)
    old_name = template.name
    changes = audit.diff(template, {"name": form.name.data, "kind": form.kind.data, "subject": form.subject.data,
                                    "format": form.format.data, "body": form.body.data})
    if form.is_default.data and not template.is_default:
        _make_default(template)
        changes["is_default"] = (False, True)
    if "body" in changes:
        changes["body"] = (f"{len(changes['body'][0])} characters", f"{len(changes['body'][1])} characters")
    if changes:
        renamed = f" (was {old_name})" if old_name != template.name else ""
        audit.record(audit.UPDATE, template, summary=f"Edited the receipt template {template.name}{renamed}",
                     changes=changes)
    db.session.commit()
    flash(edits.saved_message(f"The template {template.name} is saved." if changes else "Nothing changed.", form),
          "success")
    return redirect_after_post(url_for("pipeline.receipt_template_edit", template_id=template.id))


def _preview_context(form: TemplateForm, kind: str):
    """Merge fields for a preview: of the gift named in the form, or made up."""
    number = form.preview_gift.data
    today = local_today()
    if not number:
        return fields.sample(kind, today)
    found = letters.load_gifts([number])
    if not found:
        form.preview_gift.errors.append(f"There is no gift number {number}.")
        return None
    gift = found[0]
    if kind == letters.THANK_YOU:
        context = fields.thank_you(gift, today)  # a preview numbers nothing (receipts/numbers.py)
        context["gift"]["receipt_number"] = context["gift"]["receipt_number"] or fields.NOT_NUMBERED
        return context
    if kind == letters.TRIBUTE:
        if gift.tribute_notify is None:
            form.preview_gift.errors.append("That gift names nobody to tell about a tribute; choose one that does.")
            return None
        return fields.tribute(gift, today)
    year = gift.received_on.year
    gifts = letters.year_gifts([gift.contact_id], year)[gift.contact_id]
    return fields.year_statement(gift.contact, year, gifts, today)


@bp.post("/receipts/templates/preview")
@permission_required(PERM)
def receipt_template_preview():
    """The posted (unsaved) template as the PDF donors would get."""
    template_id = request.args.get("template_id", type=as_id)
    template = db.session.get(ReceiptTemplate, template_id) if template_id else None
    form = TemplateForm()
    if not _check(form, template, saving=False):
        return _editor(form, template, 422)
    context = _preview_context(form, form.kind.data)
    if context is None:
        return _editor(form, template, 422)
    draft = ReceiptTemplate(kind=form.kind.data, name=form.name.data, subject=form.subject.data, body=form.body.data,
                            format=form.format.data)
    try:
        subject, body = letters.render(draft, context, isolated=True)
    except TemplateProblem as problem:
        form.preview_gift.errors.append(f"With that gift: {problem}")
        return _editor(form, template, 422)
    person = context.get("notify") if form.kind.data == letters.TRIBUTE else context["donor"]
    document = pdf.letters_pdf([{"to_name": person.get("addressee") or person["name"],
                                 "to_lines": person["address_lines"], "date": context["today"], "body": body,
                                 "subject": subject}])
    return Response(document, mimetype="application/pdf", headers={
        "Content-Disposition": 'inline; filename="preview.pdf"', "Cache-Control": "no-store"})


@bp.post("/receipts/templates/preview/page")
@permission_required(PERM)
def receipt_template_page_preview():
    """The editor's preview of the letter in the form (unsaved), filled in
    with sample values or a real gift's: with HTMX the preview alone, as
    the author types; without, the editor page with the preview in it."""
    template_id = request.args.get("template_id", type=as_id)
    template = db.session.get(ReceiptTemplate, template_id) if template_id else None
    form = TemplateForm()
    kind = form.kind.data if form.kind.data in ReceiptTemplate.KINDS else letters.THANK_YOU
    if form.preview_gift.data and not form.preview_gift.validate(form):
        context = None
    else:
        context = _preview_context(form, kind)
    note = (f"With gift number {form.preview_gift.data}." if form.preview_gift.data
            else "With made-up sample values.") + " The letterhead, date and address are added around it."
    if context is None:
        result = editor.Preview(problem=form.preview_gift.errors[-1], note=note)
    else:
        body = form.body.data or ""
        result = editor.preview(body, form.format.data, context, checks.name_problems(body, kind), note)
    if is_htmx():
        return editor.preview_fragment(result)
    return _editor(form, template, preview=result)


@bp.post("/receipts/templates/<int:template_id>/default")
@permission_required(PERM)
def receipt_template_default(template_id: int):
    template = db.get_or_404(ReceiptTemplate, template_id)
    if not template.is_default:
        _make_default(template)
        audit.record(audit.UPDATE, template, summary=f"Made {template.name} the default "
                                                     f"{ReceiptTemplate.KINDS[template.kind].lower()} template",
                     changes={"is_default": (False, True)})
        db.session.commit()
    flash(f"{template.name} is now the default {ReceiptTemplate.KINDS[template.kind].lower()}.", "success")
    return redirect_after_post(url_for("pipeline.receipt_templates"))


@bp.route("/receipts/templates/<int:template_id>/delete", methods=["GET", "POST"])
@permission_required(PERM)
def receipt_template_delete(template_id: int):
    template = db.get_or_404(ReceiptTemplate, template_id)
    back = url_for("pipeline.receipt_template_edit", template_id=template.id)
    if template.is_default:
        flash("This is the default template of its kind: make another one the default first.", "error")
        return redirect_after_post(back)
    used = db.session.scalar(select(func.count(Acknowledgement.id)).where(Acknowledgement.template_id == template.id))
    if request.method == "GET":
        note = f" {used:,} letter(s) were made with it; their records stay." if used else ""
        return confirm_page(f"Delete the template {template.name}?",
                            f"Delete the template {template.name}?{note} This cannot be undone.",
                            "Delete the template", back)
    audit.record(audit.DELETE, template, summary=f"Deleted the receipt template {template.name}",
                 changes={"name": (template.name, None)})
    db.session.delete(template)
    db.session.commit()
    flash(f"The template {template.name} is deleted.", "success")
    return redirect_after_post(url_for("pipeline.receipt_templates"))
