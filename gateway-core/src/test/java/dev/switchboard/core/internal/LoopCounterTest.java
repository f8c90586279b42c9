package dev.switchboard.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class LoopCounterTest {

    @Test
    void countsOnSeveralLoopsAndOtherThreadsAddUp() throws Exception {
        LoopCounter c = new LoopCounter();
        DefaultEventLoopGroup loops = new DefaultEventLoopGroup(3);
        try {
            List<Future<?>> done = new ArrayList<>();
            int i = 0;
            for (io.netty.util.concurrent.EventExecutor e : loops) {
                int n = 100_000 * ++i;
                done.add(((EventLoop) e).submit(() -> {
                    for (int k = 0; k < n; k++) {
                        c.inc();
                    }
                    c.inc(7);
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
            c.inc(5); // this thread, not a loop
            assertThat(c.getCount()).isEqualTo(600_000 + 3 * 7 + 5);
            // A loop that counts again adds to its own cell: no new one.
            loops.next().submit(() -> c.inc()).get();
            assertThat(c.getCount()).isEqualTo(600_000 + 3 * 7 + 5 + 1);
        } finally {
            loops.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void onlyCountsUp() {
        LoopCounter c = new LoopCounter();
        assertThatThrownBy(c::dec).isInstanceOf(UnsupportedOperationException.class);
        assertThat(c.getCount()).isZero();
    }
}
