"""Which centre heads a family's documents: the centre of the district of the case (or of
the referral), from a table keyed by TERC code.

The table ships with Warsaw's 18 district centres (`assets/centres.json`: the names in their
official pattern, the addresses the repository knows, none where it knows none). A centre
corrects its entry, or a gmina outside Warsaw adds its own, with a file named by
`ASYSTA_CENTRES_FILE`, JSON or TOML (by the file's suffix), of the same shape:

    {"centres": {"1465188": {"name": "Ośrodek Pomocy Społecznej Dzielnicy Wola m.st. Warszawy",
                             "address": ["ul. Leszno 7", "01-192 Warszawa"],
                             "city": "Warszawa", "phone": "22 000 00 00",
                             "email": "sekretariat@example.pl", "logo": "herb-wola.png"}}}

    [centres."2815011"]
    name = "Miejski Ośrodek Pomocy Społecznej w Ostródzie"
    address = ["ul. Jana III Sobieskiego 1", "14-100 Ostróda"]
    city = "Ostróda"

`name` and `city` are required; `address` (lines), `phone`, `email` and `logo` (a path,
relative to the file) may be left out. An entry of the file replaces the shipped entry of the
same district; the others stay. A district named nowhere gets the single centre of
`ASYSTA_CENTRE_*` (`CentreSettings`), as before there was a table.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from services.documents.settings import ASSETS, Centre, CentreSettings, CentresSettings
from shared.domain.districts import InvalidDistrictCode, check_terc

SHIPPED = ASSETS / "centres.json"


class CentresFileError(ValueError):
    """The file of centres cannot be used (missing, malformed, a bad district code or entry):
    said with the file's path, for the operator who set `ASYSTA_CENTRES_FILE`."""


class CentreEntry(BaseModel):
    """One district's centre as a file of centres writes it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=300)
    address: tuple[str, ...] = Field((), max_length=6)
    city: str = Field(min_length=1, max_length=100)
    phone: str = Field("", max_length=40)
    email: str = Field("", max_length=254)
    logo: Path | None = None

    @field_validator("address", mode="before")
    @classmethod
    def _lines(cls, value: Any) -> Any:
        # One line with `|` between the lines, as ASYSTA_CENTRE_ADDRESS writes it, is accepted.
        if isinstance(value, str):
            value = value.split("|")
        if isinstance(value, list | tuple):
            return tuple(str(line).strip() for line in value if str(line).strip())
        return value

    def centre(self, *, default_logo: Path) -> Centre:
        return Centre(
            name=self.name.strip(),
            address_lines=self.address,
            city=self.city.strip(),
            phone=self.phone.strip(),
            email=self.email.strip(),
            logo=self.logo or default_logo,
        )


def _parse(path: Path) -> dict[str, CentreEntry]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CentresFileError(f"{path}: cannot read the file of centres ({exc})") from exc
    try:
        data: Any = tomllib.loads(text) if path.suffix.lower() == ".toml" else json.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise CentresFileError(f"{path}: not valid {path.suffix or 'JSON'}: {exc}") from exc
    centres = data.get("centres") if isinstance(data, Mapping) else None
    if not isinstance(centres, Mapping):
        raise CentresFileError(f"{path}: expected a table `centres` of TERC code -> centre")
    table: dict[str, CentreEntry] = {}
    for code, entry in centres.items():
        try:
            check_terc(str(code))
        except InvalidDistrictCode as exc:
            raise CentresFileError(f"{path}: {code}: {exc.english}") from exc
        try:
            parsed = CentreEntry.model_validate(entry)
        except ValidationError as exc:
            raise CentresFileError(f"{path}: {code}: {exc}") from exc
        if parsed.logo is not None and not parsed.logo.is_absolute():
            parsed = parsed.model_copy(update={"logo": path.parent / parsed.logo})
        if parsed.logo is not None and not parsed.logo.is_file():
            raise CentresFileError(f"{path}: {code}: no logo file {parsed.logo}")
        table[str(code)] = parsed
    return table


@lru_cache(maxsize=8)
def _read(path: Path, _modified_ns: int) -> dict[str, CentreEntry]:
    # Keyed by the file's modification time too: an edited file is read again.
    return _parse(path)


def read_table(path: Path) -> dict[str, CentreEntry]:
    """The centres a file names, by district (cached until the file changes)."""
    try:
        modified = path.stat().st_mtime_ns
    except OSError as exc:
        raise CentresFileError(f"{path}: cannot read the file of centres ({exc})") from exc
    return _read(path, modified)


def centres_table(settings: CentresSettings | None = None) -> dict[str, CentreEntry]:
    """The shipped table with the entries of `ASYSTA_CENTRES_FILE` over it. Raises
    `CentresFileError` when that file cannot be used (call it at start to fail early)."""
    settings = settings or CentresSettings()
    table = dict(read_table(SHIPPED))
    if settings.centres_file is not None:
        table.update(read_table(settings.centres_file))
    return table


def centre_for(
    district: str | None,
    *,
    fallback: CentreSettings | None = None,
    settings: CentresSettings | None = None,
) -> Centre:
    """The centre that heads the documents of a case or referral of `district`: its entry in
    the table of centres, else the single centre of `ASYSTA_CENTRE_*`."""
    fallback = fallback or CentreSettings()
    entry = centres_table(settings).get(district) if district else None
    if entry is None:
        return fallback.centre()
    return entry.centre(default_logo=fallback.logo)
