package dev.switchboard.core.internal.session;

import io.netty.util.concurrent.EventExecutor;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Every session of this instance, kept per event loop. {@link #add}, {@link #remove}, {@link #join} and
 * {@link #part} run on the session's own loop. Presence bookkeeping is delegated to {@link PresenceTracker}.
 */
public final class SessionRegistry {

    private final ConcurrentHashMap<EventExecutor, LoopSessions> byLoop = new ConcurrentHashMap<>();
    private final CopyOnWriteArrayList<LoopSessions> loops = new CopyOnWriteArrayList<>();
    private final AtomicInteger size = new AtomicInteger();
    private final PresenceTracker presence;
    private final Consumer<LoopSessions> onNewLoop;

    public SessionRegistry(PresenceTracker presence) {
        this(presence, loop -> { });
    }

    /** {@code onNewLoop} runs on a loop when it takes its first session (the keepalive starts its sweeps there). */
    public SessionRegistry(PresenceTracker presence, Consumer<LoopSessions> onNewLoop) {
        this.presence = presence;
        this.onNewLoop = onNewLoop;
    }

    /** Returns the loops that hold (or held) sessions; a fan-out sends one task to each. */
    public List<LoopSessions> loops() {
        return loops;
    }

    /** Returns how many sessions this instance holds. */
    public int size() {
        return size.get();
    }

    private LoopSessions loopOf(Session s) {
        EventExecutor executor = s.channel().eventLoop();
        LoopSessions ls = byLoop.get(executor);
        if (ls == null) {
            ls = byLoop.computeIfAbsent(executor, e -> {
                LoopSessions created = new LoopSessions(e);
                loops.add(created);
                return created;
            });
            if (ls.started()) {
                onNewLoop.accept(ls);
            }
        }
        return ls;
    }

    /** Registers an upgraded session. */
    public void add(Session s) {
        loopOf(s).add(s);
        size.incrementAndGet();
        presence.join(s.identity());
    }

    /** Forgets a closed session; returns {@code false} when it was not registered. */
    public boolean remove(Session s) {
        if (s.removed) {
            return false;
        }
        LoopSessions ls = byLoop.get(s.channel().eventLoop());
        if (ls == null) {
            return false;
        }
        ls.remove(s);
        size.decrementAndGet();
        presence.leave(s.identity());
        return true;
    }

    /** Adds {@code s} to {@code room}; returns {@code false} when it was a member already. */
    public boolean join(String room, Session s) {
        return loopOf(s).join(room, s);
    }

    /** Removes {@code s} from {@code room}; returns {@code false} when it was not a member. */
    public boolean part(String room, Session s) {
        return loopOf(s).part(room, s);
    }
}
