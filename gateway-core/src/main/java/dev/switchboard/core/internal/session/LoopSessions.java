package dev.switchboard.core.internal.session;

import dev.switchboard.core.spi.Delivery;
import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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

    private static final Logger log = LoggerFactory.getLogger(LoopSessions.class);

    private final EventExecutor executor;
    private final SessionGroup all = new SessionGroup(true);
    private final Map<String, SessionGroup> users = new HashMap<>();
    private final Map<String, SessionGroup> rooms = new HashMap<>();
    /**
     * Sessions a broadcast visits per task of its loop (~1 ms of writes on the machine of docs/benchmarks.md);
     * system property {@code switchboard.fanout.step} (FanoutBench sets it to compare the walk alone).
     */
    static final int STEP = Math.max(1, Integer.getInteger("switchboard.fanout.step", 256));

    private final Runnable flushTask = this::flushWritten;
    private final Runnable pumpTask = this::pump;
    private final ArrayDeque<Walk> walks = new ArrayDeque<>();
    private boolean pumping;
    private boolean pumpScheduled;
    private Session[] written = new Session[16];
    private int writtenCount;
    private boolean flushScheduled;
    private boolean started;

    LoopSessions(EventExecutor executor) {
        this.executor = executor;
        // A loop that shuts down cancels its scheduled tasks, among them a broadcast's next step: the walks left
        // are finished (their frames released) once the loop has ended, when nothing else touches them.
        try {
            executor.terminationFuture().addListener(f -> abandonWalks());
        } catch (UnsupportedOperationException e) {
            // EmbeddedEventLoop (tests, an embedder's EmbeddedChannel): it has no termination; nothing is scheduled
            // past a shutdown there.
        }
    }

    public EventExecutor executor() {
        return executor;
    }

    public int size() {
        return all.size();
    }

    /** Returns {@code true} the first time it is called, {@code false} after. Must run on this loop. */
    boolean started() {
        if (started) {
            return false;
        }
        started = true;
        return true;
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
        SessionGroup g = group(target, key);
        if (g != null) {
            g.forEach(action);
        }
    }

    /** Returns the sessions {@code target}/{@code key} names, or {@code null} when there are none. */
    public SessionGroup group(Delivery.Target target, String key) {
        return switch (target) {
            case ALL -> all;
            case USER -> users.get(key);
            case ROOM -> rooms.get(key);
        };
    }

    /** A walk over sessions that the loop runs in steps, in the order walks were submitted. */
    public interface Walk {
        /** Visits at most {@code budget} sessions; returns how many it visited. */
        int step(int budget);

        /** Whether every session was visited. */
        boolean done();

        /** Called once, after the last step. */
        void finish();
    }

    /**
     * Runs {@code walk} after the walks already submitted, {@link #STEP} sessions per task: a broadcast to
     * thousands then lets the loop's other work (handshakes, requests, reads) in between its steps, rather than
     * holding the loop for tens of milliseconds, and each session still gets its messages in publish order.
     * Must run on this loop.
     */
    public void submit(Walk walk) {
        walks.add(walk);
        if (!pumping && !pumpScheduled) {
            pump();
        }
    }

    private void pump() {
        pumpScheduled = false;
        pumping = true;
        try {
            int budget = STEP;
            Walk w;
            while (budget > 0 && (w = walks.peek()) != null) {
                try {
                    budget -= w.step(budget);
                } catch (RuntimeException e) {
                    budget--; // the failed session is behind the walk's cursor: it goes on after it
                    log.warn("fan-out step failed; the walk goes on", e);
                }
                if (!w.done()) {
                    break;
                }
                walks.poll();
                w.finish();
            }
        } finally {
            pumping = false;
        }
        if (walks.size() <= 1) {
            // What this step wrote leaves before the next step; with more broadcasts queued, their frames are
            // written first and leave together (one writev per session), as without steps.
            scheduleFlush();
        }
        if (!walks.isEmpty()) {
            pumpScheduled = true;
            try {
                // Scheduled, not executed: Netty runs the tasks it has for up to a second before it looks at
                // the sockets again, and takes in scheduled ones once per pass, so the next step comes after
                // the loop's pending I/O (a handshake, a request) rather than before it.
                executor.schedule(pumpTask, 0, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                drainWalks(); // the loop is shutting down
            }
        }
    }

    /** After the loop ended: finishes the walks it will never step again, writing nothing (its channels are closed). */
    private void abandonWalks() {
        Walk w;
        while ((w = walks.poll()) != null) {
            try {
                w.finish();
            } catch (RuntimeException e) {
                log.debug("finishing an abandoned fan-out failed", e);
            }
        }
    }

    private void drainWalks() {
        Walk w;
        while ((w = walks.poll()) != null) {
            while (!w.done()) {
                w.step(Integer.MAX_VALUE);
            }
            w.finish();
        }
        flushWritten();
    }
}
