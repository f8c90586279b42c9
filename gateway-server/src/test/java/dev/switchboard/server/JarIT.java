package dev.switchboard.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.testing.WsClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The shaded jar as an operator runs it: a separate JVM, signals, exit codes. */
class JarIT {

    private static final Pattern STARTED = Pattern.compile(
            "Switchboard started: public=(\\S+):(\\d+) paths=\\S+ admin=(\\S+):(\\d+) transport=\\w+ auth=\\w+ broker=\\w+ instance=\\S+");
    private static final Duration WAIT = Duration.ofSeconds(10);

    /** A running jar; its stdout and stderr lines are collected as they come. */
    private static final class Jar {
        final Process process;
        final BlockingQueue<String> out = new LinkedBlockingQueue<>();
        final List<String> all = new ArrayList<>();
        final List<Thread> pumps = new ArrayList<>();

        Jar(String... args) throws IOException {
            Path jar = Path.of(System.getProperty("switchboard.jar", "target/switchboard.jar"));
            assertThat(jar).as("the shaded jar (built in the package phase)").exists();
            List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Dio.netty.leakDetection.level=paranoid", "-jar", jar.toString()));
            command.addAll(List.of(args));
            // target/ holds no switchboard.yaml, so only the flags count.
            ProcessBuilder pb = new ProcessBuilder(command).directory(jar.toAbsolutePath().getParent().toFile());
            pb.environment().keySet().removeIf(k -> k.startsWith("SWITCHBOARD_"));
            process = pb.start();
            pump(process.getInputStream(), "out");
            pump(process.getErrorStream(), "err");
        }

        private void pump(java.io.InputStream in, String name) {
            Thread t = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        synchronized (all) {
                            all.add(name + ": " + line);
                        }
                        out.add(name + ": " + line);
                    }
                } catch (IOException ignored) {
                    // the process ended
                }
            }, "jar-" + name);
            t.setDaemon(true);
            t.start();
            pumps.add(t);
        }

        Matcher awaitStarted() throws InterruptedException {
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (System.nanoTime() < deadline) {
                String line = out.poll(100, TimeUnit.MILLISECONDS);
                Matcher m = line == null ? null : STARTED.matcher(line);
                if (m != null && m.find()) {
                    return m;
                }
            }
            throw new AssertionError("no start-up line within " + WAIT + ": " + lines());
        }

        int awaitExit() throws InterruptedException {
            assertThat(process.waitFor(WAIT.toSeconds() + 5, TimeUnit.SECONDS)).as("exited; output " + lines()).isTrue();
            for (Thread pump : pumps) {
                pump.join(WAIT.toMillis()); // the last lines may still be in the pipe
            }
            return process.exitValue();
        }

        List<String> lines() {
            synchronized (all) {
                return List.copyOf(all);
            }
        }
    }

    @Test
    void sigtermClosesEveryClientWith1001AndExitsZero() throws Exception {
        Jar jar = new Jar("--port=0", "--admin.port=0", "--drain=1s", "--host=127.0.0.1");
        try {
            Matcher started = jar.awaitStarted();
            String url = "ws://127.0.0.1:" + started.group(2) + "/ws";
            List<WsClient> clients = List.of(WsClient.connect(url), WsClient.connect(url), WsClient.connect(url));
            clients.get(2).next(n -> n.path("message").path("num_clients").asInt() == 3, WAIT);
            assertThat(Http.get("http://127.0.0.1:" + started.group(4) + "/health").statusCode()).isEqualTo(200);

            long signalled = System.nanoTime();
            // SIGTERM through the handle: Process#destroy would also close our ends of the child's pipes.
            jar.process.toHandle().destroy();
            for (WsClient c : clients) {
                assertThat(c.awaitClose(WAIT)).isEqualTo(1001);
                c.close();
            }
            assertThat(jar.awaitExit()).as("exit code; output " + jar.lines()).isZero();
            assertThat(Duration.ofNanos(System.nanoTime() - signalled)).isLessThan(Duration.ofSeconds(8));
            assertThat(jar.lines()).anyMatch(l -> l.contains("Switchboard stopped")).noneMatch(l -> l.contains("LEAK:"));
        } finally {
            jar.process.destroyForcibly();
        }
    }

    @Test
    void badFlagExitsTwoWithOneLineNamingTheKey() throws Exception {
        Jar jar = new Jar("--max-frame-size=0");
        assertThat(jar.awaitExit()).isEqualTo(2);
        assertThat(jar.lines().stream().filter(l -> l.startsWith("err: ")).toList())
                .containsExactly("err: switchboard: max-frame-size: 0 (expected: 256..16777216)");
    }

    @Test
    void helpExitsZeroListingTheOptions() throws Exception {
        Jar jar = new Jar("--help");
        assertThat(jar.awaitExit()).isZero();
        assertThat(jar.lines()).contains("out: Usage: switchboard [--key=value ...]")
                .anyMatch(l -> l.startsWith("out:   --admin.api-key"));
    }
}
