"""Demo and benchmark giving for `flask seed --contacts N` (the manifest's
`seed` hook), run after contacts.

About half of the contacts give over the last five years, each with a
profile: one-off donors, loyal yearly donors (some not yet this year),
lapsed donors who stopped one to three years ago, occasional donors,
monthly donors (a RecurringGift and its monthly gifts, some ended), and a few
major donors with large gifts and pledges paid by installments. Spouses and
households get soft credits; gifts carry funds, appeals (when they fall in
an appeal's dates), payment methods, a few tributes, and are acknowledged
unless recent. A few opportunities per thousand contacts sit across the
starting pipelines with their stage history.

Every choice comes from the module's `random.Random` and dates are offsets
from today, so one seed gives one dataset (on a given day). Rows are built
in memory per chunk of donors as tuples and inserted through
`app.bulk_insert` (`insert_returning_ids` where later rows need the ids),
never through the ORM. Like the contacts seed, a big seed (BULK_FROM
contacts or more) into a database without gifts is one transaction that
drops the plain indexes of the giving tables first and builds them at the
end: a gift has eleven indexes, and inserting into them at random places is
most of the work otherwise. On PostgreSQL it drops their foreign keys too
and adds them back, each checked in one pass (app.seed.foreign_keys).
Smaller seeds, and seeds on top of existing gifts, commit chunk by chunk.
"""

from __future__ import annotations

import calendar
import random
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from itertools import accumulate

from faker import Faker
from sqlalchemy import select, text

from app import audit, bulk_insert
from app.extensions import db
from app.models import User
from app.seed import add_foreign_keys, create_indexes, drop_foreign_keys, drop_indexes, foreign_keys, plain_indexes
from modules.contacts.models import HOUSEHOLD, ORGANISATION, Contact
from modules.pipeline import donor_years, gift_rollup
from modules.pipeline.gifts import default_currency
from modules.pipeline.models import (
    LOST,
    OPEN,
    WON,
    Appeal,
    Fund,
    Gift,
    LostReason,
    Opportunity,
    Pipeline,
    Pledge,
    PledgeInstallment,
    RecurringGift,
    SoftCredit,
    StageChange,
)

CHUNK = 5000  # donors per chunk
# Contacts asked for (`--contacts`) from which a seed into a database without
# gifts is one transaction with the giving tables' plain indexes built at the
# end (see the module docstring); as in modules/contacts/seed.py.
BULK_FROM = 20_000
YEARS = 5
FUNDS = ("Building fund", "Scholarships", "Emergency relief")
PROFILES = (("one_off", 40), ("loyal", 22), ("lapsed", 15), ("occasional", 12), ("monthly", 8), ("major", 3))
SMALL = (10, 20, 25, 25, 50, 50, 75, 100, 100, 150, 250, 500)
MONTHLY = (5, 10, 10, 15, 20, 25, 50)
METHODS = (("card", 30), ("online", 30), ("cheque", 20), ("bank", 12), ("cash", 8))
MIN_OPPORTUNITIES = 30
OPPORTUNITIES_PER_THOUSAND = 5
NEXT_STEPS = ("Send the proposal", "Arrange a site visit", "Call to follow up", "Invite to the gala",
              "Prepare the budget", "Thank and report back")
ASKS = ("Capital campaign gift", "Scholarship endowment", "Annual leadership gift", "Program grant",
        "Emergency appeal match", "Building naming gift")


# The columns each table is written with, in the order of the chunk's tuples.
# A gift's last two (its pledge and recurring gift) are added by Chunk.write.
GIFT_COLUMNS = ("contact_id", "amount", "currency", "received_on", "fund_id", "appeal_id", "payment_method",
                "anonymous", "tribute_kind", "tribute_name", "acknowledged_at", "created_at", "updated_at",
                "pledge_id", "recurring_id")
PLEDGE_COLUMNS = ("contact_id", "amount", "currency", "pledged_on", "fund_id", "status", "created_at")
INSTALLMENT_COLUMNS = ("pledge_id", "due_on", "amount")
RECURRING_COLUMNS = ("contact_id", "amount", "currency", "frequency", "starts_on", "ends_on", "fund_id",
                     "payment_method", "reference", "status", "created_at")
