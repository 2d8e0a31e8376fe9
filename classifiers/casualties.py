"""Casualty extractor: how many people an article reports killed and injured.

Numbers: digits ("1,200"), number words ("seven", "twenty-one", "one hundred and
fifty") and the ACLED conventions for vague amounts: "a dozen" = "dozens" = 12,
"tens" = 10, "scores" = 20, "hundreds" = 100, "thousands" = 1000. "a"/"an"/"one" before
a person noun is 1. Qualifiers go: "at least 12", "more than 12", "nearly 12" -> 12.
"several", "many" or no number at all: the mention counts (the `casualties` signal fires)
but adds no figure.

Where the number sits: "Five soldiers were killed" (before the keyword), "killing 12
people" / "the death toll rose to 15" (after), "N soldiers and M civilians were killed"
(a list before: N and M are two groups).

Combining mentions (per kind, killed or injured), kept simple on purpose:

1. each mention has a group: the person noun next to its number ("soldiers", "guards",
   "villagers"), or none ("people", "the death toll", no noun);
2. the same group reported twice keeps its smallest figure (two sources, or an update:
   "killed 12 ... the death toll rose to 15" -> 12; TAXONOMY.md: the most conservative);
3. different groups add up ("two guards were killed ... three villagers died" -> 5);
   "another two soldiers" is a new group;
4. a figure without a group is a total: the result is the larger of that total (its
   smallest report) and the sum of the groups (which it usually includes);
5. sub-groups ("including 5 children", "among them", "of whom") add nothing.

Zero: only an explicit "no one was killed", "no casualties", "no deaths", "nobody was
hurt" gives 0; silence gives None. A non-zero figure of the same kind wins over a zero.

What it drops: mentions that are negated, denied, dated in the past ("hundreds died in
2013"), hypothetical ("could kill thousands"), about sport, crime, accidents or disasters
(see `NON_CONFLICT`), and bare years ("2,017" is a number, "2017" is a date).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from flashpoint.records import Casualties

from . import context
from .textnorm import words

Kind = Literal["killed", "injured"]

UNITS: dict[str, int] = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
TENS: dict[str, int] = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
SCALES: dict[str, int] = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
# Vague amounts, as ACLED codes them.
VAGUE: dict[str, int] = {
    "dozen": 12,
    "dozens": 12,
    "tens": 10,
    "scores": 20,
    "score": 20,
    "hundreds": 100,
    "thousands": 1000,
}
QUALIFIERS = frozenset(
    words(
        """
        at least more than over about around nearly almost some up to an estimated approximately
        roughly as many a total of
        """
    )
)
KILLED_WORDS = frozenset(
    words(
        """
        killed killing kills dead died dies deaths fatalities slain massacred executed lives
        """
    )
)
INJURED_WORDS = frozenset(["wounded", "wounding", "injured", "injuring", "injuries", "hurt"])
FORWARD_WORDS = frozenset(
    words(
        """
        killed killing kills massacred executed wounded wounding injured injuring toll
        """
    )
)
AUXILIARIES = frozenset(
    words(
        """
        were was been be being are is have has had reportedly also later all both others and
        more
        """
    )
)
# Person nouns that name a group; the generic ones ("people") name none.
GROUPS: dict[str, str] = {
    noun: canonical
    for canonical, nouns in {
        "soldiers": "soldier soldiers troops troop servicemen serviceman conscripts recruits",
        "civilians": "civilian civilians",
        "villagers": "villager villagers",
        "residents": "resident residents",
        "guards": "guard guards",
        "fighters": "fighter fighters militiamen militants militant rebels rebel combatants "
        "jihadists insurgents gunmen attackers",
        "police": "policemen policeman police officers officer gendarmes gendarme",
        "children": "children child boys girls boy girl schoolchildren students pupils",
        "women": "women woman",
        "men": "men man",
        "workers": "workers worker aid staff employees",
        "medics": "medics paramedics doctors nurses",
        "journalists": "journalists journalist reporters",
        "patients": "patients",
        "worshippers": "worshippers",
        "passengers": "passengers",
        "farmers": "farmers farmer",
        "refugees": "refugees refugee migrants displaced",
        "others": "others",
        "*": "people persons individuals person",
    }.items()
    for noun in nouns.split()
}
CIVILIAN_GROUPS = frozenset(
    words(
        """
        civilians villagers residents children women workers medics journalists patients
        worshippers passengers farmers refugees
        """
    )
)
NON_CONFLICT = re.compile(
    r"\b(?:floods?|flooding|storms?|cyclones?|hurricanes?|typhoons?|earthquakes?|quakes?"
    r"|landslides?|mudslides?|droughts?|heat ?waves?|wildfires?|road accidents?|traffic accidents?"
    r"|car crash|crash(?:ed)?|collisions?|derail\w*|drown\w*|cholera|outbreak|epidemic"
    r"|disease|match|football|stadium|stampede|robbery|robbers|gang|murder\w*|homicide"
    r"|domestic|suspect|court|trial|sentenced|convicted)\b"
)
CONFLICT = re.compile(
    r"\b(?:army|troops|soldiers|rebels|militia\w*|insurgents|jihadists|paramilitar\w+|rsf|m23"
    r"|fighters|militants|gunmen|shell\w*|strikes?|bomb\w*|attack\w*|clash\w*|fighting|mortar"
    r"|rocket\w*|missiles?|drones?|artillery|war|forces|explosions?|blast)\b"
)
ZERO = re.compile(
    r"\b(?:no(?: one|body|-one)? (?:was|were|has been|had been|is) (?:(?:\w+ )?(?:killed|hurt"
    r"|injured|wounded|harmed))|no (?:immediate )?(?:reports? of )?(?:casualties|deaths|fatalities"
    r"|injuries|one died|one was hurt|dead)|without (?:any )?casualties|(?:casualties|deaths"
    r"|injuries) were not reported|caused no (?:casualties|deaths|injuries)|no lives were lost)\b"
)
_TOKEN = re.compile(r"\d[\d,]*(?:\.\d+)?|[a-z]+(?:-[a-z]+)*")
_SUBSET = frozenset(["including", "among", "whom", "mostly", "mainly", "them"])
_NEW_GROUP = frozenset(["another", "other", "further", "additional", "more"])


@dataclass(frozen=True)
class CasualtyMention:
    """One reported group of killed or injured people in one sentence."""

    kind: Kind
    count: int | None  # None: reported without a figure ("killing civilians")
    group: str | None  # canonical group, None for people in general
    sentence: int  # index of the sentence in the article
    subset: bool = False  # "including 5 children": already counted in a bigger figure

    @property
    def civilian(self) -> bool:
        return self.group in CIVILIAN_GROUPS


@dataclass(frozen=True)
class _Unit:
    """A token, or a number phrase merged into one unit with its value."""

    text: str
    start: int
    end: int
    value: int | None = None


def parse_number(text: str) -> int | None:
    """The value of a number phrase ("twenty-one", "1,200", "a dozen"), or None."""
    units = _units(text.lower())
    if len(units) == 1 and units[0].value is not None:
        return units[0].value
    return None


def _units(lower: str) -> list[_Unit]:
    tokens = [(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(lower)]
    out: list[_Unit] = []
    i = 0
    while i < len(tokens):
        value, used = _number_at(tokens, i)
        if used:
            start, end = tokens[i][1], tokens[i + used - 1][2]
            out.append(_Unit(lower[start:end], start, end, value))
            i += used
        else:
            text, start, end = tokens[i]
            out.append(_Unit(text, start, end))
            i += 1
    return out


def _number_at(tokens: list[tuple[str, int, int]], i: int) -> tuple[int | None, int]:
    """(value, tokens used) of a number phrase starting at token i; (None, 0) if none."""
    word = tokens[i][0]
    nxt = tokens[i + 1][0] if i + 1 < len(tokens) else ""
    if word[0].isdigit():
        digits = word.replace(",", "")
        if "." in digits or not digits.isdigit():
            return None, 0
        if "," not in word and 1900 <= int(digits) <= 2100:
            return None, 0  # a year
        value = int(digits)
        if nxt in SCALES:
            return value * SCALES[nxt], 2
        return value, 1
    if word in ("a", "an") and nxt in ("dozen", "score", "hundred", "thousand"):
        return {"dozen": 12, "score": 20, "hundred": 100, "thousand": 1000}[nxt], 2
    if word in VAGUE:
        return VAGUE[word], 1
    total, current, used = 0, 0, 0
    j = i
    while j < len(tokens):
        parts = tokens[j][0].split("-")
        if all(p in UNITS or p in TENS for p in parts):
            current += sum(UNITS.get(p, 0) + TENS.get(p, 0) for p in parts)
        elif tokens[j][0] in SCALES and used:
            current = max(current, 1) * SCALES[tokens[j][0]]
            if SCALES[tokens[j][0]] >= 1000:
                total, current = total + current, 0
        elif (
            tokens[j][0] == "and"
            and used
            and j + 1 < len(tokens)
            and (tokens[j + 1][0].split("-")[0] in UNITS or tokens[j + 1][0].split("-")[0] in TENS)
        ):
            pass
        else:
            break
        used = j - i + 1
        j += 1
    if used:
        return total + current, used
    return None, 0


def find_mentions(sentence: str, index: int, reference_year: int) -> list[CasualtyMention]:
    """Casualty mentions in one sentence (see the module docstring for what is dropped)."""
    lower = sentence.lower()
    if NON_CONFLICT.search(lower) and not CONFLICT.search(lower):
        return []
    units = _units(lower)
    out: list[CasualtyMention] = []
    for k, unit in enumerate(units):
        kind: Kind | None = None
        if unit.text in KILLED_WORDS or (
            unit.text == "toll" and k > 0 and units[k - 1].text == "death"
        ):
            kind = "killed"
        elif unit.text in INJURED_WORDS:
            kind = "injured"
        if kind is None:
            continue
        if unit.text == "lives" and not re.search(
            r"\b(?:lost|claimed|took|cost)\b", lower[max(0, unit.start - 40) : unit.start]
        ):
            continue
        if _dropped(lower, unit.start, unit.end, reference_year):
            continue
        found = _forward(units, k, kind, index) or _backward(units, k, kind, index, lower)
        out.extend(found or [CasualtyMention(kind, None, _nearby_group(units, k), index)])
    for match in ZERO.finditer(lower):
        if context.is_historical(lower, match.start(), match.end(), reference_year):
            continue
        text = match.group(0)
        if re.search(r"killed|dead|deaths|fatalities|lives|died", text):
            out.append(CasualtyMention("killed", 0, None, index))
        elif re.search(r"hurt|injur|wound|harmed", text):
            out.append(CasualtyMention("injured", 0, None, index))
            if re.search(r"hurt|harmed", text):
                out.append(CasualtyMention("killed", 0, None, index))
        else:  # "no casualties"
            out.append(CasualtyMention("killed", 0, None, index))
            out.append(CasualtyMention("injured", 0, None, index))
    return out


def _dropped(lower: str, start: int, end: int, reference_year: int) -> bool:
    return (
        context.is_negated(lower, start)
        or context.is_denied(lower, start)
        or context.is_historical(lower, start, end, reference_year)
        or context.is_irrealis(lower, start)
    )


def _forward(units: list[_Unit], k: int, kind: Kind, index: int) -> list[CasualtyMention]:
    """'killing at least 12 people', 'the death toll rose to 15', 'left 5 dead'."""
    if units[k].text not in FORWARD_WORDS:
        return []
    if k > 0 and units[k - 1].text in ("were", "was", "been", "be", "being", "are", "is"):
        return []
    toll = units[k].text == "toll"
    j = k + 1
    limit = k + (8 if toll else 4)
    while j < len(units) and j <= limit:
        unit = units[j]
        if unit.value is not None:
            return [CasualtyMention(kind, unit.value, _group_after(units, j), index)]
        if unit.text in ("a", "an") and j + 1 < len(units) and units[j + 1].text in GROUPS:
            return [CasualtyMention(kind, 1, _group_after(units, j), index)]
        if not toll and unit.text not in QUALIFIERS:
            return []
        j += 1
    return []


def _backward(
    units: list[_Unit], k: int, kind: Kind, index: int, lower: str
) -> list[CasualtyMention]:
    """'Five soldiers were killed', 'a dozen wounded', '5 soldiers and 3 civilians died'."""
    clause_start, _ = context.clause_bounds(lower, units[k].start)
    found: list[CasualtyMention] = []
    j = k - 1
    allowed_gap = True
    while j >= 0 and units[j].start >= clause_start and k - j <= 9:
        unit = units[j]
        if unit.text in KILLED_WORDS or unit.text in INJURED_WORDS:
            break
        if unit.value is not None:
            group = _group_after(units, j)
            between = [u.text for u in units[j + 1 : k]]
            plain = all(t in AUXILIARIES or t in GROUPS or t == "of" for t in between)
            if group is None and not plain:
                break  # "three shells landed and killed": the number counts shells
            if not allowed_gap and group is None:
                break
            before = units[j - 1].text if j > 0 else ""
            if before in _NEW_GROUP and group is not None:
                group = f"{group}#{index}:{j}"
            subset = before in _SUBSET
            found.append(CasualtyMention(kind, unit.value, group, index, subset))
            # A list: "5 soldiers and 3 civilians": keep looking left past "and"/",".
            if j > 0 and units[j - 1].text == "and":
                j -= 2
                allowed_gap = False
                continue
            break
        if unit.text in ("a", "an") and units[j + 1].text in GROUPS:
            found.append(CasualtyMention(kind, 1, _group_after(units, j), index))
            break
        j -= 1
    return found


def _nearby_group(units: list[_Unit], k: int) -> str | None:
    """The group of an unquantified mention: "killing civilians", "civilians were killed"."""
    for unit in [*units[k + 1 : k + 3], *reversed(units[max(0, k - 3) : k])]:
        if unit.text in GROUPS:
            canonical = GROUPS[unit.text]
            return None if canonical == "*" else canonical
    return None


def _group_after(units: list[_Unit], j: int) -> str | None:
    """The canonical group of the person noun within 4 units after a number, if any."""
    for unit in units[j + 1 : j + 5]:
        if unit.text in GROUPS:
            canonical = GROUPS[unit.text]
            return None if canonical == "*" else canonical
        if unit.text in KILLED_WORDS or unit.text in INJURED_WORDS or unit.value is not None:
            break
    return None


@dataclass(frozen=True)
class CasualtyReport:
    """Totals for an article, and the mentions they come from."""

    casualties: Casualties
    mentions: tuple[CasualtyMention, ...]


def combine(mentions: Sequence[CasualtyMention]) -> Casualties:
    """Totals per kind by the rules of the module docstring."""
    totals: dict[str, int | None] = {}
    for kind in ("killed", "injured"):
        figures = [m for m in mentions if m.kind == kind and m.count and not m.subset]
        if not figures:
            zero = any(m.kind == kind and m.count == 0 for m in mentions)
            totals[kind] = 0 if zero else None
            continue
        by_group: dict[str | None, list[int]] = defaultdict(list)
        for mention in figures:
            assert mention.count is not None
            by_group[mention.group].append(mention.count)
        generic = min(by_group.pop(None, [0]))
        specific = sum(min(counts) for counts in by_group.values())
        totals[kind] = max(generic, specific)
    return Casualties(killed=totals["killed"], injured=totals["injured"])


def extract(sentences: Sequence[str], reference_year: int) -> CasualtyReport:
    """Casualty totals and mentions of an article given as its sentences."""
    mentions: list[CasualtyMention] = []
    for index, sentence in enumerate(sentences):
        mentions.extend(find_mentions(sentence, index, reference_year))
    return CasualtyReport(combine(mentions), tuple(mentions))
