"""Derive the project's model (`ontology/model.json`) from HUD's reference files.

HUD's FY2026 Logic Model OWL gives the IRIs (classes, properties, links); the FY2026
CSV specification decides field names, types, lengths, nullability and code lists.
Only facts are taken (names, IRIs, codes, code labels); no prose is copied.

Usage: python ontology/derive.py [HUD_DIR]   (default: ../shared/hud next to the repo)
The output is committed; the product never reads HUD's files at run time.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

import rdflib
from rdflib import OWL, RDF, RDFS, URIRef
from rdflib.collection import Collection

HUD = "urn:hud:hmis:owl#"
EXT = "urn:hmis-ld:ext#"
XSD = "http://www.w3.org/2001/XMLSchema#"
DCT_IDENTIFIER = URIRef("http://purl.org/dc/terms/identifier")
CSV_TABLE_REF = URIRef(HUD + "CSVTableReference")

# Where a table's records live. Client-level data follows its enrollment's project;
# the rest is either shared reference data or system metadata.
SCOPE_DIRECTORY = {
    "Organization", "Project", "Funder", "ProjectCoC", "Inventory", "Affiliation",
    "HMISParticipation", "CEParticipation",
}
SCOPE_SYSTEM = {"Export": "meta", "User": "users"}
# Columns that carry provenance, not links between records.
NOT_LINKS = {"ExportID", "UserID"}
# Direct identifiers (HMIS 3.01-3.03): stored in the PII graph of the owning scope.
PII_FIELDS = {"FirstName", "MiddleName", "LastName", "NameSuffix", "SSN", "DOB"}
# Format rules written in the spec's notes that must not become a field-wide pattern.
# SourceID's CoC-code format applies only when SourceType = 1, and then as a list.
PATTERN_SKIP = {("Export", "SourceID")}
# The note of EnrollmentCoC writes the digit class as a group, `(0-9)`, which matches the
# literal text "0-9"; the field holds a CoC code, so it takes ProjectCoC.CoCCode's pattern.
PATTERN_SAME_AS = {("Enrollment", "EnrollmentCoC"): ("ProjectCoC", "CoCCode")}
_REGEX_ATOMS = re.compile(r"(?:\[[^\]\s]+\](?:\{\d+(?:,\d+)?\})?)+")


def xsd_type(spec_type: str) -> tuple[str, int | None]:
    if spec_type == "I":
        return XSD + "integer", None
    if spec_type == "D":
        return XSD + "date", None
    if spec_type == "T":
        return XSD + "dateTime", None
    if spec_type in ("M", "M+"):
        return XSD + "decimal", None
    match = re.fullmatch(r"S(\d*)", spec_type)
    if match:
        return XSD + "string", int(match.group(1)) if match.group(1) else None
    raise ValueError(f"unknown CSV type {spec_type!r}")


def note_pattern(notes: str) -> str | None:
    """The regular expression a column's note states, anchored at both ends, if it compiles.

    Notes put a regex among prose, sometimes unanchored or followed by a footnote mark
    (`^[0-9xX]{9}$[2]`); a token counts when it starts with `^` or is a run of character
    classes with a repeat count, like `[0-9]{1,5}`.
    """
    tokens = [
        t for t in notes.split()
        if t.startswith("^") or (_REGEX_ATOMS.fullmatch(t) and "{" in t)
    ]
    if not tokens:
        return None
    core = tokens[-1].removeprefix("^").split("$")[0]
    pattern = f"^{core}$"
    try:
        re.compile(pattern)
    except re.error:
        return None
    return pattern


def apply_pattern_rules(tables: dict[str, dict]) -> None:
    for name, field in PATTERN_SKIP:
        _field(tables, name, field)["pattern"] = None
    for (name, field), (other, other_field) in PATTERN_SAME_AS.items():
        _field(tables, name, field)["pattern"] = _field(tables, other, other_field)["pattern"]


def _field(tables: dict[str, dict], table: str, name: str) -> dict:
    return next(f for f in tables[table]["fields"] if f["name"] == name)


def local_name(iri: str) -> str:
    return re.split(r"[#/]", iri)[-1]


class Owl:
    """The facts of HUD's OWL this derivation needs, indexed."""

    def __init__(self, path: Path):
        g = rdflib.Graph()
        g.parse(path)
        self.g = g
        self.classes_by_table: dict[str, list[str]] = defaultdict(list)
        for cls, table in g.subject_objects(CSV_TABLE_REF):
            self.classes_by_table[str(table).lower()].append(str(cls))
        self.properties: dict[str, str] = {}
        for kind in (OWL.DatatypeProperty, OWL.ObjectProperty):
            for prop in g.subjects(RDF.type, kind):
                if isinstance(prop, URIRef):
                    self.properties[str(prop)] = local_name(str(kind))
        self.domain = {p: {str(d) for d in g.objects(URIRef(p), RDFS.domain)} for p in self.properties}
        self.range = {p: {str(r) for r in g.objects(URIRef(p), RDFS.range)} for p in self.properties}
        self.label = {p: {str(x) for x in g.objects(URIRef(p), RDFS.label)} for p in self.properties}
        self.element = {p: {str(x) for x in g.objects(URIRef(p), DCT_IDENTIFIER)} for p in self.properties}

    def code_datatype_values(self, datatype: str) -> list[str]:
        values = []
        for eq in self.g.objects(URIRef(datatype), OWL.equivalentClass):
            for lst in self.g.objects(eq, OWL.oneOf):
                values += [str(v) for v in Collection(self.g, lst) if v.datatype is not None]
        return values

    def property_for(
        self, table_classes: list[str], name: str, element: str, code_list: str
    ) -> tuple[str | None, str]:
        if HUD + name in self.properties:
            return HUD + name, "name"
        in_table = [p for p in self.properties if self.domain[p] & set(table_classes)]
        by_label = [p for p in in_table if name in self.label[p] or local_name(p) == name]
        if len(by_label) == 1:
            return by_label[0], "label"
        by_element = [p for p in in_table if element and element in self.element[p]]
        if len(by_element) == 1:
            return by_element[0], "data element"
        by_list = [p for p in in_table if code_list and HUD + code_list in self.range[p]]
        if len(by_list) == 1:
            return by_list[0], "code list"
        return None, "extension"


