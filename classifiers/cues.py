"""Cue rules: which words in a sentence show which TAXONOMY.md signal, and how strongly.

Each `Cue` is a regular expression over the lower-cased sentence with a strength
(strong ~0.9, medium ~0.75, weak ~0.6). `score_sentence` runs every cue, applies the
checks of `classifiers.context` to each match and keeps, per signal, the best-scoring
match. A signal fires for a sentence when its score reaches `THRESHOLDS[signal]`.

What does not fire, and where that is decided (the "what does not" column of TAXONOMY.md):

* negated ("no shelling was reported"), denied ("denied carrying out the strike") or
  dated in the past ("retaken by the army in 2023", "a truce signed in March") cues:
  `context`; the "despite the truce" cue of `ceasefire_violation` is exempt from the
  history check because the truce is background by nature;
* threats, plans and demands ("threatened to storm", "warned of an imminent assault",
  "demanded the withdrawal"): action cues (`Cue.action`) are dropped by
  `context.is_irrealis`; the threat itself is `offensive_warning`;
* sports "clashes", protests and riots with police, police operations and ordinary
  crime, failed talks, defused devices, trade and energy deals, diplomatic or verbal
  "clashes", "shell companies", "charm offensives": `VETOES`, per signal, for the sentence;
* air-dropped bombs are `air_strike`; "bombardment" counts as shelling only when no
  aircraft is named in the sentence;
* civilian places (homes, hospitals, markets, power, water) count as `civilian_harm` only
  next to violence in the same sentence (`Cue.needs_violence`); so does "despite the
  truce" for `ceasefire_violation`.

Hedged reports ("reportedly", "accused ... of") keep their signal at 0.8 x the strength.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from flashpoint.core.records import SIGNAL_TYPES

from . import context

STRONG = 0.9
MEDIUM = 0.75
WEAK = 0.6
DEFAULT_THRESHOLD = 0.5
THRESHOLDS: dict[str, float] = dict.fromkeys(SIGNAL_TYPES, DEFAULT_THRESHOLD)

VIOLENT_SIGNALS: frozenset[str] = frozenset(
    {"armed_clash", "offensive", "shelling", "air_strike", "explosive_device"}
)

# (lower-cased sentence, original sentence, match) -> does this match count?
Check = Callable[[str, str, "re.Match[str]"], bool]


@dataclass(frozen=True)
class Cue:
    """One cue pattern for one signal."""

    signal: str
    name: str
    pattern: re.Pattern[str]
    strength: float
    action: bool = True  # an event that can be threatened or demanded: irrealis drops it
    history_exempt: bool = False
    needs_violence: bool = False  # counts only next to violence in the same sentence
    check: Check | None = field(default=None, compare=False)


@dataclass(frozen=True)
class CueHit:
    """The best match of one signal in one sentence."""

    signal: str
    score: float
    cue: str
    start: int
    end: int


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


FORCES = (
    r"(?:troops|soldiers|forces|fighters|militants|militia(?:s|men)?|rebels|insurgents|army"
    r"|paramilitar(?:y|ies)|rsf|m23|jihadists|units|battalions?|brigades?|regiments?"
    r"|combatants|servicemen|marines|mercenaries|gunmen|tanks|armou?red vehicles|artillery"
    r"|reservists|recruits|conscripts|warships|fighter jets|air defen[cs]es|reinforcements"
    r"|soldier|battalion|division)"
)
PLACES = (
    r"(?:town|towns|village|villages|city|base|bases|air ?base|position|positions|outpost|"
    r"outposts|district|neighbou?rhood|hill|hilltop|airport|checkpoint|area|territory|"
    r"stronghold|bridge|crossing|highway|road|dam|oil ?field|settlement|suburb|quarter|"
    r"front ?line|province|locality|garrison|barracks|headquarters|port|island|ridge|heights|"
    r"mountain|valley|junction|camp|compound|enclave|pocket|capital)"
)
PERSON_OR_THING = (
    r"(?:\w+\s+)?(?:soldiers?|fighters?|troops|militants?|prisoners?|commanders?|officers?|"
    r"members?|civilians?|hostages?|people|men|women|children|journalists?|weapons?|arms|"
    r"ammunition|tanks?|vehicles?|equipment|documents|drones?|vessels?|ships?|tankers?|cargo|"
    r"drugs|cash|power|him|her|them|suspects?|leader|the imagination|attention|footage|"
    r"on (?:camera|video|film)|images?|assets|funds|property|goods|shipment|boats?)\b"
)


def _followed_by_place(sentence: str, original: str, match: re.Match[str]) -> bool:
    """Territory verbs need a place, not a person or a thing, as object or subject."""
    after = sentence[match.end() : match.end() + 70]
    if re.match(
        r"\s+(?:(?:the|a|an|two|three|four|five|several|dozens of|some)\s+)?" + PERSON_OR_THING,
        after,
    ):
        return False
    before = sentence[max(0, match.start() - 50) : match.start()]
    if _PLACE_WORD.search(after) or _PLACE_WORD.search(before):
        return True
    # A capitalised name right after the verb: "captured Saraqib", "retook al-Bab".
    tail = original[match.end() : match.end() + 40]
    return _NAME_AFTER.match(tail) is not None


def _forces_nearby(sentence: str, original: str, match: re.Match[str]) -> bool:
    """Movement verbs ("withdrew", "deployed") need forces as subject or object.

    That is: a forces noun within 5 words before the verb ("fighters arriving", "troops
    withdrew") or 4 words after it ("deployed troops", "sent reinforcements").
    """
    before = " ".join(_WORDS.findall(sentence[: match.start()])[-5:])
    after = " ".join(_WORDS.findall(sentence[match.end() :])[:4])
    if _NOT_MOVEMENT.match(sentence, match.end()):
        return False
    return bool(_FORCES_WORD.search(before) or _FORCES_WORD.search(after))


def _withdrawal_object_ok(sentence: str, original: str, match: re.Match[str]) -> bool:
    if re.search(r"\bagree\w*\s+to\s+$", sentence[max(0, match.start() - 30) : match.start()]):
        return False  # "agreed to withdraw": a promise, not a withdrawal
    after = sentence[match.end() : match.end() + 60]
    if re.match(
        r"\s+(?:from\s+)?(?:the\s+|its\s+|his\s+|their\s+|a\s+)?(?:\w+\s+)?(?:talks|negotiations|"
        r"agreement|deal|treaty|race|election|competition|tournament|league|ambassador|support|"
        r"candidacy|application|bid|offer|funding|money|cash|statement|remarks|complaint|"
        r"lawsuit|nomination|envoy|diplomats|accreditation|membership|consent|recognition)",
        after,
    ):
        return False
    return _forces_nearby(sentence, original, match)


def _territory_check(sentence: str, original: str, match: re.Match[str]) -> bool:
    if not _followed_by_place(sentence, original, match):
        return False
    if match.group(0) not in ("taken", "took", "retake"):
        return True
    # "took" needs "took (back|over) the town": "took part", "took place" are no captures.
    return _TOOK_PLACE.match(sentence, match.end()) is not None


_PLACE_WORD = re.compile(r"\b" + PLACES + r"\b")
_FORCES_WORD = re.compile(r"\b" + FORCES + r"\b")
_WORDS = re.compile(r"[\w-]+")
_NOT_MOVEMENT = re.compile(
    r"\s+(?:to (?:the scene|blame|hospitals?|help|the aid)|text|messages?|letters?)"
)
_NAME_AFTER = re.compile(r"\s+(?:the\s+(?:town|city|village)\s+of\s+)?(?:al-|el-)?[A-Z]")
_NAME_AT = re.compile(r"(?:al-|el-)?[A-Z][a-z]")
_TOOK_PLACE = re.compile(r"\s+(?:back\s+|over\s+)?(?:the\s+)?(?:\w+\s+)?" + PLACES)

_AIR = re.compile(
    r"\b(?:air|aerial|warplanes?|jets?|aircraft|helicopters?|planes?|drones?|barrel bombs?)\b"
)


CUES: tuple[Cue, ...] = (
    # ---- armed_clash
    Cue("armed_clash", "clash", _rx(r"\bclash(?:es|ed|ing)?\b"), 0.85),
    Cue(
        "armed_clash",
        "heavy fighting",
        _rx(
            r"\b(?:heavy|fierce|intense|renewed|sporadic|street|ground|fresh|bitter|deadly)"
            r"\s+fighting\b"
        ),
        STRONG,
    ),
    Cue(
        "armed_clash",
        "fighting erupted",
        _rx(r"\bfighting\s+(?:broke out|erupted|raged|continued|resumed|intensified|flared)"),
        STRONG,
    ),
    Cue("armed_clash", "fighting", _rx(r"\bfighting\b"), 0.65),
    Cue(
        "armed_clash",
        "gun battle",
        _rx(
            r"\b(?:fire ?fights?|gun ?battles?|gunfights?|exchange of fire|exchanges of fire"
            r"|exchanged (?:heavy |intense )?(?:gun)?fire|skirmish(?:es|ed)?|firefights?"
            r"|running battles?)\b"
        ),
        STRONG,
    ),
    Cue(
        "armed_clash",
        "battle",
        _rx(r"\bbattl(?:e|es|ed|ing)\s+(?:for|between|with|against|over|raged|erupted)\b"),
        0.8,
    ),
    Cue("armed_clash", "ambush", _rx(r"\bambush(?:ed|es)?\b"), 0.8),
    Cue("armed_clash", "fought", _rx(r"\bfought\b"), MEDIUM),
    # ---- offensive
    Cue(
        "offensive",
        "launched offensive",
        _rx(
            r"\b(?:launch(?:ed|es|ing)?|began|begun|start(?:ed|s)?|open(?:ed|s)?|mount(?:ed|s)?"
            r"|unleash(?:ed|es)?|intensif(?:ied|ies)|press(?:ed|es|ing) (?:on with|ahead with))"
            r"\s+(?:\w+[- ]){0,4}(?:offensive|assault|push|incursion|counter-?offensive"
            r"|ground operation|ground invasion|invasion)\b"
        ),
        STRONG,
    ),
    Cue(
        "offensive",
        "major offensive",
        _rx(
            r"\b(?:major|large-scale|full-scale|new|fresh|ground|spring|summer|winter|all-out"
            r"|military|counter-?)\s*offensive\b"
        ),
        0.85,
    ),
    Cue(
        "offensive",
        "offensive on",
        _rx(
            r"\boffensive\s+(?:on|against|to (?:re)?take|to capture|to seize|toward|towards"
            r"|aimed at|into)\b"
        ),
        0.85,
    ),
    Cue("offensive", "stormed", _rx(r"\b(?:stormed|storming)\b"), 0.8),
    Cue(
        "offensive",
        "advance",
        _rx(
            r"\b(?:advanc(?:ed|ing|es)|push(?:ed|ing)|mov(?:ed|ing)|broke)\s+(?:deeper\s+|further"
            r"\s+)?(?:on|into|toward|towards|through)\b(?!\s+(?:talks|negotiations))"
        ),
        0.7,
    ),
    Cue(
        "offensive",
        "assault on",
        _rx(
            r"\b(?:assault|attack|push|drive|thrust)\s+(?:on|towards?|into)\s+(?:the\s+)?"
            r"(?:\w+\s+)?" + PLACES
        ),
        0.8,
    ),
    Cue(
        "offensive",
        "push on a named place",
        _rx(r"\b(?:assault|push|drive|thrust|advance)\s+(?:on|towards?|into)\s+(?=\S)"),
        0.8,
        check=lambda s, o, m: _NAME_AT.match(o, m.end()) is not None,
    ),
    Cue("offensive", "invaded", _rx(r"\b(?:invaded|invasion of)\b"), 0.85),
    # ---- shelling
    Cue(
        "shelling",
        "shelled",
        _rx(r"\bshell(?:ed|ing|s)\b(?! (?:company|companies|oil|plc))"),
        STRONG,
    ),
    Cue(
        "shelling",
        "artillery",
        _rx(
            r"\b(?:artillery|mortars?|mortared|howitzers?|katyushas?|grad rockets?|mlrs"
            r"|multiple rocket|rocket (?:fire|attacks?|barrages?|strikes?)|ballistic missiles?"
            r"|cruise missiles?|missile (?:strikes?|attacks?|fire|barrages?)|rockets? (?:hit|"
            r"struck|slammed|landed|rained|fell))\b"
        ),
        STRONG,
    ),
    Cue(
        "shelling",
        "rocket",
        _rx(
            r"\b(?:rockets?|missiles?|barrages?)\b"
            r"(?! (?:test|defen[cs]e|programme|program|launchers? sale))"
        ),
        0.65,
    ),
    Cue(
        "shelling",
        "bombardment",
        _rx(r"\bbombard(?:ed|ment|ments|ing)\b"),
        0.8,
        check=lambda s, o, m: not _AIR.search(s),
    ),
    # ---- air_strike
    Cue(
        "air_strike",
        "air strike",
        _rx(
            r"\b(?:air ?-?strikes?|airstrikes?|air raids?|air attacks?|aerial (?:bombardment|"
            r"attacks?|bombing|strikes?|raids?)|bombing raids?|drone (?:strikes?|attacks?)"
            r"|kamikaze drones?|suicide drones?|attack drones?|loitering munitions?|shaheds?"
            r"|warplanes?|war planes|fighter jets?|helicopter gunships?|gunships?|barrel bombs?"
            r"|air-?dropped|dropped (?:\w+ )?bombs?|bombs? (?:were )?dropped)\b"
        ),
        STRONG,
    ),
    Cue(
        "air_strike",
        "jets bombed",
        _rx(
            r"\b(?:jets?|planes?|aircraft|helicopters?|drones?)\s+(?:\w+\s+)?(?:bombed|struck|hit"
            r"|pounded|targeted|attacked|fired|strafed|slammed into|crashed into)\b"
        ),
        0.85,
    ),
    Cue(
        "air_strike",
        "drone",
        _rx(
            r"\bdrones?\b(?! (?:footage|images|video|delivery|"
            r"surveillance|reconnaissance|show|photograph))"
        ),
        0.55,
    ),
    Cue(
        "air_strike",
        "bombed",
        _rx(r"\b(?:bombed|bombing)\b"),
        WEAK,
        check=lambda s, o, m: _AIR.search(s) is not None,
    ),
    # ---- explosive_device
    Cue(
        "explosive_device",
        "roadside bomb",
        _rx(
            r"\b(?:roadside bombs?|ieds?|improvised explosive|car[- ]bombs?|truck bombs?"
            r"|vehicle-borne|vbieds?|land ?mines?|anti-(?:personnel|tank) mines?"
            r"|suicide (?:bomb(?:er|ers|ing|ings)?|attacks?|vests?|car)|explosive devices?"
            r"|booby[- ]trap(?:s|ped)?|sticky bombs?"
            r"|(?<!barrel )bomb (?:blasts?|explosions?|attacks?|went off|exploded|detonated|ripped)"
            r"|bomb-laden|explosives-laden|motorbike bomb"
            r"|motorcycle bomb|parcel bomb|detonated)\b"
        ),
        STRONG,
    ),
    Cue(
        "explosive_device",
        "hit a mine",
        _rx(
            r"\b(?:hit|struck|stepped on|ran over|triggered|drove over)\s+(?:a\s+)?(?:land ?)?"
            r"mines?\b"
        ),
        STRONG,
    ),
    Cue("explosive_device", "blast", _rx(r"\b(?:explosions?|blasts?)\b"), 0.45),
    # ---- civilian_harm
    Cue(
        "civilian_harm",
        "civilians harmed",
        _rx(
            r"\b(?:civilians?|villagers?|residents|children|schoolchildren|patients|worshippers"
            r"|shoppers|passers-?by|bystanders|displaced (?:people|families)|refugees|farmers"
            r"|aid workers|medics|journalists|students|famil(?:y|ies)|women and children)\b"
            r"(?:\s+\w+){0,6}?\s+(?:were\s+|was\s+|have been\s+|had been\s+)?(?:killed|wounded"
            r"|injured|died|dead|hurt|massacred|executed|abducted|kidnapped|targeted|shot"
            r"|displaced|trapped|buried)\b"
        ),
        STRONG,
    ),
    Cue(
        "civilian_harm",
        "killing civilians",
        _rx(
            r"\b(?:killing|killed|wounding|injuring|wounded|injured|targeting|targeted|hitting"
            r"|displacing|abducting)\s+(?:\w+\s+){0,4}?(?:civilians?|villagers?|residents"
            r"|children|schoolchildren|patients|worshippers|shoppers|passers-?by|bystanders"
            r"|refugees|farmers|aid workers|medics|journalists|students|families|women)\b"
        ),
        STRONG,
    ),
    Cue(
        "civilian_harm",
        "massacre",
        _rx(
            r"\b(?:massacres?|massacred|looted|looting|torched|razed|human shields?"
            r"|indiscriminate|burned (?:down )?(?:homes|houses|villages?)|set (?:\w+ )?ablaze)\b"
        ),
        0.85,
    ),
    Cue(
        "civilian_harm",
        "civilian places",
        _rx(
            r"\b(?:residential (?:areas?|districts?|neighbou?rhoods?|buildings?|blocks?|"
            r"quarters?|streets?)|homes?|houses|apartment (?:blocks?|buildings?)|hospitals?"
            r"|clinics?|medical facilit\w+|health (?:centres?|centers?|facilit\w+)|schools?"
            r"|universit(?:y|ies)|markets?|marketplace|bakery|bakeries|mosques?|churches|church"
            r"|power (?:stations?|plants?|grid|lines?|infrastructure|facilit\w+)|energy"
            r" infrastructure|electricity|substations?|fuel (?:depots?|stations?|storage)"
            r"|gas stations?|water (?:stations?|plants?|supply|supplies|infrastructure|pumping)"
            r"|displacement camps?|camps? for (?:the )?displaced|idp camps?|refugee camps?"
            r"|(?:aid|humanitarian) convoys?|shelters?|kindergartens?|playgrounds?"
            r"|bus stations?|civilian (?:areas?|targets?|infrastructure|objects?)|ambulances?)\b"
        ),
        0.85,
        needs_violence=True,
    ),
    # ---- casualties (figures come from classifiers.casualties; this is "heavy casualties")
    Cue(
        "casualties",
        "casualties",
        _rx(r"\b(?:casualt(?:y|ies)|(?:\w+ )?dead and wounded|killed or (?:wounded|injured))\b"),
        0.7,
    ),
    # ---- territorial_change
    Cue(
        "territorial_change",
        "captured",
        _rx(
            r"\b(?:captur(?:ed|ing|es)|seiz(?:ed|ing|es)|overran|overrun|retook|retaken|retake"
            r"|recaptur(?:ed|ing|es)|liberat(?:ed|ing)|taken|took)\b"
        ),
        0.85,
        check=_territory_check,
    ),
    Cue(
        "territorial_change",
        "took control",
        _rx(
            r"\b(?:took|taken|take|taking|gained|gain|wrested|wrest|seized|regained|regain"
            r"|assumed|lost|losing|loses|secured)\s+(?:full\s+|complete\s+|total\s+)?control"
            r"\s+(?:of|over)\b|\bfell to\b|\bfallen to\b|\b(?:took|taken) over\s+(?:the\s+)?"
            r"(?:\w+\s+)?" + PLACES + r"\b|\bunder (?:the )?control of\b"
        ),
        STRONG,
    ),
    # ---- reinforcement
    Cue("reinforcement", "reinforcements", _rx(r"\breinforcements?\b"), STRONG),
    Cue(
        "reinforcement",
        "reinforced",
        _rx(
            r"\breinforc(?:ed|ing|es)\s+(?:its\s+|their\s+|the\s+)?(?:\w+\s+)?(?:positions|"
            r"troops|forces|presence|front|lines|defen[cs]es|garrison)"
        ),
        0.85,
    ),
    Cue(
        "reinforcement",
        "deployed",
        _rx(
            r"\b(?:deploy(?:ed|ing|s|ment|ments)?|redeploy\w*|dispatch(?:ed|ing)|rushed"
            r"|mass(?:ed|ing)|amass(?:ed|ing)|mobili[sz]\w+|build-?ups?|brought in|bringing in"
            r"|sent|sending|moved|moving|arriv(?:ed|ing)|poured)\b"
        ),
        0.8,
        check=_forces_nearby,
    ),
    Cue(
        "reinforcement",
        "fresh troops",
        _rx(
            r"\b(?:fresh|additional|extra|more|new)\s+(?:troops|fighters|soldiers|forces"
            r"|militiamen|recruits|tanks|armou?red vehicles|units|battalions|brigades)\b"
        ),
        0.85,
    ),
    Cue(
        "reinforcement",
        "columns",
        _rx(
            r"\b(?:columns?|convoys?)\s+of\b(?:\s+[\w-]+){0,5}?\s+(?:trucks|tanks|vehicles"
            r"|fighters|troops|armou?r|armou?red vehicles|soldiers|militiamen|technicals|pickups"
            r"|weapons)\b"
        ),
        0.85,
    ),
    Cue(
        "reinforcement",
        "military build-up",
        _rx(
            r"\b(?:military build-?up|troop build-?up|general mobili[sz]ation|arms shipments?"
            r"|weapons shipments?|weapons deliveries)\b"
        ),
        STRONG,
    ),
    # ---- offensive_warning
    Cue(
        "offensive_warning",
        "warned of attack",
        _rx(
            r"\bwarn(?:ed|s|ing)?\s+(?:\w+\s+){0,3}?(?:of|that|about|against)\b.{0,60}?\b"
            r"(?:attacks?"
            r"|assaults?|offensives?|strikes?|retaliation|escalation|invasion|incursion|war"
            r"|bombard\w*|storm\w*|retaliate|respond)\b"
        ),
        STRONG,
        action=False,
    ),
    Cue(
        "offensive_warning",
        "threatened to attack",
        _rx(
            r"\b(?:threaten(?:ed|s|ing)?|vow(?:ed|s|ing)?|pledg(?:ed|es|ing)|promis(?:ed|es|ing)"
            r"|swore|vow)\s+(?:to\s+)?(?:\w+\s+){0,2}?(?:attack|retaliat\w*|revenge|avenge"
            r"|strike|storm|invade|launch|respond|crush|retake|recapture|march on|wipe out"
            r"|destroy|punish|hit back|escalate|target|bomb|shell|seize|capture|take)\b"
        ),
        STRONG,
        action=False,
    ),
    Cue(
        "offensive_warning",
        "imminent attack",
        _rx(
            r"\b(?:ultimatum|(?:imminent|impending|looming|expected|planned|anticipated)"
            r" (?:\w+ )?(?:attack|assault|offensive|invasion|strike|push)|fears? (?:of )?(?:an? )?"
            r"(?:[\w-]+ ){0,2}?(?:attack|assault|offensive"
            r"|invasion|escalation)|threat of (?:an? )?(?:\w+ )?(?:attack|assault|offensive"
            r"|invasion)|prepar(?:ing|es|ed) (?:for|to launch) (?:an? )?(?:\w+ )?(?:attack"
            r"|assault|offensive|invasion)|ahead of (?:an? )?(?:expected |planned )?(?:attack"
            r"|assault|offensive)|declared war|brink of war)\b"
        ),
        STRONG,
        action=False,
    ),
    # ---- ceasefire_violation
    Cue(
        "ceasefire_violation",
        "violated truce",
        _rx(
            r"\b(?:violat(?:ed|ing|ion|ions|es|e)|breach(?:ed|es|ing)?|broke|broken"
            r"|flout(?:ed|ing)?"
            r"|undermin\w+)\b.{0,40}?\b(?:ceasefire|cease-fire|truce|armistice|peace (?:deal"
            r"|agreement|accord)|cessation of hostilities|de-escalation (?:agreement|zone))\b"
        ),
        STRONG,
        history_exempt=True,
    ),
    Cue(
        "ceasefire_violation",
        "truce violations",
        _rx(r"\b(?:ceasefire|cease-fire|truce)\s+(?:violations?|breach(?:es)?)\b"),
        STRONG,
        history_exempt=True,
    ),
    Cue(
        "ceasefire_violation",
        "despite the truce",
        _rx(
            r"\b(?:despite|in spite of|notwithstanding)\s+(?:a|an|the|their|its)?\s*"
            r"(?:[\w-]+\s+){0,3}?(?:ceasefire|cease-fire|truce|armistice|cessation of hostilities"
            r"|peace (?:deal|agreement|accord))\b"
        ),
        STRONG,
        history_exempt=True,
        needs_violence=True,
    ),
    Cue(
        "ceasefire_violation",
        "truce collapsed",
        _rx(
            r"\b(?:ceasefire|cease-fire|truce)\b.{0,40}?\b(?:collapsed|shattered|crumbl\w+"
            r"|broke down|unravel\w+)\b"
        ),
        0.85,
    ),
    # ---- ceasefire_agreement
    Cue(
        "ceasefire_agreement",
        "agreed a ceasefire",
        _rx(
            r"\b(?:agreed|agree|agreeing|signed|sign|signing|announced|announce|declared|declare"
            r"|reached|brokered|extended|extend|renewed|accepted|approved|endorsed|struck|sealed"
            r"|implemented|clinched)\s+(?:to\s+|on\s+|upon\s+)?(?:a|an|the|its|their|new)\s+"
            r"(?:[\w-]+\s+){0,4}?"
            r"(?:ceasefire|cease-fire|truce|armistice|peace (?:deal|agreement|accord|treaty|pact)"
            r"|cessation of hostilities|humanitarian pause|de-escalation (?:agreement|deal))\b"
        ),
        STRONG,
    ),
    Cue(
        "ceasefire_agreement",
        "truce took effect",
        _rx(
            r"\b(?:ceasefire|cease-fire|truce|armistice|peace (?:deal|agreement|accord)"
            r"|cessation of hostilities)\s+(?:[\w-]+\s+){0,6}?(?:took effect|takes effect"
            r"|came into (?:force|effect)|comes into (?:force|effect)|went into effect"
            r"|goes into effect|began|begins|was agreed|has been agreed|were agreed|was announced"
            r"|was signed|was reached|was extended|has been extended|was declared"
            r"|entered into force|was brokered)\b"
        ),
        STRONG,
    ),
    Cue(
        "ceasefire_agreement",
        "agreed to halt fighting",
        _rx(
            r"\bagreed (?:on |to )?(?:an? )?(?:immediate )?(?:halt|stop|end|cease)\s+(?:to\s+)?"
            r"(?:the\s+)?(?:fighting|hostilities)\b"
        ),
        0.85,
    ),
    # ---- withdrawal
    Cue(
        "withdrawal",
        "withdrew",
        _rx(
            r"\b(?:withdr(?:ew|awn|awing|aws|aw)|pull(?:ed|ing|s)?\s+(?:back|out)|pulled-?back"
            r"|pullback|pullout|retreat(?:ed|ing|s)?|evacuat(?:ed|ing) (?:their |its )?"
            r"(?:positions|bases?|posts?)|abandon(?:ed|ing) (?:\w+ ){0,2}(?:positions|bases?"
            r"|posts?|the (?:town|city|base)))\b"
        ),
        0.85,
        check=_withdrawal_object_ok,
    ),
    Cue(
        "withdrawal",
        "handed over",
        _rx(
            r"\bhand(?:ed|ing)? over\s+(?:\w+\s+){0,3}?(?:positions|bases?|control|the (?:town"
            r"|city|area|base|airport))\b"
        ),
        0.85,
    ),
    Cue(
        "withdrawal",
        "withdrawal of troops",
        _rx(r"\b(?:withdrawal|pull-?out|pullback|retreat)\s+of\s+(?:\w+\s+){0,3}?" + FORCES),
        0.85,
    ),
    Cue(
        "withdrawal",
        "completed withdrawal",
        _rx(r"\bcomplet(?:ed|es|ing)\s+(?:its|their|the|a)\s+(?:\w+\s+)?withdrawal\b"),
        STRONG,
    ),
)

_SPORTS = re.compile(
    r"\b(?:match(?:es)?|football|soccer|derby|league|cup|tournament|championship|stadium|fans"
    r"|striker|midfielder|goalkeeper|coach|fixture|kick-?off|goals?|scored|referee|penalty"
    r"|semi-?finals?|quarter-?finals?|final whistle|trophy|squad|players?|rugby|cricket"
    r"|basketball|tennis|olympic\w*|season|title|half-?time|club)\b"
)
PROTEST = re.compile(
    r"\b(?:protest\w*|demonstrat(?:ors?|ions?)|rall(?:y|ies)|riot\w*|tear ?gas|water cannons?"
    r"|rubber bullets|marchers|police|gendarmes?|riot police|students?|strikers|picket\w*)\b"
)
MILITARY = re.compile(
    r"\b(?:army|troops|soldiers|rebels|militia\w*|insurgents|jihadists|paramilitar\w+|rsf|m23"
    r"|fighters|militants|armed (?:groups?|men)|gunmen|forces)\b"
)
CRIME = re.compile(
    r"\b(?:robber(?:y|ies|s)?|burglar\w*|gangs?|gangsters?|drug (?:dealers?|traffickers?|cartels?)"
    r"|criminals?|thie(?:f|ves)|carjack\w*|murder(?:ed|er|ers|s)?|homicide|domestic dispute"
    r"|suspects?|arrested|court|trial|jury|judge|sentenced|prosecutors?|convicted|acquitted)\b"
)
_FAILED_TALKS = re.compile(
    r"\b(?:talks|negotiations|efforts|bid|attempts?|mediation)\s+(?:\w+\s+){0,3}?"
    r"(?:failed|collapsed|broke down|stalled|ended without|fell apart|fell through)\b"
    r"|\bfailed to (?:agree|reach|secure|broker|produce)\b"
    r"|\bno (?:agreement|deal|ceasefire|truce) (?:was|has been|had been) reached"
    r"|\bwithout (?:an? |any )?(?:agreement|deal|breakthrough)\b|\brejected (?:a|the|an) (?:\w+ )?"
    r"(?:ceasefire|truce|proposal|offer|deal)\b"
)
# A trade, energy or money deal: its "agreement" is no truce. Only when nothing of war
# (truce, peace, fighting, troops, prisoners, a pause) is in the same sentence.
_ECONOMIC_DEAL = re.compile(
    r"\b(?:agreement|deal|accord|memorandum|contract|pact)\b.{0,80}?\b(?:trade|grain|transit"
    r"|exports?|imports?|customs|gas|oil|electricity|power|pipeline|loan|debt|tariffs?"
    r"|investment|port fees|freight|rail|visas?|wages?|salar\w+|prices?|fishing|mining)\b"
    r"|\b(?:trade|grain|transit|gas|oil|energy|electricity|loan|debt|investment|wage|price)"
    r" (?:agreement|deal|accord|contract|pact)\b"
)
_WAR_WORDS = re.compile(
    r"\b(?:ceasefire|cease-fire|truce|peace|hostilities|fighting|war|troops|forces|prisoners?"
    r"|pause|withdraw\w*|armistice|de-escalation)\b"
)
_DEFUSED = re.compile(
    r"\b(?:defus\w+|dismantl\w+|disarm(?:ed|ing) (?:the|a|an)|safely detonated|controlled"
    r" (?:explosion|detonation)|failed to (?:explode|detonate|go off)|did not (?:explode|detonate"
    r"|go off)|before it (?:could )?(?:explode|detonate|go off)|neutrali[sz]\w+|bomb disposal"
    r"|found and removed|uncovered|discovered|seized (?:\w+ )?explosives)\b"
)
_NOT_A_CLASH = re.compile(
    r"\b(?:diplomatic|verbal|political|online|legal|courtroom|ideological|cultural|personality"
    r"|scheduling) (?:clash|clashes|battle|battles|row|fight)\b|\bclash(?:ed|es)? over\b"
    r"|\b(?:legal|court|political|uphill|election|electoral) battle\b"
    r"|\bfighting (?:corruption|poverty|disease|fires?|wildfires?|the flames|illness|cancer"
    r"|for (?:rights|justice|survival|freedom|equality))\b|\bcharm offensive\b"
    r"|\bdiplomatic offensive\b|\boffensive (?:remarks|comments|language|tweets?|posts?"
    r"|content|material|words|behaviou?r)\b|\bassault rifles?\b|\bsexual(?:ly)? assault\w*\b"
    r"|\bassault charges?\b"
)

# Sentence-level vetoes: (signals, pattern, extra condition on the sentence).
VETOES: tuple[tuple[frozenset[str], re.Pattern[str], Callable[[str], bool] | None], ...] = (
    (
        frozenset(
            {"armed_clash", "offensive", "territorial_change", "reinforcement", "offensive_warning"}
        ),
        _SPORTS,
        lambda s: len(set(_SPORTS.findall(s))) >= 2,
    ),
    (
        frozenset({"armed_clash", "reinforcement", "offensive"}),
        PROTEST,
        lambda s: not MILITARY.search(s),
    ),
    (
        frozenset({"armed_clash", "casualties", "civilian_harm", "offensive"}),
        CRIME,
        lambda s: not MILITARY.search(s),
    ),
    (frozenset({"ceasefire_agreement", "withdrawal"}), _FAILED_TALKS, None),
    (frozenset({"explosive_device"}), _DEFUSED, None),
    (
        frozenset({"ceasefire_agreement", "withdrawal"}),
        _ECONOMIC_DEAL,
        lambda s: not _WAR_WORDS.search(s),
    ),
    (frozenset({"armed_clash", "offensive"}), _NOT_A_CLASH, None),
)


def vetoed_signals(sentence_lower: str) -> frozenset[str]:
    """Signals that `VETOES` rule out for this (lower-cased) sentence."""
    out: set[str] = set()
    for signals, pattern, condition in VETOES:
        if pattern.search(sentence_lower) and (condition is None or condition(sentence_lower)):
            out |= signals
    return frozenset(out)


def score_sentence(
    sentence: str, *, reference_year: int, extra_vetoes: frozenset[str] = frozenset()
) -> dict[str, CueHit]:
    """Best cue hit per signal in one sentence (scores before thresholds).

    `reference_year` is the year the article was published: years before it date a clause
    in the past. `extra_vetoes` lets the caller rule signals out for the whole article
    (for example a sports report).
    """
    return read_sentence(sentence, reference_year=reference_year, extra_vetoes=extra_vetoes).hits


@dataclass(frozen=True)
class SentenceReading:
    """The cue hits of a sentence, and the signals whose cues matched but were ruled out.

    `ruled_out` maps each signal a cue named but context dropped to why: negated, denied,
    dated in the past, only threatened or demanded, or vetoed for the sentence (sport,
    protest, crime, failed talks, a defused device). A model scoring the same sentence
    keeps that reading and records it (see `classifiers.model_classifier`).
    """

    hits: dict[str, CueHit]
    ruled_out: dict[str, str]


def read_sentence(
    sentence: str, *, reference_year: int, extra_vetoes: frozenset[str] = frozenset()
) -> SentenceReading:
    """Score one sentence with every cue; see `SentenceReading`."""
    lower = sentence.lower()
    vetoed = vetoed_signals(lower) | extra_vetoes
    hedge = context.hedge_factor(lower)
    best: dict[str, CueHit] = {}
    ruled_out: dict[str, str] = {}
    deferred: list[tuple[Cue, re.Match[str]]] = []
    for cue in CUES:
        for match in cue.pattern.finditer(lower):
            reason = (
                "vetoed for this sentence"
                if cue.signal in vetoed
                else _why_not(cue, lower, sentence, match, reference_year)
            )
            if reason:
                ruled_out.setdefault(cue.signal, reason)
                continue
            if cue.needs_violence:
                deferred.append((cue, match))
                continue
            _keep(best, cue, match, cue.strength * hedge)
    violent = (
        any(
            hit.score >= THRESHOLDS[hit.signal]
            for hit in best.values()
            if hit.signal in VIOLENT_SIGNALS
        )
        or _VIOLENT_VERBS.search(lower) is not None
    )
    if violent:
        for cue, match in deferred:
            _keep(best, cue, match, cue.strength * hedge)
    # A sentence veto (sport, protest, crime, failed talks, a defused device, a trade deal)
    # holds for the model's reading too, whether or not a cue of that signal matched.
    for signal in vetoed_signals(lower):
        ruled_out.setdefault(signal, "vetoed for this sentence")
    return SentenceReading(
        best, {signal: why for signal, why in ruled_out.items() if signal not in best}
    )


_VIOLENT_VERBS = re.compile(
    r"\b(?:shelled|bombed|targeted|attacked|stormed|raided|looted|torched|set ablaze|opened fire"
    r"|gunned down|shot dead|massacred|struck by|hit by (?:a |an )?(?:shell|rocket|missile|strike"
    r"|drone|bomb))\b"
)


def _why_not(
    cue: Cue, lower: str, original: str, match: re.Match[str], reference_year: int
) -> str:
    """Why this cue match does not count here ("" when it counts)."""
    start, end = match.start(), match.end()
    if context.is_negated(lower, start):
        return "negated"
    if context.is_denied(lower, start):
        return "denied"
    if not cue.history_exempt and context.is_historical(lower, start, end, reference_year):
        return "history"
    if cue.action and context.is_irrealis(lower, start):
        return "threatened or demanded, not done"
    if cue.check is not None and not cue.check(lower, original, match):
        return f"context rule of cue {cue.name}"
    return ""


def _keep(best: dict[str, CueHit], cue: Cue, match: re.Match[str], score: float) -> None:
    current = best.get(cue.signal)
    if current is None or score > current.score:
        best[cue.signal] = CueHit(cue.signal, round(score, 3), cue.name, match.start(), match.end())