CREDIT_COLUMNS = ("gift_id", "contact_id", "amount", "role")
OPPORTUNITY_COLUMNS = ("pipeline_id", "stage_id", "contact_id", "name", "amount", "currency", "expected_close",
                       "owner_id", "next_step", "closed_on", "lost_reason_id", "stage_entered_at", "created_at",
                       "updated_at")
STAGE_CHANGE_COLUMNS = ("opportunity_id", "contact_id", "from_stage_id", "to_stage_id", "at")


def _cents(whole: float) -> Decimal:
    return Decimal(str(round(whole, 2))).quantize(Decimal("0.01"))


_NOONS: dict[date, datetime] = {}


def _noon(day: date) -> datetime:
    """Midday UTC of `day` (cached: seeding asks for the same days again and again)."""
    value = _NOONS.get(day)
    if value is None:
        value = _NOONS[day] = datetime.combine(day, time(12), tzinfo=UTC)
    return value


def _add_months(day: date, months: int) -> date:
    """`day + relativedelta(months=months)`: the same day of the month, or the
    month's last day when it is shorter; without relativedelta's cost (a
    monthly donor's five years of gifts call it once a gift)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    if day.day <= 28:
        return day.replace(year=year, month=month)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class Seeder:
    def __init__(self, rng: random.Random, today: date | None = None):
        self.rng = rng
        self.today = today or datetime.now(UTC).date()
        self.first_day = date(self.today.year - YEARS + 1, 1, 1)  # five calendar years, this one included
        self.currency = default_currency()
        fake = Faker("en_US")
        fake.seed_instance(rng.getrandbits(64))
        self.tribute_names = [fake.name() for _ in range(200)]
        self.funds = self._funds()
        self.appeals = self._appeals()
        self.users = list(db.session.scalars(select(User.id).order_by(User.id)))
        self.method_names = [m for m, _ in METHODS]
        self.method_weights = list(accumulate(w for _, w in METHODS))
        self.fund_ids = [f for f, _ in self.funds]
        self.fund_weights = list(accumulate(w for _, w in self.funds))

    # Reference data -----------------------------------------------------------------

    def _funds(self) -> list[tuple[int, int]]:
        """(fund id, weight): mostly the first (general) fund."""
        have = {f.name: f for f in db.session.scalars(select(Fund))}
        position = max((f.position for f in have.values()), default=0)
        for name in FUNDS:
            if name not in have:
                position += 1
                have[name] = Fund(name=name, position=position)
                db.session.add(have[name])
        db.session.flush()
        ordered = sorted(have.values(), key=lambda f: (f.position, f.id))
        return [(f.id, 70 if i == 0 else 10) for i, f in enumerate(ordered) if f.active]

    def _appeals(self) -> list[tuple[int, date, date]]:
        have = {a.name: a for a in db.session.scalars(select(Appeal))}
        wanted = []
        for year in range(self.first_day.year, self.today.year + 1):
            wanted += [(f"Spring appeal {year}", f"SPR{year}", date(year, 3, 1), date(year, 5, 31)),
                       (f"Year-end appeal {year}", f"YE{year}", date(year, 11, 1), date(year, 12, 31))]
        for name, code, start, end in wanted:
            if name not in have:
                have[name] = Appeal(name=name, code=code, starts_on=start, ends_on=end,
                                    active=end >= self.today)
                db.session.add(have[name])
        db.session.flush()
        return [(have[name].id, start, end) for name, _, start, end in wanted]

    # Drawing ------------------------------------------------------------------------

    def day_between(self, start: date, end: date) -> date:
        span = (end - start).days
        return start + timedelta(days=self.rng.randint(0, max(span, 0)))

    def any_day(self) -> date:
        return self.day_between(self.first_day, self.today)

    def fund(self) -> int | None:
        if not self.funds:
            return None
        return self.rng.choices(self.fund_ids, cum_weights=self.fund_weights)[0]

    def appeal(self, day: date) -> int | None:
        for appeal_id, start, end in self.appeals:
            if start <= day <= end:
                return appeal_id if self.rng.random() < 0.6 else None
        return None

    def gift(self, contact_id: int, amount: Decimal, day: date, method: str | None = None, *,
             appeal: bool = True, tribute: bool = True) -> tuple:
        """A gift's row (GIFT_COLUMNS but the last two). Every draw is made
        whatever the arguments say (`method` replaces the drawn payment method,
        `appeal`/`tribute` False leave those out), so one gift more or less of
        a kind does not shift what every later gift draws."""
        rng = self.rng
        fund, appeal_id = self.fund(), self.appeal(day)
        drawn = rng.choices(self.method_names, cum_weights=self.method_weights)[0]
        anonymous = rng.random() < 0.02
        acknowledged = _noon(day + timedelta(days=rng.randint(2, 10))) if (self.today - day).days > 14 else None
        kind = name = ""
        if rng.random() < 0.01:
            kind, name = rng.choice(("memory", "honour")), rng.choice(self.tribute_names)
        if not tribute:
            kind = name = ""
        noon = _noon(day)
        return (contact_id, amount, self.currency, day, fund, appeal_id if appeal else None, method or drawn,
                anonymous, kind, name, acknowledged, noon, noon)


class Chunk:
    """One chunk of donors' rows, inserted together; gifts point at pledges
    and recurring gifts by their position in this chunk until those have ids.
    `donor_years`: refresh its donors' years as it writes (a bulk seed builds
    them all at the end instead: each refresh reads the donors' gifts by an
    index the bulk seed has dropped, which made it a scan of every gift per
    chunk, two hours of a million-contact seed on PostgreSQL)."""

    def __init__(self, seeder: Seeder, donor_years: bool = True):
        self.s = seeder
        self.donor_years = donor_years
        self.gifts: list[tuple] = []
        self.gift_pledge: list[int | None] = []
        self.gift_recurring: list[int | None] = []
        self.credits: list[list[tuple[int, str]]] = []
        self.pledges: list[tuple] = []
        self.installments: list[list[tuple[date, Decimal]]] = []
        self.recurring: list[tuple] = []

    def add(self, row: tuple, credit_to: list[tuple[int, str]], pledge: int | None = None,
            recurring: int | None = None) -> None:
        self.gifts.append(row)
        self.credits.append(credit_to)
        self.gift_pledge.append(pledge)
        self.gift_recurring.append(recurring)

    def write(self) -> int:
        pledge_ids = bulk_insert.insert_returning_ids(Pledge.__table__, PLEDGE_COLUMNS, self.pledges)
        bulk_insert.insert_rows(PledgeInstallment.__table__, INSTALLMENT_COLUMNS, [
            (pid, due, amount)
            for pid, schedule in zip(pledge_ids, self.installments, strict=True) for due, amount in schedule])
        recurring_ids = bulk_insert.insert_returning_ids(RecurringGift.__table__, RECURRING_COLUMNS, self.recurring)
        rows = [(*row, pledge_ids[p] if p is not None else None, recurring_ids[r] if r is not None else None)
                for row, p, r in zip(self.gifts, self.gift_pledge, self.gift_recurring, strict=True)]
        gift_ids = bulk_insert.insert_returning_ids(Gift.__table__, GIFT_COLUMNS, rows)
        rollup = gift_rollup.Changes()
        for contact_id, amount, currency, received_on, fund_id, appeal_id, *_ in self.gifts:
            rollup.add(currency, received_on, amount, 1, fund_id, appeal_id,
                       contact_id if self.donor_years else None)
        rollup.apply()
        bulk_insert.insert_rows(SoftCredit.__table__, CREDIT_COLUMNS, [
            (gid, cid, row[1], role)
            for gid, row, credit_to in zip(gift_ids, self.gifts, self.credits, strict=True)
            for cid, role in credit_to])
        return len(self.gifts)


class Donors:
    """The giving history of one donor at a time, into a Chunk."""

    def __init__(self, seeder: Seeder, partners: dict[int, list[tuple[int, str]]]):
        self.s, self.partners = seeder, partners

    def history(self, out: Chunk, contact_id: int, profile: str) -> None:
        s, rng = self.s, self.s.rng
        credit_to = self.partners.get(contact_id, []) if rng.random() < 0.6 else []
        amount = Decimal(rng.choice(SMALL))

        def give(day: date, value: Decimal = amount, **extra) -> None:
            out.add(s.gift(contact_id, value, day, **extra), credit_to)

        if profile == "one_off":
            give(s.any_day())
        elif profile == "occasional":
            for _ in range(rng.randint(2, 4)):
                give(s.any_day(), Decimal(rng.choice(SMALL)))
        elif profile in ("loyal", "lapsed"):
            years = list(range(s.first_day.year, s.today.year + 1))
            if profile == "loyal":
                years = years[rng.randint(0, len(years) - 2):]
            else:  # stopped one to three years ago, after one to three years of giving
                stop = s.today.year - rng.randint(1, 3)
                years = [y for y in years if y <= stop][-rng.randint(1, 3):]
            month, dom = rng.randint(1, 12), rng.randint(1, 28)
            for year in years:
                day = date(year, month, dom) + timedelta(days=rng.randint(-20, 20))
                if s.first_day <= day <= s.today:
                    give(day, _cents(float(amount) * (1 + 0.05 * (year - years[0]))))
        elif profile == "monthly":
            self.monthly(out, contact_id, credit_to)
        else:
            self.major(out, contact_id, credit_to)

    def monthly(self, out: Chunk, contact_id: int, credit_to) -> None:
        s, rng = self.s, self.s.rng
        months = int(rng.triangular(1, YEARS * 12 - 1, 1))  # most started in the last two years
        start = _add_months(s.today.replace(day=1), -months) + timedelta(days=rng.randint(0, 27))
        ended = rng.random() < 0.2 and months > 3
        end = _add_months(start, rng.randint(2, months - 1)) if ended else None
        amount = Decimal(rng.choice(MONTHLY))
        out.recurring.append((contact_id, amount, s.currency, "monthly", start, end, s.fund(), "direct_debit",
                              f"DD{contact_id:08d}", "ended" if ended else "active", _noon(start)))
        index = len(out.recurring) - 1
        day, last = start, min(end or s.today, s.today)
        while day <= last:
            out.add(s.gift(contact_id, amount, day, "direct_debit", appeal=False, tribute=False), credit_to,
                    recurring=index)
            day = _add_months(day, 1)

    def major(self, out: Chunk, contact_id: int, credit_to) -> None:
        s, rng = self.s, self.s.rng
        for _ in range(rng.randint(2, 5)):
            out.add(s.gift(contact_id, Decimal(rng.choice((1000, 2500, 5000, 10000, 25000))), s.any_day(),
                           rng.choice(("cheque", "bank", "stock"))), credit_to)
        if rng.random() < 0.6:
            total = Decimal(rng.choice((5000, 10000, 25000, 50000, 100000)))
            count = rng.randint(2, 5)
            pledged = s.day_between(s.today - timedelta(days=4 * 365), s.today - timedelta(days=30))
            part = (total / count).quantize(Decimal("0.01"))
            schedule = [(_add_months(pledged, 1 + 12 * i), part) for i in range(count - 1)]
            schedule.append((_add_months(pledged, 1 + 12 * (count - 1)), total - part * (count - 1)))
            paid = [(due, amt) for due, amt in schedule if due <= s.today]
            out.pledges.append((contact_id, total, s.currency, pledged, s.fund(),
                                "fulfilled" if len(paid) == count else "open", _noon(pledged)))
            out.installments.append(schedule)
            for due, amt in paid:
                paid_on = min(due + timedelta(days=rng.randint(0, 10)), s.today)
                out.add(s.gift(contact_id, amt, paid_on, "bank", tribute=False), credit_to,
                        pledge=len(out.pledges) - 1)


def _partners(contacts: list[tuple[int, str, int | None]]) -> dict[int, list[tuple[int, str]]]:
    """Whom a donor's gifts soft-credit: a person's spouse (the other of the
    first two members of their household); a household's first two members."""
    members: dict[int, list[int]] = {}
    for cid, kind, household_id in contacts:
        if household_id is not None and kind != HOUSEHOLD:
            members.setdefault(household_id, []).append(cid)
    out: dict[int, list[tuple[int, str]]] = {}
    for household_id, ids in members.items():
        couple = ids[:2]
        out[household_id] = [(m, "household") for m in couple]
        if len(couple) == 2:
            out[couple[0]] = [(couple[1], "spouse")]
            out[couple[1]] = [(couple[0], "spouse")]
    return out


