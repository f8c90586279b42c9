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
     * connection: appended to the replies of the current socket read when the session gathers them
     * ({@link Session#replyBuffer}), else as a frame of its own ({@link Session#writeReply}). Returns whether it
     * was written (not when the session is closing).
     */
    public static boolean reply(Session s, JsonNode id, Object value) throws JsonProcessingException {
        if (value instanceof Encoded e && isLong(id)) {
            long n = id.longValue();
            ByteBuf batch = s.replyBuffer(Frames.joinedSize(REPLY_HEAD, n, e.tail));
            if (batch != null) {
                Frames.writeJoined(batch, REPLY_HEAD, n, e.tail);
                return true;
            }
            return s.writeReply(Frames.joined(s.channel().alloc(), REPLY_HEAD, n, e.tail));
        }
        return write(s, REPLY, id, value instanceof Encoded e ? e.json : MAPPER.writeValueAsBytes(value));
    }

    private static boolean isLong(JsonNode id) {
        return id != null && id.isIntegralNumber() && id.canConvertToLong();
    }

    /** Writes {@code {"channel":<channel>,"id":<id>,"message":<json>}} to {@code s}, as {@link #reply} does. */
    private static boolean write(Session s, byte[] channel, JsonNode id, byte[] json) {
        if (isLong(id)) {
            // The JS client's ids are small integers: written as digits, no serializer and no string.
            long n = id.longValue();
            ByteBuf batch = s.replyBuffer(Frames.envelopeSize(channel, n, json));
            if (batch != null) {
                Frames.writeEnvelope(batch, channel, n, json);
                return true;
            }
            return s.writeReply(Frames.envelope(s.channel().alloc(), channel, n, json));
        }
        byte[] idJson = idBytes(id);
        ByteBuf batch = s.replyBuffer(Frames.envelopeSize(channel, idJson, json));
        if (batch != null) {
            Frames.writeEnvelope(batch, channel, idJson, json);
            return true;
        }
        return s.writeReply(Frames.envelope(s.channel().alloc(), channel, idJson, json));
    }

    /**
     * Writes and flushes an {@code error}, in order with the replies ({@link #reply}); returns whether it was
     * written (not when the session is closing).
     */
    public static boolean error(Channel ch, JsonNode id, String code, String reason) {
        ObjectNode m = MAPPER.createObjectNode().put("code", code).put("reason", reason);
        byte[] json;
        try {
            json = MAPPER.writeValueAsBytes(m);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e); // an ObjectNode of two strings always serializes
        }
        Session s = Session.of(ch);
        if (s != null) {
            return write(s, ERROR, id, json); // the same way as replies, so the two keep their order
        }
        ch.writeAndFlush(isLong(id) ? Frames.envelope(ch.alloc(), ERROR, id.longValue(), json)
                : Frames.envelope(ch.alloc(), ERROR, idBytes(id), json), ch.voidPromise());
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
