package dev.switchboard.core.internal;

import com.codahale.metrics.Counter;
import io.netty.util.concurrent.FastThreadLocal;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A Dropwizard {@link Counter} for counts made once per message on the event loops: each thread counts in a
 * cell of its own with a plain add and an opaque store (no atomic instruction, no cache line shared with
 * another loop), and {@link #getCount()} adds the cells up. Dropwizard's counter is a {@code LongAdder},
 * whose every increment is a locked compare-and-swap, about as costly here as the rest of a counted step.
 * A reader sees each cell's count as of a moment ago, never a torn one. Thread-safe; like {@link HdrReservoir},
 * meant for a small fixed set of counting threads (the event loops), since each thread that ever counts keeps
 * a cell. {@link #dec} is not supported: these counts only grow.
 */
public final class LoopCounter extends Counter {

    private static final VarHandle VALUE;

    static {
        try {
            VALUE = MethodHandles.lookup().findVarHandle(Cell.class, "value", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** One thread's count; written by that thread only. */
    private static final class Cell {
        @SuppressWarnings("unused") // through VALUE
        private long value;
    }

    private final List<Cell> cells = new CopyOnWriteArrayList<>();
    private final FastThreadLocal<Cell> local = new FastThreadLocal<>() {
        @Override
        protected Cell initialValue() {
            Cell c = new Cell();
            cells.add(c);
            return c;
        }
    };

    @Override
    public void inc() {
        inc(1);
    }

    @Override
    public void inc(long n) {
        Cell c = local.get();
        VALUE.setOpaque(c, (long) VALUE.getOpaque(c) + n);
    }

    @Override
    public void dec(long n) {
        throw new UnsupportedOperationException("a LoopCounter only counts up");
    }

    @Override
    public void dec() {
        dec(1);
    }

    @Override
    public long getCount() {
        long sum = 0;
        for (Cell c : cells) {
            sum += (long) VALUE.getOpaque(c);
        }
        return sum;
    }
}
