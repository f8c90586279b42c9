package dev.switchboard.core;

import java.util.Set;
import java.util.regex.Pattern;

/**
 * The rule for room and app channel names, one for every way in (client subscribe and publish, the HTTP
 * publish API): 1-128 characters of {@code A-Z a-z 0-9 _ : . @ / -}, which fit a Redis channel name and a log
 * line without escaping, and none of the gateway's own channels ({@code state}, {@code reply},
 * {@code error}), since rooms and app channels share the client's name space with them.
 */
public final class ChannelNames {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_:.@/-]{1,128}");
    private static final Set<String> RESERVED = Set.of("state", "reply", "error");

    private ChannelNames() {
    }

    /** Returns why {@code name} cannot be used (naming it as {@code field}), or {@code null} when it can. */
    public static String problem(String field, String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            return "\"" + field + "\" must be 1-128 of A-Z a-z 0-9 _ : . @ / -";
        }
        if (RESERVED.contains(name)) {
            return "\"" + name + "\" is a reserved channel";
        }
        return null;
    }
}
