"""Hello's report source: greetings, counted by day or month. It proves that
a module from another distribution can hand the report builder its data
through the core's contract alone (app.reporting.sources)."""

from __future__ import annotations

from app.reporting.sources import Field, Source
from steward_hello.models import Greeting


def sources() -> list[Source]:
    return [Source(
        name="greetings", label="Greetings", permission="hello.view",
        description="Every greeting said.",
        table=Greeting.__table__, key=Greeting.id,
        fields=[Field("text", "Greeting", "text", Greeting.text, groupable=True),
                Field("said", "Said on", "date", Greeting.created_at, groupable=True),
                Field("greeting_id", "Greeting ID", "number", Greeting.id, filterable=False)],
    )]
