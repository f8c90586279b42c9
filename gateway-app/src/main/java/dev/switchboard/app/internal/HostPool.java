package dev.switchboard.app.internal;

import dev.switchboard.app.AppCallException;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.pool.AbstractChannelPoolHandler;
import io.netty.channel.pool.ChannelHealthChecker;
import io.netty.channel.pool.FixedChannelPool;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.Future;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The keep-alive connections to one {@code scheme://host:port}: Netty's {@link FixedChannelPool} (at most
 * {@code maxConnections}, most recently used first so idle extras age out), each connection carrying one
 * request at a time (HTTP/1.1 without pipelining, which most PHP stacks do not support anyway).
 */
public final class HostPool {

    private static final Logger log = LoggerFactory.getLogger(HostPool.class);

    /** Handler names of a pooled connection. */
    static final String SSL = "ssl";
    static final String CODEC = "httpCodec";
    static final String IDLE = "idle";
    static final String EXCHANGE = "exchange";

    private final String key;
    private final FixedChannelPool pool;

    /**
     * @param bootstrap a bootstrap with group, channel type, resolver and remote address set
     * @param ssl the TLS context for https, else {@code null}
     * @param host the host name for SNI and certificate checks
     */
    public HostPool(String key, Bootstrap bootstrap, SslContext ssl, String host, int port, int maxConnections,
                    int maxResponseSize, long idleMillis) {
        this.key = key;
        this.pool = new FixedChannelPool(bootstrap, new AbstractChannelPoolHandler() {
            @Override
            public void channelCreated(Channel ch) {
                ChannelPipeline p = ch.pipeline();
                if (ssl != null) {
                    p.addLast(SSL, ssl.newHandler(ch.alloc(), host, port));
                }
                p.addLast(CODEC, new HttpClientCodec());
                // Servers drop idle keep-alive connections (Apache after 5 s); closing ours first, while idle,
                // avoids most "sent on a connection the server just closed" races.
                p.addLast(IDLE, new IdleStateHandler(0, 0, idleMillis, TimeUnit.MILLISECONDS));
                p.addLast(EXCHANGE, new Exchange(HostPool.this, maxResponseSize));
                log.debug("[{}] new connection to {}", ch.id(), key);
            }
        }, ChannelHealthChecker.ACTIVE, null, -1, maxConnections, Integer.MAX_VALUE, true, true);
    }

    /** Finds a connection for {@code call} and starts it there; failures end the call. */
    public void acquire(Call call) {
        call.attempts++;
        pool.acquire().addListener((Future<Channel> f) -> {
            if (f.isSuccess()) {
                Channel ch = f.getNow();
                Exchange ex = ch.pipeline().get(Exchange.class);
                if (ex == null) {
                    // Closed and torn down between the health check and now: nothing was sent on it.
                    release(ch);
                    if (call.attempts < 2 && !call.isDone()) {
                        acquire(call);
                    } else {
                        call.fail(new AppCallException(AppCallException.Kind.UNAVAILABLE, "connection to " + key
                                + " closed before the request was sent"));
                    }
                    return;
                }
                // The pool completes acquisitions on its own executor; the exchange lives on the channel's loop.
                if (ch.eventLoop().inEventLoop()) {
                    ex.start(call, ch);
                } else {
                    ch.eventLoop().execute(() -> ex.start(call, ch));
                }
            } else {
                call.fail(classify(f.cause()));
            }
        });
    }

    /** Gives {@code ch} back; an inactive channel is dropped by the pool's release health check. */
    void release(Channel ch) {
        pool.release(ch);
    }

    /** Closes the idle connections and refuses new acquisitions; does not block. */
    public Future<Void> closeAsync() {
        return pool.closeAsync();
    }

    private AppCallException classify(Throwable cause) {
        if (cause instanceof IllegalStateException && String.valueOf(cause.getMessage()).contains("closed")) {
            return new AppCallException(AppCallException.Kind.UNAVAILABLE, "client closed", cause);
        }
        String what = cause instanceof ConnectException ? "cannot connect to " + key
                : cause instanceof UnknownHostException ? "unknown host in " + key
                : "cannot connect to " + key + ": " + cause;
        return new AppCallException(AppCallException.Kind.UNAVAILABLE, what, cause);
    }

    @Override
    public String toString() {
        return "HostPool{" + key + '}';
    }
}
