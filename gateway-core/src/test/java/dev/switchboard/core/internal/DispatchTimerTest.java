package dev.switchboard.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class DispatchTimerTest {

    @Test
    void everyWayOfTimingCountsOnceAndLandsInTheSnapshot() throws Exception {
        DispatchTimer t = new DispatchTimer();
        t.update(2, TimeUnit.MILLISECONDS);
        t.update(Duration.ofMillis(4));
        t.update(-1, TimeUnit.NANOSECONDS); // a clock step backwards is dropped, as Dropwizard drops it
        assertThat(t.time(() -> "x")).isEqualTo("x");
        assertThat(t.timeSupplier(() -> 7)).isEqualTo(7);
        t.time(() -> { });
        try (Timer.Context c = t.time()) {
            assertThat(c).isNotNull();
        }
        assertThat(t.getCount()).isEqualTo(6);
        assertThat(t.getSnapshot().size()).isEqualTo(6);
        assertThat(t.getSnapshot().getMax()).isBetween(4_000_000L, 4_040_000L); // within 1 %
    }

    @Test
    void ratesFollowTheCountWhenRead() {
        DispatchTimer t = new DispatchTimer();
        assertThat(t.getMeanRate()).isZero();
        for (int i = 0; i < 100; i++) {
            t.update(1, TimeUnit.MICROSECONDS);
        }
        assertThat(t.getMeanRate()).isPositive();
        assertThat(t.getOneMinuteRate()).isGreaterThanOrEqualTo(0);
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
