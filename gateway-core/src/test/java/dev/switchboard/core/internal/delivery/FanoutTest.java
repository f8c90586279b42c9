package dev.switchboard.core.internal.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.codahale.metrics.MetricRegistry;
import dev.switchboard.core.internal.GatewayMetrics;
import dev.switchboard.core.internal.session.PresenceTracker;
import dev.switchboard.core.internal.session.Session;
import dev.switchboard.core.internal.session.SessionRegistry;
import dev.switchboard.core.spi.Delivery;
import dev.switchboard.core.testing.FrameReader;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FanoutTest {

    final GatewayMetrics metrics = new GatewayMetrics(new MetricRegistry());
    final SessionRegistry registry = new SessionRegistry(new PresenceTracker());
    final Fanout fanout = new Fanout(registry, metrics, PooledByteBufAllocator.DEFAULT, 2);

    /** An embedded channel whose writability the test sets, as a full socket buffer would. */
    static final class Stalling extends EmbeddedChannel {
        volatile boolean writable = true;

        @Override
        public boolean isWritable() {
            return writable;
        }
    }

    Session connect(String user) {
        return connect(user, new Stalling());
    }

    Session connect(String user, EmbeddedChannel ch) {
        Session s = new Session(ch, "i-" + ch.id().asShortText(), user, null, "127.0.0.1", Map.of(), 10);
        ch.attr(Session.KEY).set(s);
        registry.add(s);
        return s;
    }

    static byte[] json(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void oneFrameReachesEveryTargetedSessionOnce() {
        Session a = connect("a");
        Session b = connect("b");
        registry.join("room", b);
        fanout.deliver(Delivery.toAll("news", json("{\"n\":1}"), null));
        fanout.deliver(Delivery.toUser("a", "dm", json("2"), null));
        fanout.deliver(Delivery.toRoom("room", "room", json("3"), null));
        fanout.deliver(Delivery.toRoom("empty", "room", json("4"), null));
        assertThat(FrameReader.texts((EmbeddedChannel) a.channel())).containsExactly(
                "{\"channel\":\"news\",\"message\":{\"n\":1}}", "{\"channel\":\"dm\",\"message\":2}");
        assertThat(FrameReader.texts((EmbeddedChannel) b.channel())).containsExactly(
                "{\"channel\":\"news\",\"message\":{\"n\":1}}", "{\"channel\":\"room\",\"message\":3}");
        assertThat(metrics.deliveries.getCount()).isEqualTo(4);
        assertFalse(((EmbeddedChannel) a.channel()).finish());
        assertFalse(((EmbeddedChannel) b.channel()).finish());
    }

    @Test
    void unwritableSessionIsSkippedCountedThenClosed1013() {
        Session slow = connect("slow");
        Session ok = connect("ok");
        EmbeddedChannel ch = (EmbeddedChannel) slow.channel();
        ((Stalling) ch).writable = false;
        for (int i = 0; i < 3; i++) {
            fanout.deliver(Delivery.toAll("feed", json(String.valueOf(i)), null));
        }
        assertThat(metrics.drops.getCount()).isEqualTo(3);
        assertThat(metrics.slowConsumerClosed.getCount()).isEqualTo(1);
        assertThat(slow.isClosing()).isTrue();
        assertThat(FrameReader.texts((EmbeddedChannel) ok.channel())).hasSize(3);
        ((Stalling) ch).writable = true;
        assertThat(FrameReader.texts(ch)).containsExactly("close:1013");
        ch.close();
        assertFalse(ch.finish());
        assertFalse(((EmbeddedChannel) ok.channel()).finish());
    }

    /** Counts the writes that pass through it. */
    static final class Above extends ChannelOutboundHandlerAdapter {
        int writes;

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            writes++;
            ctx.write(msg, promise);
        }
    }

    /**
     * Stands in for the socket: keeps the payload of every frame written and counts flushes, without passing
     * them on (EmbeddedChannel's own socket would run its pending tasks on each write, as no real one does).
     */
    static final class Socket extends ChannelOutboundHandlerAdapter {
        final List<String> written = new ArrayList<>();
        int flushes;

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            ByteBuf frame = (ByteBuf) msg;
            written.add(frame.toString(2, frame.readableBytes() - 2, StandardCharsets.UTF_8)); // short frames
            frame.release();
        }

        @Override
        public void flush(ChannelHandlerContext ctx) {
            flushes++;
        }
    }

    @Test
    void framesAreWrittenBelowTheGatewayHandlersAndBackToBackDeliveriesShareOneFlush() {
        Session s = connect("a");
        EmbeddedChannel ch = (EmbeddedChannel) s.channel();
        Socket socket = new Socket();
        Above above = new Above();
        ch.pipeline().addLast("socket", socket).addLast("wire", new ChannelOutboundHandlerAdapter())
                .addLast("gateway", above);
        s.attachWire(ch.pipeline().context("wire"));

        for (int i = 0; i < 3; i++) {
            fanout.deliver(Delivery.toAll("feed", json(String.valueOf(i)), null));
        }
        assertThat(socket.flushes).as("flushed by the loop's task, not per write").isZero();
        ch.runPendingTasks();
        assertThat(socket.flushes).isEqualTo(1);
        assertThat(above.writes).as("handlers above the wire context never see a fan-out frame").isZero();
        assertThat(socket.written).containsExactly("{\"channel\":\"feed\",\"message\":0}",
                "{\"channel\":\"feed\",\"message\":1}", "{\"channel\":\"feed\",\"message\":2}");

        fanout.deliver(Delivery.toAll("feed", json("3"), null));
        ch.runPendingTasks();
        assertThat(socket.flushes).as("a later delivery schedules a new flush").isEqualTo(2);
        assertThat(socket.written).hasSize(4).endsWith("{\"channel\":\"feed\",\"message\":3}");
        assertFalse(ch.finish());
    }

    @Test
    void sessionClosingAfterTheClientsCloseFrameGetsNoMoreFrames() {
        Session s = connect("a");
        EmbeddedChannel ch = (EmbeddedChannel) s.channel();
        s.markClosing(); // what the protocol handler does when the client's close frame arrives
        fanout.deliver(Delivery.toAll("feed", json("1"), null));
        ch.runPendingTasks();
        assertThat(FrameReader.texts(ch)).isEmpty();
        assertThat(metrics.deliveries.getCount()).isZero();
        assertFalse(ch.finish());
    }

    @Test
    void backToBackDeliveriesThatFillTheBufferAreFlushedNotDropped() {
        Session s = connect("a", new EmbeddedChannel()); // Netty's own writability, from the bytes queued
        EmbeddedChannel ch = (EmbeddedChannel) s.channel();
        // Unwritable as soon as one unflushed frame is queued, as a burst of thousands would make it.
        ch.config().setWriteBufferWaterMark(new io.netty.channel.WriteBufferWaterMark(1, 2));
        for (int i = 0; i < 5; i++) {
            fanout.deliver(Delivery.toAll("feed", json(String.valueOf(i)), null));
        }
        ch.runPendingTasks();
        assertThat(metrics.drops.getCount()).as("a client that reads loses nothing to the server's own burst").isZero();
        assertThat(FrameReader.texts(ch)).hasSize(5).last().isEqualTo("{\"channel\":\"feed\",\"message\":4}");
        assertThat(s.isClosing()).isFalse();
        assertFalse(ch.finish());
    }

    /** A channel that reports one loop shared with its siblings, as a server's I/O thread holds thousands. */
    static final class OnSharedLoop extends EmbeddedChannel {
        final io.netty.channel.EventLoop shared;

        OnSharedLoop(io.netty.channel.EventLoop shared, Socket socket) {
            super(false, false, socket);
            this.shared = shared;
            try {
                register();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public io.netty.channel.EventLoop eventLoop() {
            return shared != null ? shared : super.eventLoop();
        }
    }

    @Test
    void aBroadcastToThousandsGoesInStepsThatLetOtherWorkInAndKeepsThePublishOrder() {
        EmbeddedChannel home = new EmbeddedChannel();
        int n = 1000;
        List<Socket> sockets = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Socket socket = new Socket();
            sockets.add(socket);
            connect("u" + i, new OnSharedLoop(home.eventLoop(), socket));
        }
        assertThat(registry.loops()).hasSize(1);

        fanout.deliver(Delivery.toAll("feed", json("1"), null));
        fanout.deliver(Delivery.toAll("feed", json("2"), null));
        List<Integer> receivedWhenOtherWorkRan = new ArrayList<>();
        home.eventLoop().execute(() -> receivedWhenOtherWorkRan.add(
                (int) sockets.stream().filter(sk -> !sk.written.isEmpty()).count()));
        do {
            home.runPendingTasks(); // the steps come one per pass of the loop
        } while (home.runScheduledPendingTasks() != -1);

        assertThat(receivedWhenOtherWorkRan).as("a task submitted meanwhile ran before the broadcast was done")
                .hasSize(1).allMatch(k -> k > 0 && k < n);
        for (Socket sk : sockets) {
            assertThat(sk.written).containsExactly("{\"channel\":\"feed\",\"message\":1}",
                    "{\"channel\":\"feed\",\"message\":2}");
        }
        assertThat(metrics.deliveries.getCount()).isEqualTo(2L * n);
        home.finishAndReleaseAll();
    }
}
