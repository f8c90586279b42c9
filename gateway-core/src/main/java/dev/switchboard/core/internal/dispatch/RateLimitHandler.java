package dev.switchboard.core.internal.dispatch;

import dev.switchboard.core.GatewayOptions;
import dev.switchboard.core.internal.GatewayMetrics;
import dev.switchboard.core.internal.codec.Replies;
import dev.switchboard.core.internal.delivery.Closer;
import dev.switchboard.core.internal.session.Session;
import dev.switchboard.core.spi.Request;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A token bucket per connection (its state lives in the {@link Session}, so this handler is shared). A
 * request over the limit is answered with {@code rate_limited}; after {@code rateLimitStrikes} of them in a
 * row the connection is closed with 1008 (policy violation).
 */
@Sharable
public final class RateLimitHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(RateLimitHandler.class);

    private final GatewayOptions options;
    private final GatewayMetrics metrics;

    public RateLimitHandler(GatewayOptions options, GatewayMetrics metrics) {
        this.options = options;
        this.metrics = metrics;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Request request = Dispatcher.requestOf(ctx, msg);
        if (request == null) {
            ctx.fireChannelRead(msg);
            return;
        }
        Session s = (Session) request.session();
        long now = s.receivedAt(request); // jsonCodec's reading of the clock
        int strikes = s.tryAcquire(now, options.rateLimitPerSecond(), options.rateLimitBurst());
        if (strikes == 0) {
            ctx.fireChannelRead(request);
            return;
        }
        metrics.rateLimited.inc();
        if (strikes > options.rateLimitStrikes()) {
            log.debug("[{}] rate limit exceeded {} times in a row, closing with 1008", ctx.channel().id(), strikes);
            Closer.close(ctx.channel(), 1008, "rate limit exceeded");
        } else if (!s.isClosing()) {
            Replies.error(ctx.channel(), request.id(), "rate_limited",
                    "more than " + options.rateLimitPerSecond() + " messages per second");
        }
    }
}
