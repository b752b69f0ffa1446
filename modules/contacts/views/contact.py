"""The contact page, the forms to create and edit a contact (whole, or one
section inline with HTMX), and the small actions on the page: email opt-in,
household, relationships, tags, trash and undo."""

from __future__ import annotations

from flask import abort, current_app, flash, make_response, render_template, request, url_for
from markupsafe import Markup
from sqlalchemy import bindparam

from app import edits
from app.dashboard import home_url
from app.extensions import db
from app.forms import choices
from app.hooks import refuse
from app.htmx import confirm_page, is_htmx, redirect_after_post
from app.ids import as_id, parse_id
from app.models import User
from app.permissions import can, permission_required
from app.statements import built_once
from modules.contacts import hooks
from modules.contacts.models import (
    HOUSEHOLD,
    KINDS,
    OPT_IN,
    OPT_OUT,
    OPT_UNKNOWN,
    PERSON,
    ConsentEntry,
    Contact,
    Relationship,
    Tag,
)
from modules.contacts.people import addressing, custom_fields, existing, forms, phones, records, relations, saving
from modules.contacts.views import bp

CHANGED = "contact-changed"
CONSENT_SHOWN = 20
OPT_LABELS = {OPT_IN: "Opted in", OPT_OUT: "Opted out", OPT_UNKNOWN: "Not asked"}
INLINE_SECTIONS = ("identity", "details", "preferences", "custom")


# ---------------------------------------------------------------- helpers
def _when(value, empty: str = "—"):
    from app.dates import when

    return when(value, empty)


def _render(template: str, status: int = 200, **context):
    """Render with the helpers every contact template uses."""
    context.setdefault("kind_labels", records.KIND_LABELS)
    html = render_template(template, when=_when, phone_display=phones.display, opt_labels=OPT_LABELS,
                           countries=forms.COUNTRIES, section_titles=forms.SECTION_TITLES,
                           tag_colours=relations.TAG_COLOURS, **context)
    return make_response(html, status)


def _contact_or_404(contact_id: int) -> Contact:
    contact = records.load(contact_id)
    if contact is None:
        abort(404)
    return contact


def _page_url(contact: Contact, anchor: str | None = None) -> str:
    return url_for("contacts.show", contact_id=contact.id, _anchor=anchor)


def _after(contact: Contact, message: str | None = None, anchor: str | None = None):
    """After a change from a small form on the page: back to the page (303)."""
    if message:
        flash(message, "success")
    return redirect_after_post(_page_url(contact, anchor), trigger=CHANGED)


@built_once
def _consent_query():
    return (db.select(ConsentEntry, User.name).outerjoin(User, User.id == ConsentEntry.user_id)
            .where(ConsentEntry.contact_id == bindparam("contact_id"))
            .order_by(ConsentEntry.at.desc(), ConsentEntry.id.desc()).limit(CONSENT_SHOWN))


def _consent(contact: Contact) -> list[tuple[ConsentEntry, str]]:
    rows = db.session.execute(_consent_query(), {"contact_id": contact.id}).all()
    return [(entry, name or "") for entry, name in rows]


def _custom(contact: Contact):
    fields = custom_fields.fields_for(contact.kind)
    return fields, custom_fields.values_for(contact.id, fields)


def _section_context(contact: Contact, section: str) -> dict:
    """What the display fragment of `section` needs."""
    context = {"contact": contact, "section": section}
    if section == "identity":
        context["household"] = contact.household if contact.household_id else None
        context["addressing"] = addressing.of(contact)
    if section == "custom":
        context["custom_fields"], context["custom_values"] = _custom(contact)
    if section == "preferences":
        context["consent"] = _consent(contact)
        context["consent_topics"] = hooks.consent_topic_labels(entry.topic for entry, _ in context["consent"])
        context["optin_form"] = forms.OptInForm(prefix="optin", formdata=None)
    return context


