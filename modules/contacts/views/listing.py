"""Finding contacts: the list (quick search, filter builder, sort, keyset
pages, capped count), saved segments, bulk actions, the global-search
provider and the "added this month" dashboard widget.

The list's query-string format is documented in modules/contacts/lists/queries.py.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial

from flask import (
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import bindparam, select

from app import edits
from app.dates import day_start, org_zone
from app.extensions import db
from app.hooks import refuse
from app.htmx import is_htmx, page_or_fragment, redirect_after_post
from app.ids import parse_id
from app.models import Job, User
from app.permissions import can, permission_required
from app.statements import built_once
from modules.contacts import hooks
from modules.contacts.lists import bulk, queries, search, segments
from modules.contacts.models import Contact, ContactTag, Segment, Tag
from modules.contacts.people.phones import default_region
from modules.contacts.people.phones import display as phone_display
from modules.contacts.views import bp

KIND_SHORT = {"person": "Person", "household": "Household", "organisation": "Org"}
# What a list row shows (and the keyset cursor needs), read as plain rows with
# the owner's name joined in: building 50 Contact objects with their tags and
# owners through the ORM cost ~2.5 ms of CPU a page, plain rows ~0.5 ms.
LIST_COLUMNS = (Contact.id, Contact.kind, Contact.display_name, Contact.sort_name, Contact.email, Contact.phone,
                Contact.city, Contact.postcode, Contact.created_at, Contact.updated_at)


@built_once
def _tags_query():
    return (select(ContactTag.contact_id, Tag.name, Tag.colour).join(Tag, Tag.id == ContactTag.tag_id)
            .where(ContactTag.contact_id.in_(bindparam("ids", expanding=True))).order_by(Tag.name))


def _tags_of(ids: list[int]) -> dict[int, list[tuple[str, str]]]:
    """{contact id: [(tag name, colour), ...]} in name order, one query."""
    tags: dict[int, list[tuple[str, str]]] = {}
    if ids:
        rows = db.session.execute(_tags_query(), {"ids": ids})
        for cid, name, colour in rows:
            tags.setdefault(cid, []).append((name, colour))
    return tags


def _specs() -> dict:
    """The filter criteria this user may use, from every enabled module."""
    return {key: spec for key, spec in hooks.filter_specs().items() if can(spec.permission)}


def _specs_to_read(args, drawn: bool) -> dict:
    """The criteria, when the request has rules to read or draws the filter
    builder; {} otherwise (the search-as-you-type fragment, the count of a
    plain search), which spares asking every module for its criteria."""
    return _specs() if drawn or "f" in args or "fk" in args or "remove" in args else {}


def contact_url(contact_id: int) -> str:
    """/contacts/<id>, the contact page (built by the contact views)."""
    return f"{url_for('contacts.index')}{contact_id}"


def _segment_arg():
    return parse_id(request.args.get("segment"))


def list_url(lq: queries.ListQuery, **extra) -> str:
    return url_for("contacts.index", **lq.args(segment=_segment_arg(), **extra))


def _sort_links(lq: queries.ListQuery) -> dict:
    """{column: (url, aria-sort or None, description)} for the sortable headers.
    A first click sorts names A-Z and dates newest first; a second reverses."""
    links = {}
    for key in queries.SORTS:
        current = lq.sort_key == key
        descending = (not lq.descending) if current else key != "name"
        target = f"-{key}" if descending else key
        state = ("descending" if lq.descending else "ascending") if current else None
        then = "descending" if descending else "ascending"
        described = f"sorted {state}; select to sort {then}" if current else f"select to sort {then}"
        links[key] = (list_url(queries.ListQuery(lq.q, lq.rules, lq.match, target)), state, described)
    return links


def _local_date(value: datetime | None, zone) -> str:
    return value.astimezone(zone).strftime("%-d %b %Y") if value else ""


_MONTHS = ("", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _rows(items: list, tags: dict, zone) -> list[tuple]:
    """What each table row prints, as plain strings in column order, so the
    template's loop only unpacks and escapes: attribute look-ups, filters and
    calls per cell in Jinja cost ~2 ms of CPU a page of 50 rows."""
    phone = partial(phone_display, region=default_region())  # the setting read once, not per row

    def day(value):
        if value is None:
            return ""
        local = value.astimezone(zone)
        return f"{local.day} {_MONTHS[local.month]} {local.year}"  # "%-d %b %Y", without strftime

    return [(c.id, c.display_name, KIND_SHORT.get(c.kind, c.kind), c.email or "", phone(c.phone) if c.phone else "",
             c.city or "", c.postcode or "", tags.get(c.id, ()), c.owner_name or "", day(c.created_at),
             day(c.updated_at)) for c in items]


def _filter_context(lq: queries.ListQuery, specs: dict) -> dict:
    groups: dict[str, list] = {}
    for spec in sorted(specs.values(), key=lambda s: (s.group != "Contacts", s.group)):
        groups.setdefault(spec.group, []).append((spec.key, spec.label))
    choices = {}
    for rule in lq.rules:
        spec = specs.get(rule.key)
        if spec is not None and spec.choices and rule.key not in choices:
            choices[rule.key] = spec.choices()
    return {"specs": specs, "groups": groups, "choices": choices, "rows": list(enumerate(lq.rules)),
            "empty_index": len(lq.rules)}


@bp.get("/")
@permission_required("contacts.view")
def index():
    specs = _specs_to_read(request.args, drawn=not is_htmx())
    lq, from_form = queries.parse(request.args, specs)
    if from_form and not is_htmx():
        return redirect(list_url(lq))  # the canonical, bookmarkable f=KEY:OP:VALUE form
    where = queries.conditions(lq, specs)
    stmt = select(*LIST_COLUMNS, User.name.label("owner_name")).outerjoin(User, User.id == Contact.owner_id) \
        .where(*where)
    page = queries.page(stmt, lq, after=request.args.get("after"), before=request.args.get("before"))
    # The count comes in its own small request (hx-trigger="load", see count()), so
    # the rows do not wait for it; `count=1` (the no-JavaScript link) counts here.
    total, capped = queries.capped_count(where) if request.args.get("count") == "1" else (None, False)
    segment_id = _segment_arg()
    segment = db.session.get(Segment, segment_id) if segment_id else None
    if segment is not None and not segments.may_see(segment, current_user):
        segment = None
    context = {
        "lq": lq,
        "page": page,
        "table_rows": _rows(page.items, _tags_of([row.id for row in page.items]), org_zone()),
        "total": total,
        "capped": capped,
        "count_label": queries.count_label(total, capped) if total is not None else None,
        "count_url": url_for("contacts.count", **lq.args()),
        "count_page_url": list_url(lq, after=request.args.get("after"), before=request.args.get("before"),
                                   count=1),
        "sort_links": _sort_links(lq),
        "next_url": list_url(lq, after=page.next_cursor) if page.next_cursor else None,
        "prev_url": list_url(lq, before=page.prev_cursor) if page.prev_cursor else None,
        "segment": segment,
        "segments_may_manage": segment is not None and segments.may_manage(segment, current_user),
        "save_url": url_for("contacts.segment_new", **lq.args()),
        "contacts_base": url_for("contacts.index"),  # rows link to base + id: one url_for, not 50
        "bulk_actions": [a for a in bulk.ACTIONS.values() if can(a.permission)],
        "after": request.args.get("after"),
        "before": request.args.get("before"),
        **_filter_context(lq, specs),
    }
    response = make_response(page_or_fragment("contacts/index.html", "contacts/_list.html", **context))
    response.headers["Vary"] = "HX-Request"
    if is_htmx():
        response.headers["HX-Push-Url"] = list_url(lq)
    return response


@bp.get("/count")
@permission_required("contacts.view")
def count():
    """The list's capped count ("1,234 contacts", "10,000+ contacts"), which the
    list fetches after showing its rows. Opened without HTMX, it sends the
    person to the list that counts in the page."""
    specs = _specs_to_read(request.args, drawn=False)
    lq, _ = queries.parse(request.args, specs)
    if not is_htmx():
        return redirect(list_url(lq, count=1))
    total, capped = queries.capped_count(queries.conditions(lq, specs))
    response = make_response(render_template(
        "contacts/_list_count.html", count_label=queries.count_label(total, capped), total=total, capped=capped, lq=lq,
        bulk=bool(total) and any(can(a.permission) for a in bulk.ACTIONS.values())))
    response.headers["Vary"] = "HX-Request"
    return response


@bp.get("/filters/row")
@permission_required("contacts.view")
def filter_row():
    """One rule row for the criterion in `fk` and a fresh empty row after it
    (HTMX swaps these in when a criterion is chosen)."""
    specs = _specs()
    i = min(parse_id(request.args.get("i")) or 0, queries.MAX_RULES)
    key = request.args.get("fk", "")
    rule = queries.parse_tokens("", [f"{key}::"], "all", "name", specs).rules[0] if key in specs else None
    if rule is not None:
        rule.error = ""
    context = _filter_context(queries.ListQuery(rules=[rule] if rule else []), specs)
    context.update(rows=[(i, rule)] if rule else [],
                   empty_index=None if request.args.get("single") and rule else i + bool(rule))
    return render_template("contacts/_filter_rows.html", **context)


# Saved segments -------------------------------------------------------------

@bp.get("/segments", endpoint="segments")
@permission_required("contacts.view")
def segment_list():
    rows = db.session.execute(
        segments.visible(current_user).add_columns(User.name).outerjoin(User, User.id == Segment.owner_id)
        .limit(500)).all()
    return render_template("contacts/segments.html", rows=rows, may_manage=segments.may_manage)


def _segment_or_404(segment_id: int, manage: bool = False) -> Segment:
    segment = db.get_or_404(Segment, segment_id)
    if not segments.may_see(segment, current_user):
        abort(404)
    if manage and not segments.may_manage(segment, current_user):
        abort(403)
    return segment


def _describe(lq: queries.ListQuery, specs: dict) -> list[str]:
    """Rules in words, for forms and the segment list."""
    words = []
    if lq.q:
        words.append(f"matches “{lq.q}”")
    for rule in lq.rules:
        spec = specs.get(rule.key)
        if spec is None:
            words.append(f"{rule.key} (not available)")
            continue
        value = rule.value
        if spec.choices and value:
            value = dict(spec.choices()).get(value, value)
        if spec.input in queries.RANGE_INPUTS:
            start, end = rule.range
            value = f"{start or '…'} to {end or '…'}"
        words.append(" ".join(p for p in (spec.label, spec.ops.get(rule.op, rule.op), value) if p))
    return words


@bp.route("/segments/new", methods=["GET", "POST"])
@permission_required("contacts.view")
def segment_new():
    specs = _specs()
    lq, _ = queries.parse(request.form if request.method == "POST" else request.args, specs)
    queries.conditions(lq, specs)  # marks rules that cannot be read
    lq.rules = [r for r in lq.rules if not r.error]
    form = segments.SegmentForm()
    if form.validate_on_submit():
        if segments.name_taken(form.name.data):
            form.name.errors.append("A segment with this name exists; choose another name.")
        else:
            segment = segments.create(form, lq, current_user)
            db.session.commit()
            flash(f"Saved the segment “{segment.name}”.", "success")
            return redirect_after_post(url_for("contacts.segment", segment_id=segment.id))
    status = 422 if request.method == "POST" else 200
    return render_template("contacts/segment_form.html", form=form, lq=lq, rules=_describe(lq, specs),
                           segment=None, action=url_for("contacts.segment_new")), status


@bp.get("/segments/<int:segment_id>")
@permission_required("contacts.view")
def segment(segment_id: int):
    """Open the list with the segment's rules, evaluated now."""
    seg = _segment_or_404(segment_id)
    lq = segments.list_query(seg, _specs())
    return redirect(url_for("contacts.index", **lq.args(segment=seg.id)))


