"""Rebuilding every projection from the producing services' event feeds (their documented
HTTP API, never their tables). The inbox applies the history exactly as it applies live
events, so the rebuilt projections equal the live ones, and live events arriving meanwhile
are neither lost nor applied twice.

Two ways, by database:
- PostgreSQL (`swap`, the default there): the history is applied, in large pages and set-wise,
  into fresh copies of the projection tables in a schema of their own (`reporting_rebuild`),
  tracked in the inbox under a consumer name of their own; the live tables keep serving
  reports and the live worker keeps applying to them. Once the pages reach the feeds' heads,
  one transaction locks the inbox and the live tables (the live worker waits, briefly),
  applies the feeds' remaining tail, moves the live tables aside (`reporting_old`), moves the
  fresh ones into `public` and gives the live consumer the rebuild's tracking rows; then the
  old tables are dropped. What the live worker applies after that is de-duplicated by those
  tracking rows, as any redelivery is.
- SQLite (the embedded, single-machine default), or PostgreSQL with `swap=False`: in place,
  the projections are emptied and refilled (reports are partial while it runs).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import re
import sys
import time
from collections.abc import AsyncGenerator, Callable, Iterator, Mapping, Sequence
from typing import Any, cast
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel
from sqlalchemy import Index, MetaData, delete, text
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.reporting.adapters.tables import PROJECTION_TABLES
from services.reporting.application.projector import project
from services.reporting.bootstrap import ReportingApp
from shared.events import Envelope
from shared.messaging.inbox import Inbox, OwnTracking, reset_consumer
from shared.runtime.logging import get_logger

log = get_logger(__name__)

Progress = Callable[[int, int], None]

SHADOW_SCHEMA = "reporting_rebuild"
OLD_SCHEMA = "reporting_old"
# The feeds' largest page (shared/web/feed.py).
PAGE_SIZE = 5000
# A catch-up pass that finds fewer new events than this is the last before the swap.
SMALL_TAIL = PAGE_SIZE
MAX_PASSES = 10


class RebuildFailed(Exception):
    """The fresh tables could not be swapped in; the live ones were left as they were."""


def shadow_consumer(consumer: str) -> str:
    """The inbox consumer name under which a rebuild tracks what it applied."""
    return f"{consumer}:rebuild"


class _FeedPage(BaseModel):
    """A page of a feed (shared/web/feed.py), its envelopes decoded and validated in one pass;
    each event is validated where the live path validates it, when the projector asks for it
    (`Envelope.event()`): one that fails stops the rebuild there."""

    events: list[Envelope]
    next_after: int
    head: int


# The end of a feed page as shared/web/feed.py writes it: where the next page starts, read off
# the bytes as they arrive, so the next page is asked for before this one is decoded. The page
# decoded later must say the same (else the rebuild stops: see `_Feeds.pages`).
_PAGE_TAIL = re.compile(rb',\s*"next_after"\s*:\s*(\d+)\s*,\s*"head"\s*:\s*(\d+)\s*\}\s*$')
# Pages asked for ahead of the one being applied: the feed's service (its own process, and
# PostgreSQL) prepares them while this process decodes and folds.
PAGES_AHEAD = 2
# The first page asked for is this small, each next one twice the one before, up to the page
# size: the feed's service, this process and PostgreSQL each work on a page of their own
# after a few milliseconds, not after the feed has prepared a whole large page. Towards the
# feed's head (as the last page gave it) each page is at most half of what is left: the last
# pages, which nothing overlaps (the feed's, this process's, PostgreSQL's work on them one
# after another), are small.
FIRST_PAGE = 250


def _page_after(limit: int, page_size: int, left: int | None) -> int:
    """The size to ask for after a page of `limit`, with about `left` events after it."""
    size = min(2 * limit, page_size)
    if left is not None:
        size = min(size, max(FIRST_PAGE, (left + 1) // 2))
    return size


def _decode_page(body: bytes) -> _FeedPage:
    return _FeedPage.model_validate_json(body)


class _Feeds:
    """The producing services' feeds, read in pages from a position per feed; the next pages
    are asked for while the caller applies the one it has (the feed's service works on them
    meanwhile, in its own process)."""

    def __init__(self, client: httpx.AsyncClient, feeds: Mapping[str, str], page_size: int):
        self.client = client
        self.feeds = dict(feeds)
        self.page_size = page_size
        self.positions = dict.fromkeys(feeds, 0)
        # Each feed's head as its last page (the empty one at the end of a pass) gave it.
        self.heads_seen = dict.fromkeys(feeds, 0)

    async def heads(self, services: Sequence[str] | None = None) -> dict[str, int]:
        """The feeds' heads (of `services`; None: of every feed)."""
        heads = {}
        for service in self.feeds if services is None else services:
            base = self.feeds[service]
            response = await self.client.get(f"{base}/events", params={"after": 0, "limit": 1})
            response.raise_for_status()
            heads[service] = int(response.json()["head"])
        return heads

    async def _get(self, service: str, after: int, limit: int) -> bytes:
        response = await self.client.get(
            f"{self.feeds[service]}/events", params={"after": after, "limit": limit}
        )
        response.raise_for_status()
        return response.content

    async def _fetch(self, service: str, after: int, into: asyncio.Queue[_Fetched]) -> None:
        """Ask for the pages from `after` one after another, each as soon as the one before
        arrived (at most PAGES_AHEAD waiting in `into`), up to an empty one (the head).

        A history's positions mostly run on without a gap: the page after one of `limit`
        events from `after` then starts after `after + limit`. That page is asked for at
        once, with the one before it still being answered (the feed's service reads one
        page from PostgreSQL while it writes the other out); it is kept only if the page
        before did end there (the same request, sent earlier), else asked for again from
        where it did end, and the next is not asked for early (positions with gaps)."""
        limit = min(FIRST_PAGE, self.page_size)
        asked = self._ask(service, after, limit)
        early: tuple[int, asyncio.Future[bytes]] | None = None  # the next page, at its start
        dense = True
        head: int | None = None
        try:
            while True:
                left = None if head is None else head - (after + limit)
                following = _page_after(limit, self.page_size, left)
                if dense:
                    early = (after + limit, self._ask(service, after + limit, following))
                body = await asked
                tail = _PAGE_TAIL.search(body, max(0, len(body) - 120))
                # A page written otherwise (another feed's JSON layout): decoded for its
                # position.
                if tail:
                    hint, head = int(tail.group(1)), int(tail.group(2))
                else:
                    decoded = _FeedPage.model_validate_json(body)
                    hint, head = decoded.next_after, decoded.head
                await into.put((after, body, hint))
                if hint == after:
                    return  # no event after `after`: the head, as it was when asked
                dense = hint == after + limit
                if early is not None and early[0] == hint:
                    asked = early[1]
                else:
                    if early is not None:
                        early[1].cancel()
                    asked = self._ask(service, hint, following)
                early = None
                after, limit = hint, following
        finally:
            asked.cancel()
            if early is not None:
                early[1].cancel()

    def _ask(self, service: str, after: int, limit: int) -> asyncio.Future[bytes]:
        return asyncio.ensure_future(self._get(service, after, limit))

    async def pages(self, service: str) -> AsyncGenerator[Sequence[Envelope], None]:
        """The pages of one feed from its position to its head; the position advances as
        each page is handed out (and applied by the caller before it asks for the next)."""
        fetched: asyncio.Queue[_Fetched] = asyncio.Queue(maxsize=PAGES_AHEAD)
        fetcher = asyncio.ensure_future(self._fetch(service, self.positions[service], fetched))
        try:
            while True:
                after, body, hint = await _next(fetched, fetcher)
                page = _decode_page(body)
                if page.next_after != hint or (page.events and page.next_after <= after):
                    raise RebuildFailed(
                        f"strona kanału {service} po {after} podaje next_after "
                        f"{page.next_after}, a odczytano {hint}"
                    )
                if not page.events:
                    self.heads_seen[service] = page.head
                    return
                yield page.events
                self.positions[service] = page.next_after
        finally:
            fetcher.cancel()  # pages asked for that will not be applied (the head, an error)
            with contextlib.suppress(BaseException):
                await fetcher


