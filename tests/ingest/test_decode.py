"""The decode stage rejects every kind of bad input with a stable reason."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from flashpoint.core.errors import InvalidArticle
from flashpoint.ingest.decode import decode_article

GOOD_TEXT = (
    "Artillery shelling hit residential districts of the town on Tuesday, "
    "and the army said three civilians were killed in the attack."
)


def encode(document: object) -> bytes:
    return json.dumps(document).encode()


def test_valid_article_keeps_its_fields() -> None:
    article = decode_article(
        encode(
            {
                "id": "a1",
                "text": GOOD_TEXT,
                "title": "Shelling",
                "url": "https://example.org/a1",
                "source": "Wire",
                "published_at": "2026-11-20T10:00:00",
                "language": "en",
                "extra": "ignored",
            }
        )
    )
    assert article.id == "a1"
    assert article.title == "Shelling"
    assert article.published_at == datetime(2026, 11, 20, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "empty message"),
        (b"   ", "empty message"),
        (b"{not json", "malformed JSON"),
        (b"\xff\xfe\x00\x01binary", "binary data"),
        (b"\xc3\x28 invalid utf8", "binary data"),
        (encode([1, 2]), "not a JSON object"),
        (encode({"id": "a"}), "missing field: text"),
        (encode({"text": GOOD_TEXT}), "missing field: id"),
        (encode({"id": "a", "text": 42}), "wrong type for field: text"),
        (encode({"id": 7, "text": GOOD_TEXT}), "wrong type for field: id"),
        (encode({"id": "a", "text": GOOD_TEXT, "title": ["x"]}), "wrong type for field: title"),
        (encode({"id": "a", "text": "   "}), "empty text"),
        (encode({"id": "a", "text": "x" * 300_000}), "text too large"),
        (
            encode({"id": "a", "text": "<html><body><p>" + GOOD_TEXT + "</p></body></html>"}),
            "HTML instead of plain text",
        ),
        (encode({"id": "a", "text": GOOD_TEXT, "language": "fr"}), "unsupported language"),
        (
            encode(
                {
                    "id": "a",
                    "text": "Les forces armées ont bombardé la ville pendant la nuit et "
                    "plusieurs civils ont été tués selon des sources locales qui ont parlé "
                    "aux journalistes sur place dans le centre du pays mardi soir.",
                }
            ),
            "unsupported language",
        ),
        (
            encode(
                {
                    "id": "a",
                    "text": "Войска обстреляли город ночью, погибли трое мирных "
                    "жителей, сообщили местные власти во вторник.",
                }
            ),
            "unsupported language",
        ),
        (
            encode({"id": "a", "text": GOOD_TEXT, "published_at": "yesterday"}),
            "invalid published_at",
        ),
        (encode({"id": "a", "text": GOOD_TEXT, "url": "javascript:alert(1)"}), "invalid url"),
        (encode({"id": "", "text": GOOD_TEXT}), "invalid id"),
        # Inputs that once crashed a stage instead of reaching the DLQ (issue 9).
        (b'{"id": "deep", "text": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "malformed JSON"),
        (b'{"id": "big", "text": "x", "n": ' + b"9" * 5_000 + b"}", "malformed JSON"),
        (
            b'{"id": "s", "text": "Shelling hit the town \\ud800 at dawn."}',
            "invalid text in field: text",
        ),
        (b'{"id": "s", "text": "ok", "title": "a \\udfff b"}', "invalid text in field: title"),
        (b'{"id": "n", "text": "Shelling\\u0000 hit the town."}', "invalid text in field: text"),
        (
            encode({"id": "a", "text": GOOD_TEXT, "published_at": "0001-01-01T00:00:00Z"}),
            "invalid published_at",
        ),
        (
            encode({"id": "a", "text": GOOD_TEXT, "published_at": "9999-12-31T23:59:59+00:00"}),
            "invalid published_at",
        ),
    ],
)
def test_bad_input_is_rejected_with_reason(raw: bytes, reason: str) -> None:
    with pytest.raises(InvalidArticle) as caught:
        decode_article(raw, max_text_chars=200_000)
    assert caught.value.reason == reason


def test_oversized_message_is_refused_before_parsing() -> None:
    raw = b'{"id": "a", "text": "' + b"x" * (5 * 1024 * 1024) + b'"}'
    with pytest.raises(InvalidArticle) as caught:
        decode_article(raw, max_text_chars=100_000)
    assert caught.value.reason == "message too large"


@pytest.mark.parametrize(
    "text",
    [
        GOOD_TEXT.replace("town", "to\u200bwn"),  # zero-width space
        GOOD_TEXT.replace("town", "\u202etown\u202c"),  # right-to-left override
        GOOD_TEXT + " \U0001f4a5",  # outside the BMP, as a JSON surrogate pair
    ],
)
def test_odd_but_valid_text_is_an_article(text: str) -> None:
    article = decode_article(encode({"id": "odd", "text": text}))
    assert article.text == text
