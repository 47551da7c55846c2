"""A throw-away Syndikat installation for benchmarks: temp SQLite, real Redis, own key prefix."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def bench_installation(engine: str = "instant") -> Iterator[Path]:
    """Point this process's settings at a fresh installation; yields its folder."""
    from tests.support import services

    with tempfile.TemporaryDirectory(prefix="syndikat-bench-") as folder:
        root = Path(folder)
        os.environ.update(
            REDIS_URL=services.test_redis_url(),
            SYNDIKAT_REDIS_KEY_PREFIX=f"syndikat-bench-{uuid.uuid4().hex[:8]}:",
            SYNDIKAT_SECRET_KEY="bench-secret-key",
            SYNDIKAT_ALLOW_PRIVATE_HOSTS="127.0.0.1",
            SYNDIKAT_ENGINE=engine,
            SYNDIKAT_VAR_DIR=str(root / "var"),
            DATABASE_URL=os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{root / 'bench.db'}"),
        )
        services.reset_settings()
        services.migrate_once(os.environ["DATABASE_URL"])
        try:
            yield root
        finally:
            services.forget_redis_keys(
                os.environ["REDIS_URL"], os.environ["SYNDIKAT_REDIS_KEY_PREFIX"]
            )
            services.stop_embedded_redis()
