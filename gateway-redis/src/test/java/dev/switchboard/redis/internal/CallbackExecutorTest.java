package dev.switchboard.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.core.Transport;
import io.netty.channel.EventLoopGroup;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CallbackExecutorTest {

    private final EventLoopGroup group = Transport.NIO.newGroup(2, "callback-test");
    private final CallbackExecutor executor = new CallbackExecutor(group, 1);

    @AfterEach
    void close() throws InterruptedException {
        executor.shutdown();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void aCallbackHandedOverFromASharedLoopRunsOnThatLoopBeforeExecuteReturns() throws Exception {
        for (var loop : group) {
            CompletableFuture<String> ranInline = new CompletableFuture<>();
            loop.submit(() -> {
                Thread caller = Thread.currentThread();
                boolean[] ran = {false};
                executor.execute(() -> ran[0] = Thread.currentThread() == caller);
                ranInline.complete(ran[0] ? caller.getName() : "not inline");
            }).sync();
            assertThat(ranInline.get(5, TimeUnit.SECONDS)).startsWith("callback-test");
        }
    }

    @Test
    void aCallbackThatThrowsOnALoopDoesNotReachTheCaller() throws Exception {
        CompletableFuture<Boolean> callerWentOn = new CompletableFuture<>();
        group.next().execute(() -> {
            try {
                executor.execute(() -> {
                    throw new IllegalStateException("listener bug");
                });
                callerWentOn.complete(true);
            } catch (RuntimeException e) {
                callerWentOn.complete(false);
            }
        });
        assertThat(callerWentOn.get(5, TimeUnit.SECONDS)).as("Redisson's decoder must not see the exception").isTrue();
    }

    @Test
    void aCallbackFromAnyOtherThreadRunsOnThePool() throws Exception {
        CompletableFuture<String> thread = new CompletableFuture<>();
        executor.execute(() -> thread.complete(Thread.currentThread().getName()));
        assertThat(thread.get(5, TimeUnit.SECONDS)).startsWith("switchboard-redis-callback");

        EventLoopGroup other = Transport.NIO.newGroup(1, "not-shared");
        try {
            CompletableFuture<String> fromOtherLoop = new CompletableFuture<>();
            other.next().execute(() -> executor.execute(
                    () -> fromOtherLoop.complete(Thread.currentThread().getName())));
            assertThat(fromOtherLoop.get(5, TimeUnit.SECONDS)).startsWith("switchboard-redis-callback");
        } finally {
            other.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void afterShutdownNothingRunsAnywhere() throws Exception {
        executor.shutdown();
        assertThat(executor.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
        assertThat(executor.isShutdown()).isTrue();
        assertThatThrownBy(() -> executor.execute(() -> { })).isInstanceOf(RejectedExecutionException.class);
        CompletableFuture<Throwable> onLoop = new CompletableFuture<>();
        group.next().execute(() -> {
            try {
                executor.execute(() -> onLoop.complete(null));
            } catch (RejectedExecutionException e) {
                onLoop.complete(e);
            }
        });
        assertThat(onLoop.get(5, TimeUnit.SECONDS)).isInstanceOf(RejectedExecutionException.class);
    }
}