# A page as fetched: the position it was asked from, its bytes, and where the next starts.
_Fetched = tuple[int, bytes, int]


async def _next(fetched: asyncio.Queue[_Fetched], fetcher: asyncio.Future[None]) -> _Fetched:
    """The next page fetched; the fetcher's error if it failed first."""
    get = asyncio.ensure_future(fetched.get())
    try:
        either: set[asyncio.Future[Any]] = {get, fetcher}
        await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
        if not get.done():
            fetcher.result()  # raises what stopped it
            # It ended after putting its last page (the head), so that one is there.
        return await get
    finally:
        get.cancel()


async def rebuild_projections(
    reporting: ReportingApp,
    *,
    feeds: Mapping[str, str],
    token: str,
    page_size: int = PAGE_SIZE,
    progress: Progress | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    swap: bool | None = None,
) -> int:
    """Apply every service's feed from the start into the projections; returns the number of
    events read. `swap`: build fresh tables and swap them in (PostgreSQL only; the default
    there), or empty and refill the live ones (False; SQLite always)."""
    postgres = reporting.engine.dialect.name == "postgresql"
    if swap is None:
        swap = postgres
    if swap and not postgres:
        raise RebuildFailed("a swapped rebuild needs PostgreSQL; SQLite rebuilds in place")
    headers = {"Authorization": f"Bearer {token}"}
    # A TLS context (the CA bundle loaded: tens of milliseconds, a visible part of a small
    # rebuild) only if a feed is served over TLS; redirects are not followed, so a plain
    # feed cannot lead the client to an unverified one.
    tls = any(urlsplit(url).scheme == "https" for url in feeds.values())
    async with httpx.AsyncClient(
        headers=headers, timeout=60, transport=transport, verify=tls, follow_redirects=False
    ) as client:
        reader = _Feeds(client, feeds, page_size)
        if swap:
            return await _swapped(reporting, reader, progress)
        return await _in_place(reporting, reader, progress)


