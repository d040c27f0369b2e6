"""OpenAPI fragments the routers share: problem responses, paging and If-Match parameters."""

from __future__ import annotations

from hmis_ld.api import params
from hmis_ld.api.schemas import PROBLEM

_problems = {status: {"description": text, "content": {"application/problem+json": {"schema": PROBLEM}}}
             for status, text in ((400, "Malformed request"), (403, "Your grants do not allow this"),
                                  (404, "No such record, or not visible to you"),
                                  (409, "Identifier already in use"), (412, "If-Match does not match the ETag"),
                                  (422, "The record fails validation; nothing was stored"))}


def problem_responses(*statuses: int, **described: str) -> dict:
    """Problem responses by status; `described` gives a status its own text (`_409="..."`)."""
    texts = {int(k.lstrip("_")): v for k, v in described.items()}
    return {s: {**_problems[s], "description": texts[s]} if s in texts else _problems[s]
            for s in (*statuses, *texts)}


PAGE_PARAMS = [
    {"name": "limit", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1,
                                                                   "maximum": params.MAX_LIMIT}},
    {"name": "cursor", "in": "query", "required": False, "schema": {"type": "string"},
     "description": "opaque; from the previous page's `Link: rel=next`"},
]
IF_MATCH = [{"name": "If-Match", "in": "header", "required": False, "schema": {"type": "string"},
             "description": "the ETag you read; the write fails with 412 if the record changed since"}]
