"""What the demo market sells and runs: product SKUs and prices, the causal weights of each
product's propensity, and the technologies of the install base.

Feature names used in the weights (all observed by the pipeline unless marked hidden):
``size`` (standardised log head count), ``mid`` (bump around 60 employees), ``tech`` (industry
software intensity), ``itb`` (standardised log IT budget per employee), ``growth``, ``non_profit``,
install-base groups ``eos_client``, ``eos_server``, ``google``, ``aws``, ``legacy_acct``,
``salesforce``, ``slack``, ``vmware``; holdings ``own_<product>``; ``renewal`` (an agreement of the
product's division ends within three months).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Sku:
    name: str
    price: float  # USD per seat per month (per device for devices; per unit for consumption)
    weight_small: float  # choice weight under 300 employees
    weight_large: float  # choice weight at 300 employees and more


@dataclass(frozen=True)
class DemoProduct:
    id: str
    division: str
    topics: tuple[str, ...]
    skus: tuple[Sku, ...]
    seat_share: tuple[float, float]  # seats as a share of employees (uniform range)
    min_seats: int
    own_base: float  # intercept of initial ownership
    hazard_base: float  # intercept of the monthly logit hazard of a buying cycle
    weights: dict[str, float] = field(default_factory=dict)
    sales_days: float = 45.0  # median days from created to closed
    kind: str = "seat"  # seat | device | consumption


PRODUCTS: tuple[DemoProduct, ...] = (
    DemoProduct(
        "M365",
        "Modern Work",
        ("collaboration", "email", "remote_work", "security"),
        (
            Sku("Business Basic", 6.0, 0.25, 0.0),
            Sku("Business Standard", 12.5, 0.35, 0.0),
            Sku("Business Premium", 22.0, 0.25, 0.0),
            Sku("E3", 36.0, 0.12, 0.7),
            Sku("E5", 57.0, 0.03, 0.3),
        ),
        (0.6, 1.0),
        1,
        -0.75,
        -5.6,
        {
            "size": 0.3,
            "tech": 0.5,
            "itb": 0.3,
            "growth": 1.0,
            "eos_client": 0.7,
            "google": -0.4,
            "own_O365": 1.2,
            "own_M365": -0.9,
            "slack": -0.2,
            "renewal": 0.6,
            "non_profit": 0.3,
        },
        sales_days=35.0,
    ),
    DemoProduct(
        "O365",
        "Modern Work",
        ("email", "collaboration"),
        (Sku("E1", 10.0, 0.4, 0.3), Sku("E3", 23.0, 0.6, 0.7)),
        (0.5, 0.9),
        1,
        -1.9,
        -6.8,
        {"size": 0.2, "eos_client": 0.5, "own_M365": -2.0, "own_O365": -0.8, "google": -0.3},
        sales_days=30.0,
    ),
    DemoProduct(
        "Surface",
        "Devices",
        ("devices", "remote_work"),
        (
            Sku("Pro", 1300.0, 0.5, 0.5),
            Sku("Laptop", 1200.0, 0.35, 0.4),
            Sku("Go", 600.0, 0.15, 0.1),
        ),
        (0.05, 0.3),
        1,
        -3.4,
        -6.9,
        {"size": 0.25, "tech": 0.4, "itb": 0.4, "own_M365": 0.5, "eos_client": 0.8, "growth": 0.8},
        sales_days=25.0,
        kind="device",
    ),
    DemoProduct(
        "D365BC",
        "Business Applications",
        ("accounting", "erp"),
        (Sku("Essentials", 70.0, 0.7, 0.5), Sku("Premium", 100.0, 0.3, 0.5)),
        (0.05, 0.2),
        1,
        -4.1,
        -6.8,
        {
            "mid": 1.0,
            "size": -0.2,
            "legacy_acct": 1.0,
            "own_D365BC": -1.0,
            "own_D365FO": -2.0,
            "growth": 0.7,
            "renewal": 0.3,
        },
        sales_days=60.0,
    ),
    DemoProduct(
        "D365FO",
        "Business Applications",
        ("erp", "analytics"),
        (Sku("Finance", 180.0, 0.6, 0.6), Sku("Supply Chain", 180.0, 0.4, 0.4)),
        (0.05, 0.15),
        5,
        -5.2,
        -8.4,
        {"size": 0.85, "own_D365BC": 0.9, "own_D365FO": -1.0, "itb": 0.3, "renewal": 0.3},
        sales_days=110.0,
    ),
    DemoProduct(
        "D365CE",
        "Business Applications",
        ("crm", "analytics"),
        (Sku("Sales Professional", 65.0, 0.6, 0.4), Sku("Sales Enterprise", 105.0, 0.4, 0.6)),
        (0.05, 0.25),
        1,
        -3.8,
        -7.2,
        {
            "size": 0.45,
            "tech": 0.3,
            "salesforce": -0.5,
            "own_M365": 0.4,
            "own_D365CE": -1.0,
            "growth": 0.6,
            "renewal": 0.3,
        },
        sales_days=70.0,
    ),
    DemoProduct(
        "PowerApps",
        "Business Applications",
        ("low_code", "analytics"),
        (Sku("Per App", 5.0, 0.5, 0.4), Sku("Per User", 20.0, 0.5, 0.6)),
        (0.05, 0.5),
        1,
        -4.6,
        -7.2,
        {
            "size": 0.35,
            "tech": 0.5,
            "own_M365": 0.8,
            "own_D365CE": 0.5,
            "own_PowerApps": -0.8,
            "itb": 0.3,
        },
        sales_days=40.0,
    ),
    DemoProduct(
        "Azure",
        "Azure",
        ("cloud_migration", "data_centre", "virtualisation", "security", "analytics"),
        (Sku("Azure Plan", 0.12, 1.0, 1.0),),
        (0.0, 0.0),
        1,
        -3.5,
        -7.1,
        {
            "size": 0.45,
            "tech": 0.7,
            "itb": 0.5,
            "eos_server": 0.8,
            "vmware": 0.6,
            "aws": -0.4,
            "own_Azure": -0.3,
            "own_M365": 0.3,
            "renewal": 0.4,
        },
        sales_days=50.0,
        kind="consumption",
    ),
)
PRODUCT_IDS: tuple[str, ...] = tuple(p.id for p in PRODUCTS)
DIVISIONS: tuple[str, ...] = ("Modern Work", "Business Applications", "Azure", "Devices")

# Weights of the hidden factors; kept apart from the observed ones above so that the share of
# the propensity a model can learn is a single, visible choice.
HIDDEN_BUDGET = 0.4
HIDDEN_CHAMPION = 0.35
HIDDEN_MATURITY = 0.35
TIMING_SD = 0.9
TIMING_RHO = 0.5


@dataclass(frozen=True)
class Tech:
    technology: str
    version: str
    group: str  # install-base feature group ("" when it drives nothing)
    eos: bool
    base: float  # logit intercept of running it
    size: float  # weight of standardised log head count
    maturity: float  # weight of the hidden digital maturity
    age: float  # weight of standardised company age
    tech: float  # weight of industry software intensity
    per_employee: float  # licences per employee (0: server-style count)
    retire: float  # probability it was retired before the period
    released: int  # year it was first available


TECHS: tuple[Tech, ...] = (
    Tech("Windows", "7", "eos_client", True, -2.0, 0.2, -0.8, 0.5, 0.0, 0.3, 0.45, 2009),
    Tech("Office", "2010", "eos_client", True, -2.2, 0.2, -0.7, 0.5, 0.0, 0.4, 0.35, 2010),
    Tech("Office", "2013", "eos_client", True, -1.6, 0.3, -0.5, 0.3, 0.0, 0.5, 0.25, 2013),
    Tech("SQL Server", "2008", "eos_server", True, -3.2, 0.7, -0.5, 0.4, 0.2, 0.0, 0.3, 2008),
    Tech("SQL Server", "2008 R2", "eos_server", True, -3.0, 0.7, -0.5, 0.4, 0.2, 0.0, 0.3, 2010),
    Tech("SQL Server", "2012", "eos_server", True, -2.6, 0.7, -0.4, 0.3, 0.2, 0.0, 0.2, 2012),
    Tech("Windows Server", "2008", "eos_server", True, -3.0, 0.8, -0.6, 0.5, 0.0, 0.0, 0.35, 2008),
    Tech(
        "Windows Server", "2008 R2", "eos_server", True, -2.7, 0.8, -0.6, 0.5, 0.0, 0.0, 0.3, 2009
    ),
    Tech("Windows Server", "2012", "eos_server", True, -2.4, 0.8, -0.4, 0.3, 0.0, 0.0, 0.2, 2012),
    Tech(
        "Windows Server", "2012 R2", "eos_server", True, -2.0, 0.8, -0.3, 0.3, 0.0, 0.0, 0.15, 2013
    ),
    Tech("Windows", "10", "", False, 0.6, 0.2, 0.2, 0.0, 0.2, 0.6, 0.1, 2015),
    Tech("Windows", "11", "", False, -0.6, 0.3, 0.7, -0.2, 0.3, 0.5, 0.0, 2021),
    Tech("Windows Server", "2019", "", False, -1.8, 0.9, 0.4, 0.0, 0.3, 0.0, 0.05, 2018),
    Tech("Windows Server", "2022", "", False, -2.2, 0.9, 0.7, -0.2, 0.3, 0.0, 0.0, 2021),
    Tech("SQL Server", "2019", "", False, -2.4, 0.9, 0.4, 0.0, 0.4, 0.0, 0.05, 2019),
    Tech(
        "Google Workspace",
        "Business Standard",
        "google",
        False,
        -1.7,
        -0.2,
        0.5,
        -0.4,
        0.6,
        0.8,
        0.1,
        2016,
    ),
    Tech("AWS", "EC2", "aws", False, -2.6, 0.5, 0.7, -0.3, 1.2, 0.0, 0.05, 2010),
    Tech("Zoom", "Pro", "", False, -1.0, 0.2, 0.3, 0.0, 0.3, 0.3, 0.15, 2018),
    Tech("QuickBooks", "Online", "legacy_acct", False, -1.0, -0.7, 0.0, 0.0, 0.0, 0.05, 0.1, 2014),
    Tech("Sage", "50", "legacy_acct", False, -2.0, -0.3, -0.4, 0.3, 0.0, 0.05, 0.1, 2012),
    Tech(
        "Salesforce", "Sales Cloud", "salesforce", False, -2.8, 0.7, 0.5, 0.0, 0.5, 0.1, 0.1, 2012
    ),
    Tech("Slack", "Pro", "slack", False, -2.0, 0.0, 0.6, -0.3, 0.9, 0.7, 0.1, 2016),
    Tech("VMware vSphere", "7.0", "vmware", False, -2.8, 1.0, 0.2, 0.2, 0.4, 0.0, 0.1, 2020),
    Tech("Dropbox", "Business", "", False, -2.0, -0.1, 0.3, 0.0, 0.4, 0.6, 0.2, 2014),
)
TECH_GROUPS: tuple[str, ...] = (
    "eos_client",
    "eos_server",
    "google",
    "aws",
    "legacy_acct",
    "salesforce",
    "slack",
    "vmware",
)
