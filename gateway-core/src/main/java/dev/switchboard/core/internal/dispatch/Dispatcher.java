package dev.switchboard.core.internal.dispatch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.codahale.metrics.Timer;
import dev.switchboard.core.GatewayPipeline;
import dev.switchboard.core.Presence;
import dev.switchboard.core.internal.DispatchTimer;
import dev.switchboard.core.internal.GatewayMetrics;
import dev.switchboard.core.internal.codec.Replies;
import dev.switchboard.core.internal.session.Session;
import dev.switchboard.core.internal.session.SessionRegistry;
import dev.switchboard.core.spi.HandlerException;
import dev.switchboard.core.spi.MessageHandler;
import dev.switchboard.core.spi.Request;
import dev.switchboard.core.spi.SessionListener;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler.HandshakeComplete;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last handler: registers the session when the upgrade completes (and sends it {@code state}), routes
 * each request to its {@link MessageHandler} by {@code handler} name, and answers with {@code reply} or
 * {@code error}, carrying the request's {@code id}. A handler that throws, fails or times out produces an
 * {@code error}; the connection lives on. Shared.
 */
@Sharable
public final class Dispatcher extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

    /** By handler name: the handler and its timer, looked up together, once per request. */
    private final Map<String, Route> routes;
    private final SessionRegistry registry;
    private final GatewayMetrics metrics;
    private final Supplier<Presence> presenceForNewcomer;
    private final long timeoutMillis;
    private final SessionListener listener;

    public Dispatcher(Map<String, MessageHandler> handlers, SessionRegistry registry, GatewayMetrics metrics,
                      Supplier<Presence> presenceForNewcomer, long timeoutMillis, SessionListener listener) {
        this.listener = listener;
        Map<String, Route> r = new java.util.HashMap<>();
        handlers.forEach((name, h) -> r.put(name, new Route(h)));
        this.routes = Map.copyOf(r);
        this.registry = registry;
        this.metrics = metrics;
        this.presenceForNewcomer = presenceForNewcomer;
        this.timeoutMillis = timeoutMillis;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof HandshakeComplete) {
            Session s = Session.of(ctx.channel());
            s.attachWire(ctx.pipeline().context(GatewayPipeline.FLUSH_CONSOLIDATION));
            registry.add(s);
            metrics.handshakesAccepted.mark();
            log.debug("[{}] connected {} as {}", ctx.channel().id(), s.connectionId(), s.identity());
            ctx.writeAndFlush(Replies.stateFrame(ctx.alloc(), presenceForNewcomer.get()), ctx.voidPromise());
            metrics.messagesOut.inc();
            listener.onConnect(s);
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        Session s = Session.of(ctx.channel());
        if (s != null && registry.remove(s)) {
            log.debug("[{}] disconnected {}", ctx.channel().id(), s.connectionId());
            listener.onDisconnect(s);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        Session s = Session.of(ctx.channel());
        if (s != null && ctx.channel().isWritable()) {
            s.writable();
        }
        ctx.fireChannelWritabilityChanged();
    }

    /**
     * Returns the request {@code msg} carries: a {@link Request} from {@code jsonCodec}, or a bare Jackson body
     * (a test, or a handler a host put in front) wrapped with the channel's session; {@code null} for anything
     * else, or on a channel without a session. Its session is always a {@link Session}.
     */
    static Request requestOf(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Request r && r.session() instanceof Session) {
            return r;
        }
        Session s;
        if (msg instanceof ObjectNode body && (s = Session.of(ctx.channel())) != null) {
            return new Request(body, s);
        }
        return null;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Request request = requestOf(ctx, msg);
        if (request == null) {
            io.netty.util.ReferenceCountUtil.release(msg);
            return;
        }
        Session s = (Session) request.session();
        if (s.isClosing()) {
            return;
        }
        long start = s.arrivedAt(); // from the request's arrival: its socket read's clock reading
        String name = request.handler();
        Route route = routes.get(name);
        if (route == null) {
            fail(ctx.channel(), request.id(), "unknown_handler", "no handler named \"" + truncate(name) + '"');
            return;
        }
        Timer timer = route.timer(metrics, name);
        Object result;
        try {
            result = route.handler.handle(request);
        } catch (Exception | LinkageError e) {
            timer.update(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            failed(ctx.channel(), request, e);
            return;
        }
        if (result instanceof CompletionStage<?> stage) {
            awaitReply(ctx.channel(), request, stage, timer, start);
        } else {
            // An answer in hand took well under a microsecond: time one in SAMPLE_ONE_IN, count them all.
            if (!(timer instanceof DispatchTimer sampled)) {
                timer.update(System.nanoTime() - start, TimeUnit.NANOSECONDS); // a host's own timer: every one
            } else if (ThreadLocalRandom.current().nextInt(DispatchTimer.SAMPLE_ONE_IN) == 0) {
                sampled.updateSampled(System.nanoTime() - start);
            } else {
                sampled.countUntimed();
            }
            if (result != NO_REPLY) {
                reply(ctx.channel(), request, result);
            }
        }
    }

    /** A handler and its dispatch timer (registered on its first request). */
    private static final class Route {
        final MessageHandler handler;
        /** Set on the first request, by whichever loop gets there first: the registry returns the same timer. */
        private volatile Timer timer;

        Route(MessageHandler handler) {
            this.handler = handler;
        }

        Timer timer(GatewayMetrics metrics, String name) {
            Timer t = timer;
            if (t == null) {
                timer = t = metrics.dispatch(name);
            }
            return t;
        }
    }

    /** Returned by a built-in handler that answers nothing (a request without {@code id} that needs no ack). */
    public static final Object NO_REPLY = new Object();

    private void awaitReply(Channel ch, Request request, CompletionStage<?> stage, Timer timer, long start) {
        boolean[] done = {false};
        ScheduledFuture<?> timeout = ch.eventLoop().schedule(() -> {
            if (!done[0]) {
                done[0] = true;
                timer.update(System.nanoTime() - start, TimeUnit.NANOSECONDS);
                fail(ch, request.id(), "timeout", "no answer within " + timeoutMillis + " ms");
            }
        }, timeoutMillis, TimeUnit.MILLISECONDS);
        stage.whenComplete((value, error) -> ch.eventLoop().execute(() -> {
            if (done[0]) {
                return;
            }
            done[0] = true;
            timeout.cancel(false);
            timer.update(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            if (!ch.isActive()) {
                return;
            }
            if (error != null) {
                failed(ch, request, error instanceof CompletionException && error.getCause() != null
                        ? error.getCause() : error);
            } else if (value != NO_REPLY) {
                reply(ch, request, value);
            }
        }));
    }

    private void reply(Channel ch, Request request, Object value) {
        try {
            if (Replies.reply((Session) request.session(), request.id(), value)) {
                metrics.messagesOut.inc();
            }
        } catch (IOException e) {
            log.warn("[{}] handler {} returned a value that is not JSON: {}", ch.id(), request.handler(), e.toString());
            fail(ch, request.id(), "internal", "the handler's answer could not be written");
        }
    }

    private void failed(Channel ch, Request request, Throwable error) {
        if (error instanceof HandlerException he) {
            fail(ch, request.id(), he.code(), he.reason());
            return;
        }
        log.warn("[{}] handler {} failed", ch.id(), request.handler(), error);
        fail(ch, request.id(), "internal", "the handler failed");
    }

    private void fail(Channel ch, JsonNode id, String code, String reason) {
        metrics.errors.inc();
        if (Replies.error(ch, id, code, reason)) {
            metrics.messagesOut.inc();
        }
    }

    private static String truncate(String s) {
        return s.length() <= 64 ? s : s.substring(0, 64) + "…";
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof ClosedChannelException || cause instanceof IOException
                || cause instanceof CorruptedWebSocketFrameException) {
            // The peer left, or broke the protocol and was already answered with a close code (1002/1009).
            log.debug("[{}] connection error: {}", ctx.channel().id(), cause.toString());
        } else {
            log.warn("[{}] unexpected error, closing", ctx.channel().id(), cause);
        }
        ctx.close();
    }
}
