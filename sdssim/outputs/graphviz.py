"""State diagrams laid out by Graphviz ``dot``, as SVG text to embed in HTML.

:func:`machine_svg` feeds :func:`sdssim.machines.to_dot` (family colours,
current state outlined, the transitions taken drawn thick) to ``dot -Tsvg``
and strips the XML prologue so the result can be inlined in a page.  Where
``dot`` is not installed (Debian package ``graphviz``) it falls back to
:func:`sdssim.outputs.diagrams.diagram_svg`, sdssim's own layered layout.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Sequence

from ..machines import to_dot

__all__ = ["machine_svg", "dot_available"]

_PROLOGUE = re.compile(r"\A.*?(?=<svg\b)", re.S)


def dot_available() -> bool:
    return shutil.which("dot") is not None


def machine_svg(machine: str, *, current: str | None = None, path: Sequence[str] = (),
                taken: Sequence[tuple[str, str | None]] = (), title: str | None = None) -> str:
    """The diagram of ``machine`` as an inline ``<svg>`` element (see the module doc)."""
    exe = shutil.which("dot")
    if exe is None:
        from .diagrams import diagram_svg

        return diagram_svg(machine, current=current, path=path, taken=list(taken),
                           title=title or f"{machine} machine")
    text = to_dot(machine, current=current, path=path, taken=taken, colors=True,
                  title=_quote(title) if title else None)
    proc = subprocess.run([exe, "-Tsvg"], input=text.encode(), capture_output=True,
                          timeout=60, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"dot failed ({proc.returncode}): "
                           f"{proc.stderr.decode(errors='replace').strip()}")
    svg = _PROLOGUE.sub("", proc.stdout.decode("utf-8"), count=1)
    return svg.replace("<svg ", f'<svg class="state-diagram" data-machine="{machine}" '
                       f'role="img" aria-label="{machine} machine" ', 1)


def _quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')
