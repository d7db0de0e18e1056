"""Roles and the per-view role declaration every route carries (deny by default)."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask

ROLES = ("social_worker", "manager", "admin")
PUBLIC = "public"
ANY_ROLE = ROLES


def allow(*roles: str) -> Callable:
    """Declare which roles may call a view; views without it are denied to everyone."""
    unknown = set(roles) - set(ROLES) - {PUBLIC}
    if unknown:
        raise ValueError(f"unknown roles {sorted(unknown)}")

    def mark(view):
        view.allowed_roles = frozenset(roles)
        return view

    return mark


def allowed_roles(app: Flask, endpoint: str) -> frozenset[str]:
    """The roles the endpoint admits (empty = nobody), for the checker and the tests."""
    if endpoint == "static":
        return frozenset({PUBLIC})
    view = app.view_functions.get(endpoint)
    return getattr(view, "allowed_roles", frozenset())
