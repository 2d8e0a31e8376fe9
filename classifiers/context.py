"""Context checks around a cue: negation, denial, history, hedges and irrealis.

A signal is about an event reported as happening now (TAXONOMY.md). These checks look at
the words around a cue match inside its sentence and say why it does not count:

* `is_negated`: a negator shortly before the cue ("no one was killed", "did not shell",
  "there were no reports of shelling"), but not "not immediately clear" or
  "no claim of responsibility for the bombing";
* `is_denied`: the cue follows a denial ("denied shelling", "rejected reports that");
* `is_historical`: the cue's clause is dated in the past ("in 2023", "last January",
  "since March", "last month"), or the whole sentence is ("ten years ago", "an
  anniversary", "a retrospective");
* `is_irrealis`: the cue is threatened, planned, demanded, feared or conditional
  ("threatened to storm", "warned of an imminent assault", "demanded the withdrawal",
  "would withdraw", "calls for a ceasefire");
* `hedge_factor`: 0.8 for hedged reports ("reportedly", "allegedly", "accused ... of").

All functions take the lower-cased sentence and character offsets of the cue in it, so
the rule scorer and a later model-based scorer can share them. Clauses are cut at
punctuation and at subordinating words ("which", "after", "despite", ...), which go
with the clause they open.
"""

from __future__ import annotations

import re

_CLAUSE_BREAK = re.compile(
    r"[,;:()\u2014\u2013\"“”]|\s-\s|\b(?=(?:but|while|whereas|which|who|whose|although|though|"
    r"despite|after|before|since|when|until|because)\b)"
)
_NEGATOR = re.compile(
    r"\b(?:no|not|never|nobody|none|neither|nor|without|no-one|no one|n't|cannot|failed to)\b"
    r"|n't\b"
)
_NOT_A_NEGATION = re.compile(
    r"^(?:not|no)\s+(?:immediately|yet|only|clear|known|confirmed|independently|just|least"
    r"|sooner|longer|doubt|matter|less|more|fewer|exception|immediate|claim|one claimed"
    r"|group claimed|responsibility|comment|word|details|end|let-up|sign)"
)
_DENIAL = re.compile(
    r"\b(?:den(?:y|ied|ies|ying)|refut(?:e|ed|es|ing)|rejected\s+(?:\w+\s+){0,2}(?:reports?|claims?"
    r"|accusations?|allegations?)|dismissed\s+(?:\w+\s+){0,2}(?:reports?|claims?|accusations?"
    r"|allegations?)|false\s+(?:reports?|claims?))\b"
)
_MONTHS = (
    r"(?:january|february|march|april|may|june|july|august|september|october|november|"
    r"december|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)"
)
_HISTORY = re.compile(
    r"\b(?:(?:in|since|during|by|until|from|of|early|late|mid|back in|throughout)\s+(?:early\s+|"
    r"late\s+|mid-?)?" + _MONTHS + r"\b(?!\s+\d{1,2}\b)"
    r"|(?:last|since)\s+" + _MONTHS + r"\b"
    r"|last\s+(?:month|year|spring|summer|autumn|fall|winter|decade)"
    r"|earlier\s+this\s+(?:month|year)"
    r"|a\s+year\s+earlier|years\s+(?:earlier|before|after)"
    r"|in\s+the\s+past(?!\s+(?:day|24|48|72|few|week|two|three|hours?|night))|previously"
    r"|formerly|at\s+the\s+time|back\s+then|during\s+the\s+(?:\w+\s+)?war"
    r"|in\s+the\s+(?:19|20)\d0s)"
)
# Markers that date the whole sentence, whatever clause the cue sits in.
_HISTORY_SENTENCE = re.compile(
    r"\b(?:(?:\d+|a|one|two|three|four|five|six|seven|eight|nine|ten|twenty|several|many|a few)"
    r"\s+(?:years?|decades?)\s+(?:ago|since|on|after)|anniversary|commemorat\w*|retrospective"
    r"|(?:\d+|a|one|two|three|four|five|six|seven|eight|nine|ten|several|many|a few)\s+months?"
    r"\s+ago)\b"
)
_YEAR = re.compile(r"\b(19[5-9]\d|20\d\d)\b")
_IRREALIS = re.compile(
    r"\b(?:will|would|could|might|shall|should|must|threat\w*|vow\w*|pledg\w*|warn\w*"
    r"|plan(?:s|ned|ning)?|prepar\w*|intend\w*|ready to|poised to|about to|expected to|set to"
    r"|if|unless|demand\w*|call(?:s|ed|ing)? (?:on|for)|urg\w*|refus\w*|fears?|feared|fearing"
    r"|imminent|impending|looming|possible|potential|ultimatum|aim(?:s|ed|ing)? to"
    r"|seek\w* to|want\w* to|hop(?:e|es|ed|ing)|propos\w*|consider\w*|negotiating"
    r"|negotiations? (?:on|for|over)|talks (?:on|for|over|about)|press(?:ed|ing)? for"
    r"|push(?:ed|ing)? for|offer\w* to|appeal\w*|in case of|risk of|prospect of"
    r"|discuss\w*|insist\w* on|no plans? to|would-be|proposal)\b"
)
_HEDGE = re.compile(
    r"\b(?:reportedly|allegedly|alleged|unconfirmed|unverified|rumou?rs?|rumou?red|purported\w*"
    r"|apparently|possibly|accus\w*|claim(?:ed|s)? (?:that|to have|responsibility)|said to have"
    r"|it is believed|suspected)\b"
)
_WORD = re.compile(r"\S+")

