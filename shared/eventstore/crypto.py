"""Crypto-shredding: a family's personal data, inside immutable events, encrypted with a key of
its own, so that destroying the key erases the data everywhere it is stored while every other
field (and every count built on them) stays.

- Each service keeps the keys of the families it stores (AES-256-GCM), wrapped with a key
  derived from the deployment's master key (ASYSTA_DATA_KEY).
- Fields marked PERSONAL in the event models are encrypted one by one on append and decrypted
  on read; with the key destroyed they read as "[usunięto]" (or null where a field may be
  empty), so the events still validate.
"""

from __future__ import annotations

import base64
import json
import os
import time
import types
from collections.abc import Iterable
from datetime import datetime
from functools import cache
from typing import Annotated, Any, Union, get_args, get_origin
from uuid import UUID

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import BaseModel
from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.events.base import EVENT_TYPES
from shared.events.personal import ERASED, PERSONAL
from shared.eventstore.sql import insert_ignoring_duplicates
from shared.eventstore.tables import family_keys

_ENCRYPTED = "$enc"
# Family keys kept in memory for writing (see Keyring.key_for_writing_unread): how many, and
# for how long before they are read again.
WRITING_CACHE_SIZE = 10_000
WRITING_CACHE_SECONDS = 300.0

Path = tuple[str, ...]  # field names, "*" for every item of a list


def derive_key(master: bytes, purpose: str) -> bytes:
    """A 32-byte key for one purpose ("family-keys", "lookups") from the master key."""
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=f"asysta:{purpose}".encode()
    ).derive(master)


# Which fields of an event are personal -----------------------------------------------------


def _walk(tp: Any, metadata: Iterable[Any] = ()) -> list[tuple[Path, bool]]:
    """Paths to personal values inside type `tp`, each with whether it may be null."""
    if any(m is PERSONAL for m in metadata):
        return [((), False)]
    origin = get_origin(tp)
    if origin is Annotated:
        base, *meta = get_args(tp)
        return _walk(base, meta)
    if origin in (Union, types.UnionType):
        args = get_args(tp)
        nullable = type(None) in args
        found: list[tuple[Path, bool]] = []
        for arg in args:
            if arg is not type(None):
                found += [(p, n or nullable) for p, n in _walk(arg)]
        return found
    if origin in (tuple, list):
        return [(("*", *p), n) for p, n in _walk(get_args(tp)[0])]
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        found = []
        for name, field in tp.model_fields.items():
            found += [((name, *p), n) for p, n in _walk(field.annotation, field.metadata)]
        return found
    return []


@cache
def personal_paths(event_type: str) -> tuple[tuple[Path, bool], ...]:
    cls = EVENT_TYPES.get(event_type)
    return tuple(_walk(cls)) if cls is not None else ()


def _map(value: Any, path: Path, change: Any) -> Any:
    """`value` with every value at `path` replaced by change(old)."""
    if not path:
        return change(value)
    head, rest = path[0], path[1:]
    if head == "*":
        return [_map(v, rest, change) for v in value] if isinstance(value, list) else value
    if isinstance(value, dict) and head in value and value[head] is not None:
        return {**value, head: _map(value[head], rest, change)}
    return value


# Encryption of payloads --------------------------------------------------------------------


def encrypt_payload(
    event_type: str, payload: dict[str, Any], key: bytes | None, family_id: UUID
) -> dict[str, Any]:
    """The payload with its personal values encrypted (or already erased if `key` is None:
    the family was erased before, and nothing personal may be stored for it again)."""
    aead = AESGCM(key) if key is not None else None
    aad = family_id.bytes

    def seal(value: Any) -> Any:
        if value is None:
            return None
        if aead is None:
            return ERASED
        nonce = os.urandom(12)
        sealed = aead.encrypt(nonce, json.dumps(value, ensure_ascii=False).encode(), aad)
        return {_ENCRYPTED: base64.b64encode(nonce + sealed).decode()}

    for path, _nullable in personal_paths(event_type):
        payload = _map(payload, path, seal)
    return payload


def decrypt_payload(
    event_type: str, payload: dict[str, Any], key: bytes | None, family_id: UUID
) -> dict[str, Any]:
    aead = AESGCM(key) if key is not None else None
    aad = family_id.bytes
    for path, nullable in personal_paths(event_type):

        def open_(value: Any, nullable: bool = nullable) -> Any:
            if not (isinstance(value, dict) and _ENCRYPTED in value):
                return value  # stored before encryption, or already a placeholder
            if aead is None:
                return None if nullable else ERASED
            raw = base64.b64decode(value[_ENCRYPTED])
            return json.loads(aead.decrypt(raw[:12], raw[12:], aad))

        payload = _map(payload, path, open_)
    return payload


# The keys of one service --------------------------------------------------------------------


# Built once: read on most commands (a statement built per call costs its construction and
# cache key each time).
_WRAPPED_KEY = select(family_keys.c.wrapped_key).where(
    family_keys.c.family_id == bindparam("family")
)
_WRAPPED_KEYS = select(family_keys.c.family_id, family_keys.c.wrapped_key).where(
    family_keys.c.family_id.in_(bindparam("families", expanding=True)),
    family_keys.c.wrapped_key.is_not(None),
)


