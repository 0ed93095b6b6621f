"""Applies events of every producing service to reporting's projections, a batch at a time.

The inbox hands `project` a batch's events, inside its transaction, each aggregate's in
version order (events of types reporting does not use pass through; their version still
counts). The batch's effect is folded in memory, row by row, exactly as applying the events
one after another would leave each row, then written set-wise: on PostgreSQL one statement
for the whole batch (per table a multi-row upsert of the rows the batch wrote whole, an
UPDATE ... FROM unnest of the rows it changed, the links it added or removed), on SQLite per
row (see `Changes` and shared.eventstore.sql.SetWrites). An event that reaches rows by
something other than their key (a transfer moving a case's court requests, an erasure) writes
what came before it first. Called with one event, it is the same path with a batch of one."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, update
from sqlalchemy.ext.asyncio import AsyncConnection

from services.reporting.adapters.tables import (
    PROJECTION_TABLES,
    assistant_logins,
    assistants_view,
    caseload_cases_view,
    caseloads_view,
    cases_view,
    court_opinions_view,
    referrals_view,
    visits_view,
)
from shared.events import (
    ERASED_MARK,
    AssistanceGranted,
    AssistantAssigned,
    AssistantRegistered,
    CaseAddedToCaseload,
    CaseClosed,
    CaseloadOpened,
    CaseloadResumed,
    CaseloadSuspended,
    CaseOpened,
    CaseRemovedFromCaseload,
    CaseReopened,
    CaseTransferred,
    ClosureReason,
    CourtOpinionRequested,
    CourtOpinionSubmitted,
    DomainEvent,
    Envelope,
    FamilyConsentRecorded,
    FamilyDataErased,
    FamilyMember,
    FamilyReferred,
    FamilySituationAssessed,
    MonitoringEnded,
    PlanUpdated,
    ReferralDeclined,
    ReferralLinked,
    TransferAccepted,
    TransferDeclined,
    VisitLogged,
    WorkStarted,
)
from shared.events.directory import (
    AssistantDeactivated,
    AssistantEmailChanged,
    AssistantEmploymentChanged,
    AssistantLoginChanged,
    AssistantReactivated,
)
from shared.eventstore.sql import EARLIEST, FIRST, LATEST, SET, SetWrites
from shared.messaging.inbox import SetWise
from shared.runtime.assistant_logins import project_logins

Apply = Callable[["Changes", Envelope, Any], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class First:
    """A column's new value that only fills it if it is empty (the first date stays)."""

    value: Any


@dataclass(frozen=True, slots=True)
class Latest:
    """A column's new value that replaces it only if it is empty or earlier."""

    value: Any


@dataclass(frozen=True, slots=True)
class Earliest:
    """A column's new value that replaces it only if it is empty or later (the earliest date
    stays, whatever order the events arrive in)."""

    value: Any


def _earlier(stored: Any, new: Any) -> Any:
    # As SQL's `stored IS NULL OR stored > new`: a NULL new value never wins over a stored one.
    if stored is None or (new is not None and new < stored):
        return new
    return stored


def _later(stored: Any, new: Any) -> Any:
    # As SQL's `stored IS NULL OR stored < new`: a NULL new value never wins over a stored one.
    if stored is None or (new is not None and stored < new):
        return new
    return stored


def _as_op(value: Any) -> tuple[int, Any]:
    if isinstance(value, First):
        return FIRST, value.value
    if isinstance(value, Latest):
        return LATEST, value.value
    if isinstance(value, Earliest):
        return EARLIEST, value.value
    return SET, value


def _then(before: tuple[int, Any], after: tuple[int, Any]) -> tuple[int, Any] | None:
    """One column op standing for `before` then `after` on an unknown stored value; None if
    no single op does."""
    (op1, v1), (op2, v2) = before, after
    if op2 == SET:
        return after
    if op1 == SET:
        if op2 == FIRST:
            return SET, v1 if v1 is not None else v2
        return SET, _later(v1, v2) if op2 == LATEST else _earlier(v1, v2)
    if op1 == op2 == FIRST:
        return FIRST, v1 if v1 is not None else v2
    if op1 == op2 == LATEST and v1 is not None and v2 is not None:
        return LATEST, max(v1, v2)
    if op1 == op2 == EARLIEST and v1 is not None and v2 is not None:
        return EARLIEST, min(v1, v2)
    return None


