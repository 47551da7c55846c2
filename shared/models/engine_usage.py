"""What each translation engine translated per day: for budgets, /metrics and the dashboard."""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from shared.models.base import Base


class EngineUsage(Base):
    """One engine's day (UTC, by the project clock); added to after every translation."""

    __tablename__ = "engine_usage"

    #: The engine's setting as in SYNDIKAT_ENGINE ("deepl", "openai", a module:Class path).
    engine: Mapped[str] = mapped_column(String(200), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    #: Characters of source text sent (what DeepL bills; the budgets count these).
    characters: Mapped[int] = mapped_column(BigInteger, default=0)
    #: Tokens an LLM reported (the `openai` engine); 0 for engines that have none.
    prompt_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    completion_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    requests: Mapped[int] = mapped_column(BigInteger, default=0)
