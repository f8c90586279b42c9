package dev.switchboard.app.internal;

import dev.switchboard.app.AppCallException;
import dev.switchboard.app.AppCallException.Kind;
import dev.switchboard.app.AppResponse;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last handler of a pooled connection: writes one {@link Call}'s request, gathers the response into a
 * heap array (bounded by {@code maxResponseSize}, each piece released at once), ends the call and gives the
 * connection back to the pool — or closes it when it cannot be reused. Per connection; every field is
 * touched only on the connection's event loop.
 *
 * <p>Every acquired connection is released to the pool exactly once, by {@link #release}.
 */
final class Exchange extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(Exchange.class);
    private static final byte[] EMPTY = new byte[0];

    private final HostPool pool;
    private final int maxResponseSize;
    private Channel channel;
    private Call call;
    private int uses;
    private boolean reused;
    private HttpResponse head;
    private byte[] body = EMPTY;
    private int length;
    private Throwable error;

    Exchange(HostPool pool, int maxResponseSize) {
        this.pool = pool;
        this.maxResponseSize = maxResponseSize;
    }

    /** Runs {@code c} on {@code ch}, which the pool just handed out. On the channel's event loop. */
    void start(Call c, Channel ch) {
        channel = ch;
        c.exchange = this;
        c.channel = ch; // publish before checking isDone(): see Call.timeout()
        if (c.isDone() || !ch.isActive()) {
            // Timed out while waiting for a connection, or the connection died in the pool: hand it back.
            pool.release(ch);
            if (!c.isDone()) {
                reused = true; // nothing was sent: another attempt is always safe
                retryOrFail(c, "pooled connection closed before the request was sent");
            }
            return;
        }
        call = c;
        reused = uses++ > 0;
        head = null;
        length = 0;
        body = EMPTY;
        error = null;
        ch.writeAndFlush(c.newRequest()).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                error = f.cause();
                f.channel().close(); // channelInactive ends or retries the call
            }
        });
    }

    /** Gives up on {@code c} after its timeout: the answer may still come, so the connection cannot be reused. */
    void abandon(Call c) {
        if (call == c) {
            call = null;
            channel.close();
            pool.release(channel);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            Call c = call;
            if (c == null) {
                return; // bytes nobody asked for (after a timeout): the connection is closing anyway
            }
            if (msg instanceof HttpResponse res) {
                if (res.decoderResult().isFailure()) {
                    end(c, null, new AppCallException(Kind.BAD_RESPONSE, "malformed HTTP response",
                            res.decoderResult().cause()));
                    return;
                }
                if (res.status().code() / 100 == 1) {
                    return; // 1xx interim answer (RFC 9110 §15.2): the real one follows
                }
                head = res;
                long declared = HttpUtil.getContentLength(res, -1L);
                if (declared > maxResponseSize) {
                    end(c, null, tooLarge(declared));
                    return;
                }
                if (declared > 0) {
                    body = new byte[(int) declared];
                }
            }
            if (msg instanceof HttpContent content && head != null) {
                ByteBuf buf = content.content();
                int n = buf.readableBytes();
                if (length + n > maxResponseSize) {
                    end(c, null, tooLarge(length + (long) n));
                    return;
                }
                if (length + n > body.length) {
                    body = Arrays.copyOf(body, Math.min(maxResponseSize, Math.max(length + n, body.length * 2 + 256)));
                }
                buf.readBytes(body, length, n);
                length += n;
                if (content instanceof LastHttpContent) {
                    byte[] bytes = length == body.length ? body : Arrays.copyOf(body, length);
                    AppResponse response = new AppResponse(head.status().code(),
                            head.headers().get(HttpHeaderNames.CONTENT_TYPE), bytes);
                    end(c, response, null);
                }
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private AppCallException tooLarge(long size) {
        return new AppCallException(Kind.BAD_RESPONSE, "response larger than " + maxResponseSize + " bytes (" + size
                + "+)");
    }

    /** Ends the current call with a response or a failure and frees the connection. */
    private void end(Call c, AppResponse response, AppCallException failure) {
        boolean keepAlive = response != null && HttpUtil.isKeepAlive(head) && channel.isActive();
        call = null;
        head = null;
        body = EMPTY;
        if (!keepAlive) {
            channel.close();
        }
        pool.release(channel);
        if (response != null) {
            c.complete(response);
        } else {
            c.fail(failure);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        Call c = call;
        if (c != null) {
            call = null;
            pool.release(ctx.channel());
            if (head == null) {
                retryOrFail(c, "connection closed before the response");
            } else {
                c.fail(new AppCallException(Kind.UNAVAILABLE, "connection closed in the middle of the response", error));
            }
        }
        ctx.fireChannelInactive();
    }

    /**
     * A connection from the pool may have been closed by the server just as we sent on it (keep-alive race,
     * RFC 9112 §9.3.1). When nothing came back on a reused connection, the server cannot have answered, so
     * one more attempt on a fresh connection is safe enough; anything else fails the call.
     */
    private void retryOrFail(Call c, String what) {
        if (c.isDone()) {
            return;
        }
        if (reused && c.attempts < 2) {
            log.debug("[{}] {}; retrying on another connection", channel.id(), what);
            c.channel = null;
            c.exchange = null;
            pool.acquire(c);
            return;
        }
        c.fail(new AppCallException(Kind.UNAVAILABLE, what, error));
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent && call == null) {
            log.debug("[{}] closing idle connection", ctx.channel().id());
            ctx.close(); // an idle pooled connection: the pool's health check drops it on the next acquire
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("[{}] connection error: {}", ctx.channel().id(), cause.toString());
        error = cause;
        ctx.close(); // channelInactive ends the call, if any
    }
}
