package dev.switchboard.bench.load;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * The round trips slower than a threshold, kept as (sent, received) {@link System#nanoTime()} pairs: on Linux
 * that is {@code CLOCK_MONOTONIC}, the clock {@code perf sched record -k CLOCK_MONOTONIC} stamps scheduler events
 * with, so each slow round trip can be laid beside what every CPU ran during its flight
 * ({@code tail-attribution}). Bounded: past {@code capacity} entries the rest are only counted. Recorded from the
 * client event loops (one atomic increment per slow round trip, nothing for the others); read after they stop.
 */
public final class SlowLog {

    private final long thresholdNanos;
    private final int capacity;
    private final AtomicLongArray pairs;
    private final AtomicInteger next = new AtomicInteger();
    private final LongAdder dropped = new LongAdder();

    public SlowLog(long thresholdNanos, int capacity) {
        if (thresholdNanos <= 0) {
            throw new IllegalArgumentException("--slow-threshold must be above 0, got " + thresholdNanos + " ns");
        }
        if (capacity <= 0) {
            throw new IllegalArgumentException("slow log capacity must be above 0, got " + capacity);
        }
        this.thresholdNanos = thresholdNanos;
        this.capacity = capacity;
        this.pairs = new AtomicLongArray(2 * capacity);
    }

    /** Keeps the round trip if it took at least the threshold. */
    public void record(long sentNanos, long receivedNanos) {
        if (receivedNanos - sentNanos < thresholdNanos) {
            return;
        }
        int i = next.getAndIncrement();
        if (i < 0 || i >= capacity) { // past the capacity (or past 2^31 slow round trips)
            dropped.increment();
            return;
        }
        pairs.set(2 * i, sentNanos);
        pairs.set(2 * i + 1, receivedNanos);
    }

    public long thresholdNanos() {
        return thresholdNanos;
    }

    /** Round trips kept (at most the capacity). */
    public int recorded() {
        int n = next.get();
        return n < 0 || n > capacity ? capacity : n;
    }

    /** Slow round trips past the capacity, counted but not kept. */
    public long dropped() {
        return dropped.sum();
    }

    /** Writes a comment line, then one {@code sent_ns received_ns} line per kept round trip, in arrival order. */
    public void write(Path file) throws IOException {
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.US_ASCII)) {
            w.write("# round trips >= " + thresholdNanos + " ns: sent_ns received_ns (System.nanoTime = CLOCK_MONOTONIC)"
                    + "; kept " + recorded() + ", dropped past the capacity " + dropped() + "\n");
            int n = recorded();
            StringBuilder line = new StringBuilder(48);
            for (int i = 0; i < n; i++) {
                line.setLength(0);
                line.append(pairs.get(2 * i)).append(' ').append(pairs.get(2 * i + 1)).append('\n');
                w.append(line);
            }
        }
    }
}
