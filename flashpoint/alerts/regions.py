"""Country codes and first-level subdivision (admin1) names, resolved against pycountry.

Subscriptions name places the way desks write them ("Aleppo", "Idlib Governorate",
"North Kivu", "Kharkiv Oblast"); the classifier reports admin1 names from its own gazetteer.
Both sides go through `resolve_admin1`, which turns a name into an ISO 3166-2 code, so
"Aleppo" in the config and "Ḩalab" or "Aleppo Governorate" in an article are the same place.

A name resolves when, ignoring case, diacritics, apostrophes and hyphens, it equals:

- the ISO 3166-2 code (``SY-HL``);
- the pycountry name (``Ḩalab``, ``Kharkivska oblast``), with or without a trailing or
  leading type word (Governorate, Province, State, Oblast, Region, ...);
- one of the English exonyms in `_ALIASES` (``Aleppo``, ``Kharkiv Oblast``), which cover the
  countries the example desks follow, where pycountry's romanisation differs from English use.

Only top-level subdivisions count as admin1 (pycountry also lists provinces under
Burkina Faso's regions, for example; those are admin2).

Towns (`resolve_city`) come from the classifier's gazetteer (GeoNames cities), so a town a
subscription names and a town the classifier reports are the same entry with the same
coordinates (`flashpoint.core.geo.haversine_km` measures distances).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pycountry

# English names in common use, by ISO 3166-2 code, where pycountry's name is a
# transliteration desks do not write. Add to this table rather than special-casing callers.
_ALIASES: dict[str, tuple[str, ...]] = {
    # Syria
    "SY-HL": ("Aleppo", "Halab"),
    "SY-ID": ("Idleb",),
    "SY-HM": ("Hama", "Hamah"),
    "SY-HI": ("Homs", "Hims"),
    "SY-DI": ("Damascus",),
    "SY-RD": ("Rif Dimashq", "Rural Damascus", "Damascus Countryside", "Rif Damascus"),
    "SY-LA": ("Latakia", "Lattakia", "Al-Ladhiqiyah"),
    "SY-TA": ("Tartus", "Tartous"),
    "SY-DR": ("Daraa", "Deraa", "Dar'a"),
    "SY-SU": ("As-Suwayda", "Suwayda", "Sweida", "Al-Suwayda"),
    "SY-QU": ("Quneitra", "Al-Quneitra"),
    "SY-RA": ("Raqqa", "Al-Raqqa", "Raqqah"),
    "SY-DY": ("Deir ez-Zor", "Deir ez-Zour", "Deir Ezzor", "Deir al-Zor", "Dayr al-Zawr"),
    "SY-HA": ("Al-Hasakah", "Hasakah", "Hasaka", "Al-Hasakeh"),
    # Yemen
    "YE-SN": ("Sanaa", "Sana'a"),
    "YE-SA": ("Amanat Al Asimah", "Sanaa City", "Sana'a City"),
    "YE-AD": ("Aden",),
    "YE-TA": ("Taiz", "Ta'izz"),
    "YE-DA": ("Dhale", "Al Dhale", "Al Dhale'e", "Ad Dali", "Al Dhalea"),
    "YE-HU": ("Hodeidah", "Al Hudaydah", "Hudaydah", "Al-Hodeidah"),
    "YE-MA": ("Marib", "Ma'rib"),
    "YE-HD": ("Hadramawt", "Hadramout", "Hadhramaut"),
    "YE-SD": ("Saada", "Sa'dah", "Sadah"),
    "YE-LA": ("Lahj", "Lahij"),
    "YE-SU": ("Socotra",),
    "YE-AM": ("Amran",),
    "YE-BA": ("Al Bayda", "Bayda"),
    "YE-MW": ("Al Mahwit", "Mahwit"),
    "YE-HJ": ("Hajjah", "Hajja"),
    "YE-SH": ("Shabwa",),
    "YE-JA": ("Jawf",),
    # Ukraine
    "UA-05": ("Vinnytsia Oblast", "Vinnytsia"),
    "UA-07": ("Volyn Oblast", "Volyn"),
    "UA-09": ("Luhansk Oblast", "Luhansk"),
    "UA-12": ("Dnipropetrovsk Oblast", "Dnipropetrovsk"),
    "UA-14": ("Donetsk Oblast", "Donetsk"),
    "UA-18": ("Zhytomyr Oblast", "Zhytomyr"),
    "UA-21": ("Zakarpattia Oblast", "Zakarpattia", "Transcarpathia"),
    "UA-23": ("Zaporizhzhia Oblast", "Zaporizhzhia", "Zaporizhia", "Zaporozhye"),
    "UA-26": ("Ivano-Frankivsk Oblast", "Ivano-Frankivsk"),
    "UA-30": ("Kyiv City", "Kiev City"),
    "UA-32": ("Kyiv Oblast", "Kiev Oblast", "Kyiv Region"),
    "UA-35": ("Kirovohrad Oblast", "Kirovohrad", "Kropyvnytskyi"),
    "UA-40": ("Sevastopol City",),
    "UA-43": ("Crimea", "Autonomous Republic of Crimea"),
    "UA-46": ("Lviv Oblast", "Lviv"),
    "UA-48": ("Mykolaiv Oblast", "Mykolaiv"),
    "UA-51": ("Odesa Oblast", "Odesa", "Odessa"),
    "UA-53": ("Poltava Oblast", "Poltava"),
    "UA-56": ("Rivne Oblast", "Rivne"),
    "UA-59": ("Sumy Oblast", "Sumy"),
    "UA-61": ("Ternopil Oblast", "Ternopil"),
    "UA-63": ("Kharkiv Oblast", "Kharkiv"),
    "UA-65": ("Kherson Oblast", "Kherson"),
    "UA-68": ("Khmelnytskyi Oblast", "Khmelnytskyi"),
    "UA-71": ("Cherkasy Oblast", "Cherkasy"),
    "UA-74": ("Chernihiv Oblast", "Chernihiv"),
    "UA-77": ("Chernivtsi Oblast", "Chernivtsi"),
    # Democratic Republic of the Congo
    "CD-NK": ("North Kivu",),
    "CD-SK": ("South Kivu",),
    "CD-HU": ("Upper Uele",),
    "CD-BU": ("Lower Uele",),
    "CD-HK": ("Upper Katanga",),
    "CD-KE": ("Kasai-Oriental", "Eastern Kasai"),
    "CD-KC": ("Kasai-Central",),
    "CD-BC": ("Bas-Congo",),
    "CD-EQ": ("Equator",),
    "CD-NU": ("North Ubangi",),
    "CD-SU": ("South Ubangi",),
    # Sudan
    "SD-GZ": ("Al Jazirah", "Al Jazira", "Jazirah"),
    "SD-GD": ("Al Qadarif", "Gadarif", "Gedarif"),
    "SD-SI": ("Sinnar",),
    "SD-NO": ("Northern State",),
    # Myanmar
    "MM-16": ("Arakan",),
    "MM-13": ("Karen",),
    "MM-12": ("Karenni",),
    "MM-07": ("Irrawaddy",),
    "MM-06": ("Rangoon",),
    "MM-05": ("Tenasserim",),
    "MM-03": ("Magwe",),
    "MM-02": ("Pegu",),
    "MM-18": ("Naypyidaw", "Naypyitaw"),
    # Mali
    "ML-6": ("Timbuktu",),
    "ML-10": ("Taoudeni",),
    # Yemen, Iraq, Afghanistan, Somalia, Ethiopia, Libya, Lebanon, Israel, South Sudan,
    # Central African Republic, Nigeria, Haiti, Pakistan, Russia: the spellings the
    # gazetteer (GeoNames) uses where pycountry's differ.
    "IQ-BA": ("Basra", "Basrah"),
    "IQ-NA": ("Najaf",),
    "IQ-NI": ("Nineveh", "Ninawa"),
    "IQ-AN": ("Anbar",),
    "IQ-SD": ("Salah ad Din", "Salahuddin", "Saladin"),
    "IQ-QA": ("Qadisiyah", "Al-Qadisiyah"),
    "IQ-MU": ("Muthanna",),
    # ISO 3166-2 has one Kurdistan Region where GeoNames has its governorates.
    "IQ-KR": ("Kurdistan Region", "Erbil", "Arbil", "Duhok", "Dohuk", "Sulaymaniyah"),
    "AF-GHO": ("Ghor", "Ghowr"),
    "AF-KHO": ("Khost", "Khowst"),
    "AF-WAR": ("Maidan Wardak", "Wardak Province"),
    "AF-SAR": ("Sar-e Pol", "Sari Pul"),
    "AF-PIA": ("Paktia",),
    "AF-URU": ("Oruzgan", "Urozgan"),
    "AF-PAN": ("Panjshir",),
    "SO-BN": ("Banadir", "Benadir"),
    "SO-JD": ("Middle Juba",),
    "SO-JH": ("Lower Juba",),
    "SO-SD": ("Middle Shabelle", "Middle Shabele"),
    "SO-SH": ("Lower Shabelle", "Lower Shabeelle"),
    "ET-AM": ("Amhara",),
    "ET-TI": ("Tigray",),
    "ET-OR": ("Oromiya",),
    "ET-BE": ("Benishangul-Gumuz", "Binshangul Gumuz"),
    "ET-GA": ("Gambela", "Gambella"),
    "ET-HA": ("Harari",),
    "ET-SN": ("SNNPR",),
    "ET-SW": ("South West Ethiopia Peoples'", "South West Ethiopia"),
    "LY-TB": ("Tripoli",),
    "LY-BA": ("Benghazi",),
    "LY-MI": ("Misrata", "Misurata"),
    "LY-SR": ("Sirte",),
    "LY-DR": ("Derna",),
    "LY-KF": ("Kufra",),
    "LY-ZA": ("Zawiya",),
    "LY-WS": ("Ash Shati'", "Wadi al Shatii"),
    "LY-JG": ("Jabal al Gharbi", "Nafusa Mountains"),
    "LB-BA": ("Beirut", "Beyrouth"),
    "LB-JL": ("Mount Lebanon", "Mont-Liban"),
    "LB-JA": ("South Lebanon", "South"),
    "LB-NA": ("Nabatieh", "Nabatiye"),
    "LB-BI": ("Beqaa", "Bekaa"),
    "LB-AS": ("North Lebanon", "Liban-Nord"),
    "LB-AK": ("Akkar", "Aakkar"),
    "LB-BH": ("Baalbek-Hermel",),
    "IL-D": ("Southern District", "Southern"),
    "IL-M": ("Central District", "Central"),
    "IL-Z": ("Northern District", "Northern"),
    "IL-HA": ("Haifa",),
    "IL-TA": ("Tel Aviv",),
    "IL-JM": ("Jerusalem",),
    "SS-BN": ("Northern Bahr al Ghazal",),
    "SS-BW": ("Western Bahr al Ghazal",),
    "CF-HS": ("Mambere-Kadei",),
    "CF-KG": ("Kemo",),
    "CF-KB": ("Nana-Grebizi",),
    "CF-SE": ("Sangha-Mbaere",),
    "CF-MP": ("Ombella-M'Poko",),
    "NG-FC": ("FCT", "Federal Capital Territory", "Abuja"),
    "HT-GA": ("Grand'Anse",),
    "PK-JK": ("Azad Kashmir",),
    "RU-BEL": ("Belgorod",),
    "RU-KRS": ("Kursk",),
    "RU-BRY": ("Bryansk",),
    "RU-ROS": ("Rostov",),
    "RU-KDA": ("Krasnodar",),
    "RU-CE": ("Chechnya",),
    "RU-DA": ("Dagestan",),
    "RU-IN": ("Ingushetia", "Ingushetiya"),
    "RU-MOW": ("Moscow",),
}

# Words that name the kind of subdivision rather than the place. They are dropped from
# either end of a name so "Idlib Governorate" and "Idlib" compare equal.
_TYPE_WORDS = frozenset(
    {
        "governorate",
        "province",
        "state",
        "oblast",
        "region",
        "prefecture",
        "department",
        "district",
        "municipality",
        "county",
        "division",
        "republic",
        "respublika",
        "muhafazat",
        "wilayat",
        "city",
    }
)
_PUNCTUATION = re.compile(r"[\s\-_.,/()'’‘ʻʼ`´\"]+")
_BRACKETED = re.compile(r"\[[^\]]*\]")


@dataclass(frozen=True)
class Admin1:
    """A first-level subdivision: its ISO 3166-2 code and pycountry name."""

    code: str
    name: str


def country_name(code: str) -> str | None:
    """The common name of an ISO 3166-1 alpha-2 country code, or None if it is not one."""
    if len(code) != 2 or not code.isascii() or not code.isalpha():
        return None
    country = pycountry.countries.get(alpha_2=code.upper())
    if country is None:
        return None
    return str(getattr(country, "common_name", None) or country.name)


def _strip_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def fold(name: str) -> str:
    """Case-, diacritic- and punctuation-insensitive form of a place name."""
    text = _BRACKETED.sub(" ", _strip_marks(name).casefold())
    return " ".join(word for word in _PUNCTUATION.split(text) if word)


def _strip_type_words(folded: str) -> str:
    words = folded.split()
    while len(words) > 1 and words[-1] in _TYPE_WORDS:
        words.pop()
    while len(words) > 1 and words[0] in _TYPE_WORDS:
        words.pop(0)
    return " ".join(words)


@lru_cache(maxsize=512)
def _admin1_index(country: str) -> tuple[dict[str, Admin1], dict[str, Admin1]]:
    """Two lookups for one country: exact folded names, then names without type words.

    A name that would be ambiguous without its type word ("Kyiv" the city against
    "Kyiv Oblast") stays only in the exact index, and exact matches are tried first.
    """
    exact: dict[str, Admin1] = {}
    loose: dict[str, Admin1 | None] = {}
    database: Any = pycountry.subdivisions  # pycountry's lookup methods are untyped
    for sub in database.get(country_code=country) or ():
        if sub.parent_code is not None:
            continue
        admin1 = Admin1(code=str(sub.code), name=str(sub.name))
        names = (sub.code, sub.name, *_ALIASES.get(admin1.code, ()))
        for name in names:
            exact.setdefault(fold(name), admin1)
        for name in names:
            key = _strip_type_words(fold(name))
            if key in exact and exact[key] != admin1:
                continue
            previous = loose.get(key, admin1)
            loose[key] = admin1 if previous == admin1 else None
    return exact, {key: value for key, value in loose.items() if value is not None}


def resolve_admin1(country: str, name: str) -> Admin1 | None:
    """The top-level subdivision of `country` that `name` refers to, or None."""
    exact, loose = _admin1_index(country.upper())
    folded = fold(name)
    if folded in exact:
        return exact[folded]
    stripped = _strip_type_words(folded)
    return exact.get(stripped) or loose.get(stripped)


def admin1_names(country: str) -> list[str]:
    """The pycountry names of a country's top-level subdivisions, sorted, for messages."""
    exact, _ = _admin1_index(country.upper())
    return sorted({admin1.name for admin1 in exact.values()}, key=fold)


