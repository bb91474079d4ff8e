"""Two ways for the client to reach the service: a Simulation in-process, or Graph over HTTP.

Both return Graph's JSON exactly as a client without the
``Prefer: include-unknown-enum-members`` header sees it, retry 429 answers
after ``Retry-After`` (as Graph SDKs do), and wait with ``sleep``.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any


class ApiError(Exception):
    """The service refused a request (other than 429, which is retried)."""

    def __init__(self, status: int, code: str, message: str = "") -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code


class PollingBudgetExceeded(AssertionError):
    """The client waited longer than a test allows: left alone it would poll forever."""


class SimulationApi:
    """The service as an ``sdssim.Simulation``; ``sleep`` moves its virtual clock.

    ``budget_seconds`` bounds the total waiting since the last :meth:`reset_budget`.
    """

    def __init__(self, sim: Any, *, budget_seconds: float = 3 * 86400) -> None:
        self.sim = sim
        self.budget_seconds = budget_seconds
        self.waited = 0.0

    def reset_budget(self) -> None:
        self.waited = 0.0

    def sleep(self, seconds: float) -> None:
        self.waited += seconds
        if self.waited > self.budget_seconds:
            raise PollingBudgetExceeded(
                f"the client has waited {self.waited / 3600:.1f} h of virtual time and is still "
                f"polling (budget {self.budget_seconds / 3600:.1f} h)")
        self.sim.advance(seconds)

    def _call(self, method: str, *args: Any) -> Any:
        from sdssim.errors import GraphError, Throttled

        while True:
            try:
                return getattr(self.sim, method)(*args)
            except Throttled as exc:
                self.sleep(exc.retry_after)
            except GraphError as exc:
                raise ApiError(exc.status, exc.code, exc.message) from None

    def get_profile_status(self, profile_id: str) -> dict:
        return self._call("get_profile_status", profile_id).to_json()

    def list_errors(self, profile_id: str) -> list[dict]:
        return [e.to_json() for e in self._call("list_errors", profile_id)]

    def get_job(self, service_principal_id: str, job_id: str) -> dict:
        return self._call("get_job", service_principal_id, job_id).to_json()


class HttpApi:
    """Microsoft Graph (real or ``sdssim serve``) over HTTP with the standard library."""

    def __init__(self, base_url: str, *, token: str = "sdssim-example-token",
                 sleep: Callable[[float], Any] = time.sleep) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self._sleep = sleep

    def sleep(self, seconds: float) -> None:
        self._sleep(seconds)

    def _get(self, url: str) -> dict:
        if not url.startswith("http"):
            url = self.base_url + url
        while True:
            req = urllib.request.Request(url, headers={"Authorization": f"Bearer {self.token}"})
            try:
                with urllib.request.urlopen(req, timeout=30) as resp:
                    return json.loads(resp.read().decode("utf-8"))
            except urllib.error.HTTPError as exc:
                body = json.loads(exc.read().decode("utf-8") or "{}").get("error", {})
                if exc.code == 429:
                    self.sleep(float(exc.headers.get("Retry-After", "1")))
                    continue
                raise ApiError(exc.code, body.get("code", ""), body.get("message", "")) from None

    def get_profile_status(self, profile_id: str) -> dict:
        return self._get(f"/beta/education/synchronizationProfiles/{profile_id}/profileStatus")

    def list_errors(self, profile_id: str) -> list[dict]:
        out: list[dict] = []
        page: dict = self._get(f"/beta/education/synchronizationProfiles/{profile_id}/errors")
        while True:
            out.extend(page.get("value", []))
            if "@odata.nextLink" not in page:
                return out
            page = self._get(page["@odata.nextLink"])

    def get_job(self, service_principal_id: str, job_id: str) -> dict:
        return self._get(f"/v1.0/servicePrincipals/{service_principal_id}/synchronization/jobs/"
                         f"{job_id}")
