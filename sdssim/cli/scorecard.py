"""``sdssim scorecard``: grade a client from the requests a fake Graph server saw."""

from __future__ import annotations

import json

import click

from sdssim.cli.group import EXIT_FAILED, EXIT_OK, Fatal

__all__ = ["scorecard_cmd"]


@click.command("scorecard")
@click.argument("source", metavar="URL_OR_FILE")
@click.option("--json", "as_json", is_flag=True, help="Print the scorecard as JSON.")
def scorecard_cmd(source: str, as_json: bool) -> int:
    """Grade a client from the requests a fake Graph server saw.

    URL_OR_FILE is a running server's base URL (http://127.0.0.1:8765) or a file
    saved from GET /_sdssim/requests. Exits 1 when a check failed.
    """
    from sdssim.server.scorecard import grade, load_requests

    try:
        entries = load_requests(source)
    except ImportError as exc:
        raise Fatal(f"reading a server needs httpx: pip install 'sdssim[server]' ({exc})") from None
    except (OSError, ValueError) as exc:
        raise Fatal(f"cannot read requests from {source}: {exc}") from None
    except Exception as exc:  # httpx.HTTPError and friends: one readable line
        raise Fatal(f"cannot read requests from {source}: {type(exc).__name__}: {exc}") from None
    if not isinstance(entries, list) or not all(isinstance(e, dict) and "seq" in e
                                                for e in entries):
        raise Fatal(f"{source} does not hold a request log (GET /_sdssim/requests)")
    try:
        card = grade(entries)
    except (KeyError, TypeError, ValueError) as exc:
        raise Fatal(f"{source}: malformed request log entry ({exc})") from None
    if as_json:
        click.echo(json.dumps(card, indent=2, sort_keys=True))
    else:
        click.echo(f"{card['requests']} requests; statuses "
                   + ", ".join(f"{k}: {v}" for k, v in card["statuses"].items()))
        for name, check in card["checks"].items():
            detail = ", ".join(f"{k}={v}" for k, v in check.items()
                               if k != "result" and not isinstance(v, (list, dict)))
            click.echo(f"  {check['result']:>13}  {name}  {detail}".rstrip())
        click.echo(f"{card['passed']} passed, {card['failed']} failed, "
                   f"{card['notExercised']} not exercised")
    return EXIT_FAILED if card["failed"] else EXIT_OK

