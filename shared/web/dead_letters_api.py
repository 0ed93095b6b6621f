"""The operator's dead letters over HTTP, on every service: list, replay and drop the dead
letters of this service's own consumer group, so that the web app (which owns no data and
never talks to Redis) can show and handle them with the operator's token.

- `GET /dead-letters`: where each came from (stream, group), the event's type, the error
  (opened with the family's bus key; "[usunięto]" once the family is erased) without the
  values a validation error quotes, when and after how many attempts. Never the payload: its
  personal fields stay sealed in Redis (the CLI's `show` reads the whole error).
- `POST /dead-letters/{id}/replay`, `POST /dead-letters/replay` (all, or one group's): back on
  the stream for this group alone, and what became of each (applied, failed again with the
  error, or no answer in time), as `asysta dead-letters replay` does.
- `DELETE /dead-letters/{id}`: dropped without a replay (the web app asks to confirm first).

The administrator (the operator's role) alone, by the same policy mechanism as every route;
each action is written to the audit log, replays and drops with the family they concern.

No `from __future__ import annotations` here: FastAPI reads the routes' annotations at run
time."""

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any, Literal
from uuid import UUID

import redis.asyncio as aioredis
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from redis.exceptions import RedisError

from shared.domain.errors import DomainError, ErrorKind
from shared.messaging import dead_letters as dl
from shared.messaging.sealing import BusKeys
from shared.messaging.streams import consumed_streams
from shared.runtime.logging import get_logger
from shared.runtime.service import ServiceRuntime
from shared.web.audit import AuditedRecord, record_access
from shared.web.auth import Role
from shared.web.authorization import Grant, Policy, rule
from shared.web.problems import language_of, problem

log = get_logger(__name__)

POLICY = Policy(
    {
        # Audited: an error text may quote a family's value.
        "dead_letters.list": rule(Role.ADMIN, personal=True),
        # Audited per message below, with the family it concerns.
        "dead_letters.replay": rule(Role.ADMIN, writes=True),
        "dead_letters.drop": rule(Role.ADMIN, writes=True),
    }
)

ERROR_CHARS = 2000  # an error text is a traceback's last line, not a document
# What a validation error quotes of the event (a name, a PESEL): not shown on a screen.
_QUOTED_INPUT = re.compile(r"input_value=.*?, input_type=", re.S)


def shown_error(error: str) -> str:
    """An error as the operator reads it: without the input values it quotes, bounded."""
    return _QUOTED_INPUT.sub("input_value=…, input_type=", error)[:ERROR_CHARS]


EntryId = Annotated[str, Path(pattern=r"^\d{1,20}-\d{1,20}$", description="np. 1733400000000-0")]
Wait = Annotated[
    float, Query(ge=0.5, le=30, description="ile sekund czekać na odpowiedź grupy (0.5-30)")
]


class DeadLetterNotFound(DomainError):
    code = "dead-letter-not-found"
    kind = ErrorKind.NOT_FOUND
    title_pl = "Nie ma takiej martwej wiadomości"
    title_en = "No such dead letter"
    detail_pl = (
        "Martwej wiadomości {id} nie ma w tej usłudze (mogła zostać już ponowiona lub usunięta)."
    )
    detail_en = (
        "The dead letter {id} is not in this service (it may have been replayed or dropped)."
    )


class DeadLetterOut(BaseModel):
    id: str
    group: str
    stream: str  # the producing service whose stream the message came from
    event_type: str | None
    aggregate_type: str | None
    version: int | None
    deliveries: int
    dead_at: str
    error: str


class DeadLettersOut(BaseModel):
    service: str
    groups: list[str]
    bus: bool  # False: this process has no Redis configured, so nothing to list
    letters: list[DeadLetterOut]


class ReplayOut(BaseModel):
    id: str
    group: str
    event_type: str | None
    outcome: Literal["applied", "failed", "no answer"]
    error: str | None


class DropOut(BaseModel):
    dropped: int


