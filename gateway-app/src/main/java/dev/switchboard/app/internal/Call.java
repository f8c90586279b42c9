package dev.switchboard.app.internal;

import dev.switchboard.app.AppCallException;
import dev.switchboard.app.AppResponse;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * One request to the application, from {@code post()} to its single outcome. The outcome is decided once
 * ({@link #complete} or {@link #fail}, whichever comes first, from any thread); the channel side is cleaned
 * up on the channel's event loop by {@link Exchange}.
 */
public final class Call {

    private final String target;
    private final byte[] body;
    private final HttpHeaders headers;
    private final CompletableFuture<AppResponse> future = new CompletableFuture<>();
    private final AtomicBoolean done = new AtomicBoolean();
    private final Consumer<Call> onDone;
    private final long startedNanos = System.nanoTime();

    // Written on an event loop, read by the deadline timer: volatile so a timeout finds the channel to abandon.
    volatile Channel channel;
    volatile Exchange exchange;
    private volatile ScheduledFuture<?> deadline;
    /** How many connections this call has been tried on; only the acquiring loop touches it. */
    int attempts;
    private volatile Throwable failure;

    /**
     * @param target the request target (path and query)
     * @param body the JSON body; wrapped, never copied, so the caller must not change it
     * @param headers every header, the signature included
     * @param onDone runs once, on the thread that decided the outcome (releases the in-flight permit)
     */
    public Call(String target, byte[] body, HttpHeaders headers, Consumer<Call> onDone) {
        this.target = target;
        this.body = body;
        this.headers = headers;
        this.onDone = onDone;
    }

    public CompletableFuture<AppResponse> future() {
        return future;
    }

    public long startedNanos() {
        return startedNanos;
    }

    /** Returns the failure the call ended with, or {@code null}. */
    public Throwable failure() {
        return failure;
    }

    public boolean isDone() {
        return done.get();
    }

    /** Arms the timeout on {@code timer}; call before the request starts. */
    public void deadlineOn(io.netty.util.concurrent.EventExecutor timer, long millis) {
        deadline = timer.schedule(() -> timeout(millis), millis, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /** Builds a fresh request for one attempt: the encoder releases what it writes. */
    FullHttpRequest newRequest() {
        FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, target,
                Unpooled.wrappedBuffer(body));
        req.headers().set(headers);
        return req;
    }

    /** Ends the call with {@code response}; returns false when it had ended already. */
    boolean complete(AppResponse response) {
        if (!done.compareAndSet(false, true)) {
            return false;
        }
        finish();
        future.complete(response);
        return true;
    }

    /** Ends the call with {@code error}; returns false when it had ended already. */
    public boolean fail(AppCallException error) {
        if (!done.compareAndSet(false, true)) {
            return false;
        }
        failure = error;
        finish();
        future.completeExceptionally(error);
        return true;
    }

    /** Fails the call with a timeout and frees the connection it occupies, if any. */
    void timeout(long millis) {
        if (!fail(new AppCallException(AppCallException.Kind.TIMEOUT, "no answer within " + millis + " ms"))) {
            return;
        }
        // Read after the CAS in fail(): Exchange.start publishes the channel before checking isDone(), so either
        // it sees the call done and gives the channel back, or we see the channel here and abandon it.
        Channel ch = channel;
        Exchange ex = exchange;
        if (ch != null && ex != null) {
            ch.eventLoop().execute(() -> ex.abandon(this));
        }
    }

    private void finish() {
        ScheduledFuture<?> d = deadline;
        if (d != null) {
            d.cancel(false);
        }
        onDone.accept(this);
    }
}
