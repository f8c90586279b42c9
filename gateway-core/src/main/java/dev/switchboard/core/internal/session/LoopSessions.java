package dev.switchboard.core.internal.session;

import dev.switchboard.core.spi.Delivery;
import io.netty.util.concurrent.EventExecutor;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

/**
 * The sessions of one event loop: all of them, by user and by room. Touched only on its loop, so no locks:
 * a fan-out runs one task per loop that walks these lists (DESIGN §6).
 *
 * <p>It also batches the flushes of fan-out writes: a written session is queued once, and one task per loop
 * flushes the queue after the fan-out tasks already waiting have run. Back-to-back broadcasts so reach each
 * socket in one {@code writev}, with no per-channel task (Netty's {@code FlushConsolidationHandler} submits
 * one per channel, which allocates per recipient).
 */
public final class LoopSessions {

    private final EventExecutor executor;
    private final SessionGroup all = new SessionGroup(true);
    private final Map<String, SessionGroup> users = new HashMap<>();
    private final Map<String, SessionGroup> rooms = new HashMap<>();
    private final Runnable flushTask = this::flushWritten;
    private Session[] written = new Session[16];
    private int writtenCount;
    private boolean flushScheduled;

    LoopSessions(EventExecutor executor) {
        this.executor = executor;
    }

    public EventExecutor executor() {
        return executor;
    }

    public int size() {
        return all.size();
    }

    void add(Session s) {
        all.add(s);
        if (s.userId() != null) {
            users.computeIfAbsent(s.userId(), k -> new SessionGroup(false)).add(s);
        }
    }

    void remove(Session s) {
        s.removed = true;
        all.remove(s);
        if (s.userId() != null) {
            leave(users, s.userId(), s);
        }
        for (String room : s.rooms()) {
            leave(rooms, room, s);
        }
    }

    boolean join(String room, Session s) {
        if (s.removed || !s.addRoom(room)) {
            return false;
        }
        rooms.computeIfAbsent(room, k -> new SessionGroup(false)).add(s);
        return true;
    }

    boolean part(String room, Session s) {
        if (!s.removeRoom(room)) {
            return false;
        }
        leave(rooms, room, s);
        return true;
    }

    private static void leave(Map<String, SessionGroup> index, String key, Session s) {
        SessionGroup g = index.get(key);
        if (g != null && g.remove(s) == 0) {
            index.remove(key);
        }
    }

    /** Notes that a frame was written to {@code s} without a flush. Must run on this loop. */
    public void written(Session s) {
        if (s.flushPending) {
            return;
        }
        s.flushPending = true;
        if (writtenCount == written.length) {
            written = Arrays.copyOf(written, writtenCount * 2);
        }
        written[writtenCount++] = s;
    }

    /** Schedules one flush of every session {@link #written} since the last; a no-op when one is due. */
    public void scheduleFlush() {
        if (flushScheduled || writtenCount == 0) {
            return;
        }
        flushScheduled = true;
        try {
            executor.execute(flushTask);
        } catch (RejectedExecutionException e) {
            flushWritten(); // the loop is shutting down: flush now what can still leave
        }
    }

    private void flushWritten() {
        flushScheduled = false;
        Session[] batch = written;
        int n = writtenCount;
        writtenCount = 0;
        for (int i = 0; i < n; i++) {
            Session s = batch[i];
            batch[i] = null;
            s.flushPending = false;
            s.flushFrames();
        }
    }

    /** Calls {@code action} for each session {@code target}/{@code key} names. Must run on this loop. */
    public void forEach(Delivery.Target target, String key, Consumer<Session> action) {
        SessionGroup g = switch (target) {
            case ALL -> all;
            case USER -> users.get(key);
            case ROOM -> rooms.get(key);
        };
        if (g != null) {
            g.forEach(action);
        }
    }
}
