"""Serve: the partner dashboard, the REST API and the downloads, reading only published
snapshots, every read scoped to the viewer's partner, locations and role.

>>> users = demo_users(cfg)             # doctest: +SKIP
>>> print(format_users(users))          # doctest: +SKIP
>>> run(cfg)                            # doctest: +SKIP  (serves on [serve] host:port)

``create_app(cfg)`` gives the ASGI application itself; ``DataAccess`` is the one data-access
layer (every method takes a :class:`Viewer`).
"""

from fitintent.serve._app import create_app
from fitintent.serve._data import DataAccess, Forbidden, NotFound
from fitintent.serve._exports import safe_filename, write_dataset
from fitintent.serve._query import AccountQuery, Page
from fitintent.serve._server import DemoUser, demo_users, format_users, run, users_db
from fitintent.serve._users import ROLES, User, UserError, UserStore
from fitintent.serve._viewer import Viewer, restricted

__all__ = [
    "ROLES",
    "AccountQuery",
    "DataAccess",
    "DemoUser",
    "Forbidden",
    "NotFound",
    "Page",
    "User",
    "UserError",
    "UserStore",
    "Viewer",
    "create_app",
    "demo_users",
    "format_users",
    "restricted",
    "run",
    "safe_filename",
    "users_db",
    "write_dataset",
]