@bp.route("/segments/<int:segment_id>/edit", methods=["GET", "POST"])
@permission_required("contacts.view")
def segment_edit(segment_id: int):
    seg = _segment_or_404(segment_id, manage=True)
    specs = _specs()
    source = request.form if request.method == "POST" else request.args
    replace = source.get("replace") == "1"
    lq = queries.parse(source, specs)[0] if replace else segments.list_query(seg, specs)
    queries.conditions(lq, specs)
    if replace:
        lq.rules = [r for r in lq.rules if not r.error]

    def stored_form(formdata=None):
        kwargs = {} if formdata is ... else {"formdata": formdata}
        return segments.SegmentForm(**kwargs, obj=seg)

    form = stored_form(None if request.method == "GET" else ...)
    status = 200
    if request.method == "GET":
        edits.stamp(form)
    elif form.validate() and not edits.settle(form, seg, stored_form):
        status = 409
    elif not form.errors:
        if segments.name_taken(form.name.data, except_id=seg.id):
            form.name.errors.append("A segment with this name exists; choose another name.")
        else:
            segments.update(seg, form, lq if replace else None, current_user)
            db.session.commit()
            flash(edits.saved_message(f"Saved the segment “{seg.name}”.", form), "success")
            return redirect_after_post(url_for("contacts.segments"))
    status = 422 if form.errors else status
    return render_template("contacts/segment_form.html", form=form, lq=lq, rules=_describe(lq, specs),
                           segment=seg, replace=replace,
                           action=url_for("contacts.segment_edit", segment_id=seg.id)), status


