package dev.switchboard.core.internal.codec;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.GatewayOptions;
import dev.switchboard.core.internal.GatewayMetrics;
import dev.switchboard.core.internal.delivery.Closer;
import dev.switchboard.core.internal.session.Session;
import dev.switchboard.core.spi.Request;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.FastThreadLocal;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns text frames into {@link Request}s (a body {@link ObjectNode} with a textual {@code handler}, and the
 * connection's session, which the frame carries), parsed by {@link RequestParser} (the tree Jackson would build,
 * in one pass, checking UTF-8 on the way: Netty's separate {@code Utf8FrameValidator} is off), and applies the
 * connection's rate limit: a token bucket whose state lives in the {@link Session}. Every text message takes a
 * token, a malformed one too; one over the limit is answered with {@code rate_limited}, and after
 * {@code rateLimitStrikes} of them in a row the connection is closed with 1008 (policy violation). The clock
 * reading for both the bucket and the dispatch timer is the frame's: the frame decoder reads the clock once per
 * socket read, not once per message ({@link SessionTextFrame#receivedAt}; a message joined from fragments is
 * stamped when it is complete), and the session holds it while the handlers behind run
 * ({@link Session#arrivedAt}): a request is timed from the socket read that brought it.
 *
 * <p>A text frame that is not UTF-8 closes the connection with 1007. Malformed JSON, a non-object or a missing
 * {@code handler} is answered with an {@code error} frame and the connection lives on; a binary frame closes
 * it with 1003 (DESIGN §2). Stateless and shared.
 */
@Sharable
public final class JsonCodec extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(JsonCodec.class);

    private final GatewayOptions options;
    private final GatewayMetrics metrics;

    public JsonCodec(GatewayOptions options, GatewayMetrics metrics) {
        this.options = options;
        this.metrics = metrics;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof WebSocketFrame frame)) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            if (frame instanceof TextWebSocketFrame) {
                text(ctx, frame);
            } else if (frame instanceof BinaryWebSocketFrame) {
                metrics.errors.inc();
                Closer.close(ctx.channel(), 1003, "binary frames are not supported");
            } else if (!(frame instanceof PongWebSocketFrame)) {
                log.debug("[{}] ignored {}", ctx.channel().id(), frame.getClass().getSimpleName());
            }
        } finally {
            ReferenceCountUtil.release(frame);
        }
    }

    private void text(ChannelHandlerContext ctx, WebSocketFrame frame) {
        metrics.messagesIn.inc();
        ObjectNode request = parse(frame.content());
        Session s;
        long now;
        if (frame instanceof SessionTextFrame st) {
            s = st.session();
            now = st.receivedAt();
        } else {
            s = Session.of(ctx.channel());
            now = s != null ? System.nanoTime() : 0;
        }
        if (request == null && !ByteBufUtil.isText(frame.content(), StandardCharsets.UTF_8)) {
            // RFC 6455 §8.1: a text message that is not UTF-8 fails the connection, 1007, over the limit or not.
            metrics.errors.inc();
            Closer.close(ctx.channel(), 1007, "invalid UTF-8");
            return;
        }
        if (s != null) {
            // Every text message takes a token, a malformed one too: a flood of bad JSON is limited as well.
            int strikes = s.tryAcquire(now, options.rateLimitPerSecond(), options.rateLimitBurst());
            if (strikes != 0) {
                limited(ctx, s, request, strikes);
                return;
            }
        }
        if (request == null) {
            metrics.errors.inc();
            Replies.error(ctx.channel(), null, "bad_request", "expected a JSON object with a \"handler\"");
            return;
        }
        if (s == null) {
            ctx.fireChannelRead(request); // not a gateway connection (a test, a host's own pipeline)
            return;
        }
        s.arriving(now);
        try {
            ctx.fireChannelRead(new Request(request, s));
        } finally {
            s.arrived(); // the handlers behind have read the time; the next request brings its own
        }
    }

    /**
     * Answers a message over the rate limit with {@code rate_limited} (carrying its {@code id}, when it has one),
     * or, past {@code rateLimitStrikes} of them in a row, closes the connection with 1008 (policy violation).
     */
    private void limited(ChannelHandlerContext ctx, Session s, ObjectNode request, int strikes) {
        metrics.rateLimited.inc();
        if (strikes > options.rateLimitStrikes()) {
            log.debug("[{}] rate limit exceeded {} times in a row, closing with 1008", ctx.channel().id(), strikes);
            Closer.close(ctx.channel(), 1008, "rate limit exceeded");
        } else if (!s.isClosing()) {
            Replies.error(ctx.channel(), request != null ? request.get("id") : null, "rate_limited",
                    "more than " + options.rateLimitPerSecond() + " messages per second");
        }
    }

    /** Returns the request in {@code content}, or {@code null} when it is not a JSON object with a handler. */
    public static ObjectNode parse(ByteBuf content) {
        int length = content.readableBytes();
        byte[] bytes;
        int offset;
        if (content.hasArray()) {
            bytes = content.array();
            offset = content.arrayOffset() + content.readerIndex();
        } else {
            bytes = length <= SCRATCH_BYTES ? SCRATCH.get() : new byte[length];
            offset = 0;
            content.getBytes(content.readerIndex(), bytes, 0, length);
        }
        ObjectNode obj = PARSER.get().parseObject(bytes, offset, length);
        return obj != null && obj.path("handler").isTextual() ? obj : null;
    }

    /**
     * Requests up to this size are parsed from a copy in a per-thread array; longer ones (up to
     * {@code max-frame-size}, 64 KiB by default) from a copy of their own, which the next GC takes.
     */
    static final int SCRATCH_BYTES = 4096;

    private static final FastThreadLocal<byte[]> SCRATCH = new FastThreadLocal<>() {
        @Override
        protected byte[] initialValue() {
            return new byte[SCRATCH_BYTES];
        }
    };

    private static final FastThreadLocal<RequestParser> PARSER = new FastThreadLocal<>() {
        @Override
        protected RequestParser initialValue() {
            return new RequestParser();
        }
    };

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof TooLongFrameException) {
            // A fragmented message grew past the frame size limit (RFC 6455 §7.4.1: 1009).
            metrics.errors.inc();
            Closer.close(ctx.channel(), 1009, "message too big");
            return;
        }
        ctx.fireExceptionCaught(cause);
    }
}
