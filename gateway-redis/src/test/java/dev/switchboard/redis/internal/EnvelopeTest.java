package dev.switchboard.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.core.spi.Delivery;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class EnvelopeTest {

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String str(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    @Test
    void encodesWithOriginAndTargetAndSplicesTheMessageAsIs() {
        byte[] msg = utf8("{ \"n\" : 1.50, \"s\":\"é\\u00e9\" }");
        assertThat(str(Envelope.encode(Delivery.toUser("u\"1", "dm", msg, null), "inst-1")))
                .isEqualTo("{\"channel\":\"dm\",\"message\":{ \"n\" : 1.50, \"s\":\"é\\u00e9\" },\"user_id\":\"u\\\"1\",\"origin\":\"inst-1\"}");
        assertThat(str(Envelope.encode(Delivery.toRoom("lobby", "lobby", utf8("1"), null), "i")))
                .isEqualTo("{\"channel\":\"lobby\",\"message\":1,\"room\":\"lobby\",\"origin\":\"i\"}");
    }

    @Test
    void decodeKeepsTheMessageBytesExactly() {
        for (String m : new String[] {"{ \"n\" : 1.50 }", "[1, 2 ,3]", "\"a \\\"quoted\\\" é\"", "1.50e3", "null", "true",
                "{\"deep\":{\"x\":[{}]}}"}) {
            Delivery d = Envelope.decode(utf8("{\"message\": " + m + " , \"channel\":\"c\"}"));
            assertThat(str(d.message())).isEqualTo(m);
            assertThat(d.target()).isEqualTo(Delivery.Target.ALL);
            assertThat(d.origin()).isNull();
        }
    }

    @Test
    void roundTripsEveryTarget() {
        for (Delivery d : new Delivery[] {Delivery.toAll("c", utf8("{\"a\":1}"), "x"),
                Delivery.toUser("42", "c", utf8("[]"), "x"), Delivery.toRoom("r", "c", utf8("\"s\""), "x")}) {
            Delivery back = Envelope.decode(Envelope.encode(d, "me"));
            assertThat(back.target()).isEqualTo(d.target());
            assertThat(back.key()).isEqualTo(d.key());
            assertThat(back.channel()).isEqualTo(d.channel());
            assertThat(back.message()).isEqualTo(d.message());
            assertThat(back.origin()).isEqualTo("me");
        }
    }

    @Test
    void numericUserIdIsText() {
        Delivery d = Envelope.decode(utf8("{\"channel\":\"c\",\"message\":1,\"user_id\":42}"));
        assertThat(d.target()).isEqualTo(Delivery.Target.USER);
        assertThat(d.key()).isEqualTo("42");
    }

    @Test
    void refusesWhatIsNotAnEnvelope() {
        for (String bad : new String[] {"not json", "[1]", "{\"message\":1}", "{\"channel\":\"c\"}",
                "{\"channel\":\"state\",\"message\":1}", "{\"channel\":\"c\",\"message\":1,\"user_id\":\"u\",\"room\":\"r\"}",
                "{\"channel\":\"c\",\"message\":1} trailing", "{\"channel\":\"c\",\"message\":", "{\"channel\":{},\"message\":1}"}) {
            assertThatThrownBy(() -> Envelope.decode(utf8(bad))).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void appPayloadIsKeptWhenJsonAndQuotedOtherwise() {
        assertThat(str(Envelope.appMessage(utf8("{\"status\":\"new\",\"id\":17}")))).isEqualTo("{\"status\":\"new\",\"id\":17}");
        assertThat(str(Envelope.appMessage(utf8("hello \"world\"\n")))).isEqualTo("\"hello \\\"world\\\"\\n\"");
        assertThat(str(Envelope.appMessage(utf8("")))).isEqualTo("\"\"");
    }
}
