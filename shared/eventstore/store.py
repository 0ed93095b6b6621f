"""The event store: append with an expected version, read a stream, read everything in order.

Every append also writes an outbox row per event in the same transaction, so an event is
published if and only if it was stored. Personal fields of events that belong to a family are
stored encrypted with the family's key (see shared.crypto) and decrypted on every read.
"""

from __future__ import annotations

import json
import re
import uuid
from binascii import a2b_base64
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple
from uuid import UUID

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic import ValidationError
from sqlalchemy import Text, bindparam, cast, func, insert, select, text
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_connection
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.domain.clock import Clock, SystemClock, as_utc
from shared.events import DomainEvent, Envelope, stream_id
from shared.eventstore.crypto import Keyring, decrypt_payload, encrypt_payload, personal_paths
from shared.eventstore.tables import events, family_keys, outbox
from shared.runtime import tracing

# PostgreSQL: the events and their outbox rows in one statement, one round trip, its text the
# same for any number of events (one array per column), so its prepared plan is reused. No
# SELECT of the stream's version first: a version already taken is refused by the unique key
# (stream_id, version), and a version beyond the next one (the caller expected a version the
# stream has not reached) by the condition that the expected version is stored, or is 0.
_APPENDED = (
    "WITH appended AS ("
    " INSERT INTO events (event_id, stream_id, version, event_type, schema_version,"
    " aggregate_type, aggregate_id, family_id, district, occurred_at, recorded_at, actor,"
    " correlation_id, causation_id, payload)"
    " SELECT * FROM unnest(CAST(:event_id AS uuid[]), CAST(:stream_id AS varchar[]),"
    " CAST(:version AS integer[]), CAST(:event_type AS varchar[]),"
    " CAST(:schema_version AS integer[]), CAST(:aggregate_type AS varchar[]),"
    " CAST(:aggregate_id AS uuid[]), CAST(:family_id AS uuid[]), CAST(:district AS varchar[]),"
    " CAST(:occurred_at AS timestamptz[]), CAST(:recorded_at AS timestamptz[]),"
    " CAST(:actor AS varchar[]), CAST(:correlation_id AS varchar[]),"
    " CAST(:causation_id AS varchar[]), CAST(:payload AS jsonb[]))"
    " WHERE (CAST(:expected AS integer) = 0 OR EXISTS (SELECT 1 FROM events"
    " WHERE stream_id = :stream AND version = CAST(:expected AS integer)))"
    # A family key taken from memory: only if it is still the family's (not erased since).
    " AND (CAST(:family AS uuid) IS NULL OR EXISTS (SELECT 1 FROM family_keys"
    " WHERE family_id = CAST(:family AS uuid) AND wrapped_key = CAST(:wrapped AS bytea)))"
    " RETURNING event_id)"
)
# The trace the events were recorded in (tracing on), for the relay's publish.
_QUEUED = (
    "INSERT INTO outbox (event_id, traceparent)"
    " SELECT event_id, CAST(:traceparent AS varchar) FROM appended RETURNING id"
)
# With the aggregate's snapshot as of the last event (see `PendingSnapshot`): written only if
# the events were, never backwards (as SnapshotStore.write's upsert).
_SNAPSHOT = (
    "INSERT INTO snapshots (stream_id, aggregate_type, version, fingerprint, family_id,"
    " encrypted, state, taken_at)"
    " SELECT :stream, CAST(:snapshot_type AS varchar), CAST(:snapshot_version AS integer),"
    " CAST(:snapshot_fingerprint AS varchar), CAST(:snapshot_family AS uuid),"
    " CAST(:snapshot_encrypted AS boolean), CAST(:snapshot_state AS bytea),"
    " CAST(:snapshot_taken_at AS timestamptz)"
    " WHERE EXISTS (SELECT 1 FROM appended)"
    " ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version,"
    " fingerprint = excluded.fingerprint, family_id = excluded.family_id,"
    " encrypted = excluded.encrypted, state = excluded.state, taken_at = excluded.taken_at"
    " WHERE snapshots.version < excluded.version"
)


