"""The README's example runs against a real server, and API.rst is current."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from couponsd import CouponSpec, SecuritySettings, SyncClient
from servers import Server

HERE = Path(__file__).resolve().parents[1]


def test_readme_example_runs(server: Server) -> None:
    readme = (HERE / "README.md").read_text()
    example = re.search(r"```python\n(.*?)```", readme, re.S)
    assert example is not None
    code = example.group(1)
    assert len(code.strip().splitlines()) <= 10
    with SyncClient.connect(server.addr) as client:
        client.create_coupon(CouponSpec(code="SUMMER20", discount_value=2000, currency="USD",
                                        max_discount_amount=5000,
                                        security=SecuritySettings(velocity_checks=False)))
    result = subprocess.run([sys.executable, "-c", code.replace("127.0.0.1:7878", server.addr)],
                            capture_output=True, text=True, timeout=30, cwd=HERE / "src")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "discount 30.00 pay 120.00"


def test_api_reference_is_current() -> None:
    result = subprocess.run([sys.executable, str(HERE / "tools" / "api_rst.py")], capture_output=True,
                            text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (HERE / "API.rst").read_text(), "API.rst is stale: python3 tools/api_rst.py > API.rst"


def test_sync_client_stub_is_current() -> None:
    result = subprocess.run([sys.executable, str(HERE / "tools" / "sync_stub.py")], capture_output=True,
                            text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    stub = HERE / "src" / "couponsd" / "sync_client.pyi"
    assert result.stdout == stub.read_text(), "sync_client.pyi is stale: python3 tools/sync_stub.py > it"
