package dev.switchboard.app;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs (and checks) requests between the gateway and the application, so the application can trust what
 * the gateway tells it. The signed text is {@code <unix seconds> "." <body bytes>}; the headers are
 * {@value #TIMESTAMP_HEADER} (unix seconds) and {@value #SIGNATURE_HEADER}
 * ({@code sha256=<lower-case hex HMAC-SHA256(secret, text)>}). The timestamp is inside the MAC so a captured
 * request cannot be replayed after the receiver's clock-skew window (Stripe's and GitHub's scheme).
 *
 * <p>Threads: safe for concurrent use; each call works on its own {@link Mac} clone.
 */
public final class Signer {

    /** The header carrying the signing time, in unix seconds. */
    public static final String TIMESTAMP_HEADER = "X-Switchboard-Timestamp";
    /** The header carrying {@code sha256=<hex>}. */
    public static final String SIGNATURE_HEADER = "X-Switchboard-Signature";
    /** The clock-skew window receivers accept by default: 300 s. */
    public static final Duration DEFAULT_MAX_SKEW = Duration.ofSeconds(300);
    /** The shortest secret accepted: 32 bytes, the HMAC-SHA256 block-size guidance (RFC 2104 §3). */
    public static final int MIN_SECRET_BYTES = 32;

    private static final String PREFIX = "sha256=";
    private static final HexFormat HEX = HexFormat.of();

    private final Mac prototype;

    /**
     * Creates a signer for {@code secret} (UTF-8, at least {@value #MIN_SECRET_BYTES} bytes).
     *
     * @throws IllegalArgumentException when the secret is missing or short
     */
    public Signer(String secret) {
        byte[] key = secret == null ? new byte[0] : secret.getBytes(StandardCharsets.UTF_8);
        if (key.length < MIN_SECRET_BYTES) {
            throw new IllegalArgumentException("secret: " + key.length + " bytes (expected: >= " + MIN_SECRET_BYTES
                    + " bytes)");
        }
        try {
            prototype = Mac.getInstance("HmacSHA256");
            prototype.init(new SecretKeySpec(key, "HmacSHA256"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e); // every JDK has it
        }
    }

    /** Returns the {@value #SIGNATURE_HEADER} value for {@code body} signed at {@code unixSeconds}. */
    public String sign(long unixSeconds, byte[] body) {
        return PREFIX + HEX.formatHex(mac(unixSeconds, body));
    }

    /**
     * Tells whether {@code signature} is the signature of {@code body} at {@code timestamp}, and the timestamp
     * is within {@code maxSkew} of {@code nowSeconds}. Compares in constant time. Any malformed or missing
     * header is simply {@code false}.
     */
    public boolean verify(String timestamp, String signature, byte[] body, Duration maxSkew, long nowSeconds) {
        if (timestamp == null || signature == null || body == null || !signature.startsWith(PREFIX)) {
            return false;
        }
        long ts;
        try {
            ts = Long.parseLong(timestamp.trim());
        } catch (NumberFormatException e) {
            return false;
        }
        if (Math.abs(nowSeconds - ts) > maxSkew.toSeconds()) {
            return false;
        }
        byte[] given;
        try {
            given = HEX.parseHex(signature, PREFIX.length(), signature.length());
        } catch (IllegalArgumentException e) {
            return false;
        }
        return MessageDigest.isEqual(mac(ts, body), given);
    }

    private byte[] mac(long unixSeconds, byte[] body) {
        Mac mac;
        try {
            mac = (Mac) prototype.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException(e); // the JDK's HmacSHA256 is cloneable
        }
        mac.update(Long.toString(unixSeconds).getBytes(StandardCharsets.US_ASCII));
        mac.update((byte) '.');
        return mac.doFinal(body);
    }
}
