package dev.dnnrun.kernels.elementwise;

/**
 * The error function, which java.lang.Math lacks. Near zero a Taylor series keeps full relative accuracy;
 * elsewhere erf = 1 - erfc with the classic Chebyshev-fitted erfc approximation (fractional error below 1.2e-7),
 * which is ample for float32 models (Erf appears in exact GELU).
 */
public final class ErfFunction {
    private static final double TWO_OVER_SQRT_PI = 1.1283791670955126;

    private ErfFunction() {
    }

    public static double erf(double x) {
        double z = Math.abs(x);
        if (z < 0.5) {
            // erf(x) = 2/sqrt(pi) * sum (-1)^n x^(2n+1) / (n! (2n+1)); terms fall below 1e-12 by n = 9 here.
            double x2 = x * x;
            double term = x;
            double sum = x;
            for (int n = 1; n < 12; n++) {
                term *= -x2 / n;
                sum += term / (2 * n + 1);
            }
            return TWO_OVER_SQRT_PI * sum;
        }
        if (Double.isNaN(x)) {
            return x;
        }
        double t = 1.0 / (1.0 + 0.5 * z);
        double erfc = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
                        + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
                                        + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? 1.0 - erfc : erfc - 1.0;
    }
}
