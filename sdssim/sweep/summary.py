"""From the outcome rows of a sweep to a summary per grid point, and the files written."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["percentile", "summarise", "SUMMARY_COLUMNS", "write_csv", "write_parquet",
           "write_plot", "write_json", "to_csv_text", "import_writers"]

#: columns of a summary row after ``point`` and the grid keys
SUMMARY_COLUMNS: tuple[str, ...] = (
    "runs", "run_errors", "pass_rate", "p_quarantine", "p_disabled",
    "mean_job_quarantines", "mean_cycles", "steady_runs", "time_to_steady_h_mean", "time_to_steady_h_min",
    "time_to_steady_h_p50", "time_to_steady_h_p90", "time_to_steady_h_p99",
    "time_to_steady_h_max",
)


def percentile(sorted_values: Sequence[float], q: float) -> float | None:
    """The ``q``-th percentile (0–100) by linear interpolation between closest ranks."""
    n = len(sorted_values)
    if n == 0:
        return None
    pos = (n - 1) * q / 100.0
    lo = math.floor(pos)
    hi = min(lo + 1, n - 1)
    frac = pos - lo
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * frac


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 6)


def summarise(rows: Sequence[Mapping[str, Any]], keys: Sequence[str]) -> list[dict[str, Any]]:
    """One summary row per grid point (rows carry ``point`` and the grid ``keys``)."""
    by_point: dict[int, list[Mapping[str, Any]]] = {}
    for row in rows:
        by_point.setdefault(row["point"], []).append(row)
    out = []
    for point in sorted(by_point):
        group = by_point[point]
        ok = [r for r in group if not r["error"]]
        n = len(ok)
        times = sorted(r["time_to_steady_h"] for r in ok if r["time_to_steady_h"] is not None)
        summ: dict[str, Any] = {"point": point, **{k: group[0][k] for k in keys}}
        summ.update(
            runs=len(group),
            run_errors=len(group) - n,
            pass_rate=_r(sum(1 for r in ok if r["passed"]) / n) if n else None,
            p_quarantine=_r(sum(1 for r in ok if r["quarantined"]) / n) if n else None,
            p_disabled=_r(sum(1 for r in ok if r["disabled"]) / n) if n else None,
            mean_job_quarantines=_r(sum(r["job_quarantines"] for r in ok) / n) if n else None,
            mean_cycles=_r(sum(r["cycles"] for r in ok) / n) if n else None,
            steady_runs=len(times),
            time_to_steady_h_mean=_r(math.fsum(times) / len(times)) if times else None,
            time_to_steady_h_min=_r(times[0]) if times else None,
            time_to_steady_h_p50=_r(percentile(times, 50)),
            time_to_steady_h_p90=_r(percentile(times, 90)),
            time_to_steady_h_p99=_r(percentile(times, 99)),
            time_to_steady_h_max=_r(times[-1]) if times else None,
        )
        out.append(summ)
    return out


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def to_csv_text(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """CSV text: a header, then one line per row (``true``/``false``, empty for none)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_text(row[c]) for c in columns])
    return buf.getvalue()


def write_csv(path: Path, rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> None:
    path.write_text(to_csv_text(rows, columns), encoding="utf-8", newline="")


_ARROW_TYPES = {
    "point": "int64", "seed": "int64", "passed": "bool_", "checks": "int64",
    "failures": "int64", "quarantined": "bool_", "job_quarantines": "int64",
    "sync_quarantines": "int64", "disabled": "bool_", "disablements": "int64",
    "time_to_steady_h": "float64", "cycles": "int64", "events": "int64", "errors": "int64", "error": "string",
}


def import_writers(plot: bool) -> None:
    """Import what :func:`write_parquet` and :func:`write_plot` need (about a second on
    a first call), so that it can be done while a sweep's runs go on; nothing if not
    installed."""
    with contextlib.suppress(ImportError):
        import pyarrow.parquet  # noqa: F401
    if plot:
        with contextlib.suppress(ImportError):
            import matplotlib.backends.backend_agg  # noqa: F401
            import matplotlib.figure  # noqa: F401


def write_parquet(path: Path, rows: Sequence[Mapping[str, Any]], columns: Sequence[str]
                  ) -> bool:
    """Write the outcome rows as Parquet; ``False`` (nothing written) without pyarrow."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        return False
    schema = pa.schema([(c, getattr(pa, _ARROW_TYPES.get(c, "string"))()) for c in columns])
    table = pa.table({c: [r[c] for r in rows] for c in columns}, schema=schema)
    pq.write_table(table, str(path))
    return True


def write_plot(path: Path, rows: Sequence[Mapping[str, Any]],
               summary: Sequence[Mapping[str, Any]], keys: Sequence[str], title: str) -> None:
    """``summary.png``: probabilities per grid point, and the spread of time to steady state."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11, 4.2))
    FigureCanvasAgg(fig)
    ax1, ax2 = fig.subplots(1, 2)
    labels = [", ".join(f"{k}={s[k]}" for k in keys) or "all runs" for s in summary]
    width = 0.27
    xs = range(len(summary))
    for j, (col, name) in enumerate((("pass_rate", "expectations hold"),
                                     ("p_quarantine", "quarantined"),
                                     ("p_disabled", "disabled"))):
        ax1.bar([x + (j - 1) * width for x in xs], [s[col] or 0.0 for s in summary], width,
                label=name)
    ax1.set_xticks(list(xs), labels, rotation=15 if len(summary) > 1 else 0, fontsize=8)
    ax1.set_ylim(0, 1.05)
    ax1.set_ylabel("share of seeds")
    ax1.set_title("outcomes")
    ax1.legend(fontsize=8)
    plotted = False
    for s, label in zip(summary, labels, strict=True):
        times = sorted(r["time_to_steady_h"] for r in rows
                       if r["point"] == s["point"] and not r["error"]
                       and r["time_to_steady_h"] is not None)
        if times:
            n = len(times)
            ax2.step(times, [(i + 1) / n for i in range(n)], where="post", label=label)
            plotted = True
    ax2.set_xlabel("hours from the start until every job reached steady state")
    ax2.set_ylabel("share of seeds (cumulative)")
    ax2.set_title("time to steady state")
    if plotted:
        ax2.legend(fontsize=8)
    else:
        ax2.text(0.5, 0.5, "no job reached steady state", ha="center", va="center",
                 transform=ax2.transAxes)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(str(path), dpi=100)


def write_json(path: Path, data: Mapping[str, Any]) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")

