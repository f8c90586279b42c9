package dev.switchboard.bench;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** {@code --key=value} options (a bare {@code --flag} is {@code true}); unknown keys are reported, never ignored. */
public final class Args {

    private final Map<String, String> values = new LinkedHashMap<>();
    private final Set<String> used = new TreeSet<>();

    public Args(String[] args, int from) {
        for (int i = from; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("expected --key=value, got " + a);
            }
            int eq = a.indexOf('=');
            if (eq < 0) {
                values.put(a.substring(2), "true");
            } else {
                values.put(a.substring(2, eq), a.substring(eq + 1));
            }
        }
    }

    public Map<String, String> all() {
        return values;
    }

    public boolean has(String key) {
        used.add(key);
        return values.containsKey(key);
    }

    public String str(String key, String def) {
        used.add(key);
        return values.getOrDefault(key, def);
    }

    public int integer(String key, int def) {
        String v = str(key, null);
        try {
            return v == null ? def : Integer.parseInt(v.replace("_", "").replace("k", "000"));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + key + "=" + v + " (expected: an integer)");
        }
    }

    public double dbl(String key, double def) {
        String v = str(key, null);
        return v == null ? def : Double.parseDouble(v);
    }

    /** {@code true} or {@code false} (any case); a bare {@code --key} is {@code true}; anything else is refused. */
    public boolean bool(String key, boolean def) {
        String v = str(key, null);
        if (v == null) {
            return def;
        }
        if (v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(v);
        }
        throw new IllegalArgumentException("--" + key + "=" + v + " (expected: true or false)");
    }

    /** A duration: {@code 100us}, {@code 5ms}, {@code 1.5s}, {@code 2m}, or a bare number of seconds. */
    public Duration duration(String key, Duration def) {
        String v = str(key, null);
        if (v == null) {
            return def;
        }
        try {
            if (v.endsWith("us")) {
                return Duration.ofNanos((long) (Double.parseDouble(v.substring(0, v.length() - 2)) * 1000));
            }
            if (v.endsWith("ms")) {
                return Duration.ofNanos((long) (Double.parseDouble(v.substring(0, v.length() - 2)) * 1_000_000));
            }
            if (v.endsWith("s")) {
                return Duration.ofMillis((long) (Double.parseDouble(v.substring(0, v.length() - 1)) * 1000));
            }
            if (v.endsWith("m")) {
                return Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1)) * 60);
            }
            return Duration.ofMillis((long) (Double.parseDouble(v) * 1000));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + key + "=" + v + " (expected a duration: 100us, 5ms, 1.5s, 2m)");
        }
    }

    /** Fails on options nobody asked for (a typo would otherwise silently fall back to a default). */
    public void rejectUnknown() {
        Set<String> unknown = new TreeSet<>(values.keySet());
        unknown.removeAll(used);
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("unknown option(s): " + unknown);
        }
    }
}
