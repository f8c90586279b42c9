package dev.switchboard.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.app.internal.TtlCache;
import dev.switchboard.core.spi.AuthRequest;
import dev.switchboard.core.spi.AuthResult;
import dev.switchboard.core.spi.Authenticator;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks the application who a connecting client is (the connect proxy): before the upgrade is answered it
 * POSTs {@code {"token","user_id","fingerprint","ip","origin"}} (signed) to the configured URL and decides:
 *
 * <ul>
 *   <li>2xx with {@code {"user_id": "42", "claims"?: {...}}} admits user 42 (the claims stay on the session);
 *       {@code "user_id": null} admits anonymously; a body without {@code user_id} is refused with 503;</li>
 *   <li>401 or 403 are passed on to the client, with the body's {@code "reason"} when there is one;</li>
 *   <li>any other status, a timeout, a refused connection or too many checks in flight: 503. It never
 *       admits a client it could not ask about.</li>
 * </ul>
 *
 * <p>A {@code user_id} query parameter that differs from the application's answer is refused with 401, as
 * with JWTs: the page may not claim to be someone the token is not. Optionally, admissions are remembered
 * per token for {@link Builder#cacheTtl} (default off; refusals and failures are never cached).
 *
 * <p>Threads: called on the connection's event loop; never blocks. Completes on the client's event loop
 * (the gateway hops back).
 */
public final class HttpConnectAuthenticator implements Authenticator {

    private static final Logger log = LoggerFactory.getLogger(HttpConnectAuthenticator.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final AppClient client;
    private final URI url;
    private final Duration timeout;
    private final TtlCache<String, AuthResult> cache;

    private HttpConnectAuthenticator(Builder b) {
        client = b.client;
        url = b.url;
        timeout = b.timeout != null ? b.timeout : client.responseTimeout();
        cache = b.cacheTtl.isZero() ? null : new TtlCache<>(b.cacheTtl.toNanos(), b.cacheMaxEntries);
    }

    /** Returns a builder that asks {@code url} (an absolute http(s) URI) through {@code client}. */
    public static Builder builder(AppClient client, URI url) {
        return new Builder(client, url);
    }

    @Override
    public CompletionStage<AuthResult> authenticate(AuthRequest request) {
        String token = request.token();
        if (cache != null && token != null) {
            AuthResult hit = cache.get(token, System.nanoTime());
            if (hit != null) {
                return CompletableFuture.completedFuture(checkClaim(hit, request));
            }
        }
        ObjectNode body = MAPPER.createObjectNode()
                .put("token", token)
                .put("user_id", request.claimedUserId())
                .put("fingerprint", request.fingerprint())
                .put("ip", request.remoteAddress())
                .put("origin", request.origin());
        byte[] json;
        try {
            json = MAPPER.writeValueAsBytes(body);
        } catch (IOException e) {
            return CompletableFuture.completedFuture(AuthResult.deny(503, "authentication unavailable"));
        }
        return client.post(url, json, timeout, Map.of()).handle((res, error) -> {
            if (error != null) {
                log.warn("Connect proxy {}: no answer: {}", url, error instanceof AppCallException e
                        ? e.getMessage() : error.toString());
                return AuthResult.deny(503, "authentication unavailable");
            }
            AuthResult result = decide(res);
            if (result.allowed() && cache != null && token != null) {
                cache.put(token, result, System.nanoTime());
            }
            return checkClaim(result, request);
        });
    }

    private AuthResult decide(AppResponse res) {
        int status = res.status();
        if (status == 401 || status == 403) {
            return AuthResult.deny(status, reason(res, "refused by the application"));
        }
        if (!res.isSuccess()) {
            log.warn("Connect proxy {}: the application answered {}", url, status);
            return AuthResult.deny(503, "authentication unavailable");
        }
        JsonNode answer;
        try {
            answer = MAPPER.readTree(res.body());
        } catch (IOException e) {
            answer = null;
        }
        JsonNode userId = answer == null ? null : answer.get("user_id");
        if (userId == null || !(userId.isNull() || userId.isTextual() || userId.isIntegralNumber())
                || userId.asText().isEmpty()) {
            log.warn("Connect proxy {}: expected {{\"user_id\": <string, integer or null>}}, got {} bytes of {}",
                    url, res.body().length, res.contentType());
            return AuthResult.deny(503, "authentication unavailable");
        }
        if (userId.isNull()) {
            return AuthResult.anonymous();
        }
        return AuthResult.allow(userId.asText(), claims(answer.get("claims")));
    }

    private static AuthResult checkClaim(AuthResult result, AuthRequest request) {
        String claimed = request.claimedUserId();
        if (result.allowed() && claimed != null && !claimed.equals(result.userId())) {
            return AuthResult.deny(401, "user_id does not match the token");
        }
        return result;
    }

    /** Turns the {@code claims} object into a map; nulls are left out (sessions hold no null claims). */
    private static Map<String, Object> claims(JsonNode node) {
        if (node == null || !node.isObject()) {
            return Map.of();
        }
        Map<String, Object> out = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isNull()) {
                out.put(e.getKey(), MAPPER.convertValue(e.getValue(), Object.class));
            }
        }
        return out;
    }

    /** Returns a short, single-line reason from a JSON {@code {"reason": ..}} body, else {@code fallback}. */
    static String reason(AppResponse res, String fallback) {
        try {
            JsonNode n = MAPPER.readTree(res.body());
            if (n != null) {
                for (String field : new String[] {"reason", "error", "message"}) {
                    JsonNode r = n.get(field);
                    if (r != null && r.isTextual() && !r.textValue().isBlank()) {
                        String s = r.textValue().replaceAll("[\\r\\n\\t]+", " ").strip();
                        return s.length() <= 120 ? s : s.substring(0, 120) + "…";
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // not JSON: use the fallback
        }
        return fallback;
    }

    /** Collects the connect proxy's options. */
    public static final class Builder {
        private final AppClient client;
        private final URI url;
        private Duration timeout;
        private Duration cacheTtl = Duration.ZERO;
        private int cacheMaxEntries = 10_000;

        private Builder(AppClient client, URI url) {
            this.client = Objects.requireNonNull(client, "client");
            this.url = Objects.requireNonNull(url, "url");
            String scheme = url.getScheme();
            if (!"http".equalsIgnoreCase(scheme) && !"https".equalsIgnoreCase(scheme) || url.getHost() == null) {
                throw new IllegalArgumentException("url: " + url + " (expected: an absolute http:// or https:// URL)");
            }
        }

        /**
         * Sets how long to wait for the application; default the client's response timeout (5 s). Keep it under
         * the gateway's handshake timeout (10 s), or the gateway answers 503 first.
         */
        public Builder timeout(Duration d) {
            this.timeout = AppClient.Builder.positive("timeout", d);
            return this;
        }

        /** Remembers admissions per token for {@code ttl}; default {@link Duration#ZERO}: off. */
        public Builder cacheTtl(Duration ttl) {
            if (ttl == null || ttl.isNegative()) {
                throw new IllegalArgumentException("cacheTtl: " + ttl + " (expected: >= 0, 0 = off)");
            }
            this.cacheTtl = ttl;
            return this;
        }

        /** Sets how many tokens the cache holds at most (oldest out first); default 10000. */
        public Builder cacheMaxEntries(int n) {
            this.cacheMaxEntries = AppClient.Builder.positive("cacheMaxEntries", n);
            return this;
        }

        public HttpConnectAuthenticator build() {
            return new HttpConnectAuthenticator(this);
        }
    }
}
