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
                .anyMatch(b -> b.endsWith("PresenceBench.leaveAndJoin"));
        assertThat(results).allSatisfy(r -> assertThat(r.getPrimaryResult().getScore()).isPositive());
    }
}
