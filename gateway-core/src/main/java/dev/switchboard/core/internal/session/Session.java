package dev.switchboard.core.internal.session;

import dev.switchboard.core.SessionInfo;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandler;
import io.netty.util.AttributeKey;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Everything the gateway keeps for one WebSocket connection. The mutable fields are touched only on the
 * connection's event loop; the identity fields are final; {@link #rooms} is republished as an immutable set
 * so other threads may read it.
 */
public final class Session implements SessionInfo {

    /** The one attribute under which a channel's session lives. */
    public static final AttributeKey<Session> KEY = AttributeKey.valueOf(Session.class, "session");

    private final Channel channel;
    private final String connectionId;
    private final String userId;
    private final String fingerprint;
    private final String identity;
    private final String remoteAddress;
    private final Map<String, Object> claims;
    private volatile Set<String> rooms = Set.of();

    // Event-loop state.
    int slot = -1;
    boolean removed;
    private double tokens;
    private long refilledAt;
    private int strikes;
    private int drops;
    private int idleTicks;
    private boolean heard = true; // the upgrade request
    private static final long NOT_ARRIVING = Long.MIN_VALUE;
    private long arrivedAt = NOT_ARRIVING;
    private boolean closing;
    private ChannelHandlerContext wire;
    /** The wire context's handler when it is an outbound one (the flush consolidation handler): replies flush through it. */
    private ChannelOutboundHandler wireHandler;
    boolean flushPending;
    /** Between {@link #startBatch} and {@link #endBatch}: replies are gathered into {@link #batch}. */
    private boolean batching;
    /** The replies gathered in this batch, one buffer of complete frames, or {@code null}. */
    private ByteBuf batch;

    public Session(Channel channel, String connectionId, String userId, String fingerprint, String remoteAddress,
                   Map<String, Object> claims, int burst) {
        this.channel = channel;
        this.connectionId = connectionId;
        this.userId = userId;
        this.fingerprint = fingerprint;
        this.remoteAddress = remoteAddress;
        this.claims = claims;
        this.identity = userId != null ? "u:" + userId : fingerprint != null ? "f:" + fingerprint : "c:" + connectionId;
        this.tokens = burst;
        this.refilledAt = System.nanoTime();
    }

    /** Returns the session of {@code channel}, or {@code null} before the upgrade. */
    public static Session of(Channel channel) {
        return channel.attr(KEY).get();
    }

    public Channel channel() { return channel; }

    /**
     * Sets the context that fan-out frames are written from: the one just above the socket (or TLS), so a
     * complete frame skips the handlers that would only pass it on (DESIGN §6). Set once, at the upgrade.
     */
    public void attachWire(ChannelHandlerContext ctx) {
        this.wire = ctx;
        this.wireHandler = ctx != null && ctx.handler() instanceof ChannelOutboundHandler h ? h : null;
    }

    /**
     * Writes and flushes a complete reply frame: on the loop, from the {@link #attachWire wire} context like a
     * fan-out frame, and flushed through the wire's own handler, the flush consolidation handler, so the replies
     * to one read still leave in one {@code write(2)}. It skips the handlers above, which would only pass a
     * complete frame on (a reply went through eight contexts twice, for the write and for the flush). Nothing is
     * written once the session is closing (a close frame was sent or received): Netty's protocol handler, which is
     * skipped, refuses writes after its close frame. Off the loop, without a wire, or when the wire's handler was
     * removed, the frame goes through the whole pipeline instead. Returns whether the frame was written (handed to
     * the pipeline); a frame that was not is released. Replies gathered in a {@link #startBatch batch} go first.
     */
    public boolean writeReply(ByteBuf frame) {
        if (!channel.eventLoop().inEventLoop()) {
            channel.writeAndFlush(frame, channel.voidPromise()); // the loop's fields are not ours to read here
            return true;
        }
        writeBatch();
        if (closing) {
            frame.release();
            return false;
        }
        writeOut(frame);
        return true;
    }

    private void writeOut(ByteBuf frame) {
        ChannelHandlerContext w = wire;
        ChannelOutboundHandler h = wireHandler;
        if (h == null || w.isRemoved()) {
            channel.writeAndFlush(frame, channel.voidPromise());
            return;
        }
        w.write(frame, w.voidPromise());
        try {
            h.flush(w); // what the pipeline would call: the handler's own flush, in its own context
        } catch (Exception e) {
            w.pipeline().fireExceptionCaught(e); // from the head, so the handler's own exceptionCaught sees it
        }
    }

    /**
     * Starts gathering replies: until {@link #endBatch}, {@link #replyBuffer} hands out one buffer that the
     * replies are appended to, written as one message at the end. The frame decoder calls the two around each
     * socket read, so the replies to the requests of one read cost one buffer, one outbound entry and one pass
     * through the pipeline instead of one each. Loop only.
     */
    public void startBatch() {
        batching = true;
    }

    /** Stops gathering replies and writes (and flushes) those gathered. Loop only. */
    public void endBatch() {
        batching = false;
        writeBatch();
    }

    /**
     * Writes the replies gathered so far: before any other frame this session writes, so that the client gets
     * everything in the order it was written. They are written even when the session has started closing
     * since: they answered requests that came before the close, and go out before the close frame.
     */
    public void writeBatch() {
        ByteBuf b = batch;
        if (b != null) {
            batch = null;
            writeOut(b);
        }
    }