class _AppendStatement:
    """One append statement: for SQLAlchemy (`clause`), and in asyncpg's numbered parameters
    for the driver's connection (`numbered`, its parameters in `params` order; see
    `_append_on_driver`)."""

    def __init__(self, sql: str) -> None:
        self.clause = text(sql)
        self.params: list[str] = []

        def numbered(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in self.params:
                self.params.append(name)
            return f"${self.params.index(name) + 1}"

        self.numbered = re.sub(r"(?<!:):([a-z_]+)", numbered, sql)


_PG_APPEND = _AppendStatement(f"{_APPENDED} {_QUEUED}")
_PG_APPEND_WITH_SNAPSHOT = _AppendStatement(
    f"{_APPENDED}, queued AS ({_QUEUED}), snapshot AS ({_SNAPSHOT}) SELECT id FROM queued"
)


@dataclass(frozen=True, slots=True)
class PendingSnapshot:
    """An aggregate's state (encoded) to keep as its snapshot as of the appended events, in
    the append's own statement: one round trip fewer per command than a statement of its
    own. A family's snapshot is sealed with the family's key, by `seal(key, family, plain)`
    (shared.eventstore.snapshots owns the format)."""

    aggregate_type: str
    fingerprint: str
    family_id: UUID | None
    state: bytes
    taken_at: datetime
    seal: Callable[[bytes, UUID, bytes], bytes]


def _json(value: Any) -> str:
    # As the engine's serializer writes JSON (shared.runtime.database).
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


async def _append_on_driver(
    conn: AsyncConnection, statement: _AppendStatement, params: dict[str, Any]
) -> int | None:
    """Run the append statement on asyncpg's connection under SQLAlchemy's, in the
    transaction SQLAlchemy began: how many events it stored, or None when the connection is not
    SQLAlchemy's asyncpg adapter (then the caller runs it through SQLAlchemy).

    Why: SQLAlchemy's execute path (execution context, parameter processing, result) cost
    about a fifth of an append's CPU, measured side by side (bench.append). The statement is
    the same and is prepared once per connection by asyncpg's own statement cache. What
    SQLAlchemy would do around it is done here: BEGIN if the transaction has not sent it yet
    (as its cursor does, under the same lock), errors translated to SQLAlchemy's (a unique key
    is an IntegrityError; a dropped connection is invalidated and says so, as
    `shared.runtime.database.is_disconnect` expects)."""
    raw = (await conn.get_raw_connection()).dbapi_connection
    if not isinstance(raw, AsyncAdapt_asyncpg_connection):
        return None
    # Its private parts (the lock, the lazily begun transaction): SQLAlchemy's version is
    # pinned, and the event store's contract tests run this path on PostgreSQL.
    adapted: Any = raw
    dbapi: Any = conn.dialect.loaded_dbapi
    try:
        try:
            async with adapted._execute_mutex:
                if adapted._transaction is None:
                    await adapted._start_transaction()
                rows = await adapted._connection.fetch(
                    statement.numbered, *[params[name] for name in statement.params]
                )
        except dbapi.Error:
            raise
        except Exception as error:
            adapted._handle_exception(error)  # raises it as the DBAPI's error
            raise
    except dbapi.Error as error:
        dropped = adapted._connection.is_closed()
        if dropped:
            await conn.invalidate()
        raise DBAPIError.instance(
            statement.numbered,
            None,
            error,
            dbapi.Error,
            hide_parameters=True,
            connection_invalidated=dropped,
            dialect=conn.dialect,
        ) from error
    return len(rows)


class ConcurrencyConflict(Exception):
    """The stream moved on since the caller read it: read again and decide again."""

    def __init__(self, stream: str, expected_version: int, actual_version: int | None) -> None:
        super().__init__(
            f"stream {stream}: expected version {expected_version}, found {actual_version}"
        )
        self.stream = stream
        self.expected_version = expected_version
        self.actual_version = actual_version


class OutboxEntry(NamedTuple):
    """An event waiting in the outbox: its row's id, the event, and the trace context it was
    stored in (None when tracing was off)."""

    outbox_id: int
    envelope: Envelope
    traceparent: str | None


@dataclass(frozen=True, slots=True)
class EventMetadata:
    """Who caused the events and why: copied into every envelope of one append."""

    actor: str
    correlation_id: str
    causation_id: str | None = None
    occurred_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Aggregate:
    """Which stream an append goes to, and whose family's data it holds (if any)."""

    type: str
    id: UUID
    district: str
    family_id: UUID | None = None

    @property
    def stream_id(self) -> str:
        return stream_id(self.type, self.id)


EVENT_COLUMNS = (
    events.c.position,
    events.c.event_id,
    events.c.event_type,
    events.c.schema_version,
    events.c.aggregate_type,
    events.c.aggregate_id,
    events.c.version,
    events.c.family_id,
    events.c.district,
    events.c.occurred_at,
    events.c.recorded_at,
    events.c.actor,
    events.c.correlation_id,
    events.c.causation_id,
    events.c.payload,
)


# The oldest events waiting in the outbox, with their family's wrapped key (one statement for
# the relay's read: the keys are not read apart).
_OUTBOX_BATCH = (
    select(
        outbox.c.id.label("outbox_id"),
        outbox.c.traceparent,
        *EVENT_COLUMNS,
        family_keys.c.wrapped_key,
    )
    .join(events, events.c.event_id == outbox.c.event_id)
    .outerjoin(family_keys, family_keys.c.family_id == events.c.family_id)
    .order_by(events.c.position)
    .limit(bindparam("limit"))
)


def _envelope(row: Any, payload: dict[str, Any]) -> Envelope:
    return Envelope(
        event_id=row.event_id,
        event_type=row.event_type,
        schema_version=row.schema_version,
        aggregate_type=row.aggregate_type,
        aggregate_id=row.aggregate_id,
        aggregate_version=row.version,
        family_id=row.family_id,
        district=row.district,
        occurred_at=as_utc(row.occurred_at),
        recorded_at=as_utc(row.recorded_at),
        actor=row.actor,
        correlation_id=row.correlation_id,
        causation_id=row.causation_id,
        payload=payload,
    )


# The feed (shared/web/feed.py) -----------------------------------------------------------
# A page of the feed is written as JSON straight from the stored rows, the same document
# `Envelope` serializes to, without building an Envelope per event: the stored payload's text
# is passed on as it is, and a sealed personal field (`{"$enc": "<base64>"}`, the store's own
# sealing) is replaced by its plaintext, which is the JSON text of the value as it was sealed.
# This is the one place a rebuild's reading spends CPU per event in the producing service.

_FEED_COLUMNS = (*EVENT_COLUMNS[:-1], cast(events.c.payload, Text).label("payload_text"))
# The store's seal, as PostgreSQL's jsonb (`{"$enc": "..."}`) and SQLite's compact JSON
# (`{"$enc":"..."}`) write it. Inside a JSON string a quote is escaped, so the pattern only
# ever matches an object of its own: a field's sealed value.
_SEALED_TEXT = re.compile(r'\{"\$enc":\s?"([A-Za-z0-9+/=]*)"\}')


# PostgreSQL: the envelope's JSON as `Envelope` serializes it (instants in UTC with a "Z",
# whatever the session's time zone), the payload's stored text inside it. Built for the page's
# rows only: with the ORDER BY and LIMIT on the same level, a plan that sorts (a table not yet
# analyzed: a fresh history, a restored one) built it for every event after `after`, sorted
# them all and kept the page (measured: 3-4 times the time of the page's own).
_PG_UTC = '\'YYYY-MM-DD"T"HH24\\:MI\\:SS.US"Z"\''  # the colons escaped for text()
_PG_FEED = text(
    "SELECT position, family_id, event_type, json_build_object("
    "'event_id', event_id, 'event_type', event_type, 'schema_version', schema_version,"
    " 'aggregate_type', aggregate_type, 'aggregate_id', aggregate_id,"
    " 'aggregate_version', version, 'family_id', family_id, 'district', district,"
    f" 'occurred_at', to_char(occurred_at AT TIME ZONE 'UTC', {_PG_UTC}),"
    f" 'recorded_at', to_char(recorded_at AT TIME ZONE 'UTC', {_PG_UTC}),"
    " 'actor', actor, 'correlation_id', correlation_id, 'causation_id', causation_id,"
    " 'payload', payload)::text AS envelope"
    " FROM (SELECT * FROM events WHERE position > :after ORDER BY position LIMIT :limit) AS page"
    " ORDER BY position"
)


def _after(columns: Sequence[Any], after: int, limit: int) -> Any:
    """The events above position `after`, in position order, at most `limit`."""
    return (
        select(*columns).where(events.c.position > after).order_by(events.c.position).limit(limit)
    )


def _json_time(moment: datetime) -> str:
    # As pydantic writes an aware UTC datetime ("...Z").
    written = as_utc(moment).isoformat()
    return f'"{written[:-6]}Z"' if written.endswith("+00:00") else f'"{written}"'


def _json_text(value: str | None) -> str:
    return "null" if value is None else json.dumps(value, ensure_ascii=False)


def _envelope_json(row: Any) -> str:
    """A stored row (SQLite) as its envelope's JSON, the payload's stored text inside."""
    family = "null" if row.family_id is None else f'"{row.family_id}"'
    return (
        f'{{"event_id":"{row.event_id}","event_type":{_json_text(row.event_type)},'
        f'"schema_version":{row.schema_version},'
        f'"aggregate_type":{_json_text(row.aggregate_type)},'
        f'"aggregate_id":"{row.aggregate_id}","aggregate_version":{row.version},'
        f'"family_id":{family},"district":{_json_text(row.district)},'
        f'"occurred_at":{_json_time(row.occurred_at)},'
        f'"recorded_at":{_json_time(row.recorded_at)},'
        f'"actor":{_json_text(row.actor)},"correlation_id":{_json_text(row.correlation_id)},'
        f'"causation_id":{_json_text(row.causation_id)},"payload":{row.payload_text}}}'
    )


def _opened_text(envelope: str, aead: AESGCM, aad: bytes) -> str:
    """An envelope's JSON with every sealed field of its payload opened (the family's key
    exists): each replaced by its plaintext, the JSON text of the value as it was sealed."""

    def open_(match: re.Match[str]) -> str:
        raw = a2b_base64(match.group(1))
        return aead.decrypt(raw[:12], raw[12:], aad).decode()

    return _SEALED_TEXT.sub(open_, envelope)


class EventStore:
    """Appends and reads events through a connection the caller's transaction owns."""

    def __init__(self, *, clock: Clock | None = None, keyring: Keyring | None = None) -> None:
        self._clock = clock or SystemClock()
        self._keyring = keyring
        # Events this store was asked to write in this process (committed or not): a consumer
        # wakes the relay after its commit only when a handler stored some.
        self.stored = 0

    @property
    def clock(self) -> Clock:
        return self._clock

    @property
    def keyring(self) -> Keyring | None:
        return self._keyring

    async def append(
        self,
        conn: AsyncConnection,
        aggregate: Aggregate,
        expected_version: int,
        new_events: Sequence[DomainEvent],
        metadata: EventMetadata,
    ) -> list[Envelope]:
        """Store `new_events` as versions expected_version+1.. of the aggregate's stream.

        Raises ConcurrencyConflict if the stream's current version is not `expected_version`
        (another writer got there first). Nothing is written then; the caller's transaction
        should be rolled back. Returns the envelopes as stored (in clear).
        """
        envelopes, _ = await self._append(conn, aggregate, expected_version, new_events, metadata)
        return envelopes

    async def append_with_snapshot(
        self,
        conn: AsyncConnection,
        aggregate: Aggregate,
        expected_version: int,
        new_events: Sequence[DomainEvent],
        metadata: EventMetadata,
        snapshot: PendingSnapshot,
    ) -> tuple[list[Envelope], bool]:
        """As `append`, and the aggregate's snapshot as of the new events in the same
        statement where it can be (PostgreSQL, one family's key at hand). Also says whether
        the snapshot was written: if not, the caller writes it (or not) as before."""
        return await self._append(conn, aggregate, expected_version, new_events, metadata, snapshot)

    async def _append(
        self,
        conn: AsyncConnection,
        aggregate: Aggregate,
        expected_version: int,
        new_events: Sequence[DomainEvent],
        metadata: EventMetadata,
        snapshot: PendingSnapshot | None = None,
    ) -> tuple[list[Envelope], bool]:
        if not new_events:
            return [], False
        sid = aggregate.stream_id
        if conn.dialect.name != "postgresql":
            # SQLite: the transaction holds the write lock from its BEGIN; reading is local.
            await self._check_version(conn, sid, expected_version)
        try:
            envelopes = self._envelopes(aggregate, expected_version, new_events, metadata)
        except ValidationError:
            # Events that make no envelope (e.g. a stream's later events appended as if it
            # were new, with none of what its first event says): a conflict if the stream
            # moved on, which is what the caller must hear first.
            await self._check_version(conn, sid, expected_version)
            raise
        snapshotted = await self._store(conn, envelopes, expected_version, snapshot)
        return envelopes, snapshotted

    async def _check_version(self, conn: AsyncConnection, sid: str, expected: int) -> None:
        current = await self.stream_version(conn, sid)
        if current != expected:
            raise ConcurrencyConflict(sid, expected, current)

    def _envelopes(
        self,
        aggregate: Aggregate,
        expected_version: int,
        new_events: Sequence[DomainEvent],
        metadata: EventMetadata,
    ) -> list[Envelope]:
        now = self._clock.now()
        return [
            Envelope(
                event_id=uuid.uuid4(),
                event_type=event.event_type,
                schema_version=event.schema_version,
                aggregate_type=aggregate.type,
                aggregate_id=aggregate.id,
                aggregate_version=expected_version + i,
                family_id=aggregate.family_id,
                district=aggregate.district,
                occurred_at=metadata.occurred_at or now,
                recorded_at=now,
                actor=metadata.actor,
                correlation_id=metadata.correlation_id,
                causation_id=metadata.causation_id,
                payload=event.model_dump(mode="json"),
            )
            for i, event in enumerate(new_events, start=1)
        ]

    async def append_envelopes(self, conn: AsyncConnection, envelopes: Sequence[Envelope]) -> None:
        """Store envelopes built elsewhere (a transfer, an import); versions must follow on."""
        await self._store(conn, envelopes, 0)

    async def _store(
        self,
        conn: AsyncConnection,
        envelopes: Sequence[Envelope],
        expected_version: int,
        snapshot: PendingSnapshot | None = None,
    ) -> bool:
        """The events and their outbox rows. On PostgreSQL, with an `expected_version` above
        0, only if the first envelope's stream has that version stored; with `snapshot`, that
        too where it can go in the same statement (returns whether it went: never on SQLite)."""
        self.stored += len(envelopes)
        first = envelopes[0]
        if conn.dialect.name == "postgresql":
            return await self._store_postgresql(conn, envelopes, expected_version, snapshot)
        rows = self._rows(envelopes, await self._keys(conn, envelopes))
        try:
            await conn.execute(insert(events), rows)
        except IntegrityError as exc:
            raise ConcurrencyConflict(first.stream_id, first.aggregate_version - 1, None) from exc
        traceparent = tracing.current_traceparent()
        await conn.execute(
            insert(outbox),
            [{"event_id": e.event_id, "traceparent": traceparent} for e in envelopes],
        )
        return False

    async def _store_postgresql(
        self,
        conn: AsyncConnection,
        envelopes: Sequence[Envelope],
        expected_version: int,
        snapshot: PendingSnapshot | None = None,
    ) -> bool:
        """The append statement; with `snapshot`, the snapshot too when it can go in the same
        statement (returns whether it went)."""
        first = envelopes[0]
        families = {e.family_id for e in envelopes if e.family_id is not None}
        guard: tuple[UUID, bytes] | None = None
        if self._keyring is not None and len(families) == 1:
            (family,) = families
            key, wrapped = await self._keyring.key_for_writing_unread(
                conn, family, self._clock.now()
            )
            keys: dict[UUID, bytes | None] = {family: key}
            if wrapped is not None:
                guard = (family, wrapped)
        else:
            keys = await self._keys(conn, envelopes)
        rows = self._rows(envelopes, keys)
        columns = {name: [row[name] for row in rows] for name in rows[0]}
        columns["payload"] = [_json(p) for p in columns["payload"]]
        params: dict[str, Any] = {
            **columns,
            "expected": expected_version,
            "stream": first.stream_id,
            "family": guard[0] if guard else None,
            "wrapped": guard[1] if guard else None,
            "traceparent": tracing.current_traceparent(),
        }
        statement = _PG_APPEND
        if snapshot is not None:
            stored = self._snapshot_state(snapshot, keys)
            if stored is not None:
                statement = _PG_APPEND_WITH_SNAPSHOT
                params.update(
                    snapshot_type=snapshot.aggregate_type,
                    snapshot_version=envelopes[-1].aggregate_version,
                    snapshot_fingerprint=snapshot.fingerprint,
                    snapshot_family=snapshot.family_id,
                    snapshot_encrypted=stored[1],
                    snapshot_state=stored[0],
                    snapshot_taken_at=snapshot.taken_at,
                )
        try:
            appended = await _append_on_driver(conn, statement, params)
            if appended is None:
                appended = len((await conn.execute(statement.clause, params)).all())
        except IntegrityError as exc:
            raise ConcurrencyConflict(first.stream_id, first.aggregate_version - 1, None) from exc
        if appended != len(envelopes):
            # Nothing was written: the expected version is not the stream's, or the family
            # key from memory is no longer the family's (read it again on the next try).
            if guard is not None and self._keyring is not None:
                self._keyring.forget(guard[0])
            raise ConcurrencyConflict(first.stream_id, first.aggregate_version - 1, None)
        return statement is _PG_APPEND_WITH_SNAPSHOT

    def _snapshot_state(
        self, snapshot: PendingSnapshot, keys: dict[UUID, bytes | None]
    ) -> tuple[bytes, bool] | None:
        """The snapshot's bytes as stored and whether sealed; None when it cannot go with the
        append (its family's key not at hand, or the family erased: the caller decides)."""
        if snapshot.family_id is None or self._keyring is None:
            return snapshot.state, False
        key = keys.get(snapshot.family_id)
        if key is None:
            return None
        return snapshot.seal(key, snapshot.family_id, snapshot.state), True

    async def _keys(
        self, conn: AsyncConnection, envelopes: Sequence[Envelope]
    ) -> dict[UUID, bytes | None]:
        keys: dict[UUID, bytes | None] = {}
        if self._keyring is not None:
            now = self._clock.now()
            for family_id in {e.family_id for e in envelopes if e.family_id is not None}:
                keys[family_id] = await self._keyring.key_for_writing(conn, family_id, now)
        return keys

    def _rows(
        self, envelopes: Sequence[Envelope], keys: dict[UUID, bytes | None]
    ) -> list[dict[str, Any]]:
        return [
            {
                "event_id": e.event_id,
                "stream_id": e.stream_id,
                "version": e.aggregate_version,
                "event_type": e.event_type,
                "schema_version": e.schema_version,
                "aggregate_type": e.aggregate_type,
                "aggregate_id": e.aggregate_id,
                "family_id": e.family_id,
                "district": e.district,
                "occurred_at": e.occurred_at,
                "recorded_at": e.recorded_at,
                "actor": e.actor,
                "correlation_id": e.correlation_id,
                "causation_id": e.causation_id,
                "payload": (
                    encrypt_payload(e.event_type, e.payload, keys[e.family_id], e.family_id)
                    if e.family_id is not None and e.family_id in keys
                    else e.payload
                ),
            }
            for e in envelopes
        ]

    async def envelopes(self, conn: AsyncConnection, rows: Sequence[Any]) -> list[Envelope]:
        """Envelopes of stored rows (selected with EVENT_COLUMNS), personal data decrypted
        where the family's key exists and shown as erased where it was destroyed."""
        keys: dict[UUID, bytes] = {}
        families = {row.family_id for row in rows if row.family_id is not None}
        if families and self._keyring is not None:
            keys = await self._keyring.keys(conn, families)
        return self._decrypted(rows, keys)

    def _decrypted(self, rows: Sequence[Any], keys: dict[UUID, bytes]) -> list[Envelope]:
        """The rows' envelopes, each family's personal fields opened with its key in `keys`
        (a family missing there reads as erased)."""
        return [
            _envelope(
                row,
                decrypt_payload(row.event_type, row.payload, keys.get(row.family_id), row.family_id)
                if row.family_id is not None and self._keyring is not None
                else row.payload,
            )
            for row in rows
        ]

    async def stream_version(self, conn: AsyncConnection, sid: str) -> int:
        result = await conn.execute(
            select(func.coalesce(func.max(events.c.version), 0)).where(events.c.stream_id == sid)
        )
        return int(result.scalar_one())

    async def read_stream(self, conn: AsyncConnection, sid: str) -> list[Envelope]:
        result = await conn.execute(
            select(*EVENT_COLUMNS).where(events.c.stream_id == sid).order_by(events.c.version)
        )
        return await self.envelopes(conn, result.all())

    async def read_all(
        self, conn: AsyncConnection, *, after: int = 0, limit: int = 1000
    ) -> list[tuple[int, Envelope]]:
        """Events with a global position above `after`, in position order, at most `limit`."""
        rows = (await conn.execute(_after(EVENT_COLUMNS, after, limit))).all()
        envelopes = await self.envelopes(conn, rows)
        return [(row.position, envelope) for row, envelope in zip(rows, envelopes, strict=True)]

    async def read_all_json(
        self, conn: AsyncConnection, *, after: int = 0, limit: int = 1000
    ) -> tuple[bytes, int | None]:
        """As `read_all`, the events as the JSON array of their envelopes (what a list of
        `Envelope` serializes to: personal fields decrypted, or erased as `envelopes` shows
        them), and the last one's position (None: no event above `after`)."""
        if conn.dialect.name == "postgresql":
            # PostgreSQL writes each envelope's JSON itself (in C, the stored payload as it
            # is); what is left here is opening the sealed fields.
            # The rows as they come (position, family_id, event_type, envelope): a copy of
            # each as a tuple cost a tenth of the feed's CPU.
            rows: Sequence[Any] = (
                await conn.execute(_PG_FEED, {"after": after, "limit": limit})
            ).all()
        else:
            found = (await conn.execute(_after(_FEED_COLUMNS, after, limit))).all()
            rows = [(r.position, r.family_id, r.event_type, _envelope_json(r)) for r in found]
        if not rows:
            return b"[]", None
        keys: dict[UUID, bytes] = {}
        families = {family for _, family, _, _ in rows if family is not None}
        if families and self._keyring is not None:
            keys = await self._keyring.keys(conn, families)
        # One cipher per family for the page (the key unwrapped once, by `keys`).
        ciphers = {family: AESGCM(key) for family, key in keys.items()}
        parts = []
        for _position, family, event_type, envelope in rows:
            if family is not None and self._keyring is not None:
                aead = ciphers.get(family)
                if aead is None:
                    # Erased (or a key never made): shown as `envelopes` shows it, field by
                    # field, "[usunięto]" or null as the field allows. Rare: the slow way.
                    if personal_paths(event_type):
                        fields = json.loads(envelope)
                        fields["payload"] = decrypt_payload(
                            event_type, fields["payload"], None, family
                        )
                        envelope = _json(fields)
                elif "$enc" in envelope:
                    envelope = _opened_text(envelope, aead, family.bytes)
            parts.append(envelope)
        return ("[" + ",".join(parts) + "]").encode(), rows[-1][0]

    async def outbox_batch(self, conn: AsyncConnection, limit: int) -> list[OutboxEntry]:
        """The oldest stored events waiting in the outbox, with their outbox ids and trace
        contexts. Stored order, not outbox order: a requeued history and new events interleave
        in the outbox, but each aggregate's versions are stored in order."""
        rows = (await conn.execute(_OUTBOX_BATCH, {"limit": limit})).all()
        envelopes = self._opened(rows)
        return [
            OutboxEntry(row.outbox_id, envelope, row.traceparent)
            for row, envelope in zip(rows, envelopes, strict=True)
        ]

    def _opened(self, rows: Sequence[Any]) -> list[Envelope]:
        """As `envelopes`, for rows that carry their family's wrapped key (`wrapped_key`,
        null for an erased family): no statement of its own."""
        keys: dict[UUID, bytes] = {}
        if self._keyring is not None:
            for row in rows:
                family, wrapped = row.family_id, row.wrapped_key
                if family is not None and wrapped is not None and family not in keys:
                    keys[family] = self._keyring.unwrap(family, wrapped)
        return self._decrypted(rows, keys)

    async def head_position(self, conn: AsyncConnection) -> int:
        result = await conn.execute(select(func.coalesce(func.max(events.c.position), 0)))
        return int(result.scalar_one())