@dataclass
class _Row:
    # The whole row, when the batch wrote it whole (an upsert replaces every column), with the
    # later changes folded in; else the changes to make to the stored row, column by column.
    whole: dict[str, Any] | None = None
    ops: dict[str, tuple[int, Any]] = field(default_factory=dict)
    # For a table of links (key columns only): whether the link ends present or deleted.
    present: bool | None = None


def _defaults(table: Table) -> dict[str, Any]:
    """A row's values where an insert names no value: the columns' scalar defaults, or NULL."""
    values: dict[str, Any] = {}
    for column in table.columns:
        default = column.default
        values[column.name] = (
            getattr(default, "arg", None) if getattr(default, "is_scalar", False) else None
        )
    return values


_DEFAULTS = {table.name: _defaults(table) for table in PROJECTION_TABLES}
_KEYS = {table.name: [c.name for c in table.primary_key.columns] for table in PROJECTION_TABLES}


class Changes:
    """A batch's effect on the projections: per table, per row key, what the events did to
    the row, folded in the events' order; written by `flush`, set-wise."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self._rows: dict[str, dict[tuple[Any, ...], _Row]] = {}
        # Logins set by the batch's directory events, in order (assistant_logins.py).
        self._logins: list[tuple[Any, str | None]] = []

    def login(self, assistant_id: Any, login: str | None) -> None:
        """The assistant signs in with `login` from now on (None: with none)."""
        self._logins.append((assistant_id, login))

    def _row(self, table: Table, key: tuple[Any, ...]) -> _Row:
        rows = self._rows.setdefault(table.name, {})
        row = rows.get(key)
        if row is None:
            row = rows[key] = _Row()
        return row

    def put(self, table: Table, values: dict[str, Any]) -> None:
        """INSERT the row, or replace every column of the stored one (an upsert)."""
        whole = dict(_DEFAULTS[table.name])
        whole.update(values)
        key = tuple(whole[k] for k in _KEYS[table.name])
        row = self._row(table, key)
        row.whole, row.ops = whole, {}

    async def change(self, table: Table, key: tuple[Any, ...], **values: Any) -> None:
        """UPDATE the row with this key, if there is one: a plain value sets a column, a
        `First` fills it if empty, a `Latest` keeps the later date."""
        row = self._row(table, key)
        if row.whole is not None:
            for column, value in values.items():
                if isinstance(value, First):
                    if row.whole[column] is None:
                        row.whole[column] = value.value
                elif isinstance(value, Latest):
                    row.whole[column] = _later(row.whole[column], value.value)
                elif isinstance(value, Earliest):
                    row.whole[column] = _earlier(row.whole[column], value.value)
                else:
                    row.whole[column] = value
            return
        for column, value in values.items():
            op = _as_op(value)
            if column in row.ops:
                folded = _then(row.ops[column], op)
                if folded is None:
                    # No one op says both: write what is pending, then keep folding.
                    await self.flush()
                    row = self._row(table, key)
                else:
                    op = folded
            row.ops[column] = op

    def link(self, table: Table, key: tuple[Any, ...], *, present: bool) -> None:
        """A row made of its key only: inserted (if missing) or deleted."""
        self._row(table, key).present = present

    async def execute(self, statement: Any) -> None:
        """A statement of its own (one that reaches rows by something other than their key):
        what the batch did before it is written first, so it sees it."""
        await self.flush()
        await self.conn.execute(statement)

    async def flush(self) -> None:
        rows, self._rows = self._rows, {}
        writes = SetWrites(self.conn)
        for table in PROJECTION_TABLES:
            changes = rows.get(table.name)
            if not changes:
                continue
            key = _KEYS[table.name]
            writes.upsert(
                table, [row.whole for row in changes.values() if row.whole is not None], key=key
            )
            writes.update(
                table,
                [(k, row.ops) for k, row in changes.items() if row.whole is None and row.ops],
                key=key,
            )
            links = [dict(zip(key, k, strict=True)) for k, row in changes.items() if row.present]
            writes.upsert(table, links, key=key, update=())
            writes.delete(table, [k for k, row in changes.items() if row.present is False], key=key)
        await writes.run()
        logins, self._logins = self._logins, []
        await project_logins(self.conn, assistant_logins, logins)


async def _case(changes: Changes, envelope: Envelope, **values: Any) -> None:
    await changes.change(cases_view, (envelope.aggregate_id,), **values)


async def _assistant(changes: Changes, envelope: Envelope, **values: Any) -> None:
    await changes.change(assistants_view, (envelope.aggregate_id,), **values)


async def _caseload(changes: Changes, envelope: Envelope, **values: Any) -> None:
    await changes.change(caseloads_view, (envelope.aggregate_id,), **values)


async def _referral(changes: Changes, envelope: Envelope, **values: Any) -> None:
    await changes.change(referrals_view, (envelope.aggregate_id,), **values)


async def _caseload_opened(changes: Changes, envelope: Envelope, event: CaseloadOpened) -> None:
    changes.put(
        caseloads_view,
        {
            "assistant_id": envelope.aggregate_id,
            "district": event.district,
            "family_limit": event.limit,
            "working": True,
        },
    )


async def _case_added_to_caseload(
    changes: Changes, envelope: Envelope, event: CaseAddedToCaseload
) -> None:
    changes.link(caseload_cases_view, (envelope.aggregate_id, event.case_id), present=True)


async def _case_removed_from_caseload(
    changes: Changes, envelope: Envelope, event: CaseRemovedFromCaseload
) -> None:
    changes.link(caseload_cases_view, (envelope.aggregate_id, event.case_id), present=False)


async def _assistant_registered(
    changes: Changes, envelope: Envelope, event: AssistantRegistered
) -> None:
    changes.put(
        assistants_view,
        {
            "assistant_id": envelope.aggregate_id,
            "district": event.district,
            "first_name": event.first_name,
            "last_name": event.last_name,
            "employment_form": event.employment_form.value,
            "works_since": event.works_since,
            "ended_on": None,
            "active": True,
        },
    )


async def _family_referred(changes: Changes, envelope: Envelope, event: FamilyReferred) -> None:
    changes.put(
        referrals_view,
        {
            "referral_id": envelope.aggregate_id,
            "family_id": event.family_id,
            "district": event.district,
            "source": event.source.value,
            "status": "awaiting_decision",
            "referred_on": event.referred_on,
            "decided_on": None,
        },
    )


async def _case_opened(changes: Changes, envelope: Envelope, event: CaseOpened) -> None:
    changes.put(
        cases_view,
        {
            "case_id": envelope.aggregate_id,
            "referral_id": event.referral_id,
            "family_id": event.family_id,
            "district": event.district,
            "source": event.source.value,
            "obligatory": event.obligatory,
            "children": sum(1 for m in event.members if m.is_child),
            "status": event.status.value,
            "assistant_id": None,
            "opened_on": event.opened_on,
            "assigned_on": None,
            "work_started_on": None,
            "next_assessment_due": None,
            "plan_version": 0,
            "last_visit_on": None,
            "closed_on": None,
            "closure_reason": None,
            "children_placed": 0,
            "monitoring_until": None,
        },
    )


async def _visit_logged(changes: Changes, envelope: Envelope, event: VisitLogged) -> None:
    changes.put(
        visits_view,
        {
            "visit_id": event.visit_id,
            "case_id": envelope.aggregate_id,
            "district": envelope.district,
            "assistant_id": event.assistant_id,
            "visited_on": event.visited_on,
            "duration_minutes": event.duration_minutes,
        },
    )
    await _case(changes, envelope, last_visit_on=Latest(event.visited_on))


async def _court_opinion_requested(
    changes: Changes, envelope: Envelope, event: CourtOpinionRequested
) -> None:
    changes.put(
        court_opinions_view,
        {
            "request_id": event.request_id,
            "case_id": envelope.aggregate_id,
            "district": envelope.district,
            "requested_on": event.requested_on,
            "deadline": event.deadline,
            "submitted_on": None,
        },
    )


async def _court_opinion_submitted(
    changes: Changes, _envelope: Envelope, event: CourtOpinionSubmitted
) -> None:
    await changes.change(court_opinions_view, (event.request_id,), submitted_on=event.submitted_on)


async def _case_transferred(changes: Changes, envelope: Envelope, event: CaseTransferred) -> None:
    await _case(
        changes,
        envelope,
        status=event.status.value,
        assistant_id=None,
        district=event.to_district,
        next_assessment_due=None,
    )
    await changes.execute(
        update(court_opinions_view)
        .where(court_opinions_view.c.case_id == envelope.aggregate_id)
        .values(district=event.to_district)
    )


def _on(event_type: type[DomainEvent], apply: Callable[..., Awaitable[None]]) -> tuple[str, Apply]:
    return event_type.event_type, apply


APPLY: dict[str, Apply] = dict(
    [
        _on(AssistantRegistered, _assistant_registered),
        _on(
            AssistantEmploymentChanged,
            lambda c, e, ev: _assistant(c, e, employment_form=ev.employment_form.value),
        ),
        _on(
            AssistantDeactivated,
            lambda c, e, ev: _assistant(c, e, active=False, ended_on=ev.ended_on),
        ),
        _on(AssistantReactivated, lambda c, e, _ev: _assistant(c, e, active=True, ended_on=None)),
        _on(CaseloadOpened, _caseload_opened),
        _on(CaseloadSuspended, lambda c, e, _ev: _caseload(c, e, working=False)),
        _on(CaseloadResumed, lambda c, e, _ev: _caseload(c, e, working=True)),
        _on(CaseAddedToCaseload, _case_added_to_caseload),
        _on(CaseRemovedFromCaseload, _case_removed_from_caseload),
        _on(FamilyReferred, _family_referred),
        _on(
            AssistanceGranted,
            lambda c, e, ev: _referral(c, e, status="granted", decided_on=ev.decided_on),
        ),
        _on(
            ReferralDeclined,
            lambda c, e, ev: _referral(c, e, status="declined", decided_on=ev.decided_on),
        ),
        _on(ReferralLinked, lambda c, e, _ev: _referral(c, e, status="linked")),
        _on(CaseOpened, _case_opened),
        _on(
            AssistantAssigned,
            lambda c, e, ev: _case(
                c,
                e,
                status=ev.status.value,
                assistant_id=ev.assistant_id,
                assigned_on=First(ev.assigned_on),
            ),
        ),
        _on(
            WorkStarted,
            lambda c, e, ev: _case(
                c,
                e,
                work_started_on=First(ev.started_on),
                next_assessment_due=ev.next_assessment_due,
            ),
        ),
        _on(
            FamilySituationAssessed,
            lambda c, e, ev: _case(c, e, next_assessment_due=ev.next_assessment_due),
        ),
        _on(VisitLogged, _visit_logged),
        _on(PlanUpdated, lambda c, e, ev: _case(c, e, plan_version=ev.plan_version)),
        _on(CourtOpinionRequested, _court_opinion_requested),
        _on(CourtOpinionSubmitted, _court_opinion_submitted),
        _on(
            CaseClosed,
            lambda c, e, ev: _case(
                c,
                e,
                status=ev.status.value,
                assistant_id=None,
                closed_on=ev.closed_on,
                closure_reason=ev.reason.value,
                children_placed=ev.children_placed_in_foster_care,
                monitoring_until=ev.monitoring_until,
                next_assessment_due=None,
            ),
        ),
        _on(
            CaseReopened,
            lambda c, e, ev: _case(
                c,
                e,
                status=ev.status.value,
                assistant_id=None,
                closed_on=None,
                closure_reason=None,
                children_placed=0,
                monitoring_until=None,
            ),
        ),
        _on(MonitoringEnded, lambda c, e, ev: _case(c, e, status=ev.status.value)),
        _on(CaseTransferred, _case_transferred),
        _on(TransferAccepted, lambda c, e, ev: _case(c, e, status=ev.status.value)),
        _on(
            TransferDeclined,
            lambda c, e, ev: _case(
                c,
                e,
                status=ev.status.value,
                closed_on=ev.decided_on,
                closure_reason=ClosureReason.MOVED_AWAY.value,
            ),
        ),
    ]
)


# Reminders' columns ---------------------------------------------------------------------
# Applied after the entries above for the same event (chained, not edited into them), so the
# reports' projection and the reminders' additions change independently.

MEMBER_ROLES_FIRST = ("parent", "guardian", "pregnant_woman", "other", "child")


def family_initials(members: Iterable[FamilyMember]) -> str | None:
    """ "J.K.": the first adult's initials, the only trace of a family a task list or an
    e-mail digest shows; None once the family's data is erased."""
    ranked = sorted(members, key=lambda m: MEMBER_ROLES_FIRST.index(m.role.value))
    for member in ranked:
        if member.first_name == ERASED_MARK or member.last_name == ERASED_MARK:
            return None
        first, last = member.first_name.strip(), member.last_name.strip()
        if first and last:
            return f"{first[0].upper()}.{last[0].upper()}."
    return None