def _small_forms(contact: Contact) -> dict:
    if not can("contacts.edit"):
        return {}
    household_form = forms.HouseholdForm(prefix="join", formdata=None)
    new_household = forms.NewHouseholdForm(prefix="newhh", formdata=None,
                                           name=relations.default_household_name(contact))
    rel_form = forms.RelationshipForm(prefix="rel", formdata=None)
    rel_form.type.choices = choices(relations.type_choices())
    return {"household_form": household_form, "new_household_form": new_household, "rel_form": rel_form}


# ---------------------------------------------------------------- the page
def _page(contact: Contact, status: int = 200, **overrides):
    """The contact page; `overrides` put a small form with its errors in place."""
    context = {"contact": contact}
    for section in ("identity", "custom", "preferences"):
        context.update(_section_context(contact, section))
    context.pop("section", None)
    context["members"] = relations.members(contact) if contact.kind == HOUSEHOLD else []
    context["links"] = relations.links(contact)
    # Panels are HTML that other modules render (and escape) themselves; a lazy
    # one arrives in its own request after the page (None here: a placeholder).
    context["panels"] = [(p, None if p.lazy else Markup(p.render(contact)))  # noqa: S704 (module-rendered)
                         for p in hooks.panels() if can(p.permission)]
    context["timeline_url"] = (url_for("contacts.timeline", contact_id=contact.id)
                               if "contacts.timeline" in current_app.view_functions else None)
    context.update(_small_forms(contact))
    context.update(overrides)
    return _render("contacts/contact_page.html", status, **context)


@bp.get("/<int:contact_id>")
@permission_required("contacts.view")
def show(contact_id: int):
    found = records.load_page(contact_id)
    if found is None:
        abort(404)
    contact, shown = found
    return _page(contact, shown=shown)


@bp.get("/<int:contact_id>/panels/<name>")
@permission_required("contacts.view")
def panel(contact_id: int, name: str):
    """One module's panel: the fragment a lazy panel's placeholder fetches
    (HTMX), or the panel on a page of its own (the placeholder's link)."""
    found = hooks.panel(name)
    if found is None:
        abort(404)
    if not can(found.permission):
        refuse(found.permission)
    # The contact row only: a panel reads its own module's data, not the page's details.
    contact = db.session.get(Contact, contact_id)
    if contact is None or contact.deleted_at is not None:
        abort(404)
    html = Markup(found.render(contact))  # noqa: S704 (module-rendered template)
    template = "contacts/_contact_panel.html" if is_htmx() else "contacts/contact_panel.html"
    return _render(template, contact=contact, panel=found, html=html)


@bp.get("/<int:contact_id>/section/<section>")
@permission_required("contacts.view")
def section(contact_id: int, section: str):
    """One section of the page as shown (the inline editors' Cancel)."""
    if section not in INLINE_SECTIONS:
        abort(404)
    contact = _contact_or_404(contact_id)
    if not is_htmx():
        return redirect_after_post(_page_url(contact, f"contact-{section}"))
    return _render(f"contacts/_contact_{section}.html", **_section_context(contact, section))


# ---------------------------------------------------------------- create and edit
def _form_page(form, contact: Contact | None, kind: str, status: int = 200):
    if status == 200:
        forms.add_blank_rows(form)
    return _render("contacts/contact_form.html", status, form=form, contact=contact, kind=kind)


@bp.route("/new", methods=["GET", "POST"])
@permission_required("contacts.edit")
def new():
    kind = request.values.get("kind", PERSON)
    if kind not in KINDS:
        abort(404)
    form = forms.build(kind)
    if request.method == "GET":
        form.owner_id.data = str(getattr(records._actor(), "id", "") or "")
        return _form_page(form, None, kind)
    if (more := request.form.get("again")) in forms.ROWS:
        # "Add another email" without JavaScript: the form comes back with
        # what was typed and one more row; nothing is created until the
        # person saves, so Cancel leaves no half-entered contact behind.
        forms.add_blank_rows(form)
        getattr(form, more).append_entry()
        return _render("contacts/contact_form.html", 200, form=form, contact=None, kind=kind)
    cleaned = forms.clean(form)
    if cleaned is None:
        return _form_page(form, None, kind, 422)
    matches = existing.find_for(kind, cleaned.values, cleaned.details)
    if matches and not _created_anyway(matches):
        # Nothing is saved: the form comes back with what was typed, the
        # contacts it matches, and "Create anyway".
        return _render("contacts/contact_form.html", 409, form=form, contact=None, kind=kind, existing=matches)
    contact = saving.create(kind, form, cleaned, matches)
    db.session.commit()
    flash(f"{contact.display_name} is saved.", "success")
    return redirect_after_post(_page_url(contact), trigger=CHANGED)


