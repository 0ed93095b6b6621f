"""Names on the bus. One stream per producing service; a consumer group per consuming service.

`prefix` keeps deployments (and test runs) apart on one Redis. For Redis Cluster, a prefix
with a hash tag ("{asysta}:") keeps a service's stream and its dead letters on one slot.
"""

from __future__ import annotations

PRODUCERS = ("referrals", "casework", "directory")

# Which services consume each producer's stream. A relay trims what every one of them has
# acknowledged, and nothing before all of them have a group (a late group must see history).
CONSUMERS: dict[str, tuple[str, ...]] = {
    "referrals": ("casework", "reporting"),
    "casework": ("referrals", "reporting"),
    "directory": ("casework", "reporting"),
}


def events_stream(prefix: str, service: str) -> str:
    return f"{prefix}{service}.events"


def dead_letter_stream(prefix: str, group: str) -> str:
    return f"{prefix}{group}.dead-letters"


def errors_key(stream: str, group: str) -> str:
    """A hash of the last error per pending message id, read when a message is dead-lettered."""
    return f"{stream}:{group}:errors"


def relay_marker_key(prefix: str, service: str) -> str:
    """Set by a service's relay; its absence means Redis lost its data since the last check."""
    return f"{prefix}{service}.relay-marker"
