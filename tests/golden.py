"""Golden digests of every bundled scenario's run outputs.

Each scenario in ``scenarios/`` is run through the CLI (``sdssim run SCENARIO --out DIR -q``);
every file the run writes is normalised (CRLF -> LF) and hashed with SHA-256. The digests
live in ``tests/golden_outputs.json`` and ``tests/test_golden_outputs.py`` compares them.

After an intended change of behaviour, regenerate them with::

    python tests/golden.py --update

and review the diff of ``tests/golden_outputs.json`` (each changed file is named).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
DIGESTS = Path(__file__).resolve().parent / "golden_outputs.json"
UPDATE_COMMAND = "python tests/golden.py --update"


def normalise(data: bytes) -> bytes:
    """The bytes compared: line endings unified, nothing else touched."""
    return data.replace(b"\r\n", b"\n")


def digest_run(scenario: Path) -> dict[str, str]:
    """``{output file name: sha256}`` of one CLI run of ``scenario``."""
    with tempfile.TemporaryDirectory(prefix="sdssim-golden-") as tmp:
        out = Path(tmp) / "out"
        proc = subprocess.run(
            [sys.executable, "-m", "sdssim", "run", str(scenario), "--out", str(out), "-q"],
            capture_output=True, text=True, cwd=tmp, check=False)
        if proc.returncode not in (0, 1):
            raise RuntimeError(f"sdssim run {scenario.name} exited {proc.returncode}:\n"
                               f"{proc.stdout}{proc.stderr}")
        files = sorted(p for p in out.rglob("*") if p.is_file())
        return {str(p.relative_to(out)): hashlib.sha256(normalise(p.read_bytes())).hexdigest()
                for p in files}


def compute() -> dict[str, dict[str, str]]:
    return {path.name: digest_run(path) for path in SCENARIOS}


def stored() -> dict[str, dict[str, str]]:
    return json.loads(DIGESTS.read_text(encoding="utf-8"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true", help=f"rewrite {DIGESTS.name}")
    args = parser.parse_args(argv)
    current = compute()
    if args.update:
        DIGESTS.write_text(json.dumps(current, indent=1, sort_keys=True) + "\n",
                           encoding="utf-8", newline="\n")
        print(f"wrote {DIGESTS} ({sum(map(len, current.values()))} files, "
              f"{len(current)} scenarios)")
        return 0
    differ = [f"{s}/{f}" for s in sorted(set(current) | set(stored()))
              for f in sorted(set(current.get(s, {})) | set(stored().get(s, {})))
              if current.get(s, {}).get(f) != stored().get(s, {}).get(f)]
    for name in differ:
        print(f"differs: {name}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
