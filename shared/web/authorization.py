"""Who may do what, declared once per service and enforced in one place.

Each service declares a policy table (action -> roles) and, for each kind of resource, how to
find its scope (district, family, assigned assistant, sender). Every route takes
`policy.require(action, ...)` as a dependency, which
- refuses a role the table does not list for the action (403),
- hides a resource of another district (404), or of a family another assistant works with,
  or a notification someone else sent,
- lets the centre a family moved away from read what happened under it only,
- writes an audit record when the action touches a family's personal data (for a list that
  names families, the route records each family it answers with `Grant.audit_listed`),
and hands the route a Grant saying what the caller may see.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Request

from shared.domain.errors import DomainError, ErrorKind, NotFound
from shared.eventstore import EventMetadata
from shared.runtime.service import ServiceRuntime
from shared.web.audit import AuditedRecord, record_access, record_accesses
from shared.web.auth import Principal, Role
from shared.web.authentication import authenticate


class AccessDenied(DomainError):
    code = "forbidden"
    kind = ErrorKind.FORBIDDEN
    title_pl = "Brak uprawnień"
    title_en = "Forbidden"
    detail_pl = "Rola {role} nie może wykonać tej czynności ({action})."
    detail_en = "The role {role} may not do this ({action})."


class DistrictForbidden(DomainError):
    code = "district-forbidden"
    kind = ErrorKind.FORBIDDEN
    title_pl = "Brak dostępu do dzielnicy"
    title_en = "No access to this district"
    detail_pl = "Nie masz dostępu do danych dzielnicy {district}."
    detail_en = "You have no access to the data of district {district}."


class AssistantNotLinked(DomainError):
    """An assistant's token whose login the directory links to no assistant: they may see
    nothing (never, say, every family of the district for want of a filter)."""

    code = "assistant-not-linked"
    kind = ErrorKind.FORBIDDEN
    title_pl = "Login niepowiązany z asystentem"
    title_en = "Login not linked to an assistant"
    detail_pl = (
        "Login {login} nie jest powiązany z żadnym asystentem w rejestrze; administrator "
        "wpisuje login przy danych asystenta."
    )
    detail_en = (
        "The login {login} is not linked to any assistant in the directory; the administrator "
        "enters it on the assistant's record."
    )


@dataclass(frozen=True)
class Scope:
    """What the policy needs to know about one resource."""

    entity: str  # for the 404 message: "case", "referral", ...
    resource_id: UUID
    district: str
    family_id: UUID | None = None
    past_districts: tuple[str, ...] = ()
    assistant_id: UUID | None = None
    monitoring_assistant_id: UUID | None = None
    sender: str | None = None


ListRecorder = Callable[[Sequence[AuditedRecord | None]], Awaitable[None]]


@dataclass(frozen=True)
class Grant:
    """What the caller may see of the resource or list they asked for."""

    principal: Principal
    scope: Scope | None = None
    only_district: str | None = None  # a centre the family moved away from
    assistant_id: UUID | None = None  # an assistant sees only their own families
    # Set for a rule that `lists` families' personal data: writes the audit rows.
    recorder: ListRecorder | None = field(default=None, compare=False, repr=False)

    def metadata(self, correlation_id: str) -> EventMetadata:
        """What the events of the caller's command record of it: who, and the request."""
        return EventMetadata(actor=self.principal.actor, correlation_id=correlation_id)

    async def audit_listed(self, records: Iterable[AuditedRecord]) -> None:
        """Audit a list answer of a `lists` rule: one row per family it names, or one row
        naming no family when it named none (a search that found nobody is recorded too)."""
        if self.recorder is None:
            return
        named: list[AuditedRecord | None] = list(records)
        await self.recorder(named or [None])

    def for_district(self, district: str) -> Grant:
        """Check a district named in a request body (a new referral's, an assistant's)."""
        if not self.principal.serves(district):
            raise DistrictForbidden(district=district)
        return self

    def district_or_city(self, district: str | None) -> str | None:
        """The district a report is asked for, or None for the whole city, which only a
        city-wide caller may ask."""
        if district is not None:
            self.for_district(district)
            return district
        if not self.principal.serves("*"):
            raise DistrictForbidden(district="*")
        return None

    @property
    def districts(self) -> frozenset[str] | None:
        """The districts the caller may list; None for the whole city."""
        return None if self.principal.serves("*") else self.principal.districts


