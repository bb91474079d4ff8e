"""Hostile inputs: mutated scenario files and malformed HTTP requests.

Used by the bounded fuzz tests in CI and by ``tools/fuzz.py`` for longer runs.
Both generators take a ``random.Random`` so a run is reproducible from its seed;
neither needs Hypothesis.  The mutations are the ones an attacker or a careless
user makes: wrong types, YAML tags on the wrong values, aliases that expand
exponentially, deep nesting, huge or non-finite numbers, times past year 9999,
nulls where mappings belong, bytes that are not UTF-8.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from typing import Any

__all__ = ["HOSTILE_SCALARS", "scenario_mutants", "mutate_scenario", "http_cases"]

#: values written in place of a scalar (YAML text)
HOSTILE_SCALARS = (
    "null", "~", "''", "[]", "{}", "-1", "0", "2.0", "1e308", "-1e308", ".inf", "-.inf", ".nan",
    "0x7fffffffffffffff", "99999999999999999999999", "-99999999999999999999",
    "!!int x", "!!float abc", "!!timestamp garbage", "!!binary AAAA", "!!str", "!!null x",
    "!!set {a: 1}", "!!omap [a: 1]", "!!python/object:os.system x", "!!map x", "!!seq x",
    "+99999999999999999999s", "+P99999999Y", "+-1s", "+1s", "+0m", "+PT1H", "+10000d",
    "10000-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z",
    "2026-02-30T00:00:00Z", "2026-09-01T08:00:00+99:00", "P1D", "PT-1S", "P0D",
    "true", "yes", "'\\u0000'", "\"\\0\"", "\"\\uD800\"", "'²'", "'①'", "'٣'",
    "'" + "x" * 5000 + "'", "[[[[[[[[[[]]]]]]]]]]", "{a: {b: {c: {d: {}}}}}",
    "*nosuchanchor", "&a 1", "'$(rm -rf /)'", "'../../../../etc/passwd'", "/dev/zero",
    "'Student.csv'", "{generate: {students: 0x7fffffffffffffff}}", "{students: 2.0}",
)

_SCALAR_LINE = re.compile(rb"^(\s*(?:- )?[A-Za-z_][A-Za-z0-9_]*:\s*)(\S.*)$")
_ITEM_LINE = re.compile(rb"^(\s*- )(\S.*)$")


def _bomb(levels: int = 9, width: int = 9) -> bytes:
    lines = [b"a0: &a0 [lol]"]
    for i in range(1, levels + 1):
        refs = b", ".join(b"*a%d" % (i - 1) for _ in range(width))
        lines.append(b"a%d: &a%d [%s]" % (i, i, refs))
    return b"\n".join(lines) + b"\n"


def _deep(n: int) -> bytes:
    return b"[" * n + b"]" * n


def mutate_scenario(rng: random.Random, text: bytes) -> bytes:
    """One to four mutations of a scenario file's bytes."""
    lines = text.split(b"\n")
    for _ in range(rng.randint(1, 4)):
        how = rng.random()
        i = rng.randrange(len(lines)) if lines else 0
        if not lines:
            lines = [b""]
        line = lines[i]
        if how < 0.50:
            m = _SCALAR_LINE.match(line) or _ITEM_LINE.match(line)
            if m:
                lines[i] = m.group(1) + rng.choice(HOSTILE_SCALARS).encode()
        elif how < 0.58:
            m = _ITEM_LINE.match(line)
            if m:
                lines[i] = m.group(1) + rng.choice((b"null", b"5", b"'text'", b"[]", b"~"))
            else:
                lines.insert(i, b"  - " + rng.choice((b"null", b"5", b"~", b"[1, 2]")))
        elif how < 0.66:
            del lines[i]
        elif how < 0.72:
            lines.insert(rng.randrange(len(lines) + 1), line)
        elif how < 0.76:
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        elif how < 0.80:
            pos = rng.randrange(len(line) + 1)
            lines[i] = line[:pos] + bytes([rng.choice((0x00, 0x07, 0x80, 0xC3, 0xFF, 0xFE,
                                                       0x09, 0x22, 0x27, 0x5B, 0x7B,
                                                       0x3A, 0x26, 0x2A, 0x21))]) + line[pos:]
        elif how < 0.84:
            m = _SCALAR_LINE.match(line)
            if m:
                lines[i] = m.group(1) + _deep(rng.choice((50, 200, 1000, 5000)))
        elif how < 0.87:
            lines = _bomb(rng.randint(3, 9), rng.randint(2, 10)).split(b"\n") + [
                b"name: " + b"*a%d" % rng.randint(0, 3)] + lines
        elif how < 0.90:
            m = _SCALAR_LINE.match(line)
            if m:
                lines[i] = m.group(1) + rng.choice((b"&x", b"*x", b"<<: *x", b"!!merge"))
        elif how < 0.94:
            indent = line[: len(line) - len(line.lstrip())]
            key = rng.choice((b"students", b"count", b"rows", b"slowdown", b"horizon",
                              b"objects", b"User", b"duration", b"at", b"params", b"config",
                              b"initial_minutes_per_object", b"cycle_interval", b"seed"))
            lines.insert(i + 1, indent + key + b": " + rng.choice(HOSTILE_SCALARS).encode())
        elif how < 0.97:
            lines[i] = line * rng.randint(2, 4)
        else:
            cut = rng.randrange(len(text) + 1)
            return text[:cut]
    return b"\n".join(lines)