async def _in_place(reporting: ReportingApp, reader: _Feeds, progress: Progress | None) -> int:
    total = sum((await reader.heads()).values())
    async with reporting.engine.begin() as conn:
        for table in PROJECTION_TABLES:
            await conn.execute(delete(table))
        await reset_consumer(conn, reporting.runtime.name)
    inbox = Inbox(reporting.engine, reporting.runtime.name, project)
    done = 0
    if progress:
        progress(done, total)
    for service in reader.feeds:
        # Closed at once if what follows fails: its fetcher stops asking for pages.
        async with contextlib.aclosing(reader.pages(service)) as pages:
            async for envelopes in pages:
                async with reporting.engine.begin() as conn:
                    await inbox.apply(conn, envelopes)
                done += len(envelopes)
                if progress:
                    progress(done, max(total, done))
        log.info("rebuild.feed_done", source=service, position=reader.positions[service])
    return done


# ---- the swapped rebuild (PostgreSQL) -----------------------------------------------------

_SHADOW_PATH = text(f"SET LOCAL search_path TO {SHADOW_SCHEMA}, public")
_NO_FLUSH_WAIT = text("SET LOCAL synchronous_commit TO off")


def _shadow_metadata() -> MetaData:
    """The projection tables as the code defines them, in the shadow schema."""
    shadow = MetaData()
    for table in PROJECTION_TABLES:
        table.to_metadata(shadow, schema=SHADOW_SCHEMA)
    return shadow