def own_groups(runtime: ServiceRuntime) -> list[str]:
    """The consumer group this service's workers read under (none if it consumes nothing)."""
    if not consumed_streams(runtime.name):
        return []
    return [runtime.settings.consumer_group or runtime.name]


@asynccontextmanager
async def _redis(runtime: ServiceRuntime) -> AsyncIterator[tuple[aioredis.Redis, BusKeys] | None]:
    """The bus's client when this process runs one, else a client of its own for the call."""
    if runtime.bus is not None:
        yield runtime.bus.redis, runtime.bus.keys
        return
    url = runtime.settings.redis_url
    if not url:
        yield None
        return
    client = aioredis.from_url(url)
    try:
        yield client, BusKeys(client, runtime.settings.stream_prefix, runtime.settings.master_key())
    finally:
        await client.aclose()


async def _letters(
    runtime: ServiceRuntime, redis: aioredis.Redis, keys: BusKeys, group: str | None = None
) -> list[dl.DeadLetter]:
    found: list[dl.DeadLetter] = []
    for own in own_groups(runtime):
        if group is None or group == own:
            found += await dl.list_dead_letters(
                redis, runtime.settings.stream_prefix, group=own, keys=keys
            )
    return sorted(found, key=lambda letter: letter.dead_at)


async def _letter(
    runtime: ServiceRuntime, bus: tuple[aioredis.Redis, BusKeys] | None, entry_id: str
) -> dl.DeadLetter:
    """The dead letter of this service's groups with this entry id, or a 404 problem."""
    letters = [] if bus is None else await _letters(runtime, *bus)
    for letter in letters:
        if letter.entry_id == entry_id:
            return letter
    raise DeadLetterNotFound(id=entry_id)


def _out(runtime: ServiceRuntime, letter: dl.DeadLetter) -> DeadLetterOut:
    event = letter.event or {}
    prefix = runtime.settings.stream_prefix
    stream = letter.stream.removeprefix(prefix).removesuffix(".events")
    version = event.get("aggregate_version")
    return DeadLetterOut(
        id=letter.entry_id,
        group=letter.group,
        stream=stream,
        event_type=event.get("event_type"),
        aggregate_type=event.get("aggregate_type"),
        version=int(version) if isinstance(version, int) else None,
        deliveries=letter.deliveries,
        dead_at=letter.dead_at,
        error=shown_error(letter.error),
    )


def _concerns(letter: dl.DeadLetter) -> AuditedRecord:
    """The family and event a dead letter holds, for the audit log (ids only)."""
    event = letter.event or {}

    def uuid_of(name: str) -> UUID | None:
        try:
            return UUID(str(event[name]))
        except (KeyError, ValueError):
            return None

    district = event.get("district")
    return AuditedRecord(
        uuid_of("family_id"),
        "dead_letter",
        uuid_of("event_id"),
        district if isinstance(district, str) and len(district) <= 7 else None,
    )


async def _audit(request: Request, grant: Grant, action: str, letters: list[dl.DeadLetter]) -> None:
    runtime: ServiceRuntime = request.app.state.runtime
    route = request.scope.get("route")
    for letter in letters:
        await record_access(
            runtime,
            principal=grant.principal,
            action=action,
            route=f"{request.method} {getattr(route, 'path', request.url.path)}",
            scope=_concerns(letter),
            writes=True,
        )


def _unavailable(request: Request) -> JSONResponse:
    english = language_of(request) == "en"
    return problem(
        503,
        "bus-unavailable",
        "Redis is not answering" if english else "Redis nie odpowiada",
        "The dead letters are in Redis, which this service cannot reach now; try again."
        if english
        else "Martwe wiadomości są w Redisie, z którym usługa nie może się teraz połączyć; "
        "spróbuj ponownie.",
    )


