package dev.dnnrun.benchmarks;

import java.util.List;
import java.util.Locale;

/**
 * Draws {@link WarmupCurve}'s latency per call as an SVG line plot with a log-scale y axis (first calls are 10-1000x
 * the steady ones), written by hand so that the benchmarks module needs no plotting library.
 */
final class WarmupPlot {
    private static final int W = 720;
    private static final int H = 420;
    private static final int LEFT = 70;
    private static final int RIGHT = 190;
    private static final int TOP = 40;
    private static final int BOTTOM = 50;
    private static final String[] COLORS = {"#1f5fbf", "#d9731a", "#5fa0ff", "#f2b36b", "#2a8a3e", "#8a2a6e"};

    private WarmupPlot() {
    }

    static String svg(String model, List<WarmupRun> runs) {
        int n = runs.stream().mapToInt(r -> r.callMs().length).max().orElse(1);
        double lo = runs.stream().flatMapToDouble(r -> java.util.Arrays.stream(r.callMs())).min().orElse(1);
        double hi = runs.stream().flatMapToDouble(r -> java.util.Arrays.stream(r.callMs())).max().orElse(10);
        double yMin = Math.floor(Math.log10(Math.max(lo, 1e-3)));
        double yMax = Math.max(yMin + 1, Math.ceil(Math.log10(Math.max(hi, 1e-3))));
        double plotW = W - LEFT - RIGHT;
        double plotH = H - TOP - BOTTOM;
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\""
                        + " font-family=\"sans-serif\" font-size=\"12\">%n", W, H, W, H));
        b.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", W, H));
        b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"22\" font-size=\"15\">%s: latency of each call from a fresh JVM</text>%n",
                        LEFT, model));
        for (double d = yMin; d <= yMax; d++) { // decades, with 2x and 5x ticks between them
            for (int m : new int[] {1, 2, 5}) {
                double v = Math.log10(m) + d;
                if (v > yMax) {
                    break;
                }
                double y = TOP + plotH * (1 - (v - yMin) / (yMax - yMin));
                b.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>%n", LEFT,
                                LEFT + plotW, y, y, m == 1 ? "#bbb" : "#eee"));
                b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n", LEFT - 6, y + 4,
                                label(Math.pow(10, v))));
            }
        }
        int step = niceStep(n);
        for (int x = 0; x <= n; x += step) {
            double px = LEFT + plotW * Math.max(x - 1, 0) / Math.max(n - 1, 1);
            b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/>%n", px, px, TOP,
                            TOP + plotH));
            b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%d</text>%n", px, TOP + plotH + 16,
                            Math.max(x, 1)));
        }
        b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">call</text>%n", LEFT + plotW / 2, H - 12));
        b.append(String.format(Locale.ROOT, "<text transform=\"translate(16 %.1f) rotate(-90)\" text-anchor=\"middle\">ms (log)</text>%n",
                        TOP + plotH / 2));
        b.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"#444\"/>%n",
                        LEFT, TOP, plotW, plotH));
        for (int i = 0; i < runs.size(); i++) {
            WarmupRun r = runs.get(i);
            String color = COLORS[i % COLORS.length];
            String dash = r.threads() > 1 ? " stroke-dasharray=\"5 3\"" : "";
            b.append("<polyline fill=\"none\" stroke-width=\"1.5\" stroke=\"").append(color).append('"').append(dash).append(" points=\"");
            double[] ms = r.callMs();
            for (int c = 0; c < ms.length; c++) {
                double px = LEFT + plotW * c / Math.max(n - 1, 1);
                double py = TOP + plotH * (1 - (Math.log10(Math.max(ms[c], 1e-3)) - yMin) / (yMax - yMin));
                b.append(String.format(Locale.ROOT, "%.1f,%.1f ", px, py));
            }
            b.append("\"/>\n");
            double ly = TOP + 14 + 34 * i;
            b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"2\"%s/>%n",
                            W - RIGHT + 12.0, W - RIGHT + 36.0, ly, ly, color, dash));
            b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\">%s, %d thr</text>%n", W - RIGHT + 42.0, ly + 4, r.runtime(),
                            r.threads()));
            b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" fill=\"#555\">median %s ms</text>%n", W - RIGHT + 42.0,
                            ly + 18, label(r.medianMs())));
        }
        return b.append("</svg>\n").toString();
    }

    private static int niceStep(int n) {
        for (int s : new int[] {1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000}) {
            if (n / s <= 10) {
                return s;
            }
        }
        return n / 10;
    }

    private static String label(double v) {
        return v >= 10 ? String.format(Locale.ROOT, "%.0f", v) : v >= 1 ? String.format(Locale.ROOT, "%.1f", v)
                        : String.format(Locale.ROOT, "%.2f", v);
    }
}
