"""The core's tables. Modules keep their own models in their packages."""

from app.models.api import ApiIdempotentRequest, ApiToken
from app.models.audit import AuditEntry
from app.models.inbound import InboundMessage, Mailbox
from app.models.job import Job
from app.models.mail import MailAttachment, MailMessage
from app.models.schedule import ScheduleState
from app.models.setting import Setting
from app.models.user import Invitation, Role, RolePermission, User, UserSession

__all__ = [
    "ApiIdempotentRequest",
    "ApiToken",
    "AuditEntry",
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
]
