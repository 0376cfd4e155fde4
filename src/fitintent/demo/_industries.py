"""Industries of the demo market: weights, verticals and how each shapes its accounts."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Industry:
    name: str
    weight: float
    verticals: tuple[str, ...]
    size_shift: float  # added to the log of the median head count
    tech: float  # 0..1, how much the industry runs on software
    revenue_per_employee: float  # USD per year
    it_share: float  # IT budget as a share of revenue
    non_profit: float  # probability an account of this industry is a non-profit
    boosts: dict[str, float] = field(default_factory=dict)  # product -> logit shift


INDUSTRIES: tuple[Industry, ...] = (
    Industry(
        "Professional Services",
        0.16,
        ("Legal", "Accounting", "Consulting", "Architecture and Engineering"),
        0.0,
        0.6,
        160_000,
        0.05,
        0.01,
        {"M365": 0.3, "D365CE": 0.4, "PowerApps": 0.2},
    ),
    Industry(
        "Retail",
        0.10,
        ("Specialty Retail", "Grocery", "E-commerce"),
        0.2,
        0.3,
        200_000,
        0.025,
        0.0,
        {"D365BC": 0.3, "Surface": 0.3, "D365CE": 0.1},
    ),
    Industry(
        "Manufacturing",
        0.11,
        ("Discrete Manufacturing", "Process Manufacturing", "Food and Beverage"),
        0.6,
        0.4,
        250_000,
        0.03,
        0.0,
        {"D365FO": 0.7, "D365BC": 0.3, "Surface": -0.2},
    ),
    Industry(
        "Healthcare",
        0.09,
        ("Clinics", "Dental", "Long-term Care", "Pharmacies"),
        0.2,
        0.4,
        120_000,
        0.035,
        0.12,
        {"Surface": 0.4, "M365": 0.1},
    ),
    Industry(
        "Financial Services",
        0.06,
        ("Banking", "Insurance", "Wealth Management"),
        0.3,
        0.7,
        300_000,
        0.07,
        0.02,
        {"D365CE": 0.5, "Azure": 0.2, "M365": 0.2},
    ),
    Industry(
        "Construction",
        0.08,
        ("General Contractors", "Specialty Trades"),
        0.0,
        0.2,
        180_000,
        0.015,
        0.0,
        {"Surface": 0.3, "D365BC": 0.2, "M365": -0.2},
    ),
    Industry(
        "Hospitality",
        0.07,
        ("Restaurants", "Hotels", "Travel"),
        0.1,
        0.2,
        80_000,
        0.015,
        0.0,
        {"M365": -0.3, "Azure": -0.3},
    ),
    Industry(
        "Education",
        0.05,
        ("K-12", "Higher Education", "Training"),
        0.4,
        0.4,
        90_000,
        0.04,
        0.30,
        {"M365": 0.3, "Surface": 0.5, "Azure": -0.1},
    ),
    Industry(
        "Technology",
        0.09,
        ("Software", "IT Services", "Telecommunications"),
        0.0,
        1.0,
        220_000,
        0.12,
        0.0,
        {"Azure": 0.7, "PowerApps": 0.4, "D365CE": 0.2},
    ),
    Industry(
        "Real Estate",
        0.05,
        ("Property Management", "Brokerage"),
        -0.2,
        0.3,
        200_000,
        0.03,
        0.0,
        {"D365CE": 0.4, "D365BC": 0.2},
    ),
    Industry(
        "Transportation and Logistics",
        0.06,
        ("Trucking", "Warehousing", "Freight Forwarding"),
        0.3,
        0.3,
        170_000,
        0.025,
        0.0,
        {"D365FO": 0.3, "D365BC": 0.3, "PowerApps": 0.2},
    ),
    Industry(
        "Nonprofit and Public Sector",
        0.04,
        ("Charities", "Associations", "Local Government"),
        0.2,
        0.3,
        70_000,
        0.03,
        0.60,
        {"M365": 0.4, "D365CE": 0.2},
    ),
    Industry(
        "Media and Entertainment",
        0.04,
        ("Publishing", "Advertising", "Studios"),
        -0.1,
        0.7,
        150_000,
        0.05,
        0.05,
        {"Surface": 0.3, "Azure": 0.2},
    ),
)
