"""Sentence splitting: abbreviations, initials, acronyms, decimals, quotes, line breaks."""

from __future__ import annotations

import pytest

from classifiers.sentences import sentence_spans, split_sentences


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Fighting resumed. Ten people died.", ["Fighting resumed.", "Ten people died."]),
        (
            "U.S. forces struck a base on Jan. 5, Dr. Smith said. It was the third strike.",
            ["U.S. forces struck a base on Jan. 5, Dr. Smith said.", "It was the third strike."],
        ),
        (
            "The shell landed 3.5 km away. Gen. Burhan visited the front.",
            ["The shell landed 3.5 km away.", "Gen. Burhan visited the front."],
        ),
        (
            'He said: "We will retake the town." Then the shelling began.',
            ['He said: "We will retake the town."', "Then the shelling began."],
        ),
        (
            "Sanctions were imposed by the U.S. The army said it would respond.",
            ["Sanctions were imposed by the U.S.", "The army said it would respond."],
        ),
        ("Was it an attack? Nobody knows!", ["Was it an attack?", "Nobody knows!"]),
        ("J. R. Smith of the U.N. office spoke.", ["J. R. Smith of the U.N. office spoke."]),
        ("Headline without a stop\nFirst one.", ["Headline without a stop", "First one."]),
        ("", []),
        ("   ", []),
    ],
)
def test_split(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_spans_point_into_the_text() -> None:
    text = "  One.  Two!\n\nThree?  "
    spans = sentence_spans(text)
    assert [text[a:b] for a, b in spans] == ["One.", "Two!", "Three?"]
