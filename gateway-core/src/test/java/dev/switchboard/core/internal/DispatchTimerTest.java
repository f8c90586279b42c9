package dev.switchboard.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class DispatchTimerTest {

    @Test
    void recordedDurationsLandInTheSnapshotWithinOnePercent() {
        DispatchTimer t = new DispatchTimer();
        t.update(2, TimeUnit.MILLISECONDS);
        t.update(Duration.ofMillis(4));
        t.update(-1, TimeUnit.NANOSECONDS); // a clock step backwards is dropped, as Dropwizard drops it
        assertThat(t.getCount()).isEqualTo(2);
        assertThat(t.getSnapshot().getMin()).isBetween(1_980_000L, 2_020_000L);
        assertThat(t.getSnapshot().getMax()).isBetween(3_960_000L, 4_040_000L);
    }

    @Test
    void everyWayOfTimingCountsOnce() throws Exception {
        DispatchTimer t = new DispatchTimer();
        assertThat(t.time(() -> "x")).isEqualTo("x");
        assertThat(t.timeSupplier(() -> 7)).isEqualTo(7);
        t.time(() -> { });
        Timer.Context c = t.time();
        c.stop();
        assertThat(t.getCount()).isEqualTo(4);
        assertThat(t.getSnapshot().size()).isEqualTo(4);
    }

    @Test
    void requestsCountedUntimedCountInTheRatesButNotInTheQuantiles() {
        AtomicLong now = new AtomicLong(1_000_000_000L);
        DispatchTimer t = new DispatchTimer(now::get);
        for (int second = 1; second <= 600; second++) { // ten minutes at 160 requests a second, one in 16 timed
            for (int i = 0; i < 160; i++) {
                if (i % DispatchTimer.SAMPLE_ONE_IN == 0) {
                    t.updateSampled(3_000);
                } else {
                    t.countUntimed();
                }
            }
            now.addAndGet(TimeUnit.SECONDS.toNanos(1));
        }
        assertThat(t.getCount()).isEqualTo(96_000);
        assertThat(t.getOneMinuteRate()).isCloseTo(160, within(3.0));
        assertThat(t.getMeanRate()).isCloseTo(160, within(1.0));
        assertThat(t.getSnapshot().size()).as("6,000 samples standing for 16 each").isEqualTo(96_000);
        assertThat(t.getSnapshot().getMin()).isBetween(2_970L, 3_030L);
    }

    @Test
    void sampledFastAnswersKeepTheirWeightBesideAlwaysTimedSlowOnes() {
        // A controller with a fast module answering at once (sampled) and a slow one answering later (always
        // timed): nine fast answers in ten. The median is a fast answer, the 95th percentile a slow one.
        DispatchTimer t = new DispatchTimer();
        int fast = 0;
        for (int i = 0; i < 160_000; i++) {
            if (i % 10 == 0) {
                t.update(5, TimeUnit.MILLISECONDS);
            } else if (fast++ % DispatchTimer.SAMPLE_ONE_IN == 0) {
                t.updateSampled(1_000);
            } else {
                t.countUntimed();
            }
        }
        assertThat(t.getCount()).isEqualTo(160_000);
        assertThat(t.getSnapshot().getMedian()).isBetween(990.0, 1_010.0);
        assertThat(t.getSnapshot().getValue(0.95)).isBetween(4_950_000.0, 5_050_000.0);
    }

    @Test
    void aSteadyRateReadsAsThatRateHoweverOftenItIsRead() {
        for (int readEverySeconds : new int[] {1, 15, 60}) {
            AtomicLong now = new AtomicLong(1_000_000_000L);
            DispatchTimer t = new DispatchTimer(now::get);
            for (int second = 1; second <= 1800; second++) { // half an hour at 100 requests a second
                for (int i = 0; i < 100; i++) {
                    t.update(1, TimeUnit.MICROSECONDS);
                }
                now.addAndGet(TimeUnit.SECONDS.toNanos(1));
                if (second % readEverySeconds == 0) {
                    t.getOneMinuteRate();
                }
            }
            assertThat(t.getOneMinuteRate()).as("read every %d s", readEverySeconds).isCloseTo(100, within(3.0));
            assertThat(t.getFiveMinuteRate()).isCloseTo(100, within(3.0));
            assertThat(t.getFifteenMinuteRate()).isCloseTo(100, within(3.0));
            assertThat(t.getMeanRate()).isCloseTo(100, within(1.0));
        }
    }

    @Test
    void ratesReadForTheFirstTimeAfterAnHourAreNotInflated() {
        AtomicLong now = new AtomicLong(0);
        DispatchTimer t = new DispatchTimer(now::get);
        for (int second = 0; second < 3600; second++) {
            for (int i = 0; i < 50; i++) {
                t.update(1, TimeUnit.MICROSECONDS);
            }
            now.addAndGet(TimeUnit.SECONDS.toNanos(1));
        }
        assertThat(t.getOneMinuteRate()).isCloseTo(50, within(2.0));
        assertThat(t.getFifteenMinuteRate()).isCloseTo(50, within(2.0));
        now.addAndGet(TimeUnit.MINUTES.toNanos(30)); // then silence: the rates decay
        assertThat(t.getOneMinuteRate()).isLessThan(0.01);
        assertThat(t.getFifteenMinuteRate()).isLessThan(50 * 0.2);
    }

    @Test
    void theGatewayRegistersItsDispatchTimersAsThese() {
        MetricRegistry registry = new MetricRegistry();
        GatewayMetrics metrics = new GatewayMetrics(registry);
        metrics.dispatch("ping").update(5, TimeUnit.MICROSECONDS);
        assertThat(registry.getTimers().get("switchboard.dispatch.ping")).isInstanceOf(DispatchTimer.class)
                .extracting(Timer::getCount).isEqualTo(1L);
        assertThat(metrics.dispatch("ping")).isSameAs(registry.getTimers().get("switchboard.dispatch.ping"));
    }
}