@bp.route("/segments/<int:segment_id>/delete", methods=["GET", "POST"])
@permission_required("contacts.view")
def segment_delete(segment_id: int):
    seg = _segment_or_404(segment_id, manage=True)
    if request.method == "POST":
        name = seg.name
        segments.delete(seg, current_user)
        db.session.commit()
        flash(f"Deleted the segment “{name}”.", "success")
        return redirect_after_post(url_for("contacts.segments"))
    return render_template("contacts/segment_delete.html", segment=seg)


# Bulk actions -----------------------------------------------------------------

def _bulk_request(source):
    """(action, selection, specs) from the bulk form's fields, or a response
    sending the user back when the request makes no sense."""
    action = bulk.ACTIONS.get(source.get("action", ""))
    specs = _specs()
    lq, _ = queries.parse(source, specs)
    back = redirect_after_post(list_url(lq))
    if action is None:
        flash("Choose what to do with the contacts.", "warning")
        return back, None, None
    if not can(action.permission):
        refuse(action.permission, action.key)
    scope = source.get("scope", "selected")
    ids = bulk.read_ids(source.getlist("ids"))
    if scope == "page":
        stmt = select(Contact).where(*queries.conditions(lq, specs))
        ids = [c.id for c in queries.page(stmt, lq, after=source.get("after"), before=source.get("before")).items]
        scope = "selected"
    if scope != "all":
        scope = "selected"
        if not ids:
            flash("Select at least one contact, or choose all matching contacts.", "warning")
            return back, None, None
    return action, bulk.Selection(scope, ids, lq), specs