async def _prepare_shadow(conn: AsyncConnection, consumer: str) -> list[Index]:
    """The shadow tables, without their secondary indexes (returned: built once the history
    is in, cheaper than keeping them up to date row by row)."""
    await conn.execute(text(f"DROP SCHEMA IF EXISTS {SHADOW_SCHEMA} CASCADE"))
    await conn.execute(text(f"DROP SCHEMA IF EXISTS {OLD_SCHEMA} CASCADE"))
    await conn.execute(text(f"CREATE SCHEMA {SHADOW_SCHEMA}"))
    shadow = _shadow_metadata()
    for copy in shadow.tables.values():
        copy.indexes.clear()
    await conn.run_sync(lambda sync: shadow.create_all(sync, checkfirst=False))
    await reset_consumer(conn, consumer)
    # Under the names the code (and so the migrations) give them, not names made from the
    # shadow schema's: the tables end in public, where a later migration finds them by name.
    later: list[Index] = []
    for table in PROJECTION_TABLES:
        copy = shadow.tables[f"{SHADOW_SCHEMA}.{table.name}"]
        for index in table.indexes:
            columns = [copy.c[column.name] for column in index.columns]
            later.append(Index(index.name, *columns, unique=index.unique))
    return later


async def _index_shadow(conn: AsyncConnection, indexes: list[Index]) -> None:
    def create(sync: Any) -> None:
        for index in indexes:
            index.create(sync)

    await conn.run_sync(create)


class _Deferred:
    """Stands for the connection while an `OwnTracking` inbox applies a page: the inbox and the
    projector only write (nothing they send is read back), so their statements are kept, in
    order, and sent by `_ShadowWriter` afterwards, while the next page is folded. A caller
    that read a result, or used anything but `execute`, would fail loudly here (None, an
    AttributeError), not read a stale one."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self.statements: list[tuple[Any, Any]] = []

    async def execute(self, statement: Any, parameters: Any = None) -> None:
        self.statements.append((statement, parameters))


class _ShadowWriter:
    """Sends each page's writes into the shadow tables in a transaction of its own, in page
    order, one page at a time; `send` returns as soon as the page's transaction is under way,
    once the page before it committed. So PostgreSQL writes one page while this process
    decodes and folds the next. A failed transaction fails the rebuild (at the next `send` or
    at `drain`) before anything is swapped; the next rebuild makes its shadow tables anew."""

    def __init__(self, engine: AsyncEngine, ready: asyncio.Future[Any]) -> None:
        """`ready`: the shadow tables being made; the first page's writes wait for it."""
        self.engine = engine
        self.ready = ready
        self._pending: asyncio.Future[None] | None = None

    async def send(self, statements: list[tuple[Any, Any]]) -> None:
        await self.drain()
        self._pending = asyncio.ensure_future(self._write(statements))

    async def drain(self) -> None:
        """Wait until every page sent is committed."""
        pending, self._pending = self._pending, None
        if pending is not None:
            await pending

    async def abandon(self) -> None:
        pending, self._pending = self._pending, None
        for task in (pending, self.ready):
            if task is not None:
                task.cancel()
                with contextlib.suppress(BaseException):
                    await task

    async def _write(self, statements: list[tuple[Any, Any]]) -> None:
        await self.ready
        async with self.engine.begin() as conn:
            await conn.execute(_SHADOW_PATH)
            # A page's commit does not wait for its WAL to reach the disk: after a crash the
            # rebuild starts over (its shadow tables and tracking rows are made anew), and the
            # swap's own commit, which waits, flushes every page's before it.
            await conn.execute(_NO_FLUSH_WAIT)
            for statement, parameters in statements:
                await conn.execute(statement, parameters)


# The collector's full pass once per this many pages (see `_collector_per_page`).
FULL_COLLECTION_PAGES = 20


