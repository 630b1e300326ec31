package dev.couponsd.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.couponsd.client.wire.CouponRef;
import dev.couponsd.client.wire.CouponSpec;
import dev.couponsd.client.wire.NodeRole;
import dev.couponsd.client.wire.Order;
import dev.couponsd.client.wire.RedeemRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Token auth and roles, and TLS with a certificate made at test time, against the real server. */
@ExtendWith(PrintServerLogOnFailure.class)
class AuthAndTlsTest {
    private static final String ADMIN = "admin-secret-0123456789";
    private static final String READ = "read-secret-0123456789";

    @TempDir
    Path dir;

    @Test
    void tokensAndRoles() throws Exception {
        Path tokens = dir.resolve("tokens");
        Files.writeString(tokens, "admin:" + ADMIN + "\nread:" + READ + "\n");
        try (ServerProcess server = ServerProcess.start("--token-file", tokens.toString())) {
            PrintServerLogOnFailure.register(server);
            ServerException wrong = assertThrows(ServerException.class, () -> CouponsClient.connect(server.addr(),
                    ClientOptions.builder().token("not-a-token-at-all").build()));
            assertInstanceOf(ServerException.Unauthenticated.class, wrong);
            assertTrue(wrong.serverMessage().contains("unknown token"), wrong.serverMessage());
            // No token at all, loopback included, once tokens are configured.
            assertInstanceOf(ServerException.Unauthenticated.class,
                    assertThrows(ServerException.class, () -> CouponsClient.connect(server.addr())));

            String code = "TOKEN" + System.nanoTime() % 100000;
            try (CouponsClient admin = CouponsClient.connect(server.addr(), ClientOptions.builder().token(ADMIN).build());
                 CouponsClient reader = CouponsClient.connect(server.addr(), ClientOptions.builder().token(READ).build())) {
                assertEquals("token:admin", admin.createCoupon(CouponSpec.builder().code(code).isPublic(true)
                        .discountValue(1000).build()).createdBy());
                assertEquals(code, reader.getCoupon(CouponRef.code(code)).spec().code());
                Order order = Order.builder().customerId("c").amount(10000).currency("USD").build();
                assertTrue(reader.validate(code, order).valid());
                assertInstanceOf(ServerException.PermissionDenied.class, assertThrows(ServerException.class,
                        () -> reader.redeem(new RedeemRequest(code, "o1", "", order))));
                assertInstanceOf(ServerException.PermissionDenied.class, assertThrows(ServerException.class,
                        () -> reader.createCoupon(CouponSpec.builder().code(code + "B").discountValue(1).build())));
                // The connection stays open after PERMISSION_DENIED.
                assertTrue(reader.ping() > 0);
            }
        }
    }

    @Test
    void tlsWithACertificateMadeNow() throws Exception {
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        Process openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec",
                "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                "-keyout", key.toString(), "-out", cert.toString())
                .redirectErrorStream(true).start();
        String out = new String(openssl.getInputStream().readAllBytes());
        assertEquals(0, openssl.waitFor(), out);
        try (ServerProcess server = ServerProcess.start("--tls-cert", cert.toString(), "--tls-key", key.toString(),
                "--plaintext-loopback", "false")) {
            PrintServerLogOnFailure.register(server);
            ClientOptions tls = ClientOptions.builder().tls(TlsOptions.trusting(cert)).build();
            try (CouponsClient client = CouponsClient.connect(server.addr(), tls)) {
                assertEquals(NodeRole.LEADER, client.serverHello().role());
                assertTrue(client.ping() > 0);
                String code = "TLS" + System.nanoTime() % 100000;
                client.createCoupon(CouponSpec.builder().code(code).discountValue(1000).build());
                assertEquals(code, client.getCoupon(CouponRef.code(code)).spec().code());
            }
            // The same address by name: the certificate names localhost too.
            try (CouponsClient byName = CouponsClient.connect(List.of("localhost:" + server.port), tls)) {
                assertTrue(byName.ping() > 0);
            }
            // A certificate the client does not trust fails the handshake.
            assertThrows(TlsException.class, () -> CouponsClient.connect(server.addr(),
                    ClientOptions.builder().tls(TlsOptions.systemTrust()).build()));
            // A wrong name fails it too.
            assertThrows(TlsException.class, () -> CouponsClient.connect(server.addr(),
                    ClientOptions.builder().tls(TlsOptions.trusting(cert).withServerName("other.example")).build()));
            // Plaintext is refused when the server requires TLS.
            ServerException plain = assertThrows(ServerException.class, () -> CouponsClient.connect(server.addr()));
            assertInstanceOf(ServerException.Unauthenticated.class, plain);
        }
    }
}
