"""Small, dependency-free SVG drawing for simulation reports: charts and state diagrams.

Everything returns SVG text meant to be inlined in an HTML page that works offline
(no script, no external style sheet or font). Element ids are prefixed with a
caller-given key so several drawings can share a page.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from html import escape
from typing import Final

from .._kernel._lifecycle import Lifecycle

__all__ = ["bar_chart", "line_chart", "state_diagram"]

PALETTE: Final = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1")
_FONT: Final = "font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif"


def _nice_ceiling(value: float) -> float:
    """A round number at or above ``value`` for an axis maximum (1, 2, 2.5, 5 x 10^n)."""
    if value <= 0:
        return 1.0
    exponent = math.floor(math.log10(value))
    base = 10**exponent
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * base:
            return float(step * base)
    return float(10 * base)  # pragma: no cover - the loop always returns


def _fmt(value: float) -> str:
    return f"{value:.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"


def _frame(
    width: int, height: int, title: str, body: list[str], legend: Sequence[tuple[str, str]]
) -> str:
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}" '
        f'style="{_FONT};font-size:12px">',
        f"<title>{escape(title)}</title>",
        f'<text x="{width / 2:.0f}" y="18" text-anchor="middle" '
        f'style="font-size:14px;font-weight:600">{escape(title)}</text>',
        *body,
    ]
    x = 60
    for label, color in legend:
        parts.append(f'<rect x="{x}" y="{height - 18}" width="12" height="12" fill="{color}"/>')
        parts.append(f'<text x="{x + 16}" y="{height - 8}">{escape(label)}</text>')
        x += 24 + 7 * len(label)
    parts.append("</svg>")
    return "\n".join(parts)


def _y_axis(left: int, top: int, plot_w: int, plot_h: int, y_max: float, unit: str) -> list[str]:
    parts = []
    for index in range(5):
        value = y_max * index / 4
        y = top + plot_h - plot_h * index / 4
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" '
            'stroke="#ddd" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{_fmt(value)}{unit}</text>'
        )
    parts.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
        'stroke="#444" stroke-width="1"/>'
    )
    return parts


def bar_chart(
    title: str,
    categories: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    *,
    y_max: float | None = None,
    unit: str = "",
    width: int = 760,
    height: int = 300,
) -> str:
    """Grouped bars: one group per category, one bar per series (None leaves a gap)."""
    left, top, right, bottom = 56, 32, 16, 64
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for vs in series.values() for v in vs if v is not None]
    top_value = y_max if y_max is not None else _nice_ceiling(max(values, default=1.0))
    body = _y_axis(left, top, plot_w, plot_h, top_value, unit)
    group_w = plot_w / max(1, len(categories))
    bar_w = group_w * 0.8 / max(1, len(series))
    for c_index, category in enumerate(categories):
        gx = left + c_index * group_w + group_w * 0.1
        for s_index, (name, vs) in enumerate(series.items()):
            value = vs[c_index] if c_index < len(vs) else None
            if value is None:
                continue
            h = plot_h * min(value, top_value) / top_value
            x = gx + s_index * bar_w
            color = PALETTE[s_index % len(PALETTE)]
            body.append(
                f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w * 0.9:.1f}" '
                f'height="{h:.1f}" fill="{color}"><title>{escape(category)} {escape(name)}: '
                f"{value:.1f}{escape(unit)}</title></rect>"
            )
        body.append(
            f'<text x="{left + (c_index + 0.5) * group_w:.1f}" y="{top + plot_h + 16}" '
            f'text-anchor="middle">{escape(category)}</text>'
        )
    legend = [(name, PALETTE[i % len(PALETTE)]) for i, name in enumerate(series)]
    return _frame(width, height, title, body, legend)


def line_chart(
    title: str,
    series: Mapping[str, Sequence[tuple[float, float]]],
    *,
    x_ticks: Sequence[tuple[float, str]] = (),
    unit: str = "",
    width: int = 760,
    height: int = 300,
) -> str:
    """Lines through ``(x, y)`` points, one per series, with labelled x ticks."""
    left, top, right, bottom = 56, 32, 16, 64
    plot_w, plot_h = width - left - right, height - top - bottom
    xs = [x for points in series.values() for x, _ in points]
    ys = [y for points in series.values() for _, y in points]
    x_min, x_max = (min(xs), max(xs)) if xs else (0.0, 1.0)
    if x_max <= x_min:
        x_max = x_min + 1
    y_top = _nice_ceiling(max(ys, default=1.0))
    body = _y_axis(left, top, plot_w, plot_h, y_top, unit)

    def sx(x: float) -> float:
        return left + plot_w * (x - x_min) / (x_max - x_min)

    def sy(y: float) -> float:
        return top + plot_h - plot_h * y / y_top

    for x, label in x_ticks:
        if x_min <= x <= x_max:
            body.append(
                f'<line x1="{sx(x):.1f}" y1="{top}" x2="{sx(x):.1f}" y2="{top + plot_h}" '
                'stroke="#eee" stroke-width="1"/>'
            )
            body.append(
                f'<text x="{sx(x):.1f}" y="{top + plot_h + 16}" text-anchor="middle">'
                f"{escape(label)}</text>"
            )
    for index, (name, points) in enumerate(series.items()):
        if not points:
            continue
        color = PALETTE[index % len(PALETTE)]
        path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in points)
        body.append(
            f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2">'
            f"<title>{escape(name)}</title></polyline>"
        )
    legend = [(name, PALETTE[i % len(PALETTE)]) for i, name in enumerate(series)]
    return _frame(width, height, title, body, legend)


def _layers(lifecycle: Lifecycle) -> dict[str, int]:
    """The layer (column) of each state: ranked by longest path, siblings side by side.

    A depth-first walk from the initial state (in the lifecycle's own order) marks the
    edges that go back to a state still on the walk; without them the graph has no
    cycle. A one-way edge puts its destination at least one layer right of its source;
    an edge whose reverse also exists (``open`` and ``pending`` reach each other) lets
    both share a layer, so states a ticket moves between freely stack in one column
    instead of stretching into a chain. Unreachable states go last.
    """
    order = {state: index for index, state in enumerate(lifecycle.states)}
    successors: dict[str, list[str]] = {state: [] for state in lifecycle.states}
    for source, _, dest in lifecycle.edges():
        if dest != source and dest not in successors[source]:
            successors[source].append(dest)
    for targets in successors.values():
        targets.sort(key=order.__getitem__)
    back: set[tuple[str, str]] = set()
    visited: set[str] = set()
    on_path: list[str] = []

    def walk(state: str) -> None:
        visited.add(state)
        on_path.append(state)
        for dest in successors[state]:
            if dest in on_path:
                back.add((state, dest))
            elif dest not in visited:
                walk(dest)
        on_path.pop()

    walk(lifecycle.initial)
    depth = {lifecycle.initial: 0}
    changed = True
    while changed:  # longest path on a DAG of a handful of states: relax until stable
        changed = False
        for source, targets in successors.items():
            if source not in depth:
                continue
            for dest in targets:
                if (source, dest) in back:
                    continue
                step = 0 if source in successors[dest] else 1
                if depth.get(dest, -1) < depth[source] + step:
                    depth[dest] = depth[source] + step
                    changed = True
    deepest = max(depth.values(), default=0)
    for state in lifecycle.states:
        depth.setdefault(state, deepest + 1)
    return depth


Box = tuple[float, float, float, float]  # left, top, right, bottom


def _label_box(x: float, y: float, lines: Sequence[str], anchor: str) -> Box:
    width = 5.6 * max(len(line) for line in lines) + 8
    left = {"middle": x - width / 2, "start": x - 4, "end": x - width + 4}[anchor]
    return (left, y - 10, left + width, y - 8 + 12 * len(lines))


def _overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


Spot = tuple[float, float]
Wanted = tuple[list[Spot], list[str], str]  # places along the line, in order of preference


def _labels(wanted: Sequence[Wanted], taken: list[Box]) -> list[str]:
    """Edge labels on white plates, each at the first place along its own line where it
    covers no state and no other label (lines may pass under a plate: it hides them)."""
    parts = []
    # Labels with the fewest places to go are placed first.
    for spots, lines, anchor in sorted(wanted, key=lambda item: len(item[0])):
        x, y = spots[0]
        box = _label_box(x, y, lines, anchor)
        for spot in spots:
            candidate = _label_box(*spot, lines, anchor)
            if not any(_overlaps(candidate, other) for other in taken):
                (x, y), box = spot, candidate
                break
        taken.append(box)
        parts.append(
            f'<rect x="{box[0]:.1f}" y="{box[1]:.1f}" width="{box[2] - box[0]:.1f}" '
            f'height="{box[3] - box[1]:.1f}" rx="3" fill="#fff" fill-opacity="0.92"/>'
        )
        for index, line in enumerate(lines):
            parts.append(
                f'<text x="{x:.1f}" y="{y + 12 * index:.1f}" text-anchor="{anchor}" '
                f'style="font-size:10px;fill:#333">{escape(line)}</text>'
            )
    return parts


def _along(x1: float, y1: float, x2: float, y2: float, lift: float) -> list[Spot]:
    """Places on a straight line, from its middle outwards (``lift`` centres the text)."""
    return [
        (x1 + (x2 - x1) * t, y1 + (y2 - y1) * t - lift) for t in (0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8)
    ]


def _arrows(forward: Sequence[str], backward: Sequence[str], ahead: str, back: str) -> list[str]:
    """Label lines of a pair of states: ``→ solve`` one way, ``← customer_message`` back."""
    lines = []
    if forward:
        lines.append(f"{ahead} {', '.join(forward)}")
    if backward:
        lines.append(f"{back} {', '.join(backward)}")
    return lines


def state_diagram(lifecycle: Lifecycle, *, key: str | None = None) -> str:
    """The lifecycle's states and transitions, ranked left to right.

    States go in columns by :func:`_layers`; states that reach each other stack in one
    column. Each pair of states linked by transitions gets one line, with an arrowhead
    at each end a transition goes to and a label naming the triggers of each direction
    (``→``/``←`` across columns, ``↓``/``↑`` within one). Pairs more than one column
    apart arc over the top. Triggers that keep the state are marked with ↻ on the state
    and listed under the drawing. Final states have a double border; a dot marks the
    initial state.
    """
    key = (key or lifecycle.kind).replace(" ", "-")
    depth = _layers(lifecycle)
    columns: dict[int, list[str]] = {}
    for state in lifecycle.states:
        columns.setdefault(depth[state], []).append(state)
    node_w, node_h, gap_x, gap_y = 128, 38, 190, 46
    tallest = max(len(states) for states in columns.values())
    triggers: dict[tuple[str, str], list[str]] = {}
    loops: dict[str, list[str]] = {}
    for source, trigger, dest in lifecycle.edges():
        if source == dest:
            loops.setdefault(source, []).append(trigger)
        else:
            triggers.setdefault((source, dest), []).append(trigger)
    busy = Counter(state for pair, names in triggers.items() for state in pair for _ in names)
    for layer, states in columns.items():
        # The busiest state of a column in its middle: its links to both sides stay short.
        hub = max(states, key=lambda state: busy[state])
        rest = [state for state in states if state != hub]
        columns[layer] = [*rest[: len(rest) // 2], hub, *rest[len(rest) // 2 :]]
    rank = {state: (depth[state], columns[depth[state]].index(state)) for state in depth}
    # One line per pair of states, oriented from the lower (column, row) to the higher.
    pairs: list[tuple[str, str]] = []
    for source, dest in triggers:
        pair = (source, dest) if rank[source] < rank[dest] else (dest, source)
        if pair not in pairs:
            pairs.append(pair)
    over = [(a, b) for a, b in pairs if depth[b] - depth[a] > 1]
    top = 50 + 28 * len(over)
    plot_h = tallest * (node_h + gap_y)
    loop_lines = [f"↻ {state}: {', '.join(names)}" for state, names in loops.items()]
    width = 80 + len(columns) * (node_w + gap_x) - gap_x + 110
    height = top + plot_h + 16 * len(loop_lines) + 10
    position: dict[str, tuple[float, float]] = {}
    for layer, states in sorted(columns.items()):
        offset = (tallest - len(states)) * (node_h + gap_y) / 2
        for row, state in enumerate(states):
            position[state] = (50 + layer * (node_w + gap_x), top + offset + row * (node_h + gap_y))
    marker = f"arrow-{escape(key)}"
    body = [
        f'<defs><marker id="{marker}" viewBox="0 0 10 10" refX="10" refY="5" '
        'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
        '<path d="M 0 0 L 10 5 L 0 10 z" fill="#555"/></marker></defs>'
    ]
    ix, iy = position[lifecycle.initial]
    body.append(f'<circle cx="{ix - 30}" cy="{iy + node_h / 2}" r="6" fill="#333"/>')
    body.append(
        f'<line x1="{ix - 24}" y1="{iy + node_h / 2}" x2="{ix}" y2="{iy + node_h / 2}" '
        f'stroke="#555" marker-end="url(#{marker})"/>'
    )
    labels: list[Wanted] = []
    for a, b in pairs:
        forward, backward = triggers.get((a, b), []), triggers.get((b, a), [])
        ends = (f' marker-end="url(#{marker})"' if forward else "") + (
            f' marker-start="url(#{marker})"' if backward else ""
        )
        (ax, ay), (bx, by) = position[a], position[b]
        if depth[a] == depth[b]:
            cx = ax + node_w / 2
            if rank[b][1] - rank[a][1] == 1:  # neighbours in a column: a short vertical line
                body.append(
                    f'<path d="M {cx:.1f} {ay + node_h:.1f} L {cx:.1f} {by:.1f}" fill="none" '
                    f'stroke="#555"{ends}/>'
                )
                lines = _arrows(forward, backward, "↓", "↑")
                middle = (ay + node_h + by) / 2 - 6 * len(lines) + 9
                labels.append(([(cx - 6, middle + dy) for dy in (0, -6, 6, -10, 10)], lines, "end"))
            else:  # further apart in a column: an arc beside it, on the right
                x1, bulge = ax + node_w, ax + node_w + 34
                y1, y2 = ay + node_h / 2 - 8, by + node_h / 2 - 8
                body.append(
                    f'<path d="M {x1:.1f} {y1:.1f} C {bulge:.1f} {y1:.1f} {bulge:.1f} {y2:.1f} '
                    f'{x1:.1f} {y2:.1f}" fill="none" stroke="#555"{ends}/>'
                )
                lines = _arrows(forward, backward, "↓", "↑")
                apex = (y1 + y2) / 2
                labels.append(([(bulge - 4, apex + dy) for dy in range(0, 80, 8)], lines, "start"))
        elif depth[b] - depth[a] == 1:
            x1, y1 = ax + node_w, ay + node_h / 2
            x2, y2 = bx, by + node_h / 2
            body.append(
                f'<path d="M {x1:.1f} {y1:.1f} L {x2:.1f} {y2:.1f}" fill="none" '
                f'stroke="#555"{ends}/>'
            )
            lines = _arrows(forward, backward, "→", "←")
            labels.append((_along(x1, y1, x2, y2, 6 * len(lines) - 9), lines, "middle"))
        else:
            lane = top - 26 - 28 * over.index((a, b))
            x1, x2 = ax + node_w / 2 + 8, bx + node_w / 2 - 8
            body.append(
                f'<path d="M {x1:.1f} {ay:.1f} C {x1:.1f} {lane:.1f} {x2:.1f} {lane:.1f} '
                f'{x2:.1f} {by:.1f}" fill="none" stroke="#555"{ends}/>'
            )
            lines = _arrows(forward, backward, "→", "←")
            labels.append(([((x1 + x2) / 2, lane + 12)], lines, "middle"))
    for state, (x, y) in position.items():
        final = state in lifecycle.final_states
        body.append(
            f'<rect x="{x}" y="{y}" width="{node_w}" height="{node_h}" rx="10" '
            f'fill="#eef3fb" stroke="#4e79a7" stroke-width="{3 if final else 1.5}"/>'
        )
        if final:
            body.append(
                f'<rect x="{x + 4}" y="{y + 4}" width="{node_w - 8}" height="{node_h - 8}" '
                'rx="7" fill="none" stroke="#4e79a7" stroke-width="1"/>'
            )
        name = f"{state} ↻" if state in loops else state
        body.append(
            f'<text x="{x + node_w / 2}" y="{y + node_h / 2 + 4}" text-anchor="middle" '
            f'style="font-weight:600">{escape(name)}</text>'
        )
    nodes: list[Box] = [(x, y, x + node_w, y + node_h) for x, y in position.values()]
    body.extend(_labels(labels, nodes))
    y = top + plot_h + 4
    for line in loop_lines:
        body.append(f'<text x="20" y="{y}" style="font-size:10px;fill:#555">{escape(line)}</text>')
        y += 16
    title = f"{lifecycle.kind} lifecycle"
    return _frame(int(width), int(height), title, body, ())