def _opportunities(seeder: Seeder, contacts: list[tuple[int, str, int | None]], n: int) -> int:
    """A few opportunities per thousand contacts across the active pipelines,
    each with its stage history from the first stage."""
    rng, today = seeder.rng, seeder.today
    pipelines = list(db.session.scalars(select(Pipeline).where(Pipeline.archived.is_(False))
                                        .order_by(Pipeline.position, Pipeline.id)))
    if not pipelines or not contacts:
        return 0
    reasons = list(db.session.scalars(select(LostReason.id).where(LostReason.active.is_(True))
                                      .order_by(LostReason.position)))
    orgs = [c for c, kind, _ in contacts if kind == ORGANISATION]
    people = [c for c, kind, _ in contacts if kind != ORGANISATION]
    rows, paths = [], []
    # A small demo still gets a board worth looking at; at scale, a few per thousand.
    for i in range(min(max(2, n // 10), max(MIN_OPPORTUNITIES, n * OPPORTUNITIES_PER_THOUSAND // 1000))):
        pipeline = pipelines[i % len(pipelines)]
        grant = "grant" in pipeline.name.lower()
        contact_id = rng.choice(orgs if grant and orgs else people or orgs)
        open_stages = [st for st in pipeline.stages if st.outcome == OPEN]
        won = [st for st in pipeline.stages if st.outcome == WON]
        lost = [st for st in pipeline.stages if st.outcome == LOST]
        if not open_stages:
            continue
        ending = rng.choices((OPEN, WON, LOST), (6, 2, 2))[0]
        if ending == WON and won:
            path = open_stages + won[:1]
        elif ending == LOST and lost:
            path = open_stages[:rng.randint(1, len(open_stages))] + lost[:1]
        else:
            path = open_stages[:rng.randint(1, len(open_stages))]
        created = today - timedelta(days=rng.randint(len(path) * 7, 540))
        steps = sorted(rng.sample(range(1, max(2, (today - created).days)), len(path) - 1)) if len(path) > 1 else []
        times = [_noon(created)] + [_noon(created + timedelta(days=d)) for d in steps]
        final = path[-1]
        closed = times[-1].date() if final.outcome != OPEN else None
        amount = Decimal(rng.choice((2500, 5000, 10000, 25000, 50000, 100000, 250000)))
        name = rng.choice(ASKS) + ("" if not grant else f" {created.year}")
        expected = None if closed else today + timedelta(days=rng.randint(-15, 240))
        owner = seeder.users[i % len(seeder.users)] if seeder.users else None
        next_step = rng.choice(NEXT_STEPS) if not closed else ""
        reason = rng.choice(reasons) if final.outcome == LOST and reasons else None
        rows.append((pipeline.id, final.id, contact_id, name, amount, seeder.currency, expected, owner, next_step,
                     closed, reason, times[-1], times[0], times[-1]))
        paths.append((contact_id, [st.id for st in path], times))
    ids = bulk_insert.insert_returning_ids(Opportunity.__table__, OPPORTUNITY_COLUMNS, rows)
    bulk_insert.insert_rows(StageChange.__table__, STAGE_CHANGE_COLUMNS, [
        (oid, cid, stages[k - 1] if k else None, stage, times[k])
        for oid, (cid, stages, times) in zip(ids, paths, strict=True) for k, stage in enumerate(stages)])
    return len(rows)


# The tables a bulk seed drops the plain indexes of (the ones that grow with the data).
BULK_TABLES = tuple(model.__table__.name for model in (Gift, SoftCredit, Pledge, PledgeInstallment, RecurringGift))


def _gifts_wanted(n: int, per_contact: int | None) -> int:
    """The gifts to top up to: `per_contact` (by default the app's
    SEED_GIFTS_PER_CONTACT; 0 or less: none) times `n`."""
    if per_contact is None:
        from flask import current_app

        per_contact = int(current_app.config.get("SEED_GIFTS_PER_CONTACT") or 0)
    return max(0, per_contact) * n


def seed(n: int, rng: random.Random, progress, *, today: date | None = None,
         gifts_per_contact: int | None = None) -> None:
    """The hook; `today` pins the dates everything is drawn around (tests).
    Into a database without gifts, for BULK_FROM or more contacts, one
    transaction that builds the giving tables' plain indexes at the end;
    otherwise each chunk of donors commits.

    With `gifts_per_contact` (SEED_GIFTS_PER_CONTACT; the bench's 5 gives
    issue 13's 5,000,000 gifts at 1,000,000 contacts), once every donor has
    their history, contacts drawn at random (donors or not) each get one more
    history of a drawn profile, a chunk at a time, until the gifts reach
    that many per contact: more donors and busier ones, still of the same
    kinds. Without it the giving is as before, draw for draw."""
    seeder = Seeder(rng, today)
    wanted = _gifts_wanted(n, gifts_per_contact)
    contacts = [tuple(r) for r in db.session.execute(
        select(Contact.id, Contact.kind, Contact.household_id).where(Contact.deleted_at.is_(None))
        .order_by(Contact.id))]
    partners = _partners(contacts)
    donors = sorted(rng.sample([c[0] for c in contacts], min(len(contacts), max(1, n // 2)))) if contacts else []
    names, weights = [p for p, _ in PROFILES], [w for _, w in PROFILES]
    history = Donors(seeder, partners)
    bulk = n >= BULK_FROM and db.session.scalar(select(Gift.id).limit(1)) is None
    gifts = 0
    try:
        indexes = plain_indexes(BULK_TABLES) if bulk else []
        keys = foreign_keys(BULK_TABLES) if bulk else []
        drop_foreign_keys(keys)
        drop_indexes(indexes)
        for start in range(0, len(donors), CHUNK):
            out = Chunk(seeder, donor_years=not bulk)
            for contact_id in donors[start:start + CHUNK]:
                history.history(out, contact_id, rng.choices(names, weights)[0])
            gifts += out.write()
            if not bulk:
                db.session.commit()
            progress(min(start + CHUNK, len(donors)), len(donors), "donors")
        live = [c[0] for c in contacts]
        while live and gifts < wanted:
            out = Chunk(seeder, donor_years=not bulk)
            # About 3.6 gifts a history: a quarter of the gifts still missing keeps the overshoot small.
            for contact_id in sorted(rng.choices(live, k=min(CHUNK, max(1, (wanted - gifts) // 4)))):
                history.history(out, contact_id, rng.choices(names, weights)[0])
            gifts += out.write()
            if not bulk:
                db.session.commit()
            progress(min(gifts, wanted), wanted, "gifts, topping up")
        create_indexes(indexes)
        add_foreign_keys(keys)
        if bulk:
            donor_years.rebuild()
            progress(len(donors), len(donors), f"donors, {len(indexes)} indexes built")
        opportunities = _opportunities(seeder, contacts, n)
        audit.record(audit.CREATE, object_type="pipeline_gift",
                     summary=f"Added {gifts:,} demo gifts from {len(donors):,} donors and {opportunities:,} "
                             "opportunities (demo data, flask seed)")
        db.session.commit()
    except BaseException:
        db.session.rollback()  # a bulk seed leaves nothing behind, its indexes included
        raise
    if bulk and db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))  # as the contacts seed does
        db.session.commit()
