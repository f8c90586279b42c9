package dev.switchboard.redis.internal;

import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Redisson's callback executor when Redisson shares the gateway's event loops: a callback that Redisson hands
 * over from one of those loops runs at once, on that loop; one from any other thread goes to a small pool.
 *
 * <p>Redisson reads a pub/sub message on its I/O thread and passes it to this executor, which by default is
 * a thread pool: one more thread wake-up per message, between the socket and the fan-out, each of which waits
 * for a core when the machine is busy. Run inline, the message goes from Redis's socket to the loops' fan-out
 * without that hand-off. This is safe because the callbacks Redisson runs here are the broker's topic
 * listeners and the completions of its subscribe calls: they decode and enqueue, and never block (the broker
 * does every blocking call on its own thread). Order per channel is Redisson's, as before.
 *
 * <p>So whatever listens through this client (the broker's listeners, anything that uses its Redisson client)
 * must never call a blocking Redisson API: inline, it would hold an event loop until the command's timeout
 * (Redisson's own guard against that only knows its {@code redisson-netty} threads). A callback that throws is
 * logged here, as the pool would have, and does not reach Redisson's decoder, which would otherwise fail the
 * command then waiting on that connection.
 */
public final class CallbackExecutor extends AbstractExecutorService {

    private static final Logger log = LoggerFactory.getLogger(CallbackExecutor.class);

    private final EventExecutor[] loops;
    private final ExecutorService pool;

    /**
     * @param group the event loops Redisson shares; callbacks from them run inline
     * @param threads the pool's threads, for callbacks from any other thread
     */
    public CallbackExecutor(EventLoopGroup group, int threads) {
        List<EventExecutor> all = new ArrayList<>();
        group.forEach(all::add);
        this.loops = all.toArray(EventExecutor[]::new);
        this.pool = Executors.newFixedThreadPool(threads, new DefaultThreadFactory("switchboard-redis-callback", true));
    }

    /** Returns whether the calling thread is one of the shared event loops. */
    boolean onLoop() {
        for (EventExecutor loop : loops) {
            if (loop.inEventLoop()) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void execute(Runnable task) {
        if (onLoop() && !pool.isShutdown()) {
            try {
                task.run();
            } catch (Throwable t) { // kept from Redisson's decoder, as a pool thread would keep it
                log.warn("A Redis callback failed on {}", Thread.currentThread().getName(), t);
            }
        } else {
            pool.execute(task);
        }
    }

    @Override
    public void shutdown() {
        pool.shutdown();
    }

    @Override
    public List<Runnable> shutdownNow() {
        return pool.shutdownNow();
    }

    @Override
    public boolean isShutdown() {
        return pool.isShutdown();
    }

    @Override
    public boolean isTerminated() {
        return pool.isTerminated();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        return pool.awaitTermination(timeout, unit);
    }
}
