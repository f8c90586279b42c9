package dev.switchboard.server.internal.admin;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import dev.switchboard.core.ChannelNames;
import dev.switchboard.core.spi.Delivery;
import java.io.IOException;
import java.util.Arrays;

/**
 * Reads the body of {@code POST /api/publish}: {@code {"channel": .., "message": .., "user_id"?: .., "room"?: ..}}.
 * The message is cut out of the body byte for byte (DESIGN §2: the app's JSON reaches clients unchanged, numbers
 * and all), never parsed into a tree and written again. Unknown fields are refused: a misspelt {@code user_id}
 * must not turn a private message into a broadcast.
 */
final class PublishRequest {

    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private PublishRequest() {
    }

    /** A body that is not a valid publish request; the message says why, for the caller. */
    static final class Invalid extends Exception {
        Invalid(String reason) {
            super(reason, null, false, false);
        }
    }

    /** Returns the delivery {@code body} asks for, published as {@code origin}. */
    static Delivery parse(byte[] body, String origin) throws Invalid {
        String channel = null;
        String userId = null;
        String room = null;
        byte[] message = null;
        try (JsonParser p = JSON.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new Invalid("body must be a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "channel" -> channel = text(p, value, field);
                    case "user_id" -> userId = text(p, value, field);
                    case "room" -> room = text(p, value, field);
                    case "message" -> message = slice(p, value, body);
                    default -> throw new Invalid("unknown field \"" + field + "\" (expected: channel, message, user_id, room)");
                }
            }
            if (p.nextToken() != null) {
                throw new Invalid("trailing content after the JSON object");
            }
        } catch (IOException e) {
            throw new Invalid("malformed JSON: " + (e instanceof JacksonException j ? j.getOriginalMessage() : e.toString()));
        }
        if (channel == null) {
            throw new Invalid("\"channel\" is required");
        }
        requireName("channel", channel);
        if (message == null) {
            throw new Invalid("\"message\" is required");
        }
        if (userId != null && room != null) {
            throw new Invalid("\"user_id\" and \"room\" are exclusive");
        }
        if (userId != null) {
            if (userId.isEmpty()) {
                throw new Invalid("\"user_id\" must not be empty");
            }
            return Delivery.toUser(userId, channel, message, origin);
        }
        if (room != null) {
            requireName("room", room);
            return Delivery.toRoom(room, channel, message, origin);
        }
        return Delivery.toAll(channel, message, origin);
    }

    private static String text(JsonParser p, JsonToken token, String field) throws Invalid {
        if (token != JsonToken.VALUE_STRING) {
            throw new Invalid("\"" + field + "\" must be a string");
        }
        try {
            return p.getText();
        } catch (IOException e) {
            throw new Invalid("malformed JSON in \"" + field + "\"");
        }
    }

    /** Returns the bytes of the value at the parser, from its first byte to its last. */
    private static byte[] slice(JsonParser p, JsonToken token, byte[] body) throws IOException {
        long start = p.currentTokenLocation().getByteOffset();
        if (token.isStructStart()) {
            p.skipChildren();
        } else {
            p.finishToken(); // a string is read lazily: read it to its closing quote
        }
        long end = p.currentLocation().getByteOffset();
        return Arrays.copyOfRange(body, (int) start, (int) end);
    }

    private static void requireName(String field, String name) throws Invalid {
        String problem = ChannelNames.problem(field, name);
        if (problem != null) {
            throw new Invalid(problem);
        }
    }
}
