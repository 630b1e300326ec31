package dev.couponsd.client;

/** How a {@link CouponsClient} connects and behaves. Immutable; start from {@link #builder()}. */
public final class ClientOptions {
    final String token;
    final TlsOptions tls;
    final String clientName;
    final long connectTimeoutMs;
    final long requestTimeoutMs;
    final int maxInFlight;
    final int poolSize;
    final boolean followLeader;
    final long failoverTimeoutMs;

    private ClientOptions(Builder b) {
        token = b.token;
        tls = b.tls;
        clientName = b.clientName;
        connectTimeoutMs = b.connectTimeoutMs;
        requestTimeoutMs = b.requestTimeoutMs;
        maxInFlight = b.maxInFlight;
        poolSize = b.poolSize;
        followLeader = b.followLeader;
        failoverTimeoutMs = b.failoverTimeoutMs;
    }

    public static Builder builder() {
        return new Builder();
    }

    public static ClientOptions defaults() {
        return builder().build();
    }

    /** Builds {@link ClientOptions}. */
    public static final class Builder {
        private String token = "";
        private TlsOptions tls;
        private String clientName = "couponsd-client-java/0.1.0";
        private long connectTimeoutMs = 5_000;
        private long requestTimeoutMs = 30_000;
        private int maxInFlight = 256;
        private int poolSize = 2;
        private boolean followLeader = true;
        private long failoverTimeoutMs = -1;

        private Builder() {}

        /** The token secret sent in HELLO; empty for a server without tokens. */
        public Builder token(String token) {
            this.token = token;
            return this;
        }

        /** TLS; null (the default) for plaintext, which a TLS server accepts only from loopback. */
        public Builder tls(TlsOptions tls) {
            this.tls = tls;
            return this;
        }

        public Builder clientName(String clientName) {
            this.clientName = clientName;
            return this;
        }

        /** Connecting, TLS and HELLO together, per connection. */
        public Builder connectTimeoutMs(long ms) {
            this.connectTimeoutMs = ms;
            return this;
        }

        /** How long one call waits for its reply (per attempt). */
        public Builder requestTimeoutMs(long ms) {
            this.requestTimeoutMs = ms;
            return this;
        }

        /** Most requests in flight per connection (never above the server's max_in_flight). */
        public Builder maxInFlight(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("maxInFlight must be at least 1");
            }
            this.maxInFlight = n;
            return this;
        }

        /** Connections per node (1 to 1024); requests are spread over them. */
        public Builder poolSize(int n) {
            if (n < 1 || n > 1024) {
                throw new IllegalArgumentException("poolSize must be 1 to 1024");
            }
            this.poolSize = n;
            return this;
        }

        /** Send a request on to the leader a NOT_LEADER reply names (nothing was applied). */
        public Builder followLeader(boolean follow) {
            this.followLeader = follow;
            return this;
        }

        /**
         * How long a call keeps looking for a leader when its node fails or none
         * is known; 0: a call fails as soon as its node fails. Only requests that
         * are safe to repeat are retried after an unknown outcome. Unset: 10 s for
         * a client of several nodes, 0 for a client of one.
         */
        public Builder failoverTimeoutMs(long ms) {
            this.failoverTimeoutMs = ms;
            return this;
        }

        public ClientOptions build() {
            return new ClientOptions(this);
        }
    }
}
