"""Running a command handler: a fresh unit of work per try, again on a concurrency conflict,
once per idempotency key."""

from __future__ import annotations

import asyncio
import hashlib
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cache
from typing import Any, Generic, TypeVar, get_type_hints

from pydantic import TypeAdapter, ValidationError
from sqlalchemy.exc import DBAPIError

from shared.domain.clock import Clock
from shared.domain.errors import ConcurrentChange, DomainError, ErrorKind
from shared.eventstore.store import ConcurrencyConflict, EventMetadata
from shared.eventstore.unit_of_work import NOT_REMEMBERED, IdempotencyKeyReused, UnitOfWork

C = TypeVar("C")
R = TypeVar("R")
U = TypeVar("U", bound=UnitOfWork)

Handler = Callable[[C, U, Clock], Awaitable[R]]
"""A named command handler: `async def log_visit(cmd, uow, clock) -> result`."""


class IdempotencyKeyConflict(DomainError):
    code = "idempotency-key-reused"
    kind = ErrorKind.INVALID
    title_pl = "Klucz idempotencji użyty ponownie"
    title_en = "Idempotency key reused"
    detail_pl = "Ten klucz Idempotency-Key był już użyty dla innego polecenia."
    detail_en = "This Idempotency-Key was already used for a different command."


class RememberedAnswerOutdated(DomainError):
    """The key's command took effect, but its answer was remembered in a shape this release no
    longer answers (a command's answer changed between releases): no second effect, and no
    answer made up either; the caller reads the record."""

    code = "idempotency-answer-outdated"
    kind = ErrorKind.CONFLICT
    title_pl = "Polecenie już wykonane"
    title_en = "Command already carried out"
    detail_pl = (
        "Polecenie z tym kluczem Idempotency-Key zostało już wykonane we wcześniejszej wersji "
        "systemu. Odśwież dane, aby zobaczyć jego skutek."
    )
    detail_en = (
        "The command with this Idempotency-Key was carried out by an earlier release. Reload "
        "to see its effect."
    )


@cache
def _result_adapter(handler: Callable[..., Any]) -> TypeAdapter[Any]:
    return TypeAdapter(get_type_hints(handler).get("return", Any))


@dataclass(frozen=True)
class Idempotency:
    """A caller's Idempotency-Key and the fingerprint of what they sent with it (a retry must
    send the same request; a command built from it may hold fresh identifiers)."""

    key: str
    fingerprint: str

    @classmethod
    def of(cls, key: str, *parts: str | bytes) -> Idempotency:
        digest = hashlib.sha256()
        for part in parts:
            digest.update(part.encode() if isinstance(part, str) else part)
            digest.update(b"\0")
        return cls(key, digest.hexdigest())


class CommandRunner(Generic[U]):
    """Runs handlers against fresh units of work from `unit_of_work(metadata)`."""

    def __init__(
        self,
        unit_of_work: Callable[[EventMetadata], U],
        clock: Clock,
        *,
        attempts: int = 10,
    ) -> None:
        self._unit_of_work = unit_of_work
        self.clock = clock
        self._attempts = attempts

    async def run(
        self,
        handler: Handler[C, U, R],
        command: C,
        metadata: EventMetadata,
        *,
        idempotency: Idempotency | None = None,
    ) -> R:
        """Run `handler` on `command`. A conflict (another writer appended in between) runs it
        again on the fresh state, so its rules are always checked against the latest events;
        after `attempts` tries the caller gets ConcurrentChange. With an idempotency key the
        result is stored in the command's transaction and a retry with the same key answers it
        without running the handler again."""
        adapter = _result_adapter(handler) if idempotency else None
        for attempt in range(self._attempts):
            if attempt:
                # Writers that collided on one aggregate (eight assignments to one assistant's
                # caseload at once) would collide again if they all retried at once: a short,
                # random and growing pause spreads them, so each round lets some through.
                await asyncio.sleep(random.uniform(0, 0.002 * attempt))
            uow = self._unit_of_work(metadata)
            try:
                async with uow:
                    if idempotency is not None and adapter is not None:
                        remembered = await uow.recall(idempotency.key, idempotency.fingerprint)
                        if remembered is not NOT_REMEMBERED:
                            try:
                                return adapter.validate_python(remembered)  # type: ignore[no-any-return]
                            except ValidationError as outdated:
                                raise RememberedAnswerOutdated() from outdated
                    result = await handler(command, uow, self.clock)
                    if idempotency is not None and adapter is not None:
                        stored = adapter.dump_python(result, mode="json")
                        uow.remember(idempotency.key, idempotency.fingerprint, stored)
                return result
            except ConcurrencyConflict:
                continue
            except DBAPIError as failed:
                # A pooled connection the database dropped (a restart, a failover): the pool was
                # invalidated, and nothing of this try was committed, so run it again.
                if not failed.connection_invalidated:
                    raise
                continue
            except IdempotencyKeyReused as reused:
                raise IdempotencyKeyConflict() from reused
        raise ConcurrentChange()
