package dev.switchboard.app.testing;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A logback appender (see logback-test.xml) that remembers Netty's {@code LEAK:} reports, so a test class can
 * fail on them instead of leaving them to be spotted in the log.
 */
public final class LeakWatch extends AppenderBase<ILoggingEvent> {

    private static final List<String> LEAKS = new CopyOnWriteArrayList<>();

    @Override
    protected void append(ILoggingEvent e) {
        String m = e.getFormattedMessage();
        if (m != null && m.contains("LEAK:")) {
            LEAKS.add(m);
        }
    }

    /**
     * Collects garbage, allocates a little so the detector looks at its reference queue, and fails when any
     * leak was reported so far.
     */
    public static void assertNoLeaks() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
            for (int j = 0; j < 64; j++) {
                io.netty.buffer.PooledByteBufAllocator.DEFAULT.buffer(64).release();
            }
        }
        if (!LEAKS.isEmpty()) {
            throw new AssertionError("Netty reported buffer leaks:\n" + String.join("\n", LEAKS));
        }
    }
}
