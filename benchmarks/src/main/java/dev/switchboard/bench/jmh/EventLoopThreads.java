package dev.switchboard.bench.jmh;

import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * JMH's worker threads as Netty {@code FastThreadLocalThread}s, which event loop threads are. Netty 4.2's
 * object pools (the {@code Recycler} behind retained duplicates, for one) recycle only on such threads: on a
 * plain JMH thread a {@code retainedDuplicate()} costs 32-64 B that it never costs on an event loop. Selected
 * by {@code -Djmh.executor=CUSTOM -Djmh.executor.class=} this class (on every suite's fork).
 */
public final class EventLoopThreads extends ThreadPoolExecutor {

    /** The fork arguments that select this executor. */
    public static final String EXECUTOR = "-Djmh.executor=CUSTOM";
    public static final String CLASS = "-Djmh.executor.class=dev.switchboard.bench.jmh.EventLoopThreads";

    public EventLoopThreads(int threads, String prefix) {
        super(threads, threads, 1, TimeUnit.MINUTES, new LinkedBlockingQueue<>(), new DefaultThreadFactory(prefix, true));
    }
}
