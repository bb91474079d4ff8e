"""Grade a Graph client from the server's request log.

Pure Python over the entries of :mod:`sdssim.server.requestlog` (no web
framework needed), so it can grade a saved log as well as a live server::

    python -m sdssim.server.scorecard requests.json        # a saved GET /_sdssim/requests
    python -m sdssim.server.scorecard http://127.0.0.1:8765  # a running server

Four checks, each ``pass``, ``fail`` or ``not exercised``:

``retryAfter``
    After a 429 the client's next identical request (same ``client-request-id``
    when the client sends one, else same method, path, query and body) came at
    least ``Retry-After`` wall seconds later (``tolerance`` allowed).
``nonRetryableRetries``
    The client did not repeat a request that failed with a status that is not
    worth retrying (400, 401, 403, 404, 405, 409): a repeat is the next
    identical request when it carries the same client-supplied
    ``client-request-id`` or a ``Retry-Attempt`` header, or comes within
    ``retry_window`` wall seconds with no successful write in between.
``polling``
    Repeated reads of the same resource (profile, profileStatus, job, and
    their collections) are spaced at least ``min_poll_seconds`` of *virtual*
    time apart unless a successful write happened in between; a closer read
    is "too soon".  Virtual time, so that a test that advances the clock
    between polls is graded like a real client that waits.
``paging``
    Every ``@odata.nextLink`` the server handed out was requested afterwards.
"""

from __future__ import annotations

import json
import statistics
import sys
from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote, urlsplit

from sdssim.clock import parse_timestamp

__all__ = ["grade", "NON_RETRYABLE", "main"]

NON_RETRYABLE = frozenset({400, 401, 403, 404, 405, 409})
_MUTATING = frozenset({"POST", "PATCH", "PUT", "DELETE"})
_POLLED_SUFFIXES = ("/profileStatus", "/synchronizationProfiles", "/jobs")


def _signature(e: dict) -> tuple:
    return (e["method"], e["path"], e.get("query") or "", e.get("bodyDigest"))


def _vt(e: dict) -> float:
    return parse_timestamp(e["time"]).timestamp()


def _is_poll(e: dict) -> bool:
    if e["method"] != "GET":
        return False
    path = e["path"]
    if path.endswith(_POLLED_SUFFIXES):
        return True
    parts = path.rstrip("/").split("/")
    return len(parts) >= 2 and parts[-2] in ("synchronizationProfiles", "jobs")


def _successful_write_between(entries: list[dict], i: int, j: int) -> bool:
    return any(
        entries[k]["method"] in _MUTATING and 200 <= entries[k]["status"] < 300
        for k in range(i + 1, j)
    )


def _next_same(entries: list[dict], i: int) -> int | None:
    e = entries[i]
    crid = e.get("clientRequestId")
    sig = _signature(e)
    if crid:
        for j in range(i + 1, len(entries)):
            if entries[j].get("clientRequestId") == crid:
                return j
    for j in range(i + 1, len(entries)):
        if _signature(entries[j]) == sig:
            return j
    return None


def _retry_after(entries: list[dict], tolerance: float) -> dict:
    throttled = [i for i, e in enumerate(entries) if e["status"] == 429]
    retried = honoured = 0
    too_early = []
    for i in throttled:
        j = _next_same(entries, i)
        if j is None:
            continue
        retried += 1
        wanted = entries[i].get("retryAfter") or 0
        waited = entries[j]["wall"] - entries[i]["wall"]
        if waited + tolerance >= wanted:
            honoured += 1
        else:
            too_early.append({"seq": entries[j]["seq"], "after": entries[i]["seq"],
                              "retryAfter": wanted, "waited": round(waited, 3)})
    result = "not exercised" if not retried else ("pass" if not too_early else "fail")
    return {"result": result, "throttled": len(throttled), "retried": retried,
            "honoured": honoured, "tooEarly": too_early}


def _non_retryable(entries: list[dict], retry_window: float) -> dict:
    failures = [i for i, e in enumerate(entries) if e["status"] in NON_RETRYABLE]
    repeats = []
    for i in failures:
        e = entries[i]
        sig = _signature(e)
        crid = e.get("clientRequestId")
        for j in range(i + 1, len(entries)):
            n = entries[j]
            if _signature(n) != sig:
                continue
            same_id = bool(crid) and n.get("clientRequestId") == crid
            quick = (n["wall"] - e["wall"] <= retry_window
                     and not _successful_write_between(entries, i, j))
            if same_id or n.get("retryAttempt") or quick:
                repeats.append({"seq": n["seq"], "repeats": e["seq"], "status": e["status"],
                                "method": e["method"], "path": e["path"]})
            break
    result = "not exercised" if not failures else ("pass" if not repeats else "fail")
    return {"result": result, "nonRetryableFailures": len(failures), "repeats": repeats}


