package dev.switchboard.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code benchmarks/targets.sh --smoke}: every step of the targets run, with a handful of clients, against the
 * servers the full run starts (the bench jar's gateway and hubs, Node {@code ws}, the standalone jar, Redis), then
 * the report. The instruments behind the benchmarks page must keep working end to end; the figures of a smoke run
 * mean nothing and are not checked.
 */
class TargetsScriptIT {

    @Test
    void everyStepRunsAndTheReportHasAVerdictForEachTarget() throws Exception {
        Path out = Path.of("target", "targets-smoke").toAbsolutePath();
        deleteTree(out);
        Path log = Files.createDirectories(out.getParent()).resolve("targets-smoke.log");
        // Surefire and failsafe run in the module's directory (benchmarks/), where the script is.
        Process p = new ProcessBuilder("bash", "targets.sh", "--smoke", "--out-dir=" + out).directory(new File("."))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean ended = p.waitFor(10, TimeUnit.MINUTES);
        if (!ended) {
            p.descendants().forEach(ProcessHandle::destroy);
            p.destroyForcibly();
        }
        String tail = tail(log);
        assertThat(ended).as("targets.sh --smoke ended in 10 min; its output ends with:%n%s", tail).isTrue();
        assertThat(p.exitValue()).as("exit code; output ends with:%n%s", tail).isZero();

        JsonNode report = new ObjectMapper().readTree(out.resolve("targets.json").toFile());
        assertThat(report.path("smoke").asBoolean()).isTrue();
        List<String> verdicts = new ArrayList<>();
        for (JsonNode row : report.path("rows")) {
            String step = row.path("step").asText();
            verdicts.add(step + ": " + row.path("verdict").asText());
            // "—" stands for a figure the report could not read: a field renamed in a scenario shows up here.
            assertThat(row.path("measured").asText()).as(step).doesNotContain("—");
            if (!step.equals("jmh") && !step.equals("idle")) { // these have no reference server
                assertThat(row.path("reference").asText()).as(step).doesNotContain("—");
            }
        }
        assertThat(verdicts).hasSize(12).allSatisfy(v -> assertThat(v).endsWith("(smoke)"));
        for (String step : List.of("broadcast-saturating", "broadcast-rate20", "request", "request-half",
                "request-server-bound", "connect-10k",
                "connect-5k", "cluster-throughput", "cluster-10k")) {
            assertThat(out.resolve(step).resolve("summary.json")).as(step).exists();
            assertThat(out.resolve(step).resolve("latency.svg")).as(step).exists();
        }
        assertThat(out.resolve("connect-5k").resolve("reading").resolve("summary.json")).exists();
        for (JsonNode row : report.path("rows")) {
            if (row.path("step").asText().equals("connect-5k")) {
                assertThat(row.path("measured").asText()).contains("not reading after the 101", "reading every frame");
            }
        }
        assertThat(out.resolve("jmh").resolve("jmh.json")).exists();
        assertThat(Files.readAllLines(out.resolve("idle").resolve("idle.jsonl"))).hasSize(1);
        assertThat(Files.readString(out.resolve("targets.md"))).startsWith("Smoke run").contains("| `cluster-10k` |");
    }

    private static void deleteTree(Path p) throws Exception {
        if (Files.exists(p)) {
            try (var files = Files.walk(p)) {
                for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(f);
                }
            }
        }
    }

    private static String tail(Path log) throws Exception {
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }
}
