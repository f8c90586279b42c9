package dev.switchboard.core.internal.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.GatewayPipeline;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link Session#writeReply}: replies leave from the wire, flushed through the consolidation handler. */
class SessionReplyTest {

    /** Counts flushes that reach the socket side, and records writes that pass through it. */
    static final class Socket extends ChannelOutboundHandlerAdapter {
        int flushes;

        @Override
        public void flush(ChannelHandlerContext ctx) {
            flushes++;
            ctx.flush();
        }
    }

    /** A host's outbound handler above the wire: records what passes through it. */
    static final class Above extends ChannelOutboundHandlerAdapter {
        final List<String> seen = new ArrayList<>();

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            seen.add(((ByteBuf) msg).toString(StandardCharsets.UTF_8));
            ctx.write(msg, promise);
        }
    }

    final Socket socket = new Socket();
    final Above above = new Above();
    Session session;

    /** socket → flushConsolidation (the wire) → above → a handler that answers each inbound message with {@code n} replies. */
    EmbeddedChannel channel(int repliesPerMessage) {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.pipeline().addLast("socket", socket);
        ch.pipeline().addLast(GatewayPipeline.FLUSH_CONSOLIDATION, new FlushConsolidationHandler(256, true));
        ch.pipeline().addLast("above", above);
        ch.pipeline().addLast("app", new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ReferenceCountUtil.release(msg);
                for (int i = 0; i < repliesPerMessage; i++) {
                    session.writeReply(Unpooled.copiedBuffer("r" + i, StandardCharsets.UTF_8));
                }
            }
        });
        session = new Session(ch, "c-1", null, null, "127.0.0.1", Map.of(), 10);
        session.attachWire(ch.pipeline().context(GatewayPipeline.FLUSH_CONSOLIDATION));
        return ch;
    }

    static List<String> written(EmbeddedChannel ch) {
        List<String> out = new ArrayList<>();
        ByteBuf b;
        while ((b = ch.readOutbound()) != null) {
            out.add(b.toString(StandardCharsets.UTF_8));
            b.release();
        }
        return out;
    }

    @Test
    void repliesToOneReadLeaveInOneFlushAndSkipTheHandlersAbove() {
        EmbeddedChannel ch = channel(3);
        ch.writeInbound(Unpooled.buffer(1).writeByte(1)); // one read: three replies, flushed at its end
        assertThat(written(ch)).containsExactly("r0", "r1", "r2");
        assertThat(socket.flushes).isEqualTo(1);
        assertThat(above.seen).as("a complete frame skips the handlers above the wire").isEmpty();
        ch.finishAndReleaseAll();
    }

    @Test
    void aReplyOutsideAReadIsFlushedByTheLoopsNextTask() {
        EmbeddedChannel ch = channel(0);
        session.writeReply(Unpooled.copiedBuffer("late", StandardCharsets.UTF_8)); // an asynchronous handler's answer
        assertThat(socket.flushes).as("consolidated with what else the loop writes now").isZero();
        ch.runPendingTasks();
        assertThat(written(ch)).containsExactly("late");
        assertThat(socket.flushes).isEqualTo(1);
        ch.finishAndReleaseAll();
    }

    @Test
    void aClosingSessionGetsNoReplyAndTheFrameIsReleased() {
        EmbeddedChannel ch = channel(0);
        session.markClosing();
        ByteBuf frame = Unpooled.copiedBuffer("after close", StandardCharsets.UTF_8);
        assertThat(session.writeReply(frame)).isFalse();
        assertThat(frame.refCnt()).isZero();
        assertThat(written(ch)).isEmpty();
        ch.finishAndReleaseAll();
    }

    @Test
    void offTheLoopAReplyTakesTheWholePipelineOnTheLoop() throws Exception {
        io.netty.channel.EventLoopGroup group = new io.netty.channel.DefaultEventLoopGroup(1);
        io.netty.channel.local.LocalAddress address = new io.netty.channel.local.LocalAddress("session-reply-test");
        java.util.concurrent.CompletableFuture<io.netty.channel.Channel> accepted = new java.util.concurrent.CompletableFuture<>();
        java.util.concurrent.LinkedBlockingQueue<String> received = new java.util.concurrent.LinkedBlockingQueue<>();
        try {
            new io.netty.bootstrap.ServerBootstrap().group(group).channel(io.netty.channel.local.LocalServerChannel.class)
                    .childHandler(new io.netty.channel.ChannelInitializer<io.netty.channel.Channel>() {
                        @Override
                        protected void initChannel(io.netty.channel.Channel ch) {
                            ch.pipeline().addLast(GatewayPipeline.FLUSH_CONSOLIDATION, new FlushConsolidationHandler(256, true));
                            ch.pipeline().addLast("above", above);
                            accepted.complete(ch);
                        }
                    }).bind(address).sync();
            io.netty.channel.Channel client = new io.netty.bootstrap.Bootstrap().group(group)
                    .channel(io.netty.channel.local.LocalChannel.class)
                    .handler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            received.add(((ByteBuf) msg).toString(StandardCharsets.UTF_8));
                            ReferenceCountUtil.release(msg);
                        }
                    }).connect(address).sync().channel();
            io.netty.channel.Channel server = accepted.get(5, java.util.concurrent.TimeUnit.SECONDS);
            Session s = new Session(server, "c-2", null, null, "127.0.0.1", Map.of(), 10);
            server.eventLoop().submit(() -> s.attachWire(server.pipeline().context(GatewayPipeline.FLUSH_CONSOLIDATION))).sync();

            assertThat(s.writeReply(Unpooled.copiedBuffer("from elsewhere", StandardCharsets.UTF_8))).isTrue();
            assertThat(received.poll(5, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("from elsewhere");
            assertThat(above.seen).as("through the whole pipeline").containsExactly("from elsewhere");
            client.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void withoutItsWireHandlerAReplyTakesTheWholePipeline() {
        EmbeddedChannel ch = channel(0);
        ch.pipeline().remove(GatewayPipeline.FLUSH_CONSOLIDATION);
        session.writeReply(Unpooled.copiedBuffer("through", StandardCharsets.UTF_8));
        assertThat(above.seen).containsExactly("through");
        assertThat(written(ch)).containsExactly("through");
        assertThat(socket.flushes).isEqualTo(1);
        ch.finishAndReleaseAll();
    }
}
