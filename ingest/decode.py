"""Decode stage: raw bytes from `articles.raw` (or one JSON line of a file) → `Article`.

Drops nothing silently: anything that cannot become an article raises
`InvalidArticle` with a short, stable reason that the caller sends to the
dead-letter topic. Rejected: empty or oversized messages, binary (non-UTF-8 or
NUL bytes), malformed JSON, non-objects, missing or mistyped fields, empty or
oversized text, HTML markup instead of plain text, and text that is not English
(the classifier reads English only; a desk would rather see the rejection than
a silent miss).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from flashpoint.errors import InvalidArticle
from flashpoint.records import Article

DEFAULT_MAX_TEXT_CHARS = 200_000
MAX_ID_CHARS = 200
OPTIONAL_STRING_FIELDS = ("title", "url", "source", "language")

_HTML_TAG = re.compile(
    r"</?(html|body|head|div|p|span|br|a|script|style|table|ul|li)\b[^>]*>", re.I
)
_WORD = re.compile(r"[A-Za-z]+")
# The commonest English function words: real English prose is ~30-50% these.
_ENGLISH_FUNCTION_WORDS = frozenset(
    [
        "the",
        "a",
        "an",
        "of",
        "in",
        "on",
        "at",
        "to",
        "and",
        "or",
        "but",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "by",
        "for",
        "with",
        "from",
        "that",
        "this",
        "it",
        "its",
        "as",
        "has",
        "have",
        "had",
        "not",
        "he",
        "she",
        "they",
        "their",
        "his",
        "her",
        "we",
        "said",
        "after",
    ]
)


def decode_article(raw: bytes | None, *, max_text_chars: int = DEFAULT_MAX_TEXT_CHARS) -> Article:
    """Validate one raw message; raise `InvalidArticle(reason, detail)` if it is not an article."""
    if raw is None or not raw.strip():
        raise InvalidArticle("empty message")
    # Bound the work before parsing: JSON escapes can at most ~6x a character.
    byte_limit = max_text_chars * 6 + 65_536
    if len(raw) > byte_limit:
        raise InvalidArticle("message too large", f"{len(raw)} bytes (limit {byte_limit})")
    if b"\x00" in raw:
        raise InvalidArticle("binary data", "message contains NUL bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidArticle("binary data", f"not UTF-8 at byte {exc.start}") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidArticle(
            "malformed JSON", f"{exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    if not isinstance(document, dict):
        raise InvalidArticle("not a JSON object", f"got {_json_type(document)}")
    return _article_from(document, max_text_chars)


def _article_from(document: dict[str, Any], max_text_chars: int) -> Article:
    for required in ("id", "text"):
        if required not in document or document[required] is None:
            raise InvalidArticle(f"missing field: {required}")
    for field in ("id", "text", *OPTIONAL_STRING_FIELDS, "published_at"):
        value = document.get(field)
        if value is not None and not isinstance(value, str):
            raise InvalidArticle(
                f"wrong type for field: {field}", f"expected string, got {_json_type(value)}"
            )
    article_id: str = document["id"].strip()
    if not article_id or len(article_id) > MAX_ID_CHARS or not article_id.isprintable():
        raise InvalidArticle("invalid id", f"must be 1-{MAX_ID_CHARS} printable characters")
    body: str = document["text"]
    if not body.strip():
        raise InvalidArticle("empty text")
    if len(body) > max_text_chars:
        raise InvalidArticle("text too large", f"{len(body)} characters (limit {max_text_chars})")
    _reject_html(body)
    _reject_non_english(body, document.get("language"))
    url = document.get("url")
    if url is not None and not re.match(r"^https?://\S+$", url):
        raise InvalidArticle("invalid url", "must be an http(s) URL")
    published_at = _parse_time(document.get("published_at"))
    return Article(
        id=article_id,
        text=body,
        title=document.get("title"),
        url=url,
        source=document.get("source"),
        published_at=published_at,
        language=document.get("language"),
    )


def _reject_html(body: str) -> None:
    tags = _HTML_TAG.findall(body)
    if len(tags) >= 2:
        raise InvalidArticle("HTML instead of plain text", f"{len(tags)} HTML tags found")


def _reject_non_english(body: str, language: str | None) -> None:
    if language is not None and language.strip().lower().split("-")[0] not in {"en", ""}:
        raise InvalidArticle(
            "unsupported language", f"language {language!r}; only English is classified"
        )
    letters = [char for char in body if char.isalpha()]
    if len(letters) >= 40:
        latin = sum(1 for char in letters if char.isascii())
        if latin / len(letters) < 0.5:
            raise InvalidArticle("unsupported language", "text is mostly non-Latin script")
    words = [word.lower() for word in _WORD.findall(body)]
    if len(words) >= 25:
        function_words = sum(1 for word in words if word in _ENGLISH_FUNCTION_WORDS)
        if function_words / len(words) < 0.08:
            raise InvalidArticle("unsupported language", "text does not read as English")


def _parse_time(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidArticle("invalid published_at", f"{value[:40]!r} is not ISO 8601") from None
    # A time without an offset is taken as UTC, so every stored time is comparable.
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _json_type(value: object) -> str:
    names = {
        dict: "object",
        list: "array",
        str: "string",
        bool: "boolean",
        int: "number",
        float: "number",
        type(None): "null",
    }
    return names.get(type(value), type(value).__name__)
