"""What the security walks share: every rule in the session app's url_map
(the core, every module, the hello test plugin), a real record for each
path variable, and a small seeded database with a client to walk it."""

from __future__ import annotations

from datetime import date
from urllib.parse import quote

from sqlalchemy import func, select

from app.extensions import db
from tests.conftest import csrf_from, login, make_user

# Signing out mid-walk would turn the Administrator's walk anonymous.
SKIP = {("auth.logout", "POST")}
SENTINEL = 918273645  # stands for the variable a walk fills itself while the path is built


def rules(app) -> list:
    return sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint))


def methods(rule) -> list[str]:
    return sorted(m for m in rule.methods - {"HEAD", "OPTIONS"} if (rule.endpoint, m) not in SKIP)


def variables(rule) -> list[str]:
    return sorted(rule.arguments - (rule.defaults or {}).keys())


def _records() -> dict:
    """A real value for each path variable, by name."""
    from app.models import (
        ApiToken,
        InboundMessage,
        Invitation,
        Job,
        Mailbox,
        MailMessage,
        Role,
        User,
        WebhookDelivery,
        WebhookEndpoint,
    )
    from modules.contacts import hooks
    from modules.contacts.models import (
        Activity,
        Contact,
        CustomField,
        ImportRun,
        Relationship,
        RelationshipType,
        Segment,
        Tag,
        Task,
    )
    from modules.helpdesk.automation_models import CannedReply, Holiday, Rule, SlaPolicy
    from modules.helpdesk.kb.models import Article, Category
    from modules.helpdesk.models import Team, Ticket, TicketAttachment
    from modules.marketing.models import Campaign, Enrolment, Layout, Sender, Sequence, Step, Suppression, Topic
    from modules.pipeline.models import (
        Fund,
        Gift,
        GiftImport,
        LostReason,
        Opportunity,
        Pipeline,
        Pledge,
        ReceiptTemplate,
        RecurringGift,
        Stage,
    )
    from modules.reports.models import DashboardWidget, ReportSchedule, SavedReport

    def first(model):
        return db.session.scalar(select(func.min(model.id))) or 1

    by_name = {
        "invitation_id": Invitation, "job_id": Job, "message_id": MailMessage, "role_id": Role,
        "user_id": User, "contact_id": Contact, "relationship_id": Relationship, "tag_id": Tag,
        "field_id": CustomField, "type_id": RelationshipType, "activity_id": Activity,
        "import_id": ImportRun, "segment_id": Segment, "task_id": Task, "pipeline_id": Pipeline,
        "item_id": Fund, "reason_id": LostReason, "stage_id": Stage, "gift_id": Gift,
        "opportunity_id": Opportunity, "pledge_id": Pledge, "template_id": ReceiptTemplate,
        "recurring_id": RecurringGift, "gift_import_id": GiftImport, "mailbox_id": Mailbox,
        "inbound_id": InboundMessage, "topic_id": Topic, "suppression_id": Suppression,
        "team_id": Team, "ticket_id": Ticket, "attachment_id": TicketAttachment, "campaign_id": Campaign,
        "layout_id": Layout, "sender_id": Sender, "article_id": Article, "category_id": Category,
        "reply_id": CannedReply, "holiday_id": Holiday, "rule_id": Rule, "policy_id": SlaPolicy,
        "sequence_id": Sequence, "step_id": Step, "enrolment_id": Enrolment,
        "endpoint_id": WebhookEndpoint, "delivery_id": WebhookDelivery,
        "token_id": ApiToken, "note_id": Activity, "report_id": SavedReport,
        "schedule_id": ReportSchedule, "widget_id": DashboardWidget,
    }
    values = {name: first(model) for name, model in by_name.items()}
    from app import assets

    values.update({"year": date.today().year, "token": "no-such-token", "filename": "css/app.css",
                   "digest": assets.bundle().digest,
                   "section": "identity", "number": 1, "fmt": "csv", "key": "contacts.growth",
                   "name": hooks.panels()[0].name, "row_name": "emails",
                   "slug": db.session.scalar(select(Topic.slug).order_by(Topic.id).limit(1)) or "newsletter"})
    # The help centre's pages exist only for published public articles and their categories.
    public = select(Article).where(Article.visibility == "public", Article.published_number.is_not(None))
    shown = db.session.scalar(public.order_by(Article.id).limit(1))
    values["help_article_slug"] = shown.slug if shown else "no-such-article"
    values["help_category_slug"] = (db.session.scalar(select(Category.slug).where(Category.id == shown.category_id))
                                    if shown and shown.category_id else "no-such-category")
    return values


def real_value(records: dict, rule, name: str):
    """The value of path variable `name` of `rule` that names a real record."""
    if rule.endpoint.startswith("pipeline.gift_import") and name == "import_id":
        name = "gift_import_id"
    elif rule.endpoint == "contacts.blank_row":
        name = "row_name"
    elif rule.endpoint in ("help.article", "help.category") and name == "slug":
        name = f"help_{rule.endpoint.split('.')[1]}_slug"
    assert name in records, f"{rule.rule}: say in tests/security/walk.py where a real <{name}> comes from"
    return records[name]


def path(rule, records: dict, fuzzed: str | None = None, value: str = "") -> str:
    """The rule's path with real records in its variables, and `value`
    (percent-encoded) in the variable `fuzzed`, if one is named."""
    values = dict(rule.defaults or {})
    for name in variables(rule):
        values[name] = SENTINEL if name == fuzzed else real_value(records, rule, name)
    built = rule.build(values, append_unknown=False)[1]
    return built.replace(str(SENTINEL), quote(value, safe="")) if fuzzed else built


def seeded_client(app, who: str):
    """Demo data from every module, an Administrator, and a client signed in
    as them (`who="admin"`) or not (`"anonymous"`). Returns the client, a
    CSRF token for it and the real record values."""
    from app import seed

    admin = make_user(app)
    with app.app_context():
        seed.run(6, echo=lambda *a: None)
        records = _records()
    client = app.test_client()
    if who == "admin":
        login(client, admin.email)
    token = csrf_from(client, "/login" if who == "anonymous" else "/account")
    return client, token, records
