package org.bivdiff.schedulers;

/**
 * Karras et al. (2022) sigma spacing and diffusers' inverse map from a sigma back to a fractional
 * training timestep ({@code _convert_to_karras}, {@code _sigma_to_t} in diffusers 0.23).
 */
final class KarrasSigmas {

    private static final double RHO = 7.0;

    private KarrasSigmas() {
    }

    /** sigma_i = (sigma_max^(1/rho) + i/(n-1) (sigma_min^(1/rho) - sigma_max^(1/rho)))^rho, i = 0..n-1. */
    static double[] ramp(double sigmaMin, double sigmaMax, int n) {
        double[] ramp = NumpyMath.linspace(0, 1, n);
        double minInvRho = Math.pow(sigmaMin, 1 / RHO);
        double maxInvRho = Math.pow(sigmaMax, 1 / RHO);
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = Math.pow(maxInvRho + ramp[i] * (minInvRho - maxInvRho), RHO);
        }
        return out;
    }

    /**
     * The fractional training timestep whose log-sigma interpolates {@code log(sigma)} linearly between
     * its two neighbours in {@code logSigmas} (ascending, one per training timestep).
     */
    static double sigmaToT(double sigma, double[] logSigmas) {
        double logSigma = Math.log(Math.max(sigma, 1e-10));
        int low = 0;
        for (int i = 0; i < logSigmas.length; i++) {
            if (logSigma - logSigmas[i] >= 0) {
                low = i;
            }
        }
        low = Math.min(low, logSigmas.length - 2);
        double lo = logSigmas[low];
        double hi = logSigmas[low + 1];
        double w = Math.clamp((lo - logSigma) / (lo - hi), 0.0, 1.0);
        return (1 - w) * low + w * (low + 1);
    }
}
