"""Finnish names, places and identifier check digits for the generated companies."""

from __future__ import annotations

import random

SURNAMES = (
    "Virtanen", "Korhonen", "Mäkinen", "Nieminen", "Mäkelä", "Hämäläinen", "Laine", "Heikkinen",
    "Koskinen", "Järvinen", "Lehtonen", "Lehtinen", "Saarinen", "Salminen", "Heinonen", "Niemi",
    "Heikkilä", "Kinnunen", "Salonen", "Turunen", "Salo", "Laitinen", "Tuominen", "Rantanen",
)
FIRST_NAMES = (
    "Matti", "Liisa", "Jari", "Anna", "Mikko", "Sari", "Timo", "Tiina", "Juha", "Päivi", "Antti",
    "Minna", "Kari", "Aino", "Eero", "Helmi", "Ville", "Kaisa", "Pekka", "Outi",
)
BUSINESS_WORDS = (
    "Kahvila", "Rakennus", "Konepaja", "Tilitoimisto", "Kukka", "Puutarha", "Metalli", "Sähkö",
    "Kuljetus", "Ohjelmisto", "Kiinteistö", "Leipomo", "Paino", "Maalaus", "Putki", "Lvi", "Kone",
    "Media", "Hotelli", "Autohuolto",
)
SUPPLIER_WORDS = (
    "Tukku", "Multatehdas", "Teollisuus", "Logistiikka", "Energia", "Vakuutus", "Telekom",
    "Toimisto", "Kiinteistöpalvelu", "Pakkaus",
)
LEGAL_FORMS = ("Oy", "Oy", "Oy", "Ky", "Oy Ab", "Tmi")
CITIES = (
    ("Helsinki", "00100"), ("Espoo", "02100"), ("Tampere", "33100"), ("Turku", "20100"),
    ("Oulu", "90100"), ("Jyväskylä", "40100"), ("Lahti", "15100"), ("Kuopio", "70100"),
    ("Pori", "28100"), ("Vaasa", "65100"), ("Lappeenranta", "53100"), ("Joensuu", "80100"),
)
STREETS = (
    "Kauppakatu", "Teollisuustie", "Mannerheimintie", "Hämeenkatu", "Asemakatu", "Rantatie",
    "Koulukatu", "Puistokatu", "Satamakatu", "Tehtaankatu", "Kirkkokatu", "Pohjoisesplanadi",
)
FOREIGN_CUSTOMERS = (
    ("Trädgårdshuset AB", "Storgatan 7", "41103", "Göteborg", "SWEDEN", "SEK"),
    ("Nordic Garden AB", "Drottninggatan 22", "11151", "Stockholm", "SWEDEN", "SEK"),
    ("Maple Leaf Supplies Inc.", "500 Main Street", "02139", "Cambridge", "UNITED_STATES_OF_AMERICA", "USD"),
    ("Lakeside Trading LLC", "12 Lake Shore Drive", "60611", "Chicago", "UNITED_STATES_OF_AMERICA", "USD"),
)


def business_id(rng: random.Random) -> str:
    """A Finnish business id (Y-tunnus) with a valid check digit."""
    while True:
        digits = [rng.randrange(10) for _ in range(7)]
        remainder = sum(d * w for d, w in zip(digits, (7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
        if remainder == 1:
            continue
        check = 0 if remainder == 0 else 11 - remainder
        return "".join(map(str, digits)) + f"-{check}"


def reference_number(base: int) -> str:
    """Finnish national bank reference (viitenumero): base digits + 7-3-1 check digit."""
    digits = str(base)
    weights = (7, 3, 1)
    total = sum(int(d) * weights[i % 3] for i, d in enumerate(reversed(digits)))
    return digits + str((10 - total % 10) % 10)


def finnish_iban(bban14: str) -> str:
    """IBAN for a 14-digit Finnish BBAN, with correct mod-97 check digits."""
    numeric = int(bban14 + "1518" + "00")  # F=15, I=18
    check = 98 - numeric % 97
    return f"FI{check:02d}{bban14}"


def person_name(rng: random.Random) -> tuple[str, str]:
    return rng.choice(FIRST_NAMES), rng.choice(SURNAMES)


def address(rng: random.Random) -> tuple[str, str, str]:
    city, zip_code = rng.choice(CITIES)
    return f"{rng.choice(STREETS)} {rng.randint(1, 60)}", zip_code, city