class Keyring:
    """Family keys in the service's own database, wrapped with the master key."""

    def __init__(self, master_key: bytes) -> None:
        self._wrap = AESGCM(derive_key(master_key, "family-keys"))
        # Keys read for writing lately: family -> (read at, key, wrapped key as stored).
        self._writing: dict[UUID, tuple[float, bytes, bytes]] = {}

    def _seal(self, family_id: UUID, key: bytes) -> bytes:
        nonce = os.urandom(12)
        return nonce + self._wrap.encrypt(nonce, key, family_id.bytes)

    def _unseal(self, family_id: UUID, wrapped: bytes) -> bytes:
        return self._wrap.decrypt(wrapped[:12], wrapped[12:], family_id.bytes)

    def unwrap(self, family_id: UUID, wrapped: bytes) -> bytes:
        """A family's key from its wrapped form as stored (read with another statement)."""
        return self._unseal(family_id, wrapped)

    async def key_for_writing(
        self, conn: AsyncConnection, family_id: UUID, now: datetime
    ) -> bytes | None:
        """The family's key, created on first use; None if the family was erased."""
        row = (await conn.execute(_WRAPPED_KEY, {"family": family_id})).first()
        if row is None:
            # Most appends find the key; only a family's first event creates it (and a
            # concurrent first event of the same family loses the race harmlessly).
            await conn.execute(
                insert_ignoring_duplicates(conn, family_keys),
                {
                    "family_id": family_id,
                    "wrapped_key": self._seal(family_id, AESGCM.generate_key(256)),
                    "created_at": now,
                },
            )
            row = (await conn.execute(_WRAPPED_KEY, {"family": family_id})).first()
        if row is None or row.wrapped_key is None:
            self.forget(family_id)
            return None
        key = self._unseal(family_id, row.wrapped_key)
        self._remember(family_id, key, row.wrapped_key)
        return key

    async def key_for_writing_unread(
        self, conn: AsyncConnection, family_id: UUID, now: datetime
    ) -> tuple[bytes | None, bytes | None]:
        """The family's key as `key_for_writing`, without reading it if it was read in the
        last WRITING_CACHE_SECONDS. Then the wrapped key comes too: the statement that writes
        with the key must write only if the family's stored wrapped key is still that one (an
        erasure destroyed it, or the transaction that created it rolled back), and the caller,
        if not, `forget` it and try again. (key, None) when the key was read now."""
        cached = self._writing.get(family_id)
        clock = time.monotonic()
        if cached is not None and clock - cached[0] < WRITING_CACHE_SECONDS:
            return cached[1], cached[2]
        key = await self.key_for_writing(conn, family_id, now)
        return key, None

    def forget(self, family_id: UUID) -> None:
        self._writing.pop(family_id, None)

    def _remember(self, family_id: UUID, key: bytes, wrapped: bytes) -> None:
        if len(self._writing) >= WRITING_CACHE_SIZE:
            self._writing.pop(next(iter(self._writing)))
        self._writing[family_id] = (time.monotonic(), key, wrapped)

    async def keys(self, conn: AsyncConnection, family_ids: Iterable[UUID]) -> dict[UUID, bytes]:
        """Keys of the families that have one (erased and unknown families are absent)."""
        wanted = sorted(set(family_ids))
        if not wanted:
            return {}
        rows = await conn.execute(_WRAPPED_KEYS, {"families": wanted})
        return {row.family_id: self._unseal(row.family_id, row.wrapped_key) for row in rows}

    async def erase(self, conn: AsyncConnection, family_id: UUID, now: datetime) -> None:
        """Destroy the family's key for good (and refuse a new one later)."""
        self.forget(family_id)
        await conn.execute(
            insert_ignoring_duplicates(conn, family_keys),
            {"family_id": family_id, "wrapped_key": None, "created_at": now, "erased_at": now},
        )
        await conn.execute(
            update(family_keys)
            .where(family_keys.c.family_id == family_id)
            .values(wrapped_key=None, erased_at=now)
        )


# Personal values in read models --------------------------------------------------------------


def seal_value(key: bytes | None, family_id: UUID, value: Any) -> str | None:
    """A JSON value encrypted under the family's key, as text for a read model's column; None
    when the family was erased (`key` None): nothing personal is written for it again."""
    if key is None or value is None:
        return None
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(
        nonce, json.dumps(value, ensure_ascii=False).encode(), family_id.bytes
    )
    return base64.b64encode(nonce + sealed).decode()


def open_value(key: bytes | None, family_id: UUID, sealed: str | None) -> Any:
    """The value `seal_value` stored, or None once the family's key is destroyed."""
    if key is None or sealed is None:
        return None
    raw = base64.b64decode(sealed)
    return json.loads(AESGCM(key).decrypt(raw[:12], raw[12:], family_id.bytes))