@contextlib.contextmanager
def _collector_per_page() -> Iterator[Callable[[], None]]:
    """A page is tens of thousands of objects (models, dicts), alive for the page and freed by
    reference counting; the collector's automatic passes, triggered by their allocation, would
    traverse them again and again (a third of the rebuild's CPU, measured). So automatic
    collection is off while a rebuild runs; the function given is called after each page, and
    every FULL_COLLECTION_PAGES pages collects (whatever cycles those pages left: few, if any).
    Restored as it was afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    pages = 0

    def page_done() -> None:
        nonlocal pages
        pages += 1
        if pages % FULL_COLLECTION_PAGES == 0:
            gc.collect()

    try:
        yield page_done
    finally:
        if was_enabled:
            gc.enable()


async def _apply_shadow(conn: AsyncConnection, inbox: Inbox, envelopes: Sequence[Envelope]) -> None:
    """Apply into the shadow tables: the projector's statements name tables unqualified
    (Core and raw SQL alike), so the search path redirects them; the inbox's own tables
    exist in public only, where the shadow consumer's rows are kept apart by its name."""
    await conn.execute(_SHADOW_PATH)
    await inbox.apply(conn, envelopes)


# The shadow tables are analyzed once this many events are applied, then 100 times as many,
# and so on: the planner's estimates for the writes' joins follow the tables as they grow from
# empty (autovacuum's own analyze comes later, and at its own time); a few, cheap passes.
ANALYZE_FIRST = 500


class _ShadowPasses:
    """Apply the feeds into the shadow tables in passes until a pass finds only a small tail:
    the first reads the history, the next ones what the live services recorded meanwhile (a
    bounded number: producers writing faster than this applies leave a longer tail for the
    swap's transaction). The secondary indexes are built after the first pass."""

    def __init__(
        self, engine: AsyncEngine, reader: _Feeds, shadow: str, progress: Progress | None
    ) -> None:
        self.engine = engine
        self.reader = reader
        self.progress = progress
        self.done = 0
        self.total = 0

        async def prepare() -> list[Index]:
            async with engine.begin() as conn:
                return await _prepare_shadow(conn, shadow)

        # The shadow tables are made while the first page is read and folded (its writes wait).
        self.preparing = asyncio.ensure_future(prepare())
        # Until the swap, the shadow consumer's rows are this rebuild's alone (its lock): their
        # state is kept in memory, the pages' writes are sent while the next page is folded.
        self.own = OwnTracking(engine, shadow, project)
        self.writer = _ShadowWriter(engine, ready=self.preparing)
        self.analyze_at = ANALYZE_FIRST

    async def run(self) -> int:
        """The events read."""
        try:
            self.total = sum((await self.reader.heads()).values())
            if self.progress:
                self.progress(0, self.total)
            passes = 0
            while True:
                read = await self._pass()
                passes += 1
                if passes == 1:
                    async with self.engine.begin() as conn:
                        await _index_shadow(conn, await self.preparing)
                if read < SMALL_TAIL or passes >= MAX_PASSES:
                    return self.done
                # Another pass would read empty pages if no feed recorded more meanwhile. The
                # feed read last gave its head with its last page, just now; the others are
                # asked again (they may have recorded more while the later ones were read).
                feeds = list(self.reader.feeds)
                heads = {feeds[-1]: self.reader.heads_seen[feeds[-1]]}
                heads.update(await self.reader.heads(feeds[:-1]))
                if all(heads[service] <= self.reader.positions[service] for service in feeds):
                    return self.done
                self.total = max(self.total, sum(heads.values()))
        except BaseException:
            await self.writer.abandon()
            raise

    async def _pass(self) -> int:
        read = 0
        with _collector_per_page() as page_done:
            for service in self.reader.feeds:
                # Closed at once if what follows fails: its fetcher stops asking for pages.
                async with contextlib.aclosing(self.reader.pages(service)) as pages:
                    async for envelopes in pages:
                        deferred = _Deferred(self.engine.dialect)
                        await self.own.apply(cast(AsyncConnection, deferred), envelopes)
                        if self.done + len(envelopes) >= self.analyze_at:
                            self.analyze_at *= 100
                            for table in PROJECTION_TABLES:
                                await deferred.execute(
                                    text(f"ANALYZE {SHADOW_SCHEMA}.{table.name}")
                                )
                        await self.writer.send(deferred.statements)
                        read += len(envelopes)
                        self.done += len(envelopes)
                        if self.progress:
                            self.progress(self.done, max(self.total, self.done))
                        page_done()
            await self.writer.drain()
        return read


