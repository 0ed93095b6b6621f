"""The referrals service's command handlers: one named function per command, each
`(command, unit of work, clock) -> what it created or changed`. The API, the command line and
the tests call these; every write goes through the unit of work."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any
from uuid import UUID

from pydantic import BaseModel

from services.referrals.application.ports import NotificationRecord, ReferralsUnitOfWork
from services.referrals.domain import court_request, family
from services.referrals.domain import referral as rules
from services.referrals.domain.court_request import COURT_REQUEST, ReceiveOpinionRequest
from services.referrals.domain.errors import NoActiveCaseForOpinion, NotificationReferenceReused
from services.referrals.domain.family import FAMILY, EraseFamily
from services.referrals.domain.referral import (
    REFERRAL,
    DecideOnReferral,
    RecordDuplicate,
    RecordInterview,
    ReferFamily,
    Referral,
    ReferralStatus,
)
from shared.domain.clock import Clock
from shared.domain.errors import NotFound
from shared.events import FamilyMember
from shared.runtime.logging import get_logger

log = get_logger(__name__)


class Filed(BaseModel):
    """A referral filed: its id and status (linked, if the family was known), and what it was
    linked to."""

    referral_id: UUID
    status: ReferralStatus
    linked_to_referral_id: UUID | None = None
    linked_to_case_id: UUID | None = None


@dataclass(frozen=True)
class ReferralChanged:
    """The answer to a command on a referral: which one, where it stands now, its version after
    the command and the types of the events the command stored (a linked family's open
    referral's too); on filing, what it was linked to. Built from what the unit of work holds:
    answering reads none of the referral's history."""

    referral_id: UUID
    family_id: UUID | None
    status: ReferralStatus
    obligatory: bool
    version: int
    events: tuple[str, ...]
    linked_to_referral_id: UUID | None = None
    linked_to_case_id: UUID | None = None


def _changed(
    uow: ReferralsUnitOfWork, referral_id: UUID, state: Referral, filed: Filed | None = None
) -> ReferralChanged:
    return ReferralChanged(
        referral_id=referral_id,
        family_id=state.family_id,
        status=state.status,
        obligatory=state.source is not None and state.source.is_obligatory,
        version=uow.version(REFERRAL, referral_id),
        events=tuple(event.event_type for event in uow.added),
        linked_to_referral_id=filed.linked_to_referral_id if filed else None,
        linked_to_case_id=filed.linked_to_case_id if filed else None,
    )


async def _file(cmd: ReferFamily, uow: ReferralsUnitOfWork, today: date) -> Filed:
    """File a referral in the caller's unit of work. A family that already has an open
    referral or an active case (matched by PESEL, in any district) is linked there."""
    match = await uow.families.find(cmd.members)
    if match is None:
        known = await uow.families.known_family(cmd.members)
        if known is not None:
            cmd = replace(cmd, family_id=known)
    else:
        cmd = replace(cmd, existing=match)
    state = await uow.find(REFERRAL, cmd.referral_id)
    state = uow.add(REFERRAL, cmd.referral_id, rules.refer(state, cmd, today=today))
    if match is not None and match.referral_id is not None:
        existing = await uow.get(REFERRAL, match.referral_id)
        duplicate = RecordDuplicate(
            referral_id=match.referral_id,
            duplicate_id=cmd.referral_id,
            source=cmd.source,
            sender_reference=cmd.sender_reference,
            referred_on=cmd.referred_on or today,
            district=cmd.district,
        )
        uow.add(
            REFERRAL, match.referral_id, rules.record_duplicate(existing, duplicate, today=today)
        )
    if match is None and state.family_id is not None:
        await uow.families.hold(cmd.members, cmd.referral_id, state.family_id)
    log.info(
        "referral.filed",
        referral_id=str(cmd.referral_id),
        district=cmd.district,
        source=cmd.source.value,
        linked=match is not None,
    )
    return Filed(
        referral_id=cmd.referral_id,
        status=state.status,
        linked_to_referral_id=match.referral_id if match is not None else None,
        linked_to_case_id=match.case_id if match is not None else None,
    )


async def refer_family(cmd: ReferFamily, uow: ReferralsUnitOfWork, clock: Clock) -> ReferralChanged:
    async with uow:
        filed = await _file(cmd, uow, clock.today())
        state = await uow.get(REFERRAL, filed.referral_id)
    return _changed(uow, filed.referral_id, state, filed)


async def record_interview(
    cmd: RecordInterview, uow: ReferralsUnitOfWork, clock: Clock
) -> ReferralChanged:
    async with uow:
        state = await uow.get(REFERRAL, cmd.referral_id)
        state = uow.add(
            REFERRAL, cmd.referral_id, rules.record_interview(state, cmd, today=clock.today())
        )
    return _changed(uow, cmd.referral_id, state)


async def decide_on_referral(
    cmd: DecideOnReferral, uow: ReferralsUnitOfWork, clock: Clock
) -> ReferralChanged:
    async with uow:
        state = await uow.get(REFERRAL, cmd.referral_id)
        state = uow.add(REFERRAL, cmd.referral_id, rules.decide(state, cmd, today=clock.today()))
        if state.status is ReferralStatus.DECLINED:
            # A declined family may be referred again; a granted one stays held until its
            # case is known here.
            await uow.families.release(cmd.referral_id)
    log.info("referral.decided", referral_id=str(cmd.referral_id), status=state.status.value)
    return _changed(uow, cmd.referral_id, state)


async def erase_family(cmd: EraseFamily, uow: ReferralsUnitOfWork, clock: Clock) -> UUID:
    async with uow:
        district = await uow.families.last_district(cmd.family_id)
        if district is None:
            raise NotFound(entity="family", id=cmd.family_id)
        await uow.family_data.destroy(cmd.family_id, clock.now())
        state = await uow.find(FAMILY, cmd.family_id)
        uow.add(
            FAMILY,
            cmd.family_id,
            family.erase(state, replace(cmd, district=district), today=clock.today()),
        )
    log.info("family.erased", family_id=str(cmd.family_id))
    return cmd.family_id


# --- Inbound notifications of schools and courts ---------------------------------------------


@dataclass(frozen=True)
class Notification:
    """Who sent what: idempotent by the sender's own reference (`sender_key`); the same
    notification sent again gets the same answer, the same reference with other content
    (`body_digest`) is refused."""

    sender_key: str
    sender: str
    sender_subject: str
    district: str
    kind: str
    reference: str
    body_digest: str

    @staticmethod
    def digest(payload: dict[str, Any]) -> str:
        """The fingerprint of what the sender sent, to tell a repeat from a reused reference."""
        text = json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class ReceiveReferralNotification:
    """A school's notification or a court's order: a referral of the family."""

    notification: Notification
    referral: ReferFamily
    notification_id: UUID = field(default_factory=uuid.uuid4)


@dataclass(frozen=True)
class ReceiveOpinionRequestNotification:
    """A court asks for an opinion on a family the centre works with (by PESEL)."""

    notification: Notification
    members: tuple[FamilyMember, ...]
    court_name: str
    case_signature: str
    deadline: date
    received_on: date | None = None  # None: today
    notification_id: UUID = field(default_factory=uuid.uuid4)


class NotificationAnswer(BaseModel):
    """What the sender is answered, the first time and every time they send it again."""

    status_code: int
    body: dict[str, Any]


async def _answered(
    uow: ReferralsUnitOfWork, notification: Notification
) -> NotificationAnswer | None:
    stored = await uow.notifications.find(notification.sender_key)
    if stored is None:
        return None
    if stored.body_digest != notification.body_digest:
        raise NotificationReferenceReused(reference=notification.reference)
    return NotificationAnswer(status_code=stored.status_code, body=stored.response)


async def _keep(
    uow: ReferralsUnitOfWork,
    clock: Clock,
    notification: Notification,
    notification_id: UUID,
    fields: dict[str, Any],
    *,
    referral_id: UUID | None = None,
    case_id: UUID | None = None,
) -> NotificationAnswer:
    body = {"notification_id": str(notification_id), "kind": notification.kind, **fields}
    await uow.notifications.record(
        NotificationRecord(
            sender_key=notification.sender_key,
            notification_id=notification_id,
            sender=notification.sender,
            sender_subject=notification.sender_subject,
            district=notification.district,
            kind=notification.kind,
            body_digest=notification.body_digest,
            status_code=201,
            response=body,
            received_at=clock.now(),
            referral_id=referral_id,
            case_id=case_id,
        )
    )
    log.info("notification.received", kind=notification.kind, notification_id=str(notification_id))
    return NotificationAnswer(status_code=201, body=body)


async def receive_referral_notification(
    cmd: ReceiveReferralNotification, uow: ReferralsUnitOfWork, clock: Clock
) -> NotificationAnswer:
    async with uow:
        answered = await _answered(uow, cmd.notification)
        if answered is not None:
            return answered
        filed = await _file(cmd.referral, uow, clock.today())
        return await _keep(
            uow,
            clock,
            cmd.notification,
            cmd.notification_id,
            {"referral_id": str(filed.referral_id), "status": filed.status.value},
            referral_id=filed.referral_id,
        )


async def receive_opinion_request(
    cmd: ReceiveOpinionRequestNotification, uow: ReferralsUnitOfWork, clock: Clock
) -> NotificationAnswer:
    async with uow:
        answered = await _answered(uow, cmd.notification)
        if answered is not None:
            return answered
        match = await uow.families.active_case(cmd.members)
        if match is None or match.case_id is None or match.family_id is None:
            raise NoActiveCaseForOpinion(signature=cmd.case_signature)
        request = ReceiveOpinionRequest(
            notification_id=cmd.notification_id,
            district=cmd.notification.district,
            case_id=match.case_id,
            family_id=match.family_id,
            court_name=cmd.court_name,
            case_signature=cmd.case_signature,
            received_on=cmd.received_on or clock.today(),
            deadline=cmd.deadline,
        )
        state = await uow.find(COURT_REQUEST, cmd.notification_id)
        uow.add(
            COURT_REQUEST,
            cmd.notification_id,
            court_request.receive(state, request, today=clock.today()),
        )
        return await _keep(
            uow,
            clock,
            cmd.notification,
            cmd.notification_id,
            {
                "case_id": str(match.case_id),
                "status": "forwarded_to_case",
                "deadline": cmd.deadline.isoformat(),
            },
            case_id=match.case_id,
        )
