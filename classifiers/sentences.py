"""Sentence splitter for English news copy.

A sentence ends at ".", "!" or "?" (plus any closing quotes or brackets) followed by
white space and a capital letter, digit or opening quote, or at a blank line / line
break. It does not end at:

* abbreviations and titles ("Dr.", "Gen.", "Jan.", "No.", "approx."), see `ABBREVIATIONS`;
* initials and dotted acronyms ("J. Smith", "U.S. forces", "U.N. envoy"), unless the
  next word is one that usually starts a sentence ("... by the U.S. The army said");
* decimals and times ("3.5 km", "10.30"), because no white space follows the dot.

What it drops: nothing but the white space between sentences; every character of the
text lands in exactly one sentence.
"""

from __future__ import annotations

import re

from .textnorm import words

ABBREVIATIONS: frozenset[str] = frozenset(
    words(
        """
        mr mrs ms dr prof gen col lt maj capt cpt sgt cpl pvt adm brig cmdr cdr gov sen rep pres
        st mt ft rev hon jr sr messrs mme mlle jan feb mar apr jun jul aug sep sept oct nov dec
        no nos vol vols art p pp fig approx est etc vs cf al inc ltd co corp dept univ km kg mm
        cm ft in lb oz
        """
    )
)
# After a dotted acronym ("U.S."), these words usually open a new sentence.
_SENTENCE_STARTERS = frozenset(
    words(
        """
        the a an it he she they we i in on at but and however this that there his her their its
        our meanwhile earlier later officials witnesses
        """
    )
)
_BOUNDARY = re.compile(r"""[.!?]+["'”’)\]]*(?=\s+["'“‘(\[]?[A-Z0-9])""")
_LINE_BREAK = re.compile(r"\n\s*")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)$")
_DOTTED_ACRONYM = re.compile(r"^(?:[A-Za-z]\.)+[A-Za-z]?$")
_NEXT_WORD = re.compile(r"\s+[\"'“‘(\[]?([A-Za-z]+)")


def _is_boundary(text: str, end_of_mark: int, mark_start: int) -> bool:
    if text[mark_start] != ".":
        return True  # "!" and "?" always end a sentence
    match = _WORD_BEFORE.search(text, 0, mark_start)
    if match is None:
        return True
    word = match.group(1)
    if word.lower().rstrip(".") in ABBREVIATIONS and "." not in word.rstrip("."):
        return False
    if len(word) == 1 and word.isupper():
        return False  # an initial: "J. Smith"
    if _DOTTED_ACRONYM.match(word + ".") or _DOTTED_ACRONYM.match(word):
        following = _NEXT_WORD.match(text, end_of_mark)
        return following is not None and following.group(1).lower() in _SENTENCE_STARTERS
    return True


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) character offsets of each sentence, white space trimmed."""
    cuts: list[int] = []
    for block_start, block_end in _blocks(text):
        for match in _BOUNDARY.finditer(text, block_start, block_end):
            if _is_boundary(text, match.end(), match.start()):
                cuts.append(match.end())
        cuts.append(block_end)
    spans: list[tuple[int, int]] = []
    start = 0
    for cut in sorted(set(cuts)):
        piece = text[start:cut]
        stripped = piece.strip()
        if stripped:
            left = start + (len(piece) - len(piece.lstrip()))
            spans.append((left, left + len(stripped)))
        start = cut
    return spans


def split_sentences(text: str) -> list[str]:
    """The sentences of `text`, in order, white space trimmed."""
    return [text[start:end] for start, end in sentence_spans(text)]


def _blocks(text: str) -> list[tuple[int, int]]:
    """Line-separated blocks: a line break always ends a sentence."""
    blocks: list[tuple[int, int]] = []
    start = 0
    for match in _LINE_BREAK.finditer(text):
        blocks.append((start, match.start()))
        start = match.end()
    blocks.append((start, len(text)))
    return blocks
