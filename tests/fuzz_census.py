"""Census of what still loads though impossible: run ``python tests/fuzz_census.py [N]``.

For each aggregate type, draws N documents (``supportflow.testing`` lifecycles),
mutates each several times (``document_mutations``, raw and with the snapshot
resynced) and counts, per mutation kind, the documents that load although no
command sequence records them, and those whose load raises something other than
SchemaError (a crash). Prints a Markdown report with the shortest examples of each.
"""

from __future__ import annotations

import collections
import random
import sys
import traceback
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from document_mutations import KINDS, Mutation, mutate, resync, verdict
from supportflow import testing

_CASES: list[tuple[str, Any]] = [
    ("Ticket", testing.ticket_lifecycles()),
    (
        "Ticket (SLA + escalation)",
        st.tuples(testing.sla_policy_sets(max_policies=2), testing.escalation_policies()),
    ),
    ("Incident", testing.incidents()),
    ("Maintenance", testing.maintenances()),
    ("ProactiveCase", testing.proactive_cases()),
    ("FeedbackProgram", testing.feedback_programs()),
    ("Customer", testing.customers()),
]


def _census(label: str, strategy: Any, documents: int, per_document: int) -> dict[str, Any]:
    tried: collections.Counter[str] = collections.Counter()
    found: dict[str, list[tuple[int, Mutation, str, str]]] = collections.defaultdict(list)

    @settings(
        max_examples=documents,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.data(), st.integers(0, 2**32 - 1))
    def run(data: st.DataObject, seed: int) -> None:
        drawn = data.draw(strategy)
        config: dict[str, Any] = {}
        if isinstance(drawn, tuple):
            config = {"sla": drawn[0], "escalation": drawn[1]}
            drawn = data.draw(
                testing.ticket_lifecycles(sla=st.just(drawn[0]), escalation=st.just(drawn[1]))
            )
        cls = type(drawn)
        document = drawn.to_dict()

        def load(doc: dict[str, Any]) -> Any:
            return cls.from_dict(doc, **config)  # type: ignore[attr-defined]

        rng = random.Random(seed)
        for _ in range(per_document):
            mutation = mutate(document, rng)
            removed = mutation.field if mutation.value == "removed" else None
            variants = [("raw", mutation.document)]
            if mutation.index is not None:
                synced = resync(mutation.document, cls, config)
                if synced is not None:
                    variants.append(("resynced", synced))
            for how, variant in variants:
                tried[mutation.kind] += 1
                try:
                    result = verdict(variant, load, config, removed)
                except Exception as error:  # a crash is a census entry
                    where = traceback.extract_tb(error.__traceback__)[-1]
                    text = f"{type(error).__name__}: {str(error)[:150]} ({where.name})"
                    found[f"{mutation.kind} (crash)"].append(
                        (len(document["history"]), mutation, how, text)
                    )
                    continue
                if result.outcome == "impossible":
                    found[mutation.kind].append(
                        (len(document["history"]), mutation, how, result.reason[:220])
                    )

    run()
    return {"tried": tried, "found": found}


def report(documents: int, per_document: int) -> str:
    lines = [
        "# Fuzz census: documents that load though no command records them",
        "",
        f"Per aggregate: {documents} drawn documents x {per_document} mutations, each "
        "tried raw and with its snapshot resynced from a replay (`tests/fuzz_census.py`). "
        "Counts are loads that the command-replay oracle cannot reproduce, and loads that "
        "crash with another error than SchemaError. Examples: the shortest histories.",
        "",
    ]
    for label, strategy in _CASES:
        result = _census(label, strategy, documents, per_document)
        tried, found = result["tried"], result["found"]
        total = sum(len(entries) for entries in found.values())
        lines += [f"## {label}: {total} of {sum(tried.values())} mutated documents", ""]
        if not found:
            lines += ["No counterexample.", ""]
            continue
        lines += ["| mutation | tried | loads though impossible / crashes |", "|---|---|---|"]
        for kind in [*KINDS, *(f"{k} (crash)" for k in KINDS)]:
            if kind in found:
                lines.append(f"| {kind} | {tried[kind.split(' ')[0]]} | {len(found[kind])} |")
        lines.append("")
        for kind, entries in sorted(found.items()):
            lines.append(f"**{kind}**:")
            seen: set[tuple[Any, ...]] = set()
            for _, mutation, how, reason in sorted(entries, key=lambda entry: entry[0]):
                key = (mutation.event, mutation.field, mutation.value[:20])
                if key in seen:
                    continue
                seen.add(key)
                lines.append(
                    f"- `{mutation.event}` index {mutation.index}, field `{mutation.field}`, "
                    f"value `{mutation.value}` ({how}): {reason}"
                )
                if len(seen) == 3:
                    break
            lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    print(report(count, 6))
