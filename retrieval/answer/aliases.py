"""A capital city that stands for its country, as news writes "Tehran" for Iran's government:
"And Tehran's reasons?" asks for the section "II. Iran’s Motives".

A gazetteer, not a rule: the capitals of the states news most often names by their capital (not
Washington or London, which name people and a state as often). A word not in it stands for
itself.
"""

from __future__ import annotations

_COUNTRY_OF = {
    "abuja": "nigeria", "accra": "ghana", "addis ababa": "ethiopia", "amman": "jordan", "ankara": "turkey",
    "athens": "greece", "baghdad": "iraq", "baku": "azerbaijan", "bangkok": "thailand", "beijing": "china",
    "beirut": "lebanon", "belgrade": "serbia", "berlin": "germany", "brasilia": "brazil", "brasília": "brazil",
    "bucharest": "romania", "budapest": "hungary", "buenos aires": "argentina", "cairo": "egypt",
    "canberra": "australia", "caracas": "venezuela", "colombo": "sri lanka", "copenhagen": "denmark",
    "damascus": "syria", "delhi": "india", "dhaka": "bangladesh", "doha": "qatar", "dublin": "ireland",
    "hanoi": "vietnam", "havana": "cuba", "helsinki": "finland", "islamabad": "pakistan", "jakarta": "indonesia",
    "kabul": "afghanistan", "kathmandu": "nepal", "khartoum": "sudan", "kiev": "ukraine", "kyiv": "ukraine",
    "lisbon": "portugal", "madrid": "spain", "manila": "philippines", "minsk": "belarus",
    "moscow": "russia", "muscat": "oman", "nairobi": "kenya", "new delhi": "india", "oslo": "norway",
    "ottawa": "canada", "paris": "france", "pretoria": "south africa", "pyongyang": "north korea",
    "riyadh": "saudi arabia", "rome": "italy", "sanaa": "yemen", "seoul": "south korea", "stockholm": "sweden",
    "taipei": "taiwan", "tashkent": "uzbekistan", "tbilisi": "georgia", "tehran": "iran", "tokyo": "japan",
    "tripoli": "libya", "vienna": "austria", "warsaw": "poland", "yerevan": "armenia",
}


def country_of(place: str) -> str | None:
    """The country a capital stands for, in lower case ("Tehran" → "iran"); None for any other word."""
    return _COUNTRY_OF.get(" ".join(place.lower().split()))
