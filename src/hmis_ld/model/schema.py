"""The declarative model: one table per HMIS CSV file, loaded from `ontology/model.json`.

Everything that needs field lists (JSON, JSON-LD, CSV, OpenAPI, SHACL) reads them here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property

from hmis_ld.model.ownership import Ownership, ParentFact
from hmis_ld.resources import resource_path

HMIS = "urn:hud:hmis:owl#"
EXT = "urn:hmis-ld:ext#"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
# Fields a child restates on its parent while it is not deleted, so a scenario reads one triple
# on the parent instead of following the link to each child: an enrollment's exit date, which
# the active and exit filters test on every enrollment they scan, and a project's funder codes,
# which scenarios 6 and 8 look projects up by. (child table, its field naming the parent, the
# field restated, the parent's predicate).
RESTATED = (
    ("Exit", "EnrollmentID", "ExitDate", EXT + "exitDate"),
    ("Funder", "ProjectID", "Funder", EXT + "funder"),
)
# Columns the server sets on every write, never a request body. HUD's files do not mark them (the
# OWL's hmis:Metadata also holds DataCollectionStage and InformationDate, which a body sets).
SYSTEM_FIELDS = ("DateCreated", "DateUpdated", "UserID", "DateDeleted", "ExportID")
# When an enrollment may be active, which its own record and its Exit's decide together: every
# write of either rewrites it (model.activity).
ACTIVE_UNTIL = EXT + "activeUntil"
# The ClientID a record had when ClientIDs were a plain hash of its IRI: kept by `hmis-ld
# upgrade` so that identifiers already handed out keep resolving.
FORMER_CLIENT_ID = EXT + "formerClientID"


@dataclass(frozen=True)
class Field:
    name: str
    iri: str
    datatype: str
    max_length: int | None
    required: bool
    code_list: str | None
    data_element: str | None
    pii: bool
    pattern: str | None  # anchored regex a string value must match (HUD's notes)

    @cached_property
    def kind(self) -> str:
        """`integer`, `date`, `dateTime`, `decimal` or `string`."""
        return self.datatype.removeprefix(XSD)


@dataclass(frozen=True)
class Link:
    """A column that names another record (e.g. Enrollment.ProjectID -> Project)."""

    field: str
    target: str
    up: str  # child -> parent, in our extension namespace
    down: str | None  # parent -> child, HUD's object property when the OWL has one


@dataclass(frozen=True)
class CodeList:
    id: str
    iri: str
    codes: dict[str, str]


@dataclass(frozen=True, eq=False)
class Table:
    """Tables are the model's singletons: compared and hashed by identity, so the per-record
    caches keyed by table cost a pointer hash, not a hash of every field."""

    name: str
    cls: str
    classes: tuple[str, ...]
    key: str
    fields: tuple[Field, ...]
    links: tuple[Link, ...]
    scope: str  # directory | project | meta | users

    @cached_property
    def by_name(self) -> dict[str, Field]:
        return {f.name: f for f in self.fields}

    @cached_property
    def by_iri(self) -> dict[str, Field]:
        return {f.iri: f for f in self.fields}

    @property
    def key_field(self) -> Field:
        return self.fields[0]

    @cached_property
    def link_by_field(self) -> dict[str, Link]:
        return {link.field: link for link in self.links}

    @cached_property
    def pii_fields(self) -> tuple[str, ...]:
        """Names, SSN and DOB: the fields kept in the PII graph, whose reads are audited."""
        return tuple(f.name for f in self.fields if f.pii)

    @property
    def has_pii(self) -> bool:
        """Its records then also have a document in the PII graph beside their own."""
        return bool(self.pii_fields)


@dataclass(frozen=True)
class Model:
    tables: dict[str, Table]
    code_lists: dict[str, CodeList]
    extension_terms: dict[str, str] = field(default_factory=dict)

    @cached_property
    def by_class(self) -> dict[str, Table]:
        """Tables by primary class IRI: reads that find records by rdf:type name their table this way."""
        return {t.cls: t for t in self.tables.values()}

    @cached_property
    def down_links(self) -> frozenset[str]:
        """HUD's parent->child properties; such a triple belongs to the child record."""
        return frozenset(link.down for t in self.tables.values() for link in t.links if link.down)

    @cached_property
    def ownership(self) -> Ownership:
        """The triples on other records that belong to a record: HUD's parent -> child links
        and the fields restated on parents (RESTATED); and the facts no record owns."""
        facts = []
        for child, link, restated, predicate in RESTATED:
            table = self.tables[child]
            down = table.link_by_field[link].down
            if down is None:
                raise ValueError(f"{child}.{link} has no parent -> child property to restate {restated} along")
            facts.append(ParentFact(predicate, down, table.by_name[restated].iri, table.by_name["DateDeleted"].iri))
        return Ownership(self.down_links, tuple(facts), frozenset({ACTIVE_UNTIL}), frozenset({FORMER_CLIENT_ID}))


def load_model() -> Model:
    raw = json.loads(resource_path("ontology", "model.json").read_text(encoding="utf-8"))
    tables = {}
    for t in raw["tables"]:
        tables[t["name"]] = Table(
            name=t["name"],
            cls=t["class"],
            classes=tuple(t["classes"]),
            key=t["key"],
            fields=tuple(
                Field(
                    name=f["name"], iri=f["iri"], datatype=f["datatype"], max_length=f["max_length"],
                    required=f["required"], code_list=f["code_list"], data_element=f["data_element"],
                    pii=f["pii"], pattern=f["pattern"],
                )
                for f in t["fields"]
            ),
            links=tuple(Link(**link) for link in t["links"]),
            scope=t["scope"],
        )
    code_lists = {
        list_id: CodeList(list_id, c["iri"], {e["code"]: e["label"] for e in c["codes"]})
        for list_id, c in raw["code_lists"].items()
    }
    return Model(tables=tables, code_lists=code_lists, extension_terms=raw["extension_terms"])


MODEL = load_model()
