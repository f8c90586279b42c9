package dev.switchboard.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code benchmarks/cluster.sh --compare-redisson}: one round of the three configurations (one instance; A -> Redis
 * -> B over the direct relay; the same over Redisson's pub/sub), a few messages each. The comparison the
 * benchmarks page quotes must keep working, and each configuration must run the relay it is named after.
 */
class ClusterScriptIT {

    @Test
    void eachConfigurationRunsItsRelayAndDeliversEverything() throws Exception {
        Path out = Path.of("target", "cluster-smoke").toAbsolutePath();
        if (Files.exists(out)) {
            try (var files = Files.walk(out)) {
                for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(f);
                }
            }
        }
        Path log = Files.createDirectories(out.getParent()).resolve("cluster-smoke.log");
        Process p = new ProcessBuilder("bash", "cluster.sh", "--runs=1", "--compare-redisson", "--out-dir=" + out,
                "--clients=2", "--rate=200", "--size=100", "--duration=2s", "--warmup=1s")
                .directory(new File(".")).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean ended = p.waitFor(5, TimeUnit.MINUTES);
        if (!ended) {
            p.descendants().forEach(ProcessHandle::destroy);
            p.destroyForcibly();
        }
        List<String> lines = Files.readAllLines(log);
        String tail = String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        assertThat(ended).as("cluster.sh ended in 5 min; its output ends with:%n%s", tail).isTrue();
        assertThat(p.exitValue()).as("exit code; output ends with:%n%s", tail).isZero();

        ObjectMapper json = new ObjectMapper();
        for (String config : List.of("local", "redis-b", "redisson-b")) {
            JsonNode r = json.readTree(out.resolve(config + "-run1.json").toFile());
            assertThat(r.path("received").asLong()).as(config + ": deliveries").isPositive();
            assertThat(r.path("lost_measured").asLong()).as(config + ": lost after the warm-up").isZero();
        }
        // The relay each pair of instances ran, from their own logs.
        assertThat(Files.readString(out.resolve("instance-A-auto-run1.log"))).contains("(direct relay)");
        assertThat(Files.readString(out.resolve("instance-B-auto-run1.log"))).contains("(direct relay)");
        assertThat(Files.readString(out.resolve("instance-A-redisson-run1.log")))
                .contains("Redis broker A connected").doesNotContain("(direct relay)");
        assertThat(Files.readString(out.resolve("instance-B-redisson-run1.log")))
                .contains("Redis broker B connected").doesNotContain("(direct relay)");
        JsonNode summary = json.readTree(out.resolve("summary.json").toFile());
        assertThat(summary.toString()).contains("redis-b").contains("redisson-b");
    }
}
