package dev.switchboard.core.internal.delivery;

import dev.switchboard.core.GatewayOptions;
import dev.switchboard.core.internal.GatewayMetrics;
import dev.switchboard.core.internal.session.LoopSessions;
import dev.switchboard.core.internal.session.Session;
import dev.switchboard.core.internal.session.SessionGroup;
import dev.switchboard.core.spi.Delivery;
import io.netty.channel.Channel;
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
 * <p>So a silent peer is pinged after one to two intervals and closed after that many intervals plus at most
 * one: with the defaults (25 s, 60 s) after 75 to 100 s. Per connection this costs a flag and a counter in
 * its {@link Session}; there is no timer per connection and no handler in the pipeline, where Netty's
 * {@code IdleStateHandler} costs both and reads the clock on every read.
 */
public final class Keepalive {

    private static final Logger log = LoggerFactory.getLogger(Keepalive.class);

    /** A WebSocket ping with no payload, as the server sends it (RFC 6455 §5.5.2: FIN, opcode 0x9, unmasked). */
    private static final int PING_FRAME = 0x8900;

    private final long intervalNanos;
    private final int maxIdleSweeps;
    private final GatewayMetrics metrics;

    public Keepalive(GatewayOptions options, GatewayMetrics metrics) {
        this.intervalNanos = options.pingInterval().toNanos();
        // Closed at the first sweep at or past the timeout: silent for ceil(timeout / interval) sweeps.
        long interval = options.pingInterval().toMillis();
        this.maxIdleSweeps = (int) Math.max(1, (options.idleTimeout().toMillis() + interval - 1) / interval);
        this.metrics = metrics;
    }

    /** Starts the sweeps of {@code loop}, on that loop; they stop when the loop shuts down. */
    public void start(LoopSessions loop) {
        try {
            loop.executor().scheduleAtFixedRate(() -> loop.submit(new Sweep(loop)), intervalNanos, intervalNanos,
                    TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            log.debug("loop shutting down: no keepalive sweeps");
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
    private final class Sweep implements LoopSessions.Walk {
        private final LoopSessions loop;
        private SessionGroup group;
        private int next;
        private int end;
        private boolean done;

        Sweep(LoopSessions loop) {
            this.loop = loop;
        }

        @Override
        public int step(int budget) {
            if (group == null) {
                group = loop.group(Delivery.Target.ALL, null);
                end = group.pin();
            }
            int visited = 0;
            try {
                while (next < end && visited < budget) {
                    Session s = group.at(next++);
                    visited++;
                    if (!s.removed()) {
                        visit(loop, s);
                    }
                }
            } finally {
                done = next >= end;
            }
            return visited;
        }

        @Override
        public boolean done() {
            return done;
        }

        @Override
        public void finish() {
            if (group != null) {
                group.unpin();
            }
        }
    }
}
