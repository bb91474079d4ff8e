"""Helpers for the transport tests: servers in --tls and --proxy mode, external programs."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from sdssim.engine import Simulation
from sdssim.server.app import create_app
from sdssim.server.transport import SecureServer

CLIENTS = Path(__file__).resolve().parents[1] / "clients"


def need(ok: bool, why: str) -> None:
    """Skip with one line when a program a client test drives is missing; under CI, fail."""
    if ok:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{why}: .ci/run installs it, so CI must have it")
    pytest.skip(why)


def need_program(name: str) -> str:
    path = shutil.which(name)
    need(path is not None, f"{name} is not installed")
    assert path is not None
    return path


@contextmanager
def secure_server(mode: str, ca_dir: Path, sim: Simulation | None = None,
                  **options) -> Iterator[SecureServer]:
    app = create_app(sim if sim is not None else Simulation(seed=7), **options)
    with SecureServer(app, mode=mode, ca_dir=ca_dir) as server:
        yield server


def run_client(args: list[str], env: dict[str, str], cwd: Path | None = None,
               timeout: float = 300) -> subprocess.CompletedProcess:
    """Run a client program in its own process with ``env`` added to a clean environment."""
    base = {k: v for k, v in os.environ.items()
            if not k.lower().endswith("_proxy") and k not in (
                "SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "NODE_EXTRA_CA_CERTS",
                "CURL_CA_BUNDLE")}
    return subprocess.run(args, env={**base, **env}, cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, check=False)
