"""What a sweep runs: seed ranges and a grid of :class:`~sdssim.SimConfig` overrides."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = ["parse_seeds", "parse_grid", "grid_points", "check_overrides", "cell"]


def parse_seeds(text: str | int | Iterable[int]) -> list[int]:
    """``"0:1000"`` (0 to 999), ``"7"``, ``"1,5,9"``, ``"0:100:10"``, or mixtures of them.

    A list of integers (or a ``range``) is taken as it is.  Raises ``ValueError``.
    """
    if isinstance(text, bool):
        raise ValueError("seeds must be integers")
    if isinstance(text, int):
        seeds = [text]
    elif isinstance(text, str):
        seeds = []
        for part in text.split(","):
            part = part.strip()
            if not part:
                raise ValueError(f"empty item in seeds {text!r}")
            try:
                if ":" in part:
                    bits = [int(b) for b in part.split(":")]
                    if len(bits) not in (2, 3):
                        raise ValueError
                    if len(bits) == 3 and bits[2] <= 0:
                        raise ValueError
                    seeds.extend(range(*bits))
                else:
                    seeds.append(int(part))
            except ValueError:
                raise ValueError(f"bad seeds {part!r}: write N, A:B (A to B-1) or A:B:STEP, "
                                 "separated by commas") from None
    else:
        seeds = list(text)
        if any(isinstance(s, bool) or not isinstance(s, int) for s in seeds):
            raise ValueError("seeds must be integers")
    if not seeds:
        raise ValueError(f"no seeds in {text!r}")
    if any(s < 0 for s in seeds):
        raise ValueError("seeds cannot be negative")
    if len(set(seeds)) != len(seeds):
        raise ValueError("a seed is repeated")
    return seeds


def _split_top(text: str) -> list[str]:
    """Split on commas that are not inside brackets: ``a,[1, 2],b`` -> 3 items."""
    items: list[str] = []
    cur: list[str] = []
    depth = 0
    for ch in text:
        if ch in "[({":
            depth += 1
        elif ch in "])}":
            depth -= 1
        if ch == "," and depth == 0:
            items.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    items.append("".join(cur).strip())
    return items


def _value(text: str) -> Any:
    """A grid value as YAML reads it (``PT20M`` stays text, ``0.5`` is a number)."""
    import yaml

    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    return text if value is None else value


def parse_grid(items: Sequence[str] | Mapping[str, Sequence[Any]] | None) -> dict[str, list]:
    """``["cycle_interval=PT20M,PT40M", "status_lag=0s,10m"]`` -> ``{key: [values]}``.

    A mapping of key to values is taken as it is.  Keys must be :class:`SimConfig`
    fields; each value is checked by building a ``SimConfig`` with it.  Raises
    ``ValueError``.
    """
    if not items:
        return {}
    grid: dict[str, list] = {}
    if isinstance(items, Mapping):
        for key, values in items.items():
            if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
                raise ValueError(f"grid {key}: give a list of values")
            grid[str(key)] = list(values)
    else:
        for item in items:
            key, eq, rest = item.partition("=")
            key = key.strip()
            if not eq or not key or not rest.strip():
                raise ValueError(f"bad grid item {item!r}: write KEY=V1,V2,...")
            if key in grid:
                raise ValueError(f"grid key {key!r} given twice")
            grid[key] = [_value(v) for v in _split_top(rest)]
    for key, values in grid.items():
        if not values:
            raise ValueError(f"grid {key}: no values")
        for v in values:
            check_overrides({key: v})
    return grid


def check_overrides(overrides: Mapping[str, Any], base: Mapping[str, Any] | None = None) -> None:
    """Raise ``ValueError`` unless ``base`` updated with ``overrides`` is a valid SimConfig."""
    import attrs

    from sdssim.engine import SimConfig

    fields = {f.name for f in attrs.fields(SimConfig)}
    for key in overrides:
        if key not in fields:
            raise ValueError(f"unknown SimConfig setting {key!r} (settings: "
                             f"{', '.join(sorted(fields))})")
    try:
        SimConfig(**{**(base or {}), **overrides})
    except (TypeError, ValueError) as exc:
        raise ValueError(f"bad setting {dict(overrides)!r}: {exc}") from None


def grid_points(grid: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Every combination of the grid's values (the first key varies slowest)."""
    if not grid:
        return [{}]
    keys = list(grid)
    return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*(grid[k] for k in keys))]


def cell(value: Any) -> str:
    """A grid value as the text written in the tables."""
    return value if isinstance(value, str) else json.dumps(value)