# One swapped rebuild at a time per database (they share the shadow schema): a session lock
# held on a connection of its own for the rebuild's whole run.
_ONE_AT_A_TIME = text("SELECT pg_try_advisory_lock(hashtext('asysta-reporting-rebuild'))")


async def _swapped(reporting: ReportingApp, reader: _Feeds, progress: Progress | None) -> int:
    async with reporting.engine.connect() as guard:
        if not (await guard.execute(_ONE_AT_A_TIME)).scalar_one():
            raise RebuildFailed("odbudowa projekcji już trwa (inny proces); poczekaj na jej koniec")
        await guard.commit()
        try:
            return await _swapped_alone(reporting, reader, progress)
        finally:
            await guard.execute(text("SELECT pg_advisory_unlock_all()"))
            await guard.commit()


async def _swapped_alone(reporting: ReportingApp, reader: _Feeds, progress: Progress | None) -> int:
    engine = reporting.engine
    live = reporting.runtime.name
    shadow = shadow_consumer(live)
    done = await _ShadowPasses(engine, reader, shadow, progress).run()
    log.info("rebuild.caught_up", events=done, positions=reader.positions)
    try:
        # Under the swap's lock, the tail read from the rows as written (all committed now).
        inbox = Inbox(engine, shadow, project)
        done += await _swap_in(reporting, reader, inbox, live, shadow)
    except BaseException:
        async with engine.begin() as conn:
            await conn.execute(text(f"DROP SCHEMA IF EXISTS {SHADOW_SCHEMA} CASCADE"))
            await reset_consumer(conn, shadow)
        raise
    async with engine.begin() as conn:
        await conn.execute(text(f"DROP SCHEMA IF EXISTS {OLD_SCHEMA} CASCADE"))
        await conn.execute(text(f"DROP SCHEMA IF EXISTS {SHADOW_SCHEMA} CASCADE"))
    if progress:
        progress(done, done)
    return done


# Taking the locks: waits at most this long per try, then lets go of what it took and tries
# again; a report reading several tables (holding one, wanting one this took) never waits
# long and never deadlocks with the swap (the swap gives way first: this is well under the
# server's deadlock_timeout).
LOCK_TIMEOUT = "200ms"
LOCK_TRIES = 300
_LOCK_BUSY = {"55P03", "40P01"}  # lock_not_available, deadlock_detected


async def _lock(conn: AsyncConnection, tables: list[str]) -> None:
    """Lock the inbox's tables (as the live consumer takes them: its tracking rows, then
    the projections; it finishes what it holds, then waits), then the live projections
    (reports wait too: the swap is short)."""
    for attempt in range(LOCK_TRIES):
        try:
            async with conn.begin_nested():
                await conn.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
                await conn.execute(
                    text("LOCK TABLE public.inbox_tracking, public.inbox_parked IN EXCLUSIVE MODE")
                )
                await conn.execute(
                    text(
                        "LOCK TABLE "
                        + ", ".join(f"public.{name}" for name in tables)
                        + " IN ACCESS EXCLUSIVE MODE"
                    )
                )
                await conn.execute(text("SET LOCAL lock_timeout TO DEFAULT"))
            return
        except DBAPIError as exc:
            code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
            if code not in _LOCK_BUSY:
                raise
            log.info("rebuild.lock_busy", attempt=attempt + 1)
            await asyncio.sleep(min(0.05 * (attempt + 1), 1.0))
    raise RebuildFailed("nie udało się zablokować projekcji do podmiany; tabele bieżące zostają")


