"""The account list behind :meth:`fitintent.serve.DataAccess.accounts` (called by it only, with
the viewer already resolved): filters, search, play flags, sorting and paging, in one SQL
condition built from the viewer's scope and the request's validated values.

When the snapshot's cache has its row file (``_rows``), the common request (one partner's or
some of its locations' accounts of one product, plain filters or a search, sorted by default or
by a column) is answered from that file alone: the partner's span of rows, masked by the filters,
is the list in its default order, and a column sort reorders just those rows. Any other request
(a play flag, a vendor admin's list across partners) is read in two steps: DuckDB counts the
matches and picks the page's row numbers, reading only the filter and sort columns, and the full
rows come from the row file by number. Every row read from the file is checked again against the
viewer's scope (and, in two steps, against the account the query picked), so a file out of step
with its table fails loudly instead of showing someone else's account.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from fitintent.serve._cache import SnapshotData, quote
from fitintent.serve._query import BOOL_FILTERS, EQUAL_FILTERS, AccountQuery, Page, in_scope, scope
from fitintent.serve._viewer import Viewer

# columns of the listing that are for ordering and lookup, not for showing
INTERNAL = ("cluster_rank", "rid")
DEFAULT_ORDER = "cluster_rank, intent DESC NULLS LAST, fit DESC NULLS LAST, account_id"
_CHECKED = ("account_id", "partner_id", "location_id")


class RowsOutOfStep(RuntimeError):
    """The row file and the listing table disagree (a damaged cache; delete it to rebuild)."""


def page(
    d: SnapshotData,
    viewer: Viewer,
    q: AccountQuery,
    product: str | None,
    size: int,
    columns: Sequence[str] | None,
) -> Page:
    scored = d.has("listing")
    table = "listing" if scored else "accounts"
    have = d.columns(table)
    where, params = scope(viewer)
    clauses, notes = [where], []
    if scored:
        clauses.append("product = ?")
        params.append(product)
    else:
        notes.append("no scores in this snapshot")
    for name in EQUAL_FILTERS:
        value = getattr(q, name)
        if value is not None and name != "product" and name in have:
            clauses.append(f"{quote(name)} = ?")
            params.append(value)
    for name in BOOL_FILTERS:
        value = getattr(q, name)
        if value is not None and name in have:
            clauses.append(f"{quote(name)} = ?")
            params.append(value)
    if q.q:
        needle = q.q.lower()
        clauses.append("(contains(lower(account_name), ?) OR contains(lower(domain), ?))")
        params += [needle, needle]
    if q.flag is not None:
        flags = d.columns("account_flags")
        if q.flag not in flags or q.flag in _CHECKED:
            clauses.append("FALSE")
            notes.append("unknown play flag")
        else:
            fw, fp = scope(viewer)
            clauses.append(
                "account_id IN (SELECT account_id FROM account_flags"
                f" WHERE {fw} AND COALESCE(TRY_CAST({quote(q.flag)} AS DOUBLE), 0) > 0)"
            )
            params += fp
    shown = viewer.visible(
        [c for c in have if c not in INTERNAL and (viewer.is_admin or c != "partner_id")]
    )
    if columns is not None:
        shown = [c for c in columns if c in shown]
    sort = q.sort if q.sort is not None and q.sort in shown else None
    if sort is not None:
        order = f"{quote(sort)} {'DESC' if q.desc else 'ASC'} NULLS LAST, account_id"
    elif scored:
        order = DEFAULT_ORDER
    else:
        order = "account_name, account_id"
    offset = (q.page - 1) * size
    if scored and q.flag is None:
        listed = _from_span(d, viewer, q, product, have)
        if listed is not None and d.rows is not None and sort is not None:
            listed = d.rows.ordered(listed, sort, q.desc)
        if listed is not None:
            rids = listed[offset : offset + size].tolist()
            rows = _read(d, viewer, rids, None, shown)
            return Page(shown, rows, len(listed), q.page, size, notes)
    cond = " AND ".join(clauses)
    cur = d.cursor()
    total = cur.execute(f"SELECT count(*) FROM {table} WHERE {cond}", params).fetchone()
    paging = [*params, size, offset]
    if scored and d.rows is not None:
        keys = cur.execute(
            f"SELECT rid, account_id FROM listing WHERE {cond} ORDER BY {order} LIMIT ? OFFSET ?",
            paging,
        ).fetchall()
        rows = _read(d, viewer, [k[0] for k in keys], [k[1] for k in keys], shown)
    else:
        cols = ", ".join(quote(c) for c in shown)
        found = cur.execute(
            f"SELECT {cols} FROM {table} WHERE {cond} ORDER BY {order} LIMIT ? OFFSET ?", paging
        ).fetchall()
        rows = [dict(zip(shown, r, strict=True)) for r in found]
    return Page(
        columns=shown,
        rows=rows,
        total=int(total[0]) if total else 0,
        page=q.page,
        page_size=size,
        notes=notes,
    )


def _from_span(
    d: SnapshotData, viewer: Viewer, q: AccountQuery, product: str | None, have: list[str]
) -> np.ndarray | None:
    """Row numbers of the whole filtered list in order, from the partner's span; None when the
    request needs DuckDB (a vendor admin's list spans every partner)."""
    if d.rows is None or viewer.is_admin or viewer.partner_id is None:
        return None
    span = d.rows.span(viewer.partner_id, product)
    if span is None:
        return None
    equal: dict[str, str | bool] = {}
    for name in (*EQUAL_FILTERS, *BOOL_FILTERS):
        value = getattr(q, name)
        if value is not None and name != "product" and name in have:
            equal[name] = value
    return d.rows.matching(span, equal, viewer.locations, q.q.lower() if q.q else None)


def _read(
    d: SnapshotData,
    viewer: Viewer,
    rids: list[int],
    accounts: list[str] | None,
    shown: list[str],
) -> list[dict[str, object]]:
    assert d.rows is not None
    wanted = [*shown, *(c for c in _CHECKED if c not in shown)]
    read = d.rows.rows(rids, wanted)
    for i, row in enumerate(read):
        if accounts is not None and row["account_id"] != accounts[i]:
            raise RowsOutOfStep(f"{d.rows.path.name} does not match its listing")
        if not in_scope(viewer, row["partner_id"], row["location_id"]):
            raise RowsOutOfStep(f"{d.rows.path.name} holds a row outside the query's scope")
    return [{c: row[c] for c in shown} for row in read]