@bp.get("/bulk")
@permission_required("contacts.view")
def bulk_confirm():
    action, selection, specs = _bulk_request(request.args)
    if selection is None:
        return action
    queries.conditions(selection.lq, specs)
    n = bulk.count(selection, specs)
    param = request.args.get("param", "")
    thing = bulk.target(action.key, param) if param else None
    options = []
    if action.needs == "tag":
        options = [(t.id, t.name) for t in db.session.scalars(select(Tag).order_by(Tag.name).limit(1000))]
    elif action.needs == "owner":
        options = [(u.id, u.name) for u in db.session.scalars(
            select(User).where(User.active.is_(True)).order_by(User.name).limit(1000))]
    return render_template("contacts/bulk_confirm.html", action=action, selection=selection, n=n, thing=thing,
                           options=options, param=param, back=list_url(selection.lq),
                           background=n > bulk.BACKGROUND_OVER and action.key != "export",
                           rules=_describe(selection.lq, specs))


def _done_message(action, thing, n: int) -> str:
    contacts = f"{n:,} contact" + ("" if n == 1 else "s")
    return {
        "tag_add": f"Added the tag “{getattr(thing, 'name', '')}” to {contacts}.",
        "tag_remove": f"Removed the tag “{getattr(thing, 'name', '')}” from {contacts}.",
        "owner": f"Made {getattr(thing, 'name', '')} the owner of {contacts}.",
        "trash": f"Moved {contacts} to the trash.",
    }[action.key]


