"""Fixtures: real couponsd servers, their logs printed when a test fails."""

from __future__ import annotations

import sys
from typing import Iterator

import pytest

from servers import Server

_servers: list[Server] = []


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if report.failed and _servers:
        logs = "\n".join(f"--- {s.addr} ({s.log_path.name}):\n{s.log()}" for s in _servers)
        report.sections.append(("couponsd logs", logs))


@pytest.fixture
def start_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """``start_server(*flags)`` starts a server; every one is stopped afterwards."""
    started: list[Server] = []

    def start(*flags: str, name: str = "node") -> Server:
        server = Server(tmp_path_factory.mktemp("couponsd"), name)
        started.append(server)
        _servers.append(server)
        return server.start(*flags)

    yield start
    for server in started:
        server.stop()
        _servers.remove(server)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server shared by a module's tests (holds swept every 50 ms)."""
    s = Server(tmp_path_factory.mktemp("couponsd"), "shared")
    _servers.append(s)
    try:
        s.start("--hold-sweep-ms", "50")
        yield s
    finally:
        s.stop()
        _servers.remove(s)
        print(f"(server {s.addr} stopped)", file=sys.stderr)
