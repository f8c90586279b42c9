package dev.switchboard.core.internal.delivery;

import dev.switchboard.core.internal.GatewayMetrics;
import dev.switchboard.core.internal.session.GroupWalk;
import dev.switchboard.core.internal.session.LoopSessions;
import dev.switchboard.core.internal.session.Session;
import dev.switchboard.core.internal.session.SessionGroup;
import dev.switchboard.core.internal.session.SessionRegistry;
import dev.switchboard.core.spi.Delivery;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers a message to this instance's connections (DESIGN §6): the frame is encoded once into a pooled
 * buffer; each event loop that holds sessions gets one task that writes a retained duplicate to each of its
 * recipients with the void promise, from the context just above the socket ({@link Session#attachWire}: the frame
 * is complete, so no WebSocket or gateway handler has anything to do with it), then schedules one flush task
 * for the loop ({@link LoopSessions#scheduleFlush}). A recipient whose write buffer is above the high water
 * mark, even after its unflushed frames were flushed, is skipped and the drop counted; past {@code maxDrops}
 * it is closed with 1013.
 */
public final class Fanout {

    private static final Logger log = LoggerFactory.getLogger(Fanout.class);

    private final SessionRegistry registry;
    private final GatewayMetrics metrics;
    private final ByteBufAllocator alloc;
    private final int maxDrops;

    public Fanout(SessionRegistry registry, GatewayMetrics metrics, ByteBufAllocator alloc, int maxDrops) {
        this.registry = registry;
        this.metrics = metrics;
        this.alloc = alloc;
        this.maxDrops = maxDrops;
    }

    /** Delivers {@code d} to the local sessions it targets. Any thread. */
    public void deliver(Delivery d) {
        deliver(d.target(), d.key(), Frames.envelope(alloc, Frames.jsonString(d.channel()), null, d.message()));
    }

    /**
     * Writes a complete frame to the local sessions of {@code target}/{@code key}. Takes ownership of
     * {@code frame}: it is released when every loop is done with it.
     */
    public void deliver(Delivery.Target target, String key, ByteBuf frame) {
        frame = Frames.untracked(alloc, frame);
        try {
            for (LoopSessions loop : registry.loops()) {
                LoopWrite task = new LoopWrite(loop, target, key, frame.retain());
                if (loop.executor().inEventLoop()) {
                    task.run();
                } else {
                    try {
                        loop.executor().execute(task);
                    } catch (RejectedExecutionException e) {
                        task.frame.release(); // the loop is shutting down: its channels are gone
                    }
                }
            }
        } finally {
            frame.release();
        }
    }

    /**
     * One loop's share of a fan-out: a walk the loop runs in steps after the walks before it
     * ({@link LoopSessions#submit}); also the per-recipient action, so the walk allocates nothing.
     */
    private final class LoopWrite extends GroupWalk implements Runnable {
        private final LoopSessions loop;
        private final Delivery.Target target;
        private final String key;
        private final ByteBuf frame;
        private int written;

        LoopWrite(LoopSessions loop, Delivery.Target target, String key, ByteBuf frame) {
            this.loop = loop;
            this.target = target;
            this.key = key;
            this.frame = frame;
        }

        @Override
        public void run() {
            loop.submit(this);
        }

        @Override
        protected SessionGroup group() {
            return loop.group(target, key);
        }

        @Override
        protected void finished() {
            frame.release();
            if (written > 0) {
                metrics.deliveries.mark(written);
                metrics.messagesOut.inc(written);
            }
        }

        @Override
        protected void visit(Session s) {
            if (s.isClosing()) {
                return;
            }
            Channel ch = s.channel();
            if (!ch.isWritable() && s.isFlushPending()) {
                // Our own unflushed frames (back-to-back deliveries before the loop's flush task) filled the
                // buffer: hand them to the socket now; only a client that does not read stays unwritable.
                s.flushFrames();
            }
            if (!ch.isWritable()) {
                metrics.drops.inc();
                if (s.drop() > maxDrops) {
                    metrics.slowConsumerClosed.inc();
                    log.debug("[{}] slow consumer: {} messages dropped, closing with 1013", ch.id(), maxDrops);
                    Closer.close(ch, 1013, "slow consumer");
                }
                return;
            }
            s.writeFrame(frame.retainedDuplicate());
            loop.written(s);
            written++;
        }
    }
}
