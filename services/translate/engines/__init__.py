"""Translation engines: one interface, chosen by configuration (`SYNDIKAT_ENGINE`).

A setting is either a registered name (see `ENGINES`) or an import path
`package.module:Class`, so a newsroom can plug in its own MT service without touching Syndikat.
"""

from __future__ import annotations

import importlib

from services.translate.engines.base import (
    Engine,
    EngineError,
    EngineName,
    EngineUnavailable,
    GlossaryEngine,
    MeteredEngine,
    StoryEngine,
    Usage,
)
from shared.config import Settings

#: Where each shipped engine lives (imported only when configured: their dependencies differ).
ENGINES: dict[str, str] = {
    EngineName.LOCAL: "services.translate.engines.local:LocalEngine",
    EngineName.DEEPL: "services.translate.engines.deepl:DeepLEngine",
    EngineName.LIBRETRANSLATE: "services.translate.engines.libretranslate:LibreTranslateEngine",
    EngineName.INSTANT: "services.translate.engines.instant:InstantEngine",
    EngineName.OPENAI: "services.translate.engines.openai_chat:OpenAIEngine",
}


def engine_chain(settings: Settings) -> list[str]:
    """SYNDIKAT_ENGINE, then SYNDIKAT_FALLBACK_ENGINES in order, each once."""
    return list(dict.fromkeys((settings.engine, *settings.fallback_engines)))


def load_engine(setting: str) -> Engine:
    """Build the engine a setting names; `EngineUnavailable` when it cannot run here."""
    target = ENGINES.get(setting, setting)
    module_name, sep, class_name = target.partition(":")
    if not sep:
        raise EngineError(
            f"unknown engine {setting!r}: use one of {sorted(ENGINES)} or module:Class"
        )
    try:
        engine_class = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError) as exc:
        raise EngineError(f"cannot load engine {target!r}: {exc}") from exc
    return engine_class.from_settings()


__all__ = [
    "ENGINES",
    "Engine",
    "EngineError",
    "EngineName",
    "EngineUnavailable",
    "GlossaryEngine",
    "MeteredEngine",
    "StoryEngine",
    "Usage",
    "engine_chain",
    "load_engine",
]
