"""The daily digest: per person, one e-mail in Polish of what became due or overdue on their
task list, naming a family only by the case's number and its initials.

Each item is announced at most twice, each time once: when it enters the list ("due") and
when its date passes ("overdue"); an item already overdue when first seen is announced once.
A person gets at most one digest a day.

Why a restart never sends an item twice, and a crash never loses one:
1. The decision is one transaction: the message (with a Message-ID derived from the person
   and the day, its text, `claimed_at` = now) in `digest_messages`, unique per person and day,
   and each item it announces in `digest_sent` (person, item key, notice). Two replicas deciding
   at once collide on those keys; one commits, the other skips the person.
2. After the commit the message is sent, then `sent_at` is set (and the stored text emptied:
   it names families by their initials and is no longer needed).
3. A message left without `sent_at` (a crash, an SMTP server down) is sent again by a later run,
   after a lease, by whichever replica claims it first (a conditional UPDATE).
So a crash between the SMTP server's acceptance and step 2's `sent_at` makes the one message be
sent again: the same message, with the same Message-ID, which mail systems recognise as one
(at-least-once delivery of one identity, never a second digest with other contents). The
other order (record after sending) would lose the digest if the process died after deciding;
recording and sending cannot be one transaction with an SMTP server, so this is the narrowest
window available."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any
from uuid import UUID

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from services.reporting.adapters.mail import MailTransport
from services.reporting.adapters.tables import assistants_view, digest_messages, digest_sent
from services.reporting.application.tasks import Rows, Task, assistant_tasks, head_tasks, load_rows
from shared.domain.clock import WARSAW, Clock, as_utc
from shared.runtime.logging import get_logger

log = get_logger(__name__)

# A message decided but not marked sent is retried after this long: long enough for the
# replica that decided it to have sent it, short enough to go out the same morning.
LEASE = timedelta(minutes=10)


@dataclass(frozen=True)
class Notice:
    task: Task
    notice: str  # "due" | "overdue"


@dataclass(frozen=True)
class Person:
    """Someone a digest goes to: an assistant, or a district's head."""

    id: str  # "assistant:<uuid>" | "head:<TERC>"
    recipient: str | None
    tasks: tuple[Task, ...] = field(default=())


def message_id(person: str, day: date) -> str:
    """The same for a person and a day whoever builds it: a resent digest is the same
    message. The person is hashed: headers travel further than the body."""
    digest = hashlib.sha256(person.encode()).hexdigest()[:20]
    return f"<digest.{day:%Y%m%d}.{digest}@asysta.local>"


def _date_pl(day: date) -> str:
    return f"{day:%d.%m.%Y}"


def render(notices: list[Notice], day: date) -> tuple[str, str]:
    """The subject and the plain-text body: case numbers, initials, dates and what is due,
    nothing else about a family."""
    subject = f"Asysta: przypomnienia na dzień {_date_pl(day)} (pozycji: {len(notices)})"
    lines = [
        "Dzień dobry,",
        "",
        f"oto sprawy, które od ostatniego zestawienia stały się pilne (stan na {_date_pl(day)}).",
    ]
    overdue = [n for n in notices if n.task.overdue]
    due = [n for n in notices if not n.task.overdue]
    for heading, group in (("Po terminie:", overdue), ("Zbliżające się terminy:", due)):
        if not group:
            continue
        lines += ["", heading]
        for n in group:
            t = n.task
            who = f" ({t.family_initials})" if t.family_initials else ""
            lines.append(f"- {t.number}{who}: {t.title}; termin {_date_pl(t.due)}, {t.when}")
    lines += [
        "",
        "Szczegóły po zalogowaniu do Asysty. Ze względów bezpieczeństwa wiadomość podaje",
        "tylko numer sprawy i inicjały rodziny.",
        "",
        "-- ",
        "Asysta: wiadomość wysłana automatycznie, prosimy na nią nie odpowiadać.",
    ]
    return subject, "\n".join(lines) + "\n"


def new_notices(tasks: Iterable[Task], already: set[tuple[str, str]]) -> list[Notice]:
    """What the person was not yet told: an item entering the list, or passing its date."""
    notices = []
    for task in tasks:
        notice = "overdue" if task.overdue else "due"
        if (task.key, notice) not in already:
            notices.append(Notice(task, notice))
    return notices


@dataclass
class DigestResult:
    sent: list[str] = field(default_factory=list)  # person ids
    resent: list[str] = field(default_factory=list)
    skipped_no_recipient: int = 0