def _created_anyway(matches: list[existing.Match]) -> bool:
    """The person pressed "Create anyway" after being shown every one of
    `matches` (one that matches only now, after they changed the email say,
    is shown first)."""
    if not request.form.get("create_anyway"):
        return False
    shown = {parse_id(i) for i in request.form.get("existing_shown", "").split()}
    return {m.contact_id for m in matches} <= shown


@bp.route("/<int:contact_id>/edit", methods=["GET", "POST"])
@permission_required("contacts.edit")
def edit(contact_id: int):
    """The whole form; with `?section=` and HTMX, one section's inline editor."""
    contact = _contact_or_404(contact_id)
    # `?section=` limits the form to one section: the inline editor with HTMX,
    # and a section's form posted without it. A plain GET shows the whole form.
    section_name = request.args.get("section", "")
    if section_name not in INLINE_SECTIONS or (request.method == "GET" and not is_htmx()):
        section_name = ""
    inline = bool(section_name) and is_htmx()
    sections = (section_name,) if section_name else forms.SECTIONS

    def stored_form(formdata=None):
        fields, values = _custom(contact) if "custom" in sections else ([], {})
        return forms.build(contact.kind, sections, contact=contact, custom=fields, custom_values=values,
                           formdata=formdata)

    form = stored_form(None if request.method == "GET" else ...)
    status = 200
    if request.method == "GET":
        edits.stamp(form)
    else:
        cleaned = forms.clean(form, contact)
        if cleaned is not None and not edits.settle(form, contact, stored_form):
            status = 409
        elif cleaned is not None:
            cleaned = forms.clean(form, contact)  # again: fields may now hold what someone else saved
            changed = saving.update(contact, form, cleaned)
            db.session.commit()
            if inline:
                response = _render(f"contacts/_contact_{section_name}.html", oob_name=True,
                                   **_section_context(contact, section_name))
                response.headers["HX-Trigger"] = CHANGED
                return response
            flash(edits.saved_message(f"{contact.display_name} is saved." if changed else "Nothing changed.", form),
                  "success")
            if request.form.get("again"):
                return redirect_after_post(url_for("contacts.edit", contact_id=contact.id))
            return redirect_after_post(_page_url(contact), trigger=CHANGED)
    if status != 409:
        status = 422 if form.errors or forms._row_errors(form) else 200
    if inline:
        if status == 200:
            forms.add_blank_rows(form)
        return _render("contacts/_contact_section_form.html", status, form=form, contact=contact,
                       section=section_name)
    return _form_page(form, contact, contact.kind, status)


@bp.get("/rows/<name>")
@permission_required("contacts.edit")
def blank_row(name: str):
    """One more empty email, phone or address row (the "Add" buttons with HTMX)."""
    if name not in forms.ROWS:
        abort(404)
    index = min(max(request.args.get("index", 0, type=int), 0), forms.MAX_ROWS - 1)
    return _render("contacts/_contact_row.html", name=name, row=forms.blank_row(name, index), index=index,
                   checked=False, oob=True)


@bp.get("/lookup")
@permission_required("contacts.view")
def lookup():
    """`<option>`s of contacts matching what is typed (for the household and
    relationship inputs' suggestion lists)."""
    kind = request.args.get("kind") or None
    field_name = request.args.get("field", "q")
    query = request.args.get(field_name, "") or request.args.get("q", "")
    found = relations.lookup(query, kind if kind in KINDS else None,
                             exclude_id=request.args.get("exclude", type=as_id))
    return _render("contacts/_contact_options.html", found=found, option_text=relations.option_text)