def read_spec(hud: Path) -> tuple[dict[str, list[dict]], dict[str, list[tuple[str, str]]]]:
    tables: dict[str, list[dict]] = {}
    seen: set[tuple[str, str]] = set()
    with open(hud / "FY2026_CSV_Lists_Data_Dict.csv", encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            name = re.sub(r"\[\d+\]$", "", row["Name"].strip())
            key = (row["CSV"], name)
            if key in seen:  # the spec repeats a column once per data element it carries
                continue
            seen.add(key)
            tables.setdefault(row["CSV"], []).append({**row, "Name": name})
    lists: dict[str, list[tuple[str, str]]] = defaultdict(list)
    with open(hud / "FY2026_CSV_Lists.csv", encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            value = row["Value"].strip()
            if row["List"] and value:
                lists[row["List"].strip()].append((value, " ".join(row["Text"].split())))
    return tables, lists


_RULE = re.compile(
    r"if\s+(?P<when>.+?)\s+then\s+(?:use list\s+(?P<list>\S+)|INLIST\s*\((?P<codes>[^)]*)\))", re.I
)
_CONDITION = re.compile(r"(?:and\s+)?(?P<field>[A-Za-z][\w. ]*?)\s+(?P<op>=|is not)\s+(?P<code>\d+)\s*", re.I)


Lists = dict[str, list[tuple[str, str]]]


def conditional_rules(hud: Path, tables: dict[str, dict], lists: Lists) -> list[dict]:
    """The spec's validation sheet as data: codes a field may (`in`) or may not (`not_in`)
    take, either always or when other fields of the record hold given codes."""
    with open(hud / "FY2026_CSV_Lists_Validation.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    return [_conditional_rule(row, tables[row["CSV"].strip()]["fields"], lists) for row in rows]


def _conditional_rule(row: dict, fields: list[dict], lists: Lists) -> dict:
    table, kind, text = row["CSV"].strip(), row["ValidationType"].strip().lower(), row["Validation"].strip()
    rule = {"table": table, "field": _resolve(fields, row["Name"])}
    if kind == "notinlist":
        return {**rule, "kind": "not_in", "list": row["List"].strip(), "codes": _codes(text), "when": []}
    match = _RULE.fullmatch(text)
    conditions = list(_CONDITION.finditer(match["when"])) if match else []
    if kind != "checkotherelement" or not match or "".join(c.group(0) for c in conditions) != match["when"]:
        raise SystemExit(f"unreadable validation rule {table}.{row['Name']}: {text!r}")
    when = [{"field": _resolve(fields, c["field"]), "code": c["code"], "negated": c["op"].lower() != "="}
            for c in conditions]
    if match["list"]:
        codes = [code for code, _ in lists[match["list"]]]
    else:
        codes = _codes(match["codes"])
    return {**rule, "kind": "in", "list": match["list"], "codes": codes, "when": when}


def _codes(text: str) -> list[str]:
    return [c.strip() for c in text.split(",") if c.strip()]


def _resolve(fields: list[dict], name: str) -> str:
    """A field named in prose ("Disability Type") or by its code list ("W5.1")."""
    compact = name.replace(" ", "")
    matches = [f["name"] for f in fields if f["name"] == compact] or [
        f["name"] for f in fields if f["code_list"] == compact
    ]
    if len(matches) != 1:
        raise SystemExit(f"cannot tell which field {name!r} means")
    return matches[0]


def primary_class(owl: Owl, table: str, columns: list[dict]) -> tuple[str, list[str]]:
    classes = sorted(owl.classes_by_table.get(table.lower(), []))
    if not classes:
        raise SystemExit(f"no OWL class declares CSVTableReference {table}")
    for cls in classes:
        if local_name(cls) in (table, table + "Class"):
            return cls, classes
    names = {c["Name"] for c in columns}

    def coverage(cls: str) -> int:
        return sum(1 for p in owl.properties if cls in owl.domain[p] and local_name(p) in names)

    return max(classes, key=lambda c: (coverage(c), c)), classes


def child_link(owl: Owl, parent: dict, child: dict) -> str | None:
    """HUD's object property from a parent record to a child record, if the OWL has one."""
    candidates = [
        p for p, kind in owl.properties.items()
        if kind == "ObjectProperty"
        and owl.domain[p] & set(parent["classes"])
        and owl.range[p] & set(child["classes"])
    ]
    candidates.sort(key=lambda p: (child["class"] not in owl.range[p], parent["class"] not in owl.domain[p], p))
    return candidates[0] if candidates else None


def derive(hud: Path) -> dict:
    owl = Owl(hud / "FY2026_HMIS_Logic_Model_RDF.owl")
    spec, lists = read_spec(hud)
    used_lists: set[str] = set()
    tables: dict[str, dict] = {}
    extension: dict[str, str] = {}
    for table, columns in spec.items():
        cls, classes = primary_class(owl, table, columns)
        fields = []
        for col in columns:
            prop, how = owl.property_for(classes, col["Name"], col["DE#"].strip(), col["List"].strip())
            if prop is None:
                prop = EXT + col["Name"]
                extension[prop] = "DatatypeProperty"
            datatype, max_length = xsd_type(col["Type"].strip())
            code_list = col["List"].strip() or None
            if code_list and code_list not in lists:
                code_list = None  # conditional lists ("see note") are business rules
            if code_list:
                used_lists.add(code_list)
            fields.append({
                "name": col["Name"],
                "iri": prop,
                "matched_by": how,
                "datatype": datatype,
                "max_length": max_length,
                "required": col["Null"].strip().upper() != "Y",
                "code_list": code_list,
                "data_element": col["DE#"].strip() or None,
                "pii": table == "Client" and col["Name"] in PII_FIELDS,
                "pattern": note_pattern(col["Notes"]) if datatype == XSD + "string" else None,
            })
        tables[table] = {
            "name": table,
            "class": cls,
            "classes": classes,
            "key": fields[0]["name"],
            "fields": fields,
        }
    apply_pattern_rules(tables)
    keys = {t["key"]: name for name, t in tables.items()}
    for name, table in tables.items():
        links = []
        for field in table["fields"][1:]:
            target = keys.get(field["name"])
            if target and field["name"] not in NOT_LINKS:
                parent = tables[target]
                up = EXT + "ref" + target
                extension[up] = "ObjectProperty"
                links.append({"field": field["name"], "target": target, "up": up, "down": child_link(owl, parent, table)})
        table["links"] = links
    for name, table in tables.items():
        if name in SCOPE_SYSTEM:
            table["scope"] = SCOPE_SYSTEM[name]
        elif name in SCOPE_DIRECTORY:
            table["scope"] = "directory"
        else:
            table["scope"] = "project"
    order = topological(tables)
    rules = conditional_rules(hud, tables, lists)
    # a field whose list depends on another (Services.TypeProvided by RecordType) names its lists in the rules
    used_lists |= {rule["list"] for rule in rules if rule["list"]}
    code_lists = {}
    for list_id in sorted(used_lists):
        entries = lists[list_id]
        hud_codes = owl.code_datatype_values(HUD + list_id)
        code_lists[list_id] = {
            "iri": HUD + list_id if hud_codes else EXT + "list-" + list_id,
            "codes": [{"code": code, "label": label} for code, label in entries],
        }
    return {
        "source": "derived by ontology/derive.py from HUD's FY2026 Logic Model OWL and FY2026 CSV specification",
        "namespaces": {"hmis": HUD, "ext": EXT},
        "tables": [tables[n] for n in order],
        "code_lists": code_lists,
        "conditional_rules": rules,
        "extension_terms": dict(sorted(extension.items())),
    }


def topological(tables: dict[str, dict]) -> list[str]:
    """Parents before children, otherwise the specification's own order."""
    spec_order = list(tables)
    done: list[str] = []

    def visit(name: str) -> None:
        if name in done:
            return
        for link in tables[name]["links"]:
            if link["target"] != name:
                visit(link["target"])
        done.append(name)

    for name in spec_order:
        visit(name)
    return done


def main() -> None:
    repo = Path(__file__).resolve().parent.parent
    hud = Path(sys.argv[1]) if len(sys.argv) > 1 else repo.parent / "shared" / "hud"
    model = derive(hud)
    out = repo / "ontology" / "model.json"
    out.write_text(json.dumps(model, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    ext = sum(1 for t in model["tables"] for f in t["fields"] if f["iri"].startswith(EXT))
    total = sum(len(t["fields"]) for t in model["tables"])
    print(f"{len(model['tables'])} tables, {total} columns ({ext} in the extension namespace), "
          f"{len(model['code_lists'])} code lists -> {out}")


if __name__ == "__main__":
    main()
