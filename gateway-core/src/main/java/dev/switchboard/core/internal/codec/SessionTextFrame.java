package dev.switchboard.core.internal.codec;

import dev.switchboard.core.internal.session.Session;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;

/**
 * A text frame that carries its connection's {@link Session}, from the handlers that have it at hand (the frame
 * decoder and the protocol handler, both per connection), so that {@code jsonCodec}, which is shared, need not
 * look it up among the channel's attributes for every message, and the time it arrived. Its copies ({@code copy}, {@code duplicate},
 * {@code replace}) are plain text frames: a handler that sees one looks the session up, as for any other frame.
 */
public final class SessionTextFrame extends TextWebSocketFrame {

    private final Session session;
    private final long receivedAt;

    /** {@code receivedAt} is a {@link System#nanoTime()} reading of when the frame's last bytes were read. */
    public SessionTextFrame(boolean finalFragment, int rsv, ByteBuf content, Session session, long receivedAt) {
        super(finalFragment, rsv, content);
        this.session = session;
        this.receivedAt = receivedAt;
    }

    /** The connection the frame came from. */
    public Session session() {
        return session;
    }

    /**
     * When the frame's last bytes were read: the frame decoder reads the clock once per socket read, so the
     * frames of one read share it.
     */
    public long receivedAt() {
        return receivedAt;
    }
}