# ---------------------------------------------------------------- preferences
@bp.post("/<int:contact_id>/opt-in")
@permission_required("contacts.edit")
def opt_in(contact_id: int):
    contact = _contact_or_404(contact_id)
    form = forms.OptInForm(prefix="optin")
    if not form.validate_on_submit():
        return _page(contact, 422, optin_form=form)
    changed = records.set_opt_in(contact, form.status.data, form.source.data, form.wording.data or "")
    db.session.commit()
    return _after(contact, f"Email opt-in recorded: {OPT_LABELS[form.status.data].lower()}." if changed
                  else "The email opt-in was already that.", "contact-preferences")


# ---------------------------------------------------------------- household
@bp.post("/<int:contact_id>/household")
@permission_required("contacts.edit")
def household(contact_id: int):
    """Join a household."""
    contact = _contact_or_404(contact_id)
    if contact.kind != PERSON:
        abort(400)
    form = forms.HouseholdForm(prefix="join")
    target, problem = (None, "Enter a household's name or number.") if not form.household.data else \
        relations.resolve(form.household.data, kind=HOUSEHOLD)
    if not form.validate_on_submit() or problem:
        form.household.errors = [*form.household.errors, *([problem] if problem else [])]
        return _page(contact, 422, household_form=form)
    relations.join_household(contact, target)
    db.session.commit()
    return _after(contact, f"{contact.display_name} is now in {target.display_name}.", "contact-relations")


@bp.post("/<int:contact_id>/household/leave")
@permission_required("contacts.edit")
def leave_household(contact_id: int):
    contact = _contact_or_404(contact_id)
    old = contact.household if contact.household_id else None
    if relations.leave_household(contact):
        db.session.commit()
        return _after(contact, f"{contact.display_name} left {old.display_name}.", "contact-relations")
    return _after(contact)


@bp.post("/<int:contact_id>/household/new")
@permission_required("contacts.edit")
def new_household(contact_id: int):
    contact = _contact_or_404(contact_id)
    if contact.kind != PERSON:
        abort(400)
    form = forms.NewHouseholdForm(prefix="newhh")
    if not form.validate_on_submit():
        return _page(contact, 422, new_household_form=form)
    household = relations.create_household(contact, form.name.data or "")
    db.session.commit()
    return _after(contact, f"Created {household.display_name} with {contact.display_name} in it.",
                  "contact-relations")


# ---------------------------------------------------------------- relationships
@bp.post("/<int:contact_id>/relationships")
@permission_required("contacts.edit")
def add_relationship(contact_id: int):
    contact = _contact_or_404(contact_id)
    form = forms.RelationshipForm(prefix="rel")
    form.type.choices = choices(relations.type_choices())
    ok = form.validate_on_submit()
    other, problem = (None, "Enter the other contact's name or number.") if not form.other.data else \
        relations.resolve(form.other.data, exclude_id=contact.id)
    if problem:
        form.other.errors = [*form.other.errors, problem]
    if ok and other is not None:
        try:
            relations.add_relationship(contact, form.type.data, other, form.note.data or "")
        except ValueError as error:
            form.type.errors = [*form.type.errors, str(error)]
        else:
            db.session.commit()
            return _after(contact, "Relationship added.", "contact-relations")
    return _page(contact, 422, rel_form=form)


def _relationship_of(contact: Contact, relationship_id: int) -> Relationship:
    rel = db.session.get(Relationship, relationship_id)
    if rel is None or contact.id not in (rel.contact_a_id, rel.contact_b_id):
        abort(404)
    return rel


@bp.route("/<int:contact_id>/relationships/<int:relationship_id>/remove", methods=["GET", "POST"])
@permission_required("contacts.edit")
def remove_relationship(contact_id: int, relationship_id: int):
    contact = _contact_or_404(contact_id)
    rel = _relationship_of(contact, relationship_id)
    if request.method == "GET":
        return confirm_page("Remove the relationship",
                            f"Remove “{relations.describe(rel)}”? Both contacts keep everything else.",
                            "Remove the relationship", _page_url(contact))
    relations.remove_relationship(rel)
    db.session.commit()
    return _after(contact, "Relationship removed.", "contact-relations")


