package dev.switchboard.core.internal.handshake;

import dev.switchboard.core.GatewayOptions;
import dev.switchboard.core.internal.GatewayMetrics;
import dev.switchboard.core.spi.Authenticator;
import io.netty.channel.ChannelPipeline;
import java.util.function.BooleanSupplier;

/** What every {@link HandshakeHandler} shares: settings, policies, limiter, authenticator, metrics. */
public record HandshakeContext(GatewayOptions options, OriginPolicy origins, AddressMatcher trustedProxies,
                               ConnectionLimiter limiter, Authenticator authenticator, GatewayMetrics metrics,
                               BooleanSupplier closingFlag, Upgrader upgrader) {

    public boolean closing() {
        return closingFlag.getAsBoolean();
    }

    /** Installs the WebSocket handlers; implemented by the one pipeline initializer. */
    public interface Upgrader {
        /** Adds the post-upgrade handlers right after the handler named {@code after}. */
        void installWebSocket(ChannelPipeline pipeline, String after);

        /** Returns the path Netty's handshaker is configured with. */
        String websocketPath();

        /**
         * Called once Netty's handshaker has had the upgrade request, before any frame can have been read (a
         * client sends none before the handshake response): puts the gateway's frame decoder in place of Netty's.
         */
        void upgraded(ChannelPipeline pipeline);
    }
}
