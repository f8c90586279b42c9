package dev.switchboard.core.internal;

import dev.switchboard.core.internal.codec.SessionTextFrame;
import dev.switchboard.core.internal.delivery.Closer;
import dev.switchboard.core.internal.session.Session;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import java.util.List;

/**
 * Netty's protocol handler ({@code wsProtocol}), with four duties added where it already sees every frame, so
 * that a message crosses one handler fewer:
 * <ul>
 * <li>it notes every frame the client sends (data, continuation, ping, pong, close) as a sign of life for the
 *     {@link dev.switchboard.core.internal.delivery.Keepalive keepalive};</li>
 * <li>it joins a fragmented message into one frame, at most {@code maxMessageSize} bytes (Netty's
 *     {@code WebSocketFrameAggregator} did this as a handler of its own). Past the limit it fires a
 *     {@link TooLongFrameException}, which {@code jsonCodec} answers with 1009, and discards the rest of the
 *     message. The frame decoder has already refused fragments out of order (1002);</li>
 * <li>it writes the replies the session has gathered in the current read ({@link Session#startBatch}) before
 *     anything written through it and before it answers a control frame, so the client gets them in order;</li>
 * <li>it marks the session closing when the client's close frame arrives, and when a close frame is written
 *     through it. Netty answers the client's frame and refuses the writes that pass through it afterwards;
 *     fan-out frames and replies are written below it ({@link Session#attachWire}), and this makes them stop
 *     too: no data frame follows a close frame (RFC 6455 §5.5.1). The TCP connection is cut after
 *     {@link Closer#GRACE_MILLIS} in any case, so a client that sends its close frame and stops reading cannot
 *     hold the connection. A client's close frame that answers ours closes the connection once what is queued
 *     is written, with no second close frame.</li>
 * </ul>
 * Per connection.
 */
final class ProtocolHandler extends WebSocketServerProtocolHandler {

    /** Most parts a joined message keeps before its composite buffer consolidates them (Netty's default). */
    private static final int MAX_COMPONENTS = 1024;

    private final int maxMessageSize;
    private Session session;
    /** The fragments of the message being joined, or {@code null}. */
    private CompositeByteBuf joining;
    private boolean joiningText;
    private int joiningRsv;
    /** The message being joined grew past the limit: its remaining fragments are dropped. */
    private boolean discarding;

    ProtocolHandler(WebSocketServerProtocolConfig config, int maxMessageSize) {
        super(config);
        this.maxMessageSize = maxMessageSize;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        super.handlerAdded(ctx);
        if (session == null) {
            session = Session.of(ctx.channel()); // set before this handler is added, in production
        }
    }

    /**
     * A whole text message in one frame, the usual request, is passed on as it is: Netty's decode path would only
     * hand it on too, after taking an output list and a retain and release of the frame (its buffer is the read
     * buffer's, so those are atomic updates of a shared count). Everything else takes that path.
     */
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof TextWebSocketFrame frame && frame.isFinalFragment() && joining == null && !discarding) {
            Session s = session;
            if (s != null) {
                s.heard();
                ctx.fireChannelRead(frame);
                return;
            }
        }
        super.channelRead(ctx, msg);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, WebSocketFrame frame, List<Object> out) throws Exception {
        Session s = session;
        if (s == null) {
            s = session = Session.of(ctx.channel()); // set before this handler is added, in production
        }
        if (s != null) {
            s.heard();
            s.writeBatch(); // a control frame may be answered here (pong, close): after the replies before it
        }
        if (frame instanceof ContinuationWebSocketFrame) {
            join(ctx, frame, out);
            return;
        }
        if (!frame.isFinalFragment() && (frame instanceof TextWebSocketFrame || frame instanceof BinaryWebSocketFrame)) {
            startJoining(ctx, frame);
            return;
        }
        if (frame instanceof CloseWebSocketFrame && s != null) {
            if (!s.markClosing()) {
                // Our close frame went first (Closer, or one a host wrote through this handler): this is the
                // client's answer, and the closing handshake is done. Close the connection (RFC 6455 §7.1.1: the
                // server closes first) without the second close frame Netty's handshaker would send, once what is
                // queued (our close frame, if the client has not read it all yet) is written.
                ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
                return;
            }
            // Netty closes once its answer is written; a client that stopped reading never lets it be.
            // A closing session gets no pings and no idle close, so cut it after the grace, as Closer does.
            Closer.cutAfterGrace(ctx.channel());
        }
        super.decode(ctx, frame, out);
    }

    /**
     * A close frame written through this handler (by {@code Closer}, or by a host's handler) marks the session
     * closing, so that replies and fan-out frames, which are written below this handler, stop after it too.
     */
    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (session != null) {
            session.writeBatch(); // the replies gathered so far go before whatever is written through here
        }
        if (msg instanceof CloseWebSocketFrame && session != null && session.markClosing()) {
            // A closing session gets no pings and no idle close: cut it after the grace, as Closer does (Closer
            // marks the session before its frame gets here, so it is not cut twice).
            Closer.cutAfterGrace(ctx.channel());
        }
        super.write(ctx, msg, promise);
    }

    private void startJoining(ChannelHandlerContext ctx, WebSocketFrame first) {
        releaseJoined(); // unreachable after the decoder's checks; never leak if it were not
        discarding = false;
        joiningText = first instanceof TextWebSocketFrame;
        joiningRsv = first.rsv();
        joining = ctx.alloc().compositeBuffer(MAX_COMPONENTS);
        append(ctx, first);
    }

    private void join(ChannelHandlerContext ctx, WebSocketFrame part, List<Object> out) {
        if (joining != null) {
            append(ctx, part);
        }
        if (!part.isFinalFragment()) {
            return;
        }
        discarding = false;
        if (joining != null) {
            CompositeByteBuf content = joining;
            joining = null;
            out.add(joiningText ? textFrame(content)
                    : new BinaryWebSocketFrame(true, joiningRsv, content));
        }
    }

    private TextWebSocketFrame textFrame(ByteBuf content) {
        return session != null ? new SessionTextFrame(true, joiningRsv, content, session, System.nanoTime())
                : new TextWebSocketFrame(true, joiningRsv, content);
    }

    private void append(ChannelHandlerContext ctx, WebSocketFrame part) {
        if (discarding) {
            return;
        }
        if (joining.readableBytes() > maxMessageSize - part.content().readableBytes()) {
            releaseJoined();
            discarding = true;
            ctx.fireExceptionCaught(new TooLongFrameException("message larger than " + maxMessageSize + " bytes"));
            return;
        }
        joining.addComponent(true, part.content().retain());
    }

    private void releaseJoined() {
        if (joining != null) {
            joining.release();
            joining = null;
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        releaseJoined();
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) throws Exception {
        releaseJoined();
        super.handlerRemoved(ctx);
    }
}
