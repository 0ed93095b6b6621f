"""Names on the bus, and the one declaration of who consumes what.

One stream per producing service; a consumer group per consuming service (its name, unless a
second deployment of it reads under a group of its own, ASYSTA_CONSUMER_GROUP).

`prefix` keeps deployments (and test runs) apart on one Redis. For Redis Cluster, a prefix
with a hash tag ("{asysta}:") keeps a service's stream and its dead letters on one slot.
"""

from __future__ import annotations

from collections.abc import Iterable

PRODUCERS = ("referrals", "casework", "directory")

# Which services consume each producer's stream. The services' workers subscribe to exactly
# these, the launcher starts workers for the services named here, and a relay trims only what
# every one of their groups (and every configured extra group) has acknowledged.
CONSUMERS: dict[str, tuple[str, ...]] = {
    "referrals": ("casework", "reporting"),
    "casework": ("referrals", "reporting"),
    "directory": ("casework", "reporting"),
}


def consumed_streams(service: str) -> tuple[str, ...]:
    """The producing services whose streams `service` consumes, in PRODUCERS order."""
    return tuple(producer for producer in PRODUCERS if service in CONSUMERS.get(producer, ()))


def consuming_services() -> tuple[str, ...]:
    """Every service that consumes some stream (and so runs a worker)."""
    return tuple(sorted({service for names in CONSUMERS.values() for service in names}))


def parse_extra_groups(spec: str) -> dict[str, tuple[str, ...]]:
    """`"reporting:reporting-b, reporting:reporting-c"` -> {"reporting": ("reporting-b",
    "reporting-c")}: the groups of further deployments of a consuming service, which the
    relays must wait for as well (ASYSTA_EXTRA_CONSUMER_GROUPS)."""
    groups: dict[str, list[str]] = {}
    for item in spec.split(","):
        item = item.strip()
        if not item:
            continue
        service, sep, group = item.partition(":")
        if not sep or not service.strip() or not group.strip():
            raise ValueError(f"expected service:group, got {item!r}")
        groups.setdefault(service.strip(), []).append(group.strip())
    return {service: tuple(names) for service, names in groups.items()}


def expected_groups(
    producer: str, extra: dict[str, tuple[str, ...]] | None = None
) -> tuple[str, ...]:
    """The consumer groups a producer's relay waits for before trimming: each consuming
    service's own group and the configured extra groups of those services. Configuration, not
    what Redis happens to hold: after Redis lost its data, a group whose workers are stopped is
    missing from Redis but must still find the whole history when they start."""
    names: list[str] = []
    for service in CONSUMERS.get(producer, ()):
        names.append(service)
        names.extend((extra or {}).get(service, ()))
    return tuple(dict.fromkeys(names))


def events_stream(prefix: str, service: str) -> str:
    return f"{prefix}{service}.events"


def dead_letter_stream(prefix: str, group: str) -> str:
    return f"{prefix}{group}.dead-letters"


def dead_letter_streams(prefix: str, groups: Iterable[str]) -> list[str]:
    return [dead_letter_stream(prefix, group) for group in groups]


def errors_key(stream: str, group: str) -> str:
    """A hash of the last error per pending message id, read when a message is dead-lettered."""
    return f"{stream}:{group}:errors"


def relay_marker_key(prefix: str, service: str) -> str:
    """Set by a service's relay; its absence means Redis lost its data since the last check."""
    return f"{prefix}{service}.relay-marker"


def bus_key_name(prefix: str, family_id: object) -> str:
    """A family's bus key (wrapped), or the tombstone left by its erasure."""
    return f"{prefix}bus-key:{family_id}"


def replay_result_key(prefix: str, replay_id: str) -> str:
    """Where the consumer says what became of one replayed dead letter."""
    return f"{prefix}replay-result:{replay_id}"
