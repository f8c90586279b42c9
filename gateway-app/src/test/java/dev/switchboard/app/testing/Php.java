package dev.switchboard.app.testing;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs PHP for the tests: a CLI script, or {@code php -S} as an application server. Fails loudly when absent. */
public final class Php {

    private Php() {
    }

    /** Returns the php binary; fails the test (never skips) when there is none. */
    public static String binary() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Path.of(dir, "php");
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        throw new AssertionError("php not found on PATH: the PHP client tests need PHP 8.1+ "
                + "(Debian/Ubuntu: apt-get update && apt-get install -y php-cli)");
    }

    /** Returns the repository's clients/php/Switchboard.php. */
    public static Path client() {
        Path p = Path.of("..", "clients", "php", "Switchboard.php").toAbsolutePath().normalize();
        if (!Files.isRegularFile(p)) {
            throw new AssertionError("missing " + p);
        }
        return p;
    }

    /** Returns a test script from src/test/php. */
    public static Path script(String name) {
        return Path.of("src", "test", "php", name).toAbsolutePath();
    }

    /** Runs {@code php script args...}; returns stdout, fails on a non-zero exit with stderr in the message. */
    public static String run(Map<String, String> env, String script, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(binary(), script(script).toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putAll(env);
        pb.environment().put("SWITCHBOARD_PHP", client().toString());
        Process p = pb.start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("php " + script + " did not finish in 30 s");
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new AssertionError("php " + script + " exited " + p.exitValue() + ": " + out + err);
        }
        return out.strip();
    }

    /** A running {@code php -S 127.0.0.1:<port> router.php}. */
    public static final class Server implements AutoCloseable {
        private final Process process;
        private final int port;

        public Server(Map<String, String> env, String router) throws Exception {
            port = freePort();
            ProcessBuilder pb = new ProcessBuilder(binary(), "-S", "127.0.0.1:" + port, script(router).toString());
            pb.environment().putAll(env);
            pb.environment().put("SWITCHBOARD_PHP", client().toString());
            pb.redirectErrorStream(true);
            pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
            process = pb.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (true) {
                try (Socket s = new Socket("127.0.0.1", port)) {
                    return;
                } catch (IOException e) {
                    if (System.nanoTime() > deadline || !process.isAlive()) {
                        close();
                        throw new AssertionError("php -S did not start on port " + port);
                    }
                    Thread.sleep(50);
                }
            }
        }

        public String baseUrl() {
            return "http://127.0.0.1:" + port;
        }

        @Override
        public void close() {
            process.destroy();
            try {
                process.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process.destroyForcibly();
        }
    }

    /** Returns a port that was free a moment ago. */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