IRREALIS_WINDOW_WORDS = 6
NEGATION_WINDOW_WORDS = 4
HEDGE_FACTOR = 0.8


def clause_bounds(sentence: str, start: int, end: int | None = None) -> tuple[int, int]:
    """(start, end) of the clause of `sentence` that holds the span `start`..`end`."""
    end = start if end is None else end
    left = 0
    for match in _CLAUSE_BREAK.finditer(sentence, 0, start):
        left = match.end() if match.group(0).strip() else match.start()
    right_match = _CLAUSE_BREAK.search(sentence, max(end, start + 1))
    right = right_match.start() if right_match is not None else len(sentence)
    return left, right


def _window_before(sentence: str, start: int, words: int) -> str:
    """Up to `words` words of the cue's clause before `start`."""
    left, _ = clause_bounds(sentence, start)
    prefix = sentence[left:start]
    tokens = _WORD.findall(prefix)
    return " ".join(tokens[-words:])


def is_negated(sentence: str, start: int) -> bool:
    """A negator within a few words before the cue, in its clause."""
    window = _window_before(sentence, start, NEGATION_WINDOW_WORDS)
    for match in _NEGATOR.finditer(window):
        if _NOT_A_NEGATION.match(window[match.start() :]) is None:
            return True
    return False


def is_denied(sentence: str, start: int) -> bool:
    """The cue comes after a denial verb in the same sentence."""
    return _DENIAL.search(sentence, 0, start) is not None


def is_historical(sentence: str, start: int, end: int, reference_year: int) -> bool:
    """The cue's clause carries a past date marker (a year before `reference_year`, ...)."""
    if _HISTORY_SENTENCE.search(sentence):
        return True
    left, right = clause_bounds(sentence, start, end)
    clause = sentence[left:right]
    if _HISTORY.search(clause):
        return True
    return any(int(year) < reference_year for year in _YEAR.findall(clause))


def is_irrealis(sentence: str, start: int) -> bool:
    """Threatened, planned, demanded, feared or conditional: not (yet) happening."""
    return _IRREALIS.search(_window_before(sentence, start, IRREALIS_WINDOW_WORDS)) is not None


def hedge_factor(sentence: str) -> float:
    """1.0 for a plain report, `HEDGE_FACTOR` for a hedged one."""
    return HEDGE_FACTOR if _HEDGE.search(sentence) else 1.0
