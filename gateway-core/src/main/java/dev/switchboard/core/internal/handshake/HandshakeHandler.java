package dev.switchboard.core.internal.handshake;

import dev.switchboard.core.GatewayPipeline;
import dev.switchboard.core.internal.GatewayMetrics;
import dev.switchboard.core.internal.session.Session;
import dev.switchboard.core.spi.AuthRequest;
import dev.switchboard.core.spi.AuthResult;
import dev.switchboard.core.spi.Authenticator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.CharsetUtil;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers the upgrade request before any WebSocket byte flows (STYLE 3, 13): path, method and upgrade
 * headers (400), Origin allowlist (403), connection limits (429 per address, 503 in total or while shutting
 * down), then the {@link Authenticator} with reads paused (401/403/503). Once admitted, the session is
 * attached, the WebSocket handlers are installed behind this one, the request goes on to Netty's handshaker
 * with the query stripped (so the token travels no further) and this handler leaves the pipeline.
 *
 * <p>Requests for other paths go on untouched to the handlers behind (the public HTTP routes standalone, the
 * host's when embedded). Per connection: it holds the handshake's state.
 */
public final class HandshakeHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(HandshakeHandler.class);

    private final HandshakeContext hs;
    private final boolean standalone;
    private ScheduledFuture<?> timeout;
    private boolean upgrading;

    public HandshakeHandler(HandshakeContext hs, boolean standalone) {
        this.hs = hs;
        this.standalone = standalone;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (standalone) {
            // A standalone port exists for WebSockets: a peer that never completes the upgrade is cut off.
            armTimeout(ctx);
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (timeout != null) {
            timeout.cancel(false);
        }
    }

    private void armTimeout(ChannelHandlerContext ctx) {
        if (timeout == null) {
            timeout = ctx.executor().schedule(() -> onTimeout(ctx), hs.options().handshakeTimeout().toMillis(),
                    TimeUnit.MILLISECONDS);
        }
    }

    private void onTimeout(ChannelHandlerContext ctx) {
        if (ctx.isRemoved()) {
            return;
        }
        hs.metrics().rejected("timeout");
        log.debug("[{}] upgrade not completed within {}", ctx.channel().id(), hs.options().handshakeTimeout());
        if (upgrading) {
            respond(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, "authentication timed out");
        } else {
            ctx.close();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (upgrading) {
            // The rest of the upgrade request (an empty last content): GET carries no body.
            ReferenceCountUtil.release(msg);
            return;
        }
        if (!(msg instanceof HttpRequest req)) {
            ctx.fireChannelRead(msg);
            return;
        }
        QueryStringDecoder query = new QueryStringDecoder(req.uri());
        String path = query.path();
        if (!hs.options().paths().contains(path)) {
            ctx.fireChannelRead(msg);
            return;
        }
        boolean isUpgrade = "websocket".equalsIgnoreCase(req.headers().get(HttpHeaderNames.UPGRADE));
        if (path.equals("/") && !isUpgrade) {
            // "/" is a WebSocket path only for upgrades; plain requests to it belong to the HTTP routes.
            ctx.fireChannelRead(msg);
            return;
        }
        upgrading = true;
        if (msg instanceof HttpContent) {
            ReferenceCountUtil.release(msg);
        }
        armTimeout(ctx);
        if (!isUpgrade || !HttpMethod.GET.equals(req.method())) {
            reject(ctx, "path", HttpResponseStatus.BAD_REQUEST, "expected a WebSocket upgrade (GET with Upgrade: websocket)");
            return;
        }
        if (!"13".equals(req.headers().get(HttpHeaderNames.SEC_WEBSOCKET_VERSION))) {
            // RFC 6455 §4.2.2: the one version spoken here, named in the answer. Netty's handshaker would also
            // accept drafts 7, 8 and hixie-76 (whose frames are not masked); every browser sends 13.
            hs.metrics().rejected("version");
            FullHttpResponse res = response(HttpResponseStatus.UPGRADE_REQUIRED, "WebSocket version 13 required");
            res.headers().set(HttpHeaderNames.SEC_WEBSOCKET_VERSION, "13")
                    .set(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET); // RFC 7231 §6.5.15: 426 names it
            ctx.channel().config().setAutoRead(true);
            ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        if (hs.closing()) {
            reject(ctx, "shutdown", HttpResponseStatus.SERVICE_UNAVAILABLE, "shutting down");
            return;
        }
        String origin = req.headers().get(HttpHeaderNames.ORIGIN);
        if (!hs.origins().allows(origin)) {
            log.warn("[{}] origin refused: {}", ctx.channel().id(), origin);
            reject(ctx, "origin", HttpResponseStatus.FORBIDDEN, "origin not allowed");
            return;
        }
        String ip = clientIp(ctx.channel().remoteAddress(), req.headers().get("X-Forwarded-For"));
        ConnectionLimiter.Verdict verdict = hs.limiter().acquire(ip);
        if (verdict != ConnectionLimiter.Verdict.GRANTED) {
            log.warn("[{}] connection limit reached ({}) for {}", ctx.channel().id(), verdict, ip);
            reject(ctx, "limit", verdict == ConnectionLimiter.Verdict.PER_IP
                    ? HttpResponseStatus.TOO_MANY_REQUESTS : HttpResponseStatus.SERVICE_UNAVAILABLE, "too many connections");
            return;
        }
        ctx.channel().closeFuture().addListener(f -> hs.limiter().release(ip));

        Map<String, List<String>> params = query.parameters();
        String token = first(params, "token");
        if (token == null) {
            token = first(params, "trongateToken");
        }
        AuthRequest authRequest = new AuthRequest(token, first(params, "user_id"), first(params, "fingerprint"), ip,
                origin, path, new HeaderView(req.headers()));

        ctx.channel().config().setAutoRead(false);
        CompletionStage<AuthResult> stage;
        try {
            stage = hs.authenticator().authenticate(authRequest);
        } catch (RuntimeException e) {
            log.warn("[{}] authenticator failed: {}", ctx.channel().id(), e.toString());
            reject(ctx, "error", HttpResponseStatus.SERVICE_UNAVAILABLE, "authentication unavailable");
            return;
        }
        stage.whenComplete((result, error) -> {
            if (ctx.executor().inEventLoop()) {
                decided(ctx, req, authRequest, result, error);
            } else {
                ctx.executor().execute(() -> decided(ctx, req, authRequest, result, error));
            }
        });
    }

    private void decided(ChannelHandlerContext ctx, HttpRequest req, AuthRequest authRequest, AuthResult result,
                         Throwable error) {
        Channel ch = ctx.channel();
        if (ctx.isRemoved() || !ch.isActive()) {
            return; // timed out or the client left meanwhile
        }
        if (error != null || result == null) {
            log.warn("[{}] authenticator failed: {}", ch.id(), error == null ? "no result" : error.toString());
            reject(ctx, "error", HttpResponseStatus.SERVICE_UNAVAILABLE, "authentication unavailable");
            return;
        }
        if (!result.allowed()) {
            log.info("[{}] handshake refused {} from {}: {}", ch.id(), result.status(), authRequest.remoteAddress(),
                    result.reason());
            reject(ctx, "auth", HttpResponseStatus.valueOf(result.status()), result.reason());
            return;
        }
        if (hs.closing()) {
            reject(ctx, "shutdown", HttpResponseStatus.SERVICE_UNAVAILABLE, "shutting down");
            return;
        }
        Session session = new Session(ch, hs.options().instanceId() + "-" + ch.id().asShortText(), result.userId(),
                authRequest.fingerprint(), authRequest.remoteAddress(), result.claims(), hs.options().rateLimitBurst());
        ch.attr(Session.KEY).set(session);
        hs.upgrader().installWebSocket(ctx.pipeline(), ctx.name());

        // Netty's handshaker wants the exact configured path: give it that, without the query (token).
        DefaultFullHttpRequest clean = new DefaultFullHttpRequest(req.protocolVersion(), req.method(),
                hs.upgrader().websocketPath(), Unpooled.EMPTY_BUFFER, req.headers(), io.netty.handler.codec.http.EmptyHttpHeaders.INSTANCE);
        if (ctx.pipeline().get(GatewayPipeline.PUBLIC_HTTP) != null) {
            ctx.pipeline().remove(GatewayPipeline.PUBLIC_HTTP);
        }
        // With HttpServerCodec (standalone, and most hosts) Netty's handshaker puts its frame decoder in front of
        // the codec: nothing reaches it before the swap below. A host with a separate HttpRequestDecoder has it
        // replaced by the frame decoder, which then gets what the request decoder held: that one stays Netty's.
        boolean swappable = ctx.pipeline().get(HttpServerCodec.class) != null;
        ctx.pipeline().remove(this);
        ctx.fireChannelRead(clean);
        if (swappable) {
            hs.upgrader().upgraded(ch.pipeline());
        }
        ch.config().setAutoRead(true);
    }

    private void reject(ChannelHandlerContext ctx, String metric, HttpResponseStatus status, String reason) {
        hs.metrics().rejected(metric);
        respond(ctx, status, reason);
    }

    private static void respond(ChannelHandlerContext ctx, HttpResponseStatus status, String reason) {
        FullHttpResponse res = response(status, reason);
        ctx.channel().config().setAutoRead(true);
        ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
    }

    private static FullHttpResponse response(HttpResponseStatus status, String reason) {
        FullHttpResponse res = new DefaultFullHttpResponse(io.netty.handler.codec.http.HttpVersion.HTTP_1_1, status,
                Unpooled.copiedBuffer(reason + "\n", CharsetUtil.UTF_8));
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        HttpUtil.setContentLength(res, res.content().readableBytes());
        return res;
    }

    private String clientIp(SocketAddress peer, String forwardedFor) {
        String peerIp = peer instanceof InetSocketAddress isa ? isa.getAddress() != null
                ? isa.getAddress().getHostAddress() : isa.getHostString() : String.valueOf(peer);
        if (forwardedFor == null || hs.trustedProxies().isEmpty() || !hs.trustedProxies().matches(peerIp)) {
            return peerIp;
        }
        // Walk right to left: the last address a trusted proxy did not add is the client (RFC 7239 §5.2 spirit).
        String[] hops = forwardedFor.split(",");
        for (int i = hops.length - 1; i >= 0; i--) {
            String hop = hops[i].trim();
            if (!hop.isEmpty() && !hs.trustedProxies().matches(hop)) {
                return hop;
            }
        }
        return peerIp;
    }

    private static String first(Map<String, List<String>> params, String name) {
        List<String> v = params.get(name);
        return v == null || v.isEmpty() || v.get(0).isEmpty() ? null : v.get(0);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("[{}] error before upgrade: {}", ctx.channel().id(), cause.toString());
        ctx.close();
    }
}