async def _initials_of_case(changes: Changes, envelope: Envelope, event: CaseOpened) -> None:
    await _case(
        changes,
        envelope,
        family_initials=family_initials(event.members),
        consent_on=None,
        assistant_since=None,
    )


async def _initials_of_referral(
    changes: Changes, envelope: Envelope, event: FamilyReferred
) -> None:
    await _referral(changes, envelope, family_initials=family_initials(event.members))


async def _family_erased(changes: Changes, envelope: Envelope, _event: Any) -> None:
    family = envelope.family_id
    if family is None:
        return
    await changes.execute(
        update(cases_view).where(cases_view.c.family_id == family).values(family_initials=None)
    )
    await changes.execute(
        update(referrals_view)
        .where(referrals_view.c.family_id == family)
        .values(family_initials=None)
    )


async def _assistant_email(
    changes: Changes, envelope: Envelope, event: AssistantRegistered | AssistantEmailChanged
) -> None:
    # Where the assistant's digest goes: the directory's address (None: none, the settings'
    # REPORTING_ASSISTANT_EMAILS may still name one).
    await _assistant(changes, envelope, email=event.email)


async def _assistant_login(
    changes: Changes, envelope: Envelope, event: AssistantRegistered | AssistantLoginChanged
) -> None:
    changes.login(envelope.aggregate_id, event.login)


