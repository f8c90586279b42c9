package dev.switchboard.core.spi;

/**
 * Thrown (or used to complete a stage exceptionally) by a {@link MessageHandler} to answer the client with
 * an {@code error} frame of this code and reason. Any other exception is answered with code
 * {@code internal} and a generic reason, and logged.
 */
public class HandlerException extends RuntimeException {

    private final String code;

    /** Creates an error with a machine-readable {@code code} and a human-readable {@code reason}. */
    public HandlerException(String code, String reason) {
        super(reason, null, false, false);
        this.code = code;
    }

    public String code() {
        return code;
    }

    public String reason() {
        return getMessage();
    }
}
