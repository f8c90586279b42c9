package dev.switchboard.core.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.BadJWTException;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import dev.switchboard.core.spi.AuthRequest;
import dev.switchboard.core.spi.AuthResult;
import dev.switchboard.core.spi.Authenticator;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Admits clients whose {@code token} is an HS256 JWT signed with the shared secret (nimbus-jose-jwt does
 * the cryptography). {@code sub} is the user id; {@code exp} and {@code nbf}, when present, are checked with
 * a small clock-skew allowance. A {@code user_id} query parameter that differs from {@code sub} is refused,
 * so old pages that pass both keep working and cannot lie. Other claims are kept on the session.
 */
public final class JwtAuthenticator implements Authenticator {

    /** The default clock-skew allowance for {@code exp} and {@code nbf}. */
    public static final Duration DEFAULT_CLOCK_SKEW = Duration.ofSeconds(30);

    private final MACVerifier verifier;
    private final DefaultJWTClaimsVerifier<com.nimbusds.jose.proc.SecurityContext> claimsVerifier;

    /** Creates an authenticator for {@code secret} (at least 32 bytes, UTF-8) with the default clock skew. */
    public JwtAuthenticator(String secret) {
        this(secret, DEFAULT_CLOCK_SKEW);
    }

    public JwtAuthenticator(String secret, Duration clockSkew) {
        byte[] key = secret == null ? new byte[0] : secret.getBytes(StandardCharsets.UTF_8);
        if (key.length < 32) {
            throw new IllegalArgumentException("jwt secret: " + key.length + " bytes (expected: >= 32 bytes for HS256)");
        }
        try {
            verifier = new MACVerifier(key);
        } catch (JOSEException e) {
            throw new IllegalArgumentException("jwt secret: " + e.getMessage(), e);
        }
        claimsVerifier = new DefaultJWTClaimsVerifier<>(null, Set.of("sub"));
        claimsVerifier.setMaxClockSkew((int) clockSkew.toSeconds());
    }

    @Override
    public CompletionStage<AuthResult> authenticate(AuthRequest request) {
        return CompletableFuture.completedFuture(decide(request));
    }

    private AuthResult decide(AuthRequest request) {
        if (request.token() == null) {
            return AuthResult.deny(401, "token required");
        }
        JWTClaimsSet claims;
        try {
            SignedJWT jwt = SignedJWT.parse(request.token());
            if (!JWSAlgorithm.HS256.equals(jwt.getHeader().getAlgorithm())) {
                return AuthResult.deny(401, "token must be signed with HS256");
            }
            if (!jwt.verify(verifier)) {
                return AuthResult.deny(401, "bad token signature");
            }
            claims = jwt.getJWTClaimsSet();
            claimsVerifier.verify(claims, null);
        } catch (ParseException e) {
            return AuthResult.deny(401, "malformed token");
        } catch (BadJWTException e) {
            return AuthResult.deny(401, "token rejected: " + e.getMessage());
        } catch (JOSEException e) {
            return AuthResult.deny(401, "token could not be verified");
        }
        String userId = claims.getSubject();
        if (request.claimedUserId() != null && !request.claimedUserId().equals(userId)) {
            return AuthResult.deny(401, "user_id does not match the token");
        }
        Map<String, Object> kept = new HashMap<>();
        claims.getClaims().forEach((k, v) -> {
            if (v != null && !k.equals("sub")) {
                kept.put(k, v instanceof java.util.Date d ? d.getTime() / 1000 : v);
            }
        });
        return AuthResult.allow(userId, kept);
    }
}
