package dev.switchboard.redis.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.switchboard.core.Json;
import dev.switchboard.core.spi.Delivery;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Set;

/**
 * The JSON on the structured channel: {@code {"channel":c,"message":m,"user_id"?:u,"room"?:r,"origin"?:i}}.
 * The application writes it without {@code origin}; instances add their id so each skips its own echo.
 *
 * <p>{@code message} is carried byte for byte: encoding splices the delivery's bytes in, decoding slices
 * them out by the parser's offsets, so a message is never re-serialised on its way through Redis.
 */
public final class Envelope {

    private static final JsonFactory FACTORY = new JsonFactory();
    private static final JsonStringEncoder QUOTE = JsonStringEncoder.getInstance();
    private static final Set<String> RESERVED = Set.of("state", "reply", "error");

    private Envelope() {
    }

    /** Returns the envelope of {@code d} published by instance {@code origin}. */
    public static byte[] encode(Delivery d, String origin) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(d.message().length + 96);
        field(out, '{', "channel", d.channel());
        out.writeBytes(",\"message\":".getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(d.message());
        switch (d.target()) {
            case USER -> field(out, ',', "user_id", d.key());
            case ROOM -> field(out, ',', "room", d.key());
            case ALL -> { }
        }
        field(out, ',', "origin", origin);
        out.write('}');
        return out.toByteArray();
    }

    private static void field(ByteArrayOutputStream out, char before, String name, String value) {
        out.write(before);
        out.write('"');
        out.writeBytes(name.getBytes(StandardCharsets.US_ASCII));
        out.writeBytes("\":\"".getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(QUOTE.quoteAsUTF8(value));
        out.write('"');
    }

    /**
     * Returns the delivery in {@code bytes}; its origin is the envelope's ({@code null} from the application).
     *
     * @throws IllegalArgumentException when the envelope is not valid (the message says why, without content)
     */
    public static Delivery decode(byte[] bytes) {
        String channel = null;
        String user = null;
        String room = null;
        String origin = null;
        byte[] message = null;
        try (JsonParser p = FACTORY.createParser(bytes)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                switch (name) {
                    case "channel" -> channel = text(p, t, name);
                    case "user_id" -> user = text(p, t, name);
                    case "room" -> room = text(p, t, name);
                    case "origin" -> origin = text(p, t, name);
                    case "message" -> message = slice(p, bytes);
                    default -> p.skipChildren();
                }
            }
            if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
                throw new IllegalArgumentException("trailing content after the object");
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("malformed JSON");
        }
        if (channel == null || channel.isEmpty()) {
            throw new IllegalArgumentException("no \"channel\"");
        }
        if (RESERVED.contains(channel)) {
            throw new IllegalArgumentException("\"" + channel + "\" is a reserved channel");
        }
        if (message == null) {
            throw new IllegalArgumentException("no \"message\"");
        }
        if (user != null && room != null) {
            throw new IllegalArgumentException("both \"user_id\" and \"room\" (expected: at most one)");
        }
        return user != null ? Delivery.toUser(user, channel, message, origin)
                : room != null ? Delivery.toRoom(room, channel, message, origin)
                : Delivery.toAll(channel, message, origin);
    }

    /** Returns the bytes of the value the parser stands on, exactly as they were written. */
    private static byte[] slice(JsonParser p, byte[] bytes) throws IOException {
        long start = p.currentTokenLocation().getByteOffset();
        if (p.currentToken().isStructStart()) {
            p.skipChildren();
        } else {
            // Strings are read lazily: finish the token so the location below is past its closing quote.
            p.finishToken();
        }
        long end = p.currentLocation().getByteOffset();
        if (start < 0 || end > bytes.length || end <= start) {
            throw new IOException("no byte offsets");
        }
        return Arrays.copyOfRange(bytes, (int) start, (int) end);
    }

    /** Reads a string field; numbers are taken as text since PHP apps often send numeric user ids. */
    private static String text(JsonParser p, JsonToken t, String name) throws IOException {
        if (t == JsonToken.VALUE_STRING || t == JsonToken.VALUE_NUMBER_INT) {
            return p.getText();
        }
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        throw new IllegalArgumentException("\"" + name + "\" is not a string");
    }

    /**
     * Returns what an application channel's payload becomes as a {@code message}: the payload itself when it
     * is one JSON value, else the payload as a JSON string (the old PHP module's clients got plain text too).
     */
    public static byte[] appMessage(byte[] payload) {
        if (Json.isValid(payload)) {
            return payload;
        }
        byte[] quoted = QUOTE.quoteAsUTF8(new String(payload, StandardCharsets.UTF_8));
        byte[] out = new byte[quoted.length + 2];
        out[0] = '"';
        System.arraycopy(quoted, 0, out, 1, quoted.length);
        out[out.length - 1] = '"';
        return out;
    }
}
