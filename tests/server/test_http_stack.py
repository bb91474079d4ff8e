"""The server answers byte for byte the same on uvloop + httptools and on asyncio + h11.

The ``server`` extra installs ``uvicorn[standard]`` (uvloop, httptools), which uvicorn
takes when installed; without them it falls back to the pure-Python event loop and
HTTP parser. Both stacks serve the same scripted simulation here, over real sockets.
"""

from __future__ import annotations

import httpx

from sdssim.engine import Simulation
from sdssim.server.testing import running_server

from .conftest import AUTH, ERROR_BODY, PROFILE_BODY

PROFILES = "/beta/education/synchronizationProfiles"
JOBS = "/v1.0/servicePrincipals/sp-stack/synchronization/jobs"
#: one Host for the compared answers, so the two ports do not show in @odata.context
SAME_HOST = {"Host": "localhost"}


def _answers(loop: str, http: str) -> list[tuple[int, dict[str, str], bytes]]:
    with running_server(Simulation(seed=11), loop=loop, http=http) as url, \
            httpx.Client(base_url=url, headers=AUTH, timeout=30) as c:
        pid = c.post(PROFILES, json=PROFILE_BODY).json()["id"]
        c.post(f"{PROFILES}/{pid}/errors", json=ERROR_BODY)
        jid = c.post(JOBS, json={"templateId": "scim"}).json()["id"]
        c.post(f"{JOBS}/{jid}/start")
        c.post("/_sdssim/clock/advance", json={"seconds": 5400})
        out = []
        for path in (JOBS, JOBS, f"{JOBS}/{jid}", f"{PROFILES}/{pid}", f"{PROFILES}/{pid}/errors",
                     f"{PROFILES}/{pid}/errors/$count", f"{JOBS}/nope", "/v2/nothing"):
            r = c.get(path, headers=SAME_HOST)
            headers = {k: v for k, v in r.headers.items()
                       if k in ("content-type", "content-length", "preference-applied")}
            out.append((r.status_code, headers, r.content))
        return out


def test_uvloop_and_httptools_answer_as_asyncio_and_h11_do() -> None:
    pure = _answers("asyncio", "h11")
    assert [status for status, _, _ in pure] == [200, 200, 200, 200, 200, 200, 404, 400]
    assert _answers("uvloop", "httptools") == pure
