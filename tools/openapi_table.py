"""A MkDocs hook: the API reference page's table of operations, made from docs/openapi.yaml.

`mkdocs.yml` names this file under `hooks:`; a page with the line `<!-- openapi-operations -->`
gets it replaced by one table per tag (method, path, what it does, how to authenticate), so the
readable reference cannot drift from the document the tests check.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

MARKER = "<!-- openapi-operations -->"
DOCUMENT = Path(__file__).resolve().parent.parent / "docs" / "openapi.yaml"
METHODS = ("get", "post", "put", "patch", "delete")
#: How each security scheme is named in the table.
LOGIN = {
    "webhookSignature": "the source's signature",
    "managementToken": "management token",
    "feedToken": "feed token",
    "feedTokenQuery": "feed token",
}


def on_page_markdown(markdown: str, **_: Any) -> str:
    if MARKER not in markdown:
        return markdown
    return markdown.replace(MARKER, operations_tables(yaml.safe_load(DOCUMENT.read_text())))


def operations_tables(document: dict[str, Any]) -> str:
    sections = []
    for tag in document.get("tags", []):
        rows = [
            _row(method, path, operation, document)
            for path, item in document["paths"].items()
            for method in METHODS
            if (operation := item.get(method)) and tag["name"] in operation.get("tags", [])
        ]
        sections.append(
            f"### {tag['name'].capitalize()}\n\n{tag.get('description', '')}\n\n"
            "| request | what | login |\n| --- | --- | --- |\n" + "\n".join(rows)
        )
    return "\n\n".join(sections)


def _row(method: str, path: str, operation: dict[str, Any], document: dict[str, Any]) -> str:
    requirements = operation.get("security", document.get("security", []))
    schemes = sorted({LOGIN.get(name, name) for req in requirements for name in req})
    login = " or ".join(schemes) or "none"
    what = operation.get("summary", "").replace("|", "\\|")
    return f"| `{method.upper()} {path}` | {what} | {login} |"
