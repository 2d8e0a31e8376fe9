"""Casualty extractor: how many people an article reports killed and injured.

Numbers: digits ("1,200"), number words ("seven", "twenty-one", "one hundred and
fifty") and the ACLED conventions for vague amounts: "a dozen" = "dozens" = 12,
"tens" = 10, "scores" = 20, "hundreds" = 100, "thousands" = 1000. "a"/"an"/"one" before
a person noun is 1. Qualifiers go: "at least 12", "more than 12", "nearly 12" -> 12.
"several", "many" or no number at all: the mention counts (the `casualties` signal fires)
but adds no figure.

Where the number sits: "Five soldiers were killed" (before the keyword), "killing 12
people" / "the death toll rose to 15" / "Fatalities: 3" (after), "N soldiers and M
civilians were killed" (a list before: N and M are two groups). A figure after the
keyword must follow it without punctuation: in "five killed, nine wounded" the nine are
wounded, not killed, and so they are in "8 killed 58 others injured". Ages ("a
45-year-old") are not figures. Verbs that only report what the subject did ("kill", "kills",
"injures") take no figure from before them ("gunmen kill villagers" reports no gunmen
killed). Keywords: killed/kill/died/die/dead/deaths/fatalities/slain/martyred/KIA (and
"died of wounds"), wounded/injured/hurt/WIA; "bodies" when they are found ("the bodies of
4 soldiers were found"); communiqué claims "destroyed/eliminated N invaders" (killed, with
a person noun after the number); "lost N servicemen" counts as a mention without a
figure (losses mix the dead and the wounded), as do "deadly attacks", "gunned down".

Combining mentions (per kind, killed or injured), kept simple on purpose:

1. each mention has a group: the person noun next to its number ("soldiers", "guards",
   "villagers"), or none ("people", "the death toll", no noun);
2. the same group reported twice keeps its smallest figure (two sources disagreeing:
   TAXONOMY.md: the most conservative), and so does the total: a headline and a lead
   that repeat "seven killed" give 7, not 14; a vague amount ("dozens") is only a lower
   bound: a precise figure of the same group replaces it;
3. different groups add up ("two guards were killed ... three villagers died" -> 5),
   also in comma lists ("Twelve soldiers, 26 insurgents killed" -> 38), unless one
   group is another's figure under a second name, never in the same sentence ("kill 35
   terrorists ... killed 35 militants"); "N others" alone in its sentence are people,
   not a group; "another two soldiers" adds on top of everything else, unless its figure
   repeats one already reported;
4. a figure without a group is a total: the result is the larger of that total (its
   smallest report) and the sum of the groups (which it usually includes);
5. sub-groups ("including 5 children", "among them", "of whom", "20 women were among
   the dead") add nothing, also when the aside sits between commas ("Seven people,
   including three children, died" -> 7);
6. a toll that rose ("the death toll rose to 15", "bringing the toll to 15") is an update,
   not a disagreement: it replaces the article's other totals ("killed 12 ... the death
   toll rose to 15" -> 15);
7. a sentence that opens a separate incident ("separately", "in another attack",
   "elsewhere", "meanwhile") starts a new tally, and the incidents add up.

Zero: only an explicit "no one was killed", "no casualties", "no deaths", "nobody was
hurt" gives 0; silence gives None. A non-zero figure of the same kind wins over a zero.

Background tolls of a whole war or period ("the war has killed more than 300,000", "killed
since the conflict began", "this year") fire the signal but give no figure: they are not
the incident the article reports.

What it drops: mentions that are negated, denied, dated in the past ("hundreds died in
2013"), hypothetical ("could kill thousands"), about sport, crime, accidents or disasters
(see `NON_CONFLICT`), bare years ("2,017" is a number, "2017" is a date) and the digits
of dates and times ("13/11/12", "19:30").
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from flashpoint.core.records import Casualties

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
        killed killing kills kill dead died dies die deaths fatalities fatality slain massacred
        executed lives martyred kia kias bodies
        """
    )
)
INJURED_WORDS = frozenset(
    words(
        """
        wounded wounding wounds injured injuring injures injuries hurt wia wias
        """
    )
)
FORWARD_WORDS = frozenset(
    words(
        """
        killed killing kills kill massacred executed wounded wounding wounds injured injuring
        injures toll bodies fatalities deaths dead
        """
    )
)
AUXILIARIES = frozenset(
    words(
        """
        were was been be being are is have has had reportedly reported confirmed also later all
        both others and more
        """
    )
)
# Claims of enemy losses in military communiqués: "destroyed 40 invaders", "eliminated
# up to 100 mercenaries" count as killed when a person noun follows the number.
KILLED_CLAIMS = frozenset(words("destroyed eliminated liquidated neutralised neutralized"))
# "Lost 200 servicemen" reports casualties (killed and wounded together): the mention
# counts, without a figure.
LOSS_WORDS = frozenset(words("lost losing loses"))
# A toll that replaces the article's earlier figures: "the death toll rose to 12",
# "bringing the toll to 14". It does not add to them.
UPDATE = re.compile(
    r"\b(?:(?:death )?toll (?:\S+ ){0,8}?(?:has |had |later |then |now )?(?:rose|risen|rises"
    r"|rising|climbed|climbs|increased|increases|jumped|reached|reaches|mounted|stands|stood)"
    r"|(?:bringing|brought|brings|raising|raised|taking|took|pushing|pushed) the (?:death )?toll"
    r"|(?:updated|revised|new|latest) (?:death )?toll)\b"
)
# A new incident inside the same article: its figures add to the ones before.
SEPARATE = re.compile(
    r"\b(?:separately|elsewhere|meanwhile|in (?:a|another)"
    r" (?:separate|second|different|later|earlier)? ?(?:incident|attack|strike|raid|ambush"
    r"|clash|explosion|bombing)|in another (?:incident"
    r"|attack|strike|raid|ambush|clash|explosion|bombing|village|town|district|province|city))\b"
)
# Background tolls of a whole war or period ("the war, which has killed more than 300,000
# people", "8,000 killed since the conflict began", "72 soldiers killed this year"): the
# mention fires `casualties`, its figure is not the article's incident.
BACKGROUND = re.compile(
    r"\b(?:since (?:the )?(?:start|beginning|outbreak|onset) of|since (?:\S+ ){0,3}?(?:war"
    r"|conflict|uprising|revolution|crisis|insurgency|invasion|fighting) (?:began|started"
    r"|erupted|broke)|(?:over|in|during) the (?:past|last) (?:year|\w+ years|decade)"
    r"|since (?:\w+ )?(?:19|20)\d\d|(?:has|have) since (?:killed|claimed|left)"
    r"|(?:war|conflict|uprising|revolution|crisis|insurgency|invasion)"
    r" (?:that |which )?(?:has |have |had )?(?:since |so far |already )?(?:killed|claimed|left)"
    r"|(?:so far|since january) this year|this year|to date|in total|overall toll"
    r"|(?:total|overall|cumulative) death toll|years? of (?:conflict|war|civil war|fighting"
    r"|turmoil|violence)|\w+-year(?:-old)? (?:civil )?(?:war|conflict|rebellion|uprising"
    r"|insurgency)|(?:which|that) (?:began|started|erupted) in|(?:killed|died) in (?:\S+ )?"
    r"(?:civil war|multi-front conflict))\b"
)
# Mentions that fire `casualties` but carry no figure: "deadly attacks", "gunned down".
NO_FIGURE = re.compile(
    r"\b(?:deadly|deadliest) (?:[a-z-]+ ){0,2}?(?:attacks?|clash(?:es)?|strikes?|air ?strikes?"
    r"|blasts?|bombings?|raids?|fighting|shelling|violence|explosions?|ambush(?:es)?|assault|offensive|battles?)"
    r"|\bgun(?:ned|s|ning)? (?:\w+ ){0,3}?down\b(?! (?:a |an |the )?(?:plane|jet|drone|aircraft"
    r"|helicopter|missile|rocket)s?)|\bshot dead|\bkillings\b|\bcarnage\b"
)
# Losses of a force in a war ("heavy losses", "losses of the armed forces amounted to 45
# people"): casualties, killed and wounded together, so no figure. Only in a sentence of
# conflict: "the company suffered heavy losses" is business news.
LOSSES = re.compile(
    r"\b(?:(?:heavy|huge|major|serious|significant|considerable|big|great) (?:\w+ )?losses"
    r"|suffer(?:ed|s|ing)? (?:\w+ ){0,2}?losses|losses (?:of|among) (?:the )?(?:\w+ ){0,3}?"
    r"(?:army|armed forces|forces|troops|enemy|military|fighters|invaders|occupiers|personnel)"
    r"|losses in (?:manpower|personnel))\b"
)
# A person shot, not said to be dead: "a man was shot", "farmer shot in his field".
SHOT = re.compile(
    r"\b(?:man|woman|boy|girl|person|civilian|soldier|policeman|officer|teenager|farmer|driver"
    r"|journalist|resident|villager|child)\b(?: \w+){0,2}? (?:was |is |were |are |been )?shot"
    r"(?! (?:down|at|dead))\b"
)
# Person nouns that name a group; the generic ones ("people") name none.
GROUPS: dict[str, str] = {
    noun: canonical
    for canonical, nouns in {
        "soldiers": "soldier soldiers troops troop forces servicemen serviceman conscripts "
        "recruits defenders defender servicemembers personnel marines paratroopers peacekeepers",
        "civilians": "civilian civilians",
        "villagers": "villager villagers",
        "residents": "resident residents",
        "guards": "guard guards",
        "fighters": "fighter fighters militiamen militiaman militants militant rebels rebel "
        "combatants jihadists insurgents gunmen gunman attackers assailants separatists separatist "
        "taliban taleban mercenaries mercenary invaders invader occupiers terrorists terrorist",
        "police": "policemen policeman police officers officer gendarmes gendarme",
        "children": "children child boys girls boy girl schoolchildren students pupils",
        "women": "women woman",
        "men": "men man",
        "workers": "workers worker aid staff employees",
        "medics": "medics paramedics doctors nurses",
        "journalists": "journalists journalist reporters reporter",
        "patients": "patients",
        "worshippers": "worshippers",
        "passengers": "passengers",
        "farmers": "farmers farmer",
        "refugees": "refugees refugee migrants displaced",
        "others": "others",
        "*": "people persons individuals person members member",
        "relatives": "brothers brother sisters sister relatives family",
        "officials": "officials official leaders leader elders elder commanders commander chief "
        "chiefs volunteers volunteer rescuers rescuer teenagers teenager",
        "prisoners": "prisoners prisoner convicts convict hostages hostage detainees detainee",
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
# "including 5 children", "among them 3 women"; not "were among 48 people killed", where the
# figure after "among" is the total.
_SUBSET = frozenset(["including", "whom", "mostly", "mainly", "them"])
# "Seven people, including three children, died": the commas of such an aside do not end
# the clause of "seven people".
_SUBSET_ASIDE = re.compile(
    r",\s*(?:including|among them|among whom|of whom|most of them|mostly|mainly)\b[^,;:()]{1,60},"
)
_NEW_GROUP = frozenset(["another", "other", "further", "additional", "more"])
# Words that never take their figure from before them: "gunmen kill villagers" does not
# report gunmen killed.
_ACTIVE_ONLY = frozenset(words("kill kills killing injures injuring wounding"))
# Nouns that take their figure only through a colon ("Fatalities: 3", coders' notes) or,
# for bodies, through "of" ("the bodies of 4 soldiers").
_NOUNS = frozenset(words("dead deaths fatalities fatality bodies"))
_NOUNS_OF_KIND = frozenset(
    words("deaths death fatalities fatality injuries lives toll bodies wounds casualties")
)
_LIVES_TAKEN = re.compile(
    r"\b(?:lost|los(?:e|es|ing)|claim(?:s|ed|ing)?|took|tak(?:e|es|ing)|cost(?:s|ing)?)\b"
)
_ONE_BODY = frozenset(["a", "one", "the", "dead", "another", "charred", "mutilated"])
_BODIES_FOUND = re.compile(
    r"\b(?:found|finds?|recovered|discovered|retrieved|pulled|exhumed|unearthed|dumped|lying)\b"
)
# Between a number and its verb, an unlisted person noun with its modifiers ("Two LPR
# herders killed") is accepted when it ends like a person noun and nothing between reads
# as a verb or a thing ("three shells landed and killed" counts shells, not victims).
_DEMONYM = re.compile(r"(?:ians?|ese|is|ans)$")
_PERSON_SUFFIX = re.compile(r"(?:m[ae]n|ians?|ists?|ants?|ers|ees|ors|ren)$")
_NOT_PERSON = frozenset(
    words(
        """
        helicopters bombers containers launchers carriers tankers shelters centers borders orders
        quarters headquarters numbers towers motors sectors tractors reactors corridors doors
        floors hours minutes days weeks months years times occasions shells rockets missiles
        strikes drones bombs mines attacks and or with by in at on from after as of during near
        for to when while over since amid
        """
    )
)
# A singular person noun right before the verb, with no number: one person ("Ukrainian
# soldier killed", "civilian dies of wounds").
_SINGULAR = frozenset(
    noun
    for noun in GROUPS
    if not noun.endswith(("s", "men", "children"))
    and noun not in ("police", "staff", "aid", "personnel", "family", "displaced", "people")
    and noun not in ("troop", "taliban", "taleban", "person")
)
_PUNCTUATION = re.compile(r"[,;.!?()\[\]|\u2013\u2014]|\s-\s")


@dataclass(frozen=True)
class CasualtyMention:
    """One reported group of killed or injured people in one sentence."""

    kind: Kind
    count: int | None  # None: reported without a figure ("killing civilians")
    group: str | None  # canonical group, None for people in general
    sentence: int  # index of the sentence in the article
    subset: bool = False  # "including 5 children": already counted in a bigger figure
    update: bool = False  # "the death toll rose to 12": replaces the earlier figures
    separate: bool = False  # its sentence opens a new incident ("in a separate attack")
    vague: bool = False  # "dozens", "hundreds": a lower bound, not a count

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

    @property
    def vague(self) -> bool:
        """Whether it is "dozens", "a dozen", "scores", "hundreds": an amount, not a count."""
        return self.value is not None and self.text.split()[-1] in VAGUE


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
        value, used = (None, 0) if _date_part(lower, *tokens[i][1:]) else _number_at(tokens, i)
        if used:
            start, end = tokens[i][1], tokens[i + used - 1][2]
            out.append(_Unit(lower[start:end], start, end, value))
            i += used
        else:
            text, start, end = tokens[i]
            out.append(_Unit(text, start, end))
            i += 1
    return out


_AGE = re.compile(r"[- ]years?[- ]old\b")


def _date_part(lower: str, start: int, end: int) -> bool:
    """Digits of a date, a time or an age ("13/11/12", "19:30", "a 45-year-old")."""
    if not lower[start].isdigit():
        return False
    after, before = lower[end : end + 2], lower[max(0, start - 2) : start]
    return (
        _AGE.match(lower, end) is not None
        or after[:1] == "/"
        or before[-1:] == "/"
        or (after[:1] == ":" and after[1:2].isdigit())
        or (before[-1:] == ":" and before[:1].isdigit())
    )


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
    # Clause bounds are read on a copy whose subset asides lost their commas.
    flat = _SUBSET_ASIDE.sub(lambda m: m.group(0).replace(",", " "), lower)
    update = UPDATE.search(lower) is not None
    separate = SEPARATE.search(lower) is not None
    background = BACKGROUND.search(lower) is not None
    out: list[CasualtyMention] = []
    for k, unit in enumerate(units):
        kind = _kind(units, k, lower, update)
        if kind is None:
            if unit.text in KILLED_CLAIMS or unit.text in LOSS_WORDS:
                claim = _claim(units, k, index)
                if claim and not _dropped(lower, unit.start, unit.end, reference_year):
                    out.append(claim)
            continue
        if _dropped(lower, unit.start, unit.end, reference_year):
            continue
        found = _forward(units, k, kind, index, lower)
        # "Two gunmen killed villagers": an active verb with its object after it takes no
        # figure from before it.
        active = unit.text in _ACTIVE_ONLY or (
            k + 1 < len(units)
            and units[k + 1].text in GROUPS
            and not _PUNCTUATION.search(lower[unit.end : units[k + 1].start])
            and ":" not in lower[unit.end : units[k + 1].start]
        )
        if not found and not active:
            found = _backward(units, k, kind, index, flat)
        if not found:
            found = _one_after(units, k, kind, index, lower)
        toll = update and unit.text == "toll"
        out.extend(
            CasualtyMention(
                m.kind,
                None if background else m.count,
                m.group,
                m.sentence,
                m.subset,
                toll,
                separate,
                m.vague,
            )
            for m in found or [CasualtyMention(kind, None, _nearby_group(units, k), index)]
        )
    for match in NO_FIGURE.finditer(lower):
        if not _dropped(lower, match.start(), match.end(), reference_year):
            out.append(CasualtyMention("killed", None, None, index, separate=separate))
    if CONFLICT.search(lower):
        for match in LOSSES.finditer(lower):
            if not _dropped(lower, match.start(), match.end(), reference_year):
                out.append(CasualtyMention("killed", None, None, index, separate=separate))
    for match in SHOT.finditer(lower):
        if not _dropped(lower, match.start(), match.end(), reference_year):
            out.append(CasualtyMention("injured", None, None, index, separate=separate))
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


def _kind(units: list[_Unit], k: int, lower: str, update: bool) -> Kind | None:
    """The kind of casualty word units[k] is, if it is one here."""
    text = units[k].text
    before = units[k - 1].text if k > 0 else ""
    if text == "toll":
        return "killed" if before == "death" or update else None
    if text == "lives":
        window = lower[max(0, units[k].start - 40) : units[k].start]
        return "killed" if _LIVES_TAKEN.search(window) else None
    if text == "bodies":
        return "killed" if _BODIES_FOUND.search(lower) else None
    if text == "body":  # "a body was found", "the body of a soldier recovered"
        return "killed" if before in _ONE_BODY and _BODIES_FOUND.search(lower) else None
    if text == "wounds" and before in ("of", "from", "his", "her", "their", "its"):
        return None  # "died of wounds": the death is the mention
    if text in KILLED_WORDS:
        return "killed"
    if text in INJURED_WORDS:
        return "injured"
    return None


def _claim(units: list[_Unit], k: int, index: int) -> CasualtyMention | None:
    """'destroyed more than 40 invaders' (killed, 40); 'lost 200 servicemen' (no figure)."""
    j = k + 1
    while j < len(units) and j <= k + 4:
        unit = units[j]
        if unit.value is not None:
            for noun in units[j + 1 : j + 4]:
                if noun.text in GROUPS:
                    canonical = GROUPS[noun.text]
                    group = None if canonical == "*" else canonical
                    count = None if units[k].text in LOSS_WORDS else unit.value
                    return CasualtyMention("killed", count, group, index, vague=unit.vague)
                if noun.text.endswith("s") or noun.text in _NOT_PERSON or noun.value is not None:
                    return None  # "destroyed 5 houses of civilians": the 5 are houses
            return None
        if unit.text not in QUALIFIERS:
            return None
        j += 1
    return None


def _dropped(lower: str, start: int, end: int, reference_year: int) -> bool:
    return (
        context.is_negated(lower, start)
        or context.is_denied(lower, start)
        or context.is_historical(lower, start, end, reference_year)
        or context.is_irrealis(lower, start)
    )


def _forward(
    units: list[_Unit], k: int, kind: Kind, index: int, lower: str
) -> list[CasualtyMention]:
    """'killing at least 12 people', 'the death toll rose to 15', 'Fatalities: 3'."""
    word = units[k].text
    if word not in FORWARD_WORDS or k + 1 >= len(units):
        return []
    if k > 0 and units[k - 1].text in ("were", "was", "been", "be", "being", "are", "is"):
        return []
    gap = lower[units[k].end : units[k + 1].start]
    if word in _NOUNS and not (
        gap.strip() == ":" or (word == "bodies" and units[k + 1].text == "of")
    ):
        return []
    toll = word == "toll"
    j = k + 1
    limit = k + (14 if toll else 4)
    while j < len(units) and j <= limit:
        unit = units[j]
        gap = lower[units[j - 1].end : unit.start]
        if (_TOLL_BREAK if toll else _PUNCTUATION).search(gap):
            return []  # "five killed, nine wounded": the nine are not killed
        if unit.value is not None:
            if toll and not _toll_figure(units, k, j):
                return []
            if _other_kind_after(units, j, kind, lower):
                return []  # "8 killed 58 others injured": the 58 are injured
            return [
                CasualtyMention(kind, unit.value, _group_after(units, j), index, vague=unit.vague)
            ]
        if unit.text in ("a", "an") and j + 1 < len(units) and units[j + 1].text in GROUPS:
            return [CasualtyMention(kind, 1, _group_after(units, j), index)]
        if not toll and unit.text not in QUALIFIERS and unit.text != "of":
            return []
        j += 1
    return []


_BETWEEN_FIGURE_AND_VERB = frozenset(words("other more were was are have been also reportedly"))


def _other_kind_after(units: list[_Unit], j: int, kind: Kind, lower: str) -> bool:
    """The number at j heads a figure of the other kind: "58 others injured"."""
    other = INJURED_WORDS if kind == "killed" else KILLED_WORDS
    for i in range(j + 1, min(j + 4, len(units))):
        if units[i - 1].text.endswith(",") or _PUNCTUATION.search(
            lower[units[i - 1].end : units[i].start]
        ):
            return False  # ("16," is one token)
        text = units[i].text
        if text in other:
            return True
        if not (text in GROUPS or text in _BETWEEN_FIGURE_AND_VERB):
            return False
    return False


_TOLL_BREAK = re.compile(r"[;.!?]")
_TOLL_LEADS = frozenset(
    words("toll to at of reached reaches hit hits is was stands stood now rose rises climbed")
)


def _toll_figure(units: list[_Unit], k: int, j: int) -> bool:
    """The number at j is the toll's ("toll ... rose to 31"), not another figure."""
    i = j - 1
    while i > k and units[i].text in QUALIFIERS and units[i].text not in _TOLL_LEADS:
        i -= 1
    return i == k or units[i].text in _TOLL_LEADS


def _one_after(
    units: list[_Unit], k: int, kind: Kind, index: int, lower: str
) -> list[CasualtyMention]:
    """'shelling kills LPR militiaman', 'sniper killed Ukrainian soldier': one."""
    if units[k].text not in ("kills", "kill", "killed", "killing", "wounds", "injures"):
        return []
    for j in range(k + 1, min(k + 4, len(units))):
        if _PUNCTUATION.search(lower[units[j - 1].end : units[j].start]):
            return []
        noun = units[j].text
        if noun in _SINGULAR:
            canonical = GROUPS[noun]
            return [CasualtyMention(kind, 1, None if canonical == "*" else canonical, index)]
        if noun.endswith("ian") and noun not in _NOT_PERSON:  # "kills Palestinian"
            return [CasualtyMention(kind, 1, None, index)]
        if (
            noun.endswith("s")
            or noun in GROUPS
            or noun in _NOT_PERSON
            or units[j].value is not None
        ):
            return []
    return []


def _backward(
    units: list[_Unit], k: int, kind: Kind, index: int, lower: str
) -> list[CasualtyMention]:
    """'Five soldiers were killed', 'a dozen wounded', '5 soldiers and 3 civilians died'."""
    clause_start, _ = context.clause_bounds(lower, units[k].start)
    if k > 0 and units[k - 1].text in GROUPS and _comma_between(units, k, lower):
        # "Five troops, 19 civilians, killed": a headline list closed by a comma
        clause_start, _ = context.clause_bounds(lower, units[k - 1].start)
    found: list[CasualtyMention] = []
    j = k - 1
    right = k  # the words between a number and this index must describe people
    allowed_gap = True
    while j >= 0 and units[j].start >= clause_start and k - j <= 12:
        unit = units[j]
        if unit.text in KILLED_WORDS or unit.text in INJURED_WORDS:
            break
        if unit.value is not None:
            group = _group_after(units, j)
            between = [u.text for u in units[j + 1 : right]]
            plain = all(t in AUXILIARIES or t in GROUPS or t == "of" for t in between)
            if group is None and not plain:
                group = _person_phrase(between)
                if group is None:
                    break  # "three shells landed and killed": the number counts shells
                if group == "*":
                    group = None
            if not allowed_gap and group is None:
                break
            before = units[j - 1].text if j > 0 else ""
            if before in _NEW_GROUP:
                group = f"{group or '*'}#{index}:{j}"
            # "including 5 children"; "20 women were among the dead": part of a total
            subset = before in _SUBSET or "among" in between
            found.append(CasualtyMention(kind, unit.value, group, index, subset, vague=unit.vague))
            if subset:
                # "Seven people, including three children, died": look on for the seven.
                right = j - 1
                j -= 2
                continue
            # A list: "5 soldiers and 3 civilians": keep looking left past "and"/",".
            if j > 0 and units[j - 1].text == "and":
                j -= 2
                allowed_gap = False
                continue
            if group is not None and _comma_between(units, j, lower):
                # "Twelve soldiers, 26 insurgents killed": the list goes on past the comma
                found.extend(_comma_list(units, j, kind, index, lower))
            break
        if unit.text in ("a", "an") and units[j + 1].text in GROUPS:
            found.append(CasualtyMention(kind, 1, _group_after(units, j), index))
            break
        j -= 1
    if not found and k > 0 and units[k].text not in _NOUNS_OF_KIND:
        # "Ukrainian soldier killed": one, when nothing else stands for the figure (not
        # "civilian deaths", where the noun is an adjective).
        j = k - 1
        while j > 0 and units[j].text in AUXILIARIES and units[j].start >= clause_start:
            j -= 1
        noun = units[j].text
        if noun in _SINGULAR and units[j].start >= clause_start:
            canonical = GROUPS[noun]
            group = None if canonical == "*" else canonical
            if j > 0 and units[j - 1].text in _NEW_GROUP:
                group = f"{group or '*'}#{index}:{j}"  # "another soldier died"
            found.append(CasualtyMention(kind, 1, group, index))
            # "Soldier and civilian killed", "Soldier, local chief killed": one each
            while j > 1 and (units[j - 1].text == "and" or _comma_between(units, j, lower)):
                i = j - 2 if units[j - 1].text == "and" else j - 1
                if units[i].text not in _SINGULAR or GROUPS[units[i].text] == "*":
                    break
                found.append(CasualtyMention(kind, 1, GROUPS[units[i].text], index))
                j = i
    return found


def _comma_between(units: list[_Unit], j: int, lower: str) -> bool:
    """Only a comma separates units[j] from the unit before it."""
    if j == 0:
        return False
    gap = lower[units[j - 1].end : units[j].start]
    if units[j - 1].text.endswith(","):  # "16," holds its comma
        gap = "," + gap
    return gap.strip() == ","


def _comma_list(
    units: list[_Unit], j: int, kind: Kind, index: int, lower: str
) -> list[CasualtyMention]:
    """The items before units[j] of a list like "Twelve soldiers, 26 insurgents"."""
    found: list[CasualtyMention] = []
    while _comma_between(units, j, lower):
        noun = j - 1
        if units[noun].text not in GROUPS:
            break
        # the item's number: right before its noun, or with one modifier between
        i = next(
            (
                i
                for i in (noun - 1, noun - 2)
                if i >= 0 and units[i].value is not None and not units[i].text.endswith(",")
            ),
            None,
        )
        if i is None or (i == noun - 2 and units[noun - 1].text in _NOT_PERSON):
            break
        canonical = GROUPS[units[noun].text]
        group = None if canonical == "*" else canonical
        found.append(CasualtyMention(kind, units[i].value, group, index, vague=units[i].vague))
        j = i
    return found


def _person_phrase(between: list[str]) -> str | None:
    """The group named by modifiers + an unlisted person noun ("dpr herders"), or None."""
    content = [t for t in between if t not in AUXILIARIES and t != "of"]
    if not content or len(content) > 3:
        return None
    if any(t in _NOT_PERSON or t.endswith(("ed", "ing")) for t in content):
        return None
    last = content[-1]
    if last in GROUPS:
        return GROUPS[last]  # "*" for "two young people": a total
    if _PERSON_SUFFIX.search(last) or _DEMONYM.search(last):
        # "13 Ukrainians", "8 loyalists": people in general, a total (an unlisted noun is
        # more often another name for a listed group than a group of its own)
        return "*"
    return None


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
    incident_of: dict[int, int] = {}
    incident = 0
    for sentence in sorted({m.sentence for m in mentions}):
        if any(m.separate for m in mentions if m.sentence == sentence) and incident_of:
            incident += 1
        incident_of[sentence] = incident
    totals: dict[str, int | None] = {}
    for kind in ("killed", "injured"):
        figures = _others_as_people(
            [m for m in mentions if m.kind == kind and m.count and not m.subset]
        )
        if not figures:
            zero = any(m.kind == kind and m.count == 0 for m in mentions)
            totals[kind] = 0 if zero else None
            continue
        by_incident: dict[int, list[CasualtyMention]] = defaultdict(list)
        for mention in figures:
            by_incident[incident_of[mention.sentence]].append(mention)
        totals[kind] = sum(_incident_total(group) for group in by_incident.values())
    return Casualties(killed=totals["killed"], injured=totals["injured"])


def _others_as_people(figures: list[CasualtyMention]) -> list[CasualtyMention]:
    """In "killing six and wounding 30 others", alone in its sentence, "others" are people.

    Only in a list ("two soldiers and three others were killed") is "others" a group of
    its own.
    """
    listed = defaultdict(set)
    for mention in figures:
        listed[mention.sentence].add(mention.group)
    return [
        replace(m, group=None) if m.group == "others" and len(listed[m.sentence]) == 1 else m
        for m in figures
    ]


def _incident_total(figures: list[CasualtyMention]) -> int:
    """One incident's figure: updates replace, groups add, repeats keep the smallest."""
    by_group: dict[str | None, list[int]] = defaultdict(list)
    updates = [m.count for m in figures if m.update and m.count]
    # "Dozens" is an amount, not a count: a group's precise figures replace it ("dozens
    # killed ... the toll stood at 58" -> 58, not the smaller 12).
    precise = {m.group for m in figures if m.count and not m.update and not m.vague}
    for mention in figures:
        if mention.count and not mention.update:
            if mention.vague and mention.group in precise:
                continue
            by_group[mention.group].append(mention.count)
    generic_reports = by_group.pop(None, [])
    # A toll that rose replaces the earlier totals (tolls rise, so the largest is the
    # latest); otherwise two reports of one total disagree: the smallest.
    generic = max(updates) if updates else min(generic_reports, default=0)
    specific = sum(_named_groups(figures, by_group).values())
    # "Another two soldiers", "a further three people": on top of what was reported, unless
    # the figure is one already reported ("40 dead and 70 wounded ... Another 70 were
    # wounded": another than the dead).
    seen = {count for group, counts in by_group.items() if not _extra(group) for count in counts}
    seen.update(generic_reports)
    extra = sum(
        min(counts)
        for group, counts in by_group.items()
        if _extra(group) and min(counts) not in seen
    )
    return max(generic, specific) + extra


def _named_groups(
    figures: list[CasualtyMention], by_group: dict[str | None, list[int]]
) -> dict[str, int]:
    """Each named group's smallest figure, without the groups that name the same people.

    "Kill 35 terrorists" in one sentence and "killed 35 militants of the group" in another
    are one figure under two names: a group never reported in the same sentence as another
    with the same figure is that other group again.
    """
    sentences: dict[str, set[int]] = defaultdict(set)
    for mention in figures:
        if mention.group is not None:
            sentences[mention.group].add(mention.sentence)
    out: dict[str, int] = {}
    for group, counts in by_group.items():
        if group is None or _extra(group):
            continue
        figure = min(counts)
        same = any(
            kept == figure and not sentences[group] & sentences[other]
            for other, kept in out.items()
        )
        if not same:
            out[group] = figure
    return out


def _extra(group: str | None) -> bool:
    return group is not None and "#" in group


def extract(sentences: Sequence[str], reference_year: int) -> CasualtyReport:
    """Casualty totals and mentions of an article given as its sentences."""
    mentions: list[CasualtyMention] = []
    for index, sentence in enumerate(sentences):
        mentions.extend(find_mentions(sentence, index, reference_year))
    return CasualtyReport(combine(mentions), tuple(mentions))
