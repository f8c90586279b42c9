package dev.switchboard.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.bench.load.WriteFloor;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@code write-floor}: every socket gets its message in every round, and bad options are refused by name. */
class WriteFloorTest {

    private final ByteArrayOutputStream console = new ByteArrayOutputStream();

    private WriteFloor.Result run(String... options) throws Exception {
        return WriteFloor.run(new Args(options, 0), new PrintStream(console, true, StandardCharsets.UTF_8));
    }

    private String printed() {
        return console.toString(StandardCharsets.UTF_8);
    }

    @Test
    void anAwakeReaderReceivesEveryMessageOfEveryRound() throws Exception {
        WriteFloor.Result r = run("--sockets=64", "--rounds=3", "--interval=0s", "--size=300", "--reader=awake");
        // The reader's wait throws unless all 64 sockets got all 300 bytes in each round.
        assertThat(printed()).contains("round 1/3: 64 writes", "round 3/3: 64 writes");
        assertThat(r.perRound().split(" / ")).hasSize(3);
        assertThat(r.bytesReceived()).isEqualTo(64L * 300 * 3);
        assertThat(r.roundMs()).isPositive();
        assertThat(r.p50Ms()).isPositive().isLessThanOrEqualTo(r.p99Ms());
        assertThat(r.p99Ms()).isLessThanOrEqualTo(r.maxMs());
    }

    @Test
    void aParkedReaderIsDrainedAfterEachRound() throws Exception {
        WriteFloor.Result r = run("--sockets=8", "--rounds=3", "--interval=0s", "--size=40000", "--reader=parked");
        assertThat(printed()).contains("round 3/3: 8 writes").contains("reader parked");
        // Every byte of every round was read back after its round, none during it.
        assertThat(r.bytesReceived()).isEqualTo(8L * 40000 * 3);
        assertThat(r.roundMs()).isPositive();
        assertThat(r.p99Ms()).isZero();
    }

    @Test
    void badOptionsAreRefusedWithTheirName() {
        assertThatThrownBy(() -> run("--sockets=9001")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--sockets=9001");
        assertThatThrownBy(() -> run("--sockets=0")).hasMessageContaining("--sockets=0");
        assertThatThrownBy(() -> run("--size=0")).hasMessageContaining("--size=0");
        assertThatThrownBy(() -> run("--rounds=1001")).hasMessageContaining("--rounds=1001");
        assertThatThrownBy(() -> run("--interval=61s")).hasMessageContaining("--interval=");
        assertThatThrownBy(() -> run("--reader=sleepy")).hasMessageContaining("--reader=sleepy");
        assertThatThrownBy(() -> run("--socket=10")).hasMessageContaining("socket");
    }
}
