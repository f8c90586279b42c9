package dev.switchboard.core.internal;

import com.codahale.metrics.EWMA;
import com.codahale.metrics.Snapshot;
import com.codahale.metrics.Timer;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The dispatch timer of one handler: a Dropwizard {@link Timer} whose update is a histogram update (an
 * {@link HdrReservoir} and a counter) and nothing more. Dropwizard's own timer also marks a meter on every
 * update, and a meter reads the clock each time it is marked. Here the rates are brought up to date when one is
 * read: the requests counted since the last read are spread evenly over the 5-second ticks that have passed
 * (at most an hour's worth), so a steady rate reads as that rate however often it is read. The caller times
 * with its own clock reads and calls {@link #update(long, TimeUnit)}.
 */
public final class DispatchTimer extends Timer {

    private static final long TICK = TimeUnit.SECONDS.toNanos(5);
    /** Ticks replayed at most when rates are read after a long pause: an hour leaves nothing of the state before. */
    private static final long MAX_TICKS = TimeUnit.HOURS.toNanos(1) / TICK;

    private final HdrReservoir durations = new HdrReservoir();
    /** Every request counted, timed or not (on the loops: a plain add in the loop's own cell). */
    private final LoopCounter count = new LoopCounter();
    private final LongSupplier clock;
    private final long start;
    // Rates, guarded by this.
    private final EWMA m1 = EWMA.oneMinuteEWMA();
    private final EWMA m5 = EWMA.fiveMinuteEWMA();
    private final EWMA m15 = EWMA.fifteenMinuteEWMA();
    private long lastTick;
    private long counted;

    public DispatchTimer() {
        this(System::nanoTime);
    }

    DispatchTimer(LongSupplier clock) {
        this.clock = clock;
        this.start = clock.getAsLong();
        this.lastTick = start;
    }

    @Override
    public void update(long duration, TimeUnit unit) {
        if (duration >= 0) {
            count.inc();
            durations.update(unit.toNanos(duration));
        }
    }

    /**
     * Counts a request timed as a sample of {@link #SAMPLE_ONE_IN}: the dispatcher times one synchronous answer
     * in that many, since such an answer takes well under a microsecond and the clock read to time it costs
     * about as much. Its duration is recorded with a weight of {@link #SAMPLE_ONE_IN}, standing for the answers
     * {@link #countUntimed counted untimed}, so that a handler whose answers are partly synchronous (a
     * {@code controller} with fast and slow modules) keeps its quantiles: the always-timed slow ones do not
     * outweigh the sampled fast ones.
     */
    public void updateSampled(long nanos) {
        count.inc();
        if (nanos >= 0) {
            durations.update(nanos, SAMPLE_ONE_IN);
        }
    }

    /** Counts a synchronous answer that was not timed (see {@link #updateSampled}). */
    public void countUntimed() {
        count.inc();
    }

    /** One synchronous dispatch in this many is timed (a power of two). */
    public static final int SAMPLE_ONE_IN = 16;

    @Override
    public void update(Duration duration) {
        update(duration.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public <T> T time(Callable<T> event) throws Exception {
        long t0 = System.nanoTime();
        try {
            return event.call();
        } finally {
            update(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public <T> T timeSupplier(Supplier<T> event) {
        long t0 = System.nanoTime();
        try {
            return event.get();
        } finally {
            update(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public void time(Runnable event) {
        timeSupplier(() -> {
            event.run();
            return null;
        });
    }

    @Override
    public long getCount() {
        return count.getCount();
    }

    @Override
    public Snapshot getSnapshot() {
        return durations.getSnapshot();
    }

    @Override
    public double getMeanRate() {
        long elapsed = clock.getAsLong() - start;
        return elapsed <= 0 ? 0 : getCount() * (double) TimeUnit.SECONDS.toNanos(1) / elapsed;
    }

    @Override
    public synchronized double getOneMinuteRate() {
        catchUp();
        return m1.getRate(TimeUnit.SECONDS);
    }

    @Override
    public synchronized double getFiveMinuteRate() {
        catchUp();
        return m5.getRate(TimeUnit.SECONDS);
    }

    @Override
    public synchronized double getFifteenMinuteRate() {
        catchUp();
        return m15.getRate(TimeUnit.SECONDS);
    }

    /** Replays the ticks since the last read, with the requests counted meanwhile spread evenly over them. */
    private void catchUp() {
        long now = clock.getAsLong();
        long ticks = (now - lastTick) / TICK;
        if (ticks <= 0) {
            return;
        }
        lastTick += ticks * TICK;
        long count = getCount();
        long delta = count - counted;
        counted = count;
        long replayed = Math.min(ticks, MAX_TICKS);
        for (long i = 0; i < replayed; i++) {
            // This tick's share of the requests: the shares add up to what the replayed ticks saw.
            long share = delta * (i + 1) / ticks - delta * i / ticks;
            m1.update(share);
            m5.update(share);
            m15.update(share);
            m1.tick();
            m5.tick();
            m15.tick();
        }
    }
}