@dataclass
class Digest:
    """Decides and sends the day's digests. `head_emails`: TERC -> address;
    `assistant_emails`: assistant id -> address, for those the directory has none for."""

    engine: AsyncEngine
    clock: Clock
    transport: MailTransport
    sender: str
    head_emails: dict[str, str] = field(default_factory=dict)
    assistant_emails: dict[str, str] = field(default_factory=dict)

    async def run(self) -> DigestResult:
        """One pass: send what an earlier pass decided and did not send, then decide and send
        today's digests of everyone who has something new and no digest yet today."""
        result = DigestResult()
        result.resent = await self.send_pending()
        day = self.clock.today()
        for person in await self.people(day):
            if person.recipient is None and self.transport.needs_recipient:
                result.skipped_no_recipient += 1
                log.info("digest.no_recipient", person=person.id)
                continue
            decided = await self._decide(person, day)
            if decided is not None and await self._send(decided):
                result.sent.append(person.id)
        return result

    async def people(self, day: date) -> list[Person]:
        async with self.engine.connect() as conn:
            rows = await load_rows(conn)
            emails = {
                row.assistant_id: row.email
                for row in await conn.execute(
                    select(assistants_view.c.assistant_id, assistants_view.c.email)
                )
            }
        return self._people(rows, emails, day)

    def _people(self, rows: Rows, emails: dict[UUID, str | None], day: date) -> list[Person]:
        people = []
        for assistant_id in sorted({c.assistant_id for c in rows.cases if c.assistant_id}, key=str):
            tasks = assistant_tasks(rows, assistant_id, day)
            if tasks:
                address = emails.get(assistant_id) or self.assistant_emails.get(str(assistant_id))
                people.append(Person(f"assistant:{assistant_id}", address, tuple(tasks)))
        districts = sorted({c.district for c in rows.cases} | {r.district for r in rows.referrals})
        for district in districts:
            tasks = head_tasks(rows, district, day)
            if tasks:
                people.append(
                    Person(f"head:{district}", self.head_emails.get(district), tuple(tasks))
                )
        return people

    async def _decide(self, person: Person, day: date) -> dict[str, Any] | None:
        """The message of the day for this person and the items it announces, in one
        transaction; None when there is nothing new or the day's digest was already decided
        (here or by another replica)."""
        now = self.clock.now()
        try:
            async with self.engine.begin() as conn:
                if (
                    await conn.execute(
                        select(digest_messages.c.message_id).where(
                            digest_messages.c.person == person.id, digest_messages.c.day == day
                        )
                    )
                ).first() is not None:
                    return None
                keys = [t.key for t in person.tasks]
                already = {
                    (row.item_key, row.notice)
                    for row in await conn.execute(
                        select(digest_sent.c.item_key, digest_sent.c.notice).where(
                            digest_sent.c.person == person.id, digest_sent.c.item_key.in_(keys)
                        )
                    )
                }
                notices = new_notices(person.tasks, already)
                if not notices:
                    return None
                subject, body = render(notices, day)
                row = {
                    "message_id": message_id(person.id, day),
                    "person": person.id,
                    "day": day,
                    "recipient": person.recipient,
                    "subject": subject,
                    "body": body,
                    "created_at": now,
                    "claimed_at": now,
                    "sent_at": None,
                }
                await conn.execute(insert(digest_messages), row)
                # An item overdue at first sight is announced once: both notices recorded.
                recorded = [
                    {"item_key": n.task.key, "notice": notice}
                    for n in notices
                    for notice in (("due", "overdue") if n.notice == "overdue" else ("due",))
                    if (n.task.key, notice) not in already
                ]
                await conn.execute(
                    insert(digest_sent),
                    [
                        {**r, "person": person.id, "day": day, "message_id": row["message_id"]}
                        for r in recorded
                    ],
                )
        except IntegrityError:
            log.info("digest.decided_elsewhere", person=person.id)
            return None
        return row

    async def send_pending(self) -> list[str]:
        """Send the messages decided earlier and never marked sent, once their lease ran out."""
        now = self.clock.now()
        async with self.engine.connect() as conn:
            pending = (
                await conn.execute(
                    select(digest_messages).where(
                        digest_messages.c.sent_at.is_(None),
                        or_(
                            digest_messages.c.claimed_at.is_(None),
                            digest_messages.c.claimed_at < now - LEASE,
                        ),
                    )
                )
            ).all()
        resent = []
        for row in pending:
            async with self.engine.begin() as conn:
                claimed = await conn.execute(
                    update(digest_messages)
                    .where(
                        digest_messages.c.message_id == row.message_id,
                        digest_messages.c.sent_at.is_(None),
                        or_(
                            digest_messages.c.claimed_at.is_(None),
                            and_(digest_messages.c.claimed_at == row.claimed_at),
                        ),
                    )
                    .values(claimed_at=now)
                )
            if claimed.rowcount == 1 and await self._send(dict(row._mapping)):
                resent.append(row.person)
        return resent

    async def _send(self, row: dict[str, Any]) -> bool:
        if row["recipient"] is None and self.transport.needs_recipient:
            return False
        message = EmailMessage()
        message["From"] = self.sender
        if row["recipient"]:
            message["To"] = Address(addr_spec=row["recipient"])
        message["Subject"] = row["subject"]
        message["Message-ID"] = row["message_id"]
        message["Date"] = format_datetime(as_utc(row["created_at"]).astimezone(WARSAW))
        message["X-Asysta-Person"] = row["person"]
        message["X-Asysta-Items"] = str(row["body"].count("\n- "))
        message.set_content(row["body"])
        try:
            await self.transport.send(message)
        except Exception as exc:
            log.warning("digest.send_failed", person=row["person"], error=type(exc).__name__)
            return False
        async with self.engine.begin() as conn:
            await conn.execute(
                update(digest_messages)
                .where(digest_messages.c.message_id == row["message_id"])
                # The text names families by initials: kept only while it may be resent.
                .values(sent_at=self.clock.now(), body="")
            )
        log.info("digest.sent", person=row["person"], message_id=row["message_id"])
        return True


def due_now(clock: Clock, hour: int) -> bool:
    """Whether today's digest may go out: from the configured hour, Warsaw time."""
    local: datetime = clock.now().astimezone(WARSAW)
    return local.hour >= hour