@dataclass(frozen=True)
class City:
    """A town from the gazetteer: its own name, country, admin1 and coordinates."""

    name: str
    country: str
    admin1: str | None
    lat: float
    lon: float


@lru_cache(maxsize=1024)
def resolve_city(name: str, country: str | None = None) -> City | None:
    """The gazetteer town called `name` (in `country`, when given), or None.

    Names match as the gazetteer's own and alternate names do (case, accents, articles:
    "Izium" finds Izyum, "Raqqa" finds Ar Raqqah). Only when the name is no known place at
    all are the gazetteer's looser spelling variants tried, so "Syria" (a country) is
    never taken for a town that merely sounds like it. Of several towns, the gazetteer's
    first wins. Loads the gazetteer on first use.
    """
    from classifiers.gazetteer import get_gazetteer
    from classifiers.textnorm import name_key

    gazetteer = get_gazetteer()
    key = name_key(name)
    ids = list(dict.fromkeys((*gazetteer.index.get(key, ()), *gazetteer.alternates.get(key, ()))))
    candidates = [gazetteer.places[i] for i in ids] or gazetteer.lookup(name)
    wanted = country.upper() if country else None
    for place in candidates:
        if place.kind != "city" or place.lat is None or place.lon is None:
            continue
        if wanted is None or place.country == wanted:
            return City(place.name, place.country, place.admin1, place.lat, place.lon)
    return None
