"""Blocking and matching over a labelled synthetic set: precision, recall and speed (README.md).

Every record is matched, as an intake would, against the records sharing a blocking key with
it. A pair counts as predicted at a grade when the engine returns it at that grade or better.

    python bench/dedup/evaluate.py --persons 20000 --seed 1
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter, defaultdict
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import Labelled, generate

from hmis_ld.dedup import DEFAULT_CONFIG, GRADES, MatchConfig, blocking_keys, match, prepare

TARGETS = {"certain": ("precision", 0.998), "certain+probable": ("recall", 0.97)}
Pair = tuple[int, int]


def evaluate(records: list[Labelled], config: MatchConfig) -> None:
    index_of = {str(r.record["PersonalID"]): i for i, r in enumerate(records)}
    started, cpu_started = time.perf_counter(), time.process_time()
    features = [prepare(r.record) for r in records]
    keys = [blocking_keys(f) for f in features]
    buckets: dict[str, list[int]] = defaultdict(list)
    for i, record_keys in enumerate(keys):
        for key in record_keys:
            buckets[key].append(i)
    blocked = time.perf_counter()
    grades: dict[Pair, str] = {}
    candidates = 0
    for i, record_keys in enumerate(keys):
        others = {j for key in record_keys for j in buckets[key]} - {i}
        candidates += len(others)
        for found in match(features[i], [features[j] for j in others], config):
            grades[_pair(i, index_of[str(found.personal_id)])] = found.grade
    finished, cpu = time.perf_counter(), time.process_time() - cpu_started

    truth = _true_pairs(records)
    n = len(records)
    print(f"{n} records of {len({r.person.id for r in records})} persons; {len(truth)} true duplicate pairs")
    shared = sum(1 for a, b in truth if keys[a] & keys[b])
    sizes = [len(b) for b in buckets.values()]
    print(f"blocking: recall {shared / len(truth):.4f}; {statistics.mean(len(k) for k in keys):.1f} keys "
          f"and {candidates / n:.1f} candidates per record; records per key: "
          f"mean {statistics.mean(sizes):.2f}, p99 {sorted(sizes)[int(len(sizes) * 0.99)]}, max {max(sizes)}")
    print(f"speed: {n / (finished - started):,.0f} records/s wall, {n / cpu:,.0f} per CPU second "
          f"({blocked - started:.1f} s prepare and keys, {finished - blocked:.1f} s matching, "
          f"{candidates:,} comparisons)")
    print(f"{'grade':<18}{'pairs':>8}{'TP':>8}{'FP':>6}{'FN':>7}{'precision':>11}{'recall':>9}{'F1':>8}")
    for label, accepted in (("certain", GRADES[:1]), ("certain+probable", GRADES[:2]), ("all", GRADES)):
        predicted = {p for p, g in grades.items() if g in accepted}
        tp = len(predicted & truth)
        fp, fn = len(predicted) - tp, len(truth) - tp
        precision = tp / len(predicted) if predicted else 1.0
        recall = tp / len(truth)
        f1 = 2 * precision * recall / (precision + recall) if tp else 0.0
        target = TARGETS.get(label)
        mark = ""
        if target:
            value = precision if target[0] == "precision" else recall
            mark = f"  {target[0]} target {target[1]}: {'met' if value >= target[1] else 'MISSED'}"
        print(f"{label:<18}{len(predicted):>8}{tp:>8}{fp:>6}{fn:>7}"
              f"{precision:>11.4f}{recall:>9.4f}{f1:>8.4f}{mark}")
    _false_positives(records, grades, truth)
    _missed(records, grades, truth)


def _pair(i: int, j: int) -> Pair:
    return (i, j) if i < j else (j, i)


def _true_pairs(records: list[Labelled]) -> set[Pair]:
    by_person: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(records):
        by_person[r.person.id].append(i)
    return {_pair(a, b) for ids in by_person.values() for x, a in enumerate(ids) for b in ids[x + 1:]}


def _false_positives(records: list[Labelled], grades: dict[Pair, str], truth: set[Pair]) -> None:
    """Wrong matches by how the two people relate: the hard negatives should stay below certain."""
    table: dict[str, Counter[str]] = defaultdict(Counter)
    for (a, b), grade in grades.items():
        if (a, b) not in truth:
            pa, pb = records[a].person, records[b].person
            table[pa.kind if pa.group and pa.group == pb.group else "unrelated"][grade] += 1
    print("false matches by relation: " + "; ".join(
        f"{kind} " + ", ".join(f"{g} {c[g]}" for g in GRADES if c[g]) for kind, c in sorted(table.items())))


def _missed(records: list[Labelled], grades: dict[Pair, str], truth: set[Pair]) -> None:
    """True pairs below probable, by the errors on either record."""
    errors: Counter[str] = Counter()
    for a, b in truth:
        if grades.get((a, b)) not in GRADES[:2]:
            errors.update(set(records[a].errors) | set(records[b].errors) or {"(none)"})
    print("errors on pairs below probable: " + ", ".join(f"{e} {c}" for e, c in errors.most_common(15)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--prior", type=float, default=DEFAULT_CONFIG.prior_log2_odds,
                        help="prior_log2_odds; about -log2(client records) in the store")
    args = parser.parse_args()
    records = generate(args.persons, args.seed)
    print(f"persons {args.persons}, seed {args.seed}, prior_log2_odds {args.prior}")
    evaluate(records, replace(DEFAULT_CONFIG, prior_log2_odds=args.prior))


if __name__ == "__main__":
    main()