@bp.post("/bulk")
@permission_required("contacts.view")
def bulk_run():
    action, selection, specs = _bulk_request(request.form)
    if selection is None:
        return action
    param = request.form.get("param", "")
    thing = bulk.target(action.key, param)
    if thing is None:
        flash("Choose a tag or an owner first.", "warning")
        return redirect_after_post(url_for("contacts.bulk_confirm", **{
            k: v for k, v in request.form.lists() if k != "csrf_token"}))
    user = current_user._get_current_object()
    if action.key == "export":  # one export implementation: modules/contacts/lists/export.py
        from modules.contacts.views.exports import respond

        return respond(bulk.export_source(selection), request.form.get("format"), specs, list_url(selection.lq))
    n = bulk.count(selection, specs)
    if n > bulk.BACKGROUND_OVER:
        from app import jobs

        args = {"action": action.key, "param": param, "user_id": user.id,
                "selection": bulk.Selection(selection.scope, selection.ids,
                                            segments.resolve_me(selection.lq, user.id)).to_args()}
        job = jobs.enqueue("contacts.bulk", f"{action.label}: {n:,} contacts", args, user=user)
        db.session.commit()
        return redirect_after_post(url_for("contacts.bulk_job", job_id=job.id))
    try:
        changed = bulk.run(action.key, selection, param, user, specs=specs)
    except (LookupError, ValueError) as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect_after_post(list_url(selection.lq))
    flash(_done_message(action, thing, changed), "success")
    return redirect_after_post(list_url(selection.lq), trigger="contacts-changed")


@bp.get("/bulk/jobs/<int:job_id>")
@permission_required("contacts.view")
def bulk_job(job_id: int):
    job = db.get_or_404(Job, job_id)
    if job.kind != "contacts.bulk" or (job.created_by_id != current_user.id and not can("admin.jobs")):
        abort(404)
    return page_or_fragment("contacts/bulk_job.html", "contacts/bulk_status.html", job=job)


# Global search and the dashboard widget ---------------------------------------

def global_search_results(query: str, limit: int) -> list[tuple[str, str, str]]:
    condition = search.matching(query, Contact.id)
    if condition is None:
        return []
    rows = db.session.execute(
        select(Contact.id, Contact.display_name, Contact.email, Contact.city)
        .where(condition, Contact.deleted_at.is_(None))
        .order_by(Contact.sort_name, Contact.id).limit(limit)).all()
    return [(name, contact_url(cid), " · ".join(p for p in (email, city) if p)) for cid, name, email, city in rows]


def added_this_month_widget() -> str:
    zone = org_zone()
    start = day_start(datetime.now(zone).date().replace(day=1))
    where = [Contact.deleted_at.is_(None), Contact.created_at >= start]
    total, capped = queries.capped_count(where)
    newest = db.session.execute(select(Contact.id, Contact.display_name, Contact.created_at).where(*where)
                                .order_by(Contact.created_at.desc(), Contact.id.desc()).limit(5)).all()
    return render_template("contacts/_widget_added.html", total=total, capped=capped, newest=newest,
                           contact_url=contact_url, local_date=_local_date, zone=zone,
                           list_url=url_for("contacts.index", sort="-created"))
