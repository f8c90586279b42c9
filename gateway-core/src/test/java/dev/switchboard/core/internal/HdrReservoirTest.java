package dev.switchboard.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.codahale.metrics.Snapshot;
import io.netty.util.concurrent.FastThreadLocalThread;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class HdrReservoirTest {

    @Test
    void valuesFromEveryThreadAreInTheSnapshotWithinOnePercent() throws Exception {
        HdrReservoir r = new HdrReservoir();
        List<Thread> loops = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
            int offset = t;
            // Two event-loop-like threads and one plain thread (a slower thread-local path).
            Thread th = offset < 2 ? new FastThreadLocalThread(() -> record(r, offset)) : new Thread(() -> record(r, offset));
            loops.add(th);
            th.start();
        }
        for (Thread th : loops) {
            th.join();
        }
        Snapshot s = r.getSnapshot();
        assertThat(s.size()).isEqualTo(30_000);
        assertThat(s.getMin()).isEqualTo(1_000);
        assertThat((double) s.getMax()).isCloseTo(10_002_000, within(10_002_000 * 0.01));
        assertThat(s.getMedian()).isCloseTo(5_000_000, within(5_000_000 * 0.01));
        assertThat(s.get99thPercentile()).isCloseTo(9_900_000, within(9_900_000 * 0.01));
        assertThat(s.getMean()).isCloseTo(5_001_500, within(5_001_500 * 0.01));
        assertThat(s.getValues()).isSorted().isNotEmpty().hasSizeLessThan(30_000); // one per bucket
        assertThat(r.size()).isEqualTo(30_000); // reading again loses nothing
    }

    private static void record(HdrReservoir r, int offset) {
        for (int i = 1; i <= 10_000; i++) {
            r.update(i * 1_000L + offset * 1_000L); // 1 µs .. 10 ms
        }
    }

    @Test
    void aSnapshotCoversTheCurrentWindowAndThePreviousOne() {
        AtomicLong now = new AtomicLong();
        HdrReservoir r = new HdrReservoir(now::get);
        r.update(100);
        assertThat(r.getSnapshot().getValues()).containsExactly(100);
        now.addAndGet(HdrReservoir.WINDOW);
        r.update(200);
        assertThat(r.getSnapshot().size()).isEqualTo(2); // the window turned: both are in the previous one
        now.addAndGet(HdrReservoir.WINDOW / 2);
        r.update(300);
        assertThat(r.getSnapshot().size()).isEqualTo(3);
        now.addAndGet(HdrReservoir.WINDOW / 2);
        Snapshot s = r.getSnapshot(); // turned again: 100 and 200 are two windows old
        assertThat(s.size()).isEqualTo(1);
        assertThat(s.getMax()).isBetween(300L, 303L);
        now.addAndGet(HdrReservoir.WINDOW);
        assertThat(r.getSnapshot().size()).isZero();
    }

    @Test
    void anEmptySnapshotIsAllZeroesAndNegativeValuesCountAsZero() {
        HdrReservoir r = new HdrReservoir();
        Snapshot empty = r.getSnapshot();
        assertThat(empty.size()).isZero();
        assertThat(empty.get99thPercentile()).isZero();
        assertThat(empty.getMax()).isZero();
        assertThat(empty.getMean()).isZero();
        assertThat(empty.getValues()).isEmpty();
        assertThatThrownBy(() -> empty.getValue(1.5)).isInstanceOf(IllegalArgumentException.class);
        r.update(-5); // a clock step backwards must not throw on a loop
        assertThat(r.getSnapshot().getMax()).isZero();
    }
}
