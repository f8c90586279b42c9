package dev.switchboard.core.internal;

import com.codahale.metrics.Reservoir;
import com.codahale.metrics.Snapshot;
import io.netty.util.concurrent.FastThreadLocal;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;
import org.HdrHistogram.SingleWriterRecorder;

/**
 * A Dropwizard {@link Reservoir} for latencies recorded on event loops: each thread records into its own
 * HdrHistogram recorder (wait-free: no lock, no clock read, no allocation, no cache line shared with another
 * loop), and a snapshot gathers them. Dropwizard's exponentially decaying reservoirs read the clock and
 * compute a weight on every update, and take a lock or update a skip list; this one costs a few array
 * increments (values within 1 %: two significant digits).
 *
 * <p>A snapshot covers the values of the current window and the one before it. Windows are {@link #WINDOW}
 * long and turn when a snapshot is taken, so with a reader at least once a window (a Prometheus scrape every
 * 15 s, say) it covers the last one to two minutes; with rarer readers, everything since the previous read.
 * Thread-safe; {@link #update} is meant for a small fixed set of threads (the event loops), since each thread
 * that ever records keeps a recorder.
 */
public final class HdrReservoir implements Reservoir {

    /** How long one window lasts. */
    static final long WINDOW = TimeUnit.MINUTES.toNanos(1);
    private static final int DIGITS = 2;

    private final List<Slot> slots = new CopyOnWriteArrayList<>();
    private final FastThreadLocal<SingleWriterRecorder> local = new FastThreadLocal<>() {
        @Override
        protected SingleWriterRecorder initialValue() {
            Slot slot = new Slot();
            slots.add(slot);
            return slot.recorder;
        }
    };
    private final LongSupplier clock;

    // Reader state, guarded by this.
    private Histogram current = new Histogram(DIGITS);
    private Histogram previous = new Histogram(DIGITS);
    private long windowStart;

    /** One thread's recorder, and the histogram it last handed the reader (given back to it for reuse). */
    private static final class Slot {
        final SingleWriterRecorder recorder = new SingleWriterRecorder(DIGITS);
        Histogram recycled;
    }

    public HdrReservoir() {
        this(System::nanoTime);
    }

    HdrReservoir(LongSupplier clock) {
        this.clock = clock;
        this.windowStart = clock.getAsLong();
    }

    @Override
    public void update(long value) {
        local.get().recordValue(Math.max(0, value));
    }

    /** Records {@code value} as {@code count} values: a sample standing for that many. */
    public void update(long value, long count) {
        local.get().recordValueWithCount(Math.max(0, value), count);
    }

    @Override
    public int size() {
        return getSnapshot().size();
    }

    @Override
    public synchronized Snapshot getSnapshot() {
        for (Slot slot : slots) {
            Histogram interval = slot.recorder.getIntervalHistogram(slot.recycled);
            current.add(interval);
            slot.recycled = interval;
        }
        long now = clock.getAsLong();
        if (now - windowStart >= WINDOW) {
            Histogram emptied = previous;
            emptied.reset();
            previous = current;
            current = emptied;
            windowStart = now;
        }
        Histogram both = previous.copy();
        both.add(current);
        return new HdrSnapshot(both);
    }

    /** An immutable snapshot over a histogram of nanosecond values. */
    static final class HdrSnapshot extends Snapshot {
        private final Histogram h;

        HdrSnapshot(Histogram h) {
            this.h = h;
        }

        @Override
        public double getValue(double quantile) {
            if (quantile < 0 || quantile > 1 || Double.isNaN(quantile)) {
                throw new IllegalArgumentException("quantile: " + quantile + " (expected: 0..1)");
            }
            return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(quantile * 100);
        }

        /** One value per recorded bucket (the highest its values round to), lowest first: not one per update. */
        @Override
        public long[] getValues() {
            java.util.stream.LongStream.Builder values = java.util.stream.LongStream.builder();
            for (HistogramIterationValue v : h.recordedValues()) {
                values.add(h.highestEquivalentValue(v.getValueIteratedTo()));
            }
            return values.build().toArray();
        }

        @Override
        public int size() {
            return (int) Math.min(Integer.MAX_VALUE, h.getTotalCount());
        }

        @Override
        public long getMax() {
            return h.getTotalCount() == 0 ? 0 : h.getMaxValue();
        }

        @Override
        public double getMean() {
            return h.getTotalCount() == 0 ? 0 : h.getMean();
        }

        @Override
        public long getMin() {
            return h.getTotalCount() == 0 ? 0 : h.getMinValue();
        }

        @Override
        public double getStdDev() {
            return h.getTotalCount() == 0 ? 0 : h.getStdDeviation();
        }

        @Override
        public void dump(OutputStream output) {
            try (PrintWriter out = new PrintWriter(new java.io.OutputStreamWriter(output, StandardCharsets.UTF_8))) {
                for (long v : getValues()) {
                    out.printf("%d%n", v);
                }
            }
        }
    }
}
