package dev.switchboard.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Durations and switches on the command line, and what is refused. */
class ArgsTest {

    private static Duration d(String value) {
        return new Args(new String[] {"--tick=" + value}, 0).duration("tick", Duration.ZERO);
    }

    @Test
    void durationsInEachUnit() {
        assertThat(d("100us")).isEqualTo(Duration.ofNanos(100_000));
        assertThat(d("1ms")).isEqualTo(Duration.ofMillis(1));
        assertThat(d("0.5ms")).isEqualTo(Duration.ofNanos(500_000));
        assertThat(d("1.5s")).isEqualTo(Duration.ofMillis(1500));
        assertThat(d("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(d("3")).isEqualTo(Duration.ofSeconds(3));
        assertThat(new Args(new String[0], 0).duration("tick", Duration.ofMillis(7))).isEqualTo(Duration.ofMillis(7));
    }

    @Test
    void aDurationThatIsNotOneIsRefusedByName() {
        assertThatThrownBy(() -> d("soon")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--tick=soon");
        assertThatThrownBy(() -> d("5xs")).hasMessageContaining("--tick=5xs");
    }

    private static boolean b(String... args) {
        return new Args(args, 0).bool("read-after-open", true);
    }

    @Test
    void aSwitchIsTrueOrFalseAndNothingElse() {
        assertThat(b()).isTrue();
        assertThat(b("--read-after-open=false")).isFalse();
        assertThat(b("--read-after-open=FALSE")).isFalse();
        assertThat(b("--read-after-open=true")).isTrue();
        assertThat(b("--read-after-open")).isTrue();
        // A typo or another spelling must not silently turn the switch off.
        for (String v : new String[] {"no", "0", "1", "yes", "fasle", ""}) {
            assertThatThrownBy(() -> b("--read-after-open=" + v)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("--read-after-open=" + v + " (expected: true or false)");
        }
    }
}
