"""Where a form sends people back to after it did its work."""

from __future__ import annotations

from typing import Any

from flask import request, url_for


def safe_path(target: str | None) -> str | None:
    """`target` if it is a path on this site: a crafted link must not send people elsewhere."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return None


def back_to(default_endpoint: str, **values: Any) -> str:
    """The form's `next` field when it is safe, else the given page."""
    return safe_path(request.form.get("next")) or url_for(default_endpoint, **values)
