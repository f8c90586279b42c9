package dev.switchboard.redis;

import dev.switchboard.core.spi.AuthRequest;
import dev.switchboard.core.spi.AuthResult;
import dev.switchboard.core.spi.Authenticator;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Admits clients whose {@code token} the application stored in Redis: {@code SET switchboard:token:<token>
 * <user id> EX <seconds>}. Looked up with one asynchronous {@code GET} while the handshake waits.
 *
 * <ul>
 *   <li>no token, or no such key (never set, or its TTL passed) → 401;
 *   <li>a {@code user_id} query parameter that differs from the stored id → 401;
 *   <li>Redis unreachable (down, or not connected yet) → 503, so clients retry rather than give up.
 * </ul>
 *
 * Uses the broker's Redisson client and key prefix: one connection pool per instance. Tokens are never
 * logged, nor put in a reason.
 */
public final class RedisTokenAuthenticator implements Authenticator {

    private static final Logger log = LoggerFactory.getLogger(RedisTokenAuthenticator.class);
    /** Longer tokens are refused without asking Redis: keys stay small and a client cannot make us build huge ones. */
    static final int MAX_TOKEN_LENGTH = 512;

    private final RedissonBroker broker;
    private final String prefix;

    /** Creates an authenticator reading {@code <keyPrefix>token:<token>} through {@code broker}'s connection. */
    public RedisTokenAuthenticator(RedissonBroker broker) {
        this.broker = Objects.requireNonNull(broker, "broker");
        this.prefix = broker.options().keyPrefix() + "token:";
    }

    @Override
    public CompletionStage<AuthResult> authenticate(AuthRequest request) {
        String token = request.token();
        if (token == null || token.isEmpty()) {
            return done(AuthResult.deny(401, "token required"));
        }
        if (token.length() > MAX_TOKEN_LENGTH) {
            return done(AuthResult.deny(401, "token too long"));
        }
        RedissonClient client = broker.client();
        if (client == null || !broker.healthy()) {
            // Fail at once rather than wait for a timeout: the answer would be the same.
            return done(AuthResult.deny(503, "authentication unavailable"));
        }
        CompletionStage<String> userId = client.<String>getBucket(prefix + token, StringCodec.INSTANCE).getAsync();
        return userId.handle((user, error) -> {
            if (error != null) {
                log.debug("Token lookup failed: {}", error.toString());
                return AuthResult.deny(503, "authentication unavailable");
            }
            if (user == null || user.isEmpty()) {
                return AuthResult.deny(401, "unknown or expired token");
            }
            if (request.claimedUserId() != null && !request.claimedUserId().equals(user)) {
                return AuthResult.deny(401, "user_id does not match the token");
            }
            return AuthResult.allow(user);
        });
    }

    private static CompletionStage<AuthResult> done(AuthResult r) {
        return CompletableFuture.completedFuture(r);
    }
}