def scenario_mutants(rng: random.Random, seeds: list[bytes], count: int) -> Iterator[bytes]:
    """``count`` mutants of the given scenario files."""
    for _ in range(count):
        yield mutate_scenario(rng, rng.choice(seeds))


# --------------------------------------------------------------------------- HTTP

_WEIRD_NUMBERS = ("²", "①", "٣", "1" * 5000, "-1", "+5", " 5", "5 ", "0x10", "1e3", "1.5", "",
                  "99999999999999999999", "00", "5\x00", "Ⅻ", "𝟓", "9" * 40)
_PROFILE_BODY = {
    "displayName": "fuzz",
    "dataProvider": {"@odata.type": "#microsoft.graph.educationCsvDataProvider"},
    "identitySynchronizationConfiguration": {
        "@odata.type": "#microsoft.graph.educationIdentityCreationConfiguration",
        "userDomains": [{"appliesTo": "student", "name": "school.edu"}],
    },
    "licensesToAssign": [],
}


def _nested_filter(rng: random.Random) -> str:
    n = rng.choice((10, 100, 1000, 2000))
    return rng.choice(("(" * n + "status eq 'x'" + ")" * n, "not " * n + "true",
                       " and ".join(["status eq 'x'"] * (n // 2)), "x" * (n * 10)))


def _json_value(rng: random.Random, depth: int = 0) -> Any:
    r = rng.random()
    if depth > 3 or r < 0.4:
        return rng.choice((None, True, 0, -1, 1.5, 2**70, "", "x", "²", "P1D", "PT-1S",
                           "2026-09-01T08:00:00Z", "10000-01-01T00:00:00Z", 1e308,
                           "x" * 3000))
    if r < 0.7:
        return [_json_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    keys = ("displayName", "kind", "at", "duration", "seconds", "until", "target", "rate",
            "count", "requests", "retryAfter", "slowdown", "templateId", "job", "objects",
            "servicePrincipalId", "schedule", "criteria", "entryType", "errorCode", "x")
    return {rng.choice(keys): _json_value(rng, depth + 1) for _ in range(rng.randint(0, 4))}


def _body(rng: random.Random) -> bytes:
    r = rng.random()
    if r < 0.15:
        return b""
    if r < 0.25:
        return bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
    if r < 0.30:
        n = rng.choice((100, 1000, 100_000))
        return b"[" * n + b"]" * n
    if r < 0.35:
        return json.dumps({"displayName": "x" * rng.choice((1000, 70_000, 200_000))}).encode()
    if r < 0.45:
        body = dict(_PROFILE_BODY)
        body[rng.choice(list(body))] = _json_value(rng)
        if rng.random() < 0.2:
            body["displayName"] = rng.choice(("\ud800", "a\udfffb", "\x00", "\u202e"))
        return json.dumps(body).encode()
    if r < 0.5:
        return rng.choice((b'{"a": NaN, "b": Infinity, "c": -Infinity}',
                           b'{"displayName": "\\ud800", "templateId": "\\udc00x"}',
                           b'{"kind": "throttle", "requests": 1e999}'))
    return json.dumps(_json_value(rng)).encode()


def http_cases(rng: random.Random, client: Any, count: int, token: str = "fuzz-token"
               ) -> Iterator[tuple[str, str, dict[str, bytes], bytes]]:
    """``count`` hostile ``(method, path, headers, body)`` requests.

    ``client`` (an ``httpx.Client`` on the server) first makes one profile and one
    job so that requests hit live resources, not only 404s.
    """
    auth = {"Authorization": f"Bearer {token}"}
    control = {**auth, "Content-Type": "application/json"}
    made = client.post("/beta/education/synchronizationProfiles", json=_PROFILE_BODY,
                       headers=auth)
    pid = made.json().get("id", "p") if made.status_code == 201 else "p"
    made = client.post("/v1.0/servicePrincipals/sp/synchronization/jobs",
                       json={"templateId": "t"}, headers=auth)
    jid = made.json().get("id", "j") if made.status_code == 201 else "j"
    profile = f"/beta/education/synchronizationProfiles/{pid}"
    job = f"/v1.0/servicePrincipals/sp/synchronization/jobs/{jid}"
    paths = [
        ("GET", "/beta/education/synchronizationProfiles"),
        ("POST", "/beta/education/synchronizationProfiles"),
        ("GET", "/beta/education/synchronizationProfiles/$count"),
        ("GET", profile), ("DELETE", profile + "x"), ("POST", profile + "/pause"),
        ("POST", profile + "/resume"), ("POST", profile + "/reset"), ("POST", profile + "/start"),
        ("GET", profile + "/uploadUrl()"), ("GET", profile + "/profileStatus"),
        ("GET", profile + "/errors"), ("POST", profile + "/errors"),
        ("GET", profile + "/errors/$count"),
        ("GET", "/v1.0/servicePrincipals/sp/synchronization/jobs"),
        ("POST", "/v1.0/servicePrincipals/sp/synchronization/jobs"),
        ("GET", job), ("PATCH", job), ("POST", job + "/start"), ("POST", job + "/pause"),
        ("POST", job + "/restart"), ("GET", job + "/schema"),
        ("POST", "/_sdssim/clock/advance"), ("GET", "/_sdssim/clock"),
        ("POST", "/_sdssim/faults"), ("GET", "/_sdssim/faults"), ("GET", "/_sdssim/events"),
        ("GET", "/_sdssim/requests"), ("GET", "/_sdssim/scorecard"),
        ("POST", "/_sdssim/jobs"), ("POST", f"/_sdssim/blob/{pid}"),
        ("PUT", f"/_sdssim/blob/{pid}/Student.csv"),
        ("GET", "/beta/%ff%fe"), ("GET", "/beta/education/synchronizationProfiles('%00')"),
        ("TRACE", profile), ("GET", "/"), ("GET", "/v2.0/x"),
    ]
    queries = ("", "?$top={n}", "?$skip={n}", "?since={n}", "?$filter={f}", "?$top=5&$top=6",
               "?$select=id,,", "?$count=maybe", "?$orderby=displayName%20desc", "?%ff=%fe",
               "?$skiptoken={n}", "?tolerance={n}", "?$filter=status%20eq%20'x'")
    for _ in range(count):
        method, path = rng.choice(paths)
        if rng.random() < 0.05:
            method = rng.choice(("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"))
        query = rng.choice(queries).replace("{n}", rng.choice(_WEIRD_NUMBERS + ("5", "0", "2")))
        query = query.replace("{f}", _nested_filter(rng))
        headers = dict(control if path.startswith("/_sdssim") and rng.random() < 0.8 else auth)
        r = rng.random()
        if r < 0.1:
            headers["Retry-Attempt"] = rng.choice(_WEIRD_NUMBERS)
        elif r < 0.2:
            headers["Prefer"] = "odata.maxpagesize=" + rng.choice(_WEIRD_NUMBERS)
        elif r < 0.25:
            headers["Authorization"] = rng.choice(("Bearer", "Basic x", "Bearer wrong", ""))
        elif r < 0.3:
            headers["Content-Type"] = rng.choice(("text/plain", "application/json; charset=x",
                                                  "application/x-www-form-urlencoded", ""))
        elif r < 0.35:
            headers["client-request-id"] = rng.choice(("x" * 5000, "\u00e9", ""))
        yield method, path + query, {k: _raw(v) for k, v in headers.items()}, _body(rng)


def _raw(value: str) -> bytes:
    """A header value's bytes: Latin-1 where it can be (``²`` is one byte, 0xB2), else UTF-8."""
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode("utf-8")
