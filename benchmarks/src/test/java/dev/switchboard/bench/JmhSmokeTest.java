package dev.switchboard.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Collection;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/** Every JMH suite once, in-process, for a few milliseconds: the benchmarks compile, set up and run. */
class JmhSmokeTest {

    @Test
    void everySuiteRuns() throws Exception {
        Options o = new OptionsBuilder()
                .include("dev\\.switchboard\\.bench\\.jmh\\..*")
                .forks(0)
                .warmupIterations(0)
                .measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(50))
                .shouldFailOnError(true)
                .build();
        Collection<RunResult> results = new Runner(o).run();
        assertThat(results).extracting(r -> r.getParams().getBenchmark())
                .anyMatch(b -> b.endsWith("FanoutBench.prebuiltFrame"))
                .anyMatch(b -> b.endsWith("DispatchBench.ping"))
                .anyMatch(b -> b.endsWith("FramesBench.envelope"))
                .anyMatch(b -> b.endsWith("PresenceBench.leaveAndJoin"))
                .anyMatch(b -> b.endsWith("RequestPathBench.gateway"))
                .anyMatch(b -> b.endsWith("RequestPathBench.echoHub"));
        assertThat(results).allSatisfy(r -> assertThat(r.getPrimaryResult().getScore()).isPositive());
    }

    @Test
    void requestPathAbPrintsBothPipelinesAndTheRatio() throws Exception {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        java.io.PrintStream out = new java.io.PrintStream(bytes, true, java.nio.charset.StandardCharsets.UTF_8);
        dev.switchboard.bench.jmh.RequestPathAB.main(new Args(new String[] {"--batches=10", "--batch=200",
                "--warmup-batches=1"}, 0), out);
        String printed = bytes.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(printed).containsPattern("gateway: p10 \\d+ ns, median \\d+ ns per request")
                .containsPattern("echo hub: p10 \\d+ ns")
                .containsPattern("gateway / echo: \\d+\\.\\d\\dx at p10");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> dev.switchboard.bench.jmh.RequestPathAB.main(
                new Args(new String[] {"--batches=2"}, 0), out)).isInstanceOf(IllegalArgumentException.class);
    }
}
