"""Text normalisation shared by the gazetteer and the rules: ASCII folding and name keys.

`fold` turns any Latin-script text into plain ASCII (diacritics dropped, the many
apostrophe-like marks of Arabic transliteration unified, and the letters Unicode does not
decompose spelt out: "ı" is "i", "ł" "l", "đ" "d", "ø" "o", "ß" "ss", "ə" "e", so that
"Diyarbakır" is "Diyarbakir", not "Diyarbakr"). `name_key` goes further for
place names, so that transliteration variants meet on one key:

* apostrophes and ayn/hamza marks vanish ("Ma'arrat", "Maʿarrat", "Maarrat" agree),
* hyphens and punctuation become spaces ("al-Nu'man" = "al Nu'man"),
* the Arabic article in all its assimilated forms (al, el, an, ar, as, ash, ad, az, ez, ...)
  becomes "al" ("Ma'arrat an-Nu'man" = "Ma'arrat al-Nu'man"),
* doubled consonants collapse and "ou" becomes "u" ("Maarrat"/"Maarat", "Douma"/"Duma",
  "Tartous"/"Tartus"); doubled vowels stay, so "More" does not meet "Moore".

What it drops, on purpose: letter case, accents and the difference between the variants
above. Two different places can share a key; the gazetteer keeps every place under a key
and disambiguates by context.

`variant_key` is looser still, for the spellings of one Arabic (or Persian, Pashto, Somali...)
name that `name_key` keeps apart; the gazetteer uses it only for places in a country the
article is about. On top of `name_key` it

* drops the article altogether, and a non-first word's leading vowel before a "sun letter"
  (t, d, r, z, s, l, n): the article glued to the word ("Deir Ezzor", "Deir Ezour" =
  "Deir ez-Zor" = "Dayr az Zawr"),
* folds q/k, ck/k, gh/g, dh/d, ph/f, dj/j, and aw/o ("Zawr" = "Zor"),
* drops a final "h" after a vowel ("Hamah" = "Hama", "Raqqah" = "Raqqa"),
* merges the vowels into two classes, front/open (a, e, i, and y before a consonant) and
  back (o, u), and a run of one class into one letter: Arabic short vowels and the imala
  come out as a, e or i and diphthongs as ai, ay or ei ("Idleb" = "Idlib", "Efrin" = "Afrin",
  "Menbij" = "Manbij", "Tadmor" = "Tadmur", "Qaryatain" = "Qaryatayn", "Mayadeen" =
  "Mayadin"); "y" before a vowel stays a consonant ("Mayadin" is not "Midan"), but "iya" is
  "ia" ("Latakiyah" = "Lattakia", "Hamidiyeh" = "Hamidia"),
* collapses every doubled letter.

Keys shorter than `MIN_VARIANT_LETTERS` letters are not made (too many collisions).
"""

from __future__ import annotations

import functools
import re
import unicodedata


def words(text: str) -> frozenset[str]:
    """The white-space separated words of a word-list literal, as a frozenset."""
    return frozenset(text.split())


_APOSTROPHES = dict.fromkeys(map(ord, "'’‘`´ʿʾʼʻ′ʹ"), "'")
# Letters that Unicode does not decompose into a base letter plus marks, so NFKD alone would
# drop them ("Diyarbakır" -> "Diyarbakr", "Łódź" -> "odz"): their usual ASCII spelling.
_UNDECOMPOSABLE = str.maketrans(
    {
        "ı": "i",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "ð": "d",
        "Ð": "D",
        "ø": "o",
        "Ø": "O",
        "ß": "ss",
        "ẞ": "SS",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "þ": "th",
        "Þ": "Th",
        "ħ": "h",
        "Ħ": "H",
        "ŧ": "t",
        "Ŧ": "T",
        "ə": "e",
        "Ə": "E",
        "ŋ": "ng",
        "Ŋ": "Ng",
        "ĸ": "k",
        "ƒ": "f",
    }
)
_ARTICLES = frozenset(
    words(
        """
        al el an ar as ash at ath ad adh az ez es en ed er et ul ud
        """
    )
)
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_DOUBLED = re.compile(r"([b-df-hj-np-tv-z])\1+")


def fold(text: str) -> str:
    """ASCII-fold: strip diacritics, unify apostrophes, drop other non-ASCII characters."""
    if text.isascii():
        return text.replace("`", "'")
    text = text.translate(_APOSTROPHES).translate(_UNDECOMPOSABLE)
    decomposed = unicodedata.normalize("NFKD", text)
    return decomposed.encode("ascii", "ignore").decode("ascii")


@functools.lru_cache(maxsize=262_144)
def name_key(name: str) -> str:
    """The lookup key of a place name (see the module docstring); "" for no letters."""
    folded = fold(name).lower().replace("'", "")
    parts = _NON_ALNUM.sub(" ", folded).split()
    if len(parts) > 1:
        parts = ["al" if part in _ARTICLES else part for part in parts]
    return _DOUBLED.sub(_first_group, " ".join(parts).replace("ou", "u"))


def _first_group(match: re.Match[str]) -> str:
    return match.group(1)


MIN_VARIANT_LETTERS = 4
_LETTER_FOLDS = {"ck": "k", "q": "k", "gh": "g", "dh": "d", "ph": "f", "dj": "j", "aw": "o"}
_LETTER_FOLD = re.compile("|".join(_LETTER_FOLDS))
_GLUED_ARTICLE = re.compile(r"^[aeiou](?=[tdrzsln])")
_FINAL_H = re.compile(r"(?<=[aeiouy])h$")
_IY_VOWEL = re.compile(r"iy(?=[aeiou])")
_Y_CONSONANT = re.compile(r"y(?=[aeiou])")
# Two vowel classes; "ou", "oo", "ee", "ai", "ay", "ei" then collapse with the doubled letters.
_VOWEL_CLASSES = str.maketrans("aeiyou", "eeeeoo")
_DOUBLED_ANY = re.compile(r"([a-z])\1+")


@functools.lru_cache(maxsize=262_144)
def variant_key(name: str) -> str:
    """The loose key of a place name (see the module docstring); "" if it is too short."""
    folded = fold(name).lower().replace("'", "")
    parts = _NON_ALNUM.sub(" ", folded).split()
    if len(parts) > 1:
        parts = [part for part in parts if part not in _ARTICLES] or parts
    out: list[str] = []
    letters = 0
    for position, part in enumerate(parts):
        part = _LETTER_FOLD.sub(_fold_letters, part)
        if position:
            part = _GLUED_ARTICLE.sub("", part)
        part = _Y_CONSONANT.sub("Y", _IY_VOWEL.sub("i", _FINAL_H.sub("", part)))
        part = _DOUBLED_ANY.sub(_first_group, part.translate(_VOWEL_CLASSES).lower())
        if part:
            out.append(part)
            letters += len(part)
    return " ".join(out) if letters >= MIN_VARIANT_LETTERS else ""


def _fold_letters(match: re.Match[str]) -> str:
    return _LETTER_FOLDS[match.group(0)]
