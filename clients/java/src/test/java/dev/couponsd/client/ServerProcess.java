package dev.couponsd.client;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * One real couponsd process for a test: a free loopback port, a temporary data
 * directory, stderr in a log file that {@link #log()} prints on failure.
 */
final class ServerProcess implements AutoCloseable {
    final int port;
    final Path dataDir;
    final Path logFile;
    private final List<String> command;
    private Process process;

    private ServerProcess(int port, Path dataDir, List<String> command) {
        this.port = port;
        this.dataDir = dataDir;
        this.logFile = dataDir.resolveSibling(dataDir.getFileName() + ".log");
        this.command = command;
    }

    static String binary() {
        String bin = System.getenv("COUPONSD_BIN");
        if (bin == null || bin.isEmpty()) {
            throw new IllegalStateException("COUPONSD_BIN is not set");
        }
        return bin;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Starts a single node with extra flags and waits until it accepts connections. */
    static ServerProcess start(String... extra) throws IOException, InterruptedException {
        return start(freePort(), List.of(extra));
    }

    static ServerProcess start(int port, List<String> extra) throws IOException, InterruptedException {
        ServerProcess s = prepare(port, extra);
        s.launch();
        return s;
    }

    static ServerProcess prepare(int port, List<String> extra) throws IOException {
        Path dir = Files.createTempDirectory("couponsd-java-test-");
        List<String> cmd = new ArrayList<>(List.of(binary(), "serve", "--listen", "127.0.0.1:" + port,
                "--data", dir.resolve("data").toString()));
        cmd.addAll(extra);
        return new ServerProcess(port, dir.resolve("data"), cmd);
    }

    void launch() throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        process = pb.start();
        Process started = process;
        // A test JVM that dies (a timeout, ^C) takes its servers with it.
        Runtime.getRuntime().addShutdownHook(new Thread(started::destroyForcibly));
        waitUntilUp();
    }

    String addr() {
        return "127.0.0.1:" + port;
    }

    private void waitUntilUp() throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("couponsd exited with " + process.exitValue() + ":\n" + log());
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException e) {
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("couponsd did not accept connections within 20 s:\n" + log());
    }

    String log() {
        try {
            return Files.exists(logFile) ? Files.readString(logFile) : "(no log)";
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    /** SIGKILL: no goodbye, as a crash. */
    void kill9() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            process.waitFor();
        }
    }

    boolean isRunning() {
        return process != null && process.isAlive();
    }

    @Override
    public void close() throws InterruptedException, IOException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor();
            }
        }
        Path root = dataDir.getParent();
        if (root != null && Files.exists(root)) {
            try (Stream<Path> paths = Files.walk(root)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        Files.deleteIfExists(logFile);
    }
}
