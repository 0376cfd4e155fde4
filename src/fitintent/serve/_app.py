"""The web application: pages, REST API, static assets, and the services behind them.

>>> app = create_app(load_config("fitintent.toml"))     # doctest: +SKIP
>>> uvicorn.run(app, host="127.0.0.1", port=8000)        # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader
from starlette.exceptions import HTTPException

from fitintent.config import Config
from fitintent.errors import FitintentError
from fitintent.serve._data import DataAccess, Forbidden, NotFound
from fitintent.serve._exports import Exports
from fitintent.serve._security import Auth, Guard, SecurityHeaders, load_secret
from fitintent.serve._users import ROLES, UserStore

HERE = Path(__file__).parent


class LoginRequired(Exception):
    """A page was asked for without a valid session."""


@dataclass
class Services:
    cfg: Config
    store: UserStore
    data: DataAccess
    guard: Guard
    exports: Exports
    templates: Jinja2Templates

    def close(self) -> None:
        self.exports.close()
        self.data.close()


def _services(request: Request) -> Services:
    svc: Services = request.app.state.services
    return svc


# The dependencies are coroutines so that a request does not hop to a worker thread and back
# for each of them (the hops, and the threads' turns at the interpreter, were most of a cheap
# request's time under load); the token and session lookups are single indexed SQLite reads.
async def services(request: Request) -> Services:
    return _services(request)


async def page_auth(request: Request) -> Auth:
    auth = _services(request).guard.authenticate(request)
    if auth is None:
        raise LoginRequired()
    return auth


async def api_auth(request: Request) -> Auth:
    auth = _services(request).guard.authenticate(request)
    if auth is None:
        raise HTTPException(401, "sign in or send an API token")
    return auth


def fmt(value: Any, digits: int = 1) -> str:
    """A cell as text: numbers grouped, booleans yes/no, missing as a dash."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return "-" if math.isnan(value) else f"{value:,.{digits}f}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


_SCALARS = frozenset({str, int, bool, type(None)})


def jsonable(value: Any) -> Any:
    """Rows as JSON: dates as ISO text, NaN as null."""
    kind = type(value)
    # the common cells first, by exact type: an account list holds a thousand of them
    if kind in _SCALARS:
        return value
    if kind is float:
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _templates() -> Jinja2Templates:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"), autoescape=True, auto_reload=False
    )
    env.filters["fmt"] = fmt
    env.filters["label"] = lambda s: str(s).replace("_", " ").capitalize()
    env.filters["combine"] = lambda a, b: {**a, **b}
    env.filters["timestamp"] = lambda t: dt.datetime.fromtimestamp(t, dt.UTC).strftime(
        "%Y-%m-%d %H:%M:%S"
    )
    env.globals["ROLES"] = ROLES
    return Jinja2Templates(env=env)


def create_app(cfg: Config, store: UserStore | None = None) -> FastAPI:
    state = cfg.serve.state(cfg.paths.workdir)
    store = store or UserStore(state / "users.sqlite")
    data = DataAccess(cfg)
    svc = Services(
        cfg=cfg,
        store=store,
        data=data,
        guard=Guard(cfg.serve, store, load_secret(cfg.serve.secret_key(cfg.paths.workdir))),
        exports=Exports(cfg, store, data, state / "exports"),
        templates=_templates(),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        svc.close()

    app = FastAPI(
        title="fitintent",
        summary="Accounts most likely to buy each product now, scoped to the caller's partner.",
        version="1",
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
        lifespan=lifespan,
    )
    app.state.services = svc
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    _handlers(app)
    from fitintent.serve import _api, _pages

    app.include_router(_pages.router)
    app.include_router(_api.router)
    return app


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _problem(request: Request, status: int, message: str) -> Response:
    if _is_api(request):
        return JSONResponse({"detail": message}, status_code=status)
    return _services(request).templates.TemplateResponse(
        request, "error.html", {"status": status, "message": message}, status_code=status
    )


def _handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        if request.headers.get("hx-request"):
            return Response(status_code=401, headers={"HX-Redirect": "/login"})
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, exc: NotFound) -> Response:
        return _problem(request, 404, str(exc) or "not found")

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, exc: Forbidden) -> Response:
        return _problem(request, 403, str(exc) or "forbidden")

    @app.exception_handler(FitintentError)
    async def _user_error(request: Request, exc: FitintentError) -> Response:
        return _problem(request, 400, str(exc))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        # the offending input is not echoed back
        fields = sorted({".".join(str(x) for x in e.get("loc", ())[1:]) for e in exc.errors()})
        return _problem(request, 400, f"invalid request parameters: {', '.join(fields)}"[:200])

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        response = _problem(request, exc.status_code, str(exc.detail))
        if exc.status_code == 401:
            response.headers["WWW-Authenticate"] = "Bearer"
        return response
