package dev.couponsd.client;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

/** Prints the logs of the servers a test class started when one of its tests fails. */
final class PrintServerLogOnFailure implements TestExecutionExceptionHandler {
    private static final List<ServerProcess> SERVERS = new CopyOnWriteArrayList<>();

    static void register(ServerProcess server) {
        SERVERS.add(server);
    }

    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable throwable) throws Throwable {
        for (ServerProcess s : SERVERS) {
            System.err.println("---- couponsd log (" + s.addr() + ") ----\n" + s.log());
        }
        throw throwable;
    }
}
