package dev.switchboard.bench.jmh;

import com.codahale.metrics.MetricRegistry;
import dev.switchboard.core.GatewayOptions;
import dev.switchboard.core.GatewayPipeline;
import dev.switchboard.core.internal.GatewayMetrics;
import dev.switchboard.core.internal.session.PresenceTracker;
import dev.switchboard.core.internal.session.Session;
import dev.switchboard.core.internal.session.SessionRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import io.netty.handler.flush.FlushConsolidationHandler;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One request/reply as a live connection's pipeline sees it, from the socket's bytes (a masked client frame
 * read into a pooled buffer) to the reply written at the head, with a read-complete after each: {@code gateway}
 * through the gateway's pipeline after the upgrade ({@link LivePipeline}), answering
 * {@code {"handler":"ping","id":N}}; {@code echoHub} through the request/reply reference's pipeline (flush
 * consolidation, Netty's frame codec, the protocol handler's stand-in, the UTF-8 validator and an echo handler,
 * as {@code hub --variant=echo} has), sending the same frame back. The ratio of the two, measured in the same
 * run, is the gateway's CPU for a request against a server that does no JSON work; the kernel's share is not in
 * either.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {EventLoopThreads.EXECUTOR, EventLoopThreads.CLASS})
public class RequestPathBench {

    private static final byte[] MASK = {0x37, (byte) 0xfa, 0x21, 0x3d};
    /** What the load generator's {@code request --handler=ping} sends (ids vary there; the size does not). */
    static final byte[] PING = maskedTextFrame("{\"handler\":\"ping\",\"id\":123456}");

    private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    private final Discard gatewaySocket = new Discard();
    private final Discard echoSocket = new Discard();
    private BenchChannel gateway;
    private BenchChannel echo;
    private long sent;
    private long echoed;

    @Setup(Level.Trial)
    public void setup() {
        GatewayOptions options = GatewayOptions.builder()
                .rateLimitPerSecond(1_000_000_000).rateLimitBurst(1_000_000_000).build();
        GatewayMetrics metrics = new GatewayMetrics(new MetricRegistry());
        SessionRegistry registry = new SessionRegistry(new PresenceTracker());
        gateway = new BenchChannel();
        Session s = new Session(gateway, "c-1", "u1", null, "127.0.0.1", Map.of(), options.rateLimitBurst());
        gateway.attr(Session.KEY).set(s); // before the handlers, as the handshake does: they take it when added
        LivePipeline.install(gateway, gatewaySocket, new LivePipeline.Shared(metrics, registry, options));
        s.attachWire(gateway.pipeline().context(GatewayPipeline.FLUSH_CONSOLIDATION)); // as the Dispatcher does
        registry.add(s);

        echo = new BenchChannel();
        ChannelPipeline p = echo.pipeline();
        p.addLast("socket", echoSocket);
        p.addLast("flush", new FlushConsolidationHandler(256, true));
        p.addLast("wsdecoder", new WebSocket13FrameDecoder(true, false, 65536));
        p.addLast("wsencoder", new WebSocket13FrameEncoder(false));
        // As the hub has it: Netty's protocol handler, which adds its UTF-8 validator behind itself.
        p.addLast("wsProtocol", new WebSocketServerProtocolHandler("/", null, false, 65536, false, true));
        p.remove(LivePipeline.NETTY_HANDSHAKER);
        p.addLast("echo", Echo.INSTANCE);
    }

    @TearDown(Level.Trial)
    public void check() {
        try {
            if (gatewaySocket.writes != sent || gatewaySocket.flushes != sent) {
                throw new IllegalStateException("gateway: " + sent + " requests, " + gatewaySocket.writes
                        + " replies, " + gatewaySocket.flushes + " flushes");
            }
            // The encoder writes an echoed frame as header + payload: two buffers, one flush.
            if (echoSocket.flushes != echoed || echoSocket.writes < echoed) {
                throw new IllegalStateException("echo: " + echoed + " requests, " + echoSocket.writes + " writes, "
                        + echoSocket.flushes + " flushes");
            }
        } finally {
            gateway.finishAndReleaseAll();
            echo.finishAndReleaseAll();
        }
    }

    private long read(BenchChannel ch, Discard socket) {
        ByteBuf in = alloc.directBuffer(PING.length).writeBytes(PING);
        ch.pipeline().fireChannelRead(in).fireChannelReadComplete();
        return socket.bytes;
    }

    /** The gateway: decode, JSON, rate limit, dispatch to {@code ping}, reply envelope, write, flush. */
    @Benchmark
    public long gateway() {
        sent++;
        return read(gateway, gatewaySocket);
    }

    /** The reference: decode, then the frame written back as it came, flushed. */
    @Benchmark
    public long echoHub() {
        echoed++;
        return read(echo, echoSocket);
    }

    static byte[] maskedTextFrame(String text) {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        if (payload.length > 125) {
            throw new IllegalArgumentException("a short frame only");
        }
        byte[] f = new byte[6 + payload.length];
        f[0] = (byte) 0x81; // FIN + text
        f[1] = (byte) (0x80 | payload.length);
        System.arraycopy(MASK, 0, f, 2, 4);
        for (int i = 0; i < payload.length; i++) {
            f[6 + i] = (byte) (payload[i] ^ MASK[i & 3]);
        }
        return f;
    }

    /** The echo hub's handler ({@code NettyHub}, variant {@code echo}). */
    @Sharable
    static final class Echo extends SimpleChannelInboundHandler<TextWebSocketFrame> {
        static final Echo INSTANCE = new Echo();

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame frame) {
            ctx.writeAndFlush(frame.retain(), ctx.voidPromise());
        }
    }
}
