from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class DirectorySettings(ServiceSettings):
    """DIRECTORY_DATABASE_URL, DIRECTORY_HOST, DIRECTORY_PORT, plus the common settings."""

    model_config = SettingsConfigDict(env_prefix="DIRECTORY_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///.asysta/directory.db"
    port: int = 8003
