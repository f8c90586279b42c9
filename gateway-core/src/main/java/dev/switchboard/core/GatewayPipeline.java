package dev.switchboard.core;

/**
 * Names of every handler the gateway puts in a channel pipeline, in pipeline order. Only the gateway's
 * initializer adds handlers; later changes use these names with {@code addAfter}, {@code replace} and
 * {@code remove}.
 *
 * <pre>
 *  standalone, before the upgrade:   [ssl] → httpCodec → handshake → publicHttp
 *  after the upgrade:                [ssl] → flushConsolidation → wsencoder/wsdecoder → wsProtocol
 *                                          → jsonCodec → dispatcher
 *  embedded:                         host's codec → handshake → host's handlers (other paths)
 * </pre>
 *
 * The {@code handshake} handler answers the upgrade request itself (path, Origin, limits, asynchronous
 * authentication while reads are paused), then adds the WebSocket handlers behind it and leaves. HTTP-only
 * handlers ({@code publicHttp}) leave with it.
 *
 * <p>There is no idle handler: {@code wsProtocol} notes each frame in the session and each event loop sweeps
 * its sessions once per ping interval (no timer per connection, no clock read per message).
 */
public final class GatewayPipeline {

    /** Optional TLS, added by the host or the server. */
    public static final String SSL = "ssl";
    /**
     * {@code HttpServerCodec}; replaced at the upgrade by {@code wsencoder} (Netty's) and {@code wsdecoder} (the
     * gateway's {@code ServerFrameDecoder}, put in place of Netty's once its handshaker has added that).
     */
    public static final String HTTP_CODEC = "httpCodec";
    /** Checks path, Origin and limits, authenticates, then installs the WebSocket handlers. */
    public static final String HANDSHAKE = "handshake";
    /** Non-WebSocket requests on the public port (health, client script); standalone only. */
    public static final String PUBLIC_HTTP = "publicHttp";
    /**
     * Netty's {@code FlushConsolidationHandler}, added at the upgrade just below the HTTP codec (so below it are
     * only TLS and whatever an embedding host put in front of its codec): it turns a burst of replies to one
     * client into one {@code write(2)}. Fan-out frames, replies and errors, which are complete frames, are
     * written from this handler's context (replies flushed through it, so they are still consolidated): the
     * WebSocket and gateway handlers above it, and a host's outbound handler put there, never see them; every
     * handler below it does.
     */
    public static final String FLUSH_CONSOLIDATION = "flushConsolidation";
    /**
     * Netty's {@code WebSocketServerProtocolHandler}: upgrade response, close and ping frames, frame size; it
     * also notes every frame as a sign of life for the keepalive and joins fragmented messages (bounded by the
     * frame size limit).
     */
    public static final String WS_PROTOCOL = "wsProtocol";
    /**
     * Text frames to parsed requests, within the connection's rate limit (a token bucket per connection: every
     * text message takes a token); binary frames, bad JSON, bad UTF-8 and messages over the limit are answered
     * here. It passes each request on as a {@code dev.switchboard.core.spi.Request} (body and session); {@code
     * dispatcher} also takes a bare Jackson {@code ObjectNode} body from a handler put in front of it (not rate
     * limited: the host's own).
     */
    public static final String JSON_CODEC = "jsonCodec";
    /** Routes requests to handlers; registers the session; writes replies. */
    public static final String DISPATCHER = "dispatcher";

    private GatewayPipeline() {
    }
}
