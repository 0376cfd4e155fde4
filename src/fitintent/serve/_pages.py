"""The dashboard's pages: server-rendered HTML, htmx for partial updates, charts from specs in
data attributes (no inline script: the CSP allows scripts from /static only)."""

from __future__ import annotations

import html
from numbers import Real as _Real
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from fitintent.serve import _charts
from fitintent.serve._app import Services, fmt, page_auth, services
from fitintent.serve._data import LIST_COLUMNS, Forbidden
from fitintent.serve._detail import PLAY_LABELS
from fitintent.serve._query import AccountQuery
from fitintent.serve._query import Page as ListPage
from fitintent.serve._security import LOGIN_COOKIE, SESSION_COOKIE, Auth

router = APIRouter(include_in_schema=False)
Period = Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$")]
Product = Annotated[str | None, Query(max_length=60)]
Page = Annotated[Auth, Depends(page_auth)]
Svc = Annotated[Services, Depends(services)]


def render(request: Request, svc: Services, auth: Auth, name: str, **ctx: Any) -> HTMLResponse:
    period = ctx.get("period")
    snaps = svc.data.snapshots()
    base = {
        "viewer": auth.viewer,
        "csrf": auth.csrf or "",
        "periods": [s.period for s in reversed(snaps)],
        "period": period,
        "current": period or (snaps[-1].period if snaps else None),
        "fmt": fmt,
    }
    return svc.templates.TemplateResponse(request, name, {**base, **ctx})


def _csrf(request: Request, svc: Services, auth: Auth, token: str | None) -> None:
    if not svc.guard.csrf_ok(request, auth, token):
        raise Forbidden("the form expired or came from elsewhere; reload the page")


def _client(request: Request) -> str:
    return request.client.host if request.client else ""


# -- sign in and out --------------------------------------------------------------------------
@router.get("/login")
def login_form(request: Request, svc: Svc) -> Response:
    token, cookie = svc.guard.login_token()
    response = svc.templates.TemplateResponse(request, "login.html", {"token": token})
    _set_cookie(response, svc, LOGIN_COOKIE, cookie, 3600)
    return response


