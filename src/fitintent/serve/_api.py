"""The REST API (``/api/v1``, described at ``/api/openapi.json``): the same data, scoping and
field rules as the pages. Send ``Authorization: Bearer <token>`` (``fitintent users token``) or
use a signed-in browser session (then a POST carries the ``X-CSRF-Token`` header)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from fitintent.serve._app import Services, api_auth, jsonable, services
from fitintent.serve._data import API_COLUMNS, Forbidden
from fitintent.serve._query import AccountQuery
from fitintent.serve._security import Auth

router = APIRouter(prefix="/api/v1", tags=["v1"])
Period = Annotated[
    str | None, Query(pattern=r"^\d{4}-\d{2}$", description="Snapshot YYYY-MM (default latest)")
]
Caller = Annotated[Auth, Depends(api_auth)]
Svc = Annotated[Services, Depends(services)]


class ExportRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dataset: str = Field(max_length=40, description="a name from /api/v1/datasets")
    format: str = Field(default="csv", pattern=r"^(csv|tsv|xlsx)$")
    period: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}$")


def _json(value: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(jsonable(value), status_code=status)


@router.get("/snapshots", summary="Published snapshots, newest first")
def snapshots(svc: Svc, auth: Caller) -> JSONResponse:
    snaps = svc.data.snapshots()
    return _json(
        [
            {"period": s.period, "published_at": s.manifest.get("published_at")}
            for s in reversed(snaps)
        ]
    )


@router.get("/summary", summary="Summary tiles, customers by SMB type, clusters per product")
def summary(svc: Svc, auth: Caller, period: Period = None) -> JSONResponse:
    return _json(svc.data.summary(auth.viewer, period))


@router.get("/matrix", summary="Accounts per fit x intent cell of one product")
def matrix(
    svc: Svc,
    auth: Caller,
    period: Period = None,
    product: Annotated[str | None, Query(max_length=60)] = None,
) -> JSONResponse:
    products = svc.data.products(period)
    chosen = product if product in products else (products[0] if products else "")
    return _json(svc.data.matrix(auth.viewer, period, chosen))


Fields = Annotated[
    str | None,
    Query(
        max_length=2000,
        description="Comma-separated fields to return, or * for every field the caller may"
        " receive; default: the account list's columns. Fields the caller may not receive are"
        " left out, as everywhere else.",
    ),
]


@router.get("/accounts", summary="Accounts with filters, sorting and paging")
def accounts(
    svc: Svc,
    auth: Caller,
    query: Annotated[AccountQuery, Query()],
    period: Period = None,
    fields: Fields = None,
) -> JSONResponse:
    if fields is None or not fields.strip():
        columns: tuple[str, ...] | None = API_COLUMNS
    elif fields.strip() == "*":
        columns = None
    else:
        columns = tuple(dict.fromkeys(f.strip() for f in fields.split(",") if f.strip()))
    return _json(svc.data.accounts(auth.viewer, period, query, columns).json())


@router.get("/accounts/{account_id}", summary="One account: scores, reasons, plays, history")
def account(svc: Svc, auth: Caller, account_id: str, period: Period = None) -> JSONResponse:
    return _json(svc.data.account(auth.viewer, period, account_id[:64]))


@router.get("/datasets", summary="Datasets the caller may download")
def datasets(svc: Svc, auth: Caller, period: Period = None) -> JSONResponse:
    return _json(
        [
            {"name": d.name, "label": d.label, "formats": list(d.formats)}
            for d in svc.exports.datasets(auth.viewer, period)
        ]
    )


@router.post("/exports", summary="Build a dataset file in the background", status_code=202)
def start_export(request: Request, svc: Svc, auth: Caller, body: ExportRequest) -> JSONResponse:
    if not svc.guard.csrf_ok(request, auth, None):
        raise Forbidden("missing or wrong CSRF token")
    job = svc.exports.start(auth.viewer, body.period, body.dataset, body.format)
    client = request.client.host if request.client else ""
    svc.store.audit(auth.viewer.username, "export", f"{body.dataset} {body.format}", client)
    return _json(job, 202)


@router.get("/exports", summary="The caller's downloads")
def exports(svc: Svc, auth: Caller) -> JSONResponse:
    return _json(svc.exports.jobs(auth.viewer))


@router.get("/exports/{job}", summary="Progress of one download")
def export(svc: Svc, auth: Caller, job: str) -> JSONResponse:
    return _json(svc.exports.job(auth.viewer, job))


@router.get("/exports/{job}/file", summary="The finished file", response_class=FileResponse)
def export_file(request: Request, svc: Svc, auth: Caller, job: str) -> FileResponse:
    path, name, media = svc.exports.file(auth.viewer, job)
    client = request.client.host if request.client else ""
    svc.store.audit(auth.viewer.username, "download", name, client)
    return FileResponse(path, media_type=media, filename=name)
