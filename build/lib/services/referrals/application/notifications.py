"""Inbound notifications of schools and courts, each in the sender's own shape, idempotent by
the sender's reference: the same notification sent again gets the same answer and has no
second effect; the same reference with different content is refused."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from services.referrals.adapters.tables import notifications
from services.referrals.application.family_index import FamilyIndex
from services.referrals.application.referrals import file_referral_in, get_referral
from services.referrals.domain.referral import ReferFamily
from shared.commands import transact
from shared.errors import DomainError, ErrorKind, NotFound
from shared.events import CourtOpinionRequestReceived, FamilyMember
from shared.eventstore import Aggregate, ConcurrencyConflict, EventMetadata
from shared.logging import get_logger
from shared.runtime import ServiceRuntime

log = get_logger(__name__)

COURT_REQUEST = "court_request"


class NotificationReferenceReused(DomainError):
    code = "notification-reference-reused"
    title_pl = "Ten znak sprawy już wykorzystano"
    title_en = "Reference already used"
    detail_pl = (
        "Powiadomienie o znaku {reference} już przyjęto z inną treścią. Nadaj nowy znak albo "
        "wyślij dokładnie to samo powiadomienie."
    )
    detail_en = (
        "A notification with reference {reference} was already received with other content. "
        "Use a new reference or send exactly the same notification."
    )


class OpinionRequestNeedsDeadline(DomainError):
    code = "opinion-request-needs-deadline"
    kind = ErrorKind.INVALID
    title_pl = "Brak terminu na opinię"
    title_en = "No deadline for the opinion"
    detail_pl = "Wezwanie o opinię o rodzinie musi podawać termin (pole deadline)."
    detail_en = "A request for an opinion on the family must give a deadline (field deadline)."


class NoActiveCaseForOpinion(DomainError):
    code = "no-active-case-for-opinion"
    title_pl = "Brak aktywnej sprawy rodziny"
    title_en = "No active case for the family"
    detail_pl = (
        "Ośrodek nie prowadzi pracy asystenta z tą rodziną (według numerów PESEL), więc nie "
        "może wydać opinii w sprawie {signature}."
    )
    detail_en = (
        "The centre has no assistant working with this family (by PESEL), so it cannot give "
        "an opinion in case {signature}."
    )


Acted = tuple[dict[str, Any], UUID | None, UUID | None]
"""What acting on a notification gave: the answer's fields, the referral and case it concerns."""
Act = Callable[[AsyncConnection, UUID], Awaitable[Acted]]


@dataclass(frozen=True)
class Answer:
    status_code: int
    body: dict[str, Any]


def body_digest(payload: dict[str, Any]) -> str:
    return hashlib.sha256(
        json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False).encode()
    ).hexdigest()


async def receive(
    runtime: ServiceRuntime,
    *,
    sender_key: str,
    sender: str,
    sender_subject: str,
    district: str,
    kind: str,
    reference: str,
    payload: dict[str, Any],
    act: Callable[
        [AsyncConnection, UUID], Awaitable[tuple[dict[str, Any], UUID | None, UUID | None]]
    ],
) -> Answer:
    """Act on a notification once: `act` runs in the same transaction as the record of the
    notification, so a repeat finds the record and gets the stored answer."""
    digest = body_digest(payload)

    async def work(conn: AsyncConnection) -> Answer:
        row = (
            await conn.execute(
                select(notifications).where(notifications.c.sender_key == sender_key)
            )
        ).first()
        if row is not None:
            if row.body_digest != digest:
                raise NotificationReferenceReused(reference=reference)
            return Answer(row.status_code, row.response)
        notification_id = uuid.uuid4()
        body, referral_id, case_id = await act(conn, notification_id)
        body = {"notification_id": str(notification_id), "kind": kind, **body}
        await conn.execute(
            insert(notifications).values(
                sender_key=sender_key,
                notification_id=notification_id,
                sender=sender,
                sender_subject=sender_subject,
                district=district,
                kind=kind,
                body_digest=digest,
                status_code=201,
                response=body,
                referral_id=referral_id,
                case_id=case_id,
                received_at=runtime.clock.now(),
            )
        )
        log.info("notification.received", kind=kind, notification_id=str(notification_id))
        return Answer(201, body)

    # A concurrent copy of the same notification loses on the primary key and, retried,
    # finds the first one's answer.
    return await transact(runtime, work, retry_on=(ConcurrencyConflict, IntegrityError))


def referral_act(
    runtime: ServiceRuntime, index: FamilyIndex, command: ReferFamily, metadata: EventMetadata
) -> Act:
    async def act(conn: AsyncConnection, _notification_id: UUID) -> Acted:
        referral_id, state = await file_referral_in(conn, runtime, index, command, metadata)
        return (
            {"referral_id": str(referral_id), "status": state.status.value},
            referral_id,
            None,
        )

    return act


def opinion_request_act(
    runtime: ServiceRuntime,
    index: FamilyIndex,
    *,
    district: str,
    members: tuple[FamilyMember, ...],
    court_name: str,
    case_signature: str,
    received_on: date,
    deadline: date,
    metadata: EventMetadata,
) -> Act:
    async def act(conn: AsyncConnection, notification_id: UUID) -> Acted:
        match = await index.active_case(conn, index.digests(members))
        if match is None or match.case_id is None or match.family_id is None:
            raise NoActiveCaseForOpinion(signature=case_signature)
        await runtime.store.append(
            conn,
            Aggregate(COURT_REQUEST, notification_id, district, match.family_id),
            0,
            [
                CourtOpinionRequestReceived(
                    case_id=match.case_id,
                    family_id=match.family_id,
                    court_name=court_name,
                    case_signature=case_signature,
                    received_on=received_on,
                    deadline=deadline,
                )
            ],
            metadata,
        )
        return (
            {
                "case_id": str(match.case_id),
                "status": "forwarded_to_case",
                "deadline": deadline.isoformat(),
            },
            None,
            match.case_id,
        )

    return act


async def notification_status(runtime: ServiceRuntime, notification_id: UUID) -> dict[str, Any]:
    async with runtime.engine.connect() as conn:
        row = (
            await conn.execute(
                select(notifications).where(notifications.c.notification_id == notification_id)
            )
        ).first()
    if row is None:
        raise NotFound(entity="notification", id=notification_id)
    body = dict(row.response)
    if row.referral_id is not None:
        referral = await get_referral(runtime, row.referral_id)
        body["status"] = referral["status"].value
    return {**body, "sender": row.sender, "received_at": row.received_at}
