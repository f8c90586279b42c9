package dev.switchboard.core.spi;

/**
 * Answers a client request: either a custom {@code handler} name, or one {@code module} of the built-in
 * {@code controller} handler.
 *
 * <p>Threads: called on the connection's event loop; must not block. Return a
 * {@link java.util.concurrent.CompletionStage} for slow work. The result (or the stage's value) becomes the
 * {@code message} of the {@code reply}: any value Jackson can write, a {@code JsonNode}, or {@code null}.
 * Throw {@link HandlerException} to answer with a chosen error code.
 */
@FunctionalInterface
public interface MessageHandler {

    /** Handles {@code request}; returns the reply value or a {@code CompletionStage} of it. */
    Object handle(Request request) throws Exception;
}
