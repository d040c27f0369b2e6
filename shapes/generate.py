"""Write `shapes/generated.ttl`: the SHACL shapes that follow from the model.

- one node shape per table (targeting the table's class);
- one property shape per field: datatype, length, cardinality, code list, pattern;
- one property shape per link: the referenced record exists (has the target's class);
- one shape per conditional code rule of HUD's validation sheet (model.json
  "conditional_rules"): a forbidden code set, or the list a field must use when other
  fields hold given codes.

Shapes are named by IRIs (`urn:hmis-ld:shape:Client-SSN`) and written in model order,
so regenerating gives the same text. Hand-written business rules live in rules.ttl.

Usage: python shapes/generate.py   (hmis_ld importable, e.g. `pip install -e .`; rewrites
shapes/generated.ttl next to this file)
"""

from __future__ import annotations

import json
from pathlib import Path

from hmis_ld.model.schema import EXT, HMIS, MODEL, XSD, Field, Link, Table
from hmis_ld.resources import resource_path

SHAPE = "urn:hmis-ld:shape:"
PREFIXES = {"sh": "http://www.w3.org/ns/shacl#", "xsd": XSD, "hmis": HMIS, "ext": EXT, "shape": SHAPE}
KIND_WORDS = {
    "integer": "integer",
    "decimal": "decimal number",
    "date": "date (YYYY-MM-DD)",
    "dateTime": "date and time (YYYY-MM-DDTHH:MM:SS)",
    "string": "text value",
}


def name(iri: str) -> str:
    """Prefixed name where one fits, else <iri>."""
    for prefix, namespace in PREFIXES.items():
        local = iri.removeprefix(namespace)
        if local != iri and local.replace("-", "").replace("_", "").isalnum():
            return f"{prefix}:{local}"
    return f"<{iri}>"


def string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def code(field: Field, value: str) -> str:
    """A code as the Turtle literal the field stores. Strings are typed explicitly: records
    reach pyshacl as xsd:string literals, which rdflib does not equate with plain ones."""
    return value if field.kind == "integer" else f"{string(value)}^^xsd:string"


def sparql_code(field: Field, value: str) -> str:
    return value if field.kind == "integer" else string(value)


def shape_iri(*parts: str) -> str:
    return SHAPE + "-".join(parts)


def statement(subject: str, pairs: list[tuple[str, str]]) -> str:
    body = " ;\n    ".join(f"{p} {o}" for p, o in pairs)
    return f"{name(subject)}\n    {body} .\n"


def field_message(f: Field) -> str:
    words = [f"{f.name} is required and must be" if f.required else f"{f.name} must be",
             "one", KIND_WORDS[f.kind]]
    if f.max_length:
        words.append(f"of at most {f.max_length} characters")
    if f.code_list:
        words.append(f"from HUD code list {f.code_list}")
    if f.pattern:
        words.append(f"matching {f.pattern}")
    return " ".join(words)


def field_shape(table: Table, f: Field) -> str:
    pairs = [("a", "sh:PropertyShape"), ("sh:path", name(f.iri)), ("sh:datatype", name(f.datatype))]
    if f.required:
        pairs.append(("sh:minCount", "1"))
    pairs.append(("sh:maxCount", "1"))
    if f.max_length:
        pairs.append(("sh:maxLength", str(f.max_length)))
    if f.code_list:
        codes = " ".join(code(f, c) for c in MODEL.code_lists[f.code_list].codes)
        pairs.append(("sh:in", f"( {codes} )"))
    if f.pattern:
        pairs.append(("sh:pattern", string(f.pattern)))
    pairs.append(("sh:message", string(field_message(f))))
    return statement(shape_iri(table.name, f.name), pairs)


def link_shape(table: Table, link: Link) -> str:
    target = MODEL.tables[link.target]
    pairs = [("a", "sh:PropertyShape"), ("sh:path", name(link.up)), ("sh:class", name(target.cls))]
    if table.by_name[link.field].required:
        pairs.append(("sh:minCount", "1"))
    pairs += [
        ("sh:maxCount", "1"),
        ("sh:message", string(f"{link.field} must name an existing {link.target} record")),
    ]
    return statement(shape_iri(table.name, link.up.removeprefix(EXT)), pairs)


