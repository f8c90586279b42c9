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

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(booleans = {true, false})
    void removalDuringAWalkNeitherSkipsNorRepeats(boolean indexed) {
        SessionGroup g = new SessionGroup(indexed);
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
    void indexedRemovalKeepsEveryOtherMemberReachable() {
        SessionGroup g = new SessionGroup(true);
        List<Session> all = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            Session s = session("s" + i);
            all.add(s);
            g.add(s);
        }
        for (int i = 0; i < 50; i += 3) {
            g.remove(all.get(i));
        }
        g.remove(all.get(0)); // twice: nothing happens
        List<Session> left = new ArrayList<>();
        g.forEach(left::add);
        List<Session> expected = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            if (i % 3 != 0) {
                expected.add(all.get(i));
            }
        }
        assertThat(left).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(g.size()).isEqualTo(expected.size());
    }

    @Test
    void sessionsThatLeftTheGatewayAreSkipped() {
        SessionGroup g = new SessionGroup(false);
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