async def _replay(
    request: Request, grant: Grant, letters: list[dl.DeadLetter], wait: float
) -> list[ReplayOut]:
    runtime: ServiceRuntime = request.app.state.runtime
    await _audit(request, grant, "dead_letters.replay", letters)
    async with _redis(runtime) as bus:
        if bus is None or not letters:
            return []
        redis, keys = bus
        outcomes = await dl.replay(
            redis, letters, prefix=runtime.settings.stream_prefix, keys=keys, timeout=wait
        )
    log.info(
        "dead_letters.replayed",
        count=len(outcomes),
        applied=sum(o.applied for o in outcomes),
    )
    return [
        ReplayOut(
            id=o.letter.entry_id,
            group=o.letter.group,
            event_type=(o.letter.event or {}).get("event_type"),
            outcome=o.outcome,
            error=shown_error(o.error) if o.error else None,
        )
        for o in outcomes
    ]


def dead_letters_router() -> APIRouter:
    router = APIRouter(tags=["dead letters"])

    @router.get(
        "/dead-letters",
        response_model=DeadLettersOut,
        summary="Martwe wiadomości tej usługi (bez treści zdarzeń)",
        responses={503: {"description": "Redis nie odpowiada"}},
    )
    async def get_dead_letters(
        request: Request,
        _grant: Annotated[Grant, POLICY.require("dead_letters.list")],
    ) -> Any:
        runtime: ServiceRuntime = request.app.state.runtime
        try:
            async with _redis(runtime) as bus:
                letters = [] if bus is None else await _letters(runtime, *bus)
        except (RedisError, OSError):
            return _unavailable(request)
        return DeadLettersOut(
            service=runtime.name,
            groups=own_groups(runtime),
            bus=bus is not None,
            letters=[_out(runtime, letter) for letter in letters],
        )

    @router.post(
        "/dead-letters/replay",
        response_model=list[ReplayOut],
        summary="Ponów wszystkie martwe wiadomości tej usługi (lub jednej grupy)",
        responses={503: {"description": "Redis nie odpowiada"}},
    )
    async def replay_all(
        request: Request,
        grant: Annotated[Grant, POLICY.require("dead_letters.replay")],
        group: Annotated[str | None, Query(max_length=100)] = None,
        wait: Wait = 10.0,
    ) -> Any:
        runtime: ServiceRuntime = request.app.state.runtime
        try:
            async with _redis(runtime) as bus:
                letters = [] if bus is None else await _letters(runtime, *bus, group=group)
            return await _replay(request, grant, letters, wait)
        except (RedisError, OSError):
            return _unavailable(request)

    @router.post(
        "/dead-letters/{entry_id}/replay",
        response_model=ReplayOut,
        summary="Ponów jedną martwą wiadomość i powiedz, co się z nią stało",
        responses={503: {"description": "Redis nie odpowiada"}},
    )
    async def replay_one(
        request: Request,
        entry_id: EntryId,
        grant: Annotated[Grant, POLICY.require("dead_letters.replay")],
        wait: Wait = 10.0,
    ) -> Any:
        runtime: ServiceRuntime = request.app.state.runtime
        try:
            async with _redis(runtime) as bus:
                chosen = await _letter(runtime, bus, entry_id)
            (outcome,) = await _replay(request, grant, [chosen], wait)
        except (RedisError, OSError):
            return _unavailable(request)
        return outcome

    @router.delete(
        "/dead-letters/{entry_id}",
        response_model=DropOut,
        summary="Usuń martwą wiadomość bez ponawiania",
        responses={503: {"description": "Redis nie odpowiada"}},
    )
    async def drop_one(
        request: Request,
        entry_id: EntryId,
        grant: Annotated[Grant, POLICY.require("dead_letters.drop")],
    ) -> Any:
        runtime: ServiceRuntime = request.app.state.runtime
        try:
            async with _redis(runtime) as bus:
                if bus is None:  # no bus, no dead letters
                    raise DeadLetterNotFound(id=entry_id)
                chosen = await _letter(runtime, bus, entry_id)
                await _audit(request, grant, "dead_letters.drop", [chosen])
                redis, _keys = bus
                dropped = int(await redis.xdel(chosen.dead_letter_stream, entry_id))
        except (RedisError, OSError):
            return _unavailable(request)
        log.info("dead_letters.dropped", count=dropped)
        return DropOut(dropped=dropped)

    return router
