package dev.switchboard.app.testing;

import dev.switchboard.core.SessionInfo;
import java.util.Map;
import java.util.Set;

/** A {@link SessionInfo} for listener tests. */
public record FakeSession(String connectionId, String userId, String fingerprint) implements SessionInfo {

    @Override
    public String identity() {
        return userId != null ? "u:" + userId : "c:" + connectionId;
    }

    @Override
    public String remoteAddress() {
        return "127.0.0.1";
    }

    @Override
    public Map<String, Object> claims() {
        return Map.of();
    }

    @Override
    public Set<String> rooms() {
        return Set.of();
    }
}
