"""The core's tables. Modules keep their own models in their packages."""

from app.models.api import ApiIdempotentRequest, ApiToken
from app.models.audit import AuditEntry
from app.models.calendar_feed import CalendarFeed
from app.models.inbound import InboundMessage, Mailbox
from app.models.job import Job
from app.models.mail import MailAttachment, MailMessage
from app.models.schedule import ScheduleState
from app.models.setting import Setting
from app.models.user import Invitation, Role, RolePermission, User, UserSession
from app.models.webhook import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookMessage

__all__ = [
    "ApiIdempotentRequest",
    "ApiToken",
    "AuditEntry",
    "CalendarFeed",
    "InboundMessage",
    "Invitation",
    "Job",
    "MailAttachment",
    "MailMessage",
    "Mailbox",
    "Role",
    "RolePermission",
    "ScheduleState",
    "Setting",
    "User",
    "UserSession",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookMessage",
]
