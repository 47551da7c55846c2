"""The import rule: each service keeps its internals to itself.

- A module in `services/<name>/` may import its own service, `shared`, and another service's
  public face, `services.<other>.interface`; nothing else of another service.
- `shared/` imports no service at all: it holds what the services agree on.
- The modules directly in `services/` (`cli`, `runner`, `api`, `key_rotation`) put the services
  together: they may import one another and each service's `interface`, `cli` and `worker`
  modules, and its blueprint modules (`api`, `sources_api`, `feed_api`) for the one API app.

Imports inside functions count too; relative imports are resolved first.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PUBLIC_FACE = "interface"
ENTRY_POINTS = frozenset({PUBLIC_FACE, "cli", "worker", "api", "sources_api", "feed_api"})


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_names(source: str, module: str, is_package: bool) -> Iterator[tuple[int, str]]:
    """(line, dotted name) of everything the module imports; `from a import b` gives `a.b`."""
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                base = f"{anchor}.{base}".rstrip(".")
            for alias in node.names:
                yield node.lineno, f"{base}.{alias.name}"


def owner(module: str) -> str:
    """`services.<name>` for a service's module, `services` for the top-level ones, `shared`."""
    parts = module.split(".")
    if parts[0] == "services" and len(parts) > 2:
        return f"services.{parts[1]}"
    return parts[0]


def is_service_package(name: str) -> bool:
    return (ROOT / "services" / name).is_dir()


def refusal(importer: str, imported: str) -> str | None:
    """Why `importer` may not import `imported`, or None when it may."""
    parts = imported.split(".")
    if parts[0] not in ("services", "shared") or len(parts) < 2:
        return None
    home = owner(importer)
    if home == "shared":
        return "shared/ imports no service" if parts[0] == "services" else None
    if parts[0] == "shared" or owner(imported) == home != "services":
        return None
    if not is_service_package(parts[1]):  # a top-level module: services.cli, services.api, …
        return None if home == "services" else "only the top-level modules import those"
    reached = parts[2] if len(parts) > 2 else "__init__"
    allowed = ENTRY_POINTS if home == "services" else {PUBLIC_FACE}
    if reached in allowed:
        return None
    return f"another service's internals: use services.{parts[1]}.{PUBLIC_FACE}"


def violations(source: str, module: str, is_package: bool = False) -> list[str]:
    return [
        f"{module}:{line} imports {name}: {why}"
        for line, name in imported_names(source, module, is_package)
        if (why := refusal(module, name)) is not None
    ]


def test_no_module_imports_another_services_internals():
    found = []
    for top in ("services", "shared"):
        for path in sorted((ROOT / top).rglob("*.py")):
            module = module_name(path)
            found += violations(path.read_text(), module, path.name == "__init__.py")
    assert not found, "imports across the service boundaries:\n" + "\n".join(found)


@pytest.mark.parametrize(
    ("module", "source", "refused"),
    [
        ("services.dashboard.partners", "from services.publish import probe", True),
        ("services.dashboard.partners", "from services.publish.registry import create", True),
        ("services.dashboard.partners", "import services.translate.qa", True),
        ("services.dashboard.partners", "from services.publish import interface", False),
        ("services.dashboard.markers", "from services.translate.interface import Block", False),
        ("services.dashboard.partners", "from services.dashboard import health", False),
        ("services.ingest.status", "from services.publish.listing import describe", True),
        ("services.ingest.api", "from services.cli import main", True),
        ("services.publish.api", "from shared.web.errors import ApiError", False),
        ("shared.outbox", "from services.publish import interface", True),
        ("shared.outbox", "from shared.models import OutboxMessage", False),
        ("services.api", "from services.translate.api import bp", False),
        ("services.runner", "from services.ingest.interface import push_story", False),
        ("services.runner", "from services.ingest.push_client import push_story", True),
        ("services.translate.engines.local", "from ..glossary import Term", False),
        ("services.dashboard.partners", "from ..publish import probe", True),
    ],
)
def test_the_rule_refuses_exactly_the_imports_across_a_boundary(module, source, refused):
    assert bool(violations(source, module)) is refused