# ---------------------------------------------------------------- tags
def _tags_editor(contact: Contact, status: int = 200, form=None):
    if form is None:
        form = forms.TagForm(prefix="tag", formdata=None)
    tags = relations.all_tags()
    mine = {t.id for t in contact.tags}
    form.tag.choices = choices([("", "Choose a tag…")] + [(str(t.id), t.name) for t in tags if t.id not in mine])
    return _render("contacts/contact_tags.html" if not is_htmx() else "contacts/_contact_tags_form.html",
                   status, contact=contact, form=form)


@bp.route("/<int:contact_id>/tags", methods=["GET", "POST"])
@permission_required("contacts.edit")
def tags(contact_id: int):
    """GET: the tag editor (a page, or the section's editor with HTMX). POST: add a tag."""
    contact = _contact_or_404(contact_id)
    if request.method == "GET":
        return _tags_editor(contact)
    form = forms.TagForm(prefix="tag")
    form.validate_on_submit()
    tag = None
    if form.new_tag.data:
        tag = relations.find_or_create_tag(form.new_tag.data)
    elif (tag_id := parse_id(form.tag.data)) is not None:
        tag = db.session.get(Tag, tag_id)
    if tag is None:
        form.tag.errors = ["Choose a tag, or type the name of a new one."]
        return _tags_editor(contact, 422, form)
    added = relations.add_tag(contact, tag)
    db.session.commit()
    if is_htmx():
        response = _tags_editor(contact)
        response.headers["HX-Trigger"] = CHANGED
        return response
    return _after(contact, f"Tagged {tag.name}." if added else f"Already tagged {tag.name}.", "contact-tags")


@bp.post("/<int:contact_id>/tags/<int:tag_id>/remove")
@permission_required("contacts.edit")
def remove_tag(contact_id: int, tag_id: int):
    contact = _contact_or_404(contact_id)
    tag = db.session.get(Tag, tag_id) or abort(404)
    relations.remove_tag(contact, tag)
    db.session.commit()
    if is_htmx():
        response = _tags_editor(contact)
        response.headers["HX-Trigger"] = CHANGED
        return response
    return _after(contact, f"Removed the tag {tag.name}.", "contact-tags")


@bp.get("/<int:contact_id>/tags/view")
@permission_required("contacts.view")
def tags_section(contact_id: int):
    """The tags section as shown (the tag editor's Done button)."""
    contact = _contact_or_404(contact_id)
    if not is_htmx():
        return redirect_after_post(_page_url(contact, "contact-tags"))
    return _render("contacts/_contact_tags.html", contact=contact)


# ---------------------------------------------------------------- trash
def _list_url() -> str:
    return url_for("contacts.index") if "contacts.index" in current_app.view_functions else home_url()


@bp.route("/<int:contact_id>/trash", methods=["GET", "POST"])
@permission_required("contacts.delete")
def trash(contact_id: int):
    contact = _contact_or_404(contact_id)
    if request.method == "GET":
        return confirm_page(f"Move {contact.display_name} to the trash",
                            f"Move {contact.display_name} to the trash? It disappears from lists and "
                            "search; it can be restored from the trash.",
                            "Move to the trash", _page_url(contact))
    records.trash([contact])
    db.session.commit()
    # An autoescaped template, so the flash can carry the Undo link.
    undo = Markup(render_template("contacts/_contact_undo.html", contact=contact))  # noqa: S704
    flash(undo, "success")
    return redirect_after_post(_list_url(), trigger=CHANGED)


@bp.route("/<int:contact_id>/restore", methods=["GET", "POST"])
@permission_required("contacts.delete")
def restore(contact_id: int):
    contact = records.load(contact_id, deleted=True)
    if contact is None:
        abort(404)
    if request.method == "GET":
        if contact.deleted_at is None:
            return redirect_after_post(_page_url(contact))
        return confirm_page(f"Restore {contact.display_name}", f"Bring {contact.display_name} back from the trash?",
                            "Restore", _list_url(), safe=True)
    records.restore([contact])
    db.session.commit()
    flash(f"{contact.display_name} is back.", "success")
    return redirect_after_post(_page_url(contact), trigger=CHANGED)
