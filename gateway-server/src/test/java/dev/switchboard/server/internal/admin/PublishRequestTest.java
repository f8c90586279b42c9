package dev.switchboard.server.internal.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.core.spi.Delivery;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class PublishRequestTest {

    private static Delivery parse(String body) throws PublishRequest.Invalid {
        return PublishRequest.parse(body.getBytes(StandardCharsets.UTF_8), "i1");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"status\": \"new\",  \"id\": 17}",
            "[1, 2.50, {\"a\": [true]}]",
            "\"caf\u00e9 \\\"quoted\\\" \\u00e9\"",
            "12.3400",
            "-7",
            "1e10",
            "true",
            "null",
            "{}",
    })
    void messageIsKeptByteForByte(String message) throws Exception {
        Delivery d = parse("{\"channel\":\"live\", \"message\": " + message + " , \"room\":\"lobby\"}");
        assertThat(new String(d.message(), StandardCharsets.UTF_8)).isEqualTo(message);
        assertThat(d.target()).isEqualTo(Delivery.Target.ROOM);
        assertThat(d.key()).isEqualTo("lobby");
        assertThat(d.origin()).isEqualTo("i1");
    }

    @Test
    void targetsEveryoneOrOneUser() throws Exception {
        Delivery all = parse("{\"message\":1,\"channel\":\"news\"}");
        assertThat(all.target()).isEqualTo(Delivery.Target.ALL);
        assertThat(all.channel()).isEqualTo("news");
        Delivery user = parse("{\"channel\":\"inbox\",\"message\":{\"n\":1},\"user_id\":\"42\"}");
        assertThat(user.target()).isEqualTo(Delivery.Target.USER);
        assertThat(user.key()).isEqualTo("42");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"channel\":\"a\"}                              | \"message\" is required",
            "[1]                                              | body must be a JSON object",
            "''                                               | body must be a JSON object",
            "{\"message\":1}                                  | \"channel\" is required",
            "{\"channel\":1,\"message\":1}                    | \"channel\" must be a string",
            "{\"channel\":\"a b\",\"message\":1}              | \"channel\" must be 1-128 of A-Z a-z 0-9 _ : . @ / -",
            "{\"channel\":\"state\",\"message\":1}            | \"state\" is a reserved channel",
            "{\"channel\":\"a\",\"message\":1,\"userId\":\"7\"} | unknown field \"userId\" (expected: channel, message, user_id, room)",
            "{\"channel\":\"a\",\"message\":1,\"user_id\":\"7\",\"room\":\"r\"} | \"user_id\" and \"room\" are exclusive",
            "{\"channel\":\"a\",\"message\":1,\"user_id\":\"\"} | \"user_id\" must not be empty",
            "{\"channel\":\"a\",\"message\":1} {}              | trailing content after the JSON object",
    })
    void refusesWhatIsNotAPublishRequest(String body, String reason) {
        assertThatThrownBy(() -> parse(body)).isInstanceOf(PublishRequest.Invalid.class).hasMessage(reason);
    }

    @Test
    void refusesMalformedJsonAndDuplicateFields() {
        assertThatThrownBy(() -> parse("{\"channel\":\"a\",\"message\":{]}")).hasMessageStartingWith("malformed JSON: ");
        assertThatThrownBy(() -> parse("{\"channel\":\"a\",\"message\":1,\"message\":2}"))
                .hasMessageContaining("Duplicate field 'message'");
    }
}
