"""What one run measures and where it keeps its files, from the environment."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from dotenv import load_dotenv

ROOT = Path(__file__).resolve().parent.parent
# BENCH_BUILD: elsewhere than build/bench/, for checkouts that share one build/
# (git worktrees with a symlinked build/) and must not wait for each other's lock.
BUILD = Path(os.environ["BENCH_BUILD"]).resolve() if os.environ.get("BENCH_BUILD") else ROOT / "build" / "bench"

# Fixed load: two wrk threads holding eight connections open between them,
# four per gunicorn worker, so each worker always has a request waiting.
WRK_THREADS = 2
WRK_CONNECTIONS = 8


def shown(path: Path) -> str:
    """`path` relative to the checkout when it is inside it (BENCH_BUILD may be elsewhere)."""
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").replace("_", "").replace(",", "")
    return int(raw) if raw else default


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name, "")
    return float(raw) if raw else default


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    contacts: int
    seed: int
    duration: float
    warmup: float
    import_rows: int
    send_recipients: int
    freeze_recipients: int
    campaign_history: float
    ingest_messages: int
    gifts_per_contact: int
    reset: bool
    profile: bool
    note: str
    database_url: str | None
    redis_url: str | None
    modules: str | None

    @property
    def dialect(self) -> str:
        if not self.database_url:
            return "sqlite"
        return "postgresql" if re.match(r"postgres(ql)?(\+\w+)?://", self.database_url) else "other"

    @property
    def label(self) -> str:
        """`sqlite-100000`: names the report file and the docs section."""
        return f"{self.dialect}-{self.contacts}"


def load() -> Settings:
    # The app reads `.env` with real variables winning; the bench must see the same database.
    load_dotenv(ROOT / ".env", override=False)
    return Settings(
        contacts=_int("BENCH_CONTACTS", 100_000),
        seed=_int("BENCH_SEED", 1),
        duration=_float("BENCH_DURATION", 10.0),
        warmup=_float("BENCH_WARMUP", 2.0),
        import_rows=_int("BENCH_IMPORT_ROWS", 100_000),
        send_recipients=_int("BENCH_SEND_RECIPIENTS", 100_000),
        freeze_recipients=_int("BENCH_FREEZE_RECIPIENTS", 100_000),
        campaign_history=_float("BENCH_CAMPAIGN_HISTORY", 5.0),
        ingest_messages=_int("BENCH_INGEST_MESSAGES", 5_000),
        # issue 13: 5,000,000 gifts at 1,000,000 contacts (the demo seed alone makes about 1.9 a contact)
        gifts_per_contact=_int("BENCH_GIFTS_PER_CONTACT", 5),
        reset=_flag("BENCH_RESET"),
        profile=_flag("BENCH_PROFILE"),
        note=os.environ.get("BENCH_NOTE", "").strip(),
        database_url=os.environ.get("DATABASE_URL") or None,
        redis_url=os.environ.get("REDIS_URL") or None,
        modules=os.environ.get("STEWARD_MODULES") or None,
    )
