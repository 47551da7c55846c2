"""What the `openai` engine says to a Chat Completions model, and what it accepts back.

The user message is JSON: the segments keyed by id, the glossary terms they contain, and, when
only some of a story's sentences are sent, the whole story for context. The answer must be a
JSON object with exactly the ids sent; anything else is an `EngineError`.
"""

from __future__ import annotations

import json
from typing import Any

from services.translate.engines.base import EngineError
from services.translate.glossary import Term
from shared.models import TermKind

SYSTEM_PROMPT = """\
You translate news stories for a news agency, from {source} to {target}.
The user sends JSON: "segments" maps ids to the story's sentences and headings, in story order;
read them together as one story, and translate each segment on its own.
Answer with one JSON object that has exactly the same ids as keys and each translation as value.
Rules:
- Keep every marker: <gN>…</gN> goes around the words it wraps in the translation, <xN/> stays
  where it belongs. Never add, drop or renumber markers.
- Keep &amp; &lt; &gt; escaped as they are.
- Keep every number, written in English notation (1,15 -> 1.15; 25.781,40 -> 25,781.40).
- "story", when given, is the whole story in its language, for context only: translate only
  "segments", which are sentences of it that changed.
- "glossary" lists terms with the only English allowed for them; "keep" terms stay unchanged.
- Translate faithfully: add nothing, leave nothing out, no notes."""


def messages(request_body: dict[str, Any], source: str, target: str) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": SYSTEM_PROMPT.format(source=source, target=target)},
        {"role": "user", "content": json.dumps(request_body, ensure_ascii=False)},
    ]


def request(
    group: list[str], source: str, target: str, terms: list[Term], context: list[str]
) -> dict[str, Any]:
    ids = [f"s{number}" for number in range(1, len(group) + 1)]
    request: dict[str, Any] = {
        "source_language": source,
        "target_language": target,
        "glossary": [glossary_entry(term) for term in terms],
        "segments": dict(zip(ids, group, strict=True)),
    }
    return request | {"story": context} if context else request


def glossary_entry(term: Term) -> dict[str, str]:
    entry = {"de": term.source, "en": term.target}
    return entry | {"keep": "true"} if term.kind == TermKind.KEEP else entry


def answer_of(completion: Any) -> dict[str, Any]:
    """The model's JSON object; a refusal, a cut-off or a non-JSON answer is an error."""
    if not completion.choices:
        raise EngineError("openai: the answer has no choices")
    choice = completion.choices[0]
    if choice.finish_reason == "content_filter":
        raise EngineError("openai: the model's content filter refused the story")
    if getattr(choice.message, "refusal", None):
        raise EngineError(f"openai: the model refused: {choice.message.refusal:.200}")
    if choice.finish_reason == "length":
        raise EngineError(
            "openai: the answer was cut off at the model's output limit "
            "(lower SYNDIKAT_OPENAI_MAX_CHARACTERS)"
        )
    try:
        answer = json.loads(choice.message.content or "")
    except ValueError as exc:
        content = choice.message.content or ""
        raise EngineError(f"openai: the answer is not JSON: {content!r:.200}") from exc
    if not isinstance(answer, dict):
        raise EngineError(f"openai: the answer is not a JSON object: {answer!r:.200}")
    return answer


def checked_ids(answer: dict[str, Any], ids: list[str]) -> list[str]:
    missing = [segment_id for segment_id in ids if segment_id not in answer]
    extra = sorted(set(answer) - set(ids))
    if missing or extra:
        raise EngineError(
            f"openai: the answer does not match the segments sent (missing {missing[:5]}, "
            f"unexpected {extra[:5]})"
        )
    wrong = [segment_id for segment_id in ids if not isinstance(answer[segment_id], str)]
    if wrong:
        raise EngineError(f"openai: the answer for {wrong[:5]} is not text")
    return ids
