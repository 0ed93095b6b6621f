"""Who may do what in casework: the policy table, and how a case's scope is found."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from services.casework.domain.case import CASE
from shared.auth import Role
from shared.authorization import Policy, Scope, rule
from shared.errors import NotFound
from shared.runtime import ServiceRuntime

HEAD, ASSISTANT, SOCIAL_WORKER = Role.HEAD, Role.ASSISTANT, Role.SOCIAL_WORKER

TABLE = {
    "case.list": rule(HEAD, ASSISTANT, SOCIAL_WORKER),
    "case.read": rule(HEAD, ASSISTANT, SOCIAL_WORKER, personal=True),
    "waiting_list.read": rule(HEAD, SOCIAL_WORKER),
    "case.assign": rule(HEAD, personal=True, writes=True),
    "case.consent": rule(ASSISTANT, HEAD, personal=True, writes=True),
    "case.visit": rule(ASSISTANT, personal=True, writes=True),
    "case.plan": rule(ASSISTANT, personal=True, writes=True),
    "case.assess": rule(ASSISTANT, personal=True, writes=True),
    "case.court_request": rule(ASSISTANT, HEAD, personal=True, writes=True),
    "case.court_opinion": rule(ASSISTANT, personal=True, writes=True),
    "court_opinions.list": rule(HEAD, ASSISTANT),
    "assessments.overdue": rule(HEAD),
    "case.close": rule(HEAD, personal=True, writes=True),
    "case.reopen": rule(HEAD, ASSISTANT, personal=True, writes=True, while_monitoring=True),
    "case.transfer": rule(HEAD, personal=True, writes=True),
    "case.transfer_decision": rule(HEAD, personal=True, writes=True),
    "capacity.read": rule(HEAD),
    "retention.read": rule(HEAD, Role.ADMIN),
    "audit.read": rule(HEAD, Role.ADMIN),
    "events.feed": rule(Role.SERVICE),
}


async def case_scope(runtime: ServiceRuntime, params: Mapping[str, Any]) -> Scope:
    try:
        case_id = UUID(str(params["case_id"]))
    except ValueError as exc:
        raise NotFound(entity="case", id=params["case_id"]) from exc
    async with runtime.engine.connect() as conn:
        state, _, _ = await CASE.load(conn, runtime.store, case_id)
    if not state.exists:
        raise NotFound(entity="case", id=case_id)
    return Scope(
        entity="case",
        resource_id=case_id,
        district=state.district,
        family_id=state.family_id,
        past_districts=state.districts[:-1],
        assistant_id=state.assistant_id,
        monitoring_assistant_id=state.monitoring_assistant_id,
    )


POLICY = Policy(TABLE, {"case": case_scope})
