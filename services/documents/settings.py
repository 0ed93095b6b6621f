"""The centre whose name, address and logo head every document."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

ASSETS = Path(__file__).parent / "assets"
DEFAULT_LOGO = ASSETS / "logo.svg"


class CentreSettings(BaseSettings):
    """ASYSTA_CENTRE_NAME, ASYSTA_CENTRE_ADDRESS (lines separated by `|`, as an environment
    variable holds one line), ASYSTA_CENTRE_CITY (where documents are dated), ASYSTA_CENTRE_PHONE,
    ASYSTA_CENTRE_EMAIL and ASYSTA_CENTRE_LOGO (a PNG, JPEG or SVG file; the shipped emblem by
    default)."""

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
        parts = [f"tel. {self.phone}" if self.phone else "", self.email]
        return " · ".join(p for p in parts if p)
