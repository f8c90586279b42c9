package dev.switchboard.bench.load;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogWriter;
import org.HdrHistogram.Recorder;

/**
 * One scenario run: the latency recorder (microseconds, HdrHistogram), a progress line every second with the
 * load generator's CPU% (and the server's when its pid is known) beside the figures, and the result files
 * {@code <out>.json}, {@code <out>.hlog} (interval histograms) and {@code <out>.hgrm} (percentile table).
 */
public final class Run implements AutoCloseable {

    public static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public final String scenario;
    public final String label;
    public final Recorder recorder = new Recorder(3_600_000_000L, 3);
    private final Histogram total = new Histogram(3_600_000_000L, 3);
    private Histogram interval;
    private final Path out;
    private final HistogramLogWriter hlog;
    private final PrintStream hlogStream;
    private final Sys.CpuMeter selfCpu = new Sys.CpuMeter(Sys.selfPid());
    private final Sys.CpuMeter selfCpuProgress = new Sys.CpuMeter(Sys.selfPid());
    private final long serverPid;
    private Sys.CpuMeter serverCpu;
    private Sys.CpuMeter serverCpuProgress;
    private final long startNanos = System.nanoTime();
    private final String loadBefore = Sys.loadAverage();
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "bench-progress");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean recording = true;
    private final PrintStream console;
    public final Map<String, Object> result = new LinkedHashMap<>();

    public Run(String scenario, String label, Path out, long serverPid, PrintStream console) throws IOException {
        this.scenario = scenario;
        this.label = label;
        this.out = out;
        this.serverPid = serverPid;
        this.console = console;
        if (out.getParent() != null) {
            Files.createDirectories(out.getParent());
        }
        hlogStream = new PrintStream(new FileOutputStream(out + ".hlog"), false, "UTF-8");
        hlog = new HistogramLogWriter(hlogStream);
        hlog.outputComment("switchboard-bench " + scenario + " " + label + " (values in microseconds)");
        hlog.outputLogFormatVersion();
        long now = System.currentTimeMillis();
        hlog.outputStartTime(now);
        hlog.setBaseTime(now);
        hlog.outputLegend();
        result.put("scenario", scenario);
        result.put("label", label);
        result.put("started", Instant.now().toString());
        result.put("transport", Net.transportName());
        result.put("loadavg_before", loadBefore);
    }

    private Sys.CpuMeter serverCpuWindow;
    private Sys.CpuMeter selfCpuWindow;

    /**
     * Marks the start of the measured window: CPU is then also reported for the window alone
     * ({@code *_window}), without the warm-up, when the JIT compilers take their share.
     */
    public void windowStarts() {
        selfCpuWindow = new Sys.CpuMeter(Sys.selfPid());
        if (serverPid > 0) {
            serverCpuWindow = new Sys.CpuMeter(serverPid);
        }
    }

    /** Marks the end of the measured window, in which {@code items} replies or deliveries were counted. */
    public void windowEnds(long items) {
        if (selfCpuWindow == null) {
            return;
        }
        result.put("window_items", items);
        result.put("client_cpu_pct_window", Math.round(selfCpuWindow.overall()));
        if (serverCpuWindow != null) {
            result.put("server_cpu_pct_window", Math.round(serverCpuWindow.overall()));
            result.put("server_cpu_ms_window", serverCpuWindow.usedNanos() / 1_000_000);
        }
    }

    /** Starts the server CPU meter (call when the server is up and idle, right before the load). */
    public void watchServer() {
        if (serverPid > 0) {
            serverCpu = new Sys.CpuMeter(serverPid);
            serverCpuProgress = new Sys.CpuMeter(serverPid);
        }
    }

    /** Prints a progress line every second: elapsed, {@code line}, interval p99, CPU% of both sides, load. */
    public void progress(Supplier<String> line) {
        ticker.scheduleAtFixedRate(() -> {
            try {
                Histogram h = takeInterval();
                String lat = h.getTotalCount() == 0 ? "" : String.format(" p50=%s p99=%s",
                        ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(99)));
                String srv = serverCpuProgress == null ? "" : String.format(" srv-cpu=%.0f%%", serverCpuProgress.sample());
                console.printf("[%5.1fs] %s%s cpu=%.0f%%%s load=%s%n", (System.nanoTime() - startNanos) / 1e9,
                        line.get(), lat, selfCpuProgress.sample(), srv, Sys.loadAverage().split(" ")[0]);
            } catch (RuntimeException e) {
                console.println("progress failed: " + e);
            }
        }, 1, 1, TimeUnit.SECONDS);
    }

    private synchronized Histogram takeInterval() {
        interval = recorder.getIntervalHistogram(interval);
        if (interval.getTotalCount() > 0 && recording) {
            total.add(interval);
            hlog.outputIntervalHistogram(interval);
        }
        return interval;
    }

    /** Stops recording latencies; later samples are not in the result. */
    public synchronized void stopRecording() {
        takeInterval();
        recording = false;
    }

    public static String ms(long micros) {
        return micros >= 10_000 ? String.format("%.0fms", micros / 1000.0) : String.format("%.2fms", micros / 1000.0);
    }

    /** Adds the latency figures (µs) and CPU to the result, writes the files, prints a summary. */
    public Map<String, Object> finish() throws IOException {
        ticker.shutdownNow();
        if (recording) {
            stopRecording();
        }
        double elapsed = (System.nanoTime() - startNanos) / 1e9;
        Map<String, Object> lat = new LinkedHashMap<>();
        lat.put("count", total.getTotalCount());
        if (total.getTotalCount() > 0) {
            lat.put("mean", Math.round(total.getMean()));
            lat.put("p50", total.getValueAtPercentile(50));
            lat.put("p90", total.getValueAtPercentile(90));
            lat.put("p99", total.getValueAtPercentile(99));
            lat.put("p99_9", total.getValueAtPercentile(99.9));
            lat.put("max", total.getMaxValue());
        }
        result.put("latency_us", lat);
        result.put("elapsed_s", Math.round(elapsed * 10) / 10.0);
        result.put("client_cpu_pct", Math.round(selfCpu.overall()));
        if (serverCpu != null) {
            result.put("server_pid", serverPid);
            result.put("server_cpu_pct", Math.round(serverCpu.overall()));
            result.put("server_cpu_ms", serverCpu.usedNanos() / 1_000_000);
        }
        result.put("loadavg_after", Sys.loadAverage());
        JSON.writeValue(Path.of(out + ".json").toFile(), result);
        try (PrintStream hgrm = new PrintStream(new FileOutputStream(out + ".hgrm"), false, "UTF-8")) {
            total.outputPercentileDistribution(hgrm, 1000.0); // in milliseconds
        }
        hlogStream.close();
        console.println("result: " + JSON.writer().without(SerializationFeature.INDENT_OUTPUT).writeValueAsString(result));
        console.println("wrote " + out + ".json, .hlog, .hgrm");
        return result;
    }

    @Override
    public void close() {
        ticker.shutdownNow();
        hlogStream.close();
    }
}
