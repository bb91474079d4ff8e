"""``sdssim serve``: build the simulation (optionally from a scenario) and run uvicorn.

A scenario given with ``--scenario`` is *preloaded*, not run: its declared
profiles and jobs (``create: true``, the default) are created at the
scenario's start time, jobs with their source ``objects``, settings and
schedule; its ``fault`` entries are scheduled at their times for their
durations.  Timeline actions and expectations are left to the client — that
is the point of serving.  A fault aimed at a profile or job the scenario does
not create at the start cannot be resolved and is reported as skipped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sdssim.engine import Simulation

__all__ = ["build_simulation", "serve", "main"]


def build_simulation(scenario: Any = None, seed: int | None = None
                     ) -> tuple[Simulation, list[str]]:
    """``(simulation, notes)``: a fresh simulation, or one preloaded from a scenario.

    ``scenario`` is a file path or a loaded :class:`sdssim.scenario.Scenario`;
    ``notes`` are one-line descriptions of what was preloaded (ids included).
    """
    from sdssim.engine import SimConfig, Simulation

    if scenario is None:
        return Simulation(seed=0 if seed is None else seed), []
    from sdssim.scenario import load as load_scenario
    from sdssim.scenario.materialize import materialize
    from sdssim.scenario.model import FaultEntry

    sc = load_scenario(scenario) if isinstance(scenario, str) else scenario
    sim = Simulation(seed=sc.seed if seed is None else seed, start=sc.start,
                     config=SimConfig(**sc.config))
    notes: list[str] = []

    def created(kind: str, key: str, made: Any, _patched: bool) -> None:
        if kind == "profile":
            notes.append(f"profile {key}: id {made.id}")
        else:
            notes.append(f"job {key}: servicePrincipal {subjects_sp[key]}, id {made.id}")

    subjects_sp = {job.key: job.sp for job in sc.jobs}
    subjects = materialize(sc, sim, on_create=created)
    for entry in sc.timeline:
        if not isinstance(entry, FaultEntry):
            continue
        kind, key, ids = (("profile", entry.profile, subjects.profile_ids)
                          if entry.profile is not None
                          else ("job", entry.job, subjects.job_ids))
        target = None
        if key is not None:
            if key not in ids:
                notes.append(f"fault {entry.kind} at line {entry.line}: skipped ({kind} "
                             f"{key} is not created at the start)")
                continue
            target = subjects.subject(kind, key)
        sim.add_fault(entry.kind, at=entry.time, duration=entry.duration, target=target,
                      **entry.params)
        notes.append(f"fault {entry.kind} scheduled at {entry.time.isoformat()}"
                     + (f" for {target}" if target else ""))
    return sim, notes


def serve(sim: Simulation, *, host: str = "127.0.0.1", port: int = 8765, token: str | None = None,
          rate_limit: str | None = None, clock: str = "virtual", speed: float = 1.0,
          page_size: int | None = None, log_level: str = "info", store: Any = None) -> None:
    """Serve ``sim`` with uvicorn in the foreground until interrupted.

    ``store``: a :class:`~sdssim.server.persist.StateStore` (``--state``) or ``None``.
    """
    import uvicorn

    from sdssim.server.app import create_app
    from sdssim.server.graph import DEFAULT_PAGE_SIZE

    app = create_app(sim, token=token, rate_limit=rate_limit, clock=clock, speed=speed,
                     page_size=page_size or DEFAULT_PAGE_SIZE, store=store)
    uvicorn.run(app, host=host, port=port, log_level=log_level, lifespan="off")


def main(argv: list[str] | None = None) -> int:
    """``python -m sdssim.server.serve``: the same options as ``sdssim serve``."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m sdssim.server.serve",
                                     description="Serve a fake Microsoft Graph over sdssim.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--scenario", default=None, help="preload this scenario file")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--clock", choices=("virtual", "realtime"), default="virtual")
    parser.add_argument("--speed", type=float, default=1.0)
    parser.add_argument("--token", default=None, help="accept only this bearer token")
    parser.add_argument("--rate-limit", default=None, metavar="N/SECONDS")
    parser.add_argument("--page-size", type=int, default=None)
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args(argv)
    sim, notes = build_simulation(args.scenario, args.seed)
    for note in notes:
        print(note, flush=True)
    serve(sim, host=args.host, port=args.port, token=args.token, rate_limit=args.rate_limit,
          clock=args.clock, speed=args.speed, page_size=args.page_size,
          log_level=args.log_level)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
