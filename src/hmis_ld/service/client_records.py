"""One client record by its durable ClientID, as the caller may see it.

The ClientID is looked up among the graphs the caller may look in, and the record is then
read through their dataset: a record of a project they may not see answers exactly as a
ClientID that names nothing, with the same problem.
"""

from __future__ import annotations

from hmis_ld.authz import Access
from hmis_ld.model import MODEL
from hmis_ld.service.identity import Identity
from hmis_ld.service.problems import NotFound
from hmis_ld.service.records import RecordView, read_record

CLIENT = MODEL.tables["Client"]


def read_client_record(identity: Identity, client_id: str, access: Access) -> tuple[RecordView, str]:
    """The record's view and its current ClientID (a ClientID from before `hmis-ld upgrade`
    keyed them resolves to the record, which answers with its keyed one)."""
    store = identity.store
    found = identity.record_by_client_id(client_id, access.lookup_dataset(store))
    view = None
    if found is not None:
        try:
            view = read_record(store, CLIENT, identity.person_of(found.subject), access)
        except NotFound:
            view = None
    if found is None or view is None or found.subject not in view.versions:
        raise NotFound("client record")
    record = view.versions[found.subject]
    return RecordView(CLIENT, view.key, record, [(found.subject, found.graph)], found.subject,
                      {found.subject: record}), found.client_id
