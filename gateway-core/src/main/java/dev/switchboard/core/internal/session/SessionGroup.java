package dev.switchboard.core.internal.session;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * A list of sessions of one event loop, touched only on that loop. A removal while the list is being walked
 * is applied when the walk ends, so no session is skipped or visited twice. (Netty fires
 * {@code channelInactive} later, not inside the write that closes a channel, so this is a safety net.)
 */
public final class SessionGroup {

    /**
     * Whether this group keeps each member's index in {@link Session#slot}, so that removing one costs O(1)
     * instead of a scan: the per-loop group of all sessions, where a disconnect would otherwise scan thousands.
     * A session is in one such group only.
     */
    private final boolean indexed;
    private Session[] items = new Session[4];
    private int size;
    private int walking;
    private List<Session> pending;

    SessionGroup(boolean indexed) {
        this.indexed = indexed;
    }

    int size() {
        return size - (pending == null ? 0 : pending.size());
    }

    void add(Session s) {
        if (size == items.length) {
            items = Arrays.copyOf(items, size * 2);
        }
        if (indexed) {
            s.slot = size;
        }
        items[size++] = s;
    }

    /** Removes {@code s}; returns how many sessions remain. */
    int remove(Session s) {
        if (walking > 0) {
            if (pending == null) {
                pending = new ArrayList<>(2);
            }
            pending.add(s);
        } else {
            removeNow(s);
        }
        return size();
    }

    private void removeNow(Session s) {
        if (indexed) {
            int i = s.slot;
            if (i >= 0 && i < size && items[i] == s) {
                Session last = items[--size];
                items[i] = last;
                last.slot = i;
                items[size] = null;
                s.slot = -1;
            }
            return;
        }
        for (int i = 0; i < size; i++) {
            if (items[i] == s) {
                items[i] = items[--size];
                items[size] = null;
                return;
            }
        }
    }

    /** Calls {@code action} for every session that has not left the gateway. */
    void forEach(Consumer<Session> action) {
        int end = pin();
        try {
            for (int i = 0; i < end; i++) {
                Session s = items[i];
                if (!s.removed) {
                    action.accept(s);
                }
            }
        } finally {
            unpin();
        }
    }

    /**
     * Starts a walk that may span several tasks of this loop: until {@link #unpin}, removals are deferred, so
     * {@link #at} keeps every index below the returned end. Sessions added meanwhile are beyond it.
     */
    public int pin() {
        walking++;
        return size;
    }

    /** Returns the session at {@code i}, below the end {@link #pin} returned; it may have left ({@code removed}). */
    public Session at(int i) {
        return items[i];
    }

    /** Ends a walk {@link #pin} started; the removals it deferred are applied when the last walk ends. */
    public void unpin() {
        if (--walking == 0 && pending != null) {
            List<Session> done = pending;
            pending = null;
            done.forEach(this::removeNow);
        }
    }
}
