"""Decode stage: raw bytes from `articles.raw` (or one JSON line of a file) → `Article`.

Drops nothing silently: anything that cannot become an article raises
`InvalidArticle` with a short, stable reason that the caller sends to the
dead-letter topic. Rejected: empty or oversized messages, binary (non-UTF-8 or
NUL bytes), malformed JSON (including nesting too deep to parse and numbers past Python's
digit limit), non-objects, missing or mistyped fields, lone surrogates or NULs, times outside
1900-2200, empty or oversized text, HTML markup instead of plain text, and text that is
not English (the classifier reads English only; a desk would rather see the rejection than
a silent miss).
"""

from __future__ import annotations

import functools
import json
import re
from datetime import UTC, datetime
from typing import Any

from py3langid.langid import MODEL_FILE, LanguageIdentifier

from flashpoint.core.errors import InvalidArticle
from flashpoint.core.records import Article

DEFAULT_MAX_TEXT_CHARS = 200_000
MAX_ID_CHARS = 200
MIN_YEAR, MAX_YEAR = 1900, 2200
OPTIONAL_STRING_FIELDS = ("title", "url", "source", "language")

_HTML_TAG = re.compile(
    r"</?(html|body|head|div|p|span|br|a|script|style|table|ul|li)\b[^>]*>", re.I
)
# Language identification: py3langid (langid.py's naive Bayes model over byte n-grams,
# shipped inside the package; nothing is downloaded). Its full model knows 140 labels, and
# on short text that hurts: terse English headlines scatter over confusable labels
# (Nigerian Pidgin, Bikol, Luganda: 267 of the 2,172 UCDP headlines come out "not en"),
# and a short Spanish one spreads its mass over Galician, Catalan, Aragonese and
# Extremaduran, so no label is confident. We restrict the model to the languages a
# conflict-news feed actually carries: English is then compared with real alternatives,
# and a foreign text concentrates its probability on its language.
LANGUAGES = (
    *("en", "fr", "es", "pt", "ru", "uk", "ar", "de", "it", "tr", "fa", "ur"),
    *("ps", "zh", "ja", "ko", "hi", "bn", "id", "nl", "pl", "sw", "am", "he"),
)
# The rule for refusing, short texts being hard for any identifier: refuse only when the
# identifier names another language with high confidence (probabilities normalised over
# LANGUAGES; py3langid scales the scores by the text's length, so short texts come out
# less sure) and the text has enough letters to judge. Anything uncertain is read as
# English: refusing a terse English alert loses exactly what the desk is watching for,
# while a foreign text let through is at worst a text the rules find nothing in. At 0.95
# no UCDP headline in English (or made only of names and places) is refused; the most
# confident of those scores 0.85 (for Indonesian, on a list of Arabic names).
REFUSE_CONFIDENCE = 0.95
MIN_LETTERS = 20
# The identifier reads this much of a long article: enough to tell, and it bounds the
# cost (py3langid walks the bytes in Python).
DETECT_CHARS = 5_000
# A text that mixes languages (wire headlines joined by ";", a bilingual lead) is kept
# when its English parts hold at least this share of its letters: the classifier reads them.
MIN_ENGLISH_SHARE = 0.25
_SEGMENT = re.compile(r"[^;\n.!?]+[.!?]*")


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
    except RecursionError:
        raise InvalidArticle("malformed JSON", "nested too deeply") from None
    except ValueError:  # an integer past Python's limit on digits (4,300)
        raise InvalidArticle("malformed JSON", "a number too long to read") from None
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
    for field in ("id", "text", *OPTIONAL_STRING_FIELDS, "published_at"):
        _reject_unreadable_text(field, document.get(field))
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


def _reject_unreadable_text(field: str, value: str | None) -> None:
    """A lone UTF-16 surrogate ("\\ud800" in JSON) is valid JSON but not text: it cannot be
    encoded, and would break the tokenizer, the database and every topic downstream. A NUL
    ("\\u0000") is refused by PostgreSQL text columns."""
    if value is None:
        return
    if "\x00" in value:
        raise InvalidArticle(
            f"invalid text in field: {field}", f"NUL character at {value.index(chr(0))}"
        )
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidArticle(
            f"invalid text in field: {field}", f"lone surrogate at character {exc.start}"
        ) from None


def _reject_html(body: str) -> None:
    tags = _HTML_TAG.findall(body)
    if len(tags) >= 2:
        raise InvalidArticle("HTML instead of plain text", f"{len(tags)} HTML tags found")


def _reject_non_english(body: str, language: str | None) -> None:
    if language is not None and language.strip().lower().split("-")[0] not in {"en", ""}:
        raise InvalidArticle(
            "unsupported language", f"language {language!r}; only English is classified"
        )
    letters = _letters(body)
    if letters < MIN_LETTERS:
        return
    detected, confidence = detect_language(body)
    if detected == "en" or confidence < REFUSE_CONFIDENCE:
        return
    english = sum(
        _letters(segment)
        for segment in _SEGMENT.findall(body[:DETECT_CHARS])
        if _letters(segment) >= MIN_LETTERS and detect_language(segment)[0] == "en"
    )
    if english >= MIN_ENGLISH_SHARE * _letters(body[:DETECT_CHARS]):
        return
    raise InvalidArticle(
        "unsupported language",
        f"detected {detected!r} (confidence {confidence:.2f}); only English is classified",
    )


def detect_language(text: str) -> tuple[str, float]:
    """(ISO 639-1 code, probability) of the likeliest of `LANGUAGES` for `text`."""
    language, confidence = _identifier().classify(text[:DETECT_CHARS])
    return str(language), float(confidence)


@functools.cache
def _identifier() -> LanguageIdentifier:
    # Loaded once (about a second), on first use; classify() only reads the model.
    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(LANGUAGES)
    return identifier


def _letters(text: str) -> int:
    return sum(1 for char in text if char.isalpha())


def _parse_time(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidArticle("invalid published_at", f"{value[:40]!r} is not ISO 8601") from None
    # A time without an offset is taken as UTC, so every stored time is comparable.
    parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    # Event windows and digests do arithmetic on this time: year 1 or 9999 would overflow.
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        raise InvalidArticle(
            "invalid published_at", f"year {parsed.year} is outside {MIN_YEAR}-{MAX_YEAR}"
        )
    return parsed


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
