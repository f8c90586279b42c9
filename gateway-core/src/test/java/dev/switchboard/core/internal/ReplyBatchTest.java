package dev.switchboard.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.MetricRegistry;
import dev.switchboard.core.GatewayOptions;
import dev.switchboard.core.GatewayPipeline;
import dev.switchboard.core.Presence;
import dev.switchboard.core.internal.codec.JsonCodec;
import dev.switchboard.core.internal.codec.ServerFrameDecoder;
import dev.switchboard.core.internal.dispatch.BuiltinHandlers;
import dev.switchboard.core.internal.dispatch.Dispatcher;
import dev.switchboard.core.internal.session.PresenceTracker;
import dev.switchboard.core.internal.session.Session;
import dev.switchboard.core.internal.session.SessionRegistry;
import dev.switchboard.core.spi.SessionListener;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket08FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.util.ReferenceCountUtil;
import io.netty.handler.flush.FlushConsolidationHandler;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The replies to the requests of one socket read are gathered into one buffer ({@link Session#startBatch}), and
 * everything else the connection writes meanwhile keeps its place after them: the client sees the order the
 * server wrote in.
 */
class ReplyBatchTest {

    final GatewayMetrics metrics = new GatewayMetrics(new MetricRegistry());
    final Random random = new Random(11);
    EmbeddedChannel ch;
    Session session;

    /** The pipeline after the upgrade, as {@code GatewayChannels} builds it, on an embedded channel. */
    EmbeddedChannel upgraded(GatewayOptions o) {
        ch = new EmbeddedChannel();
        session = new Session(ch, "c-1", "u1", null, "127.0.0.1", Map.of(), o.rateLimitBurst());
        ch.attr(Session.KEY).set(session);
        SessionRegistry registry = new SessionRegistry(new PresenceTracker());
        Dispatcher dispatcher = new Dispatcher(new HashMap<>(new BuiltinHandlers(o, registry, Map.of("echo", r -> r.data()), null, d -> { },
                new SessionListener() { }).all()), registry, metrics, () -> new Presence(1, 1), 1000,
                new SessionListener() { });
        ch.pipeline().addLast(GatewayPipeline.WS_PROTOCOL, GatewayChannels.protocolHandler(o));
        ch.pipeline().removeFirst(); // Netty's protocol handler adds its handshake handler in front: the upgrade is done
        ch.pipeline().addFirst("wsdecoder", new ServerFrameDecoder(o.maxFrameSize(), session));
        ch.pipeline().addFirst("wsencoder", new WebSocket13FrameEncoder(false));
        ch.pipeline().addFirst(GatewayPipeline.FLUSH_CONSOLIDATION, new FlushConsolidationHandler(256, true));
        ch.pipeline().addLast(GatewayPipeline.JSON_CODEC, new JsonCodec(o, metrics));
        ch.pipeline().addLast(GatewayPipeline.DISPATCHER, dispatcher);
        session.attachWire(ch.pipeline().context(GatewayPipeline.FLUSH_CONSOLIDATION));
        return ch;
    }

    @AfterEach
    void release() {
        if (ch != null) {
            ch.finishAndReleaseAll();
        }
    }

    /** A client's frame: FIN, {@code opcode}, masked with a random key. */
    byte[] frame(int opcode, byte[] payload) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x80 | opcode);
        if (payload.length < 126) {
            out.write(0x80 | payload.length);
        } else {
            out.write(0x80 | 126);
            out.write(payload.length >>> 8);
            out.write(payload.length & 0xFF);
        }
        byte[] key = new byte[4];
        random.nextBytes(key);
        out.writeBytes(key);
        for (int i = 0; i < payload.length; i++) {
            out.write(payload[i] ^ key[i & 3]);
        }
        return out.toByteArray();
    }

    byte[] text(String s) {
        return frame(0x1, s.getBytes(StandardCharsets.UTF_8));
    }

    byte[] ping(int id) {
        return text("{\"handler\":\"ping\",\"id\":" + id + "}");
    }

    static String pong(int id) {
        return "{\"channel\":\"reply\",\"id\":" + id + ",\"message\":\"pong\"}";
    }

    /** One socket read holding {@code frames}. */
    void read(byte[]... frames) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] f : frames) {
            out.writeBytes(f);
        }
        ch.writeInbound(Unpooled.wrappedBuffer(out.toByteArray()));
    }

    /** The messages that reached the socket, each as the frames it holds (a close frame as {@code close:<code>}). */
    List<List<String>> written() {
        List<List<String>> messages = new ArrayList<>();
        Object msg;
        while ((msg = ch.readOutbound()) != null) {
            EmbeddedChannel client = new EmbeddedChannel(new WebSocket08FrameDecoder(
                    WebSocketDecoderConfig.newBuilder().expectMaskedFrames(false).build()));
            client.writeInbound(msg);
            List<String> frames = new ArrayList<>();
            Object f;
            while ((f = client.readInbound()) != null) {
                frames.add(f instanceof TextWebSocketFrame t ? t.text()
                        : f instanceof CloseWebSocketFrame c ? "close:" + c.statusCode() : f.getClass().getSimpleName());
                ReferenceCountUtil.release(f);
            }
            client.finishAndReleaseAll();
            messages.add(frames);
        }
        return messages;
    }

    @Test
    void theRepliesToTheRequestsOfOneReadLeaveInOneBufferInOrder() {
        upgraded(GatewayOptions.defaults());
        read(ping(1), ping(2), ping(3));
        assertThat(written()).containsExactly(List.of(pong(1), pong(2), pong(3)));
        // Requests in reads of their own are answered one buffer each.
        read(ping(4));
        read(ping(5));
        assertThat(written()).containsExactly(List.of(pong(4)), List.of(pong(5)));
        assertThat(metrics.messagesOut.getCount()).isEqualTo(5);
    }

    @Test
    void errorsTakeTheirPlaceAmongTheReplies() {
        upgraded(GatewayOptions.defaults());
        read(ping(1), text("{\"handler\":"), text("{\"handler\":\"nope\",\"id\":9}"), ping(2));
        assertThat(written()).containsExactly(List.of(pong(1),
                "{\"channel\":\"error\",\"message\":{\"code\":\"bad_request\",\"reason\":\"expected a JSON object with a \\\"handler\\\"\"}}",
                "{\"channel\":\"error\",\"id\":9,\"message\":{\"code\":\"unknown_handler\",\"reason\":\"no handler named \\\"nope\\\"\"}}",
                pong(2)));
    }

    @Test
    void theClientsCloseFrameInTheSameReadClosesAfterTheReplies() {
        upgraded(GatewayOptions.defaults());
        byte[] bye = {0x03, (byte) 0xE8}; // 1000
        read(ping(1), ping(2), frame(0x8, bye), ping(3));
        List<String> frames = written().stream().flatMap(List::stream).toList();
        // Nothing after the close frame is read; the replies before it are not lost: they go before the
        // connection is closed (here, without the handshaker, Netty closes it without a close frame).
        assertThat(frames).containsExactly(pong(1), pong(2));
        assertThat(session.isClosing()).isTrue();
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void aProtocolViolationInTheSameReadClosesAfterTheReplies() {
        upgraded(GatewayOptions.defaults());
        byte[] unmasked = {(byte) 0x81, 0x02, '{', '}'};
        read(ping(1), unmasked);
        List<String> frames = written().stream().flatMap(List::stream).toList();
        assertThat(frames).containsExactly(pong(1), "close:1002");
    }

    @Test
    void aCloseForTheRateLimitComesAfterTheRepliesOfTheSameRead() {
        upgraded(GatewayOptions.builder().rateLimitPerSecond(1).rateLimitBurst(2).rateLimitStrikes(1).build());
        read(ping(1), ping(2), ping(3), ping(4), ping(5));
        List<String> frames = written().stream().flatMap(List::stream).toList();
        assertThat(frames).hasSize(4);
        assertThat(frames.subList(0, 2)).containsExactly(pong(1), pong(2));
        assertThat(frames.get(2)).contains("rate_limited").contains("\"id\":3");
        assertThat(frames.get(3)).isEqualTo("close:1008");
    }

    @Test
    void aFrameWrittenToTheSessionDuringTheReadGoesAfterTheRepliesBeforeIt() {
        upgraded(GatewayOptions.defaults());
        session.startBatch();
        ByteBuf reply = session.replyBuffer(3);
        reply.writeBytes("ab|".getBytes(StandardCharsets.US_ASCII));
        session.writeFrame(Unpooled.copiedBuffer("fan-out|", StandardCharsets.US_ASCII)); // as Fanout does
        session.replyBuffer(2).writeBytes("cd".getBytes(StandardCharsets.US_ASCII));
        session.endBatch();
        ch.flushOutbound();
        StringBuilder order = new StringBuilder();
        ByteBuf b;
        while ((b = ch.readOutbound()) != null) {
            order.append(b.toString(StandardCharsets.US_ASCII));
            b.release();
        }
        assertThat(order.toString()).isEqualTo("ab|fan-out|cd");
    }

    @Test
    void longRepliesControlFramesAndAFullBatchKeepTheOrder() {
        upgraded(GatewayOptions.builder().rateLimitPerSecond(1_000_000).rateLimitBurst(1_000_000).build());
        String mid = "m".repeat(200); // a 126..65535-byte payload: a 4-byte frame header
        String big = "b".repeat(5000); // more than a batch holds: a frame of its own
        List<byte[]> frames = new ArrayList<>();
        frames.add(ping(1));
        frames.add(text("{\"handler\":\"controller\",\"module\":\"echo\",\"id\":2,\"data\":\"" + mid + "\"}"));
        frames.add(frame(0x9, new byte[] {'h', 'i'})); // a ping control frame: answered with a pong
        frames.add(ping(3));
        byte[] bigRequest = text("{\"handler\":\"controller\",\"module\":\"echo\",\"id\":4,\"data\":\"" + big + "\"}");
        frames.add(bigRequest);
        for (int id = 5; id < 125; id++) { // 120 replies of ~45 bytes: past 4 KiB, a second batch buffer
            frames.add(ping(id));
        }
        read(frames.toArray(byte[][]::new));
        List<String> got = written().stream().flatMap(List::stream).toList();
        List<String> want = new ArrayList<>(List.of(pong(1),
                "{\"channel\":\"reply\",\"id\":2,\"message\":\"" + mid + "\"}", "PongWebSocketFrame", pong(3),
                "{\"channel\":\"reply\",\"id\":4,\"message\":\"" + big + "\"}"));
        for (int id = 5; id < 125; id++) {
            want.add(pong(id));
        }
        assertThat(got).containsExactlyElementsOf(want);
    }

    @Test
    void outsideARead_aReplyIsAFrameOfItsOwn() {
        upgraded(GatewayOptions.defaults());
        assertThat(session.replyBuffer(10)).as("no batch: the caller writes its own frame").isNull();
        session.startBatch();
        assertThat(session.replyBuffer(5000)).as("larger than a batch").isNull();
        session.endBatch();
    }
}
