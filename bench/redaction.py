"""Redaction precision and recall on the scripted set (haechi.testkit.redaction_set).

Prints a Markdown table: per group (Korean captions, English captions, HTML pages; with the
case's sealed data plus patterns, and with patterns alone), the planted items, how many were
left in the output, recall, the redactions made, precision (planted items found / redactions)
and distractors broken.

    python bench/redaction.py [--seed 22] [--rounds 4]
"""

from __future__ import annotations

import argparse
import sys

from haechi.redaction import Terms, redact_document
from haechi.testkit.redaction_set import Measurement, Sample, measure, scripted_set

PATTERN_KINDS = frozenset({"phone", "email", "rrn", "handle"})


def run(samples: list[Sample], with_case: bool) -> dict[str, Measurement]:
    groups: dict[str, Measurement] = {}
    for sample in samples:
        if not with_case:  # patterns alone can only be asked for what patterns know
            sample = Sample(
                sample.text,
                sample.kind,
                sample.language,
                sample.persona,
                [(v, k) for v, k in sample.planted if k in PATTERN_KINDS],
                sample.distractors,
            )
        terms = Terms.of(sample.persona.name_field, sample.persona.contacts) if with_case else None
        done = redact_document(sample.text, terms, kind="html" if sample.kind == "html" else "text")
        group = "HTML pages" if sample.kind == "html" else f"{sample.language} captions"
        found = measure(sample, done.text, done.statement.total)
        groups[group] = groups.get(group, Measurement(0, 0, 0, 0, 0)) + found
    return groups


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=22)
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args(argv)
    samples = scripted_set(args.seed, args.rounds)
    print(f"{len(samples)} documents, seed {args.seed}\n")
    print(
        "| terms | group | docs | planted | left | recall | redactions | precision "
        "| distractors broken |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for with_case in (True, False):
        groups = run(samples, with_case)
        total = Measurement(0, 0, 0, 0, 0)
        label = "case + patterns" if with_case else "patterns only"
        for name in sorted(groups):
            m = groups[name]
            total = total + m
            docs = sum(
                1
                for s in samples
                if ("HTML pages" if s.kind == "html" else f"{s.language} captions") == name
            )
            print(
                f"| {label} | {name} | {docs} | {m.planted} | {m.leaked} | {m.recall:.3f} | "
                f"{m.redactions} | {m.precision:.3f} | {m.broken}/{m.distractors} |"
            )
        print(
            f"| **{label}** | **all** | {len(samples)} | {total.planted} | {total.leaked} | "
            f"**{total.recall:.3f}** | {total.redactions} | **{total.precision:.3f}** | "
            f"{total.broken}/{total.distractors} |"
        )
    print(f"\nCommand: `python bench/redaction.py --seed {args.seed} --rounds {args.rounds}`")
    return 0


if __name__ == "__main__":
    sys.exit(main())
