package dev.switchboard.core.testing;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;

/** Mints HS256 JWTs for tests. */
public final class Tokens {

    public static final String SECRET = "test-secret-that-is-at-least-32-bytes-long!";

    private Tokens() {
    }

    public static String jwt(String secret, String subject, Instant notBefore, Instant expires) {
        try {
            JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder().subject(subject).issueTime(new Date());
            if (notBefore != null) {
                claims.notBeforeTime(Date.from(notBefore));
            }
            if (expires != null) {
                claims.expirationTime(Date.from(expires));
            }
            SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims.build());
            jwt.sign(new MACSigner(secret.getBytes(StandardCharsets.UTF_8)));
            return jwt.serialize();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Returns a token for {@code user} valid for an hour, signed with {@link #SECRET}. */
    public static String valid(String user) {
        return jwt(SECRET, user, null, Instant.now().plusSeconds(3600));
    }
}
