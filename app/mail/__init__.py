"""All outgoing mail goes through here: stored first, delivered by a job."""

from app.mail.service import delivery_enabled, schedule, send, send_many

__all__ = ["delivery_enabled", "schedule", "send", "send_many"]
