"""Snapshots: an aggregate's state kept with the version it was folded to, so loading it for a
command costs the same on its 500th event as on its first.

A snapshot is a cache, never a source of truth. It is written in the command's own transaction
(so it never runs ahead of the stream), read back only when its fingerprint matches the code
that reads it, and folded on with the events stored after it. Anything wrong with it (another
state shape or evolve after a deployment, bytes that do not decode, the family's key destroyed
by an erasure) makes the unit of work ignore it and fold the whole stream, as without snapshots.

A family's aggregate may hold personal data (a referral's members), so its snapshot is
encrypted whole with the family's key, like the personal fields of its events: an erasure
destroys the key, the snapshot can no longer be read, and the state is rebuilt from the stream,
where the personal fields read "[usunięto]".
"""

from __future__ import annotations

import hashlib
import inspect
import os
import sys
from dataclasses import dataclass
from functools import cache
from typing import Any
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import String, and_, bindparam, case, cast, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.domain.aggregate import AggregateType
from shared.domain.clock import Clock
from shared.eventstore.crypto import Keyring
from shared.eventstore.store import EVENT_COLUMNS, PendingSnapshot
from shared.eventstore.tables import events, family_keys, snapshots

SNAPSHOTS_EVERY_VARIABLE = "ASYSTA_SNAPSHOTS_EVERY"
DEFAULT_EVERY = 1
"""Every append writes one: one more statement per command, and the next read folds no event at
all (measured in bench/load.py, "CPU per visit")."""


@dataclass(frozen=True)
class SnapshotPolicy:
    """When a snapshot is written: after an append that crosses a multiple of `every` versions
    (`every=1`: after every append). `every=0` turns snapshots off (read and write)."""

    every: int = DEFAULT_EVERY

    @classmethod
    def from_environment(cls) -> SnapshotPolicy:
        """The deployment's choice (ASYSTA_SNAPSHOTS_EVERY), for benchmarks and operators who
        want the old behaviour back without a release."""
        raw = os.environ.get(SNAPSHOTS_EVERY_VARIABLE, "").strip()
        return cls(max(int(raw), 0)) if raw.isdigit() else cls()

    @property
    def enabled(self) -> bool:
        return self.every > 0

    def due(self, read_version: int, new_version: int) -> bool:
        return self.enabled and new_version // self.every > read_version // self.every


class SnapshotUnreadable(Exception):
    """The stored snapshot cannot be trusted; the caller folds the stream instead."""


@cache
def _adapter(state_type: Any) -> TypeAdapter[Any]:
    return TypeAdapter(state_type)


def _state_type(kind: AggregateType[Any]) -> Any:
    return type(kind.initial())


def _source_of(function: Any) -> str:
    """The source of the module that defines `function` (an evolve and its registered cases),
    or its qualified name when the source is not available (a zipped deployment)."""
    module = sys.modules.get(getattr(function, "__module__", ""), None)
    try:
        return inspect.getsource(module) if module is not None else repr(function)
    except (OSError, TypeError):
        return f"{getattr(function, '__module__', '')}.{getattr(function, '__qualname__', '')}"


@cache
def fingerprint(kind: AggregateType[Any]) -> str:
    """What a snapshot was made by: the aggregate type, its state's schema and its evolve's
    code. A deployment that changes either gives other fingerprints, and old snapshots are
    ignored (the first command on each aggregate then folds its stream and writes a new one)."""
    state_type = _state_type(kind)
    schema = _adapter(state_type).json_schema(mode="serialization")
    digest = hashlib.sha256()
    for part in (kind.name, repr(sorted(schema.items(), key=str)), _source_of(kind.evolve)):
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()[:32]


# A stream's events, the whole of it (a snapshot that could not be trusted).
_STREAM_FROM = (
    select(*EVENT_COLUMNS)
    .where(events.c.stream_id == bindparam("stream"))
    .order_by(events.c.version)
)

# The snapshot whose fingerprint is the reader's, with its family's wrapped key, and the
# stream's events after it (all of them when there is no such snapshot): one round trip for
# what a command reads of an aggregate. One row at least (no snapshot, no event: all null);
# the state only in the first, not repeated with every event after it.
_ASKED = select(cast(bindparam("stream"), String).label("sid")).subquery("asked")
_READ_WITH_STREAM = (
    select(
        snapshots.c.version.label("snapshot_version"),
        snapshots.c.family_id.label("snapshot_family_id"),
        snapshots.c.encrypted.label("snapshot_encrypted"),
        case(
            (func.row_number().over(order_by=events.c.version) == 1, snapshots.c.state),
        ).label("snapshot_state"),
        family_keys.c.wrapped_key.label("snapshot_wrapped_key"),
        *EVENT_COLUMNS,
    )
    .select_from(
        _ASKED.outerjoin(
            snapshots,
            and_(
                snapshots.c.stream_id == _ASKED.c.sid,
                snapshots.c.fingerprint == bindparam("fingerprint"),
            ),
        )
        .outerjoin(family_keys, family_keys.c.family_id == snapshots.c.family_id)
        .outerjoin(
            events,
            and_(
                events.c.stream_id == _ASKED.c.sid,
                events.c.version > func.coalesce(snapshots.c.version, 0),
            ),
        )
    )
    .order_by(events.c.version)
)


@cache
def _upsert(dialect_name: str) -> Any:
    """The snapshot's upsert, built once per dialect (a statement built per command costs its
    construction and cache key each time)."""
    dialect = sqlite if dialect_name == "sqlite" else postgresql
    statement = dialect.insert(snapshots)
    changed = ("version", "fingerprint", "family_id", "encrypted", "state", "taken_at")
    return statement.on_conflict_do_update(
        index_elements=["stream_id"],
        set_={name: statement.excluded[name] for name in changed},
        # Never backwards (an import appending older versions, a slow writer).
        where=snapshots.c.version < statement.excluded.version,
    )


