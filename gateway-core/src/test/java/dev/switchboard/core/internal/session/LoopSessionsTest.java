package dev.switchboard.core.internal.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.EventLoop;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class LoopSessionsTest {

    /** A walk over {@code sessions} sessions that counts its steps and its finish. */
    static final class CountingWalk implements LoopSessions.Walk {
        final int sessions;
        int visited;
        final AtomicInteger finished = new AtomicInteger();
        final CountDownLatch finish = new CountDownLatch(1);

        CountingWalk(int sessions) {
            this.sessions = sessions;
        }

        @Override
        public int step(int budget) {
            int n = Math.min(budget, sessions - visited);
            visited += n;
            return n;
        }

        @Override
        public boolean done() {
            return visited >= sessions;
        }

        @Override
        public void finish() {
            finished.incrementAndGet();
            finish.countDown();
        }
    }

    @Test
    void aWalkRunsInStepsToItsEndAndFinishesOnce() throws Exception {
        DefaultEventLoopGroup group = new DefaultEventLoopGroup(1);
        try {
            EventLoop loop = group.next();
            LoopSessions sessions = new LoopSessions(loop);
            CountingWalk walk = new CountingWalk(LoopSessions.STEP * 3 + 1);
            loop.execute(() -> sessions.submit(walk));
            assertThat(walk.finish.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(walk.visited).isEqualTo(LoopSessions.STEP * 3 + 1);
            assertThat(walk.finished).hasValue(1);
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void walksLeftWhenTheLoopShutsDownAreFinishedSoTheirFramesAreReleased() throws Exception {
        DefaultEventLoopGroup group = new DefaultEventLoopGroup(1);
        EventLoop loop = group.next();
        LoopSessions sessions = new LoopSessions(loop);
        CountingWalk walk = new CountingWalk(LoopSessions.STEP * 100);
        CountingWalk queued = new CountingWalk(1);
        loop.execute(() -> {
            sessions.submit(walk); // first step now, the next one scheduled
            sessions.submit(queued);
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS); // cancels the scheduled step
        });
        assertThat(group.terminationFuture().await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(walk.finish.await(5, TimeUnit.SECONDS)).as("the cut-off walk is finished").isTrue();
        assertThat(queued.finish.await(5, TimeUnit.SECONDS)).as("the walk behind it too").isTrue();
        assertThat(walk.visited).isLessThan(walk.sessions);
        assertThat(walk.finished).hasValue(1);
        assertThat(queued.finished).hasValue(1);
    }
}
