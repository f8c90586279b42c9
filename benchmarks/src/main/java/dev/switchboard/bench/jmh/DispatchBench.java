package dev.switchboard.bench.jmh;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.core.GatewayOptions;
import dev.switchboard.core.Presence;
import dev.switchboard.core.internal.GatewayMetrics;
import dev.switchboard.core.internal.codec.JsonCodec;
import dev.switchboard.core.internal.codec.Replies;
import dev.switchboard.core.internal.dispatch.BuiltinHandlers;
import dev.switchboard.core.internal.dispatch.Dispatcher;
import dev.switchboard.core.internal.session.PresenceTracker;
import dev.switchboard.core.internal.session.Session;
import dev.switchboard.core.internal.session.SessionListeners;
import dev.switchboard.core.internal.session.SessionRegistry;
import dev.switchboard.core.spi.MessageHandler;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One request from text frame to reply frame: {@code JsonCodec} (with the rate limit) → {@code Dispatcher}
 * → built-in handler → {@code Replies} (envelope), on a {@link BenchChannel} whose head discards the reply.
 * This is the gateway's share of a request; WebSocket frame decoding and the socket are not included.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {EventLoopThreads.EXECUTOR, EventLoopThreads.CLASS})
public class DispatchBench {

    private EmbeddedChannel channel;
    private Discard sink;
    private ByteBuf ping;
    private ByteBuf pingWithId;
    private ByteBuf controller;
    private long sent;

    @Setup
    public void setup() {
        GatewayOptions options = GatewayOptions.builder()
                .rateLimitPerSecond(1_000_000_000).rateLimitBurst(1_000_000_000).build();
        GatewayMetrics metrics = new GatewayMetrics(new MetricRegistry());
        SessionRegistry registry = new SessionRegistry(new PresenceTracker());
        SessionListeners listeners = new SessionListeners(List.of());
        MessageHandler echo = r -> r.data();
        Map<String, MessageHandler> handlers = new HashMap<>(
                new BuiltinHandlers(options, registry, Map.of("echo", echo), null, d -> { }, listeners).all());
        Dispatcher dispatcher = new Dispatcher(handlers, registry, metrics, () -> Presence.EMPTY, 10_000, listeners);
        sink = new Discard();
        channel = new BenchChannel();
        channel.attr(Session.KEY).set(new Session(channel, "c-1", "u1", null, "127.0.0.1", Map.of(),
                options.rateLimitBurst()));
        ChannelPipeline p = channel.pipeline();
        p.addLast("discard", sink);
        p.addLast("jsonCodec", new JsonCodec(options, metrics));
        p.addLast("dispatcher", dispatcher);
        ping = frame("{\"handler\":\"ping\"}");
        pingWithId = frame("{\"handler\":\"ping\",\"id\":17}");
        controller = frame("{\"handler\":\"controller\",\"module\":\"echo\",\"id\":17,\"data\":{\"n\":1,\"s\":\"hello\"}}");
    }

    private static ByteBuf frame(String json) {
        return Unpooled.directBuffer().writeBytes(json.getBytes(StandardCharsets.UTF_8));
    }

    @TearDown
    public void check() {
        if (sent > 0 && sink.writes < sent) {
            throw new IllegalStateException(sent + " requests, " + sink.writes + " replies");
        }
        channel.finishAndReleaseAll();
        ping.release();
        pingWithId.release();
        controller.release();
    }

    private long send(ByteBuf content) {
        sent++;
        channel.pipeline().fireChannelRead(new TextWebSocketFrame(content.retainedDuplicate()));
        return sink.writes;
    }

    /** {@code {"handler":"ping"}} → {@code {"channel":"reply","message":"pong"}}. */
    @Benchmark
    public long ping() {
        return send(ping);
    }

    /** The same with a request id echoed on the reply. */
    @Benchmark
    public long pingWithId() {
        return send(pingWithId);
    }

    /** A {@code controller} request answered in-process by a module echoing its {@code data}. */
    @Benchmark
    public long controllerEcho() {
        return send(controller);
    }

    /** Only the parse of the ping request, as {@code JsonCodec} does it ({@code RequestParser}). */
    @Benchmark
    public JsonNode parseOnly() {
        return JsonCodec.parse(pingWithId);
    }

    /** The reference for {@link #parseOnly}: Jackson's tree parse of the same bytes, as the gateway did before. */
    @Benchmark
    public JsonNode parseJackson() throws IOException {
        return Replies.MAPPER.readTree(new io.netty.buffer.ByteBufInputStream(pingWithId.duplicate()));
    }
}
