package dev.switchboard.server.internal.web;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.function.BooleanSupplier;

/**
 * Plain HTTP on the public port, next to the WebSockets: {@code GET /health} for load balancers (503 while
 * draining, so they stop sending clients here) and {@code GET /client.js}, the browser client. Everything else
 * is 404. Stateless, so one instance serves every connection; request bodies are ignored (and released).
 */
@Sharable
public final class PublicRoutes extends SimpleChannelInboundHandler<HttpObject> {

    private static final String READ_ONLY = "GET, HEAD";
    private static final String JAVASCRIPT = "application/javascript; charset=utf-8";

    private final ClientScript script;
    private final BooleanSupplier draining;

    /**
     * @param script the client script, or {@code null} when the build had none (then {@code /client.js} is 404)
     * @param draining tells whether the server is shutting down
     */
    public PublicRoutes(ClientScript script, BooleanSupplier draining) {
        this.script = script;
        this.draining = draining;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
        if (!(msg instanceof HttpRequest req)) {
            return; // body parts of a request already answered
        }
        if (req.decoderResult().isFailure()) {
            Responses.send(ctx, req, Responses.text(HttpResponseStatus.BAD_REQUEST, "bad request"));
            return;
        }
        Responses.send(ctx, req, route(req));
    }

    private FullHttpResponse route(HttpRequest req) {
        String path = new QueryStringDecoder(req.uri()).path();
        boolean readOnly = HttpMethod.GET.equals(req.method()) || HttpMethod.HEAD.equals(req.method());
        return switch (path) {
            case "/health" -> readOnly ? health() : Responses.methodNotAllowed(READ_ONLY);
            case "/client.js" -> script == null ? notFound() : readOnly ? script(req) : Responses.methodNotAllowed(READ_ONLY);
            default -> notFound();
        };
    }

    private FullHttpResponse health() {
        FullHttpResponse res = draining.getAsBoolean()
                ? Responses.text(HttpResponseStatus.SERVICE_UNAVAILABLE, "draining")
                : Responses.text(HttpResponseStatus.OK, "ok");
        res.headers().set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        return res;
    }

    private FullHttpResponse script(HttpRequest req) {
        // A 304 has no body and no Content-Length of its own: it stands for the 200 (RFC 9110 §15.4.5).
        FullHttpResponse res = script.matches(req.headers().get(HttpHeaderNames.IF_NONE_MATCH))
                ? new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NOT_MODIFIED)
                : Responses.of(HttpResponseStatus.OK, JAVASCRIPT, Unpooled.wrappedBuffer(script.bytes()));
        // Pages load it as /client.js?v=<version>: a new version is a new URL, so an hour of caching is safe.
        res.headers().set(HttpHeaderNames.CACHE_CONTROL, "public, max-age=3600")
                .set(HttpHeaderNames.ETAG, script.etag());
        return res;
    }

    private static FullHttpResponse notFound() {
        return Responses.text(HttpResponseStatus.NOT_FOUND, "not found");
    }
}
