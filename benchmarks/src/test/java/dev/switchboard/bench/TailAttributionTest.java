package dev.switchboard.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TailAttributionTest {

    @TempDir
    Path dir;

    /**
     * Two CPUs, 1000.002–1000.020 s. CPU 0: the server loop runs 0–10 ms, sleeps 10–12, waits for a CPU 12–14
     * while a C2 thread has CPU 0, runs 14–18; a second generator loop, woken at 18, waits 18–19 with CPU 0 idle
     * and runs 19–20. CPU 1: the first generator loop runs 0–2, is preempted by kdamond (2–6), which perf 6.1
     * reports as wait time after an R, not as sch delay, then runs 6–20.
     */
    static final String TIMEHIST = """
                       time    cpu  task name                       wait time  sch delay   run time  state
                                    [tid/pid]                          (msec)     (msec)     (msec)
            --------------- ------  ------------------------------  ---------  ---------  ---------  -----
               1000.002000 [0001]  bench-client-1-[20/19]              0.000      0.000      2.000      R
               1000.006000 [0001]  kdamond.0[77]                       0.000      0.000      4.000      S
               1000.010000 [0000]  switchboard-io-[10/9]               0.000      0.000     10.000      S
               1000.012000 [0001]  bench-client-1-[20/19]              4.000      0.000      6.000      S
               1000.012000 [0000]  <idle>                              0.000      0.000      2.000      I
               1000.014000 [0000]  C2 CompilerThre[30/19]              0.000      0.000      2.000      S
               1000.018000 [0000]  switchboard-io-[10/9]               4.000      2.000      4.000      S
               1000.020000 [0001]  bench-client-1-[20/19]              0.000      0.000      8.000      S
               1000.020000 [0000]  bench-client-2-[21/19]              0.000      1.000      1.000      S
            """;

    static final String SLOW = """
            # round trips >= 1000 ns: sent_ns received_ns
            1000002000000 1000006000000
            1000012000000 1000014000000
            1000013000000 1000014000000
            1000015000000 1000015500000
            1000018000000 1000019000000
            1000025000000 1000030000000
            """;

    @SuppressWarnings("unchecked")
    @Test
    void splitsEachSlowRoundTripsFlightByWhatTheCpusRan() throws Exception {
        Path th = dir.resolve("timehist.txt");
        Path slow = dir.resolve("slow.txt");
        Files.writeString(th, TIMEHIST);
        Files.writeString(slow, SLOW);
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        Map<String, Object> r = TailAttribution.main(new Args(new String[] {"--timehist=" + th, "--slow-log=" + slow,
                "--min=1ms", "--out=" + dir.resolve("tail.json")}, 0), new PrintStream(console, true, StandardCharsets.UTF_8));

        assertThat(r).containsEntry("cpus", 2).containsEntry("trace_s", 0.018).containsEntry("slow_log_entries", 6);
        // The 0.5 ms round trip is under --min, the last one is after the trace.
        assertThat(r).containsEntry("round_trips", 4);
        assertThat(r).containsEntry("cpu_busy_pct", 91.7); // 33 ms run of 2 x 18
        assertThat((Map<String, Object>) r.get("cpu_pct_by_thread")).containsExactly(Map.entry("generator loop", 83.3),
                Map.entry("server loop", 66.7), Map.entry("kdamond.0", 22.2), Map.entry("C2 CompilerThre", 11.1));
        // 2–6 ms: server and kdamond running, a generator loop waiting. 12–14 (two round trips): C2 and a generator
        // loop running, the server waiting. 18–19: a generator loop running, the other waiting, CPU 0 idle.
        assertThat((Map<String, Object>) r.get("during_their_flight_pct")).containsExactly(
                Map.entry("no_cpu_idle", 75.0), Map.entry("more_runnable_than_cpus", 75.0),
                Map.entry("server_loop_waiting_for_a_cpu", 50.0), Map.entry("generator_loop_waiting_for_a_cpu", 50.0),
                Map.entry("generator_loop_waiting_every_cpu_busy", 25.0),
                Map.entry("generator_loop_waiting_a_cpu_idle", 25.0), Map.entry("other_thread_running", 75.0));
        assertThat((Map<String, Object>) r.get("whole_trace_pct")).containsExactly(
                Map.entry("no_cpu_idle", 83.3), Map.entry("more_runnable_than_cpus", 33.3),
                Map.entry("server_loop_waiting_for_a_cpu", 11.1), Map.entry("generator_loop_waiting_for_a_cpu", 27.8),
                Map.entry("generator_loop_waiting_every_cpu_busy", 22.2),
                Map.entry("generator_loop_waiting_a_cpu_idle", 5.6), Map.entry("other_thread_running", 33.3));
        // Round trips sent less than 2 ms apart are one burst; the largest comes first.
        List<Map<String, Object>> bursts = (List<Map<String, Object>>) r.get("episodes");
        assertThat(bursts).hasSize(3);
        assertThat(bursts.get(0)).containsEntry("round_trips", 2L).containsEntry("span_ms", 2.0).containsEntry("worst_ms", 2.0);
        assertThat((Map<String, Object>) bursts.get(0).get("cpu0_ms")).containsExactly(Map.entry("C2 CompilerThre", 2.0));
        assertThat((Map<String, Object>) bursts.get(0).get("cpu1_ms")).containsExactly(Map.entry("generator loop", 2.0));
        assertThat(console.toString(StandardCharsets.UTF_8)).contains("4 round trips >= 1000 us inside the trace (of 6");
        assertThat(Files.readString(dir.resolve("tail.json"))).contains("\"generator_loop_waiting_a_cpu_idle\" : 25.0");
    }

    /**
     * After a preemption the wait is the whole of {@code wait time}, whichever way perf books it: perf 6.1 leaves
     * {@code sch delay} at 0 (the fixture), later perf sets it to the wait time, and before perf 6.9 a preemption
     * inside the kernel shows as state W instead of R.
     */
    @SuppressWarnings("unchecked")
    @Test
    void aPreemptedThreadsWaitCountsOnceHoweverPerfBooksIt() throws Exception {
        // A switch at 1000.000 (no run) starts the trace 2 ms before the preemption, so a wait counted twice shows.
        String trace = TIMEHIST.replace("-----\n", "-----\n   1000.000000 [0001]  <idle>  0.000  0.000  0.000  I\n");
        assertThat(trace).isNotEqualTo(TIMEHIST);
        Map<String, Object> base = run(trace, SLOW);
        String later = trace.replace("bench-client-1-[20/19]              4.000      0.000",
                "bench-client-1-[20/19]              4.000      4.000");
        String kernel = trace.replace("0.000      0.000      2.000      R", "0.000      0.000      2.000      W");
        assertThat(later).isNotEqualTo(trace);
        assertThat(kernel).isNotEqualTo(trace);
        for (String variant : List.of(later, kernel)) {
            Map<String, Object> r = run(variant, SLOW);
            assertThat(r.get("during_their_flight_pct")).isEqualTo(base.get("during_their_flight_pct"));
            assertThat(r.get("whole_trace_pct")).isEqualTo(base.get("whole_trace_pct"));
        }
        assertThat((Map<String, Object>) base.get("during_their_flight_pct"))
                .containsEntry("generator_loop_waiting_every_cpu_busy", 25.0);
    }

    /**
     * Past CPU 1's last switch (20 ms) its trace says nothing: a round trip there is not counted, and the whole
     * trace's figures stop there too, although CPU 0 runs on.
     */
    @SuppressWarnings("unchecked")
    @Test
    void countsOnlyRoundTripsThatEveryCpusTraceCovers() throws Exception {
        String longer = TIMEHIST + "   1000.030000 [0000]  switchboard-io-[10/9]               2.000      0.000     10.000      S\n";
        Map<String, Object> base = run(TIMEHIST, SLOW);
        Map<String, Object> r = run(longer, SLOW);
        // The figures of the whole trace cover the same 18 ms: CPU 0's last 10 ms beside nothing known are left out.
        assertThat(r).containsEntry("trace_s", 0.018).containsEntry("round_trips", 4).containsEntry("cpu_busy_pct", 91.7);
        assertThat(r.get("whole_trace_pct")).isEqualTo(base.get("whole_trace_pct"));
        assertThat(r.get("cpu_pct_by_thread")).isEqualTo(base.get("cpu_pct_by_thread"));
        assertThat((Map<String, Object>) r.get("during_their_flight_pct")).containsEntry("no_cpu_idle", 75.0);
    }

    /** CPU 0 switches only over 0–5 ms and CPU 1 only over 15–20: no moment says what both ran. */
    @Test
    void refusesATraceInWhichTheCpusPartsDoNotOverlap() {
        String apart = """
                   1000.005000 [0000]  switchboard-io-[10/9]               0.000      0.000      5.000      S
                   1000.020000 [0001]  bench-client-1-[20/19]              0.000      0.000      5.000      S
                """;
        assertThatThrownBy(() -> run(apart, SLOW)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("the CPUs' parts of the trace do not overlap");
    }

    private Map<String, Object> run(String timehist, String slowLog) throws Exception {
        Path th = dir.resolve("timehist.txt");
        Path slow = dir.resolve("slow.txt");
        Files.writeString(th, timehist);
        Files.writeString(slow, slowLog);
        return TailAttribution.main(new Args(new String[] {"--timehist=" + th, "--slow-log=" + slow, "--min=1ms"}, 0),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    }

    @Test
    void refusesATraceWithoutTheStateColumn() throws Exception {
        Path th = dir.resolve("timehist.txt");
        Path slow = dir.resolve("slow.txt");
        Files.writeString(th, TIMEHIST.replaceAll("\\s+[RSI]\\n", "\n"));
        Files.writeString(slow, SLOW);
        assertThatThrownBy(() -> TailAttribution.main(new Args(new String[] {"--timehist=" + th, "--slow-log=" + slow}, 0),
                System.out)).hasMessageContaining("run `perf sched timehist --state`");
    }

    @Test
    void refusesATraceWithoutSchedulerEventsOrABadSlowLog() throws Exception {
        Path th = dir.resolve("timehist.txt");
        Path slow = dir.resolve("slow.txt");
        Files.writeString(th, "not a trace\n");
        Files.writeString(slow, SLOW);
        assertThatThrownBy(() -> TailAttribution.main(new Args(new String[] {"--timehist=" + th, "--slow-log=" + slow}, 0),
                System.out)).hasMessageContaining("no scheduler events in the trace");
        Files.writeString(th, TIMEHIST);
        Files.writeString(slow, "1000002000000\n");
        assertThatThrownBy(() -> TailAttribution.main(new Args(new String[] {"--timehist=" + th, "--slow-log=" + slow}, 0),
                System.out)).hasMessageContaining("slow log line '1000002000000' (expected: sent_ns received_ns)");
        assertThatThrownBy(() -> TailAttribution.main(new Args(new String[] {"--slow-log=" + slow}, 0), System.out))
                .hasMessageContaining("needs --timehist=FILE");
    }
}
