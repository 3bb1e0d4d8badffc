package org.bivdiff.schedulers;

/**
 * The DPMSolverMultistepScheduler options (diffusers 0.23 names in brackets).
 *
 * @param solverOrder      order of the multistep solver, 1 or 2 ({@code solver_order}; 2 is "DPM++ 2M")
 * @param algorithmType    {@code algorithm_type}
 * @param solverType       second-order update rule ({@code solver_type})
 * @param lowerOrderFinal  use lower orders for the last steps when fewer than 15 steps ({@code lower_order_final})
 * @param eulerAtFinal     use a first-order step at the very last step ({@code euler_at_final})
 * @param lambdaMinClipped clip timesteps whose lambda(t) = log(alpha_t / sigma_t) falls below this
 *                         ({@code lambda_min_clipped}, default -inf)
 */
public record DpmSolverOptions(int solverOrder, AlgorithmType algorithmType, SolverType solverType,
                               boolean lowerOrderFinal, boolean eulerAtFinal, double lambdaMinClipped) {

    /** diffusers 0.23's defaults: DPM-Solver++ 2M, midpoint, lower order final. */
    public static final DpmSolverOptions DEFAULTS = new DpmSolverOptions(2, AlgorithmType.DPMSOLVER_PLUS_PLUS,
            SolverType.MIDPOINT, true, false, Double.NEGATIVE_INFINITY);

    /** Which quantity the solver integrates: x_0 predictions (++) or noise predictions. */
    public enum AlgorithmType {
        /** {@code dpmsolver++}: data prediction (x_0). */
        DPMSOLVER_PLUS_PLUS,
        /** {@code dpmsolver}: noise prediction (epsilon). */
        DPMSOLVER
    }

    /** The second-order update of the multistep solver. */
    public enum SolverType {
        MIDPOINT, HEUN
    }

    public DpmSolverOptions {
        if (solverOrder < 1 || solverOrder > 2) {
            throw new IllegalArgumentException("solver_order " + solverOrder + " is not supported (1 or 2)");
        }
        if (Double.isNaN(lambdaMinClipped)) {
            throw new IllegalArgumentException("lambda_min_clipped is NaN");
        }
    }
}
