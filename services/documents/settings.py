"""The centre whose name, address and logo head every document.

A case's documents carry the centre of the case's district (`centres.py`: the shipped table of
Warsaw's 18 district centres, `ASYSTA_CENTRES_FILE` for others or for corrections); the single
centre of `ASYSTA_CENTRE_*` heads the documents of any district the table does not name."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

ASSETS = Path(__file__).parent / "assets"
DEFAULT_LOGO = ASSETS / "logo.svg"


class Centre(BaseModel):
    """One centre as its documents show it: name, address lines, the town documents are dated
    in, contacts (empty: left out) and its logo."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=300)
    address_lines: tuple[str, ...] = ()
    city: str = Field(min_length=1, max_length=100)
    phone: str = ""
    email: str = ""
    logo: Path = DEFAULT_LOGO

    @property
    def contact_line(self) -> str:
        parts = [f"tel. {self.phone}" if self.phone else "", self.email]
        return " · ".join(p for p in parts if p)


class CentreSettings(BaseSettings):
    """ASYSTA_CENTRE_NAME, ASYSTA_CENTRE_ADDRESS (lines separated by `|`, as an environment
    variable holds one line), ASYSTA_CENTRE_CITY (where documents are dated), ASYSTA_CENTRE_PHONE,
    ASYSTA_CENTRE_EMAIL and ASYSTA_CENTRE_LOGO (a PNG, JPEG or SVG file; the shipped emblem by
    default). The centre of the districts the table of centres does not name; its logo is
    also the logo of the table's centres that name none."""

    model_config = SettingsConfigDict(env_prefix="ASYSTA_CENTRE_", extra="ignore", frozen=True)

    name: str = Field("Ośrodek Pomocy Społecznej Dzielnicy Ochota m.st. Warszawy", min_length=1)
    address: str = "ul. Grójecka 17a|02-021 Warszawa"
    city: str = "Warszawa"
    phone: str = ""
    email: str = ""
    logo: Path = DEFAULT_LOGO

    @property
    def address_lines(self) -> tuple[str, ...]:
        return tuple(line.strip() for line in self.address.split("|") if line.strip())

    @property
    def contact_line(self) -> str:
        return self.centre().contact_line

    def centre(self) -> Centre:
        return Centre(
            name=self.name,
            address_lines=self.address_lines,
            city=self.city,
            phone=self.phone,
            email=self.email,
            logo=self.logo,
        )


class CentresSettings(BaseSettings):
    """ASYSTA_CENTRES_FILE: a JSON or TOML file of centres per district (TERC code), read
    over the shipped table of Warsaw's district centres (an entry replaces the table's entry
    of the same district; the others stay). See `centres.py` for its shape."""

    model_config = SettingsConfigDict(env_prefix="ASYSTA_", extra="ignore", frozen=True)

    centres_file: Path | None = None
