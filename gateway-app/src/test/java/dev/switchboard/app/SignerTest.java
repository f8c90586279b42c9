package dev.switchboard.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SignerTest {

    private static final String SECRET = "0123456789abcdef0123456789abcdef";
    private static final byte[] BODY = "{\"a\":1}".getBytes(StandardCharsets.UTF_8);
    private final Signer signer = new Signer(SECRET);

    @Test
    void matchesAnIndependentlyComputedVector() {
        // python3 -c 'import hmac,hashlib;print(hmac.new(b"0123456789abcdef0123456789abcdef",b"1700000000.{\"a\":1}",hashlib.sha256).hexdigest())'
        assertThat(signer.sign(1_700_000_000L, BODY))
                .isEqualTo("sha256=f05f2539e3ae1c49aec5f8cfdad75ef6b06480b133973ffbb7ec9e18827af177");
    }

    @Test
    void verifiesWithinTheSkewOnly() {
        String sig = signer.sign(1000, BODY);
        Duration skew = Duration.ofSeconds(300);
        assertThat(signer.verify("1000", sig, BODY, skew, 1000)).isTrue();
        assertThat(signer.verify("1000", sig, BODY, skew, 1300)).isTrue();
        assertThat(signer.verify("1000", sig, BODY, skew, 1301)).isFalse();
        assertThat(signer.verify("1000", sig, BODY, skew, 699)).isFalse();
    }

    @Test
    void refusesTamperingAndGarbage() {
        String sig = signer.sign(1000, BODY);
        Duration skew = Duration.ofSeconds(300);
        assertThat(signer.verify("1000", sig, "{\"a\":2}".getBytes(StandardCharsets.UTF_8), skew, 1000)).isFalse();
        assertThat(signer.verify("1001", sig, BODY, skew, 1000)).isFalse();
        assertThat(new Signer(SECRET + "x").verify("1000", sig, BODY, skew, 1000)).isFalse();
        assertThat(signer.verify(null, sig, BODY, skew, 1000)).isFalse();
        assertThat(signer.verify("1000", null, BODY, skew, 1000)).isFalse();
        assertThat(signer.verify("x", sig, BODY, skew, 1000)).isFalse();
        assertThat(signer.verify("1000", "sha256=zz", BODY, skew, 1000)).isFalse();
        assertThat(signer.verify("1000", "md5=" + sig.substring(7), BODY, skew, 1000)).isFalse();
        assertThat(signer.verify("1000", sig.substring(0, 20), BODY, skew, 1000)).isFalse();
    }

    @Test
    void requiresALongEnoughSecret() {
        assertThatThrownBy(() -> new Signer("short")).hasMessage("secret: 5 bytes (expected: >= 32 bytes)");
        assertThatThrownBy(() -> new Signer(null)).hasMessageContaining("0 bytes");
    }
}
