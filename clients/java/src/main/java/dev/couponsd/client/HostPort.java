package dev.couponsd.client;

/** A "host:port" address ("[::1]:7878" for IPv6). */
record HostPort(String host, int port) {
    static HostPort parse(String addr) {
        int colon = addr.lastIndexOf(':');
        if (colon <= 0 || colon == addr.length() - 1) {
            throw new IllegalArgumentException("address " + addr + " is not host:port");
        }
        String host = addr.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(addr.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("address " + addr + " has no port number");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("address " + addr + ": port out of range");
        }
        return new HostPort(host, port);
    }

    static boolean isIpLiteral(String host) {
        return host.contains(":") || host.matches("[0-9.]+");
    }
}
