package dev.switchboard.bench.load;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** What the machine says about processes: CPU time, resident memory, load average (Linux /proc). */
public final class Sys {

    private static final long TICK_NANOS = 10_000_000L; // USER_HZ is 100 on Linux

    private Sys() {
    }

    public static long selfPid() {
        return ProcessHandle.current().pid();
    }

    /** CPU time (user + system) this process has used, in nanoseconds. */
    public static long selfCpuNanos() {
        var os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            return sun.getProcessCpuTime();
        }
        return pidCpuNanos(selfPid());
    }

    /** CPU time of process {@code pid}, in nanoseconds; -1 when unknown. */
    public static long pidCpuNanos(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * TICK_NANOS;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Resident set size of {@code pid} in KiB; -1 when unknown. */
    public static long rssKib(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            // unknown
        }
        return -1;
    }

    /**
     * The kernel's {@code TcpExt ListenOverflows} and {@code ListenDrops} counters ({@code /proc/net/netstat}, this
     * network namespace): SYNs or handshakes dropped because an accept queue was full. {@code null} if unreadable.
     */
    public static long[] listenOverflowsAndDrops() {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/net/netstat"));
            for (int i = 0; i + 1 < lines.size(); i += 2) {
                String[] names = lines.get(i).split(" ");
                String[] values = lines.get(i + 1).split(" ");
                if (!names[0].equals("TcpExt:") || names.length != values.length) {
                    continue;
                }
                long overflows = -1;
                long drops = -1;
                for (int k = 1; k < names.length; k++) {
                    if (names[k].equals("ListenOverflows")) {
                        overflows = Long.parseLong(values[k]);
                    } else if (names[k].equals("ListenDrops")) {
                        drops = Long.parseLong(values[k]);
                    }
                }
                return overflows < 0 || drops < 0 ? null : new long[] {overflows, drops};
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or another format
        }
        return null;
    }

    /** The 1, 5 and 15 minute load averages. */
    public static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }

    public static double load1() {
        try {
            return Double.parseDouble(loadAverage().split(" ")[0]);
        } catch (RuntimeException e) {
            return -1;
        }
    }

    /** Measures CPU% of a process (100 = one core) between two calls. */
    public static final class CpuMeter {
        private final long pid;
        private long lastCpu;
        private long lastWall;
        private final long firstCpu;
        private final long firstWall;

        public CpuMeter(long pid) {
            this.pid = pid;
            lastCpu = firstCpu = cpu();
            lastWall = firstWall = System.nanoTime();
        }

        private long cpu() {
            return pid == selfPid() ? selfCpuNanos() : pidCpuNanos(pid);
        }

        /** CPU% since the previous sample. */
        public double sample() {
            long c = cpu();
            long w = System.nanoTime();
            double pct = c < 0 || w == lastWall ? -1 : 100.0 * (c - lastCpu) / (w - lastWall);
            lastCpu = c;
            lastWall = w;
            return pct;
        }

        /** CPU% since this meter was made. */
        public double overall() {
            long c = cpu();
            long w = System.nanoTime();
            return c < 0 || w == firstWall ? -1 : 100.0 * (c - firstCpu) / (w - firstWall);
        }

        /** CPU nanoseconds since this meter was made. */
        public long usedNanos() {
            long c = cpu();
            return c < 0 ? -1 : c - firstCpu;
        }
    }
}
