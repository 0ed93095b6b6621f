"""Who may do what in casework: the policy table, and how a case's scope is found."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, select

from services.casework.adapters.tables import cases
from services.casework.domain.case import CASE
from shared.domain.errors import NotFound
from shared.events import stream_id
from shared.runtime.service import ServiceRuntime
from shared.web.auth import Role
from shared.web.authorization import Policy, Scope, rule

HEAD, ASSISTANT, SOCIAL_WORKER = Role.HEAD, Role.ASSISTANT, Role.SOCIAL_WORKER

TABLE = {
    # Lists name the families (names, contacts): each family listed is audited. The
    # administrator finds a family (by surname or PESEL) for its audit trail or erasure.
    "case.list": rule(HEAD, ASSISTANT, SOCIAL_WORKER, Role.ADMIN, lists=True),
    "case.read": rule(HEAD, ASSISTANT, SOCIAL_WORKER, personal=True),
    # A document printed from the case file: whoever may read it; the route writes the
    # audit record itself (`document.<kind>`), so the rule does not add a second one.
    "case.document": rule(HEAD, ASSISTANT, SOCIAL_WORKER),
    "waiting_list.read": rule(HEAD, SOCIAL_WORKER, lists=True),
    "case.assign": rule(HEAD, personal=True, writes=True),
    "case.consent": rule(ASSISTANT, HEAD, personal=True, writes=True),
    "case.visit": rule(ASSISTANT, personal=True, writes=True),
    "case.plan": rule(ASSISTANT, personal=True, writes=True),
    "case.assess": rule(ASSISTANT, personal=True, writes=True),
    "case.court_request": rule(ASSISTANT, HEAD, personal=True, writes=True),
    "case.court_opinion": rule(ASSISTANT, personal=True, writes=True),
    "court_opinions.list": rule(HEAD, ASSISTANT, lists=True),
    "assessments.overdue": rule(HEAD, lists=True),
    "case.close": rule(HEAD, personal=True, writes=True),
    "case.reopen": rule(HEAD, ASSISTANT, personal=True, writes=True, while_monitoring=True),
    "case.transfer": rule(HEAD, personal=True, writes=True),
    "case.transfer_decision": rule(HEAD, personal=True, writes=True),
    "capacity.read": rule(HEAD),
    "retention.read": rule(HEAD, Role.ADMIN),
    "audit.read": rule(HEAD, Role.ADMIN),
    "events.feed": rule(Role.SERVICE),
    # Records made on an assistant's device (offline), and the review of those held.
    "device_records.send": rule(ASSISTANT, personal=True, writes=True),
    "device_records.list": rule(HEAD, ASSISTANT, personal=True),
    "device_records.decide": rule(HEAD, ASSISTANT, personal=True, writes=True),
}


# Built once, executed per request (no statement construction or cache key per request).
_SCOPE = select(cases).where(cases.c.case_id == bindparam("case_id"))


async def case_scope(runtime: ServiceRuntime, params: Mapping[str, Any]) -> Scope:
    try:
        case_id = UUID(str(params["case_id"]))
    except ValueError as exc:
        raise NotFound(entity="case", id=params["case_id"]) from exc
    async with runtime.reads.connect() as conn:
        row = (await conn.execute(_SCOPE, {"case_id": case_id})).first()
        if row is None:
            raise NotFound(entity="case", id=case_id)
        if row.districts is not None:
            # The read model kept in the command's transaction: no fold of the stream here.
            return Scope(
                entity="case",
                resource_id=case_id,
                district=row.district,
                family_id=row.family_id,
                past_districts=tuple(row.districts.split(","))[:-1],
                assistant_id=row.assistant_id,
                monitoring_assistant_id=row.monitoring_assistant_id,
            )
        # A row written before the read model kept the districts: fold the stream once.
        envelopes = await runtime.store.read_stream(conn, stream_id(CASE.name, case_id))
    state = CASE.fold(e.event() for e in envelopes)
    return Scope(
        entity="case",
        resource_id=case_id,
        district=state.district,
        family_id=state.family_id,
        past_districts=state.districts[:-1],
        assistant_id=state.assistant_id,
        monitoring_assistant_id=state.monitoring_assistant_id,
    )


async def device_record_scope(runtime: ServiceRuntime, params: Mapping[str, Any]) -> Scope:
    """A held device record: of the district of the assistant who made it, and theirs."""
    from services.casework.application.device_records import held_record

    try:
        record_id = UUID(str(params["record_id"]))
    except ValueError as exc:
        raise NotFound(entity="device_record", id=params["record_id"]) from exc
    held = await held_record(runtime, record_id)
    return Scope(
        entity="device_record",
        resource_id=record_id,
        district=held.district,
        family_id=held.family_id,
        assistant_id=held.assistant_id,
    )


POLICY = Policy(TABLE, {"case": case_scope, "device_record": device_record_scope})