# Streams the live consumer has applied further than the rebuild, or holds parked events of
# that the rebuild has neither applied nor parked: an event the rebuild's reading passed
# before its transaction committed in the producer (its position was taken earlier). Checked
# under the lock, so the live consumer cannot move meanwhile.
_BEHIND = text(
    "SELECT (SELECT count(*) FROM inbox_tracking AS l LEFT JOIN inbox_tracking AS s "
    "ON s.consumer = :shadow AND s.stream_id = l.stream_id "
    "WHERE l.consumer = :live AND l.version > coalesce(s.version, 0)) + "
    "(SELECT count(*) FROM inbox_parked AS p WHERE p.consumer = :live "
    "AND NOT EXISTS (SELECT 1 FROM inbox_tracking AS s WHERE s.consumer = :shadow "
    "AND s.stream_id = p.stream_id AND s.version >= p.version) "
    "AND NOT EXISTS (SELECT 1 FROM inbox_parked AS q WHERE q.consumer = :shadow "
    "AND q.stream_id = p.stream_id AND q.version = p.version))"
)


async def _swap_in(
    reporting: ReportingApp, reader: _Feeds, inbox: Inbox, live: str, shadow: str
) -> int:
    """In one transaction: stop the live consumer, apply the tail, swap the tables and the
    tracking rows. Returns the number of events of the tail."""
    tables = [table.name for table in PROJECTION_TABLES]
    read = 0
    async with reporting.engine.begin() as conn:
        await _lock(conn, tables)
        for attempt in (1, 2):
            for service in reader.feeds:
                # Closed at once if what follows fails: its fetcher stops asking for pages.
                async with contextlib.aclosing(reader.pages(service)) as pages:
                    async for envelopes in pages:
                        await _apply_shadow(conn, inbox, envelopes)
                        read += len(envelopes)
            behind = (await conn.execute(_BEHIND, {"live": live, "shadow": shadow})).scalar_one()
            if not behind:
                break
            if attempt == 2:
                raise RebuildFailed(
                    f"{behind} strumieni projekcja bieżąca ma dalej niż odbudowana; "
                    "tabele bieżące zostają"
                )
            # Read every feed again (what was applied is skipped by the tracking rows).
            log.warning("rebuild.reread", streams=behind)
            reader.positions = dict.fromkeys(reader.feeds, 0)
        await conn.execute(text("SET LOCAL search_path TO public"))
        await conn.execute(text(f"CREATE SCHEMA {OLD_SCHEMA}"))
        for name in tables:
            await conn.execute(text(f"ALTER TABLE public.{name} SET SCHEMA {OLD_SCHEMA}"))
        for name in tables:
            await conn.execute(text(f"ALTER TABLE {SHADOW_SCHEMA}.{name} SET SCHEMA public"))
        for table in ("inbox_tracking", "inbox_parked"):
            await conn.execute(
                text(f"DELETE FROM public.{table} WHERE consumer = :live"), {"live": live}
            )
            await conn.execute(
                text(f"UPDATE public.{table} SET consumer = :live WHERE consumer = :shadow"),
                {"live": live, "shadow": shadow},
            )
    log.info("rebuild.swapped", tail=read)
    return read


class ProgressBar:
    """The rebuild's progress on stderr: a bar, events done of all, events/s and an ETA."""

    def __init__(self, width: int = 40) -> None:
        self.width = width
        self.started: float | None = None

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if self.started is None or done == 0:
            self.started = now
        elapsed = now - self.started
        share = done / total if total else 1.0
        filled = int(min(share, 1.0) * self.width)
        bar = "█" * filled + "░" * (self.width - filled)
        rate = done / elapsed if elapsed > 0 else 0.0
        left = (total - done) / rate if rate > 0 else 0.0
        eta = f"pozostało {_clock(left)}" if done < total else f"czas {_clock(elapsed)}"
        sys.stderr.write(
            f"\rOdbudowa projekcji [{bar}] {share:6.1%}  {done}/{total} zdarzeń  "
            f"{rate:,.0f} zdarzeń/s  {eta}   ".replace(",", " ")
        )
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def print_progress_bar(done: int, total: int, *, width: int = 40) -> None:
    """A bar of its own per rebuild: its clock starts at 0 events."""
    _BAR.width = width
    _BAR(done, total)


_BAR = ProgressBar()
