"""German wire stories the tests read: the repository's own, and the sample corpus as an extra.

`tests/fixtures/wire/` holds stories written for these tests (a fictional agency, "Elbe-Weser
Nachrichtendienst"; see its README). The sample corpus beside a checkout (`../shared/corpus/wire`,
or `TEST_CORPUS_DIR/wire`) is a second set of stories by other hands: tests over it are marked
`from_shared_corpus` and skip where it is absent, as in a fresh clone. IPTC's own examples
(`../shared/iptc`, or `TEST_IPTC_DIR`) are such an extra check too.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.support.factories import FIXTURES

WIRE = FIXTURES / "wire"
#: Read-only data beside the checkout (see its README); absent in a fresh clone.
_BESIDE_CHECKOUT = Path(__file__).resolve().parents[3] / "shared"
SHARED_CORPUS = Path(os.environ.get("TEST_CORPUS_DIR") or _BESIDE_CHECKOUT / "corpus") / "wire"
IPTC = Path(os.environ.get("TEST_IPTC_DIR") or _BESIDE_CHECKOUT / "iptc")
from_shared_corpus = pytest.mark.skipif(
    not SHARED_CORPUS.is_dir(), reason=f"the sample corpus is not at {SHARED_CORPUS}"
)


def wire_story(name: str, folder: Path = WIRE) -> dict[str, Any]:
    return json.loads((folder / name).read_text(encoding="utf-8"))


def own_and_shared(own: list[str], shared: list[str]) -> list[Any]:
    """Parameters for a test over both sets: (folder, name), the shared ones skipped when absent."""
    return [pytest.param(WIRE, name, id=name) for name in own] + [
        pytest.param(SHARED_CORPUS, name, id=f"shared-{name}", marks=from_shared_corpus)
        for name in shared
    ]