@router.post("/login")
def login(
    request: Request,
    svc: Svc,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    def again(message: str, status: int) -> Response:
        token, cookie = svc.guard.login_token()
        ctx = {"token": token, "error": message, "username": username}
        response = svc.templates.TemplateResponse(request, "login.html", ctx, status_code=status)
        _set_cookie(response, svc, LOGIN_COOKIE, cookie, 3600)
        return response

    if not svc.guard.login_token_ok(request, csrf_token):
        return again("The form expired; please sign in again.", 403)
    if svc.guard.blocked(request, username):
        svc.store.audit(username, "login blocked", "too many failed attempts", _client(request))
        return again("Too many failed attempts; wait a few minutes.", 429)
    user = svc.store.authenticate(username, password)
    if user is None:
        svc.guard.failed(request, username)
        svc.store.audit(username, "login failed", "", _client(request))
        return again("Wrong user name or password.", 401)
    svc.guard.succeeded(request, username)
    sid, _ = svc.store.open_session(user, svc.cfg.serve.session_minutes)
    svc.store.audit(user.username, "login", user.scope_label, _client(request))
    response = RedirectResponse("/", status_code=303)
    cookie = svc.guard.session_cookie(sid)
    _set_cookie(response, svc, SESSION_COOKIE, cookie, svc.cfg.serve.session_minutes * 60)
    response.delete_cookie(LOGIN_COOKIE, path="/")
    return response


@router.post("/logout")
def logout(
    request: Request, svc: Svc, auth: Page, csrf_token: Annotated[str, Form(max_length=100)] = ""
) -> Response:
    _csrf(request, svc, auth, csrf_token)
    if auth.sid:
        svc.store.close_session(auth.sid)
    svc.store.audit(auth.viewer.username, "logout", "", _client(request))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _set_cookie(response: Response, svc: Services, name: str, value: str, age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=age,
        httponly=True,
        samesite="lax",
        secure=svc.cfg.serve.cookie_secure,
        path="/",
    )


# -- pages ------------------------------------------------------------------------------------
@router.get("/")
def summary(request: Request, svc: Svc, auth: Page, period: Period = None) -> Response:
    s = svc.data.summary(auth.viewer, period)
    return render(
        request,
        svc,
        auth,
        "summary.html",
        period=period,
        summary=s,
        smb_chart=_charts.smb_types(s["tiles"]),
        cluster_chart=_charts.clusters(s["clusters"], s["cluster_order"]),
    )


@router.get("/matrix")
def matrix(
    request: Request, svc: Svc, auth: Page, period: Period = None, product: Product = None
) -> Response:
    products = svc.data.products(period)
    chosen = product if product in products else (products[0] if products else "")
    m = svc.data.matrix(auth.viewer, period, chosen)
    return render(request, svc, auth, "matrix.html", period=period, matrix=m, products=products)


@router.get("/accounts")
def accounts(
    request: Request,
    svc: Svc,
    auth: Page,
    query: Annotated[AccountQuery, Query()],
    period: Period = None,
) -> Response:
    q = query.cleaned()
    page = svc.data.accounts(auth.viewer, period, q, LIST_COLUMNS)
    products = svc.data.products(period)
    ctx: dict[str, Any] = {
        "period": period,
        "page": page,
        "rows": _rows_html(page, period),
        "query": q,
        "params": {**q.params(), **({"period": period} if period else {})},
        "products": products,
        "options": svc.data.filter_options(auth.viewer, period),
        "product": q.product or (products[0] if products else None),
    }
    partial = bool(request.headers.get("hx-request")) and not request.headers.get("hx-boosted")
    return render(request, svc, auth, "_accounts_table.html" if partial else "accounts.html", **ctx)


_LINKED = frozenset({"account_id", "account_name"})


def _rows_html(page: ListPage, period: str | None) -> list[Markup]:
    """The list's rows as HTML, every cell escaped once here: fifty rows of sixteen cells were
    most of the page's time when the template escaped them one attribute at a time."""
    suffix = f"?period={quote(period)}" if period else ""
    heads = [(c, f'<td data-col="{html.escape(c)}"', c in _LINKED) for c in page.columns]
    out: list[Markup] = []
    for r in page.rows:
        account = str(r.get("account_id", ""))
        href = html.escape(f"/accounts/{quote(account, safe='')}{suffix}")
        link = f'<a href="{href}">'
        cells = [f'<tr data-account="{html.escape(account)}">']
        for c, head, linked in heads:
            v = r[c]
            kind = type(v)
            number = kind in _NUMBERS or (kind is not bool and isinstance(v, _Real))
            num = ' class="num">' if number else ">"
            text = html.escape(fmt(v))
            body = f"{link}{text}</a>" if linked else text
            cells.append(f"{head}{num}{body}</td>")
        cells.append("</tr>")
        out.append(Markup("".join(cells)))
    return out


_NUMBERS = frozenset({int, float})


@router.get("/accounts/{account_id}")
def account(
    request: Request, svc: Svc, auth: Page, account_id: str, period: Period = None
) -> Response:
    detail = svc.data.account(auth.viewer, period, account_id[:64])
    chart = _charts.history(detail["history"])
    return render(request, svc, auth, "account.html", period=period, d=detail, history_chart=chart)


@router.get("/plays")
def plays(
    request: Request,
    svc: Svc,
    auth: Page,
    period: Period = None,
    product: Product = None,
    kind: Annotated[str, Query(max_length=20)] = "targets",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    capacity: Annotated[int | None, Query(ge=1, le=5000)] = None,
) -> Response:
    products = svc.data.products(period)
    chosen = product if product in products else (products[0] if products else None)
    kind = kind if kind in PLAY_LABELS else "targets"
    cap = capacity or svc.cfg.serve.target_capacity
    if kind == "targets":
        result = svc.data.targets(auth.viewer, period, chosen, cap)
    else:
        result = svc.data.plays(auth.viewer, period, kind, chosen, page)
    return render(
        request,
        svc,
        auth,
        "plays.html",
        period=period,
        kind=kind,
        kinds=PLAY_LABELS,
        product=chosen,
        products=products,
        result=result,
        capacity=cap,
    )


@router.get("/health")
def health(request: Request, svc: Svc, auth: Page, period: Period = None) -> Response:
    h = svc.data.health(auth.viewer, period)
    return render(
        request, svc, auth, "health.html", period=period, h=h, win_chart=_charts.win_rates(h)
    )


@router.get("/downloads")
def downloads(request: Request, svc: Svc, auth: Page, period: Period = None) -> Response:
    ctx: dict[str, Any] = {
        "period": period,
        "datasets": svc.exports.datasets(auth.viewer, period),
        "jobs": svc.exports.jobs(auth.viewer),
        "retention": svc.cfg.serve.export_retention_days,
    }
    partial = request.headers.get("hx-request") and request.query_params.get("jobs")
    return render(request, svc, auth, "_jobs.html" if partial else "downloads.html", **ctx)


@router.post("/downloads")
def start_download(
    request: Request,
    svc: Svc,
    auth: Page,
    dataset: Annotated[str, Form(max_length=40)],
    fmt: Annotated[str, Form(max_length=8)],
    period: Annotated[str | None, Form(pattern=r"^\d{4}-\d{2}$")] = None,
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    _csrf(request, svc, auth, csrf_token)
    job = svc.exports.start(auth.viewer, period, dataset, fmt)
    svc.store.audit(
        auth.viewer.username, "export", f"{dataset} {fmt} {job['period']}", _client(request)
    )
    return RedirectResponse("/downloads", status_code=303)


@router.get("/downloads/{job}/file")
def download_file(request: Request, svc: Svc, auth: Page, job: str) -> Response:
    path, name, media = svc.exports.file(auth.viewer, job)
    svc.store.audit(auth.viewer.username, "download", name, _client(request))
    return FileResponse(path, media_type=media, filename=name)


# -- users (vendor admins) --------------------------------------------------------------------
@router.get("/admin/users")
def users(request: Request, svc: Svc, auth: Page) -> Response:
    if not auth.viewer.is_admin:
        raise Forbidden("user management is for vendor admins")
    return render(
        request,
        svc,
        auth,
        "users.html",
        users=svc.store.users(),
        audit=svc.store.audit_log(100),
    )


@router.post("/admin/users/remove")
def remove_user(
    request: Request,
    svc: Svc,
    auth: Page,
    username: Annotated[str, Form(max_length=64)],
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    if not auth.viewer.is_admin:
        raise Forbidden("user management is for vendor admins")
    _csrf(request, svc, auth, csrf_token)
    if username != auth.viewer.username:
        svc.store.remove_user(username)
        svc.store.audit(auth.viewer.username, "user removed", username, _client(request))
    return RedirectResponse("/admin/users", status_code=303)
