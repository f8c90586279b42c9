package dev.switchboard.core.internal.delivery;

import dev.switchboard.core.internal.session.Session;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import java.util.concurrent.TimeUnit;

/**
 * Sends the one close frame a connection gets (STYLE 13) and closes the TCP connection after it. A client
 * that does not read never receives the frame, so the connection is closed anyway after a short grace.
 */
public final class Closer {

    /** How long a connection may take to finish its closing handshake before the TCP connection is cut. */
    public static final long GRACE_MILLIS = 2_000;

    private Closer() {
    }

    /** Closes {@code channel} with {@code code}; does nothing when a close was already sent. */
    public static void close(Channel channel, int code, String reason) {
        Session s = Session.of(channel);
        if (s != null && !s.markClosing()) {
            return;
        }
        if (!channel.isActive()) {
            channel.close();
            return;
        }
        channel.writeAndFlush(new CloseWebSocketFrame(code, reason)).addListener(ChannelFutureListener.CLOSE);
        cutAfterGrace(channel);
    }

    /** Closes {@code channel} after the grace, whatever its closing handshake has come to by then. */
    public static void cutAfterGrace(Channel channel) {
        channel.eventLoop().schedule(() -> {
            channel.close();
        }, GRACE_MILLIS, TimeUnit.MILLISECONDS);
    }
}