def _polling(entries: list[dict], min_poll_seconds: float) -> dict:
    last: dict[tuple, int] = {}
    by_resource: dict[str, list[float]] = {}
    too_soon = []
    polls = 0
    for i, e in enumerate(entries):
        if not _is_poll(e):
            continue
        polls += 1
        key = (e["path"], e.get("query") or "")
        by_resource.setdefault(e["path"], [])
        if key in last:
            p = last[key]
            gap = _vt(e) - _vt(entries[p])
            by_resource[e["path"]].append(gap)
            if gap < min_poll_seconds and not _successful_write_between(entries, p, i):
                too_soon.append({"seq": e["seq"], "previous": entries[p]["seq"], "path": e["path"],
                                 "virtualGapSeconds": round(gap, 3)})
        last[key] = i
    resources = {
        path: {
            "polls": len(gaps) + 1,
            "medianVirtualGapSeconds": round(statistics.median(gaps), 3) if gaps else None,
        }
        for path, gaps in by_resource.items()
    }
    repeated = sum(len(g) for g in by_resource.values())
    result = "not exercised" if not repeated else ("pass" if not too_soon else "fail")
    return {"result": result, "polls": polls, "minPollSeconds": min_poll_seconds,
            "tooSoon": too_soon, "resources": resources}


def _link_key(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return unquote(parts.path), parts.query


def _paging(entries: list[dict]) -> dict:
    last_seq: dict[tuple[str, str], int] = {}
    for e in entries:
        last_seq[(e["path"], e.get("query") or "")] = e["seq"]
    served = [(e["seq"], e["nextLink"]) for e in entries if e.get("nextLink")]
    missed = [{"seq": seq, "nextLink": link} for seq, link in served
              if last_seq.get(_link_key(link), 0) <= seq]
    result = "not exercised" if not served else ("pass" if not missed else "fail")
    return {"result": result, "nextLinksServed": len(served),
            "followed": len(served) - len(missed), "notFollowed": missed}


def grade(
    entries: Iterable[dict[str, Any]],
    *,
    tolerance: float = 0.05,
    retry_window: float = 2.0,
    min_poll_seconds: float = 5.0,
) -> dict:
    """The scorecard of a client, from request-log entries in ``seq`` order."""
    entries = sorted(entries, key=lambda e: e["seq"])
    checks = {
        "retryAfter": _retry_after(entries, tolerance),
        "nonRetryableRetries": _non_retryable(entries, retry_window),
        "polling": _polling(entries, min_poll_seconds),
        "paging": _paging(entries),
    }
    statuses: dict[str, int] = {}
    for e in entries:
        statuses[str(e["status"])] = statuses.get(str(e["status"]), 0) + 1
    graded = [c["result"] for c in checks.values() if c["result"] != "not exercised"]
    return {
        "requests": len(entries),
        "statuses": dict(sorted(statuses.items())),
        "checks": checks,
        "passed": graded.count("pass"),
        "failed": graded.count("fail"),
        "notExercised": len(checks) - len(graded),
    }


def load_requests(source: str) -> list[dict]:
    """Request-log entries from a running server's base URL or a saved requests file."""
    if source.startswith(("http://", "https://")):
        import httpx

        response = httpx.get(source.rstrip("/") + "/_sdssim/requests", timeout=30)
        response.raise_for_status()
        doc = response.json()
    else:
        with open(source, encoding="utf-8") as fh:
            text = fh.read()
        try:
            doc = json.loads(text)
        except json.JSONDecodeError:
            doc = [json.loads(line) for line in text.splitlines() if line.strip()]
    return doc["value"] if isinstance(doc, dict) else doc


def main(argv: list[str] | None = None) -> int:
    """``python -m sdssim.server.scorecard SOURCE``: print the scorecard as JSON.

    SOURCE is a server base URL or a file holding ``GET /_sdssim/requests``
    output (JSON, or JSON Lines of entries).  Exit status 1 when a check failed.
    """
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or args[0] in ("-h", "--help"):
        print(main.__doc__)
        return 2
    card = grade(load_requests(args[0]))
    print(json.dumps(card, indent=2))
    return 1 if card["failed"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
