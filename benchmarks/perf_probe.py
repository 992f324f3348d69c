"""A fixed workload for instruction counts (callgrind), comparable across commits.

Run it under ``valgrind --tool=callgrind`` with ``PYTHONHASHSEED=0`` and
``PYTHONPATH=<checkout>/src`` for each checkout, once with 0 and once with N
iterations; the difference divided by N is the cost of one iteration, whatever the
machine's load::

    python benchmarks/perf_probe.py {sla,plain,load,loadplain} 300
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import bench_tickets as tickets  # the bench functions, beside this file

from supportflow import Ticket


def main() -> None:
    mode, n = sys.argv[1], int(sys.argv[2])
    with_sla = json.dumps(tickets.supportflow_sla_lifecycle(0).to_dict())
    plain = json.dumps(tickets.supportflow_lifecycle(0).to_dict())
    for i in range(n):
        if mode == "sla":
            tickets.supportflow_sla_lifecycle(i)
        elif mode == "plain":
            tickets.supportflow_lifecycle(i)
        elif mode == "load":
            Ticket.from_dict(json.loads(with_sla), sla=tickets.SLA)
        else:
            Ticket.from_dict(json.loads(plain))


if __name__ == "__main__":
    main()
