"""Admin: the suppression list. Listed newest first in keyset pages,
searched by the start of an address, added to, removed from (after a
confirmation) and exported as CSV (streamed in keyset chunks, audited)."""

from __future__ import annotations

import csv
import io
import tempfile

from flask import flash, render_template, request, send_file, url_for
from sqlalchemy import select

from app import audit
from app.extensions import db
from app.htmx import confirm_page, is_htmx, redirect_after_post
from app.models import User
from app.models.base import utcnow
from app.paging import keyset, prefix_like
from app.permissions import permission_required
from modules.contacts.lists.export import safe_cell
from modules.contacts.models import Contact, ContactEmail
from modules.marketing import suppressions as service
from modules.marketing.forms import SuppressionForm
from modules.marketing.models import SUPPRESSION_REASONS, Suppression
from modules.marketing.views import bp

ADMIN = "marketing.admin"
EXPORT_CHUNK = 1000
SPOOL = 8 * 1024 * 1024


def _query(q: str):
    stmt = select(Suppression)
    if q:
        stmt = stmt.where(prefix_like(Suppression.email, q.strip().lower()))
    return stmt


@bp.get("/suppressions")
@permission_required(ADMIN)
def suppressions():
    q = (request.args.get("q") or "").strip()[:254]
    listing = keyset(_query(q), Suppression.id, newest_first=True)
    users = {u.id: u.name for u in db.session.scalars(select(User).where(
        User.id.in_({r.created_by_id for r in listing.items if r.created_by_id})))} if listing.items else {}
    template = "marketing/_suppression_results.html" if is_htmx() else "marketing/suppressions.html"
    return render_template(template, listing=listing, q=q, reasons=SUPPRESSION_REASONS, users=users,
                           contacts=contacts_for({row.email for row in listing.items}))


def contacts_for(emails: set[str]) -> dict[str, list[tuple[int, str]]]:
    """{address: [(contact id, name), ...]} for one page of addresses, in one query."""
    if not emails:
        return {}
    # Contacts store addresses lower-cased, as the list does: the plain index serves.
    rows = db.session.execute(select(ContactEmail.email, Contact.id, Contact.display_name)
                              .join(Contact, Contact.id == ContactEmail.contact_id)
                              .where(ContactEmail.email.in_(emails), Contact.deleted_at.is_(None))
                              .order_by(Contact.id))
    out: dict[str, list[tuple[int, str]]] = {}
    for email, contact_id, name in rows:
        if (contact_id, name) not in out.setdefault(email, []):
            out[email].append((contact_id, name))
    return out


@bp.route("/suppressions/new", methods=["GET", "POST"])
@permission_required(ADMIN)
def suppression_new():
    form = SuppressionForm()
    if form.validate_on_submit():
        row, added = service.suppress(form.email.data, form.reason.data, note=form.note.data or "")
        if added:
            db.session.commit()
            flash(f"{row.email} is on the suppression list: it will not be mailed.", "success")
            return redirect_after_post(url_for("marketing.suppressions"))
        form.email.errors.append(f"{row.email} is on the list already "
                                 f"({SUPPRESSION_REASONS.get(row.reason, row.reason).lower()}).")
    status = 422 if form.errors else 200
    return render_template("marketing/suppression_form.html", form=form), status


@bp.route("/suppressions/<int:suppression_id>/remove", methods=["GET", "POST"])
@permission_required(ADMIN)
def suppression_remove(suppression_id: int):
    back = url_for("marketing.suppressions")
    row = db.session.get(Suppression, suppression_id)
    if row is None:
        flash("That address is no longer on the suppression list.", "info")
        return redirect_after_post(back)
    if request.method == "POST":
        email = row.email
        service.remove(row)
        db.session.commit()
        flash(f"Removed {email} from the suppression list: campaigns may mail it again.", "success")
        return redirect_after_post(back)
    why = SUPPRESSION_REASONS.get(row.reason, row.reason).lower()
    return confirm_page(f"Remove {row.email} from the suppression list?",
                        f"It was suppressed because of: {why}. Once removed, campaigns may mail it again. "
                        "Remove it only when you know the address works and its owner wants your email.",
                        "Remove from the list", back)


def _rows(q: str):
    """The export's rows, in chunks by id: memory stays flat however long the list."""
    yield ["Email", "Reason", "Note", "Added"]
    after = 0
    while True:
        chunk = db.session.scalars(_query(q).where(Suppression.id > after).order_by(Suppression.id)
                                   .limit(EXPORT_CHUNK)).all()
        if not chunk:
            return
        for row in chunk:
            yield [row.email, SUPPRESSION_REASONS.get(row.reason, row.reason), row.note,
                   row.created_at.isoformat(timespec="seconds")]
        after = chunk[-1].id


@bp.post("/suppressions/export.csv")
@permission_required(ADMIN)
def suppressions_export():
    """A POST (with its CSRF token), as every export is: a link could be
    followed from elsewhere to make a signed-in admin download the list.
    Written to a spooled temporary file (in memory up to `SPOOL`, then on
    disk), so memory stays flat however long the list; not streamed from the
    database, which would hold the request open while the download lasts."""
    q = (request.form.get("q") or "").strip()[:254]
    out = tempfile.SpooledTemporaryFile(max_size=SPOOL, mode="w+b")
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    writer = csv.writer(text)
    for cells in _rows(q):
        writer.writerow([safe_cell(c) for c in cells])
    text.detach()
    out.seek(0)
    audit.record(audit.EXPORT, object_type="marketing_suppression",
                 summary="Exported the suppression list" + (f" (addresses starting “{q}”)" if q else ""))
    db.session.commit()
    return send_file(out, mimetype="text/csv", as_attachment=True,
                     download_name=f"suppressions-{utcnow():%Y-%m-%d}.csv")
