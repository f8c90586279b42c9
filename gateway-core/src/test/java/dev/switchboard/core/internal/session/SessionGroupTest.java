package dev.switchboard.core.internal.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SessionGroupTest {

    static Session session(String fp) {
        return new Session(new EmbeddedChannel(), "i-" + fp, null, fp, "127.0.0.1", Map.of(), 10);
    }

    @Test
    void removalDuringAWalkNeitherSkipsNorRepeats() {
        SessionGroup g = new SessionGroup();
        List<Session> all = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            Session s = session("s" + i);
            all.add(s);
            g.add(s);
        }
        List<Session> seen = new ArrayList<>();
        g.forEach(s -> {
            seen.add(s);
            if (s == all.get(1)) {
                g.remove(all.get(1)); // removes itself
                g.remove(all.get(4)); // and one not yet visited
            }
        });
        assertThat(seen).containsExactlyElementsOf(all); // nothing skipped, nothing twice
        assertThat(g.size()).isEqualTo(4);
        List<Session> after = new ArrayList<>();
        g.forEach(after::add);
        assertThat(after).containsExactlyInAnyOrder(all.get(0), all.get(2), all.get(3), all.get(5));
    }

    @Test
    void sessionsThatLeftTheGatewayAreSkipped() {
        SessionGroup g = new SessionGroup();
        Session a = session("a");
        Session b = session("b");
        g.add(a);
        g.add(b);
        a.removed = true;
        List<Session> seen = new ArrayList<>();
        g.forEach(seen::add);
        assertThat(seen).containsExactly(b);
    }
}
