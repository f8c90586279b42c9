package dev.switchboard.core.auth;

import dev.switchboard.core.spi.AuthRequest;
import dev.switchboard.core.spi.AuthResult;
import dev.switchboard.core.spi.Authenticator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Admits everyone without a user id. The {@code user_id} query parameter is ignored: nothing proves it, and
 * trusting it blindly was the old PHP server's flaw. Clients are counted online by fingerprint, else by
 * connection.
 */
public final class AnonymousAuthenticator implements Authenticator {

    private static final CompletableFuture<AuthResult> ANONYMOUS = CompletableFuture.completedFuture(AuthResult.anonymous());

    @Override
    public CompletionStage<AuthResult> authenticate(AuthRequest request) {
        return ANONYMOUS;
    }
}
