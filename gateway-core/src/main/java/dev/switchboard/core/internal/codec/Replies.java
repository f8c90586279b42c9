package dev.switchboard.core.internal.codec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.Presence;
import dev.switchboard.core.internal.delivery.Frames;
import dev.switchboard.core.internal.session.Session;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;

/** Writes the frames a single connection gets: {@code reply}, {@code error} and {@code state}. */
public final class Replies {

    public static final ObjectMapper MAPPER = new ObjectMapper();
    private static final byte[] REPLY = Frames.jsonString("reply");
    private static final byte[] ERROR = Frames.jsonString("error");
    private static final byte[] STATE = Frames.jsonString("state");
    private static final byte[] REPLY_HEAD = Frames.headWithId(REPLY);

    private Replies() {
    }

    /** Returns the {@code state} message for {@code p}. */
    public static byte[] stateMessage(Presence p) {
        return ("{\"num_online\":" + p.numOnline() + ",\"num_clients\":" + p.numClients() + '}')
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Returns a complete {@code state} frame; the caller owns it. */
    public static ByteBuf stateFrame(io.netty.buffer.ByteBufAllocator alloc, Presence p) {
        return Frames.envelope(alloc, STATE, null, stateMessage(p));
    }

    /**
     * A reply value already encoded as JSON, for constant answers such as {@code "pong"}; the end of the frame
     * that carries it is joined once, here.
     */
    public static final class Encoded {
        private final byte[] json;
        private final byte[] tail;

        public Encoded(byte[] json) {
            this.json = json.clone();
            this.tail = Frames.messageTail(this.json);
        }
    }

    /**
     * Writes and flushes a {@code reply} carrying {@code value} ({@link Encoded} is written as it is) to {@code s}'s
     * connection ({@link Session#writeReply}); returns whether it was written (not when the session is closing).
     */
    public static boolean reply(Session s, JsonNode id, Object value) throws JsonProcessingException {
        Channel ch = s.channel();
        ByteBuf frame;
        if (value instanceof Encoded e) {
            frame = isLong(id) ? Frames.joined(ch.alloc(), REPLY_HEAD, id.longValue(), e.tail)
                    : frame(ch, REPLY, id, e.json);
        } else {
            frame = frame(ch, REPLY, id, MAPPER.writeValueAsBytes(value));
        }
        return s.writeReply(frame);
    }

    private static boolean isLong(JsonNode id) {
        return id != null && id.isIntegralNumber() && id.canConvertToLong();
    }

    private static ByteBuf frame(Channel ch, byte[] channel, JsonNode id, byte[] json) {
        if (isLong(id)) {
            // The JS client's ids are small integers: written as digits, no serializer and no string.
            return Frames.envelope(ch.alloc(), channel, id.longValue(), json);
        }
        return Frames.envelope(ch.alloc(), channel, idBytes(id), json);
    }

    /** Writes and flushes an {@code error}; returns whether it was written (not when the session is closing). */
    public static boolean error(Channel ch, JsonNode id, String code, String reason) {
        ObjectNode m = MAPPER.createObjectNode().put("code", code).put("reason", reason);
        byte[] json;
        try {
            json = MAPPER.writeValueAsBytes(m);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e); // an ObjectNode of two strings always serializes
        }
        ByteBuf frame = frame(ch, ERROR, id, json);
        Session s = Session.of(ch);
        if (s != null) {
            return s.writeReply(frame); // the same way as replies, so the two keep their order
        }
        ch.writeAndFlush(frame, ch.voidPromise());
        return true;
    }

    private static byte[] idBytes(JsonNode id) {
        if (id == null) {
            return null;
        }
        try {
            return MAPPER.writeValueAsBytes(id);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
