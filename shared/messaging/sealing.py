"""Personal data never crosses the bus in clear: each family has a bus key, and erasing the
family destroys it, so whatever copies of its events Redis holds (main streams, dead letters,
pending entries, error texts) are unreadable from then on.

- A family's bus key is a random AES-256-GCM key kept in Redis (`bus_key_name`), wrapped with a
  key derived from the deployment's master key (ASYSTA_DATA_KEY), so Redis alone (a dump, an
  AOF file, a replica) does not give it away.
- The relay seals the fields marked PERSONAL (shared.events.personal) of every envelope that
  belongs to a family before XADD; consumers open them before handling (see Inbox), and park
  events in their database still sealed.
- Erasure leaves a tombstone in place of the key. The relay that publishes `FamilyDataErased`
  writes it before the event goes out, and deletes the family's dead letters (XDEL). A consumer
  that meets a sealed field of an erased family reads "[usunięto]" (or null), as the event
  stores do; one that finds no key at all (Redis lost its data under it) fails the message and
  retries, and never applies a placeholder in place of data that still exists.
- When Redis loses its data, keys and ciphertexts go together; the relays republish from the
  event stores under new keys, and the republished `FamilyDataErased` puts the tombstone back.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterable, Sequence
from typing import Any, cast
from uuid import UUID

import redis.asyncio as aioredis
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from faststream.redis.parser import BinaryMessageFormatV1

from shared.events import Envelope, FamilyDataErased
from shared.events.personal import ERASED
from shared.eventstore.crypto import _map as map_path  # the one walker of personal paths
from shared.eventstore.crypto import decrypt_payload, derive_key, personal_paths
from shared.messaging.streams import bus_key_name

SEALED = "$enc"
TOMBSTONE = b"erased"
_TEXT_PREFIX = "sealed:"

DATA_KEY = b"__data__"
FAMILY_FIELD = b"family_id"


class BusKeyMissing(LookupError):
    """A sealed event whose family has neither a key nor a tombstone in Redis: Redis lost its
    data since the event was read. Retried; the relays republish it under a new key."""


# A family's key as fetched: bytes, ERASED_KEY for a tombstone; absent from the dict: missing.
ERASED_KEY = b""


class BusKeys:
    def __init__(self, redis: aioredis.Redis, prefix: str, master_key: bytes) -> None:
        self.redis = redis
        self.prefix = prefix
        self._wrap = AESGCM(derive_key(master_key, "bus-keys"))

    # Keys ------------------------------------------------------------------------------------

    def _unwrap(self, family_id: UUID, stored: bytes) -> bytes:
        if stored == TOMBSTONE:
            return ERASED_KEY
        return self._wrap.decrypt(stored[:12], stored[12:], family_id.bytes)

    async def fetch(self, family_ids: Iterable[UUID]) -> dict[UUID, bytes]:
        """The families' keys (ERASED_KEY for an erased family); families with no key at all
        are absent."""
        wanted = sorted(set(family_ids))
        if not wanted:
            return {}
        values = await self.redis.mget([bus_key_name(self.prefix, f) for f in wanted])
        return {
            family_id: self._unwrap(family_id, cast(bytes, value))
            for family_id, value in zip(wanted, values, strict=True)
            if value is not None
        }

    async def for_sealing(self, family_ids: Iterable[UUID]) -> dict[UUID, bytes]:
        """Every family's key, created where missing (SET NX: two relays agree on one)."""
        keys = await self.fetch(family_ids)
        for family_id in sorted(set(family_ids) - set(keys)):
            nonce = os.urandom(12)
            wrapped = nonce + self._wrap.encrypt(nonce, AESGCM.generate_key(256), family_id.bytes)
            name = bus_key_name(self.prefix, family_id)
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.set(name, wrapped, nx=True)
                pipe.get(name)
                _, stored = await pipe.execute()
            keys[family_id] = self._unwrap(family_id, cast(bytes, stored))
        return keys

    async def erase(self, family_id: UUID) -> int:
        """Destroy the family's bus key for good and delete its dead letters; returns how many
        dead letters went."""
        await self.redis.set(bus_key_name(self.prefix, family_id), TOMBSTONE)
        deleted = 0
        async for key in self.redis.scan_iter(match=f"{self.prefix}*.dead-letters", count=1000):
            entries = cast(list[tuple[bytes, dict[bytes, bytes]]], await self.redis.xrange(key))
            ids = [i for i, fields in entries if _family_of(fields) == family_id]
            if ids:
                deleted += int(await self.redis.xdel(key, *ids))
        return deleted

    # Envelopes -------------------------------------------------------------------------------

    async def seal(self, envelopes: Sequence[Envelope]) -> list[Envelope]:
        """Envelopes as they go on the bus: personal fields sealed with the family's bus key.
        A `FamilyDataErased` in the batch erases the bus key first, so nothing of the family
        is sealed with a live key after it."""
        for envelope in envelopes:
            if envelope.event_type == FamilyDataErased.event_type:
                await self.erase(envelope.aggregate_id)
        families = {
            e.family_id
            for e in envelopes
            if e.family_id is not None and personal_paths(e.event_type)
        }
        keys = await self.for_sealing(families) if families else {}
        return [
            envelope.model_copy(
                update={
                    "payload": seal_payload(
                        envelope.event_type,
                        envelope.payload,
                        keys[envelope.family_id],
                        envelope.family_id,
                    )
                }
            )
            if envelope.family_id in keys and envelope.family_id is not None
            else envelope
            for envelope in envelopes
        ]

    async def keys_for(self, envelopes: Iterable[Envelope]) -> dict[UUID, bytes]:
        return await self.fetch(
            e.family_id for e in envelopes if e.family_id is not None and is_sealed(e.payload)
        )

    def open(self, envelope: Envelope, keys: dict[UUID, bytes]) -> Envelope:
        """The envelope with its personal fields in clear ("[usunięto]" / null if the family
        was erased). Raises BusKeyMissing if its family has no key in Redis."""
        if envelope.family_id is None or not is_sealed(envelope.payload):
            return envelope
        if envelope.family_id not in keys:
            raise BusKeyMissing(
                f"no bus key for family {envelope.family_id} (Redis lost its data?)"
            )
        key = keys[envelope.family_id] or None
        payload = decrypt_payload(envelope.event_type, envelope.payload, key, envelope.family_id)
        # Fields sealed under an older schema's paths: opened wherever they are.
        payload = _open_everywhere(payload, key, envelope.family_id)
        return envelope.model_copy(update={"payload": payload})

    # Texts (error messages may quote personal data) -----------------------------------------

    async def seal_text(self, family_id: UUID | None, text: str) -> str:
        if family_id is None:
            return text
        key = (await self.for_sealing([family_id]))[family_id]
        if not key:
            return ERASED
        nonce = os.urandom(12)
        sealed = AESGCM(key).encrypt(nonce, text.encode(), family_id.bytes)
        return f"{_TEXT_PREFIX}{family_id}:{base64.b64encode(nonce + sealed).decode()}"

    async def open_text(self, text: str) -> str:
        if not text.startswith(_TEXT_PREFIX):
            return text
        family, _, sealed = text[len(_TEXT_PREFIX) :].partition(":")
        family_id = UUID(family)
        key = (await self.fetch([family_id])).get(family_id)
        if not key:
            return ERASED
        raw = base64.b64decode(sealed)
        try:
            return AESGCM(key).decrypt(raw[:12], raw[12:], family_id.bytes).decode()
        except InvalidTag:
            return ERASED  # sealed under a key Redis lost since


