package dev.switchboard.bench.jmh;

import dev.switchboard.core.GatewayOptions;
import dev.switchboard.core.GatewayPipeline;
import dev.switchboard.core.Presence;
import dev.switchboard.core.internal.GatewayChannels;
import dev.switchboard.core.internal.GatewayMetrics;
import dev.switchboard.core.internal.codec.JsonCodec;
import dev.switchboard.core.internal.codec.ServerFrameDecoder;
import dev.switchboard.core.internal.dispatch.BuiltinHandlers;
import dev.switchboard.core.internal.dispatch.Dispatcher;
import dev.switchboard.core.internal.session.SessionListeners;
import dev.switchboard.core.internal.session.SessionRegistry;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import io.netty.handler.flush.FlushConsolidationHandler;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The pipeline of a connection after the upgrade (see {@link GatewayPipeline}), built without a handshake:
 * the flush consolidation handler, Netty's frame decoder and encoder, a stand-in for {@code wsProtocol} (a
 * duplex handler, as Netty's is) and the gateway's shared handlers. There is no UTF-8 validator: {@code
 * jsonCodec} checks UTF-8 as it parses. The real {@code wsProtocol} also joins fragments and notes signs of
 * life, a few nanoseconds per frame that the stand-in does not pay. A write from the channel walks these
 * contexts as it would on a live connection. {@code head} replaces the socket.
 */
final class LivePipeline {

    private LivePipeline() {
    }

    /** The gateway's shared handlers, created once as the gateway does. */
    static final class Shared {
        final JsonCodec jsonCodec;
        final Dispatcher dispatcher;
        final GatewayOptions options;

        Shared(GatewayMetrics metrics, SessionRegistry registry) {
            this(metrics, registry, GatewayOptions.defaults());
        }

        Shared(GatewayMetrics metrics, SessionRegistry registry, GatewayOptions options) {
            this.options = options;
            SessionListeners listeners = new SessionListeners(List.of());
            jsonCodec = new JsonCodec(options, metrics);
            dispatcher = new Dispatcher(new HashMap<>(new BuiltinHandlers(options, registry, Map.of(), null, d -> { },
                    listeners).all()), registry, metrics, () -> Presence.EMPTY, 10_000, listeners);
        }
    }

    /**
     * The name of the handshake handler Netty's protocol handler adds in front of itself when added; after an
     * upgrade it is gone, so the benchmarks take it out.
     */
    static final String NETTY_HANDSHAKER = "io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandshakeHandler";

    static void install(Channel ch, Discard head, Shared shared) {
        ChannelPipeline p = ch.pipeline();
        p.addLast("socket", head);
        // As GatewayChannels installs it: closest to the socket, consolidating when no read is in progress.
        p.addLast(GatewayPipeline.FLUSH_CONSOLIDATION, new FlushConsolidationHandler(256, true));
        // As GatewayChannels puts it in place of Netty's decoder once the handshaker has added that, with the
        // connection's session (set before, as the handshake sets it) for its text frames.
        p.addLast("wsdecoder", new ServerFrameDecoder(65536, dev.switchboard.core.internal.session.Session.of(ch)));
        p.addLast("wsencoder", new WebSocket13FrameEncoder(false));
        p.addLast(GatewayPipeline.WS_PROTOCOL, GatewayChannels.protocolHandler(shared.options));
        p.remove(NETTY_HANDSHAKER);
        p.addLast(GatewayPipeline.JSON_CODEC, shared.jsonCodec);
        p.addLast(GatewayPipeline.DISPATCHER, shared.dispatcher);
    }
}