def rule_iri(rule: dict) -> str:
    if not rule["when"]:
        return shape_iri(rule["table"], rule["field"], "excluded")
    conditions = []
    for c in rule["when"]:
        conditions += [c["field"], "not", c["code"]] if c["negated"] else [c["field"], c["code"]]
    return shape_iri(rule["table"], rule["field"], "if", *conditions)


def rule_message(rule: dict) -> str:
    field = rule["field"]
    if rule["kind"] == "not_in":
        return f"{field} may not use these codes of list {rule['list']} here: {', '.join(rule['codes'])}"
    allowed = f"a code of HUD list {rule['list']}" if rule["list"] else f"one of {', '.join(rule['codes'])}"
    conditions = " and ".join(
        f"{c['field']} is {'not ' if c['negated'] else ''}{c['code']}" for c in rule["when"]
    )
    return f"{field} must be {allowed} when {conditions}"


def rule_shape(rule: dict) -> str:
    table = MODEL.tables[rule["table"]]
    f = table.by_name[rule["field"]]
    pairs = [("a", "sh:PropertyShape"), ("sh:path", name(f.iri))]
    if rule["kind"] == "not_in":
        codes = " ".join(code(f, c) for c in rule["codes"])
        pairs += [("sh:not", f"[ sh:in ( {codes} ) ]"), ("sh:message", string(rule_message(rule)))]
    else:
        pairs.append(("sh:sparql", sparql_constraint(rule_message(rule), rule_query(table, f, rule))))
    return statement(rule_iri(rule), pairs)


def rule_query(table: Table, f: Field, rule: dict) -> list[str]:
    """SELECT lines finding a value outside the rule's codes while its conditions hold.
    Variables are numbered: pyshacl rejects text like `?YearEnteredService ` as a SERVICE call."""
    lines = ["SELECT $this ?value WHERE {", "    $this $PATH ?value ."]
    for i, c in enumerate(rule["when"], 1):
        other = table.by_name[c["field"]]
        value = sparql_code(other, c["code"])
        if c["negated"]:
            lines.append(f"    $this <{other.iri}> ?when{i} . FILTER (?when{i} != {value})")
        else:
            lines.append(f"    $this <{other.iri}> {value} .")
    codes = ", ".join(sparql_code(f, c) for c in rule["codes"])
    return [*lines, f"    FILTER (?value NOT IN ({codes}))", "}"]


def sparql_constraint(message: str, select: list[str]) -> str:
    query = "\n".join(f"        {line}" for line in select).lstrip()
    return (f"[\n        a sh:SPARQLConstraint ;\n        sh:message {string(message)} ;\n"
            f'        sh:select """{query}"""\n    ]')


def conditional_rules() -> list[dict]:
    raw = json.loads(resource_path("ontology", "model.json").read_text(encoding="utf-8"))
    return raw["conditional_rules"]


def table_shapes(table: Table, rules: list[dict]) -> list[str]:
    members = [shape_iri(table.name, f.name) for f in table.fields]
    members += [shape_iri(table.name, link.up.removeprefix(EXT)) for link in table.links]
    members += [rule_iri(r) for r in rules]
    node = statement(shape_iri(table.name), [
        ("a", "sh:NodeShape"),
        ("sh:targetClass", name(table.cls)),
        ("sh:property", ",\n        ".join(name(m) for m in members)),
    ])
    return [node, *(field_shape(table, f) for f in table.fields),
            *(link_shape(table, link) for link in table.links), *(rule_shape(r) for r in rules)]


def render() -> str:
    rules = conditional_rules()
    header = [
        "# Generated by shapes/generate.py from ontology/model.json. Do not edit by hand:",
        "# change the model (ontology/derive.py) or the generator, then regenerate.",
        "",
        *(f"@prefix {p}: <{ns}> ." for p, ns in PREFIXES.items()),
        "",
    ]
    parts = []
    for table in MODEL.tables.values():
        parts += table_shapes(table, [r for r in rules if r["table"] == table.name])
    return "\n".join(header) + "\n".join(parts)


def main() -> None:
    out = Path(__file__).resolve().parent / "generated.ttl"
    text = render()
    out.write_text(text, encoding="utf-8")
    print(f"{text.count(' sh:PropertyShape')} property shapes, {len(MODEL.tables)} node shapes -> {out}")


if __name__ == "__main__":
    main()
