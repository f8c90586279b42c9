package dev.switchboard.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RequestScenarioTest {

    @Test
    void idsAreWrittenInDecimalAsStringValueOfWouldWriteThem() {
        for (long n : new long[] {0, 7, 9, 10, 99, 100, 1_000_003, 1_234_567_890_123L, Long.MAX_VALUE}) {
            ByteBuf b = Unpooled.buffer();
            RequestScenario.writeDecimal(b, n);
            assertThat(b.toString(StandardCharsets.US_ASCII)).isEqualTo(Long.toString(n));
            b.release();
        }
    }
}