def seal_payload(
    event_type: str, payload: dict[str, Any], key: bytes, family_id: UUID
) -> dict[str, Any]:
    """`payload` with its personal values sealed (an empty seal if the family was erased)."""
    aead = AESGCM(key) if key else None

    def seal(value: Any) -> Any:
        if value is None or (isinstance(value, dict) and SEALED in value):
            return value
        if aead is None:
            return {SEALED: ""}
        nonce = os.urandom(12)
        sealed = aead.encrypt(
            nonce, json.dumps(value, ensure_ascii=False).encode(), family_id.bytes
        )
        return {SEALED: base64.b64encode(nonce + sealed).decode()}

    for path, _nullable in personal_paths(event_type):
        payload = map_path(payload, path, seal)
    return payload


def is_sealed(value: Any) -> bool:
    """Whether a sealed field is anywhere in `value` (a payload: checked for every event a
    consumer reads, so leaves are not visited by a call of their own)."""
    if isinstance(value, dict):
        if SEALED in value:
            return True
        children: Any = value.values()
    elif isinstance(value, list):
        children = value
    else:
        return False
    # A loop, not any() over a generator: this runs for every event, twice.
    for child in children:  # noqa: SIM110
        if isinstance(child, (dict, list)) and is_sealed(child):
            return True
    return False


def _open_everywhere(value: Any, key: bytes | None, family_id: UUID) -> Any:
    if isinstance(value, dict):
        if SEALED in value and len(value) == 1:
            if not key or not value[SEALED]:
                return ERASED
            raw = base64.b64decode(value[SEALED])
            return json.loads(AESGCM(key).decrypt(raw[:12], raw[12:], family_id.bytes))
        return {k: _open_everywhere(v, key, family_id) for k, v in value.items()}
    if isinstance(value, list):
        return [_open_everywhere(v, key, family_id) for v in value]
    return value


def _family_of(fields: dict[bytes, bytes]) -> UUID | None:
    """The family a dead letter belongs to (its own field, or its envelope's)."""
    raw = fields.get(FAMILY_FIELD)
    if raw:
        return UUID(raw.decode())
    data = fields.get(DATA_KEY)
    if not data:
        return None
    try:
        body, _ = BinaryMessageFormatV1.parse(data)
        family = json.loads(body).get("family_id")
        return UUID(family) if family else None
    except ValueError:
        return None
