"""A longer fuzz run than the CI tests: mutated scenarios and hostile HTTP requests.

Usage::

    python tools/fuzz.py scenarios --count 5000 --seed 1     # run `sdssim validate`+`run` in-process
    python tools/fuzz.py http --count 10000 --seed 1         # hostile requests at a live server

It prints one line of figures per target (runs, exit codes or statuses seen)
and exits 1 when an exit 3 (internal error) or an HTTP 500 was seen; the
offending inputs are written to ``--keep DIR`` (default ``out/fuzz``).
Deterministic for a given ``--seed``.  Figures are in docs/fuzzing.md.
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sdssim.testing.fuzzing import http_cases, scenario_mutants  # noqa: E402


def _cli(args: list[str]) -> tuple[int, str]:
    """Run the sdssim CLI in-process; ``(exit code, stderr)``."""
    from click.testing import CliRunner

    from sdssim.cli import main

    result = CliRunner().invoke(main, args, catch_exceptions=True)
    code = result.exit_code
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        code = 99  # escaped the CLI's own handling
    return code, result.stderr if hasattr(result, "stderr") else result.output


def fuzz_scenarios(count: int, seed: int, keep: Path) -> int:
    import random
    import tempfile

    rng = random.Random(seed)
    seeds = sorted((ROOT / "scenarios").glob("*.yaml"))
    codes: collections.Counter[int] = collections.Counter()
    disagreements = 0
    bad = 0
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for i, text in enumerate(scenario_mutants(rng, [s.read_bytes() for s in seeds], count)):
            path = Path(tmp) / f"m{i}.yaml"
            path.write_bytes(text)
            vcode, verr = _cli(["validate", str(path)])
            rcode, rerr = (vcode, verr)
            if vcode == 0:
                rcode, rerr = _cli(["run", str(path), "--out", str(Path(tmp) / f"o{i}"), "-q"])
                if rcode == 2:
                    disagreements += 1
            codes[rcode] += 1
            if rcode not in (0, 1, 2) or vcode not in (0, 2) or (vcode == 0 and rcode == 2):
                bad += 1
                keep.mkdir(parents=True, exist_ok=True)
                (keep / f"scenario-{i}.yaml").write_bytes(text)
                (keep / f"scenario-{i}.txt").write_text(f"validate {vcode}\n{verr}\nrun {rcode}\n{rerr}")
    seconds = time.perf_counter() - started
    print(f"scenarios: {count} mutants in {seconds:.0f} s; exit codes "
          + ", ".join(f"{k}: {v}" for k, v in sorted(codes.items()))
          + f"; validate passed but run refused: {disagreements}; kept {bad}")
    return bad


def fuzz_http(count: int, seed: int, keep: Path) -> int:
    import random

    import httpx

    from sdssim.engine import Simulation
    from sdssim.server.app import create_app
    from sdssim.server.testing import running_server

    rng = random.Random(seed)
    statuses: collections.Counter[int] = collections.Counter()
    bad = unsendable = 0
    started = time.perf_counter()
    app = create_app(Simulation(seed=seed), token="fuzz-token", max_body=64 * 1024)
    with running_server(app) as url, httpx.Client(base_url=url, timeout=60) as client:
        for i, (method, path, headers, body) in enumerate(http_cases(rng, client, count)):
            try:
                response = client.request(method, path, headers=headers, content=body)
            except (httpx.LocalProtocolError, httpx.InvalidURL):
                unsendable += 1  # httpx itself refuses to send it (a NUL in a header, ...)
                continue
            except httpx.HTTPError as exc:  # the server dropped the connection
                statuses[-1] += 1
                bad += 1
                keep.mkdir(parents=True, exist_ok=True)
                (keep / f"http-{i}.txt").write_text(f"{method} {path}\n{headers}\n{body[:2000]!r}\n{exc!r}")
                continue
            statuses[response.status_code] += 1
            if response.status_code >= 500 or (
                    response.status_code >= 400
                    and not response.headers.get("content-type", "").startswith("application/json")):
                bad += 1
                keep.mkdir(parents=True, exist_ok=True)
                (keep / f"http-{i}.txt").write_text(
                    f"{method} {path}\n{headers}\n{body[:2000]!r}\n{response.status_code} {response.text[:2000]}")
    seconds = time.perf_counter() - started
    print(f"http: {count} requests in {seconds:.0f} s ({unsendable} the client would not "
          "send); statuses " + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items()))
          + f"; 5xx, dropped or non-JSON errors: {bad}")
    return bad


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("target", choices=("scenarios", "http", "all"))
    parser.add_argument("--count", type=int, default=None)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, default=ROOT / "out" / "fuzz")
    args = parser.parse_args(argv)
    os.environ.setdefault("SDSSIM_NO_PROGRESS", "1")
    bad = 0
    if args.target in ("scenarios", "all"):
        bad += fuzz_scenarios(args.count or 5000, args.seed, args.keep)
    if args.target in ("http", "all"):
        bad += fuzz_http(args.count or 10000, args.seed, args.keep)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
