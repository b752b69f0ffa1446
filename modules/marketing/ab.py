"""A/B subject tests.

A campaign with other subjects (`ab_subjects`: variant "b", and "c") sends
each variant to an equal part of a test share of its audience
(`ab_share` percent), chosen at random when the audience is frozen
(`split`). When the test share is sent, the campaign waits (status
"testing") for `ab_wait_minutes`; then the schedule "marketing.ab_winners"
(`decide_due`) picks the winner and sends the rest with its subject.

Each recipient row holds exactly one variant: "a", "b" or "c" for the test
share, "" for the rest until the winner is known, then the winner's letter
in capitals ("A": not in the test, sent variant a). The database holds the
whole state, so a restart of the worker or the server loses nothing: the
schedule runs again and finds the campaigns whose time has come.

The winner: the highest share of its test recipients who clicked (or who
opened, seen by a person, when the sender chose opens). A tie goes to the
first variant (a before b before c).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from app import schedules
from app.extensions import db
from app.models.base import utcnow
from app.schedules import Ran
from modules.marketing.campaign_models import (
    AB_DECIDED,
    AB_TESTING,
    SENDING,
    SENT_ROW,
    TESTING,
    VARIANTS,
    Campaign,
    Click,
    Event,
    Recipient,
)

NAME = "marketing.ab_winners"
CHUNK = 1_000
METRICS = {"clicks": "Clicks", "opens": "Opens (seen by a person)"}


def subjects(campaign: Campaign) -> list[str]:
    """The variants' subjects in order: a (the campaign's subject), b, c."""
    others = [s for s in (campaign.ab_subjects or []) if s and s.strip()]
    return [campaign.subject, *others][:len(VARIANTS)] if others else []


def split(campaign: Campaign) -> None:
    """Right after freezing: the test share's rows get their variants, in
    turn over a random order (sizes differ by one at most)."""
    names = subjects(campaign)
    if not names:
        return
    letters = VARIANTS[:len(names)]
    ids = list(db.session.scalars(select(Recipient.id).where(Recipient.campaign_id == campaign.id)))
    size = min(len(ids), max(len(letters), round(len(ids) * campaign.ab_share / 100)))
    sample = random.SystemRandom().sample(ids, size)
    for i, letter in enumerate(letters):
        chosen = sample[i::len(letters)]
        for start in range(0, len(chosen), CHUNK):
            db.session.execute(update(Recipient).where(Recipient.id.in_(chosen[start:start + CHUNK]))
                               .values(variant=letter).execution_options(synchronize_session=False))
    campaign.ab_phase = AB_TESTING
    db.session.flush()


def test_sent(campaign: Campaign) -> bool:
    """Called by the sending job when nothing is left to send: during the
    test, the campaign waits for its winner instead of being done (commits)."""
    if campaign.ab_phase != AB_TESTING:
        return False
    campaign.status, campaign.job_id = TESTING, None
    campaign.ab_decide_at = utcnow() + timedelta(minutes=campaign.ab_wait_minutes)
    db.session.commit()
    schedules.wake(NAME, campaign.ab_decide_at)
    db.session.commit()
    return True


@dataclass(frozen=True)
class Result:
    letter: str
    subject: str
    sent: int
    clicked: int
    opened: int

    def rate(self, metric: str) -> tuple[int, int]:
        return (self.clicked if metric == "clicks" else self.opened), self.sent

    def percent(self, metric: str) -> str:
        got, of = self.rate(metric)
        return f"{got * 100 / of:.1f}%" if of else "—"


def results(campaign: Campaign) -> list[Result]:
    """Each variant's test recipients sent, and how many clicked or opened
    (three grouped queries on indexed columns)."""
    names = subjects(campaign)
    if not names:
        return []
    letters = VARIANTS[:len(names)]
    test = (Recipient.campaign_id == campaign.id) & Recipient.variant.in_(letters)
    sent = dict(db.session.execute(select(Recipient.variant, func.count()).where(test, Recipient.status == SENT_ROW)
                                   .group_by(Recipient.variant)).all())
    clicked = dict(db.session.execute(
        select(Recipient.variant, func.count(func.distinct(Click.recipient_id)))
        .join(Recipient, Recipient.id == Click.recipient_id)
        .where(Click.campaign_id == campaign.id, test).group_by(Recipient.variant)).all())
    opened = dict(db.session.execute(
        select(Recipient.variant, func.count(func.distinct(Event.recipient_id)))
        .join(Recipient, Recipient.id == Event.recipient_id)
        .where(Event.campaign_id == campaign.id, Event.kind == "open_human", test)
        .group_by(Recipient.variant)).all())
    return [Result(letter, subject, sent.get(letter, 0), clicked.get(letter, 0), opened.get(letter, 0))
            for letter, subject in zip(letters, names, strict=False)]


def winner(found: list[Result], metric: str) -> str:
    """The best rate; a tie keeps the earlier variant."""
    best = found[0]
    for result in found[1:]:
        got, of = result.rate(metric)
        best_got, best_of = best.rate(metric)
        if got * best_of > best_got * of or (best_of == 0 and of and got):
            best = result
    return best.letter


def decide(campaign: Campaign) -> str:
    """Pick the winner and hand the rest to a sending job (the caller commits)."""
    from modules.marketing.sending import control

    letter = winner(results(campaign), campaign.ab_metric)
    db.session.execute(update(Recipient).where(Recipient.campaign_id == campaign.id, Recipient.variant == "")
                       .values(variant=letter.upper()).execution_options(synchronize_session=False))
    campaign.ab_winner, campaign.ab_phase = letter, AB_DECIDED
    campaign.cursor, campaign.status = 0, SENDING
    control.hand_to_new_job(campaign)
    return letter


def decide_due(now: datetime | None = None) -> Ran:
    """The schedule: every test whose time has come gets its winner."""
    now = now or utcnow()
    due = db.session.scalars(select(Campaign.id).where(Campaign.status == TESTING, Campaign.ab_decide_at <= now)
                             .order_by(Campaign.ab_decide_at)).all()
    for campaign_id in due:
        campaign = db.session.scalar(select(Campaign).where(Campaign.id == campaign_id).with_for_update())
        if campaign is None or campaign.status != TESTING:
            continue
        decide(campaign)
        db.session.commit()
    next_at = db.session.scalar(select(func.min(Campaign.ab_decide_at)).where(Campaign.status == TESTING))
    return Ran(f"Picked {len(due)} A/B winner{'' if len(due) == 1 else 's'}", next_at or now + timedelta(days=1))
