"""Settings from ``COMPLIANCE_*`` environment variables, read once through :func:`get_settings`."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_home() -> Path:
    return Path.home() / ".local" / "share" / "compliance"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COMPLIANCE_", extra="ignore")

    home: Path = Field(
        default_factory=_default_home,
        description="Directory for the default SQLite database and caches.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL. Default: a SQLite file in `home`. "
        "PostgreSQL: postgresql+psycopg://user@host/db",
    )
    load_demo_list: bool = Field(
        default=True,
        description="Load the bundled demo list into an empty database on first use.",
    )

    # Official list downloads (`compliance lists update`). Configurable so that tests and
    # air-gapped mirrors can point them elsewhere.
    csl_url: str = (
        "https://data.trade.gov/downloadable_consolidated_screening_list/v1/consolidated.csv"
    )
    ofac_sdn_url: str = (
        "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/SDN.CSV"
    )
    ofac_alt_url: str = (
        "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/ALT.CSV"
    )
    ofac_add_url: str = (
        "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/ADD.CSV"
    )
    ofac_comments_url: str = "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/SDN_COMMENTS.CSV"
    download_timeout_seconds: float = 120.0
    download_max_bytes: int = 512 * 1024 * 1024

    actor: str = Field(default="cli", description="Who is recorded in the audit log.")
    role: str = Field(
        default="reviewer", description="The actor's role, recorded with each review action."
    )
    worker_start: Literal["fork", "spawn", "forkserver"] = Field(
        default="fork",
        description="How screening worker processes start: fork shares the parent's built "
        "index; spawn and forkserver rebuild the context in each worker from a small spec.",
    )
    four_eyes_score: float = Field(
        default=0.95,
        ge=0.0,
        le=1.0,
        description="Clearing a match scoring at least this needs a second reviewer's approval.",
    )
    rules_dir: Path | None = Field(
        default=None,
        description="An operator's rules directory, laid over the shipped rules by file name "
        "(a file of the same name replaces the shipped one; a new name adds a topic).",
    )
    db_busy_timeout_seconds: float = Field(
        default=30.0,
        gt=0,
        description="How long a command waits for a database (or its first-use setup) that "
        "another process holds before it gives up with exit 3.",
    )
    db_connect_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        description="PostgreSQL: how long to wait for a connection before exit 3.",
    )

    # List guards (`lists load` and `lists update`): a new version that removes more than this
    # share of the active version's entries (or loses that share of its aliases or addresses)
    # is refused unless --allow-shrink.
    max_removed_share: float = 0.02
    # Downloads: an overall deadline per file (seconds, streaming included), and the hosts a
    # redirect may lead to besides the URL's own host.
    download_deadline_seconds: float = 600.0
    download_allowed_hosts: list[str] = Field(default_factory=list)

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.home / 'compliance.db'}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
