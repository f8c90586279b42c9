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
     * while a C2 thread has CPU 0, runs 14–18. CPU 1: the generator loop runs 0–2, waits 2–6 while kdamond has
     * CPU 1, runs 6–20. A C1 thread waits 18–19 ms although CPU 0 is idle, then runs 19–20 on it.
     */
    static final String TIMEHIST = """
                       time    cpu  task name                       wait time  sch delay   run time
                                    [tid/pid]                          (msec)     (msec)     (msec)
            --------------- ------  ------------------------------  ---------  ---------  ---------
               1000.002000 [0001]  bench-client-1-[20/19]              0.000      0.000      2.000
               1000.006000 [0001]  kdamond.0[77]                       0.000      0.000      4.000
               1000.010000 [0000]  switchboard-io-[10/9]               0.000      0.000     10.000
               1000.012000 [0001]  bench-client-1-[20/19]              0.000      4.000      6.000
               1000.012000 [0000]  <idle>                              0.000      0.000      2.000
               1000.014000 [0000]  C2 CompilerThre[30/19]              0.000      0.000      2.000
               1000.018000 [0000]  switchboard-io-[10/9]               2.000      2.000      4.000
               1000.020000 [0001]  bench-client-1-[20/19]              0.000      0.000      8.000
               1000.020000 [0000]  C1 CompilerThre[31/19]              0.000      1.000      1.000
            """;

    static final String SLOW = """
            # round trips >= 1000 ns: sent_ns received_ns
            1000002000000 1000006000000
            1000012000000 1000014000000
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

        assertThat(r).containsEntry("cpus", 2).containsEntry("trace_s", 0.018).containsEntry("slow_log_entries", 5);
        // The 0.5 ms round trip is under --min, the last one is after the trace.
        assertThat(r).containsEntry("round_trips", 3);
        assertThat(r).containsEntry("cpu_busy_pct", 91.7); // 33 ms run of 2 x 18
        assertThat((Map<String, Object>) r.get("cpu_pct_by_thread")).containsExactly(Map.entry("generator loop", 77.8),
                Map.entry("server loop", 66.7), Map.entry("kdamond.0", 22.2), Map.entry("C2 CompilerThre", 11.1),
                Map.entry("C1 CompilerThre", 5.6));
        // 2–6 ms: server running, kdamond running, generator waiting. 12–14: C2 and generator running, server
        // waiting. 18–19: the generator running, C1 waiting, CPU 0 idle.
        assertThat((Map<String, Object>) r.get("during_their_flight_pct")).containsExactly(
                Map.entry("no_cpu_idle", 100.0), Map.entry("more_runnable_than_cpus", 66.7),
                Map.entry("a_thread_waiting_while_a_cpu_idles", 33.3),
                Map.entry("server_loop_waiting_for_a_cpu", 33.3), Map.entry("generator_loop_waiting_for_a_cpu", 33.3),
                Map.entry("other_thread_running", 66.7));
        assertThat((Map<String, Object>) r.get("whole_trace_pct")).containsExactly(
                Map.entry("no_cpu_idle", 88.9), Map.entry("more_runnable_than_cpus", 33.3),
                Map.entry("a_thread_waiting_while_a_cpu_idles", 5.6),
                Map.entry("server_loop_waiting_for_a_cpu", 11.1), Map.entry("generator_loop_waiting_for_a_cpu", 22.2),
                Map.entry("other_thread_running", 38.9));
        List<Map<String, Object>> bursts = (List<Map<String, Object>>) r.get("episodes");
        assertThat(bursts).hasSize(3);
        assertThat(bursts.get(0)).containsEntry("span_ms", 4.0).containsEntry("worst_ms", 4.0);
        assertThat((Map<String, Object>) bursts.get(0).get("cpu1_ms")).containsExactly(Map.entry("kdamond.0", 4.0));
        assertThat((Map<String, Object>) bursts.get(0).get("cpu0_ms")).containsExactly(Map.entry("server loop", 4.0));
        assertThat(console.toString(StandardCharsets.UTF_8)).contains("3 round trips >= 1000 us inside the trace (of 5");
        assertThat(Files.readString(dir.resolve("tail.json"))).contains("\"a_thread_waiting_while_a_cpu_idles\" : 33.3");
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
