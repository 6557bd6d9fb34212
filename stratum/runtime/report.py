"""``--report``: one self-contained HTML page about a batch run.

It shows the scripts and their outcome, the batch graph as a matrix (one row
per op, one column per script, a dot where the script uses the op, joined
across the row when the op is shared), and per op: where it comes from, the
backend that ran it, how long it took and how each script obtained its value
(computed, read from the cache, or waited for while another worker computed it;
an effect ran, failed or exited the script).
No scripts, styles or fonts are loaded from anywhere.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from xdsl.dialects.builtin import FusedLoc, ModuleOp
from xdsl.ir import Operation

from stratum.ir import plan
from stratum.runtime.errors import innermost
from stratum.runtime.batch import BatchOutcome

_HIDDEN = {"python.import", "python.constant", "python.getattr", "python.bind", "python.script_begin", "python.script_end", "python.build"}
_LABEL_PROPS = ("column", "columns", "fn", "method", "class", "path", "func", "metric", "attr", "module", "source")
_COLOURS = {
    "computed": "#1f77b4",
    "cache": "#2ca02c",
    "waited": "#17becf",
    "ran": "#8c564b",  # an effect (print, to_csv, opaque code): never shared nor stored
    "exited": "#ff7f0e",
    "failed": "#d62728",
    "not reached": "#cccccc",
}
_STATUS = {"ok": "#2ca02c", "error": "#d62728", "timeout": "#ff7f0e", "crashed": "#9467bd"}


def _label(op: Operation) -> str:
    for name in _LABEL_PROPS:
        attr = op.properties.get(name)
        if attr is not None:
            text = getattr(attr, "data", attr)
            if isinstance(text, tuple):
                text = "[" + ", ".join(str(getattr(a, "data", a)) for a in text) + "]"
            text = str(text)
            if len(text) > 48:
                text = text[:45] + "…"
            return f"{op.name} {name}={text}"
    return op.name


def _where(op: Operation) -> str:
    loc = op.location
    candidates = loc.locations.data if isinstance(loc, FusedLoc) else (loc,)
    positions = [innermost(c) for c in candidates]
    places = [f"{Path(c.filename.data).name}:{c.line.data}" for c in positions if c is not None]
    return ", ".join(places[:3]) + (f" (+{len(places) - 3})" if len(places) > 3 else "")


def collect(module: ModuleOp, outcome: BatchOutcome) -> list[dict[str, Any]]:
    """One row per distinct visible op of the batch, with how each script used it.

    Ops of different scripts that computed the same value (the same content
    key) are one row: that is the work the batch shares.
    """
    rows: list[dict[str, Any]] = []
    by_key: dict[str, dict[str, Any]] = {}
    for index, top in enumerate(module.body.block.ops):
        if isinstance(top, plan.TaskOp):
            op = top.body.block.first_op
            scripts = [s.data for s in top.scripts.data]
            backend = top.backend.data
        else:
            op, scripts, backend = top, [], "reference"
        if op is None or op.name in _HIDDEN:
            continue
        records = {k: outcome.op_records[k].get(index) for k in scripts if k < len(outcome.op_records)}
        keys = {r["key"] for r in records.values() if r is not None and r.get("key")}
        row = by_key.get(next(iter(keys))) if len(keys) == 1 else None
        if row is None:
            row = {"index": index, "label": _label(op), "where": _where(op), "scripts": [], "planned_backend": backend, "backends": [], "seconds": 0.0, "uses": {}}
            rows.append(row)
            for key in keys:
                by_key[key] = row
        else:
            row["where"] = ", ".join(filter(None, (row["where"], _where(op))))
        for k, record in records.items():
            if k not in row["scripts"]:
                row["scripts"].append(k)
            if record is None:
                row["uses"].setdefault(k, "not reached")
                continue
            row["uses"][k] = record["how"]
            if record["how"] in ("computed", "ran", "exited", "failed"):
                row["seconds"] += record["seconds"]
                if record.get("backend") and record["backend"] not in row["backends"]:
                    row["backends"].append(record["backend"])
    return rows


def _svg(rows: list[dict[str, Any]], names: list[str]) -> str:
    cell, top, left = 14, 170, 8
    width = left + cell * len(names) + 140
    height = top + cell * len(rows) + 10
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" aria-label="batch graph">']
    for j, name in enumerate(names):
        x = left + cell * j + cell / 2
        parts.append(f'<text x="{x}" y="{top - 6}" transform="rotate(-60 {x} {top - 6})" font-size="10">{html.escape(name)}</text>')
    for i, row in enumerate(rows):
        y = top + cell * i + cell / 2
        cols = sorted(row["scripts"])
        if len(cols) > 1:
            x1, x2 = left + cell * cols[0] + cell / 2, left + cell * cols[-1] + cell / 2
            parts.append(f'<line x1="{x1}" y1="{y}" x2="{x2}" y2="{y}" stroke="#999" stroke-width="2"/>')
        for k in cols:
            how = row["uses"].get(k, "not reached")
            x = left + cell * k + cell / 2
            title = html.escape(f"{row['label']} — {names[k] if k < len(names) else k}: {how}")
            parts.append(f'<circle class="op" cx="{x}" cy="{y}" r="4.5" fill="{_COLOURS.get(how, "#000")}"><title>{title}</title></circle>')
    parts.append("</svg>")
    return "".join(parts)


def render(module: ModuleOp, outcome: BatchOutcome) -> str:
    rows = collect(module, outcome)
    names = [r.id for r in outcome.results]
    shared = [r for r in rows if len(r["scripts"]) > 1]
    hits = sum(r.cache_hits for r in outcome.results)
    script_rows = "".join(
        f"<tr><td>{html.escape(r.id)}</td><td style='color:{_STATUS.get(r.status, '#000')}'>{r.status}</td><td>{r.exit_code}</td>"
        f"<td>{'replayed' if r.replayed else f'{r.seconds:.2f}'}</td><td>{r.ops_computed}</td><td>{r.cache_hits}</td><td>{html.escape(r.exception or r.signal or '')}</td>"
        f"<td>{html.escape(r.metric or '')}</td></tr>"
        for r in outcome.results
    )
    op_rows = "".join(
        f"<tr class='{'shared' if len(row['scripts']) > 1 else ''}'><td>{row['index']}</td><td><code>{html.escape(row['label'])}</code></td>"
        f"<td>{html.escape(row['where'])}</td><td>{len(row['scripts'])}</td><td>{html.escape(', '.join(row['backends']) or row['planned_backend'])}</td>"
        f"<td>{row['seconds'] * 1000:.1f}</td><td>"
        + " ".join(f"<span class='how' style='background:{_COLOURS.get(how, '#000')}' title='{html.escape(names[k])}: {how}'>{html.escape(names[k])}: {how}</span>" for k, how in sorted(row["uses"].items()))
        + "</td></tr>"
        for row in rows
    )
    legend = " ".join(f"<span class='how' style='background:{c}'>{h}</span>" for h, c in _COLOURS.items())
    data = json.dumps({"scripts": names, "shared_ops": len(shared), "ops": len(rows), "cache_hits": hits})
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Stratum batch report</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 1.5em; color: #222; }}
table {{ border-collapse: collapse; margin: 1em 0; font-size: 13px; }}
td, th {{ border: 1px solid #ddd; padding: 3px 6px; text-align: left; vertical-align: top; }}
tr.shared td {{ background: #f4f8ff; }}
.how {{ color: #fff; border-radius: 3px; padding: 0 4px; margin: 1px; display: inline-block; font-size: 11px; }}
.graph {{ overflow: auto; max-height: 70vh; border: 1px solid #ddd; }}
</style></head><body>
<h1>Stratum batch report</h1>
<p id="summary">{len(names)} scripts in {outcome.seconds:.2f}s; {len(rows)} ops shown, {len(shared)} shared by two or more scripts; {hits} values read from the cache.</p>
<h2>Scripts</h2>
<table id="scripts"><tr><th>script</th><th>status</th><th>exit</th><th>seconds</th><th>ops computed</th><th>cache hits</th><th>exception</th><th>last metric</th></tr>{script_rows}</table>
<h2>Batch graph</h2>
<p>One row per op, one column per script; a line joins the scripts that share an op. {legend}</p>
<div class="graph">{_svg(rows, names)}</div>
<h2>Ops</h2>
<table id="ops"><tr><th>#</th><th>op</th><th>source</th><th>scripts</th><th>backend</th><th>ms computing</th><th>per script</th></tr>{op_rows}</table>
<script type="application/json" id="stratum-data">{html.escape(data, quote=False)}</script>
</body></html>
"""


def write_report(path: Path, module: ModuleOp, outcome: BatchOutcome) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(module, outcome), encoding="utf-8")
