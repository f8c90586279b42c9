package dev.switchboard.bench.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SlowLogTest {

    @TempDir
    Path dir;

    @Test
    void keepsOnlyRoundTripsOfAtLeastTheThresholdInTheOrderTheyCame() throws Exception {
        SlowLog log = new SlowLog(1_000_000, 10);
        log.record(100, 1_000_099); // 999,999 ns: under
        log.record(200, 1_000_200); // exactly the threshold: kept
        log.record(300, 5_000_300);
        Path file = dir.resolve("sub/slow.txt");
        log.write(file);
        List<String> lines = Files.readAllLines(file);
        assertThat(lines.get(0)).startsWith("# round trips >= 1000000 ns").contains("kept 2", "dropped past the capacity 0");
        assertThat(lines.subList(1, lines.size())).containsExactly("200 1000200", "300 5000300");
        assertThat(log.recorded()).isEqualTo(2);
    }

    @Test
    void pastItsCapacityCountsWhatItDoesNotKeep() throws Exception {
        SlowLog log = new SlowLog(1, 2);
        for (int i = 0; i < 5; i++) {
            log.record(i, i + 10);
        }
        assertThat(log.recorded()).isEqualTo(2);
        assertThat(log.dropped()).isEqualTo(3);
        Path file = dir.resolve("slow.txt");
        log.write(file);
        assertThat(Files.readAllLines(file)).hasSize(3).element(0).asString().contains("kept 2", "capacity 3");
    }

    @Test
    void keepsEveryRoundTripRecordedFromSeveralThreads() throws Exception {
        SlowLog log = new SlowLog(1, 40_000);
        Thread[] threads = new Thread[4];
        for (int t = 0; t < threads.length; t++) {
            long base = t * 1_000_000L;
            threads[t] = new Thread(() -> {
                for (int i = 0; i < 10_000; i++) {
                    log.record(base + i, base + i + 5);
                }
            });
            threads[t].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        Path file = dir.resolve("slow.txt");
        log.write(file);
        List<String> lines = Files.readAllLines(file);
        assertThat(lines).hasSize(40_001);
        assertThat(lines.stream().skip(1).map(l -> l.split(" ")).mapToLong(f -> Long.parseLong(f[0])).distinct().count())
                .isEqualTo(40_000);
        assertThat(lines.stream().skip(1).map(l -> l.split(" "))
                .allMatch(f -> Long.parseLong(f[1]) - Long.parseLong(f[0]) == 5)).isTrue();
    }

    @Test
    void refusesAThresholdOrCapacityThatIsNotAboveZero() {
        assertThatThrownBy(() -> new SlowLog(0, 1)).hasMessageContaining("--slow-threshold must be above 0");
        assertThatThrownBy(() -> new SlowLog(1, 0)).hasMessageContaining("capacity must be above 0");
    }
}
