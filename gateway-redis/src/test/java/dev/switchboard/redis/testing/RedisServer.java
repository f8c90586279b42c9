package dev.switchboard.redis.testing;

import dev.switchboard.redis.RedisOptions;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;

/**
 * A Redis for one test class (DESIGN 7), from, in order: {@code REDIS_URL}; a {@code redis-server} binary on
 * PATH started on a free port in a temp dir; Testcontainers when Docker is up. With none of them it fails
 * and says how to get one; it never skips. Register with {@code @RegisterExtension static}.
 *
 * <p>Each fixture hands out options with its own key prefix and publish channel, so classes sharing one
 * Redis ({@code REDIS_URL}) do not see each other's presence. Fault tests use {@link #local()}, which needs
 * a process it may stop and start.
 */
public final class RedisServer implements BeforeAllCallback, AfterAllCallback, AutoCloseable {

    static final String HOW_TO = "No Redis for the tests. Get one of: (1) REDIS_URL=redis://host:port of a disposable "
            + "Redis; (2) a redis-server binary on PATH (apt-get install redis-server, brew install redis); "
            + "(3) a running Docker engine for Testcontainers.";

    private final boolean local;
    private final String namespace = "t" + UUID.randomUUID().toString().substring(0, 6) + ":";
    private String url;
    private Path dir;
    private Process process;
    private int port;
    private String binary;
    private GenericContainer<?> container;

    private RedisServer(boolean local) {
        this.local = local;
    }

    /** Returns a fixture using any source (REDIS_URL first). */
    public static RedisServer any() {
        return new RedisServer(false);
    }

    /** Returns a fixture that owns its server, so that {@link #stop()} and {@link #start()} work. */
    public static RedisServer local() {
        return new RedisServer(true);
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        open();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }

    /** Gets a Redis from the first source available. */
    public void open() throws Exception {
        String env = System.getenv("REDIS_URL");
        if (!local && env != null && !env.isBlank()) {
            url = env;
            return;
        }
        binary = findBinary("redis-server");
        if (binary != null) {
            port = freePort(false);
            dir = Files.createTempDirectory("switchboard-redis-");
            start();
            return;
        }
        if (dockerAvailable()) {
            container = new GenericContainer<>("redis:7-alpine").withExposedPorts(6379);
            container.start();
            url = "redis://" + container.getHost() + ":" + container.getMappedPort(6379);
            return;
        }
        throw new IllegalStateException(HOW_TO);
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (Throwable t) {
            return false;
        }
    }

    /** Returns the URL, {@code redis://127.0.0.1:<port>} for a local server. */
    public String url() {
        return url;
    }

    /** Returns options for this server with a key prefix and publish channel of this fixture's own. */
    public RedisOptions.Builder options() {
        return RedisOptions.builder().url(url).keyPrefix(namespace).publishChannel(namespace + "publish");
    }

    /** Returns the key prefix of {@link #options()}. */
    public String namespace() {
        return namespace;
    }

    /** Opens a plain RESP connection, as an application would. */
    public Resp resp() {
        return Resp.connect(url);
    }

    /** Starts (again) the local server, on the same port; waits until it answers PING. */
    public void start() throws Exception {
        requireProcess();
        List<String> cmd = new ArrayList<>(List.of(binary, "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", dir.toString(), "--protected-mode", "no",
                "--daemonize", "no", "--loglevel", "warning"));
        process = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("redis.log").toFile())).start();
        url = "redis://127.0.0.1:" + port;
        awaitPing(port, process, dir);
    }

    /** Stops the local server (SIGTERM, nothing saved): clients see connections refused. */
    public void stop() throws Exception {
        requireProcess();
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }

    private void requireProcess() {
        if (binary == null) {
            throw new IllegalStateException("stop/start needs a redis-server binary on PATH (apt-get install redis-server)");
        }
    }

    @Override
    public void close() {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (container != null) {
            container.stop();
        }
        deleteQuietly(dir);
    }

    static void awaitPing(int port, Process p, Path dir) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IllegalStateException("redis-server exited: " + tail(dir.resolve("redis.log")));
            }
            try (Resp r = Resp.connect("redis://127.0.0.1:" + port)) {
                if ("PONG".equals(r.call("PING"))) {
                    return;
                }
            } catch (RuntimeException e) {
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("redis-server on " + port + " did not answer: " + tail(dir.resolve("redis.log")));
    }

    static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 10), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    /** Returns the absolute path of {@code name} on PATH, or {@code null}. */
    static String findBinary(String name) {
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)));
        dirs.addAll(List.of("/usr/bin", "/usr/local/bin", "/opt/homebrew/bin", "/usr/sbin"));
        for (String d : dirs) {
            File f = new File(d, name);
            if (!d.isEmpty() && f.isFile() && f.canExecute()) {
                return f.getAbsolutePath();
            }
        }
        return null;
    }

    /** Returns a free port; with {@code bus}, one whose cluster bus port (+10000) is free too. */
    static int freePort(boolean bus) throws IOException {
        for (int i = 0; i < 100; i++) {
            int p;
            try (ServerSocket s = new ServerSocket(0)) {
                p = s.getLocalPort();
            }
            if (!bus) {
                return p;
            }
            if (p + 10000 <= 65535) {
                try (ServerSocket s = new ServerSocket(p + 10000)) {
                    return p;
                } catch (IOException busy) {
                    // try another
                }
            }
        }
        throw new IOException("no free port");
    }

    static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // temp dir
        }
    }
}
