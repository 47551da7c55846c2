"""JSON from outside, read strictly: what Python's `json` accepts but a database cannot store.

`json.loads` happily returns NaN and Infinity (not JSON; PostgreSQL's jsonb refuses them), lone
UTF-16 surrogates ("\\ud800": no UTF-8 encoding, so no driver can send them), NUL characters
(PostgreSQL text cannot hold them), numbers too long to convert, and nesting deep enough to
overflow the stack of whatever walks the document next (schema validation, sanitising). Each
would be a 500 halfway through storing a story; here each is a clear error before anything is
stored. Used for pushed ninjs and for every management API body.
"""

from __future__ import annotations

import json
import math
from typing import Any

from flask import request

from shared.web.errors import ApiError

#: Far deeper than any real story or API body (ninjs nests a few levels).
MAX_DEPTH = 64


class UnacceptableJSON(ValueError):
    """The text is not JSON Syndikat takes; the message says why."""


def loads(data: bytes | str) -> Any:
    """Parse `data` (UTF-8, a BOM allowed) or raise `UnacceptableJSON`."""
    try:
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
        value = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except UnicodeDecodeError as exc:
        raise UnacceptableJSON("the body is not valid UTF-8") from exc
    except RecursionError as exc:
        raise UnacceptableJSON(f"JSON nested deeper than {MAX_DEPTH} levels") from exc
    except ValueError as exc:  # JSONDecodeError, a number too long to convert, NaN, 1e999
        raise UnacceptableJSON(f"the body is not valid JSON: {exc}") from exc
    _check(value)
    return value


def json_object() -> dict[str, Any]:
    """The request's body as a JSON object, or a 400 saying what is wrong with it."""
    try:
        body = loads(request.get_data(cache=True))
    except UnacceptableJSON as exc:
        raise ApiError(400, "malformed_json", str(exc)) from exc
    if not isinstance(body, dict):
        raise ApiError(400, "malformed_json", "the body must be a JSON object")
    return body


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"the number {text[:40]} is too large")
    return number


def _check(value: Any) -> None:
    """Refuse over-deep nesting, NUL characters and lone surrogates; iterative, so no recursion."""
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if depth > MAX_DEPTH:
            raise UnacceptableJSON(f"JSON nested deeper than {MAX_DEPTH} levels")
        if isinstance(item, str):
            _check_text(item)
        elif isinstance(item, dict):
            for key, child in item.items():
                _check_text(key)
                pending.append((child, depth + 1))
        elif isinstance(item, list):
            pending.extend((child, depth + 1) for child in item)


def _check_text(text: str) -> None:
    if "\x00" in text:
        raise UnacceptableJSON("a string contains a NUL character (\\u0000)")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise UnacceptableJSON("a string contains a lone UTF-16 surrogate") from exc
