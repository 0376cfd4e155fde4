"""The downloadable datasets, with the original program's column names (SPEC section 6).

* ``<family>`` (one per product family, e.g. ``productivity``): a row per (partner, account) with
  the account's fields, then ``<P>Fit``, ``<P>Intent``, ``<P>Cluster`` for each product of the
  family, the play flags, HasGoogle, HasAWS, HasEA, HasOpen, AzureUpsellCustomer,
  M365UpsellCustomer;
* ``agreements``: the account's fields and each expiring agreement (LicenseProgram, AgreementID,
  AgreementEndDate, ExpirationType, ExpiringRevenue, RevSumDivisionName);
* ``propensity``: the *Propensity model*: every account x product with its scores and the
  estimated whitespace revenue;
* ``eos``: install base past or near end of support;
* ``workbook`` (Excel only): tabs Summary, Propensity model, one per product, Agreements, EOS.

A column the viewer may not receive (:meth:`Viewer.allowed`, judged on both the source field and
the header) is left out of the query, so it is absent from the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fitintent.config import Config
from fitintent.serve._cache import SnapshotData, quote
from fitintent.serve._query import scope
from fitintent.serve._viewer import Viewer

FORMATS = {"csv": "text/csv", "tsv": "text/tab-separated-values", "xlsx": None}
ACCOUNT_COLUMNS = (
    ("MPNID", "partner_id"),
    ("PartnerName", "partner_name"),
    ("CustomerID", "account_id"),
    ("DUNSNumber", "duns"),
    ("AccountName", "account_name"),
    ("Domain", "domain"),
    ("OrgSize", "employees"),
    ("Industry", "industry"),
    ("Vertical", "vertical"),
    ("Area", "area"),
    ("Subsidiary", "subsidiary"),
    ("SalesTerritory", "sales_territory"),
    ("City", "city"),
    ("State", "state"),
    ("PostalCode", "postal_code"),
    ("Country", "country"),
    ("Segment", "segment"),
    ("SubSegment", "sub_segment"),
    ("SMCTypeSummary", "smb_type_summary"),
    ("TopUnmanagedComputeBase", "top_unmanaged_compute"),
    ("TopUnmanagedUserBase", "top_unmanaged_user"),
    ("IsNonProfit", "is_non_profit"),
)
LAST_FLAGS = (
    "HasGoogle",
    "HasAWS",
    "HasEA",
    "HasOpen",
    "AzureUpsellCustomer",
    "M365UpsellCustomer",
)
AGREEMENT_COLUMNS = (
    ("LicenseProgram", "license_program"),
    ("AgreementID", "agreement_id"),
    ("AgreementEndDate", "end_date"),
    ("ExpiringRevenue", "expiring_revenue"),
    ("RevSumDivisionName", "product_division"),
    ("RenewLikelihood", "renew_likelihood"),
)
PROPENSITY_COLUMNS = (
    ("Product", "s", "product"),
    ("Fit", "s", "fit"),
    ("Intent", "s", "intent"),
    ("Propensity", "s", "propensity"),
    ("FitBand", "s", "fit_band"),
    ("IntentBand", "s", "intent_band"),
    ("Cell", "s", "cell"),
    ("Cluster", "s", "cluster"),
    ("Owned", "p", "owned"),
    ("Whitespace", "p", "whitespace"),
    ("WhitespaceKind", "p", "whitespace_kind"),
    ("EstimatedWhitespaceRevenue", "p", "whitespace_revenue"),
    ("Upsell", "p", "upsell"),
    ("UpsellPropensity", "p", "upsell_propensity"),
)
PRODUCT_EXTRA = (
    ("FitReasons", "s", "fit_reasons"),
    ("IntentReasons", "s", "intent_reasons"),
    ("PreviousCluster", "s", "previous_cluster"),
    ("EnteredActNow", "s", "entered_act_now"),
    ("SKU", "p", "sku"),
    ("UpsellSKU", "p", "upsell_sku"),
)
EOS_COLUMNS = (
    ("Technology", "technology"),
    ("Version", "version"),
    ("LicenceCount", "licence_count"),
    ("EndOfSupport", "end_of_support"),
    ("Family", "family"),
    ("SalesPlay", "sales_play"),
    ("Replacement", "replacement"),
    ("PastEndOfSupport", "eos"),
    ("ApproachingEndOfSupport", "approaching_eos"),
    ("ReplacementFit", "replacement_fit"),
    ("ReplacementIntent", "replacement_intent"),
    ("ReplacementCluster", "replacement_cluster"),
    ("WithPropensity", "with_propensity"),
)


@dataclass
class Part:
    """One sheet of a download: its headers and the scoped query that fills it."""

    sheet: str
    headers: list[str] = field(default_factory=list)
    select: list[str] = field(default_factory=list)
    params: list[object] = field(default_factory=list)
    source: str = ""
    where: str = "TRUE"
    order: str = ""

    def add(self, header: str, expr: str, *params: object) -> None:
        self.headers.append(header)
        self.select.append(f"{expr} AS {quote(header)}")
        self.params += params

    def sql(self) -> tuple[str, list[object]]:
        order = f" ORDER BY {self.order}" if self.order else ""
        sql = f"SELECT {', '.join(self.select)} FROM {self.source} WHERE {self.where}{order}"
        return sql, self.params

    def count_sql(self) -> tuple[str, list[object]]:
        # the select list's parameters are not in the count query
        n = sum(s.count("?") for s in self.select)
        return f"SELECT count(*) FROM {self.source} WHERE {self.where}", self.params[n:]


@dataclass(frozen=True)
class Dataset:
    name: str
    label: str
    formats: tuple[str, ...]


def families(cfg: Config, d: SnapshotData) -> dict[str, list[str]]:
    have = set(d.products)
    out: dict[str, list[str]] = {}
    for p in cfg.products:
        if p.id in have:
            out.setdefault(p.family, []).append(p.id)
    return out


def catalog(cfg: Config, d: SnapshotData) -> list[Dataset]:
    both = ("csv", "tsv", "xlsx")
    out = [
        Dataset(fam, f"{fam.capitalize()} ({', '.join(ps)})", both)
        for fam, ps in families(cfg, d).items()
    ]
    if d.has("renewals") or d.has("agreements"):
        out.append(Dataset("agreements", "Agreements", both))
    if d.has("scores"):
        out.append(Dataset("propensity", "Propensity model", both))
        out.append(Dataset("workbook", "Workbook (all tabs)", ("xlsx",)))
    if d.has("eos"):
        out.append(Dataset("eos", "End of support", both))
    return out


def parts(cfg: Config, d: SnapshotData, viewer: Viewer, dataset: str) -> list[Part]:
    """The sheets of ``dataset`` for this viewer (the Summary tab is added by the writer)."""
    fams = families(cfg, d)
    if dataset in fams:
        return [_family(d, viewer, dataset, fams[dataset])]
    if dataset == "agreements":
        return [_agreements(d, viewer)]
    if dataset == "propensity":
        return [_propensity(d, viewer, "Propensity model", None)]
    if dataset == "eos":
        return [_eos(d, viewer)]
    if dataset == "workbook":
        sheets = [_propensity(d, viewer, "Propensity model", None)]
        sheets += [_propensity(d, viewer, p, p) for ps in fams.values() for p in ps]
        if d.has("renewals") or d.has("agreements"):
            sheets.append(_agreements(d, viewer))
        if d.has("eos"):
            sheets.append(_eos(d, viewer))
        return sheets
    raise KeyError(dataset)


def _start(d: SnapshotData, viewer: Viewer, sheet: str, source: str) -> Part:
    part = Part(sheet)
    part.source = source
    _accounts(part, d, viewer)
    return part


def _accounts(part: Part, d: SnapshotData, viewer: Viewer) -> None:
    have = set(d.columns("accounts"))
    names = "partner_name" in d.columns("summary_partner")
    for header, column in ACCOUNT_COLUMNS:
        if not (viewer.allowed(column) and viewer.allowed(header)):
            continue
        if column == "partner_name" and names:
            part.add(header, "sp.partner_name")
        elif column in have:
            part.add(header, f"a.{quote(column)}")
    if names:
        part.source += " LEFT JOIN summary_partner sp ON sp.partner_id = a.partner_id"


def _finish(part: Part, viewer: Viewer, order: str) -> Part:
    where, params = scope(viewer, "a")
    part.where, part.order = where, order
    part.params += params
    return part


def _family(d: SnapshotData, viewer: Viewer, family: str, products: list[str]) -> Part:
    part = _start(d, viewer, family.capitalize(), "accounts a")
    join_params: list[object] = []
    for i, p in enumerate(products):
        alias = f"s{i}"
        part.source += (
            f" LEFT JOIN scores {alias} ON {alias}.account_id = a.account_id"
            f" AND {alias}.product = ?"
        )
        join_params.append(p)
        for suffix, column in (("Fit", "fit"), ("Intent", "intent"), ("Cluster", "cluster")):
            if column in d.columns("scores"):
                part.add(f"{p}{suffix}", f"{alias}.{column}")
    flags = [c for c in d.columns("account_flags") if c not in _KEYS and viewer.allowed(c)]
    if flags:
        part.source += " LEFT JOIN account_flags f ON f.account_id = a.account_id"
        ordered = [c for c in flags if c not in LAST_FLAGS] + [c for c in LAST_FLAGS if c in flags]
        for c in ordered:
            part.add(c, f"f.{quote(c)}")
    part.params += join_params
    return _finish(part, viewer, "a.partner_id, a.account_id")


_KEYS = ("account_id", "partner_id", "location_id")


def _agreements(d: SnapshotData, viewer: Viewer) -> Part:
    table = "renewals" if d.has("renewals") else "agreements"
    part = _start(
        d, viewer, "Agreements", f"{table} r JOIN accounts a ON a.account_id = r.account_id"
    )
    have = set(d.columns(table))
    fy_end = d.snapshot.manifest.get("fiscal_year", {}).get("end")
    for header, column in AGREEMENT_COLUMNS:
        if column in have and viewer.allowed(column) and viewer.allowed(header):
            part.add(header, f"r.{quote(column)}")
        if header == "AgreementEndDate" and fy_end and "end_date" in have:
            part.add(
                "ExpirationType",
                "CASE WHEN r.end_date <= CAST(? AS DATE) THEN 'Current fiscal year'"
                " ELSE 'Next fiscal year' END",
                fy_end,
            )
    return _finish(part, viewer, "a.partner_id, a.account_id, r.agreement_id")


def _propensity(d: SnapshotData, viewer: Viewer, sheet: str, product: str | None) -> Part:
    part = Part(sheet)
    part.source = "scores s JOIN accounts a ON a.account_id = s.account_id"
    for header, column in (("MPNID", "partner_id"), ("CustomerID", "account_id")):
        part.add(header, f"a.{column}")
    part.add("AccountName", "a.account_name")
    plays = d.has("account_product_plays")
    if plays:
        part.source += (
            " LEFT JOIN account_product_plays p"
            " ON p.account_id = s.account_id AND p.product = s.product"
        )
    have = {"s": set(d.columns("scores")), "p": set(d.columns("account_product_plays"))}
    extra = PRODUCT_EXTRA if product else ()
    for header, alias, column in (*PROPENSITY_COLUMNS, *extra):
        if product and column == "product":
            continue
        if column in have[alias] and viewer.allowed(column) and viewer.allowed(header):
            part.add(header, f"{alias}.{quote(column)}")
    _finish(part, viewer, "a.partner_id, a.account_id, s.product")
    if product:
        part.where += " AND s.product = ?"
        part.params.append(product)
        rank = "s.cluster_order" if "cluster_order" in have["s"] else "s.cluster"
        part.order = f"{rank}, s.intent DESC NULLS LAST, s.fit DESC NULLS LAST, a.account_id"
    return part


def _eos(d: SnapshotData, viewer: Viewer) -> Part:
    part = Part("EOS")
    part.source = "eos e JOIN accounts a ON a.account_id = e.account_id"
    for header, column in (("MPNID", "partner_id"), ("CustomerID", "account_id")):
        part.add(header, f"a.{column}")
    part.add("AccountName", "a.account_name")
    have = set(d.columns("eos"))
    for header, column in EOS_COLUMNS:
        if column in have and viewer.allowed(column) and viewer.allowed(header):
            part.add(header, f"e.{quote(column)}")
    return _finish(part, viewer, "a.partner_id, a.account_id, e.technology, e.version")
