package dev.switchboard.core.internal.dispatch;

import dev.switchboard.core.GatewayOptions;
import dev.switchboard.core.internal.GatewayMetrics;
import dev.switchboard.core.internal.session.Session;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pings a connection that has been silent for a ping interval and closes it once it has been silent past
 * the idle timeout (a dead peer behind a NAT or a sleeping laptop). Any frame from the peer, a pong
 * included, resets the count. Shared: the count lives in the {@link Session}.
 */
@Sharable
public final class KeepaliveHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(KeepaliveHandler.class);

    private final int maxIdleTicks;
    private final GatewayMetrics metrics;

    public KeepaliveHandler(GatewayOptions options, GatewayMetrics metrics) {
        // Closed at the first idle check at or past the timeout: silent for ceil(timeout / interval) intervals.
        long interval = options.pingInterval().toMillis();
        this.maxIdleTicks = (int) Math.max(1, (options.idleTimeout().toMillis() + interval - 1) / interval);
        this.metrics = metrics;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (!(evt instanceof IdleStateEvent idle) || idle.state() != IdleState.READER_IDLE) {
            ctx.fireUserEventTriggered(evt);
            return;
        }
        Session s = Session.of(ctx.channel());
        if (s == null || s.isClosing()) {
            return;
        }
        if (s.idleTick(idle.isFirst()) >= maxIdleTicks) {
            log.debug("[{}] silent past the idle timeout, closing", ctx.channel().id());
            metrics.idleClosed.inc();
            s.markClosing();
            ctx.close(); // the peer is gone: a close frame would go nowhere
        } else {
            ctx.writeAndFlush(new PingWebSocketFrame(), ctx.voidPromise());
        }
    }
}