def encode_state(kind: AggregateType[Any], state: Any) -> bytes:
    return _adapter(_state_type(kind)).dump_json(state)


def decode_state(kind: AggregateType[Any], raw: bytes) -> Any:
    try:
        return _adapter(_state_type(kind)).validate_json(raw)
    except ValidationError as exc:
        raise SnapshotUnreadable(str(exc)) from exc


def _seal(key: bytes, family_id: UUID, plain: bytes) -> bytes:
    nonce = os.urandom(12)
    return nonce + AESGCM(key).encrypt(nonce, plain, family_id.bytes)


def _open(key: bytes | None, family_id: UUID, sealed: bytes) -> bytes:
    if key is None:
        raise SnapshotUnreadable(f"the key of family {family_id} is gone")
    try:
        return AESGCM(key).decrypt(sealed[:12], sealed[12:], family_id.bytes)
    except InvalidTag as exc:
        raise SnapshotUnreadable("the snapshot does not decrypt") from exc


@dataclass(frozen=True)
class Snapshot:
    state: Any
    version: int


class SnapshotStore:
    """Reads and writes snapshots through the unit of work's connection. One per unit of work:
    a family key read for a snapshot is kept for writing the next one in the same transaction
    (one statement fewer per command)."""

    def __init__(self, keyring: Keyring | None, clock: Clock) -> None:
        self._keyring = keyring
        self._clock = clock
        self._keys: dict[UUID, bytes] = {}

    async def read_with_stream(
        self, conn: AsyncConnection, kind: AggregateType[Any], stream: str
    ) -> tuple[Snapshot | None, list[Any]]:
        """The stream's snapshot if it is there and can be trusted, and the stored rows of the
        events after it (selected with EVENT_COLUMNS), in one statement; with no snapshot to
        trust, every event of the stream."""
        rows = (
            await conn.execute(
                _READ_WITH_STREAM, {"stream": stream, "fingerprint": fingerprint(kind)}
            )
        ).all()
        first = rows[0]
        stored = [row for row in rows if row.event_id is not None]
        if first.snapshot_version is None:
            return None, stored
        snapshot = self._opened(
            kind,
            first.snapshot_version,
            first.snapshot_family_id,
            first.snapshot_encrypted,
            first.snapshot_state,
            first.snapshot_wrapped_key,
        )
        if snapshot is None:
            # Not to be trusted after all (its family's key destroyed, bytes that do not
            # decode): the whole stream, as if there were none. Rare: a second statement.
            whole = await conn.execute(_STREAM_FROM, {"stream": stream})
            return None, list(whole.all())
        return snapshot, stored

    def _opened(
        self,
        kind: AggregateType[Any],
        version: int,
        family_id: UUID | None,
        encrypted: bool,
        state: bytes,
        wrapped_key: bytes | None,
    ) -> Snapshot | None:
        try:
            raw = bytes(state)
            if encrypted:
                key = None
                if self._keyring is not None and family_id is not None and wrapped_key is not None:
                    key = self._keyring.unwrap(family_id, wrapped_key)
                    self._keys[family_id] = key
                if family_id is None:
                    raise SnapshotUnreadable("an encrypted snapshot names no family")
                raw = _open(key, family_id, raw)
            return Snapshot(decode_state(kind, raw), int(version))
        except (SnapshotUnreadable, ValueError, TypeError):
            # Never trusted blindly: the stream is the truth, folding it is only slower.
            return None

    def pending(
        self, kind: AggregateType[Any], state: Any, family_id: UUID | None
    ) -> PendingSnapshot:
        """`state` to keep as the snapshot in the append's statement (EventStore sealing it
        with the family's key, which it holds for the events)."""
        return PendingSnapshot(
            aggregate_type=kind.name,
            fingerprint=fingerprint(kind),
            family_id=family_id,
            state=encode_state(kind, state),
            taken_at=self._clock.now(),
            seal=_seal,
        )

    async def write(
        self,
        conn: AsyncConnection,
        kind: AggregateType[Any],
        stream: str,
        state: Any,
        version: int,
        family_id: UUID | None,
    ) -> None:
        """Keep `state` as of `version`. A family whose key was destroyed gets none (its
        state is folded from the stream, where the personal fields read as erased)."""
        raw = encode_state(kind, state)
        encrypted = False
        if family_id is not None and self._keyring is not None:
            key = self._keys.get(family_id) or await self._keyring.key_for_writing(
                conn, family_id, self._clock.now()
            )
            if key is None:
                # Erased: the old snapshot could never be read again; spare every later read
                # the attempt.
                await conn.execute(delete(snapshots).where(snapshots.c.stream_id == stream))
                return
            raw, encrypted = _seal(key, family_id, raw), True
        await conn.execute(
            _upsert(conn.dialect.name),
            {
                "stream_id": stream,
                "aggregate_type": kind.name,
                "version": version,
                "fingerprint": fingerprint(kind),
                "family_id": family_id,
                "encrypted": encrypted,
                "state": raw,
                "taken_at": self._clock.now(),
            },
        )


__all__ = [
    "SNAPSHOTS_EVERY_VARIABLE",
    "Snapshot",
    "SnapshotPolicy",
    "SnapshotStore",
    "SnapshotUnreadable",
    "decode_state",
    "encode_state",
    "fingerprint",
]
