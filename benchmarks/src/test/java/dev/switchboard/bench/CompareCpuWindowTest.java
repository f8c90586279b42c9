package dev.switchboard.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Server CPU per item comes from the measured window when the runs report it, else from the whole run. */
class CompareCpuWindowTest {

    @TempDir
    Path dir;

    private JsonNode summarize(String run) throws Exception {
        Path f = dir.resolve("run.json");
        Files.writeString(f, run);
        Path out = dir.resolve("out");
        Compare.summary(new Args(new String[] {"--scenario=request", "--out-dir=" + out, "--results=sb:" + f},
                0), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        return new ObjectMapper().readTree(out.resolve("summary.json").toFile()).path("servers").get(0).path("median");
    }

    @Test
    void theWindowWhenTheRunHasIt() throws Exception {
        // Whole run: 30 s of CPU over 3,000,000 replies = 10,000 ns; window: 8 s over 1,600,000 = 5,000 ns.
        JsonNode m = summarize("""
                {"round_trips_per_s": 200000, "replies": 3000000, "server_cpu_ms": 30000, "server_cpu_pct": 90,
                 "client_cpu_pct": 95, "window_items": 1600000, "server_cpu_ms_window": 8000,
                 "server_cpu_pct_window": 100, "client_cpu_pct_window": 99, "latency_us": {"p50": 1, "p99": 2}}
                """);
        assertThat(m.path("server_cpu_ns_per_item").asLong()).isEqualTo(5000);
        assertThat(m.path("server_cpu_pct").asLong()).isEqualTo(100);
        assertThat(m.path("client_cpu_pct").asLong()).isEqualTo(99);
    }

    @Test
    void theWholeRunForOlderResultFiles() throws Exception {
        JsonNode m = summarize("""
                {"round_trips_per_s": 200000, "replies": 3000000, "server_cpu_ms": 30000, "server_cpu_pct": 90,
                 "client_cpu_pct": 95, "latency_us": {"p50": 1, "p99": 2}}
                """);
        assertThat(m.path("server_cpu_ns_per_item").asLong()).isEqualTo(10000);
        assertThat(m.path("server_cpu_pct").asLong()).isEqualTo(90);
    }
}
