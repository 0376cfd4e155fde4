"""Countries, areas, cities and postal-code shapes of the demo market.

Weights follow an SMB market of a US software vendor: the US carries the largest share, then the
big European economies, Canada, Australia, India, Brazil and Japan.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class City:
    name: str
    state: str
    region: str  # the part of the sales territory after the country code
    postal_stem: str


@dataclass(frozen=True)
class Country:
    code: str
    weight: float
    name: str  # also the subsidiary
    area: str
    postal: str  # postal shape, see POSTAL_SHAPES
    legal: tuple[str, ...]  # company-name suffixes
    cities: tuple[City, ...]


def _c(name: str, state: str, region: str, stem: str) -> City:
    return City(name, state, region, stem)


COUNTRIES: tuple[Country, ...] = (
    Country(
        "US",
        0.42,
        "United States",
        "United States",
        "d2",
        ("Inc", "LLC", "Corp", "Co"),
        (
            _c("Seattle", "WA", "West", "981"),
            _c("San Jose", "CA", "West", "951"),
            _c("Los Angeles", "CA", "West", "900"),
            _c("Denver", "CO", "West", "802"),
            _c("Phoenix", "AZ", "West", "850"),
            _c("Dallas", "TX", "Central", "752"),
            _c("Austin", "TX", "Central", "787"),
            _c("Chicago", "IL", "Central", "606"),
            _c("Minneapolis", "MN", "Central", "554"),
            _c("Atlanta", "GA", "South", "303"),
            _c("Miami", "FL", "South", "331"),
            _c("Charlotte", "NC", "South", "282"),
            _c("New York", "NY", "East", "100"),
            _c("Boston", "MA", "East", "021"),
            _c("Philadelphia", "PA", "East", "191"),
            _c("Columbus", "OH", "Central", "432"),
        ),
    ),
    Country(
        "GB",
        0.09,
        "United Kingdom",
        "United Kingdom",
        "gb",
        ("Ltd", "PLC", "LLP"),
        (
            _c("London", "ENG", "South", "EC"),
            _c("Manchester", "ENG", "North", "M"),
            _c("Leeds", "ENG", "North", "LS"),
            _c("Bristol", "ENG", "South", "BS"),
            _c("Birmingham", "ENG", "Midlands", "B"),
            _c("Edinburgh", "SCT", "Scotland", "EH"),
            _c("Glasgow", "SCT", "Scotland", "G"),
            _c("Cardiff", "WLS", "South", "CF"),
        ),
    ),
    Country(
        "DE",
        0.08,
        "Germany",
        "Western Europe",
        "d3",
        ("GmbH", "AG", "KG"),
        (
            _c("Berlin", "BE", "North", "10"),
            _c("Hamburg", "HH", "North", "20"),
            _c("Munich", "BY", "South", "80"),
            _c("Stuttgart", "BW", "South", "70"),
            _c("Frankfurt", "HE", "West", "60"),
            _c("Cologne", "NW", "West", "50"),
            _c("Leipzig", "SN", "East", "04"),
        ),
    ),
    Country(
        "FR",
        0.06,
        "France",
        "Western Europe",
        "d3",
        ("SAS", "SARL", "SA"),
        (
            _c("Paris", "IDF", "North", "75"),
            _c("Lyon", "ARA", "South", "69"),
            _c("Marseille", "PAC", "South", "13"),
            _c("Toulouse", "OCC", "South", "31"),
            _c("Lille", "HDF", "North", "59"),
            _c("Nantes", "PDL", "West", "44"),
            _c("Bordeaux", "NAQ", "West", "33"),
        ),
    ),
    Country(
        "CA",
        0.06,
        "Canada",
        "Canada",
        "ca",
        ("Inc", "Ltd", "Corp"),
        (
            _c("Toronto", "ON", "East", "M5V"),
            _c("Ottawa", "ON", "East", "K1P"),
            _c("Montreal", "QC", "East", "H3B"),
            _c("Vancouver", "BC", "West", "V6B"),
            _c("Calgary", "AB", "West", "T2P"),
            _c("Halifax", "NS", "East", "B3J"),
        ),
    ),
    Country(
        "AU",
        0.05,
        "Australia",
        "ANZ",
        "d1",
        ("Pty Ltd", "Ltd"),
        (
            _c("Sydney", "NSW", "East", "200"),
            _c("Melbourne", "VIC", "South", "300"),
            _c("Brisbane", "QLD", "East", "400"),
            _c("Perth", "WA", "West", "600"),
            _c("Adelaide", "SA", "South", "500"),
        ),
    ),
    Country(
        "NL",
        0.04,
        "Netherlands",
        "Western Europe",
        "nl",
        ("BV", "NV"),
        (
            _c("Amsterdam", "NH", "West", "10"),
            _c("Rotterdam", "ZH", "West", "30"),
            _c("Utrecht", "UT", "Central", "35"),
            _c("Eindhoven", "NB", "South", "56"),
        ),
    ),
    Country(
        "IN",
        0.06,
        "India",
        "India",
        "d3",
        ("Pvt Ltd", "Ltd", "LLP"),
        (
            _c("Bengaluru", "KA", "South", "560"),
            _c("Mumbai", "MH", "West", "400"),
            _c("Pune", "MH", "West", "411"),
            _c("Hyderabad", "TG", "South", "500"),
            _c("Chennai", "TN", "South", "600"),
            _c("New Delhi", "DL", "North", "110"),
        ),
    ),
    Country(
        "BR",
        0.05,
        "Brazil",
        "Latin America",
        "br",
        ("Ltda", "SA"),
        (
            _c("Sao Paulo", "SP", "Southeast", "01310"),
            _c("Rio de Janeiro", "RJ", "Southeast", "20040"),
            _c("Belo Horizonte", "MG", "Southeast", "30130"),
            _c("Curitiba", "PR", "South", "80010"),
            _c("Porto Alegre", "RS", "South", "90010"),
        ),
    ),
    Country(
        "JP",
        0.04,
        "Japan",
        "Japan",
        "jp",
        ("KK", "GK"),
        (
            _c("Tokyo", "13", "Kanto", "100"),
            _c("Yokohama", "14", "Kanto", "220"),
            _c("Osaka", "27", "Kansai", "530"),
            _c("Nagoya", "23", "Chubu", "450"),
            _c("Fukuoka", "40", "Kyushu", "810"),
        ),
    ),
    Country(
        "ES",
        0.02,
        "Spain",
        "Western Europe",
        "d3",
        ("SL", "SA"),
        (
            _c("Madrid", "MD", "Central", "28"),
            _c("Barcelona", "CT", "East", "08"),
            _c("Valencia", "VC", "East", "46"),
            _c("Seville", "AN", "South", "41"),
        ),
    ),
    Country(
        "IT",
        0.02,
        "Italy",
        "Western Europe",
        "d3",
        ("Srl", "SpA"),
        (
            _c("Milan", "MI", "North", "20"),
            _c("Rome", "RM", "Central", "00"),
            _c("Turin", "TO", "North", "10"),
            _c("Bologna", "BO", "North", "40"),
        ),
    ),
    Country(
        "SE",
        0.01,
        "Sweden",
        "Western Europe",
        "se",
        ("AB",),
        (
            _c("Stockholm", "AB", "East", "11"),
            _c("Gothenburg", "O", "West", "41"),
            _c("Malmo", "M", "South", "21"),
        ),
    ),
)

# Postal shapes: how the random digits/letters follow the city's stem.
#   d1/d2/d3: stem + 1/2/3 random digits;  gb: stem + digit + space + digit + two letters;
#   ca: stem + space + digit letter digit;  nl: stem + 2 digits + space + two letters;
#   br: stem + "-" + 3 digits;  jp: stem + "-" + 4 digits;  se: stem + digit + space + 2 digits.
POSTAL_SHAPES = ("d1", "d2", "d3", "gb", "ca", "nl", "br", "jp", "se")
