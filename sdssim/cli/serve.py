"""``sdssim serve``: a fake Microsoft Graph over one simulation (docs/server.md)."""

from __future__ import annotations

from typing import Any

import click

from sdssim.cli.group import EXIT_OK, Fatal
from sdssim.cli.inputs import load_scenario, seed_option

__all__ = ["serve_cmd"]


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True,
              help="Port to listen on.")
@click.option("--scenario", "scenario_path", metavar="FILE", default=None,
              help="Preload this scenario's profiles, jobs and faults.")
@seed_option
@click.option("--clock", type=click.Choice(("virtual", "realtime")), default="virtual",
              show_default=True, help="virtual: time moves only via /_sdssim/clock/advance.")
@click.option("--speed", type=click.FloatRange(min=0, min_open=True), default=1.0,
              show_default=True, help="Virtual seconds per wall second (realtime clock).")
@click.option("--token", default=None, help="Accept only this bearer token (default: any).")
@click.option("--rate-limit", default=None, metavar="N/SECONDS",
              help="Answer 429 past N Graph requests per SECONDS, e.g. 5/10s.")
@click.option("--page-size", type=click.IntRange(1, 999), default=None,
              help="Largest page of a collection (default 100).")
@click.option("--state", "state_path", metavar="FILE", default=None,
              help="Keep the simulation in this SQLite file: a restart (even after a kill) "
                   "carries on where it stopped.")
@click.option("--control-token", default=None,
              help="Bearer token for the control API under /_sdssim (default: --token).")
@click.option("--max-body", type=click.IntRange(min=0), default=None, metavar="BYTES",
              help="Largest request body; larger ones get 413 (default 16 MiB).")
@click.option("--max-records", type=click.IntRange(min=1), default=None, metavar="N",
              help="Records kept for /_sdssim/events (default 200,000; older ones are dropped).")
@click.option("--max-requests", type=click.IntRange(min=1), default=None, metavar="N",
              help="Entries kept in the request log (default 50,000).")
@click.option("--tls", is_flag=True, help="Serve HTTPS with a certificate from the local CA.")
@click.option("--proxy", is_flag=True,
              help="Be an HTTPS proxy that serves graph.microsoft.com and "
                   "login.microsoftonline.com itself (docs/clients.md).")
@click.option("--ca-dir", default=None, metavar="DIR",
              help="Where the local CA is kept (default ~/.local/share/sdssim/ca).")
def serve_cmd(host: str, port: int, scenario_path: str | None, seed: int | None, clock: str,
              speed: float, token: str | None, rate_limit: str | None,
              page_size: int | None, control_token: str | None, max_body: int | None,
              max_records: int | None, max_requests: int | None,
              state_path: str | None = None, tls: bool = False,
              proxy: bool = False, ca_dir: str | None = None) -> int:
    """Serve a fake Microsoft Graph (beta and v1.0) over one simulation (docs/server.md)."""
    try:  # the server extra is optional: import it only here
        from sdssim.server.app import create_app  # noqa: F401
        from sdssim.server.serve import bind, build_simulation, serve
        from sdssim.server.throttling import RateLimit
    except ImportError as exc:
        raise Fatal(f"sdssim serve needs the server extra: pip install 'sdssim[server]' "
                    f"({exc})") from None
    if rate_limit is not None:
        try:
            RateLimit.parse(rate_limit)
        except ValueError as exc:
            raise Fatal(str(exc)) from None
    if tls and proxy:
        raise click.UsageError("--tls and --proxy exclude each other (the proxy speaks TLS "
                               "to its clients itself)")
    if (tls or proxy) and not _has_cryptography():
        raise Fatal("--tls and --proxy need the cryptography package: "
                    "pip install 'sdssim[server]'")
    from sdssim.server.retention import DEFAULT_MAX_RECORDS, RecordBuffer
    from sdssim.server.serve import UnsafeBind, check_bind

    try:
        warning = check_bind(host, token, control_token)
    except UnsafeBind as exc:
        raise Fatal(str(exc)) from None
    if warning:
        click.echo(warning, err=True)
    scenario = load_scenario(scenario_path) if scenario_path else None
    store = None
    labels: dict[str, str] = {}
    records = None
    if state_path is not None:  # a persistent simulation keeps its own records
        from sdssim.server.persist import open_state

        built: list[str] = []

        def build() -> Any:
            made, notes = build_simulation(scenario, seed, labels=labels)
            built.extend(notes)
            return made

        try:
            sim, store, note = open_state(state_path, build)
        except (ValueError, OSError) as exc:
            raise Fatal(str(exc)) from None
        notes = built + [note]
    else:
        records = RecordBuffer(max_records or DEFAULT_MAX_RECORDS)
        sim, notes = build_simulation(scenario, seed, labels=labels, records=records)
    try:  # bind before printing anything: a busy port is one line and exit 2
        sock = bind(host, port)
    except OSError as exc:
        raise Fatal(str(exc)) from None
    for note in notes:
        click.echo(note)
    if not (tls or proxy):
        origin = f"http://{'[' + host + ']' if ':' in host else host}:{sock.getsockname()[1]}"
        click.echo(f"sdssim: Graph on {origin}/beta and /v1.0, control API under "
                   f"/_sdssim ({clock} clock)")
        click.echo(f"sdssim: dashboard on {origin}/_sdssim/ui"
                   + ("?token=<the --token value>" if token else ""))
    try:
        serve(sim, host=host, port=port, token=token, rate_limit=rate_limit, clock=clock,
              speed=speed, page_size=page_size, control_token=control_token,
              max_body=max_body, records=records, max_requests=max_requests, store=store,
              labels=labels, sock=sock, tls=tls, proxy=proxy, ca_dir=ca_dir, echo=click.echo)
    except (ValueError, OSError) as exc:  # a broken CA directory, a port in use
        raise Fatal(f"sdssim serve: {exc}") from None
    return EXIT_OK


def _has_cryptography() -> bool:
    import importlib.util

    return importlib.util.find_spec("cryptography") is not None