def _chain(first: Apply | None, then: Apply) -> Apply:
    async def both(changes: Changes, envelope: Envelope, event: Any) -> None:
        if first is not None:
            await first(changes, envelope, event)
        await then(changes, envelope, event)

    return both


REMINDERS: list[tuple[str, Apply]] = [
    _on(CaseOpened, _initials_of_case),
    _on(FamilyReferred, _initials_of_referral),
    _on(
        AssistantAssigned,
        lambda c, e, ev: _case(c, e, assistant_since=ev.assigned_on),
    ),
    # A second consent (signed on paper, recorded offline) may arrive later: the earliest counts.
    _on(
        FamilyConsentRecorded,
        lambda c, e, ev: _case(c, e, consent_on=Earliest(ev.given_on)),
    ),
    _on(FamilyDataErased, _family_erased),
    _on(AssistantRegistered, _assistant_email),
    _on(AssistantEmailChanged, _assistant_email),
    _on(AssistantRegistered, _assistant_login),
    _on(AssistantLoginChanged, _assistant_login),
]
for _type, _apply in REMINDERS:
    APPLY[_type] = _chain(APPLY.get(_type), _apply)


async def project_batch(conn: AsyncConnection, envelopes: Sequence[Envelope]) -> None:
    """Apply the events, in the order given, as one set of changes."""
    changes = Changes(conn)
    for envelope in envelopes:
        apply = APPLY.get(envelope.event_type)
        if apply is not None:
            await apply(changes, envelope, envelope.event())
    await changes.flush()


# The handler the inbox calls: set-wise for a batch, and for one event (a batch of one).
project = SetWise(project_batch)
