"""An online backup asked for by an administrator: recorded in the audit trail (a backup
holds every record, names and SSNs included), then taken while the store keeps serving."""

from __future__ import annotations

from collections.abc import Iterator

from hmis_ld.authz import Access, audit
from hmis_ld.service.problems import Conflict
from hmis_ld.store import Store
from hmis_ld.store.backup import refusal, tar_stream

BACKUP_RECORD = "store"  # the audit entry's record key: the whole store


def online_backup(store: Store, access: Access) -> Iterator[bytes]:
    """The backup's files as a tar stream; the audit entry is in the backup itself."""
    if (why := refusal(store)) is not None:
        raise Conflict(why)
    store.extend(audit.entry(access, "backup", "Store", [(None, BACKUP_RECORD)], []))
    return tar_stream(store)
