"""Text normalisation shared by the gazetteer and the rules: ASCII folding and name keys.

`fold` turns any Latin-script text into plain ASCII (diacritics dropped, the many
apostrophe-like marks of Arabic transliteration unified). `name_key` goes further for
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
"""

from __future__ import annotations

import functools
import re
import unicodedata


def words(text: str) -> frozenset[str]:
    """The white-space separated words of a word-list literal, as a frozenset."""
    return frozenset(text.split())


_APOSTROPHES = dict.fromkeys(map(ord, "'’‘`´ʿʾʼʻ′"), "'")
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
    text = text.translate(_APOSTROPHES)
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
