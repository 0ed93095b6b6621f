"""Demonstration data: institutions assistants work with in Warsaw's 18 districts.

`warsaw_institutions.json` holds plausible names and addresses (not an official register);
REGONs pass the checksum but are invented, as are phones and e-mails (on the reserved
`.example` domain). Loading is idempotent: an institution whose REGON is already in the
directory is skipped, so the demo can load the seed on every start.

- over HTTP, into a running directory: `load_seed(post)` (or `load_seed_async`), with e.g.
  `post = lambda path, body: client.post(path, json=body)` on an `httpx.Client` whose base URL
  is the directory's and which sends an admin's bearer token;
- straight into the directory's database: `python -m services.directory seed`.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from importlib import resources
from typing import Any, Protocol

from shared.events.directory import InstitutionDetails

SEED_FILE = "warsaw_institutions.json"
_REGON_TAKEN = "regon-already-registered"


def seed_institutions() -> list[InstitutionDetails]:
    """The seed's institutions, validated."""
    text = resources.files(__package__).joinpath(SEED_FILE).read_text(encoding="utf-8")
    return [InstitutionDetails.model_validate(item) for item in json.loads(text)["institutions"]]


@dataclass(frozen=True)
class SeedResult:
    created: int
    already_present: int


class SeedFailed(RuntimeError):
    """The directory refused an institution of the seed for another reason than its REGON."""


class JsonResponse(Protocol):
    """What load_seed needs of an HTTP response (httpx.Response has it)."""

    @property
    def status_code(self) -> int: ...

    @property
    def text(self) -> str: ...

    def json(self) -> Any: ...


def _created(response: JsonResponse, details: InstitutionDetails) -> bool:
    """True if the POST created the institution, False if its REGON was already there."""
    if response.status_code == 201:
        return True
    if response.status_code == 409:
        body = response.json()
        if isinstance(body, dict) and str(body.get("type", "")).endswith("/" + _REGON_TAKEN):
            return False
    raise SeedFailed(
        f"POST /institutions (REGON {details.regon}): {response.status_code} {response.text}"
    )


def load_seed(post: Callable[[str, dict[str, Any]], JsonResponse]) -> SeedResult:
    """Register every institution of the seed over HTTP: `post(path, json_body)` sends one
    request to the directory. Returns how many were created and how many were already there."""
    created = present = 0
    for details in seed_institutions():
        if _created(post("/institutions", details.model_dump(mode="json")), details):
            created += 1
        else:
            present += 1
    return SeedResult(created=created, already_present=present)


async def load_seed_async(
    post: Callable[[str, dict[str, Any]], Awaitable[JsonResponse]],
) -> SeedResult:
    """load_seed for an asynchronous client (e.g. `httpx.AsyncClient.post`)."""
    created = present = 0
    for details in seed_institutions():
        if _created(await post("/institutions", details.model_dump(mode="json")), details):
            created += 1
        else:
            present += 1
    return SeedResult(created=created, already_present=present)
