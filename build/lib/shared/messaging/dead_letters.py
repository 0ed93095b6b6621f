"""Dead letters: what an operator lists and replays.

`python -m shared.messaging.dead_letters list` shows every dead letter of the deployment
(REDIS_URL, ASYSTA_STREAM_PREFIX); `replay ID [ID ...]` or `replay --all` puts messages back on
their original stream, where every group reads them again (consumers that already applied them
ignore them), and removes them from the dead-letter stream.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import dataclass
from typing import Any, cast

import redis.asyncio as aioredis
from faststream.redis.parser import BinaryMessageFormatV1

from shared.settings import ServiceSettings

DATA_KEY = b"__data__"


@dataclass(frozen=True)
class DeadLetter:
    dead_letter_stream: str
    entry_id: str
    stream: str
    group: str
    message_id: str
    deliveries: int
    error: str
    dead_at: str
    event: dict[str, Any] | None
    data: bytes | None

    def summary(self) -> dict[str, Any]:
        event = self.event or {}
        return {
            "id": self.entry_id,
            "group": self.group,
            "stream": self.stream,
            "message_id": self.message_id,
            "deliveries": self.deliveries,
            "dead_at": self.dead_at,
            "error": self.error,
            "event_type": event.get("event_type"),
            "event_id": event.get("event_id"),
            "aggregate": f"{event.get('aggregate_type')}-{event.get('aggregate_id')}",
            "version": event.get("aggregate_version"),
        }


def _text(value: bytes | None) -> str:
    return value.decode(errors="replace") if value else ""


async def list_dead_letters(redis: aioredis.Redis, prefix: str) -> list[DeadLetter]:
    letters: list[DeadLetter] = []
    async for key in redis.scan_iter(match=f"{prefix}*.dead-letters"):
        name = key.decode()
        # A client without decode_responses answers bytes.
        entries = cast(list[tuple[bytes, dict[bytes, bytes]]], await redis.xrange(name))
        for entry_id, fields in entries:
            data = fields.get(DATA_KEY)
            event = None
            if data:
                try:
                    body, _ = BinaryMessageFormatV1.parse(data)
                    event = json.loads(body)
                except ValueError:
                    event = None
            letters.append(
                DeadLetter(
                    dead_letter_stream=name,
                    entry_id=entry_id.decode(),
                    stream=_text(fields.get(b"stream")),
                    group=_text(fields.get(b"group")),
                    message_id=_text(fields.get(b"message_id")),
                    deliveries=int(fields.get(b"deliveries", b"0")),
                    error=_text(fields.get(b"error")),
                    dead_at=_text(fields.get(b"dead_at")),
                    event=event,
                    data=data,
                )
            )
    return sorted(letters, key=lambda letter: letter.dead_at)


async def replay(redis: aioredis.Redis, letters: list[DeadLetter]) -> int:
    """Put each letter's message back on its stream and drop it from the dead letters."""
    replayed = 0
    for letter in letters:
        if letter.data is None:
            continue
        async with redis.pipeline(transaction=True) as pipe:
            pipe.xadd(letter.stream, {DATA_KEY: letter.data})
            pipe.xdel(letter.dead_letter_stream, letter.entry_id)
            await pipe.execute()
        replayed += 1
    return replayed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.messaging.dead_letters")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="list dead letters (JSON lines)")
    replay_parser = sub.add_parser("replay", help="put dead letters back on their streams")
    replay_parser.add_argument("ids", nargs="*", help="dead-letter entry ids (from list)")
    replay_parser.add_argument("--all", action="store_true")
    args = parser.parse_args(argv)
    settings = ServiceSettings()
    if not settings.redis_url:
        print("REDIS_URL is not set", file=sys.stderr)
        return 2

    async def run() -> int:
        redis = aioredis.from_url(settings.redis_url or "")
        try:
            letters = await list_dead_letters(redis, settings.stream_prefix)
            if args.command == "list":
                for letter in letters:
                    print(json.dumps(letter.summary(), ensure_ascii=False))
                print(f"{len(letters)} dead letter(s)", file=sys.stderr)
                return 0
            chosen = letters if args.all else [x for x in letters if x.entry_id in args.ids]
            missing = set(args.ids) - {x.entry_id for x in chosen}
            if missing:
                print(f"no such dead letter: {', '.join(sorted(missing))}", file=sys.stderr)
                return 1
            print(f"replayed {await replay(redis, chosen)} message(s)")
            return 0
        finally:
            await redis.aclose()

    return asyncio.run(run())


if __name__ == "__main__":
    sys.exit(main())
