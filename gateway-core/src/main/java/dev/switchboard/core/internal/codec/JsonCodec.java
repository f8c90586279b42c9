package dev.switchboard.core.internal.codec;

import com.fasterxml.jackson.databind.node.ObjectNode;
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
 * connection's session, looked up once here for the handlers behind; the arrival time is noted in the session
 * with the one clock read of the request), parsed by
 * {@link RequestParser} (the tree Jackson would build, in one pass, checking UTF-8 on the way: Netty's
 * separate {@code Utf8FrameValidator} is off). A text frame that is not UTF-8 closes the connection with 1007. Malformed JSON,
 * a non-object or a missing {@code handler} is answered with an {@code error} frame and the connection lives
 * on; a binary frame closes it with 1003 (DESIGN §2). Stateless and shared.
 */
@Sharable
public final class JsonCodec extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(JsonCodec.class);

    private final GatewayMetrics metrics;

    public JsonCodec(GatewayMetrics metrics) {
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
                metrics.messagesIn.inc();
                ObjectNode request = parse(frame.content());
                if (request == null) {
                    metrics.errors.inc();
                    if (!ByteBufUtil.isText(frame.content(), StandardCharsets.UTF_8)) {
                        // RFC 6455 §8.1: a text message that is not UTF-8 fails the connection, 1007.
                        Closer.close(ctx.channel(), 1007, "invalid UTF-8");
                        return;
                    }
                    Replies.error(ctx.channel(), null, "bad_request", "expected a JSON object with a \"handler\"");
                    return;
                }
                Session s = frame instanceof SessionTextFrame st ? st.session() : Session.of(ctx.channel());
                if (s == null) {
                    ctx.fireChannelRead(request); // not a gateway connection (a test, a host's own pipeline)
                    return;
                }
                Request r = new Request(request, s);
                s.received(r, System.nanoTime());
                try {
                    ctx.fireChannelRead(r);
                } finally {
                    s.received(null, 0); // the handlers behind have read it; keep no request alive
                }
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
