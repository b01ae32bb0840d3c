package dev.dnnrun.benchmarks;

import java.util.function.DoubleUnaryOperator;

/**
 * Second moments through activations, E[f(z)^2] for z ~ N(0, m), by quadrature: {@link NetBuilder} sizes each
 * layer's weights by the moment of its input, and HardSwish or a squeeze-excitation gate shrink small inputs more
 * than large ones, so a fixed factor per activation lets activations drift over dozens of layers. StrictMath keeps
 * the results, hence the weights, the same on every JVM.
 */
final class Moments {
    private static final int STEPS = 800;
    private static final double RANGE = 8;

    private Moments() {
    }

    static double relu(double m) {
        return m / 2;
    }

    /** x * clip(x + 3, 0, 6) / 6. */
    static double hardSwish(double m) {
        return of(z -> z * clip(z + 3, 6) / 6, m);
    }

    /** x * sigmoid(x). */
    static double swish(double m) {
        return of(z -> z / (1 + StrictMath.exp(-z)), m);
    }

    static double sigmoid(double m) {
        return of(z -> 1 / (1 + StrictMath.exp(-z)), m);
    }

    /** clip(x / 6 + 0.5, 0, 1), the squeeze-excitation gate. */
    static double hardSigmoid(double m) {
        return of(z -> clip(z / 6 + 0.5, 1), m);
    }

    private static double clip(double v, double max) {
        return Math.max(0, Math.min(max, v));
    }

    private static double of(DoubleUnaryOperator f, double m) {
        double sigma = Math.sqrt(m);
        double sum = 0;
        double norm = 0;
        for (int i = 0; i <= STEPS; i++) {
            double u = -RANGE + 2 * RANGE * i / STEPS;
            double p = StrictMath.exp(-u * u / 2);
            double v = f.applyAsDouble(sigma * u);
            sum += p * v * v;
            norm += p;
        }
        return sum / norm;
    }
}