Resolver = Callable[[ServiceRuntime, Mapping[str, Any]], Awaitable[Scope]]


@dataclass(frozen=True)
class Rule:
    roles: frozenset[Role]
    personal: bool = False  # reads or changes a family's personal data: audited
    writes: bool = False
    # An assistant may do this for a family they only monitor after closure (reopening).
    while_monitoring: bool = False
    # Answers with a list naming families (names, contacts): the route audits each family
    # it lists through `Grant.audit_listed`.
    lists: bool = False


def rule(
    *roles: Role,
    personal: bool = False,
    writes: bool = False,
    while_monitoring: bool = False,
    lists: bool = False,
) -> Rule:
    return Rule(
        frozenset(roles),
        personal=personal,
        writes=writes,
        while_monitoring=while_monitoring,
        lists=lists,
    )


@dataclass
class Policy:
    table: Mapping[str, Rule]
    resolvers: Mapping[str, Resolver] = field(default_factory=dict)

    def require(
        self, action: str, *, resource: str | None = None, district_param: str | None = None
    ) -> Any:
        """A FastAPI dependency enforcing `action` on the resource named by the route's path
        (`resource`: a key of `resolvers`) or on the district given as a query parameter."""
        if action not in self.table:
            raise KeyError(f"no rule for {action}")
        rule_ = self.table[action]

        async def dependency(
            request: Request, principal: Annotated[Principal, Depends(authenticate)]
        ) -> Grant:
            runtime: ServiceRuntime = request.app.state.runtime
            if principal.role not in rule_.roles:
                raise AccessDenied(role=principal.role.value, action=action)
            if principal.role is Role.ASSISTANT and principal.assistant_id is None:
                raise AssistantNotLinked(login=principal.login or principal.subject)
            grant = Grant(principal=principal)
            if resource is not None:
                scope = await self.resolvers[resource](runtime, request.path_params)
                grant = _scoped(principal, rule_, scope)
            elif district_param is not None:
                district = request.query_params.get(district_param)
                if district and not principal.serves(district):
                    raise DistrictForbidden(district=district)
                if principal.role is Role.ASSISTANT:
                    grant = Grant(principal=principal, assistant_id=principal.assistant_id)
            if rule_.lists:
                grant = replace(grant, recorder=_list_recorder(runtime, principal, action, request))
            if rule_.personal:
                await record_access(
                    runtime,
                    principal=principal,
                    action=action,
                    route=f"{request.method} {_template(request)}",
                    scope=AuditedRecord(
                        grant.scope.family_id,
                        grant.scope.entity,
                        grant.scope.resource_id,
                        grant.scope.district,
                    )
                    if grant.scope
                    else None,
                    writes=rule_.writes,
                )
            return grant

        # Read by the policy tests, which call every route as every role.
        dependency.action = action  # type: ignore[attr-defined]
        dependency.resource = resource  # type: ignore[attr-defined]
        dependency.district_param = district_param  # type: ignore[attr-defined]
        return Depends(dependency)


def _list_recorder(
    runtime: ServiceRuntime, principal: Principal, action: str, request: Request
) -> ListRecorder:
    route = f"{request.method} {_template(request)}"

    async def record(scopes: Sequence[AuditedRecord | None]) -> None:
        await record_accesses(
            runtime, principal=principal, action=action, route=route, scopes=scopes, writes=False
        )

    return record


def _scoped(principal: Principal, rule_: Rule, scope: Scope) -> Grant:
    hidden = NotFound(entity=scope.entity, id=scope.resource_id)
    role = principal.role
    if role in (Role.SCHOOL, Role.COURT):
        if scope.sender != principal.subject:
            raise hidden
        return Grant(principal=principal, scope=scope)
    if not principal.serves(scope.district):
        past = [d for d in scope.past_districts if principal.serves(d)]
        if past and not rule_.writes and role is not Role.ASSISTANT:
            return Grant(principal=principal, scope=scope, only_district=past[-1])
        raise hidden
    if role is Role.ASSISTANT:
        me = principal.assistant_id
        mine = me is not None and scope.assistant_id == me
        monitoring = me is not None and scope.monitoring_assistant_id == me
        if not (mine or (monitoring and (not rule_.writes or rule_.while_monitoring))):
            raise hidden
    return Grant(principal=principal, scope=scope)


def _template(request: Request) -> str:
    route = request.scope.get("route")
    return str(getattr(route, "path", request.url.path))
