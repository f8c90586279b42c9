package dev.switchboard.core.internal.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.GatewayOptions;
import dev.switchboard.core.internal.GatewayMetrics;
import dev.switchboard.core.internal.session.Session;
import dev.switchboard.core.spi.Request;
import java.util.List;
import java.util.Map;
import dev.switchboard.core.testing.FrameReader;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import org.junit.jupiter.api.Test;

class JsonCodecTest {

    static final GatewayOptions OPTIONS = GatewayOptions.builder().build();
    final GatewayMetrics metrics = new GatewayMetrics(new MetricRegistry());

    @Test
    void textFrameBecomesARequest() {
        EmbeddedChannel ch = new EmbeddedChannel(new JsonCodec(OPTIONS, metrics));
        ch.writeInbound(new TextWebSocketFrame("{\"handler\":\"ping\",\"id\":1}"));
        ObjectNode request = ch.readInbound();
        assertThat(request.path("handler").asText()).isEqualTo("ping");
        assertThat(metrics.messagesIn.getCount()).isEqualTo(1);
        assertFalse(ch.finish());
    }

    @Test
    void onAGatewayConnectionTheRequestCarriesItsSessionAndArrivalTime() {
        long[] seen = new long[1];
        EmbeddedChannel ch = new EmbeddedChannel(new JsonCodec(OPTIONS, metrics), new io.netty.channel.ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(io.netty.channel.ChannelHandlerContext ctx, Object msg) {
                seen[0] = Session.of(ctx.channel()).arrivedAt();
                ctx.fireChannelRead(msg);
            }
        });
        Session s = new Session(ch, "i-1", "u1", null, "127.0.0.1", Map.of(), 10);
        ch.attr(Session.KEY).set(s);
        long before = System.nanoTime();
        ch.writeInbound(new TextWebSocketFrame("{\"handler\":\"ping\",\"id\":3}"));
        long after = System.nanoTime();
        Request r = ch.readInbound();
        assertThat(r.session()).isSameAs(s);
        assertThat(r.handler()).isEqualTo("ping");
        assertThat(r.id().asInt()).isEqualTo(3);
        assertThat(seen[0]).isBetween(before, after); // a plain frame: jsonCodec read the clock
        long later = s.arrivedAt(); // once it has passed, the session no longer holds it: a fresh reading
        assertThat(later).isGreaterThanOrEqualTo(after);
        assertFalse(ch.finish());
    }

    @Test
    void aFrameThatCarriesItsSessionIsNotLookedUpInTheChannelAndBringsItsArrivalTime() {
        long[] seen = new long[1];
        EmbeddedChannel ch = new EmbeddedChannel(new JsonCodec(OPTIONS, metrics), new io.netty.channel.ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(io.netty.channel.ChannelHandlerContext ctx, Object msg) {
                seen[0] = ((Session) ((Request) msg).session()).arrivedAt();
                ctx.fireChannelRead(msg);
            }
        });
        Session s = new Session(ch, "i-2", "u2", null, "127.0.0.1", Map.of(), 10);
        long readAt = System.nanoTime() - 5_000_000; // the socket read's clock reading, 5 ms ago
        // No session attribute on the channel: without the frame's, the codec would pass a bare body on.
        ch.writeInbound(new SessionTextFrame(true, 0, Unpooled.copiedBuffer("{\"handler\":\"ping\"}",
                java.nio.charset.StandardCharsets.UTF_8), s, readAt));
        Request r = ch.readInbound();
        assertThat(r.session()).isSameAs(s);
        assertThat(r.handler()).isEqualTo("ping");
        assertThat(seen[0]).as("the frame's reading, not a new one").isEqualTo(readAt);
        assertFalse(ch.finish());
    }

    @Test
    void overTheRateLimitRequestsAreAnsweredThenTheConnectionIsClosed1008() {
        GatewayOptions o = GatewayOptions.builder().rateLimitPerSecond(1).rateLimitBurst(2).rateLimitStrikes(2).build();
        EmbeddedChannel ch = new EmbeddedChannel(new JsonCodec(o, metrics));
        ch.attr(Session.KEY).set(new Session(ch, "i-1", null, null, "127.0.0.1", Map.of(), o.rateLimitBurst()));
        for (int i = 0; i < 5; i++) {
            ch.writeInbound(new TextWebSocketFrame("{\"handler\":\"ping\",\"id\":" + i + "}"));
        }
        assertThat(((Request) ch.readInbound()).id().asInt()).isZero();
        assertThat(((Request) ch.readInbound()).id().asInt()).isEqualTo(1);
        assertThat((Object) ch.readInbound()).isNull();
        List<String> out = FrameReader.texts(ch);
        assertThat(out).hasSize(3);
        assertThat(out.get(0)).contains("\"id\":2").contains("rate_limited");
        assertThat(out.get(1)).contains("\"id\":3").contains("rate_limited");
        assertThat(out.get(2)).isEqualTo("close:1008");
        assertThat(metrics.rateLimited.getCount()).isEqualTo(3);
        ch.runPendingTasks();
        assertFalse(ch.finish());
    }

    @Test
    void aFloodOfMalformedMessagesIsRateLimitedToo() {
        GatewayOptions o = GatewayOptions.builder().rateLimitPerSecond(1).rateLimitBurst(2).rateLimitStrikes(2).build();
        EmbeddedChannel ch = new EmbeddedChannel(new JsonCodec(o, metrics));
        ch.attr(Session.KEY).set(new Session(ch, "i-1", null, null, "127.0.0.1", Map.of(), o.rateLimitBurst()));
        for (int i = 0; i < 5; i++) {
            ch.writeInbound(new TextWebSocketFrame("{\"handler\":"));
        }
        assertThat((Object) ch.readInbound()).isNull();
        List<String> out = FrameReader.texts(ch);
        assertThat(out).hasSize(5);
        assertThat(out.subList(0, 2)).allSatisfy(t -> assertThat(t).contains("\"code\":\"bad_request\""));
        assertThat(out.subList(2, 4)).allSatisfy(t -> assertThat(t).doesNotContain("\"id\"").contains("rate_limited"));
        assertThat(out.get(4)).isEqualTo("close:1008");
        ch.runPendingTasks();
        assertFalse(ch.finish());
    }

    @Test
    void textThatIsNotUtf8Closes1007EvenOverTheRateLimit() {
        GatewayOptions o = GatewayOptions.builder().rateLimitPerSecond(1).rateLimitBurst(1).rateLimitStrikes(5).build();
        EmbeddedChannel ch = new EmbeddedChannel(new JsonCodec(o, metrics));
        ch.attr(Session.KEY).set(new Session(ch, "i-1", null, null, "127.0.0.1", Map.of(), o.rateLimitBurst()));
        ch.writeInbound(new TextWebSocketFrame("{\"handler\":\"ping\",\"id\":1}")); // the one token
        ((Request) ch.readInbound()).session();
        ch.writeInbound(new TextWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {'{', (byte) 0xFF, '}'})));
        assertThat(FrameReader.texts(ch)).containsExactly("close:1007");
        assertThat(metrics.rateLimited.getCount()).isZero();
        ch.runPendingTasks();
        assertFalse(ch.finish());
    }

    @Test
    void aClockReadingEarlierThanTheLastRefillTakesNoTokensAway() {
        EmbeddedChannel ch = new EmbeddedChannel();
        Session s = new Session(ch, "i", null, null, "127.0.0.1", Map.of(), 2);
        long t = System.nanoTime() + 1_000_000_000L;
        assertThat(s.tryAcquire(t, 10, 2)).isZero(); // 1 token left
        // A message joined from fragments is stamped later than whole frames read with it: an earlier reading
        // must not move the refill time back (the next later reading would then refill the same time twice).
        assertThat(s.tryAcquire(t - 50_000_000L, 10, 2)).isZero(); // 0 left
        assertThat(s.tryAcquire(t, 10, 2)).as("no time passed since the refill").isEqualTo(1);
        assertFalse(ch.finish());
    }

    @Test
    void bucketRefillsOverTime() {
        EmbeddedChannel ch = new EmbeddedChannel();
        Session s = new Session(ch, "i", null, null, "127.0.0.1", Map.of(), 1);
        long t = System.nanoTime();
        assertThat(s.tryAcquire(t, 10, 1)).isZero();
        assertThat(s.tryAcquire(t, 10, 1)).isEqualTo(1);
        assertThat(s.tryAcquire(t + 100_000_000L, 10, 1)).isZero(); // 100 ms at 10/s is one token
        assertFalse(ch.finish());
    }

    @Test
    void heapDirectCompositeAndLongMessagesParseAlike() {
        String pad = "x".repeat(JsonCodec.SCRATCH_BYTES); // past the per-thread array: a copy of its own
        for (String json : new String[] {"{\"handler\":\"ping\",\"id\":7,\"data\":{\"é\":[1,2.5,null]}}",
                "{\"handler\":\"ping\",\"id\":7,\"data\":\"" + pad + "\"}"}) {
            byte[] bytes = json.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            io.netty.buffer.ByteBuf heap = Unpooled.wrappedBuffer(new byte[3], bytes).slice(3, bytes.length);
            io.netty.buffer.ByteBuf direct = Unpooled.directBuffer().writeBytes(bytes);
            io.netty.buffer.ByteBuf composite = Unpooled.compositeBuffer()
                    .addComponent(true, Unpooled.directBuffer().writeBytes(bytes, 0, 10))
                    .addComponent(true, Unpooled.wrappedBuffer(bytes, 10, bytes.length - 10));
            for (io.netty.buffer.ByteBuf content : new io.netty.buffer.ByteBuf[] {heap, direct, composite}) {
                ObjectNode request = JsonCodec.parse(content);
                assertThat(request).as(content.getClass().getSimpleName()).isNotNull();
                assertThat(request.toString()).isEqualTo(json);
                assertThat(content.readerIndex()).isZero(); // the frame is left as it came
                content.release();
            }
        }
        // A shorter request after a longer one, both through the per-thread array: no stale byte is read.
        io.netty.buffer.ByteBuf longer = Unpooled.directBuffer().writeBytes("{\"handler\":\"a\",\"b\":\"xxxx\"}".getBytes());
        io.netty.buffer.ByteBuf truncated = Unpooled.directBuffer().writeBytes("{\"handler\":\"a\"".getBytes());
        assertThat(JsonCodec.parse(longer)).isNotNull();
        assertThat(JsonCodec.parse(truncated)).isNull();
        longer.release();
        truncated.release();
    }

    @Test
    void badJsonIsAnsweredAndNothingGoesOn() {
        EmbeddedChannel ch = new EmbeddedChannel(new JsonCodec(OPTIONS, metrics));
        ch.writeInbound(new TextWebSocketFrame("{\"handler\":"));
        ch.writeInbound(new TextWebSocketFrame("{\"no\":\"handler\"}"));
        assertThat((Object) ch.readInbound()).isNull();
        assertThat(FrameReader.texts(ch)).hasSize(2).allSatisfy(t -> assertThat(t).contains("\"code\":\"bad_request\""));
        assertThat(ch.isActive()).isTrue();
        assertFalse(ch.finish());
    }

    @Test
    void textThatIsNotUtf8Closes1007AndNonAsciiTextPasses() {
        EmbeddedChannel ch = new EmbeddedChannel(new JsonCodec(OPTIONS, metrics));
        ch.writeInbound(new TextWebSocketFrame(Unpooled.copiedBuffer("{\"handler\":\"ping\",\"n\":\"é€😀\"}",
                java.nio.charset.StandardCharsets.UTF_8)));
        ObjectNode request = ch.readInbound();
        assertThat(request.path("n").asText()).isEqualTo("é€😀");
        // An overlong '/' inside a string: the request would otherwise be well-formed JSON.
        ch.writeInbound(new TextWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {'{', '"', 'h', 'a', 'n', 'd', 'l', 'e', 'r',
                '"', ':', '"', (byte) 0xC0, (byte) 0xAF, '"', '}'})));
        assertThat(FrameReader.texts(ch)).containsExactly("close:1007");
        assertThat(metrics.errors.getCount()).isEqualTo(1);
        ch.runPendingTasks();
        assertFalse(ch.finish());
    }

    @Test
    void badJsonOutsideStringsThatIsNotUtf8Closes1007Too() {
        EmbeddedChannel ch = new EmbeddedChannel(new JsonCodec(OPTIONS, metrics));
        ch.writeInbound(new TextWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {'{', (byte) 0xFF, '}'})));
        assertThat(FrameReader.texts(ch)).containsExactly("close:1007");
        ch.runPendingTasks();
        assertFalse(ch.finish());
    }

    @Test
    void binaryFrameCloses1003AndPongsAreSwallowed() {
        EmbeddedChannel ch = new EmbeddedChannel(new JsonCodec(OPTIONS, metrics));
        ch.writeInbound(new PongWebSocketFrame());
        ch.writeInbound(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {1})));
        assertThat(FrameReader.texts(ch)).containsExactly("close:1003");
        ch.runPendingTasks();
        assertFalse(ch.finish());
    }

    @Test
    void tooLongFragmentedMessageCloses1009() {
        EmbeddedChannel ch = new EmbeddedChannel(new JsonCodec(OPTIONS, metrics));
        ch.pipeline().fireExceptionCaught(new TooLongFrameException("too long"));
        assertThat(FrameReader.texts(ch)).containsExactly("close:1009");
        assertFalse(ch.finish());
    }
}
