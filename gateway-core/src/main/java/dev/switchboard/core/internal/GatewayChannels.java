package dev.switchboard.core.internal;

import static dev.switchboard.core.GatewayPipeline.DISPATCHER;
import static dev.switchboard.core.GatewayPipeline.FLUSH_CONSOLIDATION;
import static dev.switchboard.core.GatewayPipeline.HANDSHAKE;
import static dev.switchboard.core.GatewayPipeline.HTTP_CODEC;
import static dev.switchboard.core.GatewayPipeline.JSON_CODEC;
import static dev.switchboard.core.GatewayPipeline.PUBLIC_HTTP;
import static dev.switchboard.core.GatewayPipeline.SSL;
import static dev.switchboard.core.GatewayPipeline.WS_PROTOCOL;

import dev.switchboard.core.GatewayOptions;
import dev.switchboard.core.internal.codec.JsonCodec;
import dev.switchboard.core.internal.codec.ServerFrameDecoder;
import dev.switchboard.core.internal.dispatch.Dispatcher;
import dev.switchboard.core.internal.handshake.AddressMatcher;
import dev.switchboard.core.internal.handshake.ConnectionLimiter;
import dev.switchboard.core.internal.handshake.HandshakeContext;
import dev.switchboard.core.internal.handshake.OriginPolicy;
import dev.switchboard.core.internal.handshake.HandshakeHandler;
import dev.switchboard.core.internal.session.Session;
import dev.switchboard.core.spi.Authenticator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.ssl.SslHandler;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The one place that adds handlers to a pipeline (STYLE 2); the order is drawn in
 * {@link dev.switchboard.core.GatewayPipeline}. Shared handlers are created once here.
 */
public final class GatewayChannels implements HandshakeContext.Upgrader {

    /**
     * Flushes held back at most: past this many, one goes out at once. Netty's default is 256; with a broadcast
     * that is also the most frames one recipient waits behind.
     */
    private static final int FLUSHES_BEFORE_FORCED = 256;

    /** The path Netty's handshaker sees; the handshake handler rewrites every accepted request to it. */
    private static final String INTERNAL_PATH = "/";

    private final GatewayOptions options;
    private final HandshakeContext handshake;
    private final JsonCodec jsonCodec;
    private final Dispatcher dispatcher;
    private final WebSocketServerProtocolConfig wsConfig;
    private final WriteBufferWaterMark waterMark;

    public GatewayChannels(GatewayOptions options, ConnectionLimiter limiter, Authenticator authenticator,
                           BooleanSupplier closing, GatewayMetrics metrics, Dispatcher dispatcher) {
        this.options = options;
        this.handshake = new HandshakeContext(options, new OriginPolicy(options.allowedOrigins()),
                new AddressMatcher(options.trustedProxies()), limiter, authenticator, metrics, closing, this);
        this.jsonCodec = new JsonCodec(options, metrics);
        this.dispatcher = dispatcher;
        this.waterMark = new WriteBufferWaterMark(options.writeBufferLowWaterMark(), options.writeBufferHighWaterMark());
        this.wsConfig = wsConfig(options);
    }

    /** Netty's protocol handler's settings, from the gateway's options. */
    private static WebSocketServerProtocolConfig wsConfig(GatewayOptions options) {
        return WebSocketServerProtocolConfig.newBuilder()
                .websocketPath(INTERNAL_PATH)
                .checkStartsWith(false)
                .handshakeTimeoutMillis(options.handshakeTimeout().toMillis())
                .dropPongFrames(true) // ProtocolHandler has noted them as signs of life before they are dropped
                .sendCloseFrame(null) // close frames are sent explicitly, once, with the right code
                .decoderConfig(WebSocketDecoderConfig.newBuilder()
                        .maxFramePayloadLength(options.maxFrameSize())
                        .allowExtensions(false)
                        .closeOnProtocolViolation(true)
                        // jsonCodec checks UTF-8 as it parses (1007 on failure): no separate pass over each frame.
                        .withUTF8Validator(false)
                        .build())
                .build();
    }

    /**
     * A connection's {@code wsProtocol} handler as {@link #installWebSocket} adds it, for the in-process request
     * benchmark ({@code RequestPathBench}), which builds the pipeline after the upgrade by hand.
     */
    public static ChannelHandler protocolHandler(GatewayOptions options) {
        return new ProtocolHandler(wsConfig(options), options.maxFrameSize());
    }

    /** Sets up a standalone public connection: HTTP codec, handshake, then the public HTTP routes. */
    public void initStandalone(Channel ch, Supplier<? extends ChannelHandler> publicHttp) {
        ch.config().setWriteBufferWaterMark(waterMark);
        ChannelPipeline p = ch.pipeline();
        p.addLast(HTTP_CODEC, new HttpServerCodec(4096, 8192, 8192));
        p.addLast(HANDSHAKE, new HandshakeHandler(handshake, true));
        p.addLast(PUBLIC_HTTP, publicHttp.get());
    }

    /** Adds the gateway behind the host's HTTP codec named {@code after}; other requests reach the host. */
    public void installEmbedded(ChannelPipeline p, String after) {
        p.addAfter(after, HANDSHAKE, new HandshakeHandler(handshake, false));
    }

    @Override
    public void installWebSocket(ChannelPipeline p, String after) {
        p.channel().config().setWriteBufferWaterMark(waterMark);
        // Just below the HTTP codec, which Netty's frame encoder and decoder replace at the upgrade: every
        // outbound handler below it (TLS, an embedding host's traffic shaping, counters, logging) still sees each
        // byte, also the fan-out frames written from this context (Session.attachWire), and one flush per burst.
        FlushConsolidationHandler consolidation = new FlushConsolidationHandler(FLUSHES_BEFORE_FORCED, true);
        ChannelHandlerContext codec = p.context(HttpServerCodec.class);
        if (codec == null) {
            codec = p.context(HttpResponseEncoder.class);
        }
        if (codec != null) {
            p.addBefore(codec.name(), FLUSH_CONSOLIDATION, consolidation);
        } else {
            ChannelHandlerContext tls = p.get(SSL) != null ? p.context(SSL) : p.context(SslHandler.class);
            if (tls != null) {
                p.addAfter(tls.name(), FLUSH_CONSOLIDATION, consolidation);
            } else {
                p.addFirst(FLUSH_CONSOLIDATION, consolidation);
            }
        }
        p.addAfter(after, WS_PROTOCOL, new ProtocolHandler(wsConfig, options.maxFrameSize()));
        p.addAfter(WS_PROTOCOL, JSON_CODEC, jsonCodec);
        p.addAfter(JSON_CODEC, DISPATCHER, dispatcher);
    }

    /**
     * Netty's handshaker names its frame decoder {@code wsdecoder}; version 13 (the only one the handshake
     * admits) gets the gateway's {@link ServerFrameDecoder}, which passes a one-frame message on without copying
     * it. The handshake has just been handled within this same read and the decoder sits in front of
     * {@code HttpServerCodec} (the handshake handler calls this only then), so it has seen no byte yet.
     */
    @Override
    public void upgraded(ChannelPipeline p) {
        ChannelHandlerContext netty = p.context(WS_DECODER);
        if (netty != null && netty.handler().getClass() == WebSocket13FrameDecoder.class) {
            p.replace(WS_DECODER, WS_DECODER, new ServerFrameDecoder(options.maxFrameSize(), Session.of(p.channel())));
        }
    }

    /** The name Netty's handshaker gives its frame decoder. */
    static final String WS_DECODER = "wsdecoder";

    @Override
    public String websocketPath() {
        return INTERNAL_PATH;
    }
}
