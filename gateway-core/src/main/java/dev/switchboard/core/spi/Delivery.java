package dev.switchboard.core.spi;

import java.util.Objects;

/**
 * One message on its way to clients: who gets it, on which channel, and the message as JSON bytes.
 * Immutable by contract: nobody changes {@code message} after construction.
 *
 * @param target who receives it
 * @param key the user id for {@link Target#USER}, the room for {@link Target#ROOM}, {@code null} for
 *     {@link Target#ALL}
 * @param channel the {@code channel} field of the frame clients receive
 * @param message one JSON value, UTF-8, embedded in the frame byte for byte (never re-parsed)
 * @param origin the instance id that published it, or {@code null} when it came from the application
 */
public record Delivery(Target target, String key, String channel, byte[] message, String origin) {

    /** Who receives a delivery. */
    public enum Target { ALL, USER, ROOM }

    public Delivery {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(message, "message");
        if ((target == Target.ALL) != (key == null)) {
            throw new IllegalArgumentException("key: " + key + " (expected: null for ALL, a user id or room otherwise)");
        }
    }

    /** Returns a delivery to every connection. */
    public static Delivery toAll(String channel, byte[] message, String origin) {
        return new Delivery(Target.ALL, null, channel, message, origin);
    }

    /** Returns a delivery to every connection of one user. */
    public static Delivery toUser(String userId, String channel, byte[] message, String origin) {
        return new Delivery(Target.USER, userId, channel, message, origin);
    }

    /** Returns a delivery to the members of one room. */
    public static Delivery toRoom(String room, String channel, byte[] message, String origin) {
        return new Delivery(Target.ROOM, room, channel, message, origin);
    }

    @Override
    public String toString() {
        return "Delivery{" + target + (key == null ? "" : " " + key) + ", channel=" + channel + ", "
                + message.length + " bytes, origin=" + origin + '}';
    }
}
