"""Where each table's records are read and written: HUD's v0.2 CRUD draft's collection names
(its mix of singular and plural kept, so clients written against it work). Shared by the CRUD
router and the resolver."""

from __future__ import annotations

from hmis_ld.model import Table

# HUD's collection names where they are not simply the lower-cased file name.
HUD_PATHS = {"Organization": "organizations", "User": "users", "Project": "projects", "Funder": "funders",
             "Client": "clients", "Enrollment": "enrollments"}
ALIASES = {"Event": "events"}  # HUD creates at /event but reads at /events/{EventID}


def collection_paths(table: Table) -> list[str]:
    return [HUD_PATHS.get(table.name, table.name.lower())] + ([ALIASES[table.name]] if table.name in ALIASES else [])
