package dev.switchboard.core.internal;

import dev.switchboard.core.internal.delivery.Closer;
import dev.switchboard.core.internal.session.Session;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import java.util.List;

/**
 * Netty's protocol handler ({@code wsProtocol}), which also notes every frame the client sends as a sign of
 * life for the {@link dev.switchboard.core.internal.delivery.Keepalive keepalive} (it sees all of them: data,
 * continuation, ping, pong and close), and marks the session closing when the client's close frame arrives. Netty answers that frame and refuses the writes that pass through it afterwards; fan-out
 * frames are written below it ({@link Session#attachWire}), and this makes them stop too: no data frame follows
 * the close frame (RFC 6455 §5.5.1). The TCP connection is cut after {@link Closer#GRACE_MILLIS} in any case,
 * so a client that sends its close frame and stops reading cannot hold the connection.
 */
final class ProtocolHandler extends WebSocketServerProtocolHandler {

    private Session session;

    ProtocolHandler(WebSocketServerProtocolConfig config) {
        super(config);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, WebSocketFrame frame, List<Object> out) throws Exception {
        Session s = session;
        if (s == null) {
            s = session = Session.of(ctx.channel()); // set before this handler is added, in production
        }
        if (s != null) {
            s.heard();
        }
        if (frame instanceof CloseWebSocketFrame) {
            if (s != null && s.markClosing()) {
                // Netty closes once its answer is written; a client that stopped reading never lets it be.
                // A closing session gets no pings and no idle close, so cut it after the grace, as Closer does.
                Closer.cutAfterGrace(ctx.channel());
            }
        }
        super.decode(ctx, frame, out);
    }
}
