package dev.switchboard.core.internal.delivery;

import dev.switchboard.core.GatewayOptions;
import dev.switchboard.core.internal.GatewayMetrics;
import dev.switchboard.core.internal.session.GroupWalk;
import dev.switchboard.core.internal.session.LoopSessions;
import dev.switchboard.core.internal.session.Session;
import dev.switchboard.core.internal.session.SessionGroup;
import dev.switchboard.core.spi.Delivery;
import io.netty.channel.Channel;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pings silent connections and closes dead ones (a peer behind a NAT that forgot it, a sleeping laptop): each
 * event loop sweeps its sessions once per ping interval, in steps between its other work as a broadcast is
 * ({@link LoopSessions#submit}). A session the peer sent any frame to since the last sweep (a pong included;
 * {@code wsProtocol} notes it) is left alone; a silent one gets a ping; one silent for
 * {@code ceil(idleTimeout / pingInterval)} sweeps in a row is closed.
 *
 * <p>A session starts as heard (its upgrade request is a sign of life), and the next sweep of a loop is
 * scheduled one interval after the last one finished, never at a fixed rate: a loop held up by other work
 * does not run sweeps back to back afterwards, and sweeps never overlap. So each session is visited at least
 * one interval apart, and a silent peer is pinged after one to two intervals of silence and closed after
 * {@code ceil(idleTimeout / pingInterval)} to one more intervals: with the defaults (25 s, 60 s) after 75 to
 * 100 s. Per connection this costs a flag and a counter in its {@link Session}; there is no timer per
 * connection and no handler in the pipeline, where Netty's {@code IdleStateHandler} costs both and reads the
 * clock on every read.
 */
public final class Keepalive {

    private static final Logger log = LoggerFactory.getLogger(Keepalive.class);

    /** A WebSocket ping with no payload, as the server sends it (RFC 6455 §5.5.2: FIN, opcode 0x9, unmasked). */
    private static final int PING_FRAME = 0x8900;

    private final long intervalNanos;
    private final int maxIdleSweeps;
    private final GatewayMetrics metrics;
    private final Set<Sweeper> sweepers = ConcurrentHashMap.newKeySet();
    private volatile boolean stopped;

    public Keepalive(GatewayOptions options, GatewayMetrics metrics) {
        this.intervalNanos = options.pingInterval().toNanos();
        // Closed at the first sweep at or past the timeout: silent for ceil(timeout / interval) sweeps.
        long interval = options.pingInterval().toMillis();
        this.maxIdleSweeps = (int) Math.max(1, (options.idleTimeout().toMillis() + interval - 1) / interval);
        this.metrics = metrics;
    }

    /** Starts the sweeps of {@code loop}; call on that loop, once. */
    public void start(LoopSessions loop) {
        Sweeper sweeper = new Sweeper(loop);
        sweepers.add(sweeper);
        sweeper.scheduleNext();
    }

    /** Stops every loop's sweeps (the gateway is shutting down); the loops may go on serving a host. */
    public void stop() {
        stopped = true;
        for (Sweeper s : sweepers) {
            try {
                s.loop.executor().execute(s::cancel);
            } catch (RejectedExecutionException e) {
                sweepers.remove(s); // the loop has ended, and its scheduled sweep with it
            }
        }
    }

    /** One loop's sweeps: one at a time, the next scheduled when the last has finished. Loop only. */
    private final class Sweeper implements Runnable {
        final LoopSessions loop;
        private ScheduledFuture<?> next;

        Sweeper(LoopSessions loop) {
            this.loop = loop;
        }

        void scheduleNext() {
            if (stopped) {
                return;
            }
            try {
                next = loop.executor().schedule(this, intervalNanos, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                log.debug("loop shutting down: no more keepalive sweeps");
            }
        }

        @Override
        public void run() {
            next = null;
            if (!stopped) {
                loop.submit(new Sweep(this));
            }
        }

        void cancel() {
            if (next != null) {
                next.cancel(false);
                next = null;
            }
            sweepers.remove(this);
        }
    }

    /** Visits one session in a sweep. */
    void visit(LoopSessions loop, Session s) {
        if (s.isClosing()) {
            return;
        }
        int silent = s.idleSweep();
        if (silent == 0) {
            return;
        }
        Channel ch = s.channel();
        if (silent >= maxIdleSweeps) {
            log.debug("[{}] silent past the idle timeout, closing", ch.id());
            metrics.idleClosed.inc();
            s.markClosing();
            ch.close(); // the peer is gone: a close frame would go nowhere
        } else if (ch.isWritable()) {
            s.writeFrame(ch.alloc().buffer(2).writeShort(PING_FRAME));
            loop.written(s);
        }
    }

    /** One sweep of one loop's sessions. */
    private final class Sweep extends GroupWalk {
        private final Sweeper sweeper;

        Sweep(Sweeper sweeper) {
            this.sweeper = sweeper;
        }

        @Override
        protected SessionGroup group() {
            return sweeper.loop.group(Delivery.Target.ALL, null);
        }

        @Override
        protected void visit(Session s) {
            Keepalive.this.visit(sweeper.loop, s);
        }

        @Override
        protected void finished() {
            sweeper.scheduleNext();
        }
    }
}
