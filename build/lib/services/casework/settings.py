from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class CaseworkSettings(ServiceSettings):
    """CASEWORK_DATABASE_URL, CASEWORK_HOST, CASEWORK_PORT, CASEWORK_MONITORING_MONTHS (the
    centre's monitoring period after closure), CASEWORK_MONITORING_CHECK_SECONDS (how often the
    worker ends monitoring periods that passed), plus the common settings."""

    model_config = SettingsConfigDict(env_prefix="CASEWORK_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///.asysta/casework.db"
    port: int = 8002
    monitoring_months: int = 6
    monitoring_check_seconds: float = 3600.0
    # How long a family's personal data is kept after the work ended, before the retention
    # list proposes erasing it (CASEWORK_RETENTION_YEARS; set it to the centre's rules).
    retention_years: int = 10
