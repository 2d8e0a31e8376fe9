"""Language identification at decode: py3langid decides, English passes, the rest is refused.

All sentences are invented for these tests.
"""

from __future__ import annotations

import json
import re

import pytest

from flashpoint.core.errors import InvalidArticle
from flashpoint.ingest.decode import REFUSE_CONFIDENCE, decode_article, detect_language


def encode(text: str, **fields: str) -> bytes:
    return json.dumps({"id": "lang-1", "text": text, **fields}).encode()


ENGLISH = [
    # terse alert lines, headline style: no articles, few function words
    "Army reports border troops fired small arms 'unprovoked' across the line near several "
    "sectors; army responded",
    "Shelling reported near river crossing; 2 KIA, 3 WIA, militia claims hit on depot",
    "Drone strike on convoy north of capital, three dead: governor",
    "Rebels seize hilltop town after overnight clashes - local officials",
    "UPDATE 2-Gunmen attack police post in border district, kill four",
    # lists of names and places from casualty records: not another language
    "Kareem Haddad Yousef al-Masri Nour Hamdan Abdullah al-Khatib Samer Jaber",
    "Novoselivka;Novoselivka;Novoselivka;Novoselivka",
    # a bilingual wire text whose English part is a headline of its own
    "Militia raid kills nine villagers in eastern province; Province : neuf morts dans "
    "une attaque de miliciens",
]


@pytest.mark.parametrize("text", ENGLISH)
def test_english_is_accepted(text: str) -> None:
    assert decode_article(encode(text)).text == text


FOREIGN = [
    (
        "fr",
        "Des hommes armés ont attaqué un village dans la nuit de lundi à mardi et tué "
        "plusieurs habitants, selon les autorités locales.",
    ),
    (
        "es",
        "Hombres armados atacaron un pueblo durante la noche y mataron a varios vecinos, "
        "según informaron las autoridades locales.",
    ),
    (
        "ar",
        "قصفت القوات الحكومية قرية في ريف المحافظة الليلة الماضية "
        "وقتل ثلاثة مدنيين حسب مصادر محلية",
    ),
    (
        "ru",
        "Военные обстреляли село ночью, погибли двое мирных жителей, сообщили местные власти.",
    ),
    ("pt", "Homens armados atacaram uma aldeia durante a noite e mataram três moradores."),
]


@pytest.mark.parametrize(("language", "text"), FOREIGN)
def test_foreign_text_is_refused_with_language_and_confidence(language: str, text: str) -> None:
    with pytest.raises(InvalidArticle) as caught:
        decode_article(encode(text))
    assert caught.value.reason == "unsupported language"
    detail = caught.value.detail or ""
    assert f"detected {language!r}" in detail
    match = re.search(r"confidence (\d\.\d\d)", detail)
    assert match is not None and float(match.group(1)) >= REFUSE_CONFIDENCE
    assert "only English is classified" in detail


def test_detect_language_names_the_language() -> None:
    language, confidence = detect_language(FOREIGN[0][1])
    assert language == "fr"
    assert 0.0 <= confidence <= 1.0


def test_short_foreign_text_is_not_judged() -> None:
    # Too few letters for any identifier to be sure: let through rather than guess.
    assert decode_article(encode("Ataque en Tula")).text == "Ataque en Tula"


def test_explicit_language_field_still_decides() -> None:
    english_text = "Artillery shelling hit the town on Tuesday and killed three civilians."
    with pytest.raises(InvalidArticle) as caught:
        decode_article(encode(english_text, language="fr"))
    assert caught.value.reason == "unsupported language"
    assert "'fr'" in (caught.value.detail or "")
    assert decode_article(encode(english_text, language="en-GB")).language == "en-GB"
