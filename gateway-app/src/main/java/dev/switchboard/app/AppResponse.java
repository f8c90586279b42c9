package dev.switchboard.app;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The application's answer to one request: status, {@code Content-Type} and the whole body (at most the
 * client's {@code maxResponseSize}). The body array is owned by the response; do not change it.
 *
 * @param status the HTTP status
 * @param contentType the {@code Content-Type} header, or {@code null}
 * @param body the body bytes, empty when there was none
 */
public record AppResponse(int status, String contentType, byte[] body) {

    public AppResponse {
        Objects.requireNonNull(body, "body");
    }

    /** Tells whether the status is 2xx. */
    public boolean isSuccess() {
        return status >= 200 && status < 300;
    }

    /** Returns the body decoded as UTF-8. */
    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "AppResponse{" + status + ", " + contentType + ", " + body.length + " bytes}";
    }
}
