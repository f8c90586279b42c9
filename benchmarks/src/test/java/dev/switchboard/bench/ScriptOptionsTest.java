package dev.switchboard.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The measuring scripts refuse bad options with a clear message and exit 2, before starting anything. */
class ScriptOptionsTest {

    record Outcome(int code, String stderr) {
    }

    static Outcome run(String script, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("bash", script));
        cmd.addAll(List.of(args));
        // Surefire runs in the module's directory (benchmarks/), where the scripts are.
        Process p = new ProcessBuilder(cmd).directory(new File(".")).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).as(script + " ended").isTrue();
        return new Outcome(p.exitValue(), err);
    }

    /** Runs {@code script} with one bad option and asserts it exits 2 naming what was wrong. */
    static void assertRefused(String script, String option, String... says) throws Exception {
        Outcome o = run(script, option);
        assertThat(o.code()).as(script + " " + option).isEqualTo(2);
        assertThat(o.stderr()).contains(says);
    }

    @Test
    void idleMemoryRefusesWhatIsNotACountOfConnectionsOrRounds() throws Exception {
        Outcome notANumber = run("idle-memory.sh", "lots");
        assertThat(notANumber.code()).isEqualTo(2);
        assertThat(notANumber.stderr()).contains("positive integers", "'lots'");

        assertThat(run("idle-memory.sh", "1000", "0").stderr()).contains("'0'");
        Outcome tooMany = run("idle-memory.sh", "25000");
        assertThat(tooMany.code()).isEqualTo(2);
        assertThat(tooMany.stderr()).contains("at most 19000");
    }

    @Test
    void idleMemoryRefusesAServerJarThatIsNotThere() throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", "idle-memory.sh", "10").directory(new java.io.File("."))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("SERVER_JAR", "/nonexistent/switchboard.jar");
        Process p = pb.start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(2);
        assertThat(err).contains("no server jar at '/nonexistent/switchboard.jar'");
    }

    @Test
    void idleMemoryFailsWhenTheServerDoesNotStart() throws Exception {
        // A file that exists but is no jar: the JVM exits at once, and the script must say so and exit 1, not
        // measure nothing and report success (targets.sh relies on the exit code).
        java.nio.file.Path notAJar = java.nio.file.Files.createTempFile("not-a-jar", ".jar");
        ProcessBuilder pb = new ProcessBuilder("bash", "idle-memory.sh", "10").directory(new java.io.File("."))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("SERVER_JAR", notAJar.toString());
        Process p = pb.start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(1);
        assertThat(err).contains("the server did not start");
        java.nio.file.Files.delete(notAJar);
    }

    @Test
    void clusterRefusesABadProfileLengthOrRunCount() throws Exception {
        assertRefused("cluster.sh", "--sched-profile=soon", "--sched-profile=SECONDS", "'soon'");
        assertRefused("cluster.sh", "--runs=0", "--runs", "'0'");
    }

    @Test
    void relayFloorRefusesAnUnknownOptionOrRunCount() throws Exception {
        assertRefused("relay-floor.sh", "--clients=4", "unknown option '--clients=4'");
        assertRefused("relay-floor.sh", "--client=jedis", "--client expects redisson or raw", "'jedis'");
        assertRefused("relay-floor.sh", "--runs=none", "--runs", "'none'");
    }

    @Test
    void tailProfileRefusesABadRateTraceMinOrServer() throws Exception {
        assertRefused("tail-profile.sh", "--clients=4", "unknown option '--clients=4'");
        assertRefused("tail-profile.sh", "--rate=fast", "--rate expects requests per second", "'fast'");
        assertRefused("tail-profile.sh", "--trace=4s", "--trace expects 1s..3s", "'4s'");
        assertRefused("tail-profile.sh", "--min=5", "--min expects a positive duration", "'5'");
        assertRefused("tail-profile.sh", "--min=0ms", "--min expects a positive duration", "'0ms'");
        assertRefused("tail-profile.sh", "--servers=switchboard,node", "unknown server 'node'");
        assertRefused("tail-profile.sh", "--servers=", "--servers= names no server");
    }

    @Test
    void targetsRefusesAnUnknownOptionStepOrRunCount() throws Exception {
        assertRefused("targets.sh", "--fast", "unknown option '--fast'");
        assertRefused("targets.sh", "--only=request,requests", "unknown step 'requests'", "request-half");
        assertRefused("targets.sh", "--runs=two", "--runs", "'two'");
    }
}
