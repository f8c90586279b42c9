package dev.switchboard.app;

import java.util.Objects;

/**
 * Why a request to the application got no HTTP answer. Stages returned by {@link AppClient} complete
 * exceptionally with this; an HTTP answer of any status (even 500) is an {@link AppResponse}, not this.
 */
public final class AppCallException extends Exception {

    /** The kinds of failure, each mapped to its own client-facing error by the callers. */
    public enum Kind {
        /** Too many requests in flight already: refused at once, nothing was sent. */
        BUSY,
        /** The application could not be reached: refused, reset, DNS failure, connect timeout, closed early. */
        UNAVAILABLE,
        /** No complete answer within the response timeout. */
        TIMEOUT,
        /** The answer was larger than {@code maxResponseSize}, or not valid HTTP. */
        BAD_RESPONSE
    }

    private final Kind kind;

    public AppCallException(Kind kind, String message) {
        this(kind, message, null);
    }

    public AppCallException(Kind kind, String message, Throwable cause) {
        // No stack trace: these are expected outcomes reported per request, and the cause keeps the detail.
        super(message, cause, false, false);
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    public Kind kind() {
        return kind;
    }

    @Override
    public String toString() {
        return "AppCallException{" + kind + ": " + getMessage() + '}';
    }
}
