"""Token auth and TLS against the real couponsd (protocol.md section 3)."""

from __future__ import annotations

import ssl
import subprocess
from pathlib import Path
from typing import Callable

import pytest

from couponsd import Client, SyncClient, errors
from helpers import order, percent_coupon, run, unique_code
from servers import Server

ADMIN_SECRET = "admin-secret-0123456789"
REDEEM_SECRET = "redeem-secret-0123456789"
READ_SECRET = "read-secret-0123456789"


def test_tokens_wrong_token_and_roles(start_server: Callable[..., Server], tmp_path: Path) -> None:
    tokens = tmp_path / "tokens"
    tokens.write_text(f"admin:{ADMIN_SECRET}\nredeem:{REDEEM_SECRET}\nread:{READ_SECRET}\n")
    server = start_server("--token-file", str(tokens))

    with pytest.raises(errors.UnauthenticatedError) as refused:
        SyncClient.connect(server.addr, token="not-a-token-at-all")
    assert refused.value.code == 5 and "token" in refused.value.message
    with pytest.raises(errors.UnauthenticatedError):
        SyncClient.connect(server.addr)  # no token, though loopback: tokens are configured

    code = unique_code("TOK")
    with SyncClient.connect(server.addr, token=ADMIN_SECRET) as admin:
        admin.create_coupon(percent_coupon(code, 1000))
        assert admin.get_coupon(code).created_by == "token:admin"
    with SyncClient.connect(server.addr, token=READ_SECRET) as reader:
        assert reader.get_coupon(code).spec.code == code
        with pytest.raises(errors.PermissionDeniedError):
            reader.redeem(code, "o1", order("c", 1000))
        assert reader.ping() > 0  # the connection stays open
    with SyncClient.connect(server.addr, token=REDEEM_SECRET) as checkout:
        assert checkout.redeem(code, "o1", order("c", 1000)).redemption.discount_amount == 100
        with pytest.raises(errors.PermissionDeniedError):
            checkout.create_coupon(percent_coupon(unique_code("NOPE"), 1000))


def _self_signed(directory: Path) -> tuple[Path, Path]:
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        check=True, capture_output=True)
    return cert, key


def test_tls_with_a_self_signed_certificate(start_server: Callable[..., Server], tmp_path: Path) -> None:
    cert, key = _self_signed(tmp_path)
    server = start_server("--tls-cert", str(cert), "--tls-key", str(key))
    trusted = ssl.create_default_context(cafile=str(cert))

    async def scenario() -> None:
        async with await Client.connect(server.addr, tls=trusted) as client:
            code = unique_code("TLS")
            await client.create_coupon(percent_coupon(code, 2000))
            reply = await client.redeem(code, "tls-order", order("c", 15_000))
            assert reply.redemption.discount_amount == 3000
        async with await Client.connect(server.addr, tls=trusted, tls_server_name="localhost") as client:
            assert await client.ping() > 0
        # A client that trusts other certificates refuses this server's.
        with pytest.raises(errors.TlsError):
            await Client.connect(server.addr, tls=ssl.create_default_context())
        # The name must match the certificate.
        with pytest.raises(errors.TlsError):
            await Client.connect(server.addr, tls=trusted, tls_server_name="other.example")

    run(scenario())
