"""Dead letters: what an operator lists and replays.

`python -m shared.messaging.dead_letters list` shows every dead letter of the deployment
(REDIS_URL, ASYSTA_STREAM_PREFIX); `replay ID [ID ...]` or `replay --all` puts messages back on
their original stream for the group that dead-lettered them (`--group G`: only G's dead
letters), removes them from the dead-letter stream, waits for that group's answer and prints,
per message, what became of it: applied, or failed again with the error (it is a dead letter
again then). It exits non-zero if any message was not applied.

A replayed entry carries `replay_group`: the other groups reading the stream acknowledge it
without effect (they applied it long ago, or have a dead letter of their own), so a replay
never reaches a consumer that was not asked.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import uuid
from dataclasses import dataclass
from typing import Any, cast

import redis.asyncio as aioredis
from faststream.redis.parser import BinaryMessageFormatV1

from shared.messaging.sealing import BusKeys
from shared.messaging.streams import dead_letter_stream, replay_result_key
from shared.runtime.settings import ServiceSettings

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


async def list_dead_letters(
    redis: aioredis.Redis, prefix: str, *, group: str | None = None, keys: BusKeys | None = None
) -> list[DeadLetter]:
    """Every dead letter of the deployment (of one group if given), oldest first; with `keys`,
    error texts sealed with a family's bus key are opened ("[usunięto]" once erased)."""
    letters: list[DeadLetter] = []
    pattern = dead_letter_stream(prefix, group) if group else f"{prefix}*.dead-letters"
    async for key in redis.scan_iter(match=pattern):
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
                    error=await _error_text(fields.get(b"error"), keys),
                    dead_at=_text(fields.get(b"dead_at")),
                    event=event,
                    data=data,
                )
            )
    return sorted(letters, key=lambda letter: letter.dead_at)


async def _error_text(raw: bytes | None, keys: BusKeys | None) -> str:
    text = _text(raw)
    return await keys.open_text(text) if keys is not None else text


@dataclass(frozen=True)
class ReplayOutcome:
    letter: DeadLetter
    outcome: str  # "applied", "failed" or "no answer"
    error: str | None = None

    @property
    def applied(self) -> bool:
        return self.outcome == "applied"

    def line(self) -> str:
        summary = self.letter.summary()
        what = (
            f"{self.letter.entry_id} {summary['event_type']} {summary['aggregate']} "
            f"v{summary['version']} -> {self.letter.group}"
        )
        if self.outcome == "applied":
            return f"{what}: applied"
        if self.outcome == "failed":
            return f"{what}: failed again: {self.error}"
        return f"{what}: no answer ({self.error})"


async def replay(
    redis: aioredis.Redis,
    letters: list[DeadLetter],
    *,
    prefix: str,
    keys: BusKeys | None = None,
    timeout: float = 30.0,
) -> list[ReplayOutcome]:
    """Put each letter's message back on its stream for its own group, drop it from the dead
    letters, and wait (at most `timeout` seconds) for the group to say what became of it."""
    sent: dict[str, DeadLetter] = {}
    outcomes: list[ReplayOutcome] = []
    for letter in letters:
        if letter.data is None:
            outcomes.append(ReplayOutcome(letter, "failed", "the dead letter holds no message"))
            continue
        replay_id = uuid.uuid4().hex
        async with redis.pipeline(transaction=True) as pipe:
            pipe.xadd(
                letter.stream,
                {DATA_KEY: letter.data, b"replay_id": replay_id, b"replay_group": letter.group},
            )
            pipe.xdel(letter.dead_letter_stream, letter.entry_id)
            await pipe.execute()
        sent[replay_id] = letter
    deadline = time.monotonic() + timeout
    delay = 0.05
    while sent:
        answers = await redis.mget([replay_result_key(prefix, r) for r in sent])
        for replay_id, answer in zip(list(sent), answers, strict=True):
            if answer is None:
                continue
            letter = sent.pop(replay_id)
            found = json.loads(answer)
            error = found.get("error")
            if error is not None and keys is not None:
                error = await keys.open_text(error)
            outcomes.append(ReplayOutcome(letter, found["outcome"], error))
        if not sent or time.monotonic() > deadline:
            break
        await asyncio.sleep(delay)  # polling the consumers' answers, bounded by `timeout`
        delay = min(delay * 1.5, 0.5)
    for letter in sent.values():
        outcomes.append(
            ReplayOutcome(
                letter,
                "no answer",
                f"not handled within {timeout:g} s; is a worker of {letter.group} running? "
                "It is on the stream and will be applied or dead-lettered again",
            )
        )
    order = {letter.entry_id: i for i, letter in enumerate(letters)}
    return sorted(outcomes, key=lambda o: order[o.letter.entry_id])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.messaging.dead_letters")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="list dead letters (JSON lines)")
    replay_parser = sub.add_parser("replay", help="put dead letters back on their streams")
    replay_parser.add_argument("ids", nargs="*", help="dead-letter entry ids (from list)")
    replay_parser.add_argument("--all", action="store_true")
    replay_parser.add_argument(
        "--group", help="only the dead letters of this consumer group (replayed to it alone)"
    )
    replay_parser.add_argument(
        "--timeout", type=float, default=30.0, help="seconds to wait for the answers"
    )
    list_parser = sub.choices["list"]
    list_parser.add_argument("--group", help="only the dead letters of this consumer group")
    args = parser.parse_args(argv)
    settings = ServiceSettings()
    if not settings.redis_url:
        print("REDIS_URL is not set", file=sys.stderr)
        return 2

    async def run() -> int:
        redis = aioredis.from_url(settings.redis_url or "")
        keys = BusKeys(redis, settings.stream_prefix, settings.master_key())
        try:
            letters = await list_dead_letters(
                redis, settings.stream_prefix, group=args.group, keys=keys
            )
            if args.command == "list":
                for letter in letters:
                    print(json.dumps(letter.summary(), ensure_ascii=False))
                print(f"{len(letters)} dead letter(s)", file=sys.stderr)
                return 0
            if not (args.all or args.ids):
                print("name dead letters to replay (ids from list) or --all", file=sys.stderr)
                return 2
            chosen = letters if args.all else [x for x in letters if x.entry_id in args.ids]
            missing = set(args.ids) - {x.entry_id for x in chosen}
            if missing:
                print(f"no such dead letter: {', '.join(sorted(missing))}", file=sys.stderr)
                return 1
            if not chosen:
                print("no dead letters to replay", file=sys.stderr)
                return 0
            outcomes = await replay(
                redis, chosen, prefix=settings.stream_prefix, keys=keys, timeout=args.timeout
            )
            for outcome in outcomes:
                print(outcome.line(), flush=True)
            applied = sum(o.applied for o in outcomes)
            print(f"{applied} of {len(outcomes)} replayed message(s) applied", file=sys.stderr)
            return 0 if applied == len(outcomes) else 1
        finally:
            await redis.aclose()

    return asyncio.run(run())


if __name__ == "__main__":
    sys.exit(main())
