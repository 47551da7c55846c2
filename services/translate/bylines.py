"""German bylines in English: "Von Christian Hollmann, dpa" becomes "Christian Hollmann, dpa".

A byline is names, an agency and a role, not a sentence: an engine would translate the names
("Christian Hollmann" stays, but "Weiß" becomes "White") or answer "From …". So the engines
never see it; these rules rewrite the few German words a byline holds and leave every other
word, names included, exactly as the wire wrote them:

- the leading "Von" ("by"; the partner's site adds its own "By") is dropped;
- "und"/"sowie" become "and", "unsere(m|r)" becomes "our", "mit Material von" becomes
  "with material from";
- role words, with their feminine and plural forms and as compounds, become English ones:
  "dpa-Korrespondentin" → "dpa correspondent", "Auslandsreporter" → "foreign reporter",
  "Redakteure" → "editors", "freie Mitarbeiterin" → "freelance contributor".
"""

from __future__ import annotations

import re
from typing import Any

#: Role stems and their English (singular, plural).
ROLES: dict[str, tuple[str, str]] = {
    "Korrespondent": ("correspondent", "correspondents"),
    "Redakteur": ("editor", "editors"),
    "Reporter": ("reporter", "reporters"),
    "Fotograf": ("photographer", "photographers"),
    "Journalist": ("journalist", "journalists"),
    "Autor": ("author", "authors"),
    "Mitarbeiter": ("contributor", "contributors"),
    "Kolumnist": ("columnist", "columnists"),
    "Kommentator": ("commentator", "commentators"),
    "Volontär": ("trainee", "trainees"),
    "Büroleiter": ("bureau chief", "bureau chiefs"),
}
#: What a compound's first part says about the role: "Auslandskorrespondent", "Nahost-Reporter".
PREFIXES: dict[str, str] = {
    "Auslands": "foreign",
    "Bild": "photo",
    "Chef": "chief",
    "Foto": "photo",
    "Gerichts": "court",
    "Hauptstadt": "capital",
    "Kultur": "arts",
    "Lokal": "local",
    "Nahost": "Middle East",
    "Politik": "political",
    "Sport": "sports",
    "Wirtschafts": "business",
}
#: Other words bylines carry, whole words only.
WORDS: dict[str, str] = {
    "und": "and",
    "sowie": "and",
    "Foto": "photo",
    "Fotos": "photos",
    "Grafik": "graphic",
    "Grafiken": "graphics",
}

_LETTER = r"\wÄÖÜäöüß"
_NOT_AFTER_A_LETTER = rf"(?<![{_LETTER}])"
_NOT_BEFORE_A_LETTER = rf"(?![{_LETTER}])"
#: "Von X", "VON X", "Von: X"; a lower-case "von" too, unless it opens a name ("von der Heide").
_LEADING_BY = re.compile(r"^\s*(?:Von|VON|von(?!\s+(?:der|dem|den|zu)\s))\s*:?\s+")
#: "unserem Korrespondenten" is one correspondent: a dative, not a plural.
_OUR = re.compile(
    rf"{_NOT_AFTER_A_LETTER}[Uu]nsere[mr]?\s+(?P<word>[{_LETTER}-]+?)(?:en)?(?=[\s,;]|$)"
)
_FREELANCE = re.compile(rf"{_NOT_AFTER_A_LETTER}[Ff]reie[rn]?\s+(?=[A-ZÄÖÜ])")
_WITH_MATERIAL = re.compile(
    rf"{_NOT_AFTER_A_LETTER}mit Material (?:von|der|des){_NOT_BEFORE_A_LETTER}"
)
_ROLE = re.compile(
    _NOT_AFTER_A_LETTER
    + r"(?:(?P<joined>"
    + "|".join(PREFIXES)
    + r")|(?P<hyphened>[^\s,;/()]+)-|(?P<fused>[A-ZÄÖÜ][a-zäöüß]+?)(?=[a-zäöü]))?"
    + r"(?P<stem>"
    + "|".join(f"[{stem[0]}{stem[0].lower()}]{stem[1:]}" for stem in ROLES)
    + r")(?P<ending>innen|in|en|e)?"
    + _NOT_BEFORE_A_LETTER
)
_WORD = re.compile(_NOT_AFTER_A_LETTER + "(" + "|".join(WORDS) + ")" + _NOT_BEFORE_A_LETTER)


def english_byline(byline: str) -> str:
    """The byline with its German words in English; names and agencies untouched."""
    text = _LEADING_BY.sub("", byline, count=1).strip()
    text = _OUR.sub(lambda match: _cased(match, f"our {match.group('word')}", always=True), text)
    text = _FREELANCE.sub(lambda match: _cased(match, "freelance "), text)
    text = _WITH_MATERIAL.sub("with material from", text)
    text = _ROLE.sub(_role, text)
    return _WORD.sub(lambda match: _cased(match, WORDS[match.group(1)]), text)


def in_english(doc: dict[str, Any]) -> dict[str, Any]:
    """A copy of an English ninjs story whose `by` (and `authors`, if any) has no German left."""
    english = dict(doc)
    if isinstance(doc.get("by"), str):
        english["by"] = english_byline(doc["by"])
        if not english["by"]:
            del english["by"]  # "Von" alone: nobody is named
    if isinstance(doc.get("authors"), list):
        english["authors"] = [_english_author(author) for author in doc["authors"]]
    return english


def _english_author(author: Any) -> Any:
    """A structured author (ninjs 3.x style): its name, role and job title."""
    if isinstance(author, str):
        return english_byline(author)
    if not isinstance(author, dict):
        return author
    fields = ("name", "role", "jobtitle")
    return author | {
        k: english_byline(v) for k, v in author.items() if k in fields and isinstance(v, str)
    }


def _role(match: re.Match[str]) -> str:
    stem = match.group("stem")
    singular, plural = ROLES[stem[0].upper() + stem[1:]]
    role = plural if match.group("ending") in ("innen", "en", "e") else singular
    prefix = match.group("joined") or match.group("hyphened") or match.group("fused")
    if prefix is not None:
        role = f"{PREFIXES.get(prefix, prefix)} {role}"
    return _cased(match, role)


def _cased(match: re.Match[str], english: str, always: bool = False) -> str:
    """English words are capitalised only where a part of the byline starts ("Photos: …")."""
    before = match.string[: match.start()].rstrip()
    starts_a_part = not before or before[-1] in ";|/"
    if starts_a_part and (always or match.group(0)[:1].isupper()):
        return english[:1].upper() + english[1:]
    return english
