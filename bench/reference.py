"""The reference of the load benchmark: a bare FastAPI endpoint doing one asyncpg INSERT per
request, run as its own uvicorn process and driven by the same generator as the suite.

    python -m bench.reference <port> <postgresql dsn>
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import uvicorn
from fastapi import FastAPI, Request

POOL_SIZE = 10


def build(dsn: str) -> FastAPI:
    pool: dict[str, asyncpg.Pool] = {}

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        created = await asyncpg.create_pool(dsn, min_size=POOL_SIZE, max_size=POOL_SIZE)
        async with created.acquire() as conn:
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS reference_rows "
                "(id uuid PRIMARY KEY, body jsonb NOT NULL)"
            )
        pool["main"] = created
        yield
        await created.close()

    app = FastAPI(lifespan=lifespan)

    @app.post("/rows", status_code=201)
    async def insert_row(request: Request) -> dict[str, Any]:
        body = await request.body()
        row_id = uuid.uuid4()
        async with pool["main"].acquire() as conn:
            await conn.execute(
                "INSERT INTO reference_rows (id, body) VALUES ($1, $2)",
                row_id,
                body.decode() or "{}",
            )
        return {"id": str(row_id)}

    @app.get("/ready")
    async def ready() -> dict[str, str]:
        return {"status": "ok"}

    return app


if __name__ == "__main__":
    port, dsn = int(sys.argv[1]), sys.argv[2]
    uvicorn.run(build(dsn), host="127.0.0.1", port=port, log_level="warning", access_log=False)
