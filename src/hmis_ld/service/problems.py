"""Failures a caller can act on; the API turns each into RFC 9457 problem details."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldProblem:
    field: str | None
    value: object | None  # None for personal data: a problem never repeats a name, SSN or DOB
    message: str
    severity: str = "Violation"

    def as_json(self) -> dict[str, object]:
        out: dict[str, object] = {"field": self.field, "message": self.message, "severity": self.severity}
        if self.value is not None:
            out["value"] = self.value if isinstance(self.value, int | float | str) else str(self.value)
        return out


class Problem(Exception):
    status = 400
    title = "Bad request"

    def __init__(self, detail: str, errors: list[FieldProblem] | None = None, status: int | None = None):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []
        if status is not None:
            self.status = status


class Invalid(Problem):
    status = 422
    title = "Invalid record"

    def __init__(self, errors: list[FieldProblem], status: int | None = None):
        if status == 403:
            self.title = "Forbidden"
        elif status == 400:
            self.title = "Bad request"
        super().__init__("; ".join(_describe(e) for e in errors), errors, status)


class NotFound(Problem):
    """The same answer whether the record does not exist or the caller may not see it."""

    status = 404
    title = "Not found"

    def __init__(self, table: str, key: str | None = None):
        super().__init__(f"no {table} with that identifier")


class Conflict(Problem):
    status = 409
    title = "Conflict"


class PreconditionFailed(Problem):
    status = 412
    title = "Precondition failed"

    def __init__(self) -> None:
        super().__init__("the record changed since you read it (If-Match does not match its ETag)")


def _describe(p: FieldProblem) -> str:
    return f"{p.field}: {p.message}" if p.field else p.message

