package dev.switchboard.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.bench.load.RelayFloor;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code benchmarks/relay-floor.sh}: a publisher and a subscriber process and a redis-server; every message sent
 * after the warm-up on either path arrives, and both paths' percentiles are reported. Needs redis-server.
 */
class RelayFloorIT {

    @ParameterizedTest(name = "--client={0}")
    @ValueSource(strings = {"redisson", "raw"})
    void bothPathsDeliverEveryMessageAndTheReportHasBothPercentiles(String client) throws Exception {
        Path out = Path.of("target", "relay-floor-smoke-" + client).toAbsolutePath();
        Files.createDirectories(out);
        Files.deleteIfExists(out.resolve("run1.json"));
        // Failsafe runs in the module's directory (benchmarks/), where the script is.
        Process p = new ProcessBuilder("bash", "relay-floor.sh", "--runs=1", "--rate=2000", "--duration=2s",
                "--warmup=1s", "--client=" + client, "--out-dir=" + out).directory(new File(".")).redirectErrorStream(true).start();
        String printed = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(2, TimeUnit.MINUTES)).as(printed).isTrue();
        assertThat(p.exitValue()).as(printed).isZero();
        assertThat(printed).contains("run 1: direct p50").contains("Redis adds");

        JsonNode r = new ObjectMapper().readTree(out.resolve("run1.json").toFile());
        for (String path : new String[] {"direct", "redis"}) {
            JsonNode n = r.path(path);
            // 2 s at 2,000/s in all, alternating paths each second: about 2,000 measured messages per path.
            assertThat(n.path("sent").asLong()).as(path).isBetween(1_000L, 3_000L);
            assertThat(n.path("received").asLong()).as(path).isEqualTo(n.path("sent").asLong());
            assertThat(n.path("lost").asLong()).as(path).isZero();
            assertThat(n.path("p50_ms").asDouble()).as(path).isPositive().isLessThanOrEqualTo(n.path("p99_ms").asDouble());
        }
        assertThat(r.path("added_p99_ms").isNumber()).isTrue();
    }

    @Test
    void badOptionsAreRefusedByName() {
        PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        assertThatThrownBy(() -> RelayFloor.run(new Args(new String[] {"--role=sub", "--client=jedis"}, 0), out))
                .hasMessageContaining("--client=jedis (expected: redisson or raw)");
        assertThatThrownBy(() -> RelayFloor.run(new Args(new String[] {"--role=both"}, 0), out))
                .hasMessageContaining("--role=both (expected: sub or pub)");
        assertThatThrownBy(() -> RelayFloor.run(new Args(new String[] {"--role=pub"}, 0), out))
                .hasMessageContaining("--direct=0");
        assertThatThrownBy(() -> RelayFloor.run(new Args(new String[] {"--role=pub", "--direct=9", "--rate=0"}, 0), out))
                .hasMessageContaining("--rate=0");
        assertThatThrownBy(() -> RelayFloor.run(new Args(new String[] {"--role=pub", "--direct=9", "--size=4"}, 0), out))
                .hasMessageContaining("--size=4");
        assertThatThrownBy(() -> RelayFloor.run(new Args(new String[] {"--role=pub", "--direct=9", "--duration=11m"}, 0), out))
                .hasMessageContaining("at most 10 minutes");
        assertThatThrownBy(() -> RelayFloor.run(new Args(new String[] {"--role=sub", "--speed=9"}, 0), out))
                .hasMessageContaining("speed");
    }
}