    /** Largest buffer a batch grows to; a reply that does not fit in what is left starts the next one. */
    static final int BATCH_BYTES = 4096;
    /** First size of a batch's buffer (a {@code pong} reply is about 40 bytes). */
    static final int BATCH_INITIAL_BYTES = 256;

    /**
     * Returns the buffer to append a complete reply frame of {@code size} bytes to, with room for it; the reply
     * then counts as written. Returns {@code null} when the reply is to be a frame of its own, written with
     * {@link #writeReply}: outside a {@link #startBatch batch}, off the loop, when the session is closing, or
     * for a reply larger than a batch.
     */
    public ByteBuf replyBuffer(int size) {
        if (!channel.eventLoop().inEventLoop() || !batching || closing || size > BATCH_BYTES) {
            return null;
        }
        ByteBuf b = batch;
        if (b != null) {
            if (b.maxWritableBytes() >= size) {
                return b.ensureWritable(size);
            }
            writeBatch();
        }
        return batch = channel.alloc().directBuffer(Math.max(size, BATCH_INITIAL_BYTES), BATCH_BYTES);
    }

    /**
     * Writes a complete frame from the {@link #attachWire wire} context, without a flush; through the whole
     * pipeline when there is none, or its handler was removed since (its old links would skip what replaced it).
     * Replies gathered in a {@link #startBatch batch} go first.
     */
    public void writeFrame(ByteBuf frame) {
        if (batch != null) {
            writeBatch();
        }
        if (wire != null && !wire.isRemoved()) {
            wire.write(frame, wire.voidPromise());
        } else {
            channel.write(frame, channel.voidPromise());
        }
    }

    /** Returns whether frames were written to this session since its loop last flushed it. */
    public boolean isFlushPending() {
        return flushPending;
    }

    /** Flushes what {@link #writeFrame} wrote. */
    public void flushFrames() {
        if (wire != null && !wire.isRemoved()) {
            wire.flush();
        } else {
            channel.flush();
        }
    }

    @Override public String connectionId() { return connectionId; }
    @Override public String userId() { return userId; }
    @Override public String fingerprint() { return fingerprint; }
    @Override public String identity() { return identity; }
    @Override public String remoteAddress() { return remoteAddress; }
    @Override public Map<String, Object> claims() { return claims; }
    @Override public Set<String> rooms() { return rooms; }

    boolean addRoom(String room) {
        if (rooms.contains(room)) {
            return false;
        }
        Set<String> next = new HashSet<>(rooms);
        next.add(room);
        rooms = Set.copyOf(next);
        return true;
    }

    boolean removeRoom(String room) {
        if (!rooms.contains(room)) {
            return false;
        }
        Set<String> next = new HashSet<>(rooms);
        next.remove(room);
        rooms = Set.copyOf(next);
        return true;
    }

    /**
     * Takes one token from the bucket. Returns 0 when the message may pass, else the number of consecutive
     * refusals so far.
     */
    public int tryAcquire(long now, int perSecond, int burst) {
        if (now > refilledAt) { // a joined message is stamped later than the whole frames read with it
            tokens = Math.min(burst, tokens + (now - refilledAt) * perSecond / 1e9);
            refilledAt = now;
        }
        if (tokens >= 1) {
            tokens -= 1;
            strikes = 0;
            return 0;
        }
        return ++strikes;
    }

    /** Counts one message dropped because the client does not read; returns the drops since it last read. */
    public int drop() {
        return ++drops;
    }

    /** Forgets the drops: the client's buffer drained. */
    public void writable() {
        drops = 0;
    }

    /**
     * Notes when the request {@code jsonCodec} is passing on arrived (its frame's clock reading), for the
     * dispatch timer behind it; {@link #arrived} clears it once the handlers have run. A time, not a reference
     * to the request: storing a new object in a long-lived one costs a garbage collector's write barrier on
     * every request. Loop only.
     */
    public void arriving(long nanoTime) {
        arrivedAt = nanoTime;
    }

    /** Clears the {@link #arriving} time: the request has been handled or passed on. */
    public void arrived() {
        arrivedAt = NOT_ARRIVING;
    }

    /**
     * The {@link #arriving} time of the request being passed on, or a new clock reading when there is none (a
     * request that reached the handlers some other way, such as later from a host's handler). The time is not
     * tied to one request: one that a host's handler held back and passes on while another is being handled
     * takes that one's time.
     */
    public long arrivedAt() {
        long t = arrivedAt;
        return t != NOT_ARRIVING ? t : System.nanoTime();
    }

    /** Notes that a frame (of any kind) arrived from the peer. */
    public void heard() {
        heard = true;
    }

    /**
     * Called once per keepalive sweep: returns 0 when the peer was {@linkplain #heard heard} since the last
     * sweep, else how many sweeps in a row have found it silent.
     */
    public int idleSweep() {
        if (heard) {
            heard = false;
            idleTicks = 0;
            return 0;
        }
        return ++idleTicks;
    }

    /** Marks the session as closing; returns {@code false} when it already was, so a close is sent once. */
    public boolean markClosing() {
        if (closing) {
            return false;
        }
        closing = true;
        return true;
    }

    /** Whether the session has left its loop's registry (its connection closed). Loop only. */
    public boolean removed() {
        return removed;
    }

    public boolean isClosing() {
        return closing;
    }

    @Override
    public String toString() {
        return "Session{" + connectionId + (userId == null ? "" : ", user=" + userId) + '}';
    }
}
