package dev.switchboard.bench;

import dev.switchboard.bench.load.Run;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code tail-attribution}: where the slow round trips of a {@code request --slow-log} run spent their flight, from
 * a scheduler trace of the same seconds ({@code perf sched record -k CLOCK_MONOTONIC}, then
 * {@code perf sched timehist --state}). For every slow round trip inside the trace it measures the share of its flight in
 * which no CPU was idle, more threads were runnable than there are CPUs, a server loop was runnable but waiting
 * for a CPU, a generator loop was (split into: with every CPU busy, and with a CPU idle, which is the scheduler's
 * placement or a wake-up's latency), and some other thread (JIT, GC, a kernel thread, perf itself) held a CPU; the same shares
 * over the whole trace are printed beside them. It then lists the largest bursts of slow round trips with what
 * each CPU ran during them. {@code benchmarks/tail-profile.sh} records the trace and runs it.
 *
 * <p>Thread roles are told by name prefix (perf keeps 15 characters): {@code --server-threads} (default
 * {@code switchboard-io,hub-io}: the gateway's and the Netty hubs' I/O loops) and {@code --generator-threads}
 * ({@code bench-client}). Times are resolved to 10 µs.
 */
public final class TailAttribution {

    static final long CELL_NANOS = 10_000;
    /**
     * {@code time [cpu] task[tid/pid] wait sch-delay run [state]}: the time in seconds, the three columns in ms, and
     * with {@code timehist --state} the state the task was switched out in ({@code R}: preempted, still runnable).
     */
    private static final Pattern LINE = Pattern.compile(
            "^\\s*(\\d+\\.\\d+)\\s+\\[(\\d+)]\\s+(.+?)\\s+(\\d+\\.\\d+)\\s+(\\d+\\.\\d+)\\s+(\\d+\\.\\d+)"
            + "(?:\\s+([A-Za-z+]{1,3}))?\\s*$");
    private static final Pattern TID = Pattern.compile("\\[(\\d+)(?:/\\d+)?]$");

    enum Role { SERVER, GENERATOR, OTHER, IDLE }

    /** One line of the trace: the task ran on {@code cpu} over [runStart, end] after waiting runnable from waitStart. */
    record Slice(long end, int cpu, String task, long waitStart, long runStart, Role role) {
    }

    private TailAttribution() {
    }

    public static Map<String, Object> main(Args a, PrintStream out) throws IOException {
        Path timehist = Path.of(require(a, "timehist"));
        Path slowLog = Path.of(require(a, "slow-log"));
        List<String> server = List.of(a.str("server-threads", "switchboard-io,hub-io").split(","));
        List<String> generator = List.of(a.str("generator-threads", "bench-client").split(","));
        Duration min = a.duration("min", Duration.ofMillis(5));
        int episodes = a.integer("episodes", 5);
        String json = a.str("out", null);
        a.rejectUnknown();
        List<Slice> slices = parse(Files.readAllLines(timehist), server, generator);
        List<long[]> trips = readSlowLog(Files.readAllLines(slowLog));
        Map<String, Object> r = attribute(slices, trips, min.toNanos(), episodes);
        print(r, out);
        if (json != null) {
            Run.JSON.writeValue(Path.of(json).toFile(), r);
        }
        return r;
    }

    private static String require(Args a, String key) {
        String v = a.str(key, null);
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException("tail-attribution needs --" + key + "=FILE");
        }
        return v;
    }

    static List<Slice> parse(List<String> lines, List<String> server, List<String> generator) {
        List<Slice> slices = new ArrayList<>();
        Map<String, String> lastState = new HashMap<>();
        boolean stateColumn = false;
        for (String line : lines) {
            Matcher m = LINE.matcher(line);
            if (!m.matches()) {
                continue; // the header, and lines perf marks otherwise
            }
            String full = m.group(3);
            String task = full.replaceFirst("\\[[^\\]]*]$", "");
            long end = seconds(m.group(1));
            long run = millis(m.group(6));
            if (task.startsWith("<idle>")) { // kept only to know how far each CPU's trace reaches
                slices.add(new Slice(end, Integer.parseInt(m.group(2)), task, end - run, end - run, Role.IDLE));
                continue;
            }
            long delay = millis(m.group(5));
            String state = m.group(7);
            stateColumn |= state != null;
            Matcher tid = TID.matcher(full);
            String id = tid.find() ? tid.group(1) : full;
            // Woken, a task waits `sch delay` for its CPU; `wait time` is all its time off the CPU, asleep too.
            // Preempted (switched out still runnable: R, or W for a preemption inside the kernel before perf 6.9),
            // it waited all of `wait time` in the run queue: perf 6.1 leaves `sch delay` at 0 then, later perf
            // sets it to the wait time, so the larger of the two is the wait either way.
            if (preempted(lastState.put(id, state == null ? "" : state))) {
                delay = Math.max(delay, millis(m.group(4)));
            }
            Role role = server.stream().anyMatch(task::startsWith) ? Role.SERVER
                    : generator.stream().anyMatch(task::startsWith) ? Role.GENERATOR : Role.OTHER;
            slices.add(new Slice(end, Integer.parseInt(m.group(2)), task, end - run - delay, end - run, role));
        }
        if (slices.stream().allMatch(s -> s.role() == Role.IDLE)) {
            throw new IllegalArgumentException("no scheduler events in the trace (expected `perf sched timehist` output)");
        }
        if (!stateColumn) {
            throw new IllegalArgumentException("the trace has no state column: run `perf sched timehist --state`, without"
                    + " which a thread's wait after it was preempted is not seen");
        }
        return slices;
    }

    private static boolean preempted(String state) {
        return state != null && (state.startsWith("R") || state.equals("W"));
    }

    static List<long[]> readSlowLog(List<String> lines) {
        List<long[]> trips = new ArrayList<>();
        for (String line : lines) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.trim().split("\\s+");
            if (f.length != 2) {
                throw new IllegalArgumentException("slow log line '" + line + "' (expected: sent_ns received_ns)");
            }
            trips.add(new long[] {Long.parseLong(f[0]), Long.parseLong(f[1])});
        }
        return trips;
    }

    static Map<String, Object> attribute(List<Slice> slices, List<long[]> allTrips, long minNanos, int episodes) {
        long t0 = slices.stream().mapToLong(Slice::end).min().orElseThrow();
        long t1 = slices.stream().mapToLong(Slice::end).max().orElseThrow();
        int cpus = (int) slices.stream().mapToInt(Slice::cpu).distinct().count();
        int n = (int) Math.max(1, (t1 - t0) / CELL_NANOS);
        // A round trip counts only where every CPU's trace covers its flight: from the latest first switch to the
        // earliest last one (past a CPU's last switch, what it ran is not in the trace and would read as idle).
        Map<Integer, long[]> reach = new HashMap<>();
        for (Slice s : slices) {
            reach.merge(s.cpu(), new long[] {s.runStart(), s.end()},
                    (x, y) -> new long[] {Math.min(x[0], y[0]), Math.max(x[1], y[1])});
        }
        long from = reach.values().stream().mapToLong(x -> x[0]).max().orElseThrow();
        long to = reach.values().stream().mapToLong(x -> x[1]).min().orElseThrow();
        long lo = Math.max(t0, from);
        long hi = Math.min(t1, to);
        if (hi <= lo) {
            throw new IllegalArgumentException("the CPUs' parts of the trace do not overlap: no time in it says what"
                    + " every CPU ran (a trace too short, or one CPU with no switch in it)");
        }
        int ilo = Math.min(n - 1, cell(t0, n, lo));
        int ihi = Math.max(ilo + 1, cell(t0, n, hi));
        // Per cell: runnable threads, server loops waiting, generator loops waiting, other threads running.
        int[] runnable = new int[n + 1];
        int[] running = new int[n + 1];
        int[] serverWaiting = new int[n + 1];
        int[] generatorWaiting = new int[n + 1];
        int[] otherRunning = new int[n + 1];
        Map<String, Long> runNanos = new HashMap<>();
        long busy = 0;
        for (Slice s : slices) {
            if (s.role() == Role.IDLE) {
                continue;
            }
            add(runnable, t0, n, s.waitStart(), s.end());
            add(running, t0, n, s.runStart(), s.end());
            if (s.role() == Role.SERVER) {
                add(serverWaiting, t0, n, s.waitStart(), s.runStart());
            } else if (s.role() == Role.GENERATOR) {
                add(generatorWaiting, t0, n, s.waitStart(), s.runStart());
            } else {
                add(otherRunning, t0, n, s.runStart(), s.end());
            }
            long ran = Math.min(s.end(), hi) - Math.max(s.runStart(), lo);
            if (ran > 0) {
                busy += ran;
                runNanos.merge(label(s), ran, Long::sum);
            }
        }
        long[] full = indicator(running, v -> v >= cpus);
        long[] over = indicator(runnable, v -> v > cpus);
        long[] sw = indicator(serverWaiting, v -> v > 0);
        long[] gw = indicator(generatorWaiting, v -> v > 0);
        long[] gwFull = both(generatorWaiting, running, (g, run) -> g > 0 && run >= cpus);
        long[] gwIdle = both(generatorWaiting, running, (g, run) -> g > 0 && run < cpus);
        long[] ot = indicator(otherRunning, v -> v > 0);
        List<long[]> trips = new ArrayList<>();
        for (long[] t : allTrips) {
            if (t[1] - t[0] >= minNanos && t[0] >= lo && t[1] <= hi && t[1] > t[0]) {
                trips.add(t);
            }
        }
        long[][] sums = {full, over, sw, gw, gwFull, gwIdle, ot};
        double[] share = new double[sums.length];
        for (long[] t : trips) {
            int i0 = Math.min(n - 1, cell(t0, n, t[0]));
            int i1 = Math.max(i0 + 1, cell(t0, n, t[1]));
            for (int k = 0; k < sums.length; k++) {
                share[k] += (double) (sums[k][i1] - sums[k][i0]) / (i1 - i0);
            }
        }
        Map<String, Object> r = new LinkedHashMap<>();
        double span = (hi - lo) / 1e9;
        r.put("trace_s", Math.round(span * 1000) / 1000.0);
        r.put("cpus", cpus);
        r.put("cpu_busy_pct", pct((double) busy / ((double) cpus * (hi - lo))));
        Map<String, Object> byTask = new LinkedHashMap<>();
        runNanos.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(10)
                .forEach(e -> byTask.put(e.getKey(), pct(e.getValue() / (double) (hi - lo))));
        r.put("cpu_pct_by_thread", byTask);
        r.put("slow_log_entries", allTrips.size());
        r.put("min_us", minNanos / 1000);
        r.put("round_trips", trips.size());
        Map<String, Object> during = new LinkedHashMap<>();
        Map<String, Object> whole = new LinkedHashMap<>();
        String[] keys = {"no_cpu_idle", "more_runnable_than_cpus", "server_loop_waiting_for_a_cpu",
                         "generator_loop_waiting_for_a_cpu", "generator_loop_waiting_every_cpu_busy",
                         "generator_loop_waiting_a_cpu_idle", "other_thread_running"};
        for (int k = 0; k < sums.length; k++) {
            during.put(keys[k], trips.isEmpty() ? 0.0 : pct(share[k] / trips.size()));
            whole.put(keys[k], pct((double) (sums[k][ihi] - sums[k][ilo]) / (ihi - ilo)));
        }
        r.put("during_their_flight_pct", during);
        r.put("whole_trace_pct", whole);
        r.put("episodes", episodes(slices, trips, episodes));
        return r;
    }

    /** Bursts: slow round trips sent within 2 ms of the previous one; the largest first, with each CPU's top threads. */
    private static List<Map<String, Object>> episodes(List<Slice> slices, List<long[]> trips, int max) {
        List<long[]> sorted = new ArrayList<>(trips);
        sorted.sort(Comparator.comparingLong(t -> t[0]));
        List<long[]> eps = new ArrayList<>(); // first sent, last sent, last received, count, worst
        long[] cur = null;
        for (long[] t : sorted) {
            if (cur != null && t[0] - cur[1] < 2_000_000) {
                cur[1] = t[0];
                cur[2] = Math.max(cur[2], t[1]);
                cur[3]++;
                cur[4] = Math.max(cur[4], t[1] - t[0]);
            } else {
                cur = new long[] {t[0], t[0], t[1], 1, t[1] - t[0]};
                eps.add(cur);
            }
        }
        eps.sort(Comparator.comparingLong((long[] e) -> e[3]).reversed());
        List<Map<String, Object>> out = new ArrayList<>();
        for (long[] e : eps.subList(0, Math.min(max, eps.size()))) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("first_sent_s", e[0] / 1e9);
            m.put("span_ms", Math.round((e[2] - e[0]) / 1e4) / 100.0);
            m.put("round_trips", e[3]);
            m.put("worst_ms", Math.round(e[4] / 1e4) / 100.0);
            Map<Integer, Map<String, Long>> perCpu = new java.util.TreeMap<>();
            for (Slice s : slices) {
                long ran = Math.min(s.end(), e[2]) - Math.max(s.runStart(), e[0]);
                if (ran > 0 && s.role() != Role.IDLE) {
                    perCpu.computeIfAbsent(s.cpu(), c -> new HashMap<>()).merge(label(s), ran, Long::sum);
                }
            }
            Map<String, Object> cpus = new LinkedHashMap<>();
            perCpu.forEach((cpu, tasks) -> {
                Map<String, Object> top = new LinkedHashMap<>();
                tasks.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(4)
                        .forEach(t -> top.put(t.getKey(), Math.round(t.getValue() / 1e4) / 100.0));
                cpus.put("cpu" + cpu + "_ms", top);
            });
            m.putAll(cpus);
            out.add(m);
        }
        return out;
    }

    private static void print(Map<String, Object> r, PrintStream out) {
        out.printf("trace %.3f s on %d CPUs, busy %.1f%%; CPU by thread (%% of one CPU): %s%n", r.get("trace_s"),
                r.get("cpus"), r.get("cpu_busy_pct"), r.get("cpu_pct_by_thread"));
        out.printf("%d round trips >= %d us inside the trace (of %d in the slow log)%n", r.get("round_trips"),
                r.get("min_us"), r.get("slow_log_entries"));
        @SuppressWarnings("unchecked")
        Map<String, Object> during = (Map<String, Object>) r.get("during_their_flight_pct");
        @SuppressWarnings("unchecked")
        Map<String, Object> whole = (Map<String, Object>) r.get("whole_trace_pct");
        out.printf("%-36s %18s %12s%n", "share of the time", "their flight", "whole trace");
        for (String k : during.keySet()) {
            out.printf("%-36s %17.1f%% %11.1f%%%n", k.replace('_', ' '), during.get(k), whole.get(k));
        }
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> eps = (List<Map<String, Object>>) r.get("episodes");
        for (Map<String, Object> e : eps) {
            out.println("burst " + e);
        }
    }

    private static String label(Slice s) {
        return switch (s.role()) {
            case SERVER -> "server loop";
            case GENERATOR -> "generator loop";
            case OTHER, IDLE -> s.task();
        };
    }

    private static void add(int[] diff, long t0, int n, long from, long to) {
        int i0 = cell(t0, n, from);
        int i1 = cell(t0, n, to);
        if (i1 > i0) {
            diff[i0]++;
            diff[i1]--;
        }
    }

    /** Prefix sums of the cells where the running count passes {@code test}: [i] = such cells before i. */
    private static long[] indicator(int[] diff, java.util.function.IntPredicate test) {
        long[] prefix = new long[diff.length];
        int level = 0;
        for (int i = 0; i < diff.length - 1; i++) {
            level += diff[i];
            prefix[i + 1] = prefix[i] + (test.test(level) ? 1 : 0);
        }
        return prefix;
    }

    /** As {@link #indicator}, for a test on two running counts at once. */
    private static long[] both(int[] diffA, int[] diffB, java.util.function.BiPredicate<Integer, Integer> test) {
        long[] prefix = new long[diffA.length];
        int a = 0;
        int b = 0;
        for (int i = 0; i < diffA.length - 1; i++) {
            a += diffA[i];
            b += diffB[i];
            prefix[i + 1] = prefix[i] + (test.test(a, b) ? 1 : 0);
        }
        return prefix;
    }

    private static int cell(long t0, int n, long t) {
        return (int) Math.max(0, Math.min(n, (t - t0) / CELL_NANOS));
    }

    private static long seconds(String s) {
        int dot = s.indexOf('.');
        String frac = (s.substring(dot + 1) + "000000000").substring(0, 9);
        return Long.parseLong(s.substring(0, dot)) * 1_000_000_000L + Long.parseLong(frac);
    }

    private static long millis(String s) {
        int dot = s.indexOf('.');
        String frac = (s.substring(dot + 1) + "000000").substring(0, 6);
        return Long.parseLong(s.substring(0, dot)) * 1_000_000L + Long.parseLong(frac);
    }

    private static double pct(double f) {
        return Math.round(f * 1000) / 10.0;
    }
}
