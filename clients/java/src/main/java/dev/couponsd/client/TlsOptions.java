package dev.couponsd.client;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS for connections (protocol.md "TLS"): which CAs to trust, and the name to
 * check the server's certificate against (by default the host of the address).
 */
public final class TlsOptions {
    private final SSLContext context;
    private final String serverName;

    private TlsOptions(SSLContext context, String serverName) {
        this.context = context;
        this.serverName = serverName;
    }

    /** Trusts the JDK's default CAs. */
    public static TlsOptions systemTrust() {
        try {
            return new TlsOptions(SSLContext.getDefault(), null);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Trusts the certificates of a PEM file (a private CA, or a self-signed server certificate). */
    public static TlsOptions trusting(Path caPem) throws IOException {
        try (InputStream in = Files.newInputStream(caPem)) {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int i = 0;
            for (Certificate cert : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                store.setCertificateEntry("ca" + i++, cert);
            }
            if (i == 0) {
                throw new IOException("no certificate in " + caPem);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return new TlsOptions(ctx, null);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot load " + caPem + ": " + e.getMessage(), e);
        }
    }

    /** Any SSLContext (for client certificates: mutual TLS). */
    public static TlsOptions of(SSLContext context) {
        return new TlsOptions(context, null);
    }

    /** Checks the certificate against this name instead of the address's host. */
    public TlsOptions withServerName(String name) {
        return new TlsOptions(context, name);
    }

    SSLContext context() {
        return context;
    }

    String serverName() {
        return serverName;
    }
}
