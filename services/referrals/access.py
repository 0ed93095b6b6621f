"""Who may do what in referrals: the policy table, and how a referral's or a notification's
scope is found."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from sqlalchemy import select

from services.referrals.adapters.family_index import family_district
from services.referrals.adapters.tables import notifications, referrals
from shared.domain.errors import NotFound
from shared.runtime.service import ServiceRuntime
from shared.web.auth import Role
from shared.web.authorization import Policy, Scope, rule

HEAD, SOCIAL_WORKER = Role.HEAD, Role.SOCIAL_WORKER

TABLE = {
    "referral.create": rule(SOCIAL_WORKER, HEAD, personal=True, writes=True),
    "referral.list": rule(SOCIAL_WORKER, HEAD, lists=True),  # each family listed is audited
    "referral.read": rule(SOCIAL_WORKER, HEAD, personal=True),
    # A document printed from the referral (the head's decision): audited by its route.
    "referral.document": rule(SOCIAL_WORKER, HEAD),
    "referral.interview": rule(SOCIAL_WORKER, personal=True, writes=True),
    "referral.decide": rule(HEAD, personal=True, writes=True),
    "notification.school": rule(Role.SCHOOL, personal=True, writes=True),
    "notification.court": rule(Role.COURT, personal=True, writes=True),
    "notification.read": rule(Role.SCHOOL, Role.COURT, HEAD),
    "family.erase": rule(Role.ADMIN, personal=True, writes=True),
    "audit.read": rule(HEAD, Role.ADMIN),
    "events.feed": rule(Role.SERVICE),
}


def _uuid(params: Mapping[str, Any], name: str, entity: str) -> UUID:
    try:
        return UUID(str(params[name]))
    except ValueError as exc:
        raise NotFound(entity=entity, id=params[name]) from exc


async def referral_scope(runtime: ServiceRuntime, params: Mapping[str, Any]) -> Scope:
    referral_id = _uuid(params, "referral_id", "referral")
    async with runtime.reads.connect() as conn:
        row = (
            await conn.execute(
                select(referrals.c.district, referrals.c.family_id).where(
                    referrals.c.referral_id == referral_id
                )
            )
        ).first()
    if row is None:
        raise NotFound(entity="referral", id=referral_id)
    return Scope(
        entity="referral",
        resource_id=referral_id,
        district=row.district,
        family_id=row.family_id,
    )


async def notification_scope(runtime: ServiceRuntime, params: Mapping[str, Any]) -> Scope:
    notification_id = _uuid(params, "notification_id", "notification")
    async with runtime.reads.connect() as conn:
        row = (
            await conn.execute(
                select(notifications.c.sender_subject, notifications.c.district).where(
                    notifications.c.notification_id == notification_id
                )
            )
        ).first()
    if row is None:
        raise NotFound(entity="notification", id=notification_id)
    return Scope(
        entity="notification",
        resource_id=notification_id,
        district=row.district,
        sender=row.sender_subject,
    )


async def family_scope(runtime: ServiceRuntime, params: Mapping[str, Any]) -> Scope:
    family_id = _uuid(params, "family_id", "family")
    async with runtime.reads.connect() as conn:
        district = await family_district(conn, family_id)
    if district is None:
        raise NotFound(entity="family", id=family_id)
    return Scope(entity="family", resource_id=family_id, district=district, family_id=family_id)


POLICY = Policy(
    TABLE,
    {"referral": referral_scope, "notification": notification_scope, "family": family_scope},
)
