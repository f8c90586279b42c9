package dev.switchboard.core.spi;

import java.util.Map;
import java.util.Objects;

/**
 * An {@link Authenticator}'s decision: admit (with a user id or anonymously) or refuse with an HTTP status.
 */
public final class AuthResult {

    private static final AuthResult ANONYMOUS = new AuthResult(true, null, Map.of(), 0, null);

    private final boolean allowed;
    private final String userId;
    private final Map<String, Object> claims;
    private final int status;
    private final String reason;

    private AuthResult(boolean allowed, String userId, Map<String, Object> claims, int status, String reason) {
        this.allowed = allowed;
        this.userId = userId;
        this.claims = claims;
        this.status = status;
        this.reason = reason;
    }

    /** Admits the client as {@code userId}. */
    public static AuthResult allow(String userId) {
        return allow(userId, Map.of());
    }

    /** Admits the client as {@code userId}, keeping {@code claims} on its session. */
    public static AuthResult allow(String userId, Map<String, Object> claims) {
        Objects.requireNonNull(userId, "userId");
        return new AuthResult(true, userId, Map.copyOf(claims), 0, null);
    }

    /** Admits the client without a user id: it is counted by fingerprint, else by connection. */
    public static AuthResult anonymous() {
        return ANONYMOUS;
    }

    /**
     * Refuses the client. {@code status} is the HTTP answer to the upgrade request: 401 (no, bad, expired
     * or mismatching token), 403 (not allowed), 503 (the decision could not be made). {@code reason} goes to
     * the client and the log, so it must not hold the token.
     */
    public static AuthResult deny(int status, String reason) {
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException("status: " + status + " (expected: 400..599)");
        }
        return new AuthResult(false, null, Map.of(), status, Objects.requireNonNull(reason, "reason"));
    }

    public boolean allowed() { return allowed; }
    /** Returns the user id, or {@code null} when anonymous or refused. */
    public String userId() { return userId; }
    public Map<String, Object> claims() { return claims; }
    /** Returns the HTTP status of a refusal, 0 when allowed. */
    public int status() { return status; }
    /** Returns why the client was refused, {@code null} when allowed. */
    public String reason() { return reason; }

    @Override
    public String toString() {
        return allowed ? "AuthResult{allow " + (userId == null ? "anonymous" : userId) + '}'
                : "AuthResult{deny " + status + ' ' + reason + '}';
    }
}
