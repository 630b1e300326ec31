package dev.couponsd.client.wire;

/** The SERVER_INFO request (an empty body); its OK reply is a {@link ServerInfo}. */
public record ServerInfoRequest() implements Request<ServerInfo> {
    @Override
    public Opcode opcode() {
        return Opcode.SERVER_INFO;
    }
}
