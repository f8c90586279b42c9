package dev.switchboard.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.bench.load.Run;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Draws latency percentiles per server (p50, p99, p99.9, max; log scale, milliseconds) as an SVG, from
 * result JSON files of the load generator or a {@code compare} summary. {@code chart --out=x.svg a.json b.json}.
 */
public final class Chart {

    private static final String[] KEYS = {"p50", "p99", "p99_9", "max"};
    private static final String[] NAMES = {"p50", "p99", "p99.9", "max"};
    private static final String[] COLORS = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948"};

    private Chart() {
    }

    /** A labelled set of latencies in microseconds, plus a caption line (throughput, CPU). */
    public record Series(String label, long[] micros, String caption) {
    }

    public static void main(Args a, List<String> files) throws IOException {
        String out = a.str("out", "chart.svg");
        String title = a.str("title", "End-to-end latency");
        a.rejectUnknown();
        List<Series> series = new ArrayList<>();
        for (String f : files) {
            JsonNode n = Run.JSON.readTree(Path.of(f).toFile());
            if (n.has("servers")) {
                for (JsonNode s : n.get("servers")) {
                    series.add(series(s.path("server").asText(), s.path("median"), s.path("median")));
                }
                if (!a.has("title") && n.has("title")) {
                    title = n.get("title").asText();
                }
            } else {
                series.add(series(n.path("label").asText(f), n, n));
            }
        }
        Files.writeString(Path.of(out), svg(title, series));
        System.out.println("wrote " + out);
    }

    static Series series(String label, JsonNode lat, JsonNode figures) {
        JsonNode l = lat.has("latency_us") ? lat.get("latency_us") : lat;
        long[] v = new long[KEYS.length];
        for (int i = 0; i < KEYS.length; i++) {
            v[i] = l.path(KEYS[i]).asLong(0);
        }
        String caption = figures.has("deliveries_per_s")
                ? String.format(Locale.ROOT, "%,d deliveries/s, client CPU %d%%", figures.get("deliveries_per_s").asLong(),
                figures.path("client_cpu_pct").asLong())
                : figures.has("round_trips_per_s")
                ? String.format(Locale.ROOT, "%,d round trips/s", figures.get("round_trips_per_s").asLong()) : "";
        return new Series(label, v, caption);
    }

    public static String svg(String title, List<Series> series) {
        int w = 860;
        int h = 420;
        int left = 70;
        int right = 20;
        int top = 50;
        int bottom = 110;
        double min = Double.MAX_VALUE;
        double hi = 1;
        for (Series s : series) {
            for (long v : s.micros) {
                hi = Math.max(hi, v / 1000.0);
                if (v > 0) {
                    min = Math.min(min, v / 1000.0);
                }
            }
        }
        double lo = Math.max(0.001, Math.pow(10, Math.floor(Math.log10(min == Double.MAX_VALUE ? 0.01 : min))));
        hi = Math.pow(10, Math.ceil(Math.log10(hi)));
        double lLo = Math.log10(lo);
        double lHi = Math.log10(hi);
        int plotH = h - top - bottom;
        int plotW = w - left - right;
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">%n", w, h));
        sb.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", w, h));
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"24\" font-size=\"14\" font-weight=\"bold\">%s</text>%n", left, esc(title)));
        for (double d = lo; d <= hi * 1.0001; d *= 10) {
            double y = top + plotH - (Math.log10(d) - lLo) / (lHi - lLo) * plotH;
            sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>%n", left, w - right, y, y));
            sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s ms</text>%n", left - 6, y + 4,
                    new java.math.BigDecimal(d).round(new java.math.MathContext(1)).stripTrailingZeros().toPlainString()));
        }
        int groups = NAMES.length;
        double gw = (double) plotW / groups;
        double bw = Math.min(28, (gw - 16) / Math.max(1, series.size()));
        for (int g = 0; g < groups; g++) {
            double gx = left + g * gw + (gw - bw * series.size()) / 2;
            for (int s = 0; s < series.size(); s++) {
                double ms = Math.max(lo, series.get(s).micros[g] / 1000.0);
                double y = top + plotH - (Math.log10(ms) - lLo) / (lHi - lLo) * plotH;
                double x = gx + s * bw;
                sb.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>%s %s: %.3f ms</title></rect>%n",
                        x, y, bw - 2, top + plotH - y, COLORS[s % COLORS.length], esc(series.get(s).label), NAMES[g], ms));
            }
            sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n", left + g * gw + gw / 2, top + plotH + 16, NAMES[g]));
        }
        sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"#333\"/>%n", left, w - right, top + plotH, top + plotH));
        for (int s = 0; s < series.size(); s++) {
            int y = top + plotH + 36 + s * 16;
            sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>%n", left, y - 10, COLORS[s % COLORS.length]));
            sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s  %s</text>%n", left + 18, y, esc(series.get(s).label), esc(series.get(s).caption)));
        }
        sb.append("</svg>\n");
        return sb.toString();
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
