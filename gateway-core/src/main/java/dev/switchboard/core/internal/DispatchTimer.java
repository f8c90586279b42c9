package dev.switchboard.core.internal;

import com.codahale.metrics.Histogram;
import com.codahale.metrics.Meter;
import com.codahale.metrics.Snapshot;
import com.codahale.metrics.Timer;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The dispatch timer of one handler: a Dropwizard {@link Timer} whose update is a histogram update (an
 * {@link HdrReservoir} and a counter) and nothing more. Dropwizard's own timer also marks a meter on every
 * update, and a meter reads the clock each time it is marked; here the rates come from a meter that is brought
 * up to date when a rate is read, so they move in steps between reads (Prometheus reads only the count and
 * the quantiles). The caller times with its own clock reads and calls {@link #update(long, TimeUnit)}.
 */
public final class DispatchTimer extends Timer {

    private final Histogram histogram = new Histogram(new HdrReservoir());
    private final Meter meter = new Meter();
    private long marked; // guarded by this

    @Override
    public void update(long duration, TimeUnit unit) {
        if (duration >= 0) {
            histogram.update(unit.toNanos(duration));
        }
    }

    @Override
    public void update(Duration duration) {
        update(duration.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public <T> T time(Callable<T> event) throws Exception {
        long start = System.nanoTime();
        try {
            return event.call();
        } finally {
            update(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public <T> T timeSupplier(Supplier<T> event) {
        long start = System.nanoTime();
        try {
            return event.get();
        } finally {
            update(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public void time(Runnable event) {
        long start = System.nanoTime();
        try {
            event.run();
        } finally {
            update(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public long getCount() {
        return histogram.getCount();
    }

    @Override
    public Snapshot getSnapshot() {
        return histogram.getSnapshot();
    }

    @Override
    public double getMeanRate() {
        return synced().getMeanRate();
    }

    @Override
    public double getOneMinuteRate() {
        return synced().getOneMinuteRate();
    }

    @Override
    public double getFiveMinuteRate() {
        return synced().getFiveMinuteRate();
    }

    @Override
    public double getFifteenMinuteRate() {
        return synced().getFifteenMinuteRate();
    }

    private synchronized Meter synced() {
        long count = histogram.getCount();
        if (count > marked) {
            meter.mark(count - marked);
            marked = count;
        }
        return meter;
    }
}
