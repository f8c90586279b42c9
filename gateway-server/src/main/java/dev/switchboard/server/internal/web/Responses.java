package dev.switchboard.server.internal.web;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/** Builds and sends the small, complete HTTP responses of the public and admin routes. */
public final class Responses {

    public static final String TEXT = "text/plain; charset=utf-8";
    public static final String JSON = "application/json";

    private Responses() {
    }

    /** Returns a response holding {@code body} (copied) as UTF-8 text of type {@code contentType}. */
    public static FullHttpResponse of(HttpResponseStatus status, String contentType, String body) {
        return of(status, contentType, Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
    }

    /** Returns a response that takes ownership of {@code body}. */
    public static FullHttpResponse of(HttpResponseStatus status, String contentType, ByteBuf body) {
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        HttpUtil.setContentLength(res, body.readableBytes());
        return res;
    }

    /** Returns a plain-text response of {@code reason} and a newline. */
    public static FullHttpResponse text(HttpResponseStatus status, String reason) {
        return of(status, TEXT, reason + "\n");
    }

    /** Returns a 405 response naming the {@code allowed} methods (RFC 9110 §15.5.6 requires {@code Allow}). */
    public static FullHttpResponse methodNotAllowed(String allowed) {
        FullHttpResponse res = text(HttpResponseStatus.METHOD_NOT_ALLOWED, "method not allowed");
        res.headers().set(HttpHeaderNames.ALLOW, allowed);
        return res;
    }

    /**
     * Writes {@code res} as the answer to {@code req} (whose buffers the caller still owns), honouring
     * keep-alive; answers to {@code HEAD} keep their headers and lose their body.
     */
    public static void send(ChannelHandlerContext ctx, HttpRequest req, FullHttpResponse res) {
        if (HttpMethod.HEAD.equals(req.method())) {
            res.content().clear(); // Content-Length stays: it tells what GET would send (RFC 9110 §9.3.2)
        }
        boolean keepAlive = HttpUtil.isKeepAlive(req) && req.decoderResult().isSuccess();
        HttpUtil.setKeepAlive(res, keepAlive);
        var written = ctx.writeAndFlush(res);
        if (!keepAlive) {
            written.addListener(ChannelFutureListener.CLOSE);
        }
    }
}
