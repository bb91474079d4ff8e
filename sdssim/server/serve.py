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

__all__ = ["build_simulation", "bind", "serve", "check_bind", "UnsafeBind", "main"]


def build_simulation(scenario: Any = None, seed: int | None = None, *,
                     labels: dict[str, str] | None = None,
                     records: Any = None) -> tuple[Simulation, list[str]]:
    """``(simulation, notes)``: a fresh simulation, or one preloaded from a scenario.

    ``scenario`` is a file path or a loaded :class:`sdssim.scenario.Scenario`;
    ``notes`` are one-line descriptions of what was preloaded (ids included).
    ``labels``, when given, is filled with ``subject -> scenario key``
    (``"job/<id>" -> "hr-sync"``) for the dashboard.
    ``records``: a :class:`~sdssim.server.retention.RecordBuffer` that receives
    every record instead of the simulation keeping them all (bounded memory).
    """
    labels = {} if labels is None else labels
    from sdssim.engine import SimConfig, Simulation
    from sdssim.engine.subjects import make_subject

    keep = {} if records is None else {"keep_records": False, "on_record": records}
    if scenario is None:
        return Simulation(seed=0 if seed is None else seed, **keep), []
    from sdssim.scenario import load as load_scenario
    from sdssim.scenario.materialize import materialize
    from sdssim.scenario.model import FaultEntry

    sc = load_scenario(scenario) if isinstance(scenario, str) else scenario
    sim = Simulation(seed=sc.seed if seed is None else seed, start=sc.start,
                     config=SimConfig(**sc.config), **keep)
    notes: list[str] = []

    def created(kind: str, key: str, made: Any, _patched: bool) -> None:
        labels[make_subject(kind, made.id)] = key
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


def bind(host: str, port: int) -> Any:
    """A listening TCP socket on ``host:port``; ``OSError`` with one readable line if not.

    Binding before anything is printed lets ``sdssim serve`` refuse a busy port
    with a single line instead of announcing a URL it cannot serve.
    """
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise OSError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    family, _, proto, _, address = infos[0]
    sock = socket.socket(family, socket.SOCK_STREAM, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        reason = "the port is already in use" if exc.errno == 98 else exc.strerror
        raise OSError(f"cannot listen on {host}:{port}: {reason}") from None
    return sock


class UnsafeBind(ValueError):
    """Binding beyond loopback without a control token."""


def check_bind(host: str, token: str | None, control_token: str | None) -> str | None:
    """The warning for a bind beyond loopback (``None`` on loopback).

    Raises :class:`UnsafeBind` when such a bind has no token: the control API
    moves the clock, schedules faults and reads every request, so it is never
    left open to the network.
    """
    from sdssim.server.guards import is_loopback

    if is_loopback(host):
        return None
    if (control_token or token) is None:
        raise UnsafeBind(f"--host {host} listens beyond this machine: give --token (or "
                         "--control-token) so that the control API under /_sdssim is not open "
                         "to the network")
    return (f"sdssim: warning: listening on {host}, beyond loopback: anyone who can reach it "
            "and holds the token can drive this simulation (docs/server.md, Threat model)")


def serve(sim: Simulation, *, host: str = "127.0.0.1", port: int = 8765, token: str | None = None,
          rate_limit: str | None = None, clock: str = "virtual", speed: float = 1.0,
          page_size: int | None = None, log_level: str = "info", store: Any = None,
          labels: dict[str, str] | None = None, sock: Any = None,
          control_token: str | None = None, max_body: int | None = None,
          records: Any = None, max_requests: int | None = None,
          tls: bool = False, proxy: bool = False, ca_dir: str | None = None,
          echo: Any = None) -> None:
    """Serve ``sim`` with uvicorn in the foreground until interrupted.

    ``store``: a :class:`~sdssim.server.persist.StateStore` (``--state``) or ``None``.
    ``labels``: subject -> display name for the dashboard.  ``sock``: an already
    listening socket (:func:`bind`) to serve on instead of binding ``host:port`` here.
    ``tls``: HTTPS with a certificate from the local CA in ``ca_dir``; ``proxy``:
    the Graph proxy (see :mod:`sdssim.server.transport`).  ``echo`` prints the
    start-up lines of those two modes (where the CA is, what clients must set).
    """
    import uvicorn

    from sdssim.server.app import LOOPBACK_NAMES, create_app
    from sdssim.server.graph import DEFAULT_PAGE_SIZE
    from sdssim.server.guards import DEFAULT_MAX_BODY, is_loopback
    from sdssim.server.retention import DEFAULT_MAX_REQUESTS

    check_bind(host, token, control_token)
    # a wildcard bind has no one name to check Host against (the token guards it);
    # a named bind accepts its own name and loopback names
    wildcard = host in ("0.0.0.0", "::", "")
    hosts = None if wildcard else (LOOPBACK_NAMES | {host.strip("[]").lower()}
                                   if not is_loopback(host) else LOOPBACK_NAMES | {host})
    app = create_app(sim, token=token, rate_limit=rate_limit, clock=clock, speed=speed,
                     page_size=page_size or DEFAULT_PAGE_SIZE, control_token=control_token,
                     allowed_hosts=hosts if hosts is not None else (),
                     max_body=DEFAULT_MAX_BODY if max_body is None else max_body,
                     records=records,
                     max_requests=DEFAULT_MAX_REQUESTS if max_requests is None else max_requests,
                     store=store)
    app.state.sdssim.labels.update(labels or {})
    if tls or proxy:
        from sdssim.server.transport import serve_secure

        if sock is not None:  # the secure server binds its own listeners on host:port
            sock.close()
        serve_secure(app, mode="proxy" if proxy else "tls", host=host, port=port,
                     ca_dir=ca_dir, token=token, log_level=log_level, echo=echo)
        return
    if sock is None:
        sock = bind(host, port)
    # uvicorn formats every access line before its logger drops it: below info, ask for none
    access_log = str(log_level).lower() in ("trace", "debug", "info")
    config = uvicorn.Config(app, log_level=log_level, lifespan="off", access_log=access_log)
    uvicorn.Server(config).run(sockets=[sock])


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
    parser.add_argument("--control-token", default=None)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--tls", action="store_true", help="serve HTTPS (local CA)")
    mode.add_argument("--proxy", action="store_true",
                      help="be an HTTPS proxy serving graph.microsoft.com itself")
    parser.add_argument("--ca-dir", default=None, help="where the local CA is kept")
    args = parser.parse_args(argv)
    try:
        warning = check_bind(args.host, args.token, args.control_token)
    except UnsafeBind as exc:
        parser.error(str(exc))
    if warning:
        print(warning, flush=True)
    from sdssim.server.retention import RecordBuffer

    records = RecordBuffer()
    labels: dict[str, str] = {}
    sim, notes = build_simulation(args.scenario, args.seed, labels=labels, records=records)
    for note in notes:
        print(note, flush=True)
    serve(sim, host=args.host, port=args.port, token=args.token, rate_limit=args.rate_limit,
          clock=args.clock, speed=args.speed, page_size=args.page_size,
          log_level=args.log_level, labels=labels, control_token=args.control_token,
          records=records, tls=args.tls, proxy=args.proxy, ca_dir=args.ca_dir)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
