"""The scope check the routers share: endpoints for one scope (admin, audit, sparql).
Authentication itself, which sets the request's Access, is api.auth."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import Response, g

from hmis_ld.api.problems import problem_response


def forbidden(detail: str = "your credentials do not allow this") -> Response:
    return problem_response(403, "Forbidden", detail)


def require(scope: str) -> Callable:
    """Endpoints for one scope (admin, audit, sparql)."""

    def decorate(fn: Callable) -> Callable:
        @wraps(fn)
        def wrapper(*args: object, **kwargs: object) -> object:
            if scope not in g.access.scopes:
                return forbidden()
            return fn(*args, **kwargs)

        return wrapper

    return decorate
