"""The Idempotency-Key header of a command: a retry with the same key answers what the first did."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from shared.eventstore.runner import Idempotency


async def idempotency_of(
    request: Request,
    key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            min_length=1,
            max_length=200,
            description="Makes a retry safe: the same key with the same request answers what "
            "the first did, without a second effect.",
        ),
    ] = None,
) -> Idempotency | None:
    if key is None:
        return None
    return Idempotency.of(key, request.method, request.url.path, await request.body())


IdempotencyKey = Annotated[Idempotency | None, Depends(idempotency_of)]
