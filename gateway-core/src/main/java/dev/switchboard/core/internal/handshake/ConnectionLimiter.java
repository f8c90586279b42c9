package dev.switchboard.core.internal.handshake;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Counts connections in total and per client address; a slot is taken at the upgrade request. */
public final class ConnectionLimiter {

    /** Why a slot was refused, or that it was granted. */
    public enum Verdict { GRANTED, TOTAL, PER_IP }

    private final int maxTotal;
    private final int maxPerIp;
    private final AtomicInteger total = new AtomicInteger();
    private final ConcurrentHashMap<String, AtomicInteger> perIp = new ConcurrentHashMap<>();

    public ConnectionLimiter(int maxTotal, int maxPerIp) {
        this.maxTotal = maxTotal;
        this.maxPerIp = maxPerIp;
    }

    /** Takes a slot for {@code ip}; on {@link Verdict#GRANTED} the caller must {@link #release} it once. */
    public Verdict acquire(String ip) {
        if (total.incrementAndGet() > maxTotal) {
            total.decrementAndGet();
            return Verdict.TOTAL;
        }
        boolean[] granted = {false};
        perIp.compute(ip, (k, n) -> {
            if (n == null) {
                n = new AtomicInteger();
            }
            if (n.get() < maxPerIp) {
                n.incrementAndGet();
                granted[0] = true;
            }
            return n;
        });
        if (!granted[0]) {
            total.decrementAndGet();
            return Verdict.PER_IP;
        }
        return Verdict.GRANTED;
    }

    public void release(String ip) {
        perIp.computeIfPresent(ip, (k, n) -> n.decrementAndGet() == 0 ? null : n);
        total.decrementAndGet();
    }

    public int total() {
        return total.get();
    }
}
